package ghapi

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/httpcache"
)

func TestRepoActivityOneRequestCached(t *testing.T) {
	srv := world(t)
	now := time.Date(2027, 5, 1, 12, 0, 0, 0, time.UTC)
	srv.Clock().Freeze(now)
	srv.AddEvent("acme", "widgets", "alice", "PushEvent", now.AddDate(0, 0, -10))
	srv.AddEvent("acme", "widgets", "alice", "PullRequestEvent", now.AddDate(0, 0, -3))
	srv.AddEvent("acme", "widgets", "bob", "PushEvent", now.AddDate(0, 0, -100)) // beyond what GitHub keeps
	cache, err := httpcache.Open(t.TempDir())
	require.NoError(t, err)
	c, _, _ := appClient(t, srv, func(o *Options) { o.Cache = cache.Wrap })
	ctx := ctxT(t)

	srv.ResetStats()
	act, err := c.RepoActivity(ctx, "acme", "widgets")
	require.NoError(t, err)
	assert.Equal(t, map[string]time.Time{"alice": now.AddDate(0, 0, -3)}, act.Last)
	assert.Equal(t, now.Add(-EventsHorizon), act.Since.UTC(), "the horizon counts from the simulator's now")
	assert.EqualValues(t, 1, srv.Stats().ByRoute["GET /repos/{owner}/{repo}/events"])

	_, err = c.RepoActivity(ctx, "acme", "widgets")
	require.NoError(t, err)
	assert.EqualValues(t, 2, srv.Stats().ByRoute["GET /repos/{owner}/{repo}/events"])
	assert.EqualValues(t, 1, srv.Stats().NotModified, "nothing happened: answered from the cache")
}

func TestRepoActivityFullPageNarrowsTheHorizon(t *testing.T) {
	srv := world(t)
	now := time.Date(2027, 5, 1, 12, 0, 0, 0, time.UTC)
	srv.SetNow(now)
	srv.AddEvent("acme", "widgets", "alice", "PushEvent", now.AddDate(0, 0, -60))
	for i := 0; i < 100; i++ {
		srv.AddEvent("acme", "widgets", "carol", "PushEvent", now.Add(-time.Duration(100-i)*time.Hour))
	}
	c, _, _ := appClient(t, srv)
	act, err := c.RepoActivity(ctxT(t), "acme", "widgets")
	require.NoError(t, err)
	assert.NotContains(t, act.Last, "alice", "beyond the one page read")
	assert.Equal(t, now.Add(-100*time.Hour), act.Since, fmt.Sprint(act.Since))
}
