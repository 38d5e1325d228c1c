package config_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// TestRepoFileDiagnostics feeds one repository file through Load and checks
// every diagnostic exactly: file, line, column and wording. Positions are
// part of the contract (SPEC.md: "file:line:col: message"), so a change to
// any of them should be a conscious one.
func TestRepoFileDiagnostics(t *testing.T) {
	const f = "permissions/acme/widgets.yaml"
	cases := []struct {
		name string
		repo string
		want []string
	}{{
		name: "unknown top-level key",
		repo: doc(`
write:
  users: [bob]
owners:
  users: [carol]
`),
		want: []string{f + `:3:1: unknown key "owners" (expected a role: read, triage, write, maintain, admin; or branch_protection)`},
	}, {
		name: "near-miss top-level keys get a suggestion",
		repo: doc(`
maintainer:
  users: [bob]
brnch_protection: {}
`),
		want: []string{
			f + `:1:1: unknown key "maintainer" (did you mean "maintain"?) (expected a role: read, triage, write, maintain, admin; or branch_protection)`,
			f + `:3:1: unknown key "brnch_protection" (did you mean "branch_protection"?) (expected a role: read, triage, write, maintain, admin; or branch_protection)`,
		},
	}, {
		name: "unknown key inside a role",
		repo: doc(`
write:
  users: [bob]
  groups: [core]
  user: [carol]
`),
		want: []string{
			f + `:3:3: unknown key "groups" in role write (expected one of: users, teams)`,
			f + `:4:3: unknown key "user" in role write (did you mean "users"?) (expected one of: users, teams)`,
		},
	}, {
		name: "unknown key inside branch protection",
		repo: doc(`
branch_protection:
  main:
    enforce_admins: true
    required_reviews: 1
    strikt: true
`),
		want: []string{
			f + `:4:5: unknown key "required_reviews" in branch_protection.main (expected one of: required_status_checks, strict, enforce_admins, required_approving_review_count)`,
			f + `:5:5: unknown key "strikt" in branch_protection.main (did you mean "strict"?) (expected one of: required_status_checks, strict, enforce_admins, required_approving_review_count)`,
		},
	}, {
		// GitHub's API says pull and push; files say read and write.
		name: "unknown roles, with hints for the API spellings",
		repo: doc(`
pull:
  users: [a]
push:
  users: [b]
owner:
  users: [c]
Admin:
  users: [d]
`),
		want: []string{
			f + `:1:1: unknown role "pull" (did you mean "read"?)`,
			f + `:3:1: unknown role "push" (did you mean "write"?)`,
			f + `:5:1: unknown key "owner" (expected a role: read, triage, write, maintain, admin; or branch_protection)`,
			f + `:7:1: unknown key "Admin" (did you mean "admin"?) (expected a role: read, triage, write, maintain, admin; or branch_protection)`,
		},
	}, {
		// Logins compare case-insensitively; the message quotes the
		// spelling written where the clash is, and points at the first.
		name: "a principal in two roles",
		repo: doc(`
maintain:
  users: [alice]
write:
  users: [Alice]
  teams: [core]
read:
  teams: [core]
`),
		want: []string{
			f + `:4:11: user "Alice" is already granted maintain at line 2: a principal holds one role per repository`,
			f + `:7:11: team "core" is already granted write at line 5: a principal holds one role per repository`,
		},
	}, {
		name: "duplicates in one list",
		repo: doc(`
write:
  users: [bob, carol, BOB]
  teams: [core, core]
`),
		want: []string{
			f + `:2:23: duplicate user "BOB" (already listed at line 2)`,
			f + `:3:17: duplicate team "core" (already listed at line 3)`,
		},
	}, {
		name: "duplicate role key",
		repo: doc(`
write:
  users: [bob]
write:
  users: [carol]
`),
		want: []string{f + `:3:1: duplicate key "write" (first at line 1)`},
	}, {
		name: "invalid logins",
		repo: doc(`
write:
  users:
    - bob
    - -bad
    - bad-
    - under_score
    - "x y"
    - ` + strings.Repeat("a", 40) + `
    - ` + strings.Repeat("b", 39) + `
`),
		want: []string{
			f + `:4:7: "-bad" is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)`,
			f + `:5:7: "bad-" is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)`,
			f + `:6:7: "under_score" is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)`,
			f + `:7:7: "x y" is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)`,
			f + `:8:7: "` + strings.Repeat("a", 40) + `" is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)`,
		},
	}, {
		name: "invalid team slugs, uppercase gets a hint",
		repo: doc(`
maintain:
  teams: [Core-Team, "core team", -lead, ok_team]
`),
		want: []string{
			f + `:2:11: "Core-Team" is not a valid team slug (lowercase letters, digits, '-' and '_'); did you mean "core-team"?`,
			f + `:2:22: "core team" is not a valid team slug (lowercase letters, digits, '-' and '_')`,
			f + `:2:35: "-lead" is not a valid team slug (lowercase letters, digits, '-' and '_')`,
		},
	}, {
		name: "roles and lists of the wrong shape",
		repo: doc(`
read: [alice]
write: bob
triage:
  teams: core
admin:
  users: [~, [x]]
`),
		want: []string{
			f + `:1:7: role read must hold users: and teams: lists (e.g. read: {users: [alice], teams: [core]}), not a list`,
			f + `:2:8: role write must hold users: and teams: lists (e.g. write: {users: [alice], teams: [core]}), not "bob"`,
			f + `:4:10: triage.teams must be a list, not "core"`,
			f + `:6:11: admin.users: each entry must be a login or {login, id, expires, reason}, not empty`,
			f + `:6:14: admin.users: each entry must be a login or {login, id, expires, reason}, not a list`,
		},
	}, {
		name: "bad branch names and wildcards",
		repo: doc(`
branch_protection:
  release/*: {}
  v1.?: {}
  refs/heads/main: {}
  a..b: {}
  feature/.hidden: {}
  topic.lock: {}
  "has space": {}
  "back\\slash": {}
  "": {}
  "@": {}
  main/: {}
`),
		want: []string{
			f + `:2:3: branch "release/*": wildcards are not supported: name the exact branch`,
			f + `:3:3: branch "v1.?": wildcards are not supported: name the exact branch`,
			f + `:4:3: branch "refs/heads/main": write the branch name without refs/heads/`,
			f + `:5:3: branch "a..b": not a valid git branch name`,
			f + `:6:3: branch "feature/.hidden": not a valid git branch name`,
			f + `:7:3: branch "topic.lock": not a valid git branch name`,
			f + `:8:3: branch "has space": not a valid git branch name`,
			f + `:9:3: branch "back\\slash": not a valid git branch name`,
			f + `:10:3: branch "": empty branch name`,
			f + `:11:3: branch "@": not a valid git branch name`,
			f + `:12:3: branch "main/": not a valid git branch name`,
		},
	}, {
		name: "bad branch settings",
		repo: doc(`
branch_protection:
  main:
    strict: yes
    enforce_admins: 1
    required_approving_review_count: 7
  dev:
    required_approving_review_count: -1
    required_status_checks: EasyCLA
  stable: [x]
`),
		want: []string{
			f + `:3:13: strict must be true or false, not "yes"`,
			f + `:4:21: enforce_admins must be true or false, not "1"`,
			f + `:5:38: required_approving_review_count must be a whole number from 0 to 6, not "7"`,
			f + `:7:38: required_approving_review_count must not be negative (got -1)`,
			f + `:8:29: required_status_checks must be a list of check names, not "EasyCLA"`,
			f + `:9:11: branch_protection.stable must be a mapping (key: value), not a list`,
		},
	}, {
		name: "bad required checks",
		repo: doc(`
branch_protection:
  main:
    required_status_checks:
      - EasyCLA
      - ""
      - EasyCLA
      - {context: DCO, app_id: 0}
      - {context: build, app_id: abc}
      - {app_id: 5}
      - context: lint
        app_id: 12
        name: x
      - [nested]
      - " padded"
      - {context: [x]}
`),
		want: []string{
			f + `:5:9: required_status_checks: "" is not a usable check name`,
			f + `:6:9: duplicate check "EasyCLA" (already listed at line 4)`,
			f + `:7:32: app_id must be a GitHub App id (a positive number), or -1 for any source; not "0"`,
			f + `:8:34: app_id must be a GitHub App id (a positive number), or -1 for any source; not "abc"`,
			f + `:9:9: required_status_checks entry needs a context`,
			f + `:12:9: unknown key "name" in required_status_checks entry (expected one of: context, app_id)`,
			f + `:13:9: required_status_checks: each entry is a check name or {context, app_id}, not a list`,
			f + `:14:9: required_status_checks: " padded" is not a usable check name`,
			// One message for one mistake: a bad context is not also "missing".
			f + `:15:19: context must be a value, not a list`,
		},
	}, {
		name: "YAML syntax error: unclosed list, line of the list",
		repo: doc(`
write:
  users: [bob, carol
maintain:
  users: [dave]
`),
		// yaml.v3 reports this parser error 0-based; the loader adds one.
		want: []string{f + `:2: invalid YAML: did not find expected ',' or ']'`},
	}, {
		name: "YAML syntax error: bad indentation",
		repo: doc(`
write:
  users: [bob]
 teams: [core]
`),
		// The outer mapping starts on line 1, so yaml.v3 names the line
		// where it stumbled.
		want: []string{f + `:3: invalid YAML: did not find expected key`},
	}, {
		// When the enclosing mapping starts after line 1, yaml.v3 names
		// the line where it starts rather than the line it stumbled on.
		name: "YAML syntax error: names the enclosing mapping",
		repo: doc(`
write:
  users:
    - bob
  - carol
`),
		want: []string{f + `:2: invalid YAML: did not find expected key`},
	}, {
		name: "YAML syntax error: a tab",
		repo: "write:\n  users: [bob]\n\tteams: [core]\n",
		want: []string{f + `:3: invalid YAML: found character that cannot start any token`},
	}, {
		name: "YAML syntax error: mapping in a plain value",
		repo: "write:\n  users: a: b\n",
		want: []string{f + `:2: invalid YAML: mapping values are not allowed in this context`},
	}, {
		name: "YAML syntax error: unterminated quote",
		repo: "write:\n  users: [\"bob]\n",
		want: []string{f + `:2: invalid YAML: found unexpected end of stream`},
	}, {
		name: "two documents",
		repo: doc(`
write:
  users: [bob]
---
write:
  users: [carol]
`),
		want: []string{f + `:3:1: a permissions file holds one YAML document; remove the extra "---" document`},
	}, {
		name: "anchors and aliases",
		repo: doc(`
write:
  users: &people [bob, carol]
read:
  users: *people
`),
		want: []string{
			f + `:2:10: YAML anchors and aliases are not supported in permissions files; write the values out`,
			f + `:4:10: YAML anchors and aliases are not supported in permissions files; write the values out`,
		},
	}, {
		name: "merge key",
		repo: doc(`
base: &base
  users: [bob]
write:
  <<: *base
`),
		want: []string{
			f + `:1:7: YAML anchors and aliases are not supported in permissions files; write the values out`,
			f + `:4:7: YAML anchors and aliases are not supported in permissions files; write the values out`,
		},
	}, {
		// yaml.v3 refuses this without a position; the loader finds it.
		name: "alias to an anchor that does not exist",
		repo: "write:\n  users: *nobody\n",
		want: []string{f + `:2:10: YAML anchors and aliases are not supported in permissions files; write the values out`},
	}, {
		name: "top level is a list",
		repo: "- write\n- bob\n",
		want: []string{f + `:1:1: a repository file must be a mapping (key: value), not a list`},
	}, {
		name: "top level is a scalar",
		repo: "write bob\n",
		want: []string{f + `:1:1: a repository file must be a mapping (key: value), not "write bob"`},
	}, {
		name: "complex key",
		repo: "? [write]\n: {users: [bob]}\n",
		want: []string{f + `:1:3: a repository file: keys must be plain names`},
	}, {
		// The reader refuses raw control characters; yaml.v3 does not say
		// where, so the loader finds the character (column in characters).
		name: "raw control character",
		repo: "write:\n  users: [bé\x1bb]\n",
		want: []string{f + `:2:13: invalid YAML: control character U+001B is not allowed; permissions files are UTF-8 text`},
	}, {
		name: "NUL byte",
		repo: "write:\n  users: [bob]\n\x00",
		want: []string{f + `:3:1: invalid YAML: control character U+0000 is not allowed; permissions files are UTF-8 text`},
	}, {
		// YAML also breaks lines at a lone \r (old Mac files).
		name: "control character after carriage returns",
		repo: "write:\r  users:\r\n    - b\x01b\r",
		want: []string{f + `:3:8: invalid YAML: control character U+0001 is not allowed; permissions files are UTF-8 text`},
	}, {
		// No newline at the end: yaml.v3 puts the end of the stream on a
		// line the file does not have; the loader names the last line.
		name: "unclosed list at the end of a file without a final newline",
		repo: "write: [",
		want: []string{f + `:1: invalid YAML: did not find expected node content`},
	}, {
		name: "not UTF-8",
		repo: "write:\n  users: [b\xffb]\n",
		want: []string{f + `:2:12: invalid YAML: byte 0xFF, which is not UTF-8, is not allowed; permissions files are UTF-8 text`},
	}, {
		// Escaped control characters parse, but are no login; the message
		// shows them escaped so they cannot drive a terminal.
		name: "escaped control characters in a value",
		repo: "write:\n  users: [\"\\e[31mbob\"]\n",
		want: []string{f + `:2:11: "\x1b[31mbob" is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)`},
	}, {
		// A value echoed in a message is cut short, never a megabyte.
		name: "long values are shortened in messages",
		repo: "write:\n  users: [" + strings.Repeat("é", 200) + "]\n",
		want: []string{f + `:2:11: "` + strings.Repeat("é", 40) + `"… is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)`},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := loadDiags(t, map[string]string{"acme/widgets.yaml": tc.repo})
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestRepoFileValues checks what a valid repository file turns into: grants
// with their roles and positions (users then teams, each sorted by name,
// spelling kept), and branch protection where only written settings are
// managed.
func TestRepoFileValues(t *testing.T) {
	const f = "permissions/acme/widgets.yaml"
	cfg := loadOK(t, map[string]string{"acme/widgets.yaml": doc(`
admin:
  teams: [widgets-admins]
maintain:
  users: [Zed, alice]
  teams: [widgets-tsc]
write:
  users: [bob]
  teams: [core_team, bob]
triage: {}
read:
branch_protection:
  main:
    required_status_checks: [EasyCLA, {context: DCO, app_id: 1861}, {context: build, app_id: -1}]
    strict: true
    enforce_admins: true
    required_approving_review_count: 1
  release/v1.x:
    required_status_checks: []
    strict: false
  stable: {}
`)})
	repo := cfg.Org("acme").Repo("WIDGETS")
	require.NotNil(t, repo)
	assert.Equal(t, f, repo.File)

	type grant struct {
		Who  string
		Role role.Role
		Pos  string
	}
	var got []grant
	for _, g := range repo.Grants {
		got = append(got, grant{g.String(), g.Role, g.Pos.String()})
	}
	assert.Equal(t, []grant{
		{"user:alice", role.Maintain, f + ":4:16"},
		{"user:bob", role.Write, f + ":7:11"},
		{"user:Zed", role.Maintain, f + ":4:11"},
		// A team may share a user's name: they are different principals.
		{"team:bob", role.Write, f + ":8:22"},
		{"team:core_team", role.Write, f + ":8:11"},
		{"team:widgets-admins", role.Admin, f + ":2:11"},
		{"team:widgets-tsc", role.Maintain, f + ":5:11"},
	}, got)
	assert.Len(t, repo.Users(), 3)
	assert.Len(t, repo.Teams(), 4)

	require.Len(t, repo.Protection, 3)
	main, rel, stable := repo.Protection[0], repo.Protection[1], repo.Protection[2]
	assert.Equal(t, "main", main.Branch)
	assert.Equal(t, config.Pos{File: f, Line: 12, Col: 3}, main.Pos)
	require.NotNil(t, main.Checks)
	// In a repository file a plain context is Unpinned: GitHub's pin, if
	// any, is kept; -1 explicitly accepts any source.
	assert.Equal(t, []config.Check{
		{Context: "EasyCLA", AppID: config.Unpinned, Pos: config.Pos{File: f, Line: 13, Col: 30}},
		{Context: "DCO", AppID: 1861, Pos: config.Pos{File: f, Line: 13, Col: 39}},
		{Context: "build", AppID: config.AnyApp, Pos: config.Pos{File: f, Line: 13, Col: 69}},
	}, *main.Checks)
	assert.Equal(t, true, *main.Strict)
	assert.Equal(t, true, *main.EnforceAdmins)
	assert.Equal(t, 1, *main.Reviews)
	assert.Equal(t, config.Pos{File: f, Line: 16, Col: 5}, main.Where("required_approving_review_count"))

	assert.Equal(t, "release/v1.x", rel.Branch)
	require.NotNil(t, rel.Checks, "an empty list is written: no checks beyond the org's floor")
	assert.Empty(t, *rel.Checks)
	assert.Equal(t, false, *rel.Strict)
	assert.Nil(t, rel.EnforceAdmins, "not written: left as GitHub has it")
	assert.Nil(t, rel.Reviews)
	assert.Equal(t, rel.Pos, rel.Where("enforce_admins"), "an unwritten setting points at its branch")

	assert.Equal(t, "stable", stable.Branch)
	assert.Nil(t, stable.Checks)
	assert.Nil(t, stable.Strict)
}

// TestLoginsCaseInsensitive: GitHub logins and slugs are case-insensitive,
// so two spellings are one principal; the file's spelling is what the
// config and the messages keep.
func TestLoginsCaseInsensitive(t *testing.T) {
	cfg := loadOK(t, map[string]string{"acme/widgets.yaml": "write:\n  users: [Octo-Cat]\n"})
	g := cfg.Org("acme").Repo("widgets").Grants[0]
	assert.Equal(t, "Octo-Cat", g.Name)
	assert.True(t, g.Equal(config.Principal{Kind: config.User, Name: "octo-cat"}))
	assert.Equal(t, "user:octo-cat", g.Key())

	got := loadDiags(t, map[string]string{"acme/widgets.yaml": "write:\n  users: [Octo-Cat]\nread:\n  users: [OCTO-CAT]\n"})
	assert.Equal(t, []string{`permissions/acme/widgets.yaml:4:11: user "OCTO-CAT" is already granted write at line 2: a principal holds one role per repository`}, got)
}
