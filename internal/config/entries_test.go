package config_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

func TestPinnedAndExpiringEntries(t *testing.T) {
	cfg := loadOK(t, map[string]string{"acme/widgets.yaml": doc(`
write:
  users:
    - bob
    - {login: alice, id: 583231}
    - login: carol
      id: 77
      expires: 2027-03-01
      reason: "release 3.0 only"
  teams: [core, {slug: contractors, expires: "2027-01-15"}]
`)})
	r := cfg.Orgs[0].Repos[0]
	byName := map[string]config.Grant{}
	for _, g := range r.Grants {
		byName[g.Name] = g
	}
	require.Equal(t, int64(583231), byName["alice"].ID)
	require.Equal(t, 4, byName["alice"].Pos.Line)
	require.Equal(t, int64(0), byName["bob"].ID)
	require.Equal(t, "2027-03-01", byName["carol"].Expires)
	require.Equal(t, "release 3.0 only", byName["carol"].Reason)
	require.Equal(t, "2027-01-15", byName["contractors"].Expires)
	require.Equal(t, config.Team, byName["contractors"].Kind)

	day := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	require.False(t, byName["carol"].ExpiredAt(day.Add(-time.Second)), "the day before the date, the grant holds")
	require.True(t, byName["carol"].ExpiredAt(day), "from the start of the date (UTC), it counts as absent")
	require.False(t, byName["bob"].ExpiredAt(day))
}

func TestEntryMistakes(t *testing.T) {
	f := "permissions/acme/widgets.yaml"
	got := loadDiags(t, map[string]string{"acme/widgets.yaml": doc(`
write:
  users:
    - {login: alice, id: 0}
    - {login: bob, idd: 5}
    - {id: 5}
    - {login: carol, expires: 2027-13-01}
    - {login: dave, expires: "next week"}
    - {login: erin, expires: 2027-03-01T10:00:00Z}
    - {login: frank, id: 9}
    - {login: grace, id: 9}
  teams: [{slug: core, id: 3}, {name: x}]
`)})
	require.Equal(t, []string{
		f + ":3:26: id must be the account's numeric GitHub id (a positive number; `permsync pin` fills it in), not \"0\"",
		f + ":4:20: unknown key \"idd\" in write.users entry (did you mean \"id\"?) (expected one of: login, id, expires, reason)",
		f + ":5:7: write.users entry needs a login (e.g. {login: alice, ...})",
		f + ":6:31: expires must be a date written YYYY-MM-DD (e.g. 2027-03-01), not \"2027-13-01\"",
		f + ":7:30: expires must be a date written YYYY-MM-DD (e.g. 2027-03-01), not \"next week\"",
		f + ":8:30: expires must be a date written YYYY-MM-DD (e.g. 2027-03-01), not \"2027-03-01T10:00:00Z\"",
		f + ":10:7: account 9 is already listed as \"frank\" at line 9: one account, one entry",
		f + ":11:24: unknown key \"id\" in write.teams entry (expected one of: slug, expires, reason)",
		f + ":11:33: unknown key \"name\" in write.teams entry (expected one of: slug, expires, reason)",
	}, got)
}

func TestExpiryWarnings(t *testing.T) {
	cfg := loadOK(t, map[string]string{"acme/widgets.yaml": doc(`
write:
  users:
    - {login: alice, expires: 2027-03-01}
    - {login: bob, expires: 2027-03-20}
    - {login: carol, expires: 2027-06-01}
`)})
	now := time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC)
	f := "permissions/acme/widgets.yaml"
	require.Equal(t, []string{
		f + ":3:7: warning: user alice expired on 2027-03-01: the plan removes this grant; delete the entry",
		f + ":4:7: warning: user bob expires on 2027-03-20 (in 10 days)",
	}, strs(cfg.ExpiryWarnings(now)))
}

const commented = `# widgets: who may do what.

# Release engineering owns the tags.
maintain:
  users: [alice, "bob"]   # two maintainers

write:
  users:
    # a contractor, until the release
    - carol        # hired 2026
    - {login: dave, expires: 2027-03-01}
    - login: erin
      reason: "docs"

    - frank
  teams: [core]
`

func TestPinKeepsCommentsAndLayout(t *testing.T) {
	ids := map[string]int64{"alice": 1, "bob": 2, "carol": 3, "dave": 4, "erin": 5}
	out, done, err := config.PinUsers("w.yaml", []byte(commented), ids)
	require.NoError(t, err)
	require.Len(t, done, 5)
	require.Equal(t, `# widgets: who may do what.

# Release engineering owns the tags.
maintain:
  users: [{login: alice, id: 1}, {login: "bob", id: 2}]   # two maintainers

write:
  users:
    # a contractor, until the release
    - {login: carol, id: 3}        # hired 2026
    - {login: dave, id: 4, expires: 2027-03-01}
    - login: erin
      id: 5
      reason: "docs"

    - frank
  teams: [core]
`, string(out))

	again, done, err := config.PinUsers("w.yaml", out, ids)
	require.NoError(t, err)
	require.Empty(t, done, "pinned entries are left alone")
	require.Equal(t, string(out), string(again))
}

func TestRemoveUserKeepsCommentsAndLayout(t *testing.T) {
	for _, tc := range []struct{ login, want string }{
		{"BOB", strings.Replace(commented, `[alice, "bob"]`, `[alice]`, 1)},
		{"alice", strings.Replace(commented, `[alice, "bob"]`, `["bob"]`, 1)},
		{"carol", strings.Replace(commented, "    - carol        # hired 2026\n", "", 1)},
		{"erin", strings.Replace(commented, "    - login: erin\n      reason: \"docs\"\n", "", 1)},
		{"frank", strings.Replace(commented, "    - frank\n", "", 1)},
		{"zed", commented},
	} {
		out, _, err := config.RemoveUser("w.yaml", []byte(commented), tc.login, 0)
		require.NoError(t, err, tc.login)
		require.Equal(t, tc.want, string(out), tc.login)
	}
	only := "admin:\n  users:\n    - alice # the only one\n  teams: [core]\n"
	out, done, err := config.RemoveUser("w.yaml", []byte(only), "alice", 0)
	require.NoError(t, err)
	require.Len(t, done, 1)
	require.Equal(t, "admin:\n  users:\n  teams: [core]\n", string(out))
	out, _, err = config.RemoveUser("w.yaml", []byte("write: {users: [alice]}\n"), "alice", 0)
	require.NoError(t, err)
	require.Equal(t, "write: {users: []}\n", string(out))
}

func TestRemoveUserByAccount(t *testing.T) {
	out, done, err := config.RemoveUser("w.yaml", []byte("write:\n  users: [{login: old-name, id: 7}, bob]\n"), "new-name", 7)
	require.NoError(t, err)
	require.Equal(t, "old-name", done[0].Name)
	require.Equal(t, "write:\n  users: [bob]\n", string(out))
}

func TestRenameUser(t *testing.T) {
	out, done, err := config.RenameUser("w.yaml", []byte("write:\n  users: [{login: alice, id: 7}, bob] # keep\n"), 7, "alice-new")
	require.NoError(t, err)
	require.Len(t, done, 1)
	require.Equal(t, "write:\n  users: [{login: alice-new, id: 7}, bob] # keep\n", string(out))
}

func TestEditRefusesAnInvalidFile(t *testing.T) {
	_, _, err := config.PinUsers("w.yaml", []byte("write:\n  users: [alice]\n  bogus: 1\n"), map[string]int64{"alice": 1})
	require.ErrorContains(t, err, `w.yaml:3:3: unknown key "bogus"`)
}

// FuzzEditRoundTrip: whatever a valid repository file looks like, pinning
// every user and then removing one leaves a file the loader accepts, with
// exactly the grants expected: the same principals and roles, every user
// pinned to its id, and the removed user gone.
//
//	go test ./internal/config -run '^$' -fuzz FuzzEditRoundTrip -fuzztime 60s
func FuzzEditRoundTrip(f *testing.F) {
	f.Add([]byte(commented), "carol")
	f.Add([]byte("write: {users: [a, b], teams: [t]}\n"), "a")
	f.Add([]byte("admin:\n  users:\n  - x\n  - {login: y, expires: 2027-01-01}\n"), "y")
	f.Add([]byte("write:\r\n  users:\r\n    - 'a'   # q\r\n    - login: \"b\"\r\n      reason: \"x, }\"\r\n"), "b")
	f.Add([]byte("read: {users: [ a , {login: b, reason: 'it''s'} ,c ]}"), "c")
	f.Fuzz(func(t *testing.T, data []byte, victim string) {
		before := loadRepo(data)
		if before == nil {
			return
		}
		ids := map[string]int64{}
		for i, g := range before.Users() {
			ids[strings.ToLower(g.Name)] = int64(1000 + i)
		}
		pinned, _, err := config.PinUsers("w.yaml", data, ids)
		if err != nil {
			t.Fatalf("pin: %v\n%s", err, data)
		}
		if !subsequence(data, pinned) {
			t.Fatalf("pin did more than insert:\n%q\n→\n%q", data, pinned)
		}
		after := loadRepo(pinned)
		if after == nil || len(after.Grants) != len(before.Grants) {
			t.Fatalf("pin changed the grants:\n%s\n→\n%s", data, pinned)
		}
		for i, g := range after.Grants {
			b := before.Grants[i]
			if !g.Equal(b.Principal) || g.Role != b.Role || g.Expires != b.Expires || g.Reason != b.Reason {
				t.Fatalf("pin changed %v into %v", b, g)
			}
			if g.Kind == config.User && b.ID == 0 && g.ID != ids[strings.ToLower(g.Name)] {
				t.Fatalf("user %s not pinned: %d", g.Name, g.ID)
			}
		}
		removed, _, err := config.RemoveUser("w.yaml", pinned, victim, 0)
		if err != nil {
			t.Fatalf("remove: %v\n%s", err, pinned)
		}
		if !subsequence(removed, pinned) {
			t.Fatalf("remove did more than delete:\n%q\n→\n%q", pinned, removed)
		}
		rest := loadRepo(removed)
		if rest == nil {
			t.Fatalf("remove left an invalid file")
		}
		want := 0
		for _, g := range after.Grants {
			if g.Kind == config.Team || !strings.EqualFold(g.Name, victim) {
				want++
			}
		}
		if len(rest.Grants) != want {
			t.Fatalf("remove %q: %d grants, want %d:\n%s\n→\n%s", victim, len(rest.Grants), want, pinned, removed)
		}
	})
}

func loadRepo(data []byte) *config.Repo {
	cfg, _ := config.Load(fstest.MapFS{"acme/w.yaml": &fstest.MapFile{Data: data}}, "p")
	if cfg == nil || len(cfg.Orgs) != 1 || len(cfg.Orgs[0].Repos) != 1 {
		return nil
	}
	return cfg.Orgs[0].Repos[0]
}

func TestTrustedApps(t *testing.T) {
	cfg := loadOK(t, map[string]string{"acme.yaml": "trusted_apps: [1861, 4242]\n", "acme/w.yaml": "read: {teams: [core]}\n"})
	require.True(t, cfg.Orgs[0].Policy.TrustedApp(4242))
	require.False(t, cfg.Orgs[0].Policy.TrustedApp(7))
	got := loadDiags(t, map[string]string{"acme.yaml": "trusted_apps: [1861, permsync, -3, 1861]\n", "acme/w.yaml": "read: {teams: [core]}\n"})
	require.Equal(t, []string{
		`permissions/acme.yaml:1:22: trusted_apps: "permsync" is not a GitHub App id (a positive number, as on the App's settings page)`,
		`permissions/acme.yaml:1:32: trusted_apps: "-3" is not a GitHub App id (a positive number, as on the App's settings page)`,
		`permissions/acme.yaml:1:36: duplicate App id 1861 (already listed at line 1)`,
	}, got)
}

// subsequence reports whether a's bytes appear in b in order: an edit that
// only inserts (pin) keeps the original as a subsequence of its result, and
// one that only deletes (remove) keeps its result as a subsequence of the
// original, so no comment or layout outside the entries can have changed.
func subsequence(a, b []byte) bool {
	i := 0
	for j := 0; i < len(a) && j < len(b); j++ {
		if a[i] == b[j] {
			i++
		}
	}
	return i == len(a)
}
