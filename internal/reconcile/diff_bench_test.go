package reconcile_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/importer"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// BenchmarkDiff plans a 1,000-repository org (30 direct collaborators, 3
// team grants and protection on each, as the simulator generates it and
// the adapter reads it) against files written by the importer, every
// 10th repository with one more required review in its file and one
// direct grant missing on GitHub: go test -bench Diff -run '^$'
// ./internal/reconcile
func BenchmarkDiff(b *testing.B) {
	in := diffInput(b)
	b.ReportAllocs()
	var changes int
	for b.Loop() {
		p := reconcile.Diff(in)
		changes = len(p.Changes)
	}
	if changes == 0 || changes > 300 {
		b.Fatalf("%d changes", changes)
	}
	b.ReportMetric(float64(changes), "changes")
}

// BenchmarkDiffWithLookups adds NeedsLookup, as plan runs it before Diff.
func BenchmarkDiffWithLookups(b *testing.B) {
	in := diffInput(b)
	b.ReportAllocs()
	var logins int
	for b.Loop() {
		logins = len(reconcile.NeedsLookup(in.Targets, in.Actual))
		reconcile.Diff(in)
	}
	b.ReportMetric(float64(logins), "lookups")
}

const diffRepos = 1000

var diffSetup struct {
	once sync.Once
	in   reconcile.Input
	err  error
}

var reviews = regexp.MustCompile(`(?m)^(    required_approving_review_count: )(\d+)$`)

func diffInput(b *testing.B) reconcile.Input {
	b.Helper()
	diffSetup.once.Do(func() { diffSetup.in, diffSetup.err = buildDiffInput() })
	if diffSetup.err != nil {
		b.Fatal(diffSetup.err)
	}
	return diffSetup.in
}

func buildDiffInput() (reconcile.Input, error) {
	srv := ghsim.NewServer()
	defer srv.Close()
	gen := ghsim.GenerateOrg(srv, ghsim.GenSpec{Org: "acme", Repos: diffRepos, DirectCollaborators: 30, TeamGrants: 3,
		Teams: 12, Protection: true, Rulesets: true, Seed: 7})
	c, err := ghapi.New(context.Background(), ghapi.Options{APIURL: srv.URL(), Credentials: ghapi.TokenCredentials(srv.AddUserToken(gen.Owners[0])),
		RESTPointsPerMinute: -1, GraphQLPointsPerMinute: -1})
	if err != nil {
		return reconcile.Input{}, err
	}
	actual, err := c.ReadOrg(context.Background(), "acme", ghapi.ReadOptions{})
	if err != nil {
		return reconcile.Input{}, err
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	fsys := fstest.MapFS{"acme.yaml": {Data: importer.OrgFile("acme")}}
	for i, r := range actual.Repos {
		data, _ := importer.RepoFile(actual, r, config.DefaultPolicy(), now)
		if i%10 == 9 {
			data = reviews.ReplaceAllFunc(data, func(m []byte) []byte {
				sub := reviews.FindSubmatch(m)
				n, _ := strconv.Atoi(string(sub[2]))
				return []byte(string(sub[1]) + strconv.Itoa(n+1))
			})
		}
		fsys["acme/"+r.Name+".yaml"] = &fstest.MapFile{Data: data}
	}
	// Every 10th repository lost a direct grant on GitHub.
	for i, r := range actual.Repos {
		if i%10 == 9 && len(r.Users) > 0 {
			r.Users = append([]state.UserGrant(nil), r.Users[1:]...)
		}
	}
	cfg, diags := config.Load(fsys, "permissions")
	if diags.HasErrors() {
		return reconcile.Input{}, fmt.Errorf("the imported files do not load: %v", diags.Filter(config.SevError))
	}
	targets, err := reconcile.Select(cfg, "", nil)
	if err != nil {
		return reconcile.Input{}, err
	}
	return reconcile.Input{Dir: "permissions", Targets: targets, Actual: map[string]*state.Org{"acme": actual},
		UnknownUsers: map[string]bool{}, Now: now}, nil
}
