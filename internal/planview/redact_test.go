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
			// One cause across both repositories: the withheld item goes,
			// the cause stays with the other.
			{Org: "acme", Message: "may not hold admin", Items: []reconcile.RefusedItem{
				{Item: reconcile.Item{Repo: "secret", Subject: "user:hidden-admin", Detail: "hidden-admin"}, Change: 0},
				{Item: reconcile.Item{Repo: "open", Subject: "user:alice", Detail: "alice"}, Change: 2},
			}},
			// Only in the withheld repository: the whole entry goes.
			{Org: "acme", Message: "hidden-team too", Items: []reconcile.RefusedItem{
				{Item: reconcile.Item{Repo: "secret", Subject: "team:hidden-team"}, Change: 1},
			}},
			{Org: "acme", Message: "org-wide, from the files"},
		},
		Errors: []reconcile.RepoError{{Org: "acme", Repo: "secret", Message: "user hidden-member is odd"}},
		Notices: []reconcile.Notice{
			{Org: "acme", Message: "outside", Items: []reconcile.Item{{Repo: "secret", Subject: "user:hidden-outside", Detail: "hidden-outside"}}},
		},
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
	require.Len(t, shown.Refusals[0].Items, 1)
	assert.Equal(t, 0, shown.Refusals[0].Items[0].Change, "alice's refusal points at alice's change")
	assert.Equal(t, "org-wide, from the files", shown.Refusals[1].Message)
	assert.Empty(t, shown.Notices, "a notice whose every item is withheld is gone")
	assert.Len(t, p.Changes, 3, "the plan itself is not changed")
	assert.Equal(t, []Withheld{
		{Org: "acme", Repo: "quiet", Why: "not managed on the base branch"},
		{Org: "acme", Repo: "secret", Why: "not managed on the base branch", Changes: 2, Refusals: 2, Errors: 1},
	}, list)

	var buf bytes.Buffer
	require.NoError(t, Markdown(&buf, shown, MarkdownOptions{Footer: WithheldMarkdown(list, "See elsewhere.")}))
	require.NoError(t, Text(&buf, shown, TextOptions{}))
	require.NoError(t, JSON(&buf, shown))
	out := buf.String()
	assert.NotContains(t, out, "hidden")
	assert.Contains(t, out, "- `acme/secret` (not managed on the base branch)\n")
	assert.NotContains(t, out, "2 changes", "no counts: they would tell, push after push, who holds what there")
	assert.Contains(t, out, "alice")
}

// On a fork's pull request, who gains access through a team is not shown:
// its author may name any team, a secret one included.
func TestWithoutTeamEffects(t *testing.T) {
	effects := []reconcile.Effect{
		{Repo: "open", Login: "alice", SourcesAfter: []string{"direct (write)"}},
		{Repo: "open", Login: "secret-member", SourcesAfter: []string{"team secret-team (write)"}},
		{Repo: "open", Login: "bob", SourcesBefore: []string{"team core (admin)"}, SourcesAfter: []string{"direct (write)"}},
	}
	got := WithoutTeamEffects(effects)
	require.Len(t, got, 1)
	assert.Equal(t, "alice", got[0].Login)
}
