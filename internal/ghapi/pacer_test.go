package ghapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/httpcache"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWindowCountsUntilAMinuteAfterTheAnswer: GitHub counts a request when
// it arrives, somewhere between its start and its answer; the pacer
// counts it from its start until a minute after its answer, so a slow
// request cannot leave the pacer's window before it leaves GitHub's.
func TestWindowCountsUntilAMinuteAfterTheAnswer(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(5000, 0)
	w := window{limit: 2}
	slow, _ := w.take(t0, 1)
	fast, _ := w.take(t0.Add(time.Second), 1)
	fast.done = t0.Add(1100 * time.Millisecond)

	// Still in flight after two minutes: it counts; the fast one left.
	_, d := w.take(t0.Add(2*time.Minute), 2)
	assert.Equal(t, paceWindow+paceSlack, d, "the slow request is in flight")
	assert.Len(t, w.stamps, 1)

	slow.done = t0.Add(2*time.Minute + 5*time.Second) // its answer, 2 min 5 s after it was sent
	s, d := w.take(t0.Add(2*time.Minute+5*time.Second), 1)
	require.NotNil(t, s, "one point free")
	assert.Zero(t, d)
	_, d = w.take(t0.Add(2*time.Minute+5*time.Second), 1)
	assert.Equal(t, paceWindow+paceSlack, d, "the slow one leaves a minute after its answer, not after its start")
}

// TestWindowWaitsForTheSoonestToLeave: answers come back out of order;
// the wait is until enough points leave, soonest first.
func TestWindowWaitsForTheSoonestToLeave(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(5000, 0)
	w := window{limit: 3}
	a, _ := w.take(t0, 1)
	b, _ := w.take(t0, 1)
	c, _ := w.take(t0, 1)
	a.done = t0.Add(3 * time.Second)
	b.done = t0.Add(time.Second)
	c.done = t0.Add(2 * time.Second)
	_, d := w.take(t0.Add(10*time.Second), 2)
	assert.Equal(t, 2*time.Second+paceWindow+paceSlack-10*time.Second, d, "b and c leave first")
}

// memStore is a PaceStore in memory.
type memStore struct {
	mu  sync.Mutex
	log map[string][]stamp
}

func (m *memStore) PaceRecord(key string, done time.Time, points int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.log == nil {
		m.log = map[string][]stamp{}
	}
	m.log[key] = append(m.log[key], stamp{done: done, pts: points})
}

func (m *memStore) PaceSince(key string, since time.Time, each func(time.Time, int)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.log[key] {
		if s.done.After(since) {
			each(s.done, s.pts)
		}
	}
}

type storeRT struct {
	http.RoundTripper
	*memStore
}

// TestPacingIsSharedByRunsOneAfterAnother: a run that starts right after
// another on the same machine (the nightly drift, then the audit) paces
// itself on the minute they share, through the cache's pacing record.
func TestPacingIsSharedByRunsOneAfterAnother(t *testing.T) {
	t.Parallel()
	srv := world(t, ghsim.WithFaults(ghsim.Faults{EnforceSecondaryLimits: true}))
	store := &memStore{}
	withStore := func(o *Options) {
		o.Cache = func(next http.RoundTripper) http.RoundTripper { return storeRT{next, store} }
	}
	ctx := ctxT(t)
	first, _ := tokenClient(t, srv, withStore)
	for i := 0; i < 700; i++ {
		_, _, err := first.UserExists(ctx, "olga")
		require.NoError(t, err)
	}
	assert.Zero(t, first.Stats().Paced, "700 GETs fit in the first minute")

	second, _ := tokenClient(t, srv, withStore)
	for i := 0; i < 300; i++ {
		_, _, err := second.UserExists(ctx, "olga")
		require.NoError(t, err)
	}
	assert.Positive(t, second.Stats().Paced, "the second run waits for the first one's minute")
	assert.Zero(t, srv.Stats().SecondaryLimited)
	assert.LessOrEqual(t, srv.Stats().PeakPointsPerMinute, int64(900))

	// Without the record, the second run would have gone over.
	srv2 := world(t, ghsim.WithFaults(ghsim.Faults{EnforceSecondaryLimits: true}))
	a, _ := tokenClient(t, srv2)
	b, _ := tokenClient(t, srv2, func(o *Options) { o.MaxSecondaryRetries = -1 })
	for i := 0; i < 700; i++ {
		_, _, _ = a.UserExists(ctx, "olga")
	}
	for i := 0; i < 300; i++ {
		_, _, _ = b.UserExists(ctx, "olga")
	}
	assert.Positive(t, srv2.Stats().SecondaryLimited)
}

// TestPacingRecordInTheCacheDirectory: the same, through internal/httpcache.
func TestPacingRecordInTheCacheDirectory(t *testing.T) {
	t.Parallel()
	srv := world(t, ghsim.WithFaults(ghsim.Faults{EnforceSecondaryLimits: true}))
	dir := t.TempDir()
	run := func(n int) Stats {
		cache, err := httpcache.Open(dir)
		require.NoError(t, err)
		c, _ := tokenClient(t, srv, func(o *Options) { o.Cache = cache.Wrap })
		for i := 0; i < n; i++ {
			_, _, err := c.UserExists(ctxT(t), "olga")
			require.NoError(t, err)
		}
		return c.Stats()
	}
	assert.Zero(t, run(700).Paced)
	assert.Positive(t, run(300).Paced)
	assert.Zero(t, srv.Stats().SecondaryLimited)
	assert.LessOrEqual(t, srv.Stats().PeakPointsPerMinute, int64(900))
}

// TestAtMostAHundredInFlight: GitHub allows 100 concurrent requests; a
// Client never has more in flight, whatever ReadConcurrency says. The
// server holds every request until 100 are in flight at once (so the cap is
// reached, not a bottleneck below it), then lets them all go: no timing is
// involved in passing. A request is held until then, so a Client without
// the cap would be caught with more than 100 on the server.
func TestAtMostAHundredInFlight(t *testing.T) {
	t.Parallel()
	var cur, peak, started atomic.Int64
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		defer cur.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		_, _ = w.Write([]byte(`{"login":"olga"}`))
	}))
	defer ts.Close()
	c, err := New(context.Background(), Options{APIURL: ts.URL, Credentials: TokenCredentials("t0ken-for-test-purposes-only"),
		ReadConcurrency: 500, RESTPointsPerMinute: -1})
	require.NoError(t, err)
	assert.Equal(t, maxInFlight, c.opts.ReadConcurrency)
	const calls = 300
	var wg sync.WaitGroup
	for i := 0; i < calls; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Add(1)
			_, _, err := c.UserExists(ctxT(t), "olga")
			assert.NoError(t, err)
		}()
	}
	// Wait (the hang guard is go test's -timeout) until the cap is
	// reached and every call has started; then give the calls beyond the
	// cap a moment to reach the server if the cap let them through. That
	// pause only helps catch a broken cap; a working one passes without it.
	for cur.Load() < maxInFlight || started.Load() < calls {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	assert.Equal(t, int64(maxInFlight), peak.Load(), "the cap is reached and never passed")
	assert.Len(t, c.inFlight, 0, "every slot given back")
}

// TestPaceRecordFromAClockAhead: records a little ahead of this clock count
// from now; records far ahead (a clock that was wrong) are not a recent
// run's and are left out, so they cannot hold every later run back.
func TestPaceRecordFromAClockAhead(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	store := &memStore{}
	store.PaceRecord("h rest", now.Add(2*time.Second), 500)
	store.PaceRecord("h rest", now.Add(3*time.Hour), 500)
	l := newLimiter(900, 2000)
	l.share(store, "h", now)
	require.Len(t, l.rest.stamps, 1)
	assert.Equal(t, now, l.rest.stamps[0].done)
	_, d := l.rest.take(now, 400)
	assert.Equal(t, paceWindow+paceSlack, d)
}
