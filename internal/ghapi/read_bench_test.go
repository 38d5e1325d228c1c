package ghapi

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/httpcache"
	"github.com/stretchr/testify/require"
)

// The read benchmarks: go test -bench ReadOrg -run '^$' ./internal/ghapi
//
// Each reads a generated org of benchRepos repositories (30 direct
// collaborators, 3 team grants and protection on each, rulesets) from the
// simulator over loopback, as a GitHub App, with a new Client (and so a
// new installation token) per iteration, and reports besides time and
// allocations what GitHub would count: requests, REST requests answered
// 304, primary-limit points, each per repository. Pacing is off: a
// benchmark measures work, bench/plan.sh measures wall time under
// GitHub's limits.

const benchRepos = 200

var benchOrg struct {
	once  sync.Once
	srv   *ghsim.Server
	creds Credentials
	names []string
}

// benchWorld is one simulator with the generated org and an App installed
// on it, shared by the benchmarks (it lives until the test binary exits).
func benchWorld(b *testing.B) (*ghsim.Server, Credentials, []string) {
	b.Helper()
	benchOrg.once.Do(func() {
		srv := ghsim.NewServer()
		gen := ghsim.GenerateOrg(srv, ghsim.GenSpec{Org: "acme", Repos: benchRepos, DirectCollaborators: 30, TeamGrants: 3,
			Teams: 12, Protection: true, Rulesets: true, Seed: 7})
		k, pemText := testKey(b)
		appID := srv.AddApp(ghsim.AppOptions{Slug: "permsync-bench", PublicKey: &k.PublicKey,
			Permissions: ghsim.Permissions{"administration": "read", "members": "read", "metadata": "read"}})
		srv.Install(appID, "acme", nil)
		creds, err := AppCredentials(appID, pemText, 0)
		if err != nil {
			panic(err)
		}
		benchOrg.srv, benchOrg.creds = srv, creds
		for _, r := range gen.Repos {
			benchOrg.names = append(benchOrg.names, r.Name)
		}
	})
	return benchOrg.srv, benchOrg.creds, benchOrg.names
}

func benchClient(b *testing.B, srv *ghsim.Server, creds Credentials, cache *httpcache.Cache) *Client {
	b.Helper()
	o := Options{APIURL: srv.URL(), Credentials: creds, RESTPointsPerMinute: -1, GraphQLPointsPerMinute: -1}
	if cache != nil {
		o.Cache = cache.Wrap
	}
	c, err := New(context.Background(), o)
	require.NoError(b, err)
	return c
}

// BenchmarkReadOrg reads the org: cold (no cache), and warm (a cache
// directory filled by an earlier run; a new token each time); listed
// (every repository of the org) or named (as plan reads the repositories
// of its files).
func BenchmarkReadOrg(b *testing.B) {
	srv, creds, names := benchWorld(b)
	for _, warm := range []bool{false, true} {
		for _, named := range []bool{false, true} {
			name := fmt.Sprintf("cold/%s", map[bool]string{false: "listed", true: "named"}[named])
			if warm {
				name = "warm" + name[4:]
			}
			b.Run(name, func(b *testing.B) {
				opts := ReadOptions{}
				if named {
					opts.Repos = names
				}
				var cache *httpcache.Cache
				if warm {
					var err error
					cache, err = httpcache.Open(b.TempDir())
					require.NoError(b, err)
					_, err = benchClient(b, srv, creds, cache).ReadOrg(context.Background(), "acme", opts)
					require.NoError(b, err)
				}
				var total Stats
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					c := benchClient(b, srv, creds, cache)
					o, err := c.ReadOrg(context.Background(), "acme", opts)
					if err != nil {
						b.Fatal(err)
					}
					if len(o.Repos) != benchRepos {
						b.Fatalf("%d repositories read", len(o.Repos))
					}
					st := c.Stats()
					total.Requests += st.Requests
					total.RESTGets += st.RESTGets
					total.RESTMutations += st.RESTMutations
					total.NotModified += st.NotModified
					total.RESTPoints += st.RESTPoints
					total.GraphQLPoints += st.GraphQLPoints
				}
				runs := float64(b.N) * benchRepos
				b.ReportMetric(float64(total.Requests)/runs, "req/repo")
				b.ReportMetric(float64(total.RESTPoints+total.GraphQLPoints)/runs, "points/repo")
				if rest := total.RESTGets + total.RESTMutations; rest > 0 {
					b.ReportMetric(100*float64(total.NotModified)/float64(rest), "%304")
				}
			})
		}
	}
}
