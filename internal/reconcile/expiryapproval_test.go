package reconcile

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// approvedFiles is the files an approved apply ran on.
func approvedFiles(t *testing.T, body string) *Expiries {
	t.Helper()
	cfg, diags := config.Load(fstest.MapFS{"acme/widget.yaml": &fstest.MapFile{Data: []byte(body)}}, "permissions")
	require.False(t, diags.HasErrors(), "%v", diags)
	return NewExpiries("0123456789abcdef0123456789abcdef01234567", cfg)
}

// A team owning its file merges an entry that has already expired, or
// moves a date forward: the unapproved expiry run must not remove anyone
// the approved apply's files did not already let expire on that date.
func TestExpiryRunRemovesOnlyApprovedExpiries(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{
		{Login: "alice", Role: role.Write}, {Login: "bob", Role: role.Write}, {Login: "carol", Role: role.Write}, {Login: "dave", ID: 7, Role: role.Write},
	}, Teams: []state.TeamGrant{{Slug: "core", Role: role.Triage}}}
	f := newFixture(t, "", map[string]string{"widget": `
write:
  users:
    - {login: alice, expires: 2027-03-01}   # approved with this date
    - {login: bob, expires: 2027-02-01}     # merged already expired
    - {login: carol, expires: 2027-02-20}   # date moved forward from 2027-06-01
    - {login: dave-new, id: 7, expires: 2027-03-01}  # pinned; the login was updated since
triage:
  teams: [{slug: core, expires: 2027-02-01}]  # merged already expired
`}, baseOrg(repo))
	approved := approvedFiles(t, `
write:
  users:
    - {login: alice, expires: 2027-03-01}
    - bob
    - {login: carol, expires: 2027-06-01}
    - {login: dave, id: 7, expires: 2027-03-01}
triage:
  teams: [core]
`)
	in := Input{Now: time.Date(2027, 3, 1, 6, 0, 0, 0, time.UTC), ExpiriesOnly: true}
	p := f.planWith(in)
	require.Equal(t, []string{
		"- acme/widget: remove team core (triage)",
		"- acme/widget: remove user alice (write)",
		"- acme/widget: remove user bob (write)",
		"- acme/widget: remove user carol (write)",
		"- acme/widget: remove user dave (write)",
	}, summary(p), "without the approved files, every expired entry is removed (today's hole)")

	in.Approved = approved
	p = f.planWith(in)
	assert.Equal(t, []string{
		"- acme/widget: remove user alice (write)",
		"- acme/widget: remove user dave (write)",
	}, summary(p), "only the entries the approved apply held with the same date")
	msg := "not removed by the expiry run: the files of the last approved apply (0123456789ab) do not hold this entry with this expires: date; the reviewed apply of permissions-apply.yml removes it"
	assert.Equal(t, []string{
		"permissions/acme/widget.yaml:5:7: expired on 2027-02-01: " + msg,
		"permissions/acme/widget.yaml:6:7: expired on 2027-02-20: " + msg,
		"permissions/acme/widget.yaml:9:11: expired on 2027-02-01: " + msg,
	}, noticeLines(p, NoticeExpiryUnapproved))
	assert.Empty(t, noticeLines(p, NoticeNotExpiry), "one notice per entry, not a second one for its removal")
	assert.Empty(t, p.Refusals)

	// Nothing approved at all (an empty tree): nothing is removed.
	in.Approved = NewExpiries("none", nil)
	p = f.planWith(in)
	assert.Empty(t, p.Changes)
	assert.Len(t, noticeLines(p, NoticeExpiryUnapproved), 5)

	// The reviewed apply (no Approved) removes them all.
	in.Approved, in.ExpiriesOnly = nil, false
	assert.Len(t, f.planWith(in).Changes, 5)
}

// A pinned account renamed on GitHub must not keep a grant that has
// expired: the expired entry is found by its account id.
func TestExpiredPinnedEntryFollowsTheRenamedAccount(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{
		{Login: "alice-renamed", ID: 583231, Role: role.Admin},
		{Login: "carol", ID: 99887, Role: role.Write}, // holds a login a pinned account gave up
	}, Invitations: []state.Invitation{{ID: 5, Login: "erin-2", UserID: 88, Role: role.Write}}}
	f := newFixture(t, "mode: additive\n", map[string]string{"widget": `
admin:
  users: [{login: alice, id: 583231, expires: 2027-03-01}]
write:
  users: [{login: carol, id: 555, expires: 2027-03-01}, {login: erin, id: 88, expires: 2027-03-01}]
`}, baseOrg(repo))
	for _, only := range []bool{false, true} {
		p := f.planWith(Input{Now: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), ExpiriesOnly: only})
		assert.Equal(t, []string{
			"- acme/widget: remove user alice-renamed (admin)",
			"- acme/widget: cancel invitation of erin-2 (write)",
		}, summary(p), "expiries-only %v: carol's newcomer is another account and keeps what it holds", only)
		for _, c := range p.Changes {
			assert.Equal(t, "2027-03-01", c.Expiry)
		}
	}
}

// A pull request adds an entry already expired, or moves a date into the
// past: SPEC has it count as absent (the plan removes the grant), and the
// plan says to remove the entry instead. An entry the base already held
// with that date is not the pull request's doing.
func TestPullRequestEntryAlreadyExpiredIsPointedOut(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{{Login: "alice", Role: role.Write}, {Login: "bob", Role: role.Write}, {Login: "carol", Role: role.Write}}}
	f := newFixture(t, "", map[string]string{"widget": `
write:
  users:
    - {login: alice, expires: 2027-01-01}   # the base held it so
    - {login: bob, expires: 2027-02-01}     # added expired
    - {login: carol, expires: 2027-02-02}   # date moved into the past
`}, baseOrg(repo))
	base := approvedFiles(t, "write:\n  users: [{login: alice, expires: 2027-01-01}, {login: carol, expires: 2027-09-01}]\n")
	p := f.planWith(Input{Now: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), BaseExpiries: base})
	assert.Len(t, p.Changes, 3, "each counts as absent: removed, through the reviewed apply")
	msg := "this pull request adds or changes an entry whose expires: date has already passed: it grants nothing, and the merge's reviewed apply removes the grant; remove the entry instead"
	assert.Equal(t, []string{
		"permissions/acme/widget.yaml:5:7: expires 2027-02-01: " + msg,
		"permissions/acme/widget.yaml:6:7: expires 2027-02-02: " + msg,
	}, noticeLines(p, NoticeExpiredOnArrival))
	assert.Empty(t, p.Refusals)
}
