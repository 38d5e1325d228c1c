package reconcile

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

func admins(logins ...string) []state.UserGrant {
	var out []state.UserGrant
	for _, l := range logins {
		out = append(out, state.UserGrant{Login: l, Role: role.Admin})
	}
	return out
}

// TestGuardrailsJudgeChanges runs every access guardrail over existing and
// new state: a change that newly crosses a rule or pushes further past it is
// refused; a change that lowers access is never refused by a rule it does not
// worsen; what already crosses a rule is reported as rule_already_crossed.
// Whatever is not refused must apply and converge.
func TestGuardrailsJudgeChanges(t *testing.T) {
	cases := []struct {
		name    string
		orgFile string
		file    string
		repo    state.Repo
		refused []string // "rule subject"
		crossed []string // "rule repo subject"
		changes int      // changes planned (refused included)
	}{
		// admin_allowed
		{name: "admin_allowed: a new admin outside it is refused", orgFile: "admin_allowed: [team:admins]",
			file: "admin:\n  users: [alice]\n", refused: []string{"admin_allowed user:alice"}, changes: 1},
		{name: "admin_allowed: raising to admin is refused", orgFile: "admin_allowed: [team:admins]",
			file: "admin:\n  users: [alice]\n", repo: state.Repo{Users: []state.UserGrant{{Login: "alice", Role: role.Maintain}}},
			refused: []string{"admin_allowed user:alice"}, changes: 1},
		{name: "admin_allowed: a team outside it is refused", orgFile: "admin_allowed: [team:admins]",
			file: "admin:\n  teams: [core]\n", refused: []string{"admin_allowed team:core"}, changes: 1},
		{name: "admin_allowed: a listed team is not", orgFile: "admin_allowed: [team:admins]",
			file: "admin:\n  teams: [admins]\n", changes: 1},
		{name: "admin_allowed: a hand-made admin is removed, not refused (issue 13)", orgFile: "admin_allowed: [team:releng]",
			file: "admin:\n  teams: [releng]\n", repo: state.Repo{Users: admins("mallory"), Teams: []state.TeamGrant{{Slug: "releng", Role: role.Admin}}},
			changes: 1},
		{name: "admin_allowed: removal applies while another standing admin is reported", orgFile: "admin_allowed: [team:releng]",
			file:    "admin:\n  users: [alice]\n",
			repo:    state.Repo{Users: admins("alice", "stray")},
			crossed: []string{"admin_allowed widget user:alice"}, changes: 1},
		{name: "admin_allowed: lowering an admin outside it is allowed", orgFile: "admin_allowed: [team:releng]",
			file: "maintain:\n  users: [alice]\n", repo: state.Repo{Users: admins("alice")}, changes: 1},
		{name: "admin_allowed: a pending admin invitation kept is reported", orgFile: "admin_allowed: [team:releng]\noutside_collaborator_max_role: admin",
			file: "admin:\n  users: [guest]\n", repo: state.Repo{Invitations: []state.Invitation{{ID: 1, Login: "guest", Role: role.Admin}}},
			crossed: []string{"admin_allowed widget user:guest"}},

		// outside_collaborator_max_role (default write)
		{name: "outside: a new outsider above the cap is refused", file: "maintain:\n  users: [outsider]\n",
			refused: []string{"outside_collaborator_max_role user:outsider"}, changes: 1},
		{name: "outside: raising an outsider above the cap is refused", file: "maintain:\n  users: [outsider]\n",
			repo:    state.Repo{Users: []state.UserGrant{{Login: "outsider", Role: role.Write}}},
			refused: []string{"outside_collaborator_max_role user:outsider"}, changes: 1},
		{name: "outside: raising a pending invitation above the cap is refused", file: "admin:\n  users: [outsider]\n",
			repo:    state.Repo{Invitations: []state.Invitation{{ID: 3, Login: "outsider", Role: role.Write}}},
			refused: []string{"outside_collaborator_max_role user:outsider"}, changes: 1},
		{name: "outside: lowering an outsider still above the cap is allowed and reported", file: "maintain:\n  users: [outsider]\n",
			repo:    state.Repo{Users: []state.UserGrant{{Login: "outsider", Role: role.Admin}}},
			crossed: []string{"outside_collaborator_max_role widget user:outsider"}, changes: 1},
		{name: "outside: one kept above the cap is reported", file: "maintain:\n  users: [outsider]\n",
			repo:    state.Repo{Users: []state.UserGrant{{Login: "outsider", Role: role.Maintain}}},
			crossed: []string{"outside_collaborator_max_role widget user:outsider"}},
		{name: "outside: removing one above the cap is allowed", file: "{}",
			repo: state.Repo{Users: []state.UserGrant{{Login: "outsider", Role: role.Admin}}}, changes: 1},

		// max_admins
		{name: "max_admins: adding past it is refused", orgFile: "max_admins: 1",
			file: "admin:\n  users: [alice, bob]\n", repo: state.Repo{Users: admins("alice")},
			refused: []string{"max_admins user:bob"}, changes: 1},
		{name: "max_admins: adding further past it is refused", orgFile: "max_admins: 1",
			file: "admin:\n  users: [alice, bob, carol]\n", repo: state.Repo{Users: admins("alice", "bob")},
			refused: []string{"max_admins user:carol"}, changes: 1},
		{name: "max_admins: swapping one admin for another over it is allowed and reported", orgFile: "max_admins: 1",
			file: "admin:\n  users: [alice, carol]\n", repo: state.Repo{Users: admins("alice", "bob")},
			crossed: []string{"max_admins widget"}, changes: 2},
		{name: "max_admins: removing one while over it is allowed", orgFile: "max_admins: 1",
			file: "admin:\n  users: [alice, bob]\n", repo: state.Repo{Users: admins("alice", "bob", "carol")},
			crossed: []string{"max_admins widget"}, changes: 1},

		// min_admins
		{name: "min_admins: removing below it is refused", orgFile: "min_admins: 1",
			file: "write:\n  users: [alice]\n", repo: state.Repo{Users: admins("alice")},
			refused: []string{"min_admins user:alice"}, changes: 1},
		{name: "min_admins: removing further below it is refused", orgFile: "min_admins: 2",
			file: "{}", repo: state.Repo{Users: admins("alice")},
			refused: []string{"min_admins user:alice"}, changes: 1},
		{name: "min_admins: adding one while still below is allowed and reported", orgFile: "min_admins: 3",
			file: "admin:\n  users: [alice, bob]\n", repo: state.Repo{Users: admins("alice")},
			crossed: []string{"min_admins widget"}, changes: 1},
		{name: "min_admins: a repository with none is reported", orgFile: "min_admins: 1",
			file: "write:\n  users: [alice]\n", repo: state.Repo{Users: []state.UserGrant{{Login: "alice", Role: role.Write}}},
			crossed: []string{"min_admins widget"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo := tc.repo
			repo.Name = "widget"
			org := baseOrg(&repo)
			org.Teams = append(org.Teams, &state.Team{Slug: "releng", Members: []string{"erin"}})
			f := newFixture(t, tc.orgFile, map[string]string{"widget": tc.file}, org)
			p := f.plan()
			assert.Equal(t, tc.refused, rulesOf(p), "refused")
			assert.Equal(t, tc.crossed, crossedOf(p), "already crossed")
			assert.Len(t, p.Changes, tc.changes, "%v", summary(p))
			if len(tc.refused) > 0 {
				return
			}
			res := f.apply(p)
			assert.False(t, res.Partial(), "%+v", res.Outcomes)
			again := f.plan()
			assert.Empty(t, again.Changes, "converges")
			assert.Equal(t, tc.crossed, crossedOf(again), "what stands is still reported, in the same words")
		})
	}
}

// TestIssue13Reproduction: after admin_allowed is set, a stray hand-made
// admin is removed and a file line keeping an existing admin outside the
// list no longer blocks the whole apply.
func TestIssue13Reproduction(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: admins("alice", "stray"), Teams: []state.TeamGrant{{Slug: "admins", Role: role.Admin}}}
	org := baseOrg(repo)
	f := newFixture(t, "admin_allowed: [team:admins]\n", map[string]string{"widget": "admin:\n  users: [alice]\n  teams: [admins]\n"}, org)
	p := f.plan()
	assert.Empty(t, p.Refusals)
	assert.Equal(t, []string{"- acme/widget: remove user stray (admin)"}, summary(p))
	assert.Equal(t, []string{"admin_allowed widget user:alice"}, crossedOf(p))
	f.apply(p)
	_, still := f.gh.org.Repo("widget").User("stray")
	assert.False(t, still, "the stray admin is gone")
}

// TestOneCauseOneEntry: emptying six files gives one max_removals refusal
// listing every removal, not one row per removal.
func TestOneCauseOneEntry(t *testing.T) {
	var repos []*state.Repo
	files := map[string]string{}
	total := 0
	for i := range 6 {
		r := &state.Repo{Name: fmt.Sprintf("r%d", i)}
		for j := range 5 + i%2 {
			r.Users = append(r.Users, state.UserGrant{Login: fmt.Sprintf("u%d", j), Role: role.Write})
			total++
		}
		repos = append(repos, r)
		files[r.Name] = "{}"
	}
	require.Equal(t, 33, total)
	f := newFixture(t, "max_removals: 20\n", files, baseOrg(repos...))
	p := f.plan()
	require.Len(t, p.Refusals, 1)
	r := p.Refusals[0]
	assert.Equal(t, RuleMaxRemovals, r.Rule)
	assert.Equal(t, "permissions/acme.yaml:1:1", r.RulePos.String())
	assert.Len(t, r.Items, 33)
	assert.Len(t, Repos(r.Places()), 6)
	assert.Contains(t, r.Message, "would remove 33 grants in acme, more than max_removals (20)")
	assert.Empty(t, r.Items[0].Detail, "the change is the item: views word it from its index")
	assert.Equal(t, "- acme/r0: remove user u0 (write)", "- "+describe(p.Changes[r.Items[0].Change]))
	for _, it := range r.Items {
		assert.True(t, p.Changes[it.Change].Refused)
	}
	s := p.Summary()
	assert.Equal(t, 1, s.Refused)
	assert.Equal(t, 33, s.RefusedChanges)
}

// TestStandingBreachesAreOneNoticePerRule: the same rule crossed in several
// repositories is one notice listing them, at the rule's line.
func TestStandingBreachesAreOneNoticePerRule(t *testing.T) {
	var repos []*state.Repo
	files := map[string]string{}
	for i := range 3 {
		r := &state.Repo{Name: fmt.Sprintf("r%d", i), Users: append(admins("alice", "bob"), state.UserGrant{Login: "outsider", Role: role.Maintain})}
		repos = append(repos, r)
		files[r.Name] = "admin:\n  users: [alice, bob]\nmaintain:\n  users: [outsider]\n"
	}
	f := newFixture(t, "max_admins: 1\nadmin_allowed: [team:admins]\n", files, baseOrg(repos...))
	p := f.plan()
	assert.Empty(t, p.Refusals)
	byRule := map[Rule]Notice{}
	for _, n := range p.Notices {
		require.Equal(t, NoticeCrossed, n.Kind, "%+v", n)
		_, dup := byRule[n.Rule]
		require.False(t, dup, "one notice per rule: %s", n.Rule)
		byRule[n.Rule] = n
	}
	require.Len(t, byRule, 3)
	assert.Len(t, byRule[RuleAdminAllowed].Items, 6, "alice and bob in three repositories")
	assert.Equal(t, "permissions/acme.yaml:2:1", byRule[RuleAdminAllowed].RulePos.String())
	assert.Equal(t, "permissions/acme/r0.yaml:2:11", byRule[RuleAdminAllowed].Items[0].Source.String(), "at the line that keeps it")
	assert.Len(t, byRule[RuleMaxAdmins].Items, 3)
	assert.Equal(t, SeverityHigh, byRule[RuleMaxAdmins].Severity)
	assert.Len(t, byRule[RuleOutsideCollaborator].Items, 3)
	assert.Equal(t, []string{"r0", "r1", "r2"}, Repos(byRule[RuleOutsideCollaborator].Items))
}

// TestBreachesAreTheAuditsWords pins the words and severities the audit
// takes from Breaches for the same breach (one source for both).
func TestBreachesAreTheAuditsWords(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{{Login: "alice", Role: role.Admin}, {Login: "bob", Role: role.Admin}, {Login: "outsider", Role: role.Admin}, {Login: "guest", Role: role.Maintain}},
		Teams: []state.TeamGrant{{Slug: "core", Role: role.Admin}}}
	f := newFixture(t, "max_admins: 2\nmin_admins: 0\nadmin_allowed: [user:alice]\n", map[string]string{"widget": "{}"}, baseOrg(repo))
	cfg, diags := config.Load(f.files, "permissions")
	require.False(t, diags.HasErrors(), "%v", diags)
	org := cfg.Org("acme")
	got := map[string]string{}
	sev := map[string]Severity{}
	for _, b := range Breaches(f.gh.org, f.gh.org.Repo("widget"), org) {
		k := string(b.Rule) + " " + b.Subject
		got[k] = b.Message
		sev[k] = b.Severity
		assert.NotEmpty(t, b.Fix)
		assert.Equal(t, "permissions/acme.yaml", b.RulePos.File)
	}
	assert.Equal(t, map[string]string{
		"admin_allowed user:bob":                      "user:bob holds a direct admin grant on acme/widget, and the org's admin_allowed does not list it",
		"admin_allowed user:outsider":                 "user:outsider holds a direct admin grant on acme/widget, and the org's admin_allowed does not list it",
		"admin_allowed team:core":                     "team:core holds an admin grant on acme/widget, and the org's admin_allowed does not list it",
		"outside_collaborator_max_role user:outsider": "outsider, an outside collaborator (not an org member), holds a direct admin grant on acme/widget, above outside_collaborator_max_role (write)",
		"outside_collaborator_max_role user:guest":    "guest, an outside collaborator (not an org member), holds a direct maintain grant on acme/widget, above outside_collaborator_max_role (write)",
		"max_admins ":                                 "acme/widget has 3 admins (alice, bob, outsider), more than max_admins (2)",
	}, got)
	assert.Equal(t, SeverityCritical, sev["outside_collaborator_max_role user:outsider"])
	assert.Equal(t, SeverityHigh, sev["outside_collaborator_max_role user:guest"])
	assert.Equal(t, SeverityHigh, sev["max_admins "])
}

// Nothing is counted from a repository that cannot be changed or was not
// read whole.
func TestNoBreachesWhereNothingCanBeDone(t *testing.T) {
	for name, mut := range map[string]func(*state.Repo){
		"archived":   func(r *state.Repo) { r.Archived = true },
		"disabled":   func(r *state.Repo) { r.Disabled = true },
		"unreadable": func(r *state.Repo) { r.ReadError = "502" },
	} {
		t.Run(name, func(t *testing.T) {
			repo := &state.Repo{Name: "widget", Users: append(admins("alice", "bob", "carol"), state.UserGrant{Login: "outsider", Role: role.Admin})}
			f := newFixture(t, "max_admins: 1\nadmin_allowed: []\n", map[string]string{"widget": "{}"}, baseOrg(repo))
			cfg, diags := config.Load(f.files, "permissions")
			require.False(t, diags.HasErrors(), "%v", diags)
			require.Len(t, Breaches(f.gh.org, repo, cfg.Org("acme")), 6, "as read")
			mut(repo)
			assert.Empty(t, Breaches(f.gh.org, repo, cfg.Org("acme")))
		})
	}
}
