package ghapi

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim/ghsimtest"
	"github.com/AcademySoftwareFoundation/permsync/internal/httpcache"
)

// TestWarmNightlyReadPoints reads a generated 1,000-repository org (30
// direct collaborators, 3 team grants and protection on each, 12 teams of
// about 250 repositories, rulesets) as the nightly plan does, then again
// an hour later with a new installation token through the same cache. The
// REST calls are answered 304; what remains are the GraphQL queries, which
// GitHub never answers 304: at most 0.03 primary points per repository,
// and the same state.
func TestWarmNightlyReadPoints(t *testing.T) {
	t.Parallel()
	if raceEnabled {
		t.Skip("counts, not races: 1,000 generated repositories are slow under -race")
	}
	srv := ghsimtest.NewServer(t)
	gen := ghsim.GenerateOrg(srv, ghsim.GenSpec{Org: "acme", Repos: 1000, DirectCollaborators: 30, TeamGrants: 3, Teams: 12, Protection: true, Rulesets: true, Seed: 1})
	var names []string
	for _, r := range gen.Repos {
		names = append(names, r.Name)
	}
	cache, err := httpcache.Open(t.TempDir())
	require.NoError(t, err)
	appClient(t, srv) // installs the App
	// Two reads of 1,000 repositories: more than ctxT's 30 s on a busy
	// machine (the pacing is on the simulator's clock, not this one).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ro := ReadOptions{Repos: names, Narrow: true} // as plan asks: too many repositories for a narrow read

	c := appRunCached(t, srv, cache)
	cold, err := c.ReadOrg(ctx, "acme", ro)
	require.NoError(t, err)
	t.Logf("cold: %+v", c.Stats())

	srv.Advance(2 * time.Hour) // a new installation token
	w := appRunCached(t, srv, cache)
	srv.ResetStats()
	warm, err := w.ReadOrg(ctx, "acme", ro)
	require.NoError(t, err)
	ws := w.Stats()
	server := srv.Stats()
	n := float64(len(names))
	points := float64(ws.RESTPoints+ws.GraphQLPoints) / n
	t.Logf("warm: %d requests, %d answered 304, %d REST points, %d GraphQL points in %d queries: %.4f points per repository; server charged %d: %v",
		ws.Requests, ws.NotModified, ws.RESTPoints, ws.GraphQLPoints, ws.GraphQLRequests, points, server.PrimaryCost, server.ByRoute)
	assert.LessOrEqual(t, points, 0.03, "warm primary points per repository")
	assert.LessOrEqual(t, float64(server.PrimaryCost)/n, 0.03, "warm primary points per repository, as the server counts them")

	cold.ReadAt, warm.ReadAt = time.Time{}, time.Time{}
	assert.Equal(t, cold, warm, "the warm read is the cold read")
}
