package reconcile

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

const floorOrgFile = "floor_ruleset: true\nrequired_checks: [{context: EasyCLA, app_id: 1003}, DCO]\nmin_reviews: 2\n"

func floorKinds(p *Plan) []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Kind == FloorRulesetCreate || c.Kind == FloorRulesetUpdate {
			out = append(out, c)
		}
	}
	return out
}

func TestFloorRulesetPlannedFromTheOrgFile(t *testing.T) {
	o := baseOrg(&state.Repo{Name: "Widget"}, &state.Repo{Name: "gone", NotFound: true})
	f := newFixture(t, floorOrgFile, map[string]string{"widget": "read: {teams: [core]}\n", "gone": "read: {teams: [core]}\n"}, o)
	p := f.plan()
	cs := floorKinds(p)
	require.Len(t, cs, 1, "%v", summary(p))
	c := cs[0]
	assert.Equal(t, FloorRulesetCreate, c.Kind)
	assert.Equal(t, "permissions/acme.yaml:1:1", c.Source.String())
	want := c.FloorAfter
	assert.Equal(t, []string{"Widget"}, want.RepoInclude, "GitHub's spelling; a repository that does not exist is left out")
	assert.Equal(t, []string{"~DEFAULT_BRANCH"}, want.Include)
	assert.Equal(t, []state.Check{{Context: "EasyCLA", AppID: 1003}, {Context: "DCO", AppID: state.AnyApp}}, want.RequiredChecks)
	require.NotNil(t, want.Reviews)
	assert.Equal(t, 2, *want.Reviews)
	assert.Equal(t, []state.BypassActor{{Kind: "OrganizationAdmin", Mode: "always"}}, want.Bypass)
	assert.Empty(t, p.Refusals)

	// Off: nothing is read or planned.
	f = newFixture(t, "min_reviews: 2\n", map[string]string{"widget": "read: {teams: [core]}\n"}, baseOrg(&state.Repo{Name: "widget"}))
	assert.Empty(t, floorKinds(f.plan()))
}

func TestFloorRulesetDriftIsRestored(t *testing.T) {
	o := baseOrg(&state.Repo{Name: "widget"}, &state.Repo{Name: "gadget"})
	f := newFixture(t, floorOrgFile, map[string]string{"widget": "read: {teams: [core]}\n", "gadget": "read: {teams: [core]}\n"}, o)
	want := *floorKinds(f.plan())[0].FloorAfter
	want.ID = 77
	for name, edit := range map[string]func(*state.OrgRuleset){
		"evaluate": func(r *state.OrgRuleset) { r.Enforcement = "evaluate" },
		"bypass added": func(r *state.OrgRuleset) {
			r.Bypass = append(r.Bypass, state.BypassActor{Kind: "RepositoryRole", Name: "maintain"})
		},
		"check removed": func(r *state.OrgRuleset) { r.RequiredChecks = r.RequiredChecks[1:] },
		"check unpinned": func(r *state.OrgRuleset) {
			r.RequiredChecks = []state.Check{{Context: "EasyCLA", AppID: state.AnyApp}, r.RequiredChecks[1]}
		},
		"repo dropped":          func(r *state.OrgRuleset) { r.RepoInclude = r.RepoInclude[:1] },
		"branch excluded":       func(r *state.OrgRuleset) { r.Exclude = []string{"~DEFAULT_BRANCH"} },
		"repositories by id":    func(r *state.OrgRuleset) { r.RepoOther = true },
		"repositories excluded": func(r *state.OrgRuleset) { r.RepoExclude = []string{"widget"} },
		"rules not all read":    func(r *state.OrgRuleset) { r.Incomplete = true },
	} {
		t.Run(name, func(t *testing.T) {
			cur := want
			cur.RepoInclude = append([]string(nil), want.RepoInclude...)
			cur.RequiredChecks = append([]state.Check(nil), want.RequiredChecks...)
			cur.Bypass = append([]state.BypassActor(nil), want.Bypass...)
			edit(&cur)
			o.FloorRuleset = &cur
			p := f.plan()
			cs := floorKinds(p)
			require.Len(t, cs, 1)
			assert.Equal(t, FloorRulesetUpdate, cs[0].Kind)
			assert.True(t, cs[0].Raises(), "restoring drift strengthens: %+v", cs[0].ProtectionChanges)
			assert.Empty(t, p.Refusals)
		})
	}
	o.FloorRuleset = &want
	assert.Empty(t, floorKinds(f.plan()), "GitHub matches: nothing to do")
}

func TestFloorRulesetUnreadableIsAnError(t *testing.T) {
	o := baseOrg(&state.Repo{Name: "widget"})
	o.FloorRulesetUnread = "403: needs organization_administration"
	f := newFixture(t, floorOrgFile, map[string]string{"widget": "read: {teams: [core]}\n"}, o)
	p := f.plan()
	assert.Empty(t, floorKinds(p))
	require.Len(t, p.Errors, 1)
	assert.Contains(t, p.Errors[0].String(), "permissions/acme.yaml:1:1: floor_ruleset:")
	assert.Contains(t, p.Errors[0].String(), "Organization administration: write")

	// Readable, but the bypass list hidden (a reader App): what can be
	// seen is compared, and a notice names the permission apply needs.
	o.FloorRulesetUnread = ""
	want := *floorKinds(f.plan())[0].FloorAfter
	want.ID, want.Bypass, want.BypassRead = 5, nil, false
	o.FloorRuleset = &want
	p = f.plan()
	assert.Empty(t, p.Errors)
	assert.Empty(t, floorKinds(p), "nothing else differs")
	var kinds []string
	for _, n := range p.Notices {
		kinds = append(kinds, n.Kind)
		if n.Kind == NoticeFloorUnverified {
			assert.Contains(t, n.Message, "Organization administration: write")
		}
	}
	assert.Contains(t, kinds, NoticeFloorUnverified)
	want.Enforcement = "evaluate"
	p = f.plan()
	require.Len(t, floorKinds(p), 1, "drift it can see is restored")
	assert.Equal(t, []FieldChange{{Field: "enforcement", Before: "evaluate", After: "active"}}, floorKinds(p)[0].ProtectionChanges)
}

func TestGuardFloorRulesetRefusesAWeakerRuleset(t *testing.T) {
	o := baseOrg(&state.Repo{Name: "widget"})
	f := newFixture(t, floorOrgFile, map[string]string{"widget": "read: {teams: [core]}\n"}, o)
	p := f.plan()
	i := -1
	for j, c := range p.Changes {
		if c.Kind == FloorRulesetCreate {
			i = j
		}
	}
	require.GreaterOrEqual(t, i, 0)
	in := Input{Targets: mustTargets(t, f), Actual: map[string]*state.Org{"acme": o}}
	for name, edit := range map[string]func(*state.OrgRuleset){
		"evaluate": func(r *state.OrgRuleset) { r.Enforcement = "evaluate" },
		"disabled": func(r *state.OrgRuleset) { r.Enforcement = "disabled" },
		"maintain bypass": func(r *state.OrgRuleset) {
			r.Bypass = append(r.Bypass, state.BypassActor{Kind: "RepositoryRole", Name: "maintain"})
		},
		"unpinned": func(r *state.OrgRuleset) {
			r.RequiredChecks = []state.Check{{Context: "EasyCLA", AppID: state.AnyApp}, {Context: "DCO"}}
		},
		"fewer reviews": func(r *state.OrgRuleset) { one := 1; r.Reviews = &one },
	} {
		t.Run(name, func(t *testing.T) {
			weak := *p.Changes[i].FloorAfter
			weak.Bypass = append([]state.BypassActor(nil), weak.Bypass...)
			edit(&weak)
			q := *p
			q.Changes = append([]Change(nil), p.Changes...)
			q.Changes[i].FloorAfter = &weak
			rs := GuardFloorRuleset(&q, in)
			require.Len(t, rs, 1)
			assert.Equal(t, RuleFloorRuleset, rs[0].Rule)
		})
	}
	assert.Empty(t, GuardFloorRuleset(p, in), "the ruleset the files ask for passes")
}

func mustTargets(t *testing.T, f *fixture) []Target {
	t.Helper()
	cfg, diags := config.Load(f.files, "permissions")
	require.False(t, diags.HasErrors(), "%v", diags)
	targets, err := Select(cfg, "", nil)
	require.NoError(t, err)
	return targets
}

// floorGitHub is the in-memory GitHub with an org's floor ruleset.
type floorGitHub struct {
	*memGitHub
	rs     *state.OrgRuleset
	writes int
}

func (g *floorGitHub) FloorRuleset(context.Context, string) (*state.OrgRuleset, error) {
	if g.rs == nil {
		return nil, nil
	}
	cp := *g.rs
	return &cp, nil
}

func (g *floorGitHub) CreateOrgRuleset(_ context.Context, _ string, want state.OrgRuleset) error {
	g.writes++
	want.ID = 100
	g.rs = &want
	return nil
}

func (g *floorGitHub) UpdateOrgRuleset(_ context.Context, _ string, id int64, want state.OrgRuleset) error {
	g.writes++
	want.ID = id
	g.rs = &want
	return nil
}

func TestApplyFloorRuleset(t *testing.T) {
	o := baseOrg(&state.Repo{Name: "widget"})
	f := newFixture(t, floorOrgFile, map[string]string{"widget": "read: {teams: [core]}\n"}, o)
	want := *floorKinds(f.plan())[0].FloorAfter
	ctx := context.Background()

	// A plan made by a reader (bypass list hidden) restores what it saw;
	// apply, which sees a maintain bypass, restores that too rather than
	// calling the plan stale.
	hidden := want
	hidden.ID, hidden.Enforcement, hidden.Bypass, hidden.BypassRead = 7, "evaluate", nil, false
	o.FloorRuleset = &hidden
	c := floorKinds(f.plan())[0]
	// The writer's plan of the same state is the reader's, change for
	// change: apply --plan of a reader's saved plan is not stale for it.
	seen := hidden
	seen.Bypass, seen.BypassRead = want.Bypass, true
	o.FloorRuleset = &seen
	assert.Equal(t, c, floorKinds(f.plan())[0])
	onGitHub := hidden
	onGitHub.Bypass, onGitHub.BypassRead = []state.BypassActor{{Kind: "RepositoryRole", Name: "2"}}, true
	gh := &floorGitHub{memGitHub: f.gh, rs: &onGitHub}
	out := applyFloorRuleset(ctx, gh, c)
	require.Equal(t, Done, out.Status, out.Message)
	assert.Equal(t, int64(7), gh.rs.ID)
	assert.False(t, gh.rs.BypassBelowOwner())
	assert.True(t, gh.rs.Active())
	assert.Equal(t, Already, applyFloorRuleset(ctx, gh, c).Status, "a second apply finds it done")

	// Replaced since the plan: not touched.
	gh.rs = &state.OrgRuleset{Ruleset: state.Ruleset{ID: 8, Name: state.FloorRulesetName, Enforcement: "disabled", BypassRead: true}}
	assert.Equal(t, Conflict, applyFloorRuleset(ctx, gh, c).Status)
	// Created meanwhile by another run: a create is not repeated.
	create := Change{Kind: FloorRulesetCreate, Org: "acme", FloorAfter: &want}
	assert.Equal(t, Conflict, applyFloorRuleset(ctx, gh, create).Status)

	// A saved plan is data: one edited to write an evaluate ruleset, or one
	// with a maintain bypass, is never written.
	gh.rs, gh.writes = nil, 0
	for _, edit := range []func(*state.OrgRuleset){
		func(r *state.OrgRuleset) { r.Enforcement = "evaluate" },
		func(r *state.OrgRuleset) {
			r.Bypass = append(r.Bypass, state.BypassActor{Kind: "RepositoryRole", Name: "2"})
		},
		func(r *state.OrgRuleset) { r.Include = []string{"refs/heads/nothing"} },
	} {
		weak := want
		weak.Bypass = append([]state.BypassActor(nil), want.Bypass...)
		edit(&weak)
		out := applyFloorRuleset(ctx, gh, Change{Kind: FloorRulesetCreate, Org: "acme", FloorAfter: &weak})
		assert.Equal(t, Failed, out.Status)
		assert.Contains(t, out.Message, "refused")
	}
	assert.Zero(t, gh.writes)

	// A Writer that cannot write org rulesets fails the change, plainly.
	assert.Equal(t, Failed, applyFloorRuleset(ctx, f.gh, create).Status)
}
