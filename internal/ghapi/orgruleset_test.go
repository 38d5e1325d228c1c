package ghapi

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Updating the floor ruleset restores what permsync manages and keeps the
// rules and pull request settings it does not (a hand-added deletion rule,
// code owner reviews).
func TestUpdateOrgRulesetKeepsWhatItDoesNotManage(t *testing.T) {
	srv := world(t)
	c, _ := tokenClient(t, srv) // an org owner can write org rulesets
	ctx := context.Background()
	id := srv.AddRuleset("acme", "", ghsim.Ruleset{Name: state.FloorRulesetName, Enforcement: "evaluate",
		Include: []string{"~DEFAULT_BRANCH"}, RepoInclude: []string{"widgets", "other"},
		Rules: []ghsim.Rule{{Type: "deletion"}, ghsim.PullRequestRule(1, true, false),
			ghsim.RequiredStatusChecksRule(true, ghsim.StatusCheck{Context: "EasyCLA"})},
		BypassActors: []ghsim.BypassActor{{ActorType: "RepositoryRole", ActorID: 2}}})

	cur, err := c.FloorRuleset(ctx, "acme")
	require.NoError(t, err)
	require.NotNil(t, cur)
	assert.Equal(t, id, cur.ID)
	assert.True(t, cur.BypassRead)
	assert.True(t, cur.BypassBelowOwner())

	two := 2
	want := state.OrgRuleset{Ruleset: state.Ruleset{Name: state.FloorRulesetName, Enforcement: "active", Target: "branch",
		Include: []string{"~DEFAULT_BRANCH"}, RequiredChecks: []state.Check{{Context: "EasyCLA", AppID: 1003}}, Reviews: &two,
		Bypass: []state.BypassActor{{Kind: "OrganizationAdmin", Mode: "always"}}, BypassRead: true},
		RepoInclude: []string{"widgets"}}
	require.NoError(t, c.UpdateOrgRuleset(ctx, "acme", id, want))

	got, err := c.FloorRuleset(ctx, "acme")
	require.NoError(t, err)
	assert.Equal(t, "active", got.Enforcement)
	assert.Equal(t, []string{"widgets"}, got.RepoInclude)
	assert.False(t, got.BypassBelowOwner())
	assert.Equal(t, []state.Check{{Context: "EasyCLA", AppID: 1003}}, got.RequiredChecks)
	assert.Equal(t, 2, *got.Reviews)
	assert.True(t, got.StrictChecks, "strict set by hand is kept")
	assert.Equal(t, []string{"deletion"}, got.OtherRules, "a rule permsync does not manage is kept")
	for _, r := range srv.Rulesets("acme", "")[0].Rules {
		if r.Type == "pull_request" {
			assert.Equal(t, true, r.Parameters["require_code_owner_review"], "the pull request rule's other settings are kept")
		}
	}

	// An org without the ruleset: nil, no error.
	srv.AddOrg("empty", ghsim.OrgOptions{})
	srv.AddMember("empty", "root", true)
	none, err := c.FloorRuleset(ctx, "empty")
	require.NoError(t, err)
	assert.Nil(t, none)
}

// An App without Organization administration: the read is not an error of
// the run; FloorRulesetUnread says why.
func TestReadFloorRulesetWithoutAccess(t *testing.T) {
	srv := world(t)
	k, _ := testKey(t)
	app := srv.AddApp(ghsim.AppOptions{ID: 777, Slug: "plain", PublicKey: &k.PublicKey, Permissions: ghsim.Permissions{"administration": "write"}})
	tok := srv.InstallationToken(srv.Install(app, "acme", nil), nil)
	opts := Options{APIURL: srv.URL(), Credentials: TokenCredentials(tok), MutationInterval: -1}
	fakeTime(srv, &opts)
	c, err := New(context.Background(), opts)
	require.NoError(t, err)
	o := &state.Org{Name: "acme"}
	require.NoError(t, c.ReadFloorRuleset(context.Background(), o))
	assert.Nil(t, o.FloorRuleset)
	assert.NotEmpty(t, o.FloorRulesetUnread)
}
