package drift

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// memIssues is an in-memory issue tracker. The end-to-end test against the
// simulated GitHub lives with the CLI.
type memIssues struct {
	me       string
	issues   []*Issue
	labels   map[string]bool
	comments map[int][]string
}

func (m *memIssues) Viewer(context.Context) (string, error) { return m.me, nil }

func (m *memIssues) OpenIssues(_ context.Context, owner, repo, label string) ([]Issue, error) {
	var out []Issue
	for _, is := range m.issues {
		if is.State == "open" {
			out = append(out, *is)
		}
	}
	return out, nil
}

func (m *memIssues) CreateIssue(_ context.Context, owner, repo, title, body string, labels []string) (Issue, error) {
	is := &Issue{Number: len(m.issues) + 1, Title: title, Body: body, State: "open", Author: m.me}
	m.issues = append(m.issues, is)
	return *is, nil
}

func (m *memIssues) EditIssue(_ context.Context, owner, repo string, n int, body, state, reason string) error {
	is := m.issues[n-1]
	if body != "" {
		is.Body = body
	}
	if state != "" {
		is.State = state
	}
	return nil
}

func (m *memIssues) Comment(_ context.Context, owner, repo string, n int, body string) error {
	if m.comments == nil {
		m.comments = map[int][]string{}
	}
	m.comments[n] = append(m.comments[n], body)
	return nil
}

func (m *memIssues) EnsureLabel(_ context.Context, owner, repo, name, color, desc string) error {
	if m.labels == nil {
		m.labels = map[string]bool{}
	}
	m.labels[name] = true
	return nil
}

func driftPlan() *reconcile.Plan {
	return &reconcile.Plan{Orgs: []reconcile.OrgMode{{Org: "acme", Mode: config.Authoritative}}, Repos: []string{"acme/widget"},
		Changes: []reconcile.Change{{Kind: reconcile.UserRemove, Org: "acme", Repo: "widget", User: "stray", Before: role.Admin}}}
}

func TestOpenUpdateClose(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 4, 17, 0, 0, time.UTC)
	m := &memIssues{me: "permsync-reader[bot]"}
	// Someone else's issue with the label is not ours.
	m.issues = append(m.issues, &Issue{Number: 1, State: "open", Author: "mallory", Title: "permsync: fake"})

	res, err := Sync(ctx, m, "acme", "perms", driftPlan(), nil, now, "")
	require.NoError(t, err)
	assert.Equal(t, Opened, res.Action)
	assert.Equal(t, 2, res.Issue.Number)
	assert.True(t, m.labels[Label])
	assert.Contains(t, m.issues[1].Body, "- remove user stray (admin)")

	res, err = Sync(ctx, m, "acme", "perms", driftPlan(), nil, now.Add(24*time.Hour), "")
	require.NoError(t, err)
	assert.Equal(t, Updated, res.Action)
	assert.Len(t, m.issues, 2, "one tracking issue, updated in place")
	assert.Contains(t, m.issues[1].Body, "2026-11-28")

	res, err = Sync(ctx, m, "acme", "perms", &reconcile.Plan{Orgs: driftPlan().Orgs}, nil, now.Add(48*time.Hour), "")
	require.NoError(t, err)
	assert.Equal(t, Closed, res.Action)
	assert.Equal(t, "closed", m.issues[1].State)
	assert.Contains(t, m.comments[2][0], "No drift any more")
	assert.Equal(t, "open", m.issues[0].State, "another author's issue is never touched")

	res, err = Sync(ctx, m, "acme", "perms", &reconcile.Plan{}, nil, now.Add(72*time.Hour), "")
	require.NoError(t, err)
	assert.Equal(t, None, res.Action)
}

func TestDuplicatesAreClosed(t *testing.T) {
	m := &memIssues{me: "bot[bot]"}
	m.issues = []*Issue{{Number: 1, State: "open", Author: "bot[bot]"}, {Number: 2, State: "open", Author: "BOT[bot]"}}
	res, err := Sync(context.Background(), m, "o", "r", driftPlan(), nil, time.Date(2026, 11, 27, 4, 17, 0, 0, time.UTC), "")
	require.NoError(t, err)
	assert.Equal(t, Updated, res.Action)
	assert.Equal(t, 1, res.Issue.Number)
	assert.Equal(t, []int{2}, res.Duplicates)
	assert.Equal(t, "closed", m.issues[1].State)
}

func TestAdditiveExtrasAreDrift(t *testing.T) {
	p := &reconcile.Plan{Notices: []reconcile.Notice{{Kind: reconcile.NoticeUnmanaged, Org: "acme", Message: "user x holds write on GitHub but is not in f",
		Items: []reconcile.Item{{Repo: "widget", Subject: "user:x"}}}}}
	assert.True(t, Exists(p))
	body := Body(p, nil, time.Date(2026, 11, 27, 4, 17, 0, 0, time.UTC), "")
	// Listed first, as what changed outside permsync (the wording moved
	// from one count line to the list itself).
	assert.Contains(t, body, "## Changed outside permsync\n\n1 difference in 1 repository")
	assert.Contains(t, body, "user x holds write on GitHub but is not in f")
	assert.Less(t, strings.Index(body, "user x holds write"), strings.Index(body, "What apply would do"))
	assert.False(t, Exists(&reconcile.Plan{Notices: []reconcile.Notice{{Kind: reconcile.NoticeArchived}}}))
}

// An upcoming expiry alone opens the tracking issue, which says what expires.
func TestExpiringGrantAloneOpensTheIssue(t *testing.T) {
	p := &reconcile.Plan{Orgs: []reconcile.OrgMode{{Org: "acme"}}, Notices: []reconcile.Notice{{Kind: reconcile.NoticeExpiresSoon, Org: "acme",
		Message: "user alice's write grant expires on 2027-03-01",
		Items:   []reconcile.Item{{Repo: "widget", Subject: "user:alice"}}}}}
	assert.True(t, Exists(p))
	body := Body(p, nil, time.Date(2027, 2, 20, 12, 0, 0, 0, time.UTC), "")
	assert.Contains(t, body, "1 grants expire within 14 days")
	assert.Contains(t, body, "alice")
	m := &memIssues{me: "bot[bot]"}
	res, err := Sync(context.Background(), m, "o", "r", p, nil, time.Date(2027, 2, 20, 12, 0, 0, 0, time.UTC), "")
	require.NoError(t, err)
	assert.Equal(t, Opened, res.Action)
	assert.False(t, Exists(&reconcile.Plan{Notices: []reconcile.Notice{{Kind: reconcile.NoticeRenamed}}}), "other notices are not drift")
}

// TestBodyIsOneDocument: the issue body is the account of what changed,
// then the plan under its own heading, with no pull-request marker, and
// stays within GitHub's limit however large the plan.
func TestBodyIsOneDocument(t *testing.T) {
	now := time.Date(2026, 11, 27, 4, 17, 0, 0, time.UTC)
	body := Body(driftPlan(), nil, now, "")
	require.True(t, strings.HasPrefix(body, "Repository rights on GitHub differ from the permissions files.\n\n## Changed outside permsync\n"), body)
	assert.Contains(t, body, "\n## What apply would do\n")
	assert.Less(t, strings.Index(body, "## Changed outside permsync"), strings.Index(body, "## What apply would do"))
	assert.NotContains(t, body, "permsync:plan")
	assert.True(t, strings.HasSuffix(body, "._\n"), "the footer closes it")

	big := driftPlan()
	for i := range 20000 {
		c := big.Changes[0]
		c.Repo = fmt.Sprintf("repo-%05d", i)
		c.User = fmt.Sprintf("stray-%05d", i)
		big.Changes = append(big.Changes, c)
	}
	body = Body(big, nil, now, "https://example.invalid/run/1")
	assert.LessOrEqual(t, len(body), planview.CommentLimit-4096)
	assert.Contains(t, body, "- …and 19941 more (the plan below lists every change)")
	assert.Contains(t, body, "more repositories with", "the plan is folded to fit")
	assert.True(t, strings.HasSuffix(body, "([run](https://example.invalid/run/1))._\n"), "the footer is never cut")
}
