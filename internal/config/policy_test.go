package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// aRepo is a valid repository file: org-file tests need the org's folder.
const aRepo = "write:\n  users: [bob]\n"

// TestOrgFileDiagnostics checks each org-file mistake's exact position and
// wording.
func TestOrgFileDiagnostics(t *testing.T) {
	const f = "permissions/acme.yaml"
	cases := []struct {
		name string
		org  string
		want []string
	}{{
		name: "unknown keys",
		org: doc(`
mode: additive
max_admin: 3
owners: []
`),
		want: []string{
			f + `:2:1: unknown key "max_admin" in an org file (did you mean "max_admins"?) (expected one of: mode, required_checks, min_reviews, admin_allowed, outside_collaborator_max_role, min_admins, max_admins, max_removals, expected_owners, ignore_repos, trusted_apps, floor_ruleset)`,
			f + `:3:1: unknown key "owners" in an org file (expected one of: mode, required_checks, min_reviews, admin_allowed, outside_collaborator_max_role, min_admins, max_admins, max_removals, expected_owners, ignore_repos, trusted_apps, floor_ruleset)`,
		},
	}, {
		name: "bad mode",
		org:  "mode: Additive\n",
		want: []string{f + `:1:7: mode must be authoritative or additive, not "Additive" (did you mean "additive"?)`},
	}, {
		name: "mode that is no mode",
		org:  "mode: strict\n",
		want: []string{f + `:1:7: mode must be authoritative or additive, not "strict"`},
	}, {
		name: "mode that is a list",
		org:  "mode: [additive]\n",
		want: []string{f + `:1:7: mode must be a value, not a list`},
	}, {
		name: "negative limits",
		org: doc(`
min_reviews: -1
min_admins: -1
max_admins: -2
max_removals: -5
`),
		want: []string{
			f + `:1:14: min_reviews must not be negative (got -1)`,
			f + `:2:13: min_admins must not be negative (got -1)`,
			f + `:3:13: max_admins must not be negative (got -2)`,
			f + `:4:15: max_removals must not be negative (got -5)`,
		},
	}, {
		name: "limits out of range or not numbers",
		org: doc(`
min_reviews: 7
max_removals: 1000001
max_admins: five
min_admins: 1.5
`),
		want: []string{
			f + `:1:14: min_reviews must be a whole number from 0 to 6, not "7"`,
			f + `:2:15: max_removals must be a whole number from 0 to 1000000, not "1000001"`,
			f + `:3:13: max_admins must be a whole number from 0 to 1000000, not "five"`,
			f + `:4:13: min_admins must be a whole number from 0 to 1000000, not "1.5"`,
		},
	}, {
		name: "min_admins greater than max_admins",
		org:  "max_admins: 2\nmin_admins: 3\n",
		want: []string{f + `:2:1: min_admins (3) is greater than max_admins (2): no repository could satisfy both`},
	}, {
		// The default max_admins (5) counts too.
		name: "min_admins greater than the default max_admins",
		org:  "min_admins: 6\n",
		want: []string{f + `:1:1: min_admins (6) is greater than max_admins (5): no repository could satisfy both`},
	}, {
		name: "bad admin_allowed entries",
		org: doc(`
admin_allowed:
  - team:Releng
  - releng
  - user:bad_login
  - group:releng
  - team:releng
  - TEAM:releng
  - team:releng
  - user:Octo
  - user:octo
  - [team:x]
`),
		want: []string{
			f + `:2:5: admin_allowed: "team:Releng" must be team:<slug> or user:<login>; did you mean "team:releng"?`,
			f + `:3:5: admin_allowed: "releng" must be team:<slug> or user:<login> (say which: team:releng or user:releng)`,
			f + `:4:5: admin_allowed: "user:bad_login" must be team:<slug> or user:<login>`,
			f + `:5:5: admin_allowed: "group:releng" must be team:<slug> or user:<login>`,
			f + `:7:5: admin_allowed: "TEAM:releng" must be team:<slug> or user:<login>`,
			f + `:8:5: duplicate "team:releng" (already listed at line 6)`,
			f + `:10:5: duplicate "user:octo" (already listed at line 9)`,
			f + `:11:5: admin_allowed: each entry must be a name, not a list`,
		},
	}, {
		name: "bad required checks",
		org: doc(`
required_checks:
  - EasyCLA
  - easycla
  - {context: DCO, app_id: 0}
  - {context: lint, app_id: -2}
  - {context: "", app_id: 1861}
  - EasyCLA
  - {context: build, app_id: "1861"}
`),
		// Contexts are compared exactly, case included: easycla
		// is another check. A quoted app_id is a string, not an id.
		want: []string{
			f + `:4:28: app_id must be a GitHub App id (a positive number), or -1 for any source; not "0"`,
			f + `:5:29: app_id must be a GitHub App id (a positive number), or -1 for any source; not "-2"`,
			f + `:6:5: required_checks: "" is not a usable check name`,
			f + `:7:5: duplicate check "EasyCLA" (already listed at line 2)`,
			f + `:8:30: app_id must be a GitHub App id (a positive number), or -1 for any source; not "1861"`,
		},
	}, {
		name: "required checks that are not a list",
		org:  "required_checks: EasyCLA\n",
		want: []string{f + `:1:18: required_checks must be a list of check names, not "EasyCLA"`},
	}, {
		name: "outside_collaborator_max_role",
		org:  "outside_collaborator_max_role: push\n",
		want: []string{f + `:1:32: outside_collaborator_max_role: unknown role "push" (did you mean "write"?)`},
	}, {
		name: "outside_collaborator_max_role that is no role",
		org:  "outside_collaborator_max_role: owner\n",
		want: []string{f + `:1:32: outside_collaborator_max_role: unknown role "owner" (roles are read, triage, write, maintain, admin)`},
	}, {
		name: "bad expected owners",
		org:  "expected_owners: [aswf-bot, ASWF-Bot, not_a_login]\n",
		want: []string{
			f + `:1:29: duplicate login "ASWF-Bot" (already listed at line 1)`,
			f + `:1:39: expected_owners: "not_a_login" is not a valid GitHub login`,
		},
	}, {
		name: "bad ignore_repos",
		org:  "ignore_repos: [archive, Archive, \"bad name\", x.git]\n",
		want: []string{
			f + `:1:25: duplicate repository "Archive" (already listed at line 1)`,
			f + `:1:34: ignore_repos: "bad name": a repository name has at most 100 letters, digits, '.', '-' or '_'`,
			f + `:1:46: ignore_repos: "x.git": GitHub drops a trailing .git from repository names; name the file without it`,
		},
	}, {
		// A repository both managed and ignored is a contradiction; the
		// error points at ignore_repos (case-insensitive match).
		name: "ignore_repos names a repository that has a file",
		org:  "mode: additive\nignore_repos: [WIDGETS]\n",
		want: []string{f + `:2:1: repository "widgets" is in ignore_repos but has a file permissions/acme/widgets.yaml; remove one of them`},
	}, {
		name: "top level is a list",
		org:  "- mode: additive\n",
		want: []string{f + `:1:1: an org file must be a mapping (key: value), not a list`},
	}, {
		name: "anchors",
		org:  "min_admins: &n 1\nmax_admins: *n\n",
		want: []string{
			f + `:1:13: YAML anchors and aliases are not supported in permissions files; write the values out`,
			f + `:2:13: YAML anchors and aliases are not supported in permissions files; write the values out`,
		},
	}, {
		name: "YAML syntax error",
		org:  "mode: additive\nrequired_checks: [EasyCLA\n",
		want: []string{f + `:2: invalid YAML: did not find expected ',' or ']'`},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := loadDiags(t, map[string]string{"acme.yaml": tc.org, "acme/widgets.yaml": aRepo})
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestDefaultPolicy pins the defaults to SPEC.md's list, written out here
// rather than taken from DefaultPolicy, so that a change to either shows.
func TestDefaultPolicy(t *testing.T) {
	spec := func(t *testing.T, p config.Policy) {
		t.Helper()
		assert.Equal(t, config.Authoritative, p.Mode)
		// A plain context in the org file accepts any source (app_id -1).
		assert.Equal(t, []config.Check{{Context: "EasyCLA", AppID: config.AnyApp}, {Context: "DCO", AppID: config.AnyApp}}, p.RequiredChecks)
		assert.Equal(t, 1, p.MinReviews)
		assert.Nil(t, p.AdminAllowed, "no admin_allowed restriction")
		assert.True(t, p.AdminAllowedFor(config.Principal{Kind: config.User, Name: "anyone"}))
		assert.Equal(t, role.Write, p.OutsideCollaboratorMaxRole)
		assert.Equal(t, 0, p.MinAdmins)
		assert.Equal(t, 5, p.MaxAdmins)
		assert.Equal(t, 20, p.MaxRemovals)
		assert.Empty(t, p.ExpectedOwners)
		assert.Empty(t, p.IgnoreRepos)
		assert.Empty(t, p.Pos, "no value was set by a file")
	}
	t.Run("no org file", func(t *testing.T) {
		cfg := loadOK(t, map[string]string{"acme/widgets.yaml": aRepo})
		org := cfg.Org("acme")
		require.NotNil(t, org)
		assert.Empty(t, org.File)
		spec(t, org.Policy)
		// Refusals point at the org file when a value is a default.
		assert.Equal(t, config.Pos{File: ""}, org.Policy.Where("max_admins", org.File))
	})
	t.Run("empty org file", func(t *testing.T) {
		cfg := loadOK(t, map[string]string{"acme.yaml": "", "acme/widgets.yaml": aRepo})
		org := cfg.Org("acme")
		assert.Equal(t, "permissions/acme.yaml", org.File)
		spec(t, org.Policy)
		assert.Equal(t, config.Pos{File: "permissions/acme.yaml"}, org.Policy.Where("max_admins", org.File))
	})
	t.Run("comments only", func(t *testing.T) {
		cfg := loadOK(t, map[string]string{"acme.yaml": "# defaults for now\n", "acme/widgets.yaml": aRepo})
		spec(t, cfg.Org("acme").Policy)
	})
	t.Run("DefaultPolicy", func(t *testing.T) {
		spec(t, config.DefaultPolicy())
	})
	t.Run("keys left out keep their defaults", func(t *testing.T) {
		cfg := loadOK(t, map[string]string{"acme.yaml": "max_admins: 3\n", "acme/widgets.yaml": aRepo})
		p := cfg.Org("acme").Policy
		assert.Equal(t, 3, p.MaxAdmins)
		assert.Equal(t, 20, p.MaxRemovals)
		assert.Equal(t, config.Authoritative, p.Mode)
		assert.Len(t, p.RequiredChecks, 2)
	})
}

// TestOrgFileValues checks that every setting of a valid org file is read,
// with the position that set it.
func TestOrgFileValues(t *testing.T) {
	cfg := loadOK(t, map[string]string{
		"acme.yaml": doc(`
mode: additive
required_checks:
  - EasyCLA
  - context: DCO
    app_id: 1861
  - {context: any, app_id: -1}
min_reviews: 2
admin_allowed: [team:releng, user:Octo-Admin]
outside_collaborator_max_role: triage
min_admins: 1
max_admins: 3
max_removals: 0
expected_owners: [aswf-service-account]
ignore_repos: [archive]
`),
		"acme/widgets.yaml": aRepo,
	})
	p := cfg.Org("ACME").Policy // org names are case-insensitive
	assert.Equal(t, config.Additive, p.Mode)
	require.Len(t, p.RequiredChecks, 3)
	assert.Equal(t, []string{"EasyCLA", "DCO (app 1861)", "any"}, []string{p.RequiredChecks[0].String(), p.RequiredChecks[1].String(), p.RequiredChecks[2].String()})
	assert.Equal(t, []int64{config.AnyApp, 1861, config.AnyApp}, []int64{p.RequiredChecks[0].AppID, p.RequiredChecks[1].AppID, p.RequiredChecks[2].AppID})
	assert.Equal(t, config.Pos{File: "permissions/acme.yaml", Line: 4, Col: 5}, p.RequiredChecks[1].Pos)
	assert.Equal(t, 2, p.MinReviews)
	assert.Equal(t, []config.Principal{{Kind: config.Team, Name: "releng"}, {Kind: config.User, Name: "Octo-Admin"}}, p.AdminAllowed)
	assert.True(t, p.AdminAllowedFor(config.Principal{Kind: config.User, Name: "octo-admin"}), "logins compare case-insensitively")
	assert.False(t, p.AdminAllowedFor(config.Principal{Kind: config.Team, Name: "octo-admin"}), "a team is not the user of the same name")
	assert.False(t, p.AdminAllowedFor(config.Principal{Kind: config.User, Name: "releng"}))
	assert.Equal(t, role.Triage, p.OutsideCollaboratorMaxRole)
	assert.Equal(t, 1, p.MinAdmins)
	assert.Equal(t, 3, p.MaxAdmins)
	assert.Equal(t, 0, p.MaxRemovals, "zero is a value, not absent")
	assert.Equal(t, []string{"aswf-service-account"}, p.ExpectedOwners)
	assert.True(t, p.ExpectedOwner("ASWF-Service-Account"))
	assert.Equal(t, []string{"archive"}, p.IgnoreRepos)
	assert.True(t, cfg.Org("acme").Ignored("Archive"))
	assert.Equal(t, config.Pos{File: "permissions/acme.yaml", Line: 12, Col: 1}, p.Where("max_removals", "permissions/acme.yaml"))
	assert.Len(t, p.Pos, 10, "every key written has a position")
}

// TestAdminAllowedEmpty: an empty admin_allowed is a restriction (nobody may
// hold direct admin), unlike an absent one. So is an empty value: the key is
// written, and refusing is the safe reading.
func TestAdminAllowedEmpty(t *testing.T) {
	for _, org := range []string{"admin_allowed: []\n", "admin_allowed:\n"} {
		cfg := loadOK(t, map[string]string{"acme.yaml": org, "acme/widgets.yaml": aRepo})
		p := cfg.Org("acme").Policy
		assert.NotNil(t, p.AdminAllowed, org)
		assert.False(t, p.AdminAllowedFor(config.Principal{Kind: config.Team, Name: "releng"}), org)
	}
}

// TestLegacyCLAWarnings: the old Linux Foundation CLA contexts still load,
// with a warning, in both kinds of file; warnings alone do not fail a load.
func TestLegacyCLAWarnings(t *testing.T) {
	cfg, ds := config.Load(tree(map[string]string{
		"acme.yaml":         "required_checks: [communitybridge/cla, DCO]\n",
		"acme/widgets.yaml": "branch_protection:\n  main:\n    required_status_checks: [CLA/LinuxFoundation]\n",
	}), "permissions")
	require.NotNil(t, cfg)
	assert.False(t, ds.HasErrors())
	assert.Equal(t, []string{
		`permissions/acme.yaml:1:19: warning: "communitybridge/cla" is a legacy CLA check; the Linux Foundation's current CLA check is EasyCLA`,
		`permissions/acme/widgets.yaml:3:30: warning: "CLA/LinuxFoundation" is a legacy CLA check; the Linux Foundation's current CLA check is EasyCLA`,
	}, strs(ds))
	assert.Equal(t, "communitybridge/cla", cfg.Org("acme").Policy.RequiredChecks[0].Context)
	assert.NoError(t, ds.Err(), "warnings are not errors")
}
