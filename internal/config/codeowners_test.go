package config_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// The repository's CODEOWNERS decides who must approve a rights change
// (SPEC.md "Where it runs"). These tests read it against permissions/ as
// loaded by the loader, so a repository file added without an owner line, a
// misspelt team, or a line that lets a project approve the org file fails CI.

const (
	ownerOrg = "AcademySoftwareFoundation"
	releng   = "@" + ownerOrg + "/aswf-releng"
)

// codeownersRule is one line: a pattern and its owners.
type codeownersRule struct {
	pattern string
	re      *regexp.Regexp
	owners  []string
	line    int
}

// parseCodeowners reads a CODEOWNERS file. It understands the subset of
// gitignore patterns this repository uses (anchored paths, "*", trailing
// "/" for a folder) and fails on anything else rather than guess.
func parseCodeowners(t *testing.T, path string) []codeownersRule {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var rules []codeownersRule
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		require.GreaterOrEqual(t, len(fields), 2, "CODEOWNERS:%d: a pattern with no owner", n)
		pat := fields[0]
		require.NotContains(t, pat, "**", "CODEOWNERS:%d: this test does not understand **", n)
		require.False(t, strings.ContainsAny(pat, "![?\\"), "CODEOWNERS:%d: this test does not understand %q", n, pat)
		require.True(t, pat == "*" || strings.HasPrefix(pat, "/"), "CODEOWNERS:%d: anchor %q at the root (start it with /)", n, pat)
		for _, o := range fields[1:] {
			require.Regexp(t, `^@`+ownerOrg+`/[a-z0-9_-]+$`, o, "CODEOWNERS:%d: owners are teams of the org", n)
		}
		rules = append(rules, codeownersRule{pattern: pat, re: patternRE(pat), owners: fields[1:], line: n})
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, rules)
	return rules
}

// patternRE turns an anchored CODEOWNERS pattern into a regexp over paths
// relative to the repository root: "*" stays within one path segment, and a
// pattern ending in "/" covers everything under that folder.
func patternRE(pat string) *regexp.Regexp {
	if pat == "*" {
		return regexp.MustCompile(`.`)
	}
	p := strings.TrimPrefix(pat, "/")
	dir := strings.HasSuffix(p, "/")
	expr := strings.ReplaceAll(regexp.QuoteMeta(strings.TrimSuffix(p, "/")), `\*`, `[^/]*`)
	if dir {
		return regexp.MustCompile(`^` + expr + `/`)
	}
	// A pattern naming a folder without the slash covers it too.
	return regexp.MustCompile(`^` + expr + `(/|$)`)
}

// ownersOf applies GitHub's rule: the last matching line wins.
func ownersOf(rules []codeownersRule, path string) []string {
	var owners []string
	for _, r := range rules {
		if r.re.MatchString(path) {
			owners = r.owners
		}
	}
	return owners
}

func TestPatternRE(t *testing.T) {
	cases := []struct {
		pat, path string
		match     bool
	}{
		{"*", "anything/at/all.go", true},
		{"/permissions/*.yaml", "permissions/AcademySoftwareFoundation.yaml", true},
		{"/permissions/*.yaml", "permissions/AcademySoftwareFoundation/openvdb.yaml", false},
		{"/permissions/AcademySoftwareFoundation/", "permissions/AcademySoftwareFoundation/x.yaml", true},
		{"/permissions/AcademySoftwareFoundation/", "permissions/AcademySoftwareFoundation.yaml", false},
		{"/CODEOWNERS", "CODEOWNERS", true},
		{"/CODEOWNERS", "docs/CODEOWNERS", false},
		{"/go.mod", "go.mod", true},
		{"/go.mod", "go_mod", false},
		{"/permissions/AcademySoftwareFoundation/.github.yaml", "permissions/AcademySoftwareFoundation/.github.yaml", true},
		{"/permissions/AcademySoftwareFoundation/.github.yaml", "permissions/AcademySoftwareFoundation/xgithub.yaml", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.match, patternRE(tc.pat).MatchString(tc.path), "%s ~ %s", tc.pat, tc.path)
	}
}

func TestCodeowners(t *testing.T) {
	root := moduleRoot(t)
	rules := parseCodeowners(t, filepath.Join(root, "CODEOWNERS"))

	// Load permissions/ as permsync does: the files it manages are the
	// files that need owners.
	cfg, ds := config.LoadDir(filepath.Join(root, "permissions"))
	require.Empty(t, strs(ds), "permissions/ must validate")
	require.NotEmpty(t, cfg.Orgs)

	rel := func(file string) string {
		r, err := filepath.Rel(root, file)
		require.NoError(t, err)
		return filepath.ToSlash(r)
	}
	teams := map[string]bool{releng: true} // every team the files grant anything
	for _, org := range cfg.Orgs {
		t.Run(org.Name, func(t *testing.T) {
			// The org file holds admin_allowed and the guardrails: only
			// release engineering may approve a change to it.
			require.NotEmpty(t, org.File, "the org has an org file")
			assert.Equal(t, []string{releng}, ownersOf(rules, rel(org.File)), "%s", rel(org.File))
			// So is a repository's first file, before it has a line.
			assert.Equal(t, []string{releng}, ownersOf(rules, "permissions/"+org.Name+"/not-yet-managed.yaml"))

			for _, repo := range org.Repos {
				path := rel(repo.File)
				owners := ownersOf(rules, path)
				require.NotEmpty(t, owners, "%s has no owner", path)
				assert.Contains(t, owners, releng, "%s: release engineering is an owner", path)
				// Whoever maintains the repository reviews its rights: the
				// project's TSC team for a project.
				var maintainers []string
				for _, g := range repo.Teams() {
					teams["@"+ownerOrg+"/"+g.Name] = true
					if g.Role.String() == "maintain" {
						maintainers = append(maintainers, "@"+ownerOrg+"/"+g.Name)
					}
				}
				require.NotEmpty(t, maintainers, "%s: a repository file names the team that maintains it", path)
				for _, m := range maintainers {
					assert.Contains(t, owners, m, "%s: its maintaining team is an owner", path)
				}
				// Nobody else: a team that does not maintain the
				// repository must not approve its rights.
				assert.ElementsMatch(t, append(maintainers, releng), owners, "%s", path)
			}
		})
	}

	// Every owner named is a team the files know: a misspelt team would
	// be ignored by GitHub, and the file would need fewer approvals.
	for _, r := range rules {
		for _, o := range r.owners {
			assert.True(t, teams[o], "CODEOWNERS:%d: %s is no team of permissions/", r.line, o)
		}
	}

	// The product's code, CI, docs and this file are release engineering's.
	for _, path := range []string{
		"CODEOWNERS", "go.mod", "go.sum", "cmd/permsync/main.go", "internal/config/load.go",
		"bench/bench_test.go", ".ci/run", "docs/setup.md", ".github/workflows/permissions-apply.yml",
		"permissions/README.md", "permissions/NewOrg.yaml", "permissions/NewOrg.yml", "README.md",
	} {
		assert.Equal(t, []string{releng}, ownersOf(rules, path), "%s", path)
	}
}

// moduleRoot finds the repository root above the package directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above %s", dir)
		dir = parent
	}
}
