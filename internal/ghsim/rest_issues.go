package ghsim

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxBody is GitHub's limit on issue and comment bodies, in characters.
const maxBody = 65536

func (c *ctx) authorAssociation(r *repo, u *user) string {
	if m := r.org.member(u.login); m != nil {
		if m.owner {
			return "OWNER"
		}
		return "MEMBER"
	}
	if _, ok := r.collabs[lower(u.login)]; ok {
		return "COLLABORATOR"
	}
	return "NONE"
}

func (c *ctx) reactions(u string) map[string]any {
	return map[string]any{"url": u + "/reactions", "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "confused": 0, "heart": 0, "hooray": 0, "eyes": 0, "rocket": 0}
}

func (c *ctx) labelJSON(r *repo, l *label) map[string]any {
	return map[string]any{
		"id": l.id, "node_id": nodeID("Label", l.id), "url": c.base() + "/repos/" + r.fullName() + "/labels/" + l.name,
		"name": l.name, "description": orNil(l.description), "color": l.color, "default": false,
	}
}

func (c *ctx) issueJSON(r *repo, is *issue) map[string]any {
	u := c.base() + "/repos/" + r.fullName() + "/issues/" + itoa(is.number)
	labels := []any{}
	for _, name := range is.labels {
		if l := r.label(name); l != nil {
			labels = append(labels, c.labelJSON(r, l))
		}
	}
	m := map[string]any{
		"id": is.id, "node_id": nodeID("Issue", is.id), "url": u,
		"repository_url": c.base() + "/repos/" + r.fullName(),
		"labels_url":     u + "/labels{/name}", "comments_url": u + "/comments", "events_url": u + "/events",
		"html_url": c.htmlBase() + "/" + r.fullName() + "/issues/" + itoa(is.number),
		"number":   is.number, "state": is.state, "state_reason": orNil(is.stateReason), "title": is.title, "body": is.body,
		"user": c.userJSON(is.user), "labels": labels, "assignee": nil, "assignees": []any{}, "milestone": nil,
		"locked": false, "active_lock_reason": nil, "comments": len(is.comments),
		"closed_at": tsPtr(is.closed), "created_at": ts(is.created), "updated_at": ts(is.updated),
		"author_association": c.authorAssociation(r, is.user), "reactions": c.reactions(u),
		"timeline_url": u + "/timeline", "performed_via_github_app": nil,
	}
	if is.app != nil {
		m["performed_via_github_app"] = c.appJSON(is.app)
	}
	if is.pull != nil {
		pu := c.base() + "/repos/" + r.fullName() + "/pulls/" + itoa(is.number)
		ph := c.htmlBase() + "/" + r.fullName() + "/pull/" + itoa(is.number)
		m["pull_request"] = map[string]any{"url": pu, "html_url": ph, "diff_url": ph + ".diff", "patch_url": ph + ".patch", "merged_at": tsPtr(is.pull.mergedAt)}
		m["html_url"] = ph
		m["draft"] = false
	}
	return m
}

// withIssue runs h on the issue numbered by the path's issue_number (any
// issue or pull request) or pull_number (a pull request only).
func withIssue(param string, h func(*ctx, *repo, *issue)) func(*ctx, *repo) {
	return func(c *ctx, r *repo) {
		n, err := strconv.ParseInt(c.pv(param), 10, 64)
		if err != nil || n < 1 || int(n) > len(r.issues) || param == "pull_number" && r.issues[n-1].pull == nil {
			c.notFound()
			return
		}
		h(c, r, r.issues[n-1])
	}
}

func hListIssues(c *ctx, r *repo) {
	q := c.r.URL.Query()
	state := cmp.Or(q.Get("state"), "open")
	var want []string
	if l := q.Get("labels"); l != "" {
		want = strings.Split(l, ",")
	}
	// "app/<slug>" names an App's bot, as in GitHub's search syntax.
	creator := q.Get("creator")
	if slug, ok := strings.CutPrefix(creator, "app/"); ok {
		creator = slug + "[bot]"
	}
	var list []*issue
	// Newest first: GitHub's default sort is created, direction desc.
	for i := len(r.issues) - 1; i >= 0; i-- {
		is := r.issues[i]
		missing := func(w string) bool {
			return !slices.ContainsFunc(is.labels, func(l string) bool { return strings.EqualFold(l, strings.TrimSpace(w)) })
		}
		if (state == "all" || is.state == state) && (creator == "" || strings.EqualFold(is.user.login, creator)) && !slices.ContainsFunc(want, missing) {
			list = append(list, is)
		}
	}
	if q.Get("direction") == "asc" {
		slices.Reverse(list)
	}
	c.json(http.StatusOK, paged(c, list, func(is *issue) any { return c.issueJSON(r, is) }))
}

func hGetIssue(c *ctx, r *repo, is *issue) { c.json(http.StatusOK, c.issueJSON(r, is)) }

type issueIn struct {
	Title       *string   `json:"title"`
	Body        *string   `json:"body"`
	State       *string   `json:"state"`
	StateReason *string   `json:"state_reason"`
	Labels      *[]string `json:"labels"`
}

func (c *ctx) applyIssue(r *repo, is *issue, in *issueIn) bool {
	if in.Body != nil && utf8.RuneCountInString(*in.Body) > maxBody {
		c.validation("Issue", "body", "custom", "body is too long (maximum is 65536 characters)")
		return false
	}
	if in.Title != nil {
		if strings.TrimSpace(*in.Title) == "" {
			c.validation("Issue", "title", "missing_field", "")
			return false
		}
		is.title = *in.Title
	}
	if in.Body != nil {
		is.body = *in.Body
	}
	if in.Labels != nil {
		is.labels = nil
		for _, name := range *in.Labels {
			is.labels = append(is.labels, r.labelOrNew(c.st, name).name)
		}
	}
	if in.State != nil {
		switch *in.State {
		case "open":
			if is.state != "open" {
				is.state, is.closed = "open", nil
				is.stateReason = "reopened"
			}
		case "closed":
			if is.state != "closed" {
				now := c.now
				is.state, is.closed = "closed", &now
				is.stateReason = "completed"
			}
		default:
			c.validation("Issue", "state", "invalid", "")
			return false
		}
	}
	if in.StateReason != nil {
		switch *in.StateReason {
		case "completed", "not_planned", "reopened", "duplicate":
			is.stateReason = *in.StateReason
		default:
			c.validation("Issue", "state_reason", "invalid", "")
			return false
		}
	}
	is.updated = c.now
	return true
}

func hCreateIssue(c *ctx, r *repo) {
	var in issueIn
	if !c.decode(&in) {
		return
	}
	if in.Title == nil {
		c.validation("Issue", "title", "missing_field", "")
		return
	}
	is := &issue{number: int64(len(r.issues) + 1), id: c.st.id(), state: "open", user: c.actor(), created: c.now}
	if c.id.kind == identInstallation {
		is.app = c.id.app
	}
	in.State, in.StateReason = nil, nil
	if !c.applyIssue(r, is, &in) {
		return
	}
	r.issues = append(r.issues, is)
	c.header.Set("Location", c.base()+"/repos/"+r.fullName()+"/issues/"+itoa(is.number))
	c.json(http.StatusCreated, c.issueJSON(r, is))
}

// actor is who a write is attributed to: the App's bot for an installation.
func (c *ctx) actor() *user {
	if c.id.user != nil {
		return c.id.user
	}
	return c.st.addUser("ghost", "User")
}

func hPatchIssue(c *ctx, r *repo, is *issue) {
	var in issueIn
	if !c.decode(&in) {
		return
	}
	if c.applyIssue(r, is, &in) {
		c.json(http.StatusOK, c.issueJSON(r, is))
	}
}

func (c *ctx) commentJSON(r *repo, is *issue, cm *comment) map[string]any {
	u := c.base() + "/repos/" + r.fullName() + "/issues/comments/" + itoa(cm.id)
	return map[string]any{
		"id": cm.id, "node_id": nodeID("IssueComment", cm.id), "url": u, "body": cm.body,
		"html_url": c.htmlBase() + "/" + r.fullName() + "/issues/" + itoa(is.number) + "#issuecomment-" + itoa(cm.id),
		"user":     c.userJSON(cm.user), "created_at": ts(cm.created), "updated_at": ts(cm.updated),
		"issue_url":          c.base() + "/repos/" + r.fullName() + "/issues/" + itoa(is.number),
		"author_association": c.authorAssociation(r, cm.user), "reactions": c.reactions(u),
		"performed_via_github_app": nil,
	}
}

func hListComments(c *ctx, r *repo, is *issue) {
	c.json(http.StatusOK, paged(c, is.comments, func(cm *comment) any { return c.commentJSON(r, is, cm) }))
}

func hCreateComment(c *ctx, r *repo, is *issue) {
	var in struct {
		Body *string `json:"body"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Body == nil {
		c.validation("IssueComment", "body", "missing_field", "")
		return
	}
	if utf8.RuneCountInString(*in.Body) > maxBody {
		c.validation("IssueComment", "body", "custom", "Body is too long (maximum is 65536 characters)")
		return
	}
	cm := &comment{id: c.st.id(), body: *in.Body, user: c.actor(), created: c.now, updated: c.now}
	is.comments = append(is.comments, cm)
	is.updated = c.now
	c.json(http.StatusCreated, c.commentJSON(r, is, cm))
}

func hListLabels(c *ctx, r *repo) {
	c.json(http.StatusOK, paged(c, r.labels, func(l *label) any { return c.labelJSON(r, l) }))
}

func hGetLabel(c *ctx, r *repo) {
	l := r.label(c.pv("name"))
	if l == nil {
		c.notFound()
		return
	}
	c.json(http.StatusOK, c.labelJSON(r, l))
}

func hCreateLabel(c *ctx, r *repo) {
	var in struct {
		Name        string `json:"name"`
		Color       string `json:"color"`
		Description string `json:"description"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Name == "" {
		c.validation("Label", "name", "missing_field", "")
		return
	}
	if r.label(in.Name) != nil {
		c.validation("Label", "name", "already_exists", "")
		return
	}
	color := cmp.Or(strings.TrimPrefix(in.Color, "#"), "ededed")
	l := &label{id: c.st.id(), name: in.Name, color: color, description: in.Description}
	r.labels = append(r.labels, l)
	c.json(http.StatusCreated, c.labelJSON(r, l))
}

func (c *ctx) pullJSON(r *repo, is *issue, full bool) map[string]any {
	p := is.pull
	u := c.base() + "/repos/" + r.fullName() + "/pulls/" + itoa(is.number)
	h := c.htmlBase() + "/" + r.fullName() + "/pull/" + itoa(is.number)
	iu := c.base() + "/repos/" + r.fullName() + "/issues/" + itoa(is.number)
	ref := func(name, sha string) map[string]any {
		return map[string]any{"label": r.org.login + ":" + name, "ref": name, "sha": sha, "user": c.orgOwnerJSON(r.org),
			"repo": c.repoJSON(r, RoleNone, false, false)}
	}
	m := map[string]any{
		"url": u, "id": p.id, "node_id": nodeID("PullRequest", p.id), "html_url": h, "diff_url": h + ".diff",
		"patch_url": h + ".patch", "issue_url": iu, "commits_url": u + "/commits", "review_comments_url": u + "/comments",
		"review_comment_url": c.base() + "/repos/" + r.fullName() + "/pulls/comments{/number}", "comments_url": iu + "/comments",
		"statuses_url": c.base() + "/repos/" + r.fullName() + "/statuses/" + p.headSHA,
		"number":       is.number, "state": is.state, "locked": false, "title": is.title, "user": c.userJSON(is.user),
		"body": nil, "labels": []any{}, "milestone": nil, "active_lock_reason": nil,
		"created_at": ts(is.created), "updated_at": ts(is.updated), "closed_at": tsPtr(is.closed),
		"merged_at": tsPtr(p.mergedAt), "merge_commit_sha": orNil(p.mergeSHA), "assignee": nil, "assignees": []any{},
		"requested_reviewers": []any{}, "requested_teams": []any{},
		"head": ref(p.headRef, p.headSHA), "base": ref(p.baseRef, r.branchSHA[p.baseRef]),
		"_links": map[string]any{
			"self": map[string]any{"href": u}, "html": map[string]any{"href": h}, "issue": map[string]any{"href": iu},
			"comments": map[string]any{"href": iu + "/comments"}, "review_comments": map[string]any{"href": u + "/comments"},
			"review_comment": map[string]any{"href": c.base() + "/repos/" + r.fullName() + "/pulls/comments{/number}"},
			"commits":        map[string]any{"href": u + "/commits"}, "statuses": map[string]any{"href": c.base() + "/repos/" + r.fullName() + "/statuses/" + p.headSHA},
		},
		"author_association": c.authorAssociation(r, is.user), "auto_merge": nil, "draft": false,
	}
	if is.body != "" {
		m["body"] = is.body
	}
	if full {
		maps.Copy(m, map[string]any{
			"user": c.userJSON(is.user), "merged": p.merged, "mergeable": nil, "rebaseable": nil,
			"mergeable_state": "unknown", "merged_by": c.userJSON(p.mergedBy), "comments": len(is.comments),
			"review_comments": 0, "maintainer_can_modify": false, "commits": max(len(p.commits), 1),
		})
		m["additions"], m["deletions"], m["changed_files"] = 0, 0, 0
	}
	return m
}

func hCommitPulls(c *ctx, r *repo) {
	sha := c.pv("commit_sha")
	var list []*issue
	for _, is := range r.issues {
		p := is.pull
		if p == nil {
			continue
		}
		if p.mergeSHA == sha || p.headSHA == sha || slices.Contains(p.commits, sha) {
			list = append(list, is)
		}
	}
	c.json(http.StatusOK, paged(c, list, func(is *issue) any { return c.pullJSON(r, is, false) }))
}

func hGetPull(c *ctx, r *repo, is *issue) { c.json(http.StatusOK, c.pullJSON(r, is, true)) }

func hPullReviews(c *ctx, r *repo, is *issue) {
	pu := c.base() + "/repos/" + r.fullName() + "/pulls/" + itoa(is.number)
	c.json(http.StatusOK, paged(c, is.pull.reviews, func(x *review) any {
		h := c.htmlBase() + "/" + r.fullName() + "/pull/" + itoa(is.number) + "#pullrequestreview-" + itoa(x.id)
		return map[string]any{
			"id": x.id, "node_id": nodeID("PullRequestReview", x.id), "user": c.userJSON(x.user), "body": x.body,
			"state": x.state, "html_url": h, "pull_request_url": pu, "submitted_at": ts(x.submitted), "commit_id": x.commitID,
			"author_association": c.authorAssociation(r, x.user),
			"_links":             map[string]any{"html": map[string]any{"href": h}, "pull_request": map[string]any{"href": pu}},
		}
	}))
}
