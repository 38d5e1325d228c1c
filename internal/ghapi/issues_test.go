package ghapi

import (
	"testing"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIssuesAndLabels(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddRepo("acme", "permissions", ghsim.RepoOptions{})
	srv.AddIssue("acme", "permissions", ghsim.IssueOptions{Title: "unrelated", Author: "alice"})
	c, _, _ := appClient(t, srv)
	ctx := ctxT(t)

	me, err := c.Viewer(ctx, "acme")
	require.NoError(t, err)
	assert.Equal(t, "permsync[bot]", me)

	require.NoError(t, c.EnsureLabel(ctx, "acme", "permissions", "permsync-drift", "#d73a4a", "Rights drift found by permsync"))
	require.NoError(t, c.EnsureLabel(ctx, "acme", "permissions", "permsync-drift", "d73a4a", ""), "a second call finds it")

	list, err := c.ListIssues(ctx, "acme", "permissions", "permsync-drift", "open")
	require.NoError(t, err)
	assert.Empty(t, list)

	is, err := c.CreateIssue(ctx, "acme", "permissions", "Rights drift", "body 1", []string{"permsync-drift"})
	require.NoError(t, err)
	assert.Equal(t, "Rights drift", is.Title)
	assert.Equal(t, "permsync[bot]", is.Author)
	assert.True(t, is.AuthorIsBot)
	assert.Equal(t, []string{"permsync-drift"}, is.Labels)
	assert.NotEmpty(t, is.URL)

	list, err = c.ListIssues(ctx, "acme", "permissions", "permsync-drift", "open")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, is.Number, list[0].Number)
	assert.Equal(t, "body 1", list[0].Body)

	require.NoError(t, c.CreateComment(ctx, "acme", "permissions", is.Number, "still there"))
	closed, err := c.UpdateIssue(ctx, "acme", "permissions", is.Number, IssueUpdate{Body: ptr("body 2"), State: ptr("closed"), StateReason: ptr("completed")})
	require.NoError(t, err)
	assert.Equal(t, "closed", closed.State)
	assert.Equal(t, "completed", closed.StateReason)

	list, err = c.ListIssues(ctx, "acme", "permissions", "permsync-drift", "open")
	require.NoError(t, err)
	assert.Empty(t, list)
	list, err = c.ListIssues(ctx, "acme", "permissions", "permsync-drift", "all")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "body 2", list[0].Body)

	issues := srv.Issues("acme", "permissions")
	var found bool
	for _, i := range issues {
		if i.Number == int64(is.Number) {
			found = true
			require.Len(t, i.Comments, 1)
			assert.Equal(t, "still there", i.Comments[0].Body)
		}
	}
	assert.True(t, found)
}

func TestPullsAndReviews(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddRepo("acme", "permissions", ghsim.RepoOptions{})
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	n := srv.AddPull("acme", "permissions", ghsim.PullOptions{Title: "give bob write", Author: "alice", Merged: true, MergedBy: "root",
		MergedAt: at, MergeCommitSHA: "abc123", HeadSHA: "def456", Commits: []string{"def456"},
		Reviews: []ghsim.ReviewOptions{{User: "root", State: "APPROVED", CommitID: "def456", At: at.Add(-time.Hour)}, {User: "carol", State: "COMMENTED", At: at.Add(-2 * time.Hour)}}})
	c, _ := tokenClient(t, srv)
	ctx := ctxT(t)

	me, err := c.Viewer(ctx, "acme")
	require.NoError(t, err)
	assert.Equal(t, "root", me)

	pulls, err := c.PullsForCommit(ctx, "acme", "permissions", "abc123")
	require.NoError(t, err)
	require.Len(t, pulls, 1)
	p := pulls[0]
	assert.Equal(t, int(n), p.Number)
	assert.Equal(t, "alice", p.Author)
	assert.True(t, p.Merged)
	assert.Equal(t, at, p.MergedAt)
	assert.Equal(t, "main", p.BaseRef)

	reviews, err := c.PullReviews(ctx, "acme", "permissions", p.Number)
	require.NoError(t, err)
	require.Len(t, reviews, 2)
	states := map[string]string{}
	for _, r := range reviews {
		states[r.User] = r.State
	}
	assert.Equal(t, map[string]string{"root": "APPROVED", "carol": "COMMENTED"}, states)
}

func TestCreateIssueNotRetriedBlindly(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddRepo("acme", "permissions", ghsim.RepoOptions{})
	c, logs := tokenClient(t, srv)
	srv.SetFaults(ghsim.Faults{Routes: []ghsim.RouteFault{{Method: "POST", Path: "/repos/acme/permissions/issues", Status: 502}}})
	_, err := c.CreateIssue(ctxT(t), "acme", "permissions", "Rights drift", "body", []string{"permsync-drift"})
	require.Error(t, err)
	assert.False(t, NotApplied(err), "a 502 leaves the outcome unknown")
	assert.Equal(t, int64(1), srv.Stats().ByRoute["POST /repos/{owner}/{repo}/issues"], "sent once")
	assert.Contains(t, logs.String(), "checking")
}

// TestViewerOfAnInstallationToken: GITHUB_TOKEN in Actions is an
// installation token; GET /user refuses it, GraphQL names its bot.
func TestViewerOfAnInstallationToken(t *testing.T) {
	t.Parallel()
	srv := world(t)
	_, _, inst := appClient(t, srv)
	c, _ := tokenClient(t, srv, func(o *Options) { o.Credentials = TokenCredentials(srv.InstallationToken(inst, nil)) })
	me, err := c.Viewer(ctxT(t), "acme")
	require.NoError(t, err)
	assert.Equal(t, "permsync[bot]", me)
}
