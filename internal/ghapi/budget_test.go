package ghapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim/ghsimtest"
	"github.com/AcademySoftwareFoundation/permsync/internal/httpcache"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadBudget reads a generated 200-repository org (30 direct
// collaborators, 3 team grants and protection on each, rulesets) cold and
// checks the cost per repository: at most 1.1 requests and 0.05 GraphQL
// points. It also checks that what was read is what the simulator holds.
func TestReadBudget(t *testing.T) {
	t.Parallel()
	srv := ghsimtest.NewServer(t)
	gen := ghsim.GenerateOrg(srv, ghsim.GenSpec{Org: "big", Repos: 200, DirectCollaborators: 30, TeamGrants: 3, Teams: 12, Protection: true, Rulesets: true, Seed: 7})
	c, _ := tokenClientAs(t, srv, gen.Owners[0])

	before := srv.Stats()
	o, err := c.ReadOrg(ctxT(t), "big", ReadOptions{})
	require.NoError(t, err)
	st := c.Stats()
	server := srv.Stats()

	n := float64(len(gen.Repos))
	perRepo := float64(st.Requests) / n
	points := float64(st.GraphQLPoints) / n
	t.Logf("200 repos: %d requests (%.3f/repo: %d REST, %d GraphQL), %d GraphQL points (%.4f/repo); server saw %d requests, charged %d",
		st.Requests, perRepo, st.RESTGets, st.GraphQLRequests, st.GraphQLPoints, points, server.Requests-before.Requests, server.PrimaryCost-before.PrimaryCost)
	for route, k := range server.ByRoute {
		t.Logf("  %5d %s", k, route)
	}
	assert.LessOrEqual(t, perRepo, 1.1, "requests per repository")
	assert.Less(t, points, 0.05, "GraphQL points per repository")
	assert.Equal(t, server.Requests-before.Requests, st.Requests, "the client counts what the server sees")

	// What was read is what GitHub holds.
	require.Len(t, o.Repos, len(gen.Repos))
	for _, g := range gen.Repos {
		r := o.Repo(g.Name)
		require.NotNil(t, r, g.Name)
		require.True(t, r.Readable(), "%s: %s", g.Name, r.ReadError)
		assert.Len(t, r.Users, len(g.Collaborators), g.Name)
		for _, u := range r.Users {
			want, _ := role.FromAPI(string(g.Collaborators[u.Login]))
			assert.Equal(t, want, u.Role, "%s %s", g.Name, u.Login)
		}
		// Each team at its effective role: its own grant or what it
		// inherits from a parent team, whichever is higher.
		effective := srv.EffectiveTeamRepos(gen.Org, g.Name)
		assert.Len(t, r.Teams, len(effective), g.Name)
		for _, tg := range r.Teams {
			want, _ := role.FromAPI(string(effective[tg.Slug]))
			assert.Equal(t, want, tg.Role, "%s team %s", g.Name, tg.Slug)
			if own, ok := g.Teams[tg.Slug]; ok {
				ownRole, _ := role.FromAPI(string(own))
				assert.GreaterOrEqual(t, tg.Role, ownRole, "%s team %s", g.Name, tg.Slug)
			}
		}
		assert.Len(t, r.Invitations, len(g.Invitations), g.Name)
		p, ok := r.Branch(g.DefaultBranch)
		require.True(t, ok)
		assert.True(t, p.Protected, g.Name)
		require.NotNil(t, p.StatusChecks)
		assert.Len(t, p.StatusChecks.Checks, 3)
		assert.NotEmpty(t, r.Rulesets, g.Name)
	}
}

// TestReadManyCollaborators pages past 100 direct collaborators.
func TestReadManyCollaborators(t *testing.T) {
	t.Parallel()
	srv := world(t)
	want := map[string]role.Role{}
	roles := []ghsim.Role{ghsim.RoleRead, ghsim.RoleTriage, ghsim.RoleWrite, ghsim.RoleMaintain, ghsim.RoleAdmin}
	for i := 0; i < 250; i++ {
		login := fmt.Sprintf("user%03d", i)
		r := roles[i%len(roles)]
		srv.SetCollaborator("acme", "widgets", login, r)
		want[login], _ = role.FromAPI(string(r))
	}
	c, _ := tokenClient(t, srv)
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: []string{"widgets"}})
	require.NoError(t, err)
	w := o.Repo("widgets")
	require.True(t, w.Readable(), w.ReadError)
	require.Len(t, w.Users, 250)
	for _, u := range w.Users {
		assert.Equal(t, want[u.Login], u.Role, u.Login)
		assert.True(t, strings.HasPrefix(u.Login, "user"))
	}
	// One batch, then two more pages of collaborators.
	assert.Equal(t, int64(3), c.Stats().GraphQLRequests-1, "GraphQL requests besides the teams query")
}

// TestReadManyTeams pages teams, and a team's members and repositories.
func TestReadManyTeams(t *testing.T) {
	t.Parallel()
	srv := world(t)
	for i := 0; i < 130; i++ {
		srv.AddTeam("acme", fmt.Sprintf("t%03d", i), ghsim.TeamOptions{})
	}
	for i := 0; i < 120; i++ {
		login := fmt.Sprintf("m%03d", i)
		srv.AddMember("acme", login, false)
		srv.AddTeamMember("acme", "t000", login, "")
	}
	for i := 0; i < 110; i++ {
		name := fmt.Sprintf("repo%03d", i)
		srv.AddRepo("acme", name, ghsim.RepoOptions{})
		srv.SetTeamRepo("acme", "t001", name, ghsim.RoleMaintain)
	}
	c, _ := tokenClient(t, srv)
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.NoError(t, err)
	assert.Len(t, o.Teams, 130)
	assert.Len(t, o.Team("t000").Members, 120)
	n := 0
	for _, r := range o.Repos {
		if g, ok := r.Team("t001"); ok {
			assert.Equal(t, role.Maintain, g.Role)
			n++
		}
	}
	assert.Equal(t, 110, n)
}

// TestWarmReadGets304s: with the conditional-request cache below
// authentication, a second read's REST calls are answered 304 and cost no
// primary points, even with an App whose installation token changed.
func TestWarmReadGets304s(t *testing.T) {
	t.Parallel()
	srv := ghsimtest.NewServer(t)
	gen := ghsim.GenerateOrg(srv, ghsim.GenSpec{Org: "acme", Repos: 30, Seed: 3})
	_ = gen
	cache, err := httpcache.Open(t.TempDir())
	require.NoError(t, err)
	var progress []Progress
	c, _, _ := appClient(t, srv, func(o *Options) {
		o.Cache = cache.Wrap
		o.Progress = func(p Progress) { progress = append(progress, p) }
	})
	ctx := ctxT(t)
	_, err = c.ReadOrg(ctx, "acme", ReadOptions{})
	require.NoError(t, err)
	cold := c.Stats()
	assert.Zero(t, cold.NotModified)
	require.NotEmpty(t, progress)
	assert.Equal(t, Progress{Org: "acme", Phase: "repositories", Done: 30, Total: 30}, progress[len(progress)-1])

	srv.Advance(2 * time.Hour) // a new installation token
	o, err := c.ReadOrg(ctx, "acme", ReadOptions{})
	require.NoError(t, err)
	warm := c.Stats().Sub(cold)
	t.Logf("cold: %+v\nwarm: %+v", cold, warm)
	assert.Len(t, o.Repos, 30)
	assert.GreaterOrEqual(t, warm.NotModified, int64(30), "every invitations list revalidated")
	assert.LessOrEqual(t, warm.RESTPoints, int64(3), "only the token request and the 401 cost points")
}

// TestReadBudgetNamedColdAndWarm reads a generated 200-repository org as
// plan does (the repositories named by the files) as a GitHub App: cold,
// at most 1.1 requests per repository; then, an hour later with a new
// installation token, through the same cache: at least 90 % of the REST
// requests answered 304, under 0.1 primary points per repository, and the
// same state.
func TestReadBudgetNamedColdAndWarm(t *testing.T) {
	t.Parallel()
	srv := ghsimtest.NewServer(t)
	gen := ghsim.GenerateOrg(srv, ghsim.GenSpec{Org: "acme", Repos: 200, DirectCollaborators: 30, TeamGrants: 3, Teams: 12, Protection: true, Rulesets: true, Seed: 9})
	var names []string
	for _, r := range gen.Repos {
		names = append(names, r.Name)
	}
	cache, err := httpcache.Open(t.TempDir())
	require.NoError(t, err)
	c, _, _ := appClient(t, srv, func(o *Options) { o.Cache = cache.Wrap })
	ctx := ctxT(t)
	n := float64(len(names))

	cold, err := c.ReadOrg(ctx, "acme", ReadOptions{Repos: names})
	require.NoError(t, err)
	cs := c.Stats()
	t.Logf("cold: %+v", cs)
	assert.LessOrEqual(t, float64(cs.Requests)/n, 1.1, "cold requests per repository")
	assert.Less(t, float64(cs.RESTPoints+cs.GraphQLPoints)/n, 1.1, "cold points per repository")

	srv.Advance(2 * time.Hour) // the token expired: a new one
	_, pemText := testKey(t)
	creds, err := AppCredentials(4242, pemText, 0)
	require.NoError(t, err)
	o := Options{APIURL: srv.URL(), Credentials: creds, MutationInterval: -1, Cache: cache.Wrap}
	fakeTime(srv, &o)
	again, err := New(context.Background(), o) // a new run
	require.NoError(t, err)
	warm, err := again.ReadOrg(ctx, "acme", ReadOptions{Repos: names})
	require.NoError(t, err)
	ws := again.Stats()
	t.Logf("warm: %+v", ws)
	rest := ws.RESTGets + ws.RESTMutations
	assert.GreaterOrEqual(t, float64(ws.NotModified)/float64(rest), 0.9, "warm: share of REST requests answered 304")
	assert.Less(t, float64(ws.RESTPoints+ws.GraphQLPoints)/n, 0.1, "warm: primary points per repository")
	assert.Equal(t, cs.Requests, ws.Requests)

	cold.ReadAt, warm.ReadAt = time.Time{}, time.Time{}
	assert.Equal(t, cold, warm, "the warm read is the cold read")
}
