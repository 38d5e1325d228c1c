package config_test

import (
	"bytes"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// FuzzLoad feeds arbitrary bytes as a repository file and as its org's
// file. Whatever the bytes, Load must return (never panic or hang), and what
// it returns must hold together: a config exactly when there is no error,
// positions inside the file they name, messages that cannot drive a
// terminal, and a config that keeps the loader's promises. The seed corpus
// is in testdata/fuzz/FuzzLoad (valid files, each class of error, bombs).
//
//	go test ./internal/config -run '^$' -fuzz FuzzLoad -fuzztime 60s
func FuzzLoad(f *testing.F) {
	f.Add([]byte("maintain:\n  teams: [widgets-tsc]\n"), []byte("mode: additive\n"))
	f.Fuzz(func(t *testing.T, repo, org []byte) {
		const (
			repoFile = "permissions/acme/widgets.yaml"
			orgFile  = "permissions/acme.yaml"
		)
		fsys := fstest.MapFS{
			"acme/widgets.yaml": &fstest.MapFile{Data: repo},
			"acme.yaml":         &fstest.MapFile{Data: org},
		}
		cfg, ds := config.Load(fsys, "permissions")

		if (cfg == nil) != ds.HasErrors() {
			t.Fatalf("config %v with errors %v: Load returns a config exactly when there is no error", cfg != nil, ds.HasErrors())
		}
		data := map[string][]byte{repoFile: repo, orgFile: org}
		perFile := map[string]int{}
		for _, d := range ds {
			src, ok := data[d.Pos.File]
			if !ok {
				t.Fatalf("%q: diagnostic names a file that does not exist", d)
			}
			perFile[d.Pos.File]++
			if d.Pos.Line < 0 || d.Pos.Line > lineCount(src) {
				t.Fatalf("%q: line outside the file's %d lines", d, lineCount(src))
			}
			if d.Pos.Col < 0 || d.Pos.Col > len(src)+1 || (d.Pos.Line == 0 && d.Pos.Col != 0) {
				t.Fatalf("%q: column outside the file", d)
			}
			if d.Message == "" {
				t.Fatalf("%q: empty message", d)
			}
			// Messages go to terminals and into GitHub annotations: user
			// text in them must be escaped and cut short.
			for _, r := range d.Message {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
					t.Fatalf("%q: raw control or invalid character %U in message", d, r)
				}
			}
			if len(d.Message) > 1000 {
				t.Fatalf("message of %d bytes: user text in messages must be shortened", len(d.Message))
			}
		}
		for file, n := range perFile {
			if n > config.MaxPerFile+1 {
				t.Fatalf("%s: %d diagnostics, more than the cap", file, n)
			}
		}

		// The same input gives the same output: no map order leaks.
		cfg2, ds2 := config.Load(fsys, "permissions")
		if len(ds) != len(ds2) || (cfg == nil) != (cfg2 == nil) {
			t.Fatalf("two loads of the same files differ")
		}
		for i := range ds {
			if ds[i] != ds2[i] {
				t.Fatalf("two loads of the same files differ: %q vs %q", ds[i], ds2[i])
			}
		}

		if cfg != nil {
			checkConfig(t, cfg)
			// What was read, written out, reads back the same.
			roundTrip(t, cfg.Orgs[0].Repos[0], cfg.Orgs[0].Policy)
		}
	})
}

// checkConfig asserts what a loaded config promises its users (the planner
// relies on these without checking again).
func checkConfig(t *testing.T, cfg *config.Config) {
	t.Helper()
	if len(cfg.Orgs) != 1 || cfg.Orgs[0].Name != "acme" || len(cfg.Orgs[0].Repos) != 1 {
		t.Fatalf("expected org acme with one repository, got %+v", cfg.Orgs)
	}
	org := cfg.Orgs[0]
	p := org.Policy
	if p.Mode != config.Authoritative && p.Mode != config.Additive {
		t.Fatalf("mode %q", p.Mode)
	}
	if p.MinAdmins < 0 || p.MaxAdmins < 0 || p.MaxRemovals < 0 || p.MinReviews < 0 || p.MinReviews > config.MaxReviews {
		t.Fatalf("limits out of range: %+v", p)
	}
	if p.MinAdmins > p.MaxAdmins {
		t.Fatalf("min_admins %d > max_admins %d", p.MinAdmins, p.MaxAdmins)
	}
	if p.OutsideCollaboratorMaxRole < role.Read || p.OutsideCollaboratorMaxRole > role.Admin {
		t.Fatalf("outside_collaborator_max_role %v", p.OutsideCollaboratorMaxRole)
	}
	checkChecks(t, p.RequiredChecks, false)
	for _, a := range p.AdminAllowed {
		if (a.Kind == config.User && !config.ValidLogin(a.Name)) || (a.Kind == config.Team && !config.ValidSlug(a.Name)) {
			t.Fatalf("admin_allowed holds invalid %v", a)
		}
	}
	for _, o := range p.ExpectedOwners {
		if !config.ValidLogin(o) {
			t.Fatalf("expected_owners holds invalid %q", o)
		}
	}
	for _, r := range p.IgnoreRepos {
		if !config.ValidRepoName(r) || org.Repo(r) != nil {
			t.Fatalf("ignore_repos holds %q", r)
		}
	}

	repo := org.Repos[0]
	seen := map[string]bool{}
	for i, g := range repo.Grants {
		if g.Kind == config.User && !config.ValidLogin(g.Name) || g.Kind == config.Team && !config.ValidSlug(g.Name) {
			t.Fatalf("invalid principal %v", g.Principal)
		}
		if g.Role < role.Read || g.Role > role.Admin {
			t.Fatalf("%v has role %v", g.Principal, g.Role)
		}
		if seen[g.Key()] {
			t.Fatalf("%v holds two roles", g.Principal)
		}
		seen[g.Key()] = true
		if g.Pos.File != repo.File || g.Pos.Line < 1 {
			t.Fatalf("%v has no position: %v", g.Principal, g.Pos)
		}
		if i > 0 {
			prev := repo.Grants[i-1]
			if prev.Kind == config.Team && g.Kind == config.User {
				t.Fatalf("users must come before teams")
			}
		}
	}
	branches := map[string]bool{}
	for _, b := range repo.Protection {
		if b.Branch == "" || branches[b.Branch] {
			t.Fatalf("branch %q empty or twice", b.Branch)
		}
		branches[b.Branch] = true
		if b.Reviews != nil && (*b.Reviews < 0 || *b.Reviews > config.MaxReviews) {
			t.Fatalf("reviews %d", *b.Reviews)
		}
		if b.Checks != nil {
			checkChecks(t, *b.Checks, true)
		}
	}
}

func checkChecks(t *testing.T, checks []config.Check, repoFile bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range checks {
		if c.Context == "" || seen[c.Context] {
			t.Fatalf("check %q empty or twice", c.Context)
		}
		seen[c.Context] = true
		if c.AppID == 0 && !repoFile || c.AppID < -1 {
			t.Fatalf("check %q has app_id %d", c.Context, c.AppID)
		}
	}
}

// lineCount is how many lines YAML sees in data: it breaks lines at \n, \r,
// NEL, LS and PS (counting \r\n twice only makes the bound looser), and a
// position may name the line after a final newline (the end of the file).
func lineCount(data []byte) int {
	n := 1 + bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r"))
	n += bytes.Count(data, []byte("\u0085")) + bytes.Count(data, []byte("\u2028")) + bytes.Count(data, []byte("\u2029"))
	return n
}
