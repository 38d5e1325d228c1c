package config_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// TestLayoutDiagnostics covers the directory layout: which files are read,
// how they must be named, and how org files and folders pair up.
func TestLayoutDiagnostics(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{{
		name: "invalid repository file names",
		files: map[string]string{
			"acme/ok.yaml":       aRepo,
			"acme/bad name.yaml": aRepo,
			"acme/a+b.yaml":      aRepo,
			"acme/tool.git.yaml": aRepo,
			"acme/.yaml":         aRepo,
			"acme/..yaml":        aRepo,
			"acme/" + strings.Repeat("r", 101) + ".yml": aRepo,
		},
		want: []string{
			`permissions/acme/..yaml: file name "..yaml": not a repository name`,
			`permissions/acme/.yaml: file name ".yaml": the repository name is empty`,
			`permissions/acme/a+b.yaml: file name "a+b.yaml": a repository name has at most 100 letters, digits, '.', '-' or '_'`,
			`permissions/acme/bad name.yaml: file name "bad name.yaml": a repository name has at most 100 letters, digits, '.', '-' or '_'`,
			`permissions/acme/` + strings.Repeat("r", 101) + `.yml: file name "` + strings.Repeat("r", 101) + `.yml": a repository name has at most 100 letters, digits, '.', '-' or '_'`,
			`permissions/acme/tool.git.yaml: file name "tool.git.yaml": GitHub drops a trailing .git from repository names; name the file without it`,
		},
	}, {
		// GitHub treats org names case-insensitively, but the two spellings
		// must agree so that files and folders are found the same way
		// everywhere (case-sensitive file systems, CODEOWNERS patterns).
		name: "org file and folder spelled differently",
		files: map[string]string{
			"ACME.yaml":         "mode: additive\n",
			"acme/widgets.yaml": aRepo,
		},
		want: []string{`permissions/ACME.yaml: org file "ACME.yaml" and folder "acme/" must spell the org the same way`},
	}, {
		// Its own mistakes are reported in the same run.
		name: "org file without a folder",
		files: map[string]string{
			"acme/widgets.yaml": aRepo,
			"other.yaml":        "mode: strict\n",
		},
		want: []string{
			`permissions/other.yaml: org file has no folder other/ of repository files beside it; create other/<repo>.yaml or remove the org file`,
			`permissions/other.yaml:1:7: mode must be authoritative or additive, not "strict"`,
		},
	}, {
		name: "two org files for one org",
		files: map[string]string{
			"acme.yaml":         "mode: additive\n",
			"acme.yml":          "mode: additive\n",
			"acme/widgets.yaml": aRepo,
		},
		want: []string{`permissions/acme.yml: org "acme" has two org files: permissions/acme.yaml and permissions/acme.yml`},
	}, {
		name: "two files for one repository",
		files: map[string]string{
			"acme/Widgets.yaml": aRepo,
			"acme/widgets.yml":  aRepo,
		},
		want: []string{`permissions/acme/widgets.yml: repository "widgets" already has a file permissions/acme/Widgets.yaml (GitHub repository names are case-insensitive)`},
	}, {
		name: "org file name that is no org name",
		files: map[string]string{
			"acme/widgets.yaml": aRepo,
			"bad_org.yaml":      "",
		},
		want: []string{`permissions/bad_org.yaml: org file name "bad_org.yaml" is not a valid GitHub organization name`},
	}, {
		name: "folder name that is no org name",
		files: map[string]string{
			"acme/widgets.yaml":   aRepo,
			"bad_org/thing.yaml":  aRepo,
			"-also-bad/ok.yaml":   aRepo,
			".hidden/ignore.yaml": "not: [valid",
		},
		want: []string{
			`permissions/-also-bad: folder "-also-bad" is not a valid GitHub organization name; each folder holds one org's repository files`,
			`permissions/bad_org: folder "bad_org" is not a valid GitHub organization name; each folder holds one org's repository files`,
		},
	}, {
		name: "folder inside an org folder",
		files: map[string]string{
			"acme/widgets.yaml":      aRepo,
			"acme/archive/old.yaml":  aRepo,
			"acme/archive/README.md": "",
		},
		want: []string{`permissions/acme/archive: unexpected folder: repository files go directly in acme/ as <repo>.yaml`},
	}, {
		// Without the error the file would be silently skipped and its
		// repository left unmanaged.
		name: "YAML extension in upper case",
		files: map[string]string{
			"acme/widgets.yaml": aRepo,
			"acme/Gadgets.YAML": aRepo,
			"ACME.YML":          "",
		},
		want: []string{
			`permissions/ACME.YML: the extension ".YML" must be lowercase (.yaml or .yml) for the file to be read`,
			`permissions/acme/Gadgets.YAML: the extension ".YAML" must be lowercase (.yaml or .yml) for the file to be read`,
		},
	}, {
		name:  "nothing to load",
		files: map[string]string{"README.md": "# permissions\n"},
		want:  []string{`permissions: no org folders found: expected permissions/<org>/<repo>.yaml files (see permissions/README.md)`},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, loadDiags(t, tc.files))
		})
	}
}

// TestLayoutReadsWhatItShould: which files become orgs and repositories.
func TestLayoutReadsWhatItShould(t *testing.T) {
	cfg := loadOK(t, map[string]string{
		"README.md":                 "# how to ask for a change\n",
		"acme.yaml":                 "mode: additive\n",
		"acme/widgets.yaml":         aRepo,
		"acme/gadgets.yml":          aRepo, // .yml is accepted
		"acme/.github.yaml":         aRepo, // the org's .github repository, not a dotfile to skip
		"acme/notes.txt":            "not: [yaml",
		"acme/widgets.yaml.bak":     "not: [yaml",
		"acme/widgets.json":         "{",
		"acme/widgets.yaml~":        "not: [yaml",
		".git/config.yaml":          "not: [yaml", // dot-folders are no orgs
		".github/workflows/ci.yaml": "on: push",
		"Other-Org/tools.yaml":      "maintain:\n  teams: [tools]\n",
		"Other-Org.yaml":            "max_admins: 2\n",
		"third/empty.yaml":          "",
		"third.yaml":                "# the defaults\n",
	})
	var orgs []string
	for _, o := range cfg.Orgs {
		orgs = append(orgs, o.Name)
	}
	assert.Equal(t, []string{"acme", "Other-Org", "third"}, orgs, "sorted case-insensitively")

	acme := cfg.Org("acme")
	var repos []string
	for _, r := range acme.Repos {
		repos = append(repos, r.Name)
	}
	assert.Equal(t, []string{".github", "gadgets", "widgets"}, repos)
	assert.Equal(t, "permissions/acme/.github.yaml", acme.Repo(".GitHub").File)
	assert.Equal(t, "acme", acme.Repo("widgets").Org)
	assert.Equal(t, config.Additive, acme.Policy.Mode)

	other := cfg.Org("other-org")
	require.NotNil(t, other)
	assert.Equal(t, "permissions/Other-Org.yaml", other.File)
	assert.Equal(t, 2, other.Policy.MaxAdmins)
	assert.Equal(t, config.Authoritative, other.Policy.Mode, "each org has its own policy")

	// An empty repository file is a managed repository with no grants.
	third := cfg.Org("third")
	require.NotNil(t, third.Repo("empty"))
	assert.Empty(t, third.Repo("empty").Grants)
	assert.Equal(t, config.DefaultPolicy(), third.Policy)

	orgsN, reposN, grantsN := cfg.Counts()
	assert.Equal(t, []int{3, 5, 4}, []int{orgsN, reposN, grantsN})
	assert.Nil(t, cfg.Org("nobody"))
	assert.Nil(t, acme.Repo("nothing"))
}

// TestEmptyOrgFolder: an org folder with no files yet is an org with no
// managed repositories, not an error.
func TestEmptyOrgFolder(t *testing.T) {
	fsys := fstest.MapFS{"acme": &fstest.MapFile{Mode: fs.ModeDir | 0o755}}
	cfg, ds := config.Load(fsys, "permissions")
	require.Empty(t, ds)
	require.Len(t, cfg.Orgs, 1)
	assert.Empty(t, cfg.Orgs[0].Repos)
}

// TestAllErrorsReportedTogether: one run reports every file's problems,
// sorted by file and position, not just the first.
func TestAllErrorsReportedTogether(t *testing.T) {
	got := loadDiags(t, map[string]string{
		"acme.yaml":         "mode: sometimes\nmax_admins: -1\n",
		"acme/widgets.yaml": "write:\n  users: [bad_login]\npull: {}\n",
		"acme/gadgets.yaml": "maintain:\n  teams: [Core]\n",
		"acme/broken.yaml":  "write: [\n",
		"zeta/ok.yaml":      "read:\n  users: [fine, Fine]\n",
		"zeta.yaml":         "# the defaults\n",
	})
	assert.Equal(t, []string{
		`permissions/acme.yaml:1:7: mode must be authoritative or additive, not "sometimes"`,
		`permissions/acme.yaml:2:13: max_admins must not be negative (got -1)`,
		// The list never closes: yaml.v3 names the end of the file.
		`permissions/acme/broken.yaml:2: invalid YAML: did not find expected node content`,
		`permissions/acme/gadgets.yaml:2:11: "Core" is not a valid team slug (lowercase letters, digits, '-' and '_'); did you mean "core"?`,
		`permissions/acme/widgets.yaml:2:11: "bad_login" is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)`,
		`permissions/acme/widgets.yaml:3:1: unknown role "pull" (did you mean "read"?)`,
		`permissions/zeta/ok.yaml:2:17: duplicate user "Fine" (already listed at line 2)`,
	}, got)
}

// TestDiagnosticsCappedPerFile: a hostile or garbage file cannot flood the
// output; the rest of the run is still reported.
func TestDiagnosticsCappedPerFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("write:\n  users:\n")
	for range config.MaxPerFile + 50 {
		b.WriteString("    - not_a_login\n")
	}
	got := loadDiags(t, map[string]string{
		"acme/flood.yaml": b.String(),
		"acme/other.yaml": "pull: {}\n",
	})
	require.Len(t, got, config.MaxPerFile+2)
	assert.Equal(t, `permissions/acme/flood.yaml:3:7: "not_a_login" is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)`, got[0])
	assert.Equal(t, `permissions/acme/flood.yaml: 50 more problems in this file not shown`, got[config.MaxPerFile])
	assert.Equal(t, `permissions/acme/other.yaml:1:1: unknown role "pull" (did you mean "read"?)`, got[config.MaxPerFile+1])
}
