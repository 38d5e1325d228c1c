package reconcile

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// A team owning gadget's file deletes it: the floor ruleset would stop
// covering gadget, which still exists. That weakens the floor: refused,
// unless GitHub lists gadget as archived or gone, or the org file (release
// engineering's) ignores it.
func TestFloorRulesetShrinkOnFileDeletionIsRefused(t *testing.T) {
	withBoth := baseOrg(&state.Repo{Name: "widget"}, &state.Repo{Name: "gadget"})
	both := newFixture(t, floorOrgFile, map[string]string{"widget": "read: {teams: [core]}\n", "gadget": "read: {teams: [core]}\n"}, withBoth)
	held := *floorKinds(both.plan())[0].FloorAfter
	held.ID = 77
	require.Equal(t, []string{"gadget", "widget"}, held.RepoInclude)

	plan := func(orgFile string, listed map[string]bool) *Plan {
		o := baseOrg(&state.Repo{Name: "widget"})
		cur := held
		o.FloorRuleset = &cur
		f := newFixture(t, orgFile, map[string]string{"widget": "read: {teams: [core]}\n"}, o)
		cfg, diags := config.Load(f.files, "permissions")
		require.False(t, diags.HasErrors(), "%v", diags)
		targets, err := Select(cfg, "", nil)
		require.NoError(t, err)
		in := Input{Dir: "permissions", Targets: targets, Actual: map[string]*state.Org{"acme": o}, Now: f.now}
		if listed != nil {
			in.Listed = map[string]map[string]bool{"acme": listed}
		}
		if len(FloorNeedsListing(targets, in.Actual)) == 0 {
			in.Listed = nil // not asked: nothing is dropped
		}
		return Diff(in)
	}

	p := plan(floorOrgFile, map[string]bool{"widget": false, "gadget": false})
	require.Len(t, p.Refusals, 1, "%v", summary(p))
	r := p.Refusals[0]
	assert.Equal(t, RuleFloorRuleset, r.Rule)
	assert.Equal(t, "permissions/acme.yaml:1:1", r.RulePos.String())
	assert.Equal(t, floorShrinkMessage, r.Message)
	require.Len(t, r.Items, 1)
	assert.Equal(t, "gadget", r.Items[0].Repo)
	assert.True(t, p.Changes[r.Items[0].Change].Refused)

	// Not listed: refused too (fail closed), saying so.
	p = plan(floorOrgFile, nil)
	require.Len(t, p.Refusals, 1)
	assert.Equal(t, floorShrinkUnlistedMessage, p.Refusals[0].Message)

	// Archived, or gone (deleted, renamed, transferred): nothing to hold.
	for name, listed := range map[string]map[string]bool{
		"archived": {"widget": false, "gadget": true},
		"gone":     {"widget": false},
	} {
		p = plan(floorOrgFile, listed)
		assert.Empty(t, p.Refusals, name)
		require.Len(t, floorKinds(p), 1, name)
		assert.Equal(t, []string{"widget"}, floorKinds(p)[0].FloorAfter.RepoInclude, name)
	}

	// The org file ignores it: release engineering's reviewed decision.
	p = plan(floorOrgFile+"ignore_repos: [Gadget]\n", map[string]bool{"widget": false, "gadget": false})
	assert.Empty(t, p.Refusals)
	assert.Len(t, floorKinds(p), 1)

	// Nothing dropped: no listing asked for.
	o := baseOrg(&state.Repo{Name: "widget"}, &state.Repo{Name: "gadget"})
	o.FloorRuleset = &held
	cfg, _ := config.Load(both.files, "permissions")
	targets, _ := Select(cfg, "", nil)
	assert.Empty(t, FloorNeedsListing(targets, map[string]*state.Org{"acme": o}))
}
