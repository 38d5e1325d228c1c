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

func (f *fixture) planWith(in Input) *Plan {
	f.t.Helper()
	cfg, diags := config.Load(f.files, "permissions")
	require.False(f.t, diags.HasErrors(), "%v", diags)
	targets, err := Select(cfg, "", nil)
	require.NoError(f.t, err)
	in.Dir, in.Targets, in.Actual = "permissions", targets, map[string]*state.Org{"acme": f.gh.org}
	if in.Now.IsZero() {
		in.Now = f.now
	}
	return Diff(in)
}

// noticeLines is each item of the plan's notices of kind, as its file
// position and its text.
func noticeLines(p *Plan, kind string) []string {
	var out []string
	for _, n := range p.Notices {
		if n.Kind == kind {
			for _, it := range n.Items {
				s := n.ItemText(it)
				if it.Planned != nil {
					s = describe(*it.Planned) + ": " + s
				}
				out = append(out, it.Source.String()+": "+s)
			}
		}
	}
	return out
}

func TestExpiryCrossing(t *testing.T) {
	repo := &state.Repo{Name: "widget",
		Users: []state.UserGrant{{Login: "alice", Role: role.Write}, {Login: "bob", Role: role.Write}},
		Teams: []state.TeamGrant{{Slug: "core", Role: role.Triage}},
	}
	for _, mode := range []string{"authoritative", "additive"} {
		f := newFixture(t, "mode: "+mode+"\n", map[string]string{"widget": `
write:
  users:
    - {login: alice, expires: 2027-03-01, reason: "release 3.0"}
    - bob
triage:
  teams: [{slug: core, expires: 2027-03-01}]
`}, baseOrg(repo))
		// Fifteen days before: nothing to say. Fourteen: announced.
		p := f.planWith(Input{Now: time.Date(2027, 2, 14, 23, 0, 0, 0, time.UTC)})
		assert.Empty(t, p.Changes, mode)
		assert.Empty(t, noticeLines(p, NoticeExpiresSoon), mode)
		p = f.planWith(Input{Now: time.Date(2027, 2, 15, 0, 0, 0, 0, time.UTC)})
		assert.Empty(t, p.Changes, mode)
		assert.Equal(t, []string{
			"permissions/acme/widget.yaml:4:7: user alice's write grant expires on 2027-03-01 (release 3.0)",
			"permissions/acme/widget.yaml:7:11: team core's triage grant expires on 2027-03-01",
		}, noticeLines(p, NoticeExpiresSoon), mode)

		// The last second of the day before: still granted.
		p = f.planWith(Input{Now: time.Date(2027, 2, 28, 23, 59, 59, 0, time.UTC)})
		assert.Empty(t, p.Changes, mode)

		// On the date: removed, in either mode, with the reason and line.
		p = f.planWith(Input{Now: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)})
		assert.Equal(t, []string{
			"- acme/widget: remove team core (triage)",
			"- acme/widget: remove user alice (write)",
		}, summary(p), mode)
		for _, c := range p.Changes {
			assert.Equal(t, "expired on 2027-03-01", c.Reason)
			assert.Equal(t, "2027-03-01", c.Expiry)
		}
		assert.Equal(t, "permissions/acme/widget.yaml:4:7", p.Changes[1].Source.String())
		assert.Empty(t, p.Refusals)
	}
}

func TestExpiryIsAGuardedRemoval(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{{Login: "alice", Role: role.Admin}}}
	f := newFixture(t, "min_admins: 1\n", map[string]string{"widget": `
admin:
  users: [{login: alice, expires: 2027-03-01}]
`}, baseOrg(repo))
	p := f.planWith(Input{Now: time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC)})
	require.Equal(t, []string{"! acme/widget: remove user alice (admin)"}, summary(p))
	require.Equal(t, RuleMinAdmins, p.Refusals[0].Rule)
}

func TestExpiredInvitationIsCancelled(t *testing.T) {
	repo := &state.Repo{Name: "widget", Invitations: []state.Invitation{{ID: 9, Login: "zed", Role: role.Write, CreatedAt: time.Date(2027, 2, 27, 0, 0, 0, 0, time.UTC)}}}
	f := newFixture(t, "", map[string]string{"widget": "write:\n  users: [{login: zed, expires: 2027-03-01}]\n"}, baseOrg(repo))
	p := f.planWith(Input{Now: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)})
	require.Equal(t, []string{"- acme/widget: cancel invitation of zed (write)"}, summary(p))
}

func TestPinnedAccounts(t *testing.T) {
	repo := &state.Repo{Name: "widget",
		Users: []state.UserGrant{{Login: "alice-renamed", ID: 583231, Role: role.Write}, {Login: "bob", ID: 12, Role: role.Write}},
	}
	f := newFixture(t, "", map[string]string{"widget": `
write:
  users:
    - {login: alice, id: 583231}  # renamed since: the state shows the account under its new login
    - {login: bob, id: 12}
    - {login: carol, id: 555}     # re-registered by account 99887
    - {login: erin, id: 88}       # not shown by the state, looked up
`}, baseOrg(repo))
	in := Input{Accounts: &Accounts{
		ByLogin: map[string]int64{"carol": 99887, "dave": 0, "erin": 88, "alice": 0},
		ByID:    map[int64]string{555: "carol-old", 77: ""},
	}}
	p := f.planWith(in)
	assert.Equal(t, []string{"+ acme/widget: invite user carol-old as write", "+ acme/widget: grant user erin write"}, summary(p),
		"alice's renamed account keeps its grant, carol's follows the account, the newcomer holding carol gets nothing")
	assert.Equal(t, []string{
		"permissions/acme/widget.yaml:4:7: account 583231 was renamed from alice to alice-renamed: its access follows the account; write the entry as {login: alice-renamed, id: 583231}",
	}, noticeLines(p, NoticeRenamed))
	require.Len(t, p.Refusals, 1)
	assert.Equal(t, RulePinnedAccount, p.Refusals[0].Rule)
	assert.Equal(t, "permissions/acme/widget.yaml:6:7", p.Refusals[0].Items[0].Source.String(), "the entry's line")
	assert.Equal(t, "login carol now belongs to account 99887, not 555: renamed and re-registered? The login is not granted; account 555 is now carol-old: write the entry as {login: carol-old, id: 555}", p.Refusals[0].Message)
	assert.Empty(t, p.Errors)
}

func TestPinnedAccountGone(t *testing.T) {
	f := newFixture(t, "", map[string]string{"widget": "write:\n  users: [bob, {login: dave, id: 77}]\n"}, baseOrg(&state.Repo{Name: "widget"}))
	p := f.planWith(Input{Accounts: &Accounts{ByLogin: map[string]int64{"dave": 0}, ByID: map[int64]string{77: ""}}})
	require.Len(t, p.Errors, 1)
	assert.Equal(t, "permissions/acme/widget.yaml:2:16: user dave (account 77) no longer exists on GitHub; remove {login: dave, id: 77}", p.Errors[0].String())
	assert.Empty(t, p.Changes, "nothing is planned beside an entry in error")
}

func TestReRegisteredLoginIsNeverGranted(t *testing.T) {
	// The newcomer holds nothing; the pinned account is gone. Whatever
	// else the plan holds, no change names the newcomer's login.
	repo := &state.Repo{Name: "widget"}
	f := newFixture(t, "", map[string]string{"widget": "admin:\n  users: [{login: alice, id: 583231}]\n"}, baseOrg(repo))
	p := f.planWith(Input{Accounts: &Accounts{ByLogin: map[string]int64{"alice": 99887}, ByID: map[int64]string{}}})
	assert.Empty(t, p.Changes)
	require.Len(t, p.Refusals, 1)
	assert.Equal(t, "login alice now belongs to account 99887, not 583231: renamed and re-registered? The login is not granted", p.Refusals[0].Message)

	// Without an answer about the account, nothing is planned for the repository.
	p = f.planWith(Input{})
	assert.Empty(t, p.Changes)
	require.Len(t, p.Errors, 1)
	assert.Contains(t, p.Errors[0].Message, "could not be checked against GitHub")
}

func TestNeedsIdentity(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{{Login: "bob", ID: 12, Role: role.Write}, {Login: "carol", ID: 99, Role: role.Write}}}
	f := newFixture(t, "", map[string]string{"widget": `
write:
  users: [{login: bob, id: 12}, {login: carol, id: 555}, {login: dave, id: 7}, erin, {login: old, id: 1, expires: 2020-01-01}]
`}, baseOrg(repo))
	cfg, _ := config.Load(f.files, "permissions")
	targets, _ := Select(cfg, "", nil)
	got := NeedsIdentity(targets, map[string]*state.Org{"acme": f.gh.org}, f.now)
	assert.Equal(t, []Pin{{Login: "carol", ID: 555, LoginKnown: true, LoginID: 99}, {Login: "dave", ID: 7}}, got,
		"bob is answered by the state; erin is plain; old has expired")
}

func TestExpiriesOnlyLeavesOtherChangesAlone(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{{Login: "alice", Role: role.Write}, {Login: "bob", Role: role.Write}}}
	f := newFixture(t, "", map[string]string{"widget": `
write:
  users: [{login: alice, expires: 2027-03-01}, carol]
`}, baseOrg(repo))
	in := Input{Now: time.Date(2027, 3, 1, 6, 0, 0, 0, time.UTC)}
	full := f.planWith(in)
	require.Equal(t, []string{
		"- acme/widget: remove user alice (write)",
		"- acme/widget: remove user bob (write)",
		"+ acme/widget: grant user carol write",
	}, summary(full))
	in.ExpiriesOnly = true
	p := f.planWith(in)
	require.Equal(t, []string{"- acme/widget: remove user alice (write)"}, summary(p))
	assert.Equal(t, []string{
		"permissions/acme/widget.yaml: acme/widget: remove user bob (write): not applied by an expiries-only run (not an expiry)",
		"permissions/acme/widget.yaml:3:48: acme/widget: grant user carol write: not applied by an expiries-only run (not an expiry)",
	}, noticeLines(p, NoticeNotExpiry))
}

func TestRenamedEntryBesideItsNewLogin(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{{Login: "robert", ID: 1, Role: role.Write}}}
	f := newFixture(t, "", map[string]string{"widget": "write:\n  users: [{login: bob, id: 1}]\nadmin:\n  users: [robert]\n"}, baseOrg(repo))
	p := f.planWith(Input{})
	assert.Empty(t, p.Changes)
	require.Len(t, p.Errors, 1)
	assert.Equal(t, "permissions/acme/widget.yaml:4:11: user:robert is listed twice once renames are followed (also at line 2): keep one entry", p.Errors[0].String())
}
