package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Issue is an issue as the drift tracking needs it.
type Issue struct {
	Number      int
	Title       string
	Body        string
	State       string // open, closed
	StateReason string // completed, not_planned, reopened, or ""
	Author      string
	AuthorIsBot bool
	Labels      []string
	URL         string // the page people open
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// IssueUpdate changes an issue; nil fields are left alone.
type IssueUpdate struct {
	Title       *string
	Body        *string
	State       *string // open, closed
	StateReason *string // completed, not_planned, reopened
}

// PullRequest is a pull request as the audit history needs it.
type PullRequest struct {
	Number         int
	Title          string
	State          string
	Author         string
	AuthorIsBot    bool
	URL            string
	BaseRef        string
	HeadSHA        string
	MergeCommitSHA string
	Merged         bool
	MergedAt       time.Time
}

// Review is a pull request review.
type Review struct {
	ID          int64
	User        string
	UserIsBot   bool
	State       string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	CommitID    string
	SubmittedAt time.Time
}

type restUser struct {
	Login string `json:"login"`
	Type  string `json:"type"`
}

func (u *restUser) login() (string, bool) {
	if u == nil {
		return "", false
	}
	return u.Login, strings.EqualFold(u.Type, "Bot")
}

type restIssue struct {
	Number      int       `json:"number"`
	Title       string    `json:"title"`
	Body        *string   `json:"body"`
	State       string    `json:"state"`
	StateReason *string   `json:"state_reason"`
	User        *restUser `json:"user"`
	Labels      []struct {
		Name string `json:"name"`
	} `json:"labels"`
	HTMLURL     string    `json:"html_url"`
	CreatedAt   string    `json:"created_at"`
	UpdatedAt   string    `json:"updated_at"`
	PullRequest *struct{} `json:"pull_request"`
}

func (i *restIssue) issue() Issue {
	out := Issue{Number: i.Number, Title: i.Title, State: i.State, URL: i.HTMLURL, Labels: []string{},
		CreatedAt: timeOrZero(i.CreatedAt), UpdatedAt: timeOrZero(i.UpdatedAt)}
	if i.Body != nil {
		out.Body = *i.Body
	}
	if i.StateReason != nil {
		out.StateReason = *i.StateReason
	}
	out.Author, out.AuthorIsBot = i.User.login()
	for _, l := range i.Labels {
		out.Labels = append(out.Labels, l.Name)
	}
	return out
}

// Viewer returns the login the credentials act as: "<app-slug>[bot]" for
// a GitHub App (GET /app with the App's JWT), the user's login for a token
// (GET /user). org is where the credentials are used; the answer does not
// depend on it today.
func (c *Client) Viewer(ctx context.Context, org string) (string, error) {
	a := c.auth
	if a.token == nil {
		var app struct {
			Slug string `json:"slug"`
		}
		if _, err := a.appConn.do(ctx, http.MethodGet, "app", nil, &app); err != nil {
			return "", err
		}
		if app.Slug == "" {
			return "", &Error{Op: "GET /app", Kind: KindOther, Message: "GitHub's answer holds no App slug"}
		}
		return app.Slug + "[bot]", nil
	}
	var u restUser
	_, err := a.token.do(ctx, http.MethodGet, "user", nil, &u)
	if err == nil {
		return u.Login, nil
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusForbidden {
		return "", err
	}
	// An installation token (GITHUB_TOKEN in Actions) cannot call GET
	// /user; GraphQL's viewer names its bot.
	res, gerr := a.token.graphql(ctx, "Viewer", QueryViewer, nil)
	if gerr != nil {
		return "", err
	}
	var v struct {
		Login string `json:"login"`
	}
	if ok, _ := res.decodeField("viewer", &v); !ok || v.Login == "" {
		return "", err
	}
	return v.Login, nil
}

// ListIssues lists the issues (not pull requests) of a repository with a
// label (all labels when empty), in state open, closed or all.
func (c *Client) ListIssues(ctx context.Context, owner, repo, label, state string) ([]Issue, error) {
	cn, err := c.auth.conn(ctx, owner)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if state == "" {
		state = "open"
	}
	q.Set("state", state)
	if label != "" {
		q.Set("labels", label)
	}
	list, err := listAll[restIssue](ctx, cn, repoPath(owner, repo)+"/issues?"+q.Encode())
	if err != nil {
		return nil, err
	}
	out := []Issue{}
	for i := range list {
		if list[i].PullRequest != nil {
			continue
		}
		out = append(out, list[i].issue())
	}
	return out, nil
}

// CreateIssue opens an issue. Creating is not idempotent, so it is never
// retried blindly: after an answer that leaves the outcome unknown (a 5xx,
// a reset connection), the open issues with the first label are searched
// for one with the same title by the same author, and that one is
// returned if found.
func (c *Client) CreateIssue(ctx context.Context, owner, repo, title, body string, labels []string) (Issue, error) {
	cn, err := c.auth.conn(ctx, owner)
	if err != nil {
		return Issue{}, err
	}
	req := map[string]any{"title": title, "body": body}
	if len(labels) > 0 {
		req["labels"] = labels
	}
	var out restIssue
	_, err = cn.do(ctx, http.MethodPost, repoPath(owner, repo)+"/issues", req, &out)
	if err == nil {
		return out.issue(), nil
	}
	if NotApplied(err) || len(labels) == 0 || ctx.Err() != nil {
		return Issue{}, err
	}
	c.logf("ghapi: creating an issue in %s/%s may or may not have worked (%v); checking", owner, repo, err)
	found, lerr := c.ListIssues(ctx, owner, repo, labels[0], "open")
	if lerr != nil {
		return Issue{}, err
	}
	me, _ := c.Viewer(ctx, owner)
	for _, is := range found {
		if is.Title == title && (me == "" || strings.EqualFold(is.Author, me)) {
			return is, nil
		}
	}
	return Issue{}, err
}

// UpdateIssue edits an issue (PATCH /repos/{o}/{r}/issues/{n}).
func (c *Client) UpdateIssue(ctx context.Context, owner, repo string, number int, u IssueUpdate) (Issue, error) {
	cn, err := c.auth.conn(ctx, owner)
	if err != nil {
		return Issue{}, err
	}
	body := map[string]string{}
	if u.Title != nil {
		body["title"] = *u.Title
	}
	if u.Body != nil {
		body["body"] = *u.Body
	}
	if u.State != nil {
		body["state"] = *u.State
	}
	if u.StateReason != nil {
		body["state_reason"] = *u.StateReason
	}
	var out restIssue
	_, err = cn.do(ctx, http.MethodPatch, repoPath(owner, repo)+"/issues/"+strconv.Itoa(number), body, &out)
	if err != nil {
		return Issue{}, err
	}
	return out.issue(), nil
}

// CreateComment comments on an issue; it is not retried after an
// unknown outcome (a comment posted twice is noise, not harm, but the
// caller decides).
func (c *Client) CreateComment(ctx context.Context, owner, repo string, number int, body string) error {
	cn, err := c.auth.conn(ctx, owner)
	if err != nil {
		return err
	}
	_, err = cn.do(ctx, http.MethodPost, repoPath(owner, repo)+"/issues/"+strconv.Itoa(number)+"/comments", map[string]string{"body": body}, nil)
	return err
}

// EnsureLabel makes sure a label exists (creating it with color, a hex
// code without '#', and description when missing).
func (c *Client) EnsureLabel(ctx context.Context, owner, repo, name, color, description string) error {
	cn, err := c.auth.conn(ctx, owner)
	if err != nil {
		return err
	}
	_, err = cn.do(ctx, http.MethodGet, repoPath(owner, repo)+"/labels/"+pathSeg(name), nil, nil)
	if err == nil {
		return nil
	}
	if KindOf(err) != KindNotFound {
		return err
	}
	body := map[string]string{"name": name, "color": strings.TrimPrefix(color, "#")}
	if description != "" {
		body["description"] = description
	}
	// A repeated creation answers 422 already_exists: safe to retry.
	_, err = cn.do(ctx, http.MethodPost, repoPath(owner, repo)+"/labels", body, nil, retrySafe())
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity && strings.Contains(strings.ToLower(fmt.Sprint(e.Details, e.Message)), "already") {
		return nil
	}
	return err
}

type restPull struct {
	Number   int       `json:"number"`
	Title    string    `json:"title"`
	State    string    `json:"state"`
	User     *restUser `json:"user"`
	HTMLURL  string    `json:"html_url"`
	MergedAt *string   `json:"merged_at"`
	Base     *struct {
		Ref string `json:"ref"`
	} `json:"base"`
	Head *struct {
		SHA string `json:"sha"`
	} `json:"head"`
	MergeCommitSHA *string `json:"merge_commit_sha"`
}

// PullsForCommit lists the pull requests associated with a commit (GET
// /repos/{o}/{r}/commits/{sha}/pulls).
func (c *Client) PullsForCommit(ctx context.Context, owner, repo, sha string) ([]PullRequest, error) {
	cn, err := c.auth.conn(ctx, owner)
	if err != nil {
		return nil, err
	}
	list, err := listAll[restPull](ctx, cn, repoPath(owner, repo)+"/commits/"+pathSeg(sha)+"/pulls")
	if err != nil {
		return nil, err
	}
	out := []PullRequest{}
	for _, p := range list {
		pr := PullRequest{Number: p.Number, Title: p.Title, State: p.State, URL: p.HTMLURL}
		pr.Author, pr.AuthorIsBot = p.User.login()
		if p.Base != nil {
			pr.BaseRef = p.Base.Ref
		}
		if p.Head != nil {
			pr.HeadSHA = p.Head.SHA
		}
		if p.MergeCommitSHA != nil {
			pr.MergeCommitSHA = *p.MergeCommitSHA
		}
		if p.MergedAt != nil && *p.MergedAt != "" {
			pr.Merged = true
			pr.MergedAt = timeOrZero(*p.MergedAt)
		}
		out = append(out, pr)
	}
	return out, nil
}

// PullReviews lists a pull request's reviews, oldest first.
func (c *Client) PullReviews(ctx context.Context, owner, repo string, number int) ([]Review, error) {
	cn, err := c.auth.conn(ctx, owner)
	if err != nil {
		return nil, err
	}
	list, err := listAll[struct {
		ID          int64     `json:"id"`
		User        *restUser `json:"user"`
		State       string    `json:"state"`
		CommitID    string    `json:"commit_id"`
		SubmittedAt string    `json:"submitted_at"`
	}](ctx, cn, repoPath(owner, repo)+"/pulls/"+strconv.Itoa(number)+"/reviews")
	if err != nil {
		return nil, err
	}
	out := []Review{}
	for _, r := range list {
		rv := Review{ID: r.ID, State: r.State, CommitID: r.CommitID, SubmittedAt: timeOrZero(r.SubmittedAt)}
		rv.User, rv.UserIsBot = r.User.login()
		out = append(out, rv)
	}
	return out, nil
}
