package operation

import (
	"context"

	"github.com/AcademySoftwareFoundation/permsync/internal/drift"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
)

// SyncIssue opens, updates or closes drift's one tracking issue in
// owner/repo for the plan (made with the issue repository in PlanInput.Repos
// and Issues write in its Perms).
func (e Env) SyncIssue(ctx context.Context, p *Planned, owner, repo, runURL string) (drift.Result, error) {
	tracker := &issueTracker{c: p.Client, org: owner, getenv: e.Getenv}
	return drift.Sync(ctx, tracker, owner, repo, p.Plan, p.Actual, e.Now(), runURL)
}

// issueTracker gives drift the adapter's issue calls.
type issueTracker struct {
	c      *ghapi.Client
	org    string
	getenv func(string) string
}

func (t *issueTracker) Viewer(ctx context.Context) (string, error) {
	login, err := t.c.Viewer(ctx, t.org)
	if err != nil && t.getenv("GITHUB_ACTIONS") == "true" && t.getenv("PERMSYNC_APP_ID") == "" {
		// The Actions GITHUB_TOKEN cannot ask who it is; it acts as this bot.
		return "github-actions[bot]", nil
	}
	return login, err
}

func (t *issueTracker) OpenIssues(ctx context.Context, owner, repo, label string) ([]drift.Issue, error) {
	list, err := t.c.ListIssues(ctx, owner, repo, label, "open")
	if err != nil {
		return nil, err
	}
	out := make([]drift.Issue, 0, len(list))
	for _, is := range list {
		out = append(out, issueOf(is))
	}
	return out, nil
}

func issueOf(is ghapi.Issue) drift.Issue {
	return drift.Issue{Number: is.Number, Title: is.Title, Body: is.Body, State: is.State, Author: is.Author, URL: is.URL}
}

func (t *issueTracker) CreateIssue(ctx context.Context, owner, repo, title, body string, labels []string) (drift.Issue, error) {
	is, err := t.c.CreateIssue(ctx, owner, repo, title, body, labels)
	if err != nil {
		return drift.Issue{}, err
	}
	return issueOf(is), nil
}

func (t *issueTracker) EditIssue(ctx context.Context, owner, repo string, number int, body, state, reason string) error {
	var u ghapi.IssueUpdate
	if body != "" {
		u.Body = &body
	}
	if state != "" {
		u.State = &state
	}
	if reason != "" {
		u.StateReason = &reason
	}
	_, err := t.c.UpdateIssue(ctx, owner, repo, number, u)
	return err
}

func (t *issueTracker) Comment(ctx context.Context, owner, repo string, number int, body string) error {
	return t.c.CreateComment(ctx, owner, repo, number, body)
}

func (t *issueTracker) EnsureLabel(ctx context.Context, owner, repo, name, color, description string) error {
	return t.c.EnsureLabel(ctx, owner, repo, name, color, description)
}
