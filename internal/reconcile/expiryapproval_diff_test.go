package reconcile

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

func filesExpiries(t *testing.T, ref, body string) *Expiries {
	t.Helper()
	cfg, diags := config.Load(fstest.MapFS{
		"acme/widget.yaml": &fstest.MapFile{Data: []byte(body)},
		"acme/other.yaml":  &fstest.MapFile{Data: []byte("read:\n  users: [{login: zoe, expires: 2027-01-01}]\n")},
	}, "permissions")
	require.False(t, diags.HasErrors(), "%v", diags)
	return NewExpiries(ref, cfg)
}

// The reviewer's spellings: what the loader accepts is compared by
// meaning, so no way of writing a date hides it from the approver.
func TestExpiriesDiffComparesMeaningNotLines(t *testing.T) {
	approved := filesExpiries(t, "a", "write:\n  users:\n    - {login: erin}\n    - login: carol\n      expires: 2027-03-01\n    - {login: bob, expires: 2027-06-01}\n")

	// Escaped key and date: the same entry as the plain spelling.
	escaped := filesExpiries(t, "b", "write:\n  users:\n    - {login: erin, \"\\x65xpires\": \"\\x32\\x30\\x32\\x36-12-08\"}\n    - login: carol\n      expires: 2027-03-01\n    - {login: bob, expires: 2027-06-01}\n")
	plain := filesExpiries(t, "c", "write:\n  users:\n    - {login: erin, expires: 2026-12-08}\n    - login: carol\n      expires: 2027-03-01\n    - {login: bob, expires: 2027-06-01}\n")
	assert.Empty(t, escaped.Diff(plain), "the escaped spelling loads as the plain one")
	assert.Equal(t, []ExpiryChange{{Change: ExpiryAdded, Org: "acme", Repo: "widget", Principal: "user:erin", Expires: "2026-12-08", Source: config.Pos{File: "permissions/acme/widget.yaml", Line: 3}}},
		escaped.Diff(approved))

	// A quoted date continued over lines with a backslash.
	split := filesExpiries(t, "d", "write:\n  users:\n    - {login: erin}\n    - login: carol\n      expires: \"2027-03-01\"\n    - {login: bob, expires: \"2026-\\\n        12-08\"}\n")
	assert.Equal(t, []ExpiryChange{
		{Change: ExpiryAdded, Org: "acme", Repo: "widget", Principal: "user:bob", Expires: "2026-12-08", Source: config.Pos{File: "permissions/acme/widget.yaml", Line: 6}},
		{Change: ExpiryRemoved, Org: "acme", Repo: "widget", Principal: "user:bob", Expires: "2027-06-01", Source: config.Pos{File: "permissions/acme/widget.yaml", Line: 6}},
	}, split.Diff(approved))

	// Logins swapped under an unchanged date line.
	swapped := filesExpiries(t, "e", "write:\n  users:\n    - {login: erin}\n    - login: dave\n      expires: 2027-03-01\n    - {login: bob, expires: 2027-06-01}\n")
	assert.Equal(t, []ExpiryChange{
		{Change: ExpiryRemoved, Org: "acme", Repo: "widget", Principal: "user:carol", Expires: "2027-03-01", Source: config.Pos{File: "permissions/acme/widget.yaml", Line: 4}},
		{Change: ExpiryAdded, Org: "acme", Repo: "widget", Principal: "user:dave", Expires: "2027-03-01", Source: config.Pos{File: "permissions/acme/widget.yaml", Line: 4}},
	}, swapped.Diff(approved))

	assert.Empty(t, approved.Diff(approved))
	assert.Len(t, approved.Diff(nil), 3, "nothing approved yet: every date, in every file")
}

// A pinned entry is its account: a renamed login is no change, another
// account under the same login is.
func TestExpiriesDiffFollowsThePinnedID(t *testing.T) {
	approved := filesExpiries(t, "a", "write:\n  users: [{login: alice, id: 7, expires: 2027-03-01}]\n")
	renamed := filesExpiries(t, "b", "write:\n  users: [{login: alice-2, id: 7, expires: 2027-03-01}]\n")
	assert.Empty(t, renamed.Diff(approved))
	other := filesExpiries(t, "c", "write:\n  users: [{login: alice, id: 8, expires: 2027-03-01}]\n")
	d := other.Diff(approved)
	require.Len(t, d, 2)
	assert.Equal(t, ExpiryChange{Change: ExpiryAdded, Org: "acme", Repo: "widget", Principal: "user:alice", ID: 8, Expires: "2027-03-01", Source: config.Pos{File: "permissions/acme/widget.yaml", Line: 2}}, d[1])
	assert.Equal(t, int64(7), d[0].ID)
	assert.Equal(t, ExpiryRemoved, d[0].Change)
}
