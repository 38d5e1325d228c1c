package reconcile

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

func TestPlanApplyPlanIsEmpty(t *testing.T) {
	repo := &state.Repo{Name: "widget",
		Users: []state.UserGrant{{Login: "Alice", Role: role.Write}, {Login: "bob", Role: role.Admin}},
		Teams: []state.TeamGrant{{Slug: "admins", Role: role.Maintain}},
		Invitations: []state.Invitation{
			{ID: 7, Login: "stranger", Role: role.Read, CreatedAt: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
			{ID: 8, Login: "zed", Role: role.Read, CreatedAt: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
		},
		Protection: []state.BranchProtection{{Branch: "main"}},
	}
	f := newFixture(t, "", map[string]string{"widget": `
maintain:
  users: [alice]
write:
  teams: [core]
  users: [carol, outsider]
triage:
  users: [zed]
branch_protection:
  main:
    required_status_checks: [EasyCLA]
    enforce_admins: true
`}, baseOrg(repo))

	p := f.plan()
	assert.Equal(t, []string{
		"+ acme/widget: protect branch main",
		"- acme/widget: remove team admins (maintain)",
		"+ acme/widget: grant team core write",
		"~ acme/widget: user Alice write → maintain",
		"- acme/widget: remove user bob (admin)",
		"+ acme/widget: grant user carol write",
		"+ acme/widget: invite user outsider as write",
		"- acme/widget: cancel invitation of stranger (read)",
		"~ acme/widget: invitation of zed read → triage",
	}, summary(p), "grouped by protection, teams, users; sorted by name")
	assert.Empty(t, p.Refusals)
	assert.Empty(t, p.Errors)

	// The file line that asked is recorded; removals point at the file.
	for _, c := range p.Changes {
		switch {
		case c.User == "carol":
			assert.Equal(t, "permissions/acme/widget.yaml:6:11", c.Source.String())
		case c.User == "bob":
			assert.Equal(t, "permissions/acme/widget.yaml", c.Source.String())
		}
	}

	res := f.apply(p)
	assert.False(t, res.Partial(), "%+v", res.Outcomes)
	again := f.plan()
	assert.Empty(t, again.Changes, "%v", summary(again))
	assert.Empty(t, again.Refusals)

	// The invitation to a non-member counts as holding the role: no re-invite.
	inv, ok := f.gh.org.Repo("widget").Invitation("outsider")
	require.True(t, ok)
	assert.Equal(t, role.Write, inv.Role)
}

func TestTeamGrantAboveDirectIsNotDrift(t *testing.T) {
	repo := &state.Repo{Name: "widget",
		Users: []state.UserGrant{{Login: "alice", Role: role.Write}},
		Teams: []state.TeamGrant{{Slug: "core", Role: role.Admin}},
	}
	f := newFixture(t, `max_admins: 10`, map[string]string{"widget": `
write:
  users: [alice]
admin:
  teams: [core]
`}, baseOrg(repo))
	p := f.plan()
	assert.Empty(t, p.Changes, "alice's admin through team core is not a reason to change her direct write")
}

func TestAmbiguousDirectRolesAreNotChurned(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{
		{Login: "alice", Role: role.Admin, RoleName: state.RoleNameAmbiguous},
		{Login: "bob", Role: role.Read, RoleName: state.RoleNameAmbiguous},
		{Login: "carol", Role: role.Write, RoleName: state.RoleNameAmbiguous},
	}}
	f := newFixture(t, "", map[string]string{"widget": "write:\n  users: [alice, bob]\n"}, baseOrg(repo))
	p := f.plan()
	assert.Equal(t, []string{
		"~ acme/widget: user bob read → write",
		"- acme/widget: remove user carol (write)",
	}, summary(p), "alice may hold write directly and admin through a team: left alone")
	require.Len(t, p.Notices, 1)
	assert.Equal(t, NoticeAmbiguous, p.Notices[0].Kind)
}

func TestChildTeamGrantsInheritedFromTheParentAreNotRemoved(t *testing.T) {
	org := baseOrg(&state.Repo{Name: "widget", Teams: []state.TeamGrant{{Slug: "big", Role: role.Write}, {Slug: "core", Role: role.Write}, {Slug: "admins", Role: role.Admin}}})
	org.Team("core").Parent = "big"
	org.Team("admins").Parent = "big"
	f := newFixture(t, "", map[string]string{"widget": "write:\n  teams: [big]\n"}, org)
	p := f.plan()
	assert.Equal(t, []string{"- acme/widget: remove team admins (admin)"}, summary(p), "core's write is big's; admins' admin is its own")
	require.Len(t, p.Notices, 1)
	assert.Equal(t, NoticeInherited, p.Notices[0].Kind)
}

func TestLoginsCompareCaseInsensitively(t *testing.T) {
	repo := &state.Repo{Name: "Widget", Users: []state.UserGrant{{Login: "Alice", Role: role.Write}},
		Teams: []state.TeamGrant{{Slug: "core", Role: role.Read}}}
	f := newFixture(t, "", map[string]string{"widget": "write:\n  users: [ALICE]\nread:\n  teams: [core]\n"}, baseOrg(repo))
	assert.Empty(t, f.plan().Changes)
}

func TestInvitations(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	repo := &state.Repo{Name: "widget", Invitations: []state.Invitation{
		{ID: 1, Login: "pending", Role: role.Write, CreatedAt: now.Add(-time.Hour)},
		{ID: 2, Login: "changed", Role: role.Read, CreatedAt: now.Add(-time.Hour)},
		{ID: 3, Login: "lapsed", Role: role.Write, CreatedAt: now.Add(-8 * 24 * time.Hour), Expired: true, Inviter: "a-person"},
		{ID: 4, Login: "ignored", Role: role.Write, CreatedAt: now.Add(-8 * 24 * time.Hour), Expired: true, Inviter: "permsync[bot]", InviterBot: true},
	}}
	f := newFixture(t, "", map[string]string{"widget": "write:\n  users: [pending, changed, lapsed, ignored]\n"}, baseOrg(repo))
	p := f.plan()
	assert.Equal(t, []string{
		"~ acme/widget: invitation of changed read → write",
		"~ acme/widget: re-send expired invitation of lapsed as write",
	}, summary(p))
	require.Len(t, p.Notices, 1)
	assert.Equal(t, NoticeUnaccepted, p.Notices[0].Kind)
	assert.Equal(t, "user:ignored", p.Notices[0].Items[0].Subject)

	res := f.apply(p)
	assert.False(t, res.Partial(), "%+v", res.Outcomes)
	// Re-sent once: the new invitation is permsync's, so when it expires too
	// it is reported, not re-sent again.
	inv, _ := f.gh.org.Repo("widget").Invitation("lapsed")
	assert.False(t, inv.Expired)
	assert.NotEqual(t, int64(3), inv.ID)
	again := f.plan()
	assert.Empty(t, again.Changes)
	for i, inv := range f.gh.org.Repo("widget").Invitations {
		if inv.Login == "lapsed" {
			f.gh.org.Repo("widget").Invitations[i].Expired = true
		}
	}
	third := f.plan()
	assert.Empty(t, third.Changes)
	var subjects []string
	for _, n := range third.Notices {
		for _, it := range n.Items {
			subjects = append(subjects, it.Subject)
		}
	}
	assert.ElementsMatch(t, []string{"user:ignored", "user:lapsed"}, subjects)
}

func TestExpiredInvitationsNotInTheFilesAreReportedNotCancelled(t *testing.T) {
	repo := &state.Repo{Name: "widget", Invitations: []state.Invitation{{ID: 5, Login: "gone", Role: role.Write, Expired: true}}}
	f := newFixture(t, "", map[string]string{"widget": "{}"}, baseOrg(repo))
	p := f.plan()
	assert.Empty(t, p.Changes)
	require.Len(t, p.Notices, 1)
	assert.Equal(t, NoticeExpired, p.Notices[0].Kind)
}

func TestAdditiveModeOnlyAddsAndRaises(t *testing.T) {
	repo := &state.Repo{Name: "widget",
		Users:       []state.UserGrant{{Login: "alice", Role: role.Admin}, {Login: "bob", Role: role.Read}, {Login: "extra", Role: role.Write}},
		Teams:       []state.TeamGrant{{Slug: "big", Role: role.Write}},
		Invitations: []state.Invitation{{ID: 9, Login: "guest", Role: role.Read}},
	}
	f := newFixture(t, "mode: additive\n", map[string]string{"widget": "write:\n  users: [alice, bob]\n"}, baseOrg(repo))
	p := f.plan()
	assert.Equal(t, []string{"~ acme/widget: user bob read → write"}, summary(p))
	kinds := map[string]int{}
	for _, n := range p.Notices {
		kinds[n.Kind]++
	}
	assert.Equal(t, map[string]int{NoticeNotLowered: 1, NoticeUnmanaged: 3}, kinds)
}

func TestUnknownPrincipalsAreErrorsAtTheirLine(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{{Login: "bob", Role: role.Write}}}
	f := newFixture(t, "", map[string]string{"widget": "write:\n  users: [ghost]\n  teams: [nosuchteam]\n"}, baseOrg(repo))
	cfg, _ := config.Load(f.files, "permissions")
	targets, _ := Select(cfg, "", nil)
	assert.Equal(t, []string{"ghost"}, NeedsLookup(targets, map[string]*state.Org{"acme": f.gh.org}))
	p := Diff(Input{Dir: "permissions", Targets: targets, Actual: map[string]*state.Org{"acme": f.gh.org}, UnknownUsers: map[string]bool{"ghost": true}, Now: f.now})
	require.Len(t, p.Errors, 2)
	assert.Equal(t, "permissions/acme/widget.yaml:2:11: user ghost does not exist on GitHub (renamed or mistyped?)", p.Errors[0].String())
	assert.Equal(t, "permissions/acme/widget.yaml:3:11: team nosuchteam does not exist in org acme (team slugs are lowercase, with '-' for spaces)", p.Errors[1].String())
	assert.Empty(t, p.Changes, "no removal is computed next to a typo")
}

func TestUnreadableMissingAndArchivedRepositories(t *testing.T) {
	org := baseOrg(
		&state.Repo{Name: "broken", ReadError: "502 Bad Gateway", Users: []state.UserGrant{{Login: "bob", Role: role.Admin}}},
		&state.Repo{Name: "gone", NotFound: true},
		&state.Repo{Name: "old", Archived: true, Users: []state.UserGrant{{Login: "bob", Role: role.Admin}}},
		&state.Repo{Name: "fine", Users: []state.UserGrant{{Login: "bob", Role: role.Admin}}},
	)
	f := newFixture(t, "", map[string]string{"broken": "{}", "gone": "{}", "old": "{}", "fine": "{}"}, org)
	p := f.plan()
	assert.Equal(t, []string{"- acme/fine: remove user bob (admin)"}, summary(p), "the others go on")
	require.Len(t, p.Errors, 2)
	assert.Contains(t, p.Errors[0].String(), "permissions/acme/broken.yaml: repository acme/broken could not be read (502 Bad Gateway)")
	assert.Contains(t, p.Errors[1].String(), "permissions/acme/gone.yaml: repository acme/gone does not exist on GitHub")
	require.Len(t, p.Notices, 1)
	assert.Equal(t, NoticeArchived, p.Notices[0].Kind)
}

func TestProtectionPlans(t *testing.T) {
	bp := func(checks []state.Check, enforce bool, reviews int) state.BranchProtection {
		p := state.BranchProtection{Branch: "main", Protected: true, EnforceAdmins: enforce}
		if checks != nil {
			p.StatusChecks = &state.StatusChecks{Checks: checks}
		}
		if reviews >= 0 {
			p.Reviews = &state.Reviews{Count: reviews}
		}
		return p
	}
	cases := []struct {
		name    string
		orgFile string
		file    string
		cur     state.BranchProtection
		changes []FieldChange
		refused []Rule
	}{
		{name: "in sync", file: "required_status_checks: [EasyCLA]\n    enforce_admins: true",
			cur: bp([]state.Check{{Context: "EasyCLA", AppID: -1}}, true, 1)},
		{name: "adds a check", file: "required_status_checks: [EasyCLA, build]",
			cur:     bp([]state.Check{{Context: "EasyCLA", AppID: -1}}, false, 1),
			changes: []FieldChange{{Field: "required_status_checks", Before: "EasyCLA", After: "EasyCLA, build"}}},
		{name: "a plain name keeps GitHub's pin", file: "required_status_checks: [EasyCLA]",
			cur: bp([]state.Check{{Context: "EasyCLA", AppID: 4242}}, false, 1)},
		{name: "drops a non-floor check", file: "required_status_checks: [EasyCLA]",
			cur:     bp([]state.Check{{Context: "EasyCLA", AppID: -1}, {Context: "build", AppID: -1}}, false, 1),
			changes: []FieldChange{{Field: "required_status_checks", Before: "EasyCLA, build", After: "EasyCLA", Weakens: true}}},
		{name: "refuses dropping the CLA check", file: "required_status_checks: [build]",
			cur:     bp([]state.Check{{Context: "EasyCLA", AppID: -1}, {Context: "build", AppID: -1}}, false, 1),
			changes: []FieldChange{{Field: "required_status_checks", Before: "EasyCLA, build", After: "build", Weakens: true}},
			refused: []Rule{RuleRequiredChecks}},
		{name: "refuses unpinning", file: "required_status_checks: [{context: EasyCLA, app_id: -1}]",
			cur:     bp([]state.Check{{Context: "EasyCLA", AppID: 4242}}, false, 1),
			changes: []FieldChange{{Field: "required_status_checks", Before: "EasyCLA (app 4242)", After: "EasyCLA", Weakens: true}},
			refused: []Rule{RuleRequiredChecks}},
		{name: "restores the floor's pin on a listed check", orgFile: "required_checks: [{context: DCO, app_id: 1861}]",
			file:    "required_status_checks: [DCO]",
			cur:     bp([]state.Check{{Context: "DCO", AppID: -1}}, false, 1),
			changes: []FieldChange{{Field: "required_status_checks", Before: "DCO", After: "DCO (app 1861)"}}},
		{name: "settings the file does not write are left as GitHub has them", orgFile: "required_checks: [{context: DCO, app_id: 1861}]\nmin_reviews: 2",
			file: "enforce_admins: false",
			cur:  bp([]state.Check{{Context: "DCO", AppID: -1}}, false, 0)},
		{name: "refuses turning enforce_admins off", file: "enforce_admins: false",
			cur:     bp(nil, true, 1),
			changes: []FieldChange{{Field: "enforce_admins", Before: "true", After: "false", Weakens: true}},
			refused: []Rule{RuleEnforceAdmins}},
		{name: "refuses reviews below the floor", file: "required_approving_review_count: 0",
			cur:     bp(nil, false, 2),
			changes: []FieldChange{{Field: "required_approving_review_count", Before: "2", After: "0", Weakens: true}},
			refused: []Rule{RuleMinReviews}},
		{name: "restores reviews drifted from the file", orgFile: "min_reviews: 2", file: "required_approving_review_count: 3",
			cur:     bp(nil, false, 1),
			changes: []FieldChange{{Field: "required_approving_review_count", Before: "1", After: "3"}}},
		{name: "lowering reviews above the floor is the file's call", file: "required_approving_review_count: 1",
			cur:     bp(nil, false, 3),
			changes: []FieldChange{{Field: "required_approving_review_count", Before: "3", After: "1", Weakens: true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo := &state.Repo{Name: "widget", Protection: []state.BranchProtection{tc.cur}}
			f := newFixture(t, tc.orgFile, map[string]string{"widget": "branch_protection:\n  main:\n    " + tc.file + "\n"}, baseOrg(repo))
			p := f.plan()
			if tc.changes == nil {
				assert.Empty(t, p.Changes)
				return
			}
			require.Len(t, p.Changes, 1)
			assert.Equal(t, tc.changes, p.Changes[0].ProtectionChanges)
			var rules []Rule
			for _, r := range p.Refusals {
				rules = append(rules, r.Rule)
			}
			assert.Equal(t, tc.refused, rules)
			if tc.refused == nil {
				f.apply(p)
				assert.Empty(t, f.plan().Changes, "converges")
			}
		})
	}
}

// TestRulesetStandsInForTheFloor tries to drop the classic requirement of a
// floor check while a ruleset also requires it: only a ruleset that is
// active, targets the branch, accepts the pinned App and that nobody below an
// org owner can bypass lets the file drop it.
func TestRulesetStandsInForTheFloor(t *testing.T) {
	owner := []state.BypassActor{{Kind: "OrganizationAdmin", Mode: "always"}}
	cases := []struct {
		name    string
		orgFile string
		rs      state.Ruleset
		stands  bool
	}{
		{"no bypass", "", state.Ruleset{BypassRead: true}, true},
		{"owners only", "", state.Ruleset{BypassRead: true, Bypass: owner}, true},
		{"bypass list hidden from the token", "", state.Ruleset{}, false},
		{"maintainers bypass", "", state.Ruleset{BypassRead: true, Bypass: []state.BypassActor{{Kind: "RepositoryRole", Name: "maintain", Mode: "always"}}}, false},
		{"a team bypasses on pull requests", "", state.Ruleset{BypassRead: true, Bypass: []state.BypassActor{{Kind: "Team", Name: "tsc", Mode: "pull_request"}}}, false},
		{"an App bypasses", "", state.Ruleset{BypassRead: true, Bypass: []state.BypassActor{{Kind: "Integration", Name: "42"}}}, false},
		{"a deploy key bypasses", "", state.Ruleset{BypassRead: true, Bypass: []state.BypassActor{{Kind: "DeployKey"}}}, false},
		{"evaluate mode", "", state.Ruleset{BypassRead: true, Enforcement: "evaluate"}, false},
		{"disabled", "", state.Ruleset{BypassRead: true, Enforcement: "disabled"}, false},
		{"another branch", "", state.Ruleset{BypassRead: true, Include: []string{"refs/heads/release/*"}}, false},
		{"default branch excluded", "", state.Ruleset{BypassRead: true, Exclude: []string{"~DEFAULT_BRANCH"}}, false},
		{"all branches", "", state.Ruleset{BypassRead: true, Include: []string{"~ALL"}}, true},
		{"rules not read whole", "", state.Ruleset{BypassRead: true, Incomplete: true}, false},
		{"floor pins the App, ruleset takes any source", "required_checks: [{context: EasyCLA, app_id: 9}]\n", state.Ruleset{BypassRead: true, RequiredChecks: []state.Check{{Context: "EasyCLA", AppID: state.AnyApp}}}, false},
		{"floor pins the App, ruleset pins another", "required_checks: [{context: EasyCLA, app_id: 9}]\n", state.Ruleset{BypassRead: true, RequiredChecks: []state.Check{{Context: "EasyCLA", AppID: 10}}}, false},
		{"floor pins the App, ruleset pins it too", "required_checks: [{context: EasyCLA, app_id: 9}]\n", state.Ruleset{BypassRead: true}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := tc.rs
			rs.ID, rs.Name, rs.Target, rs.Source, rs.SourceType = 1, "cla", "branch", "acme/widget", "Repository"
			if rs.Enforcement == "" {
				rs.Enforcement = "active"
			}
			if rs.Include == nil {
				rs.Include = []string{"~DEFAULT_BRANCH"}
			}
			if rs.RequiredChecks == nil {
				rs.RequiredChecks = []state.Check{{Context: "EasyCLA", AppID: 9}}
			}
			repo := &state.Repo{Name: "widget", DefaultBranch: "main",
				Protection: []state.BranchProtection{{Branch: "main", Protected: true, Reviews: &state.Reviews{Count: 1},
					StatusChecks: &state.StatusChecks{Checks: []state.Check{{Context: "EasyCLA", AppID: 9}, {Context: "build", AppID: -1}}}}},
				Rulesets: []state.Ruleset{rs},
			}
			f := newFixture(t, tc.orgFile, map[string]string{"widget": "branch_protection:\n  main:\n    required_status_checks: [build]\n"}, baseOrg(repo))
			p := f.plan()
			require.Len(t, p.Changes, 1)
			if tc.stands {
				assert.Empty(t, p.Refusals, "the ruleset still requires EasyCLA on main")
				require.Len(t, p.Notices, 1)
				assert.Equal(t, NoticeRuleProtects, p.Notices[0].Kind)
				assert.Equal(t, `EasyCLA leaves the protection of main but stays required there by the active ruleset "cla" (repository acme/widget), which nobody below an org owner can bypass`, p.Notices[0].Message)
				return
			}
			require.Len(t, p.Refusals, 1, "dropping EasyCLA from classic protection must be refused")
			assert.Equal(t, RuleRequiredChecks, p.Refusals[0].Rule)
			assert.True(t, p.Changes[0].Refused)
			detail := p.Refusals[0].Items[0].Detail
			if _, req := rs.RequiresCheck("EasyCLA", "main", "main"); req {
				_, why := rs.StandsIn("EasyCLA", 9, "main", "main")
				assert.Equal(t, `branch main; the ruleset "cla" (repository acme/widget) requires it too but cannot stand in: it `+why, detail)
			} else {
				assert.Equal(t, "branch main", detail, "a ruleset that does not require it here is not mentioned")
			}
		})
	}
}

func TestProtectionCreate(t *testing.T) {
	repo := &state.Repo{Name: "widget", Protection: []state.BranchProtection{{Branch: "main"}}}
	f := newFixture(t, "", map[string]string{"widget": "branch_protection:\n  main:\n    required_status_checks: [EasyCLA]\n"}, baseOrg(repo))
	p := f.plan()
	require.Len(t, p.Changes, 1)
	c := p.Changes[0]
	assert.Equal(t, ProtectionCreate, c.Kind)
	require.NotNil(t, c.ProtectionAfter.Reviews)
	assert.Equal(t, 1, *c.ProtectionAfter.Reviews, "a new protection starts at min_reviews")
	f.apply(p)
	assert.Empty(t, f.plan().Changes)
}

func TestMissingBranchIsAnError(t *testing.T) {
	repo := &state.Repo{Name: "widget", Protection: []state.BranchProtection{{Branch: "release", Missing: true}}}
	f := newFixture(t, "", map[string]string{"widget": "branch_protection:\n  release:\n    enforce_admins: true\n"}, baseOrg(repo))
	p := f.plan()
	require.Len(t, p.Errors, 1)
	assert.Equal(t, "permissions/acme/widget.yaml:2:3: branch release does not exist in acme/widget; create it or fix the name", p.Errors[0].String())
}
