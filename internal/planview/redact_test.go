package planview

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// Redact leaves out every line of a withheld repository (a login, team or
// member GitHub holds there) and keeps the others, their refusals still
// pointing at their own changes.
func TestRedactWithholdsEveryNameOfARepository(t *testing.T) {
	p := &reconcile.Plan{
		FormatVersion: reconcile.FormatVersion,
		Repos:         []string{"acme/secret", "acme/open", "acme/quiet"},
		Changes: []reconcile.Change{
			{Kind: reconcile.UserRemove, Org: "acme", Repo: "secret", User: "hidden-admin", Before: role.Admin},
			{Kind: reconcile.TeamRemove, Org: "acme", Repo: "secret", Team: "hidden-team", Before: role.Write},
			{Kind: reconcile.UserAdd, Org: "acme", Repo: "open", User: "alice", After: role.Admin},
		},
		Refusals: []reconcile.Refusal{
			{Org: "acme", Repo: "secret", Subject: "user:hidden-admin", Message: "hidden-admin may not", Change: 0},
			{Org: "acme", Repo: "open", Subject: "user:alice", Message: "alice may not hold admin", Change: 2},
			{Org: "acme", Message: "org-wide, from the files", Change: -1},
		},
		Errors:          []reconcile.RepoError{{Org: "acme", Repo: "secret", Message: "user hidden-member is odd"}},
		Notices:         []reconcile.Notice{{Org: "acme", Repo: "secret", Subject: "user:hidden-outside", Message: "hidden-outside"}},
		EffectiveAccess: []reconcile.Effect{{Org: "acme", Repo: "secret", Login: "hidden-member", Before: role.Write}},
	}
	shown, list := Redact(p, func(org, repo string) string {
		if repo == "secret" || repo == "quiet" {
			return "not managed on the base branch"
		}
		return ""
	})
	require.Len(t, shown.Changes, 1)
	assert.Equal(t, "alice", shown.Changes[0].User)
	require.Len(t, shown.Refusals, 2)
	assert.Equal(t, 0, shown.Refusals[0].Change, "alice's refusal points at alice's change")
	assert.Equal(t, -1, shown.Refusals[1].Change)
	assert.Len(t, p.Changes, 3, "the plan itself is not changed")
	assert.Equal(t, []Withheld{
		{Org: "acme", Repo: "quiet", Why: "not managed on the base branch"},
		{Org: "acme", Repo: "secret", Why: "not managed on the base branch", Changes: 2, Refusals: 1, Errors: 1},
	}, list)

	var buf bytes.Buffer
	require.NoError(t, Markdown(&buf, shown, MarkdownOptions{Footer: WithheldMarkdown(list, "See elsewhere.")}))
	require.NoError(t, Text(&buf, shown, TextOptions{}))
	require.NoError(t, JSON(&buf, shown))
	out := buf.String()
	assert.NotContains(t, out, "hidden")
	assert.Contains(t, out, "`acme/secret` (not managed on the base branch): 2 changes, 1 refused change, 1 error")
	assert.Contains(t, out, "alice")
}
