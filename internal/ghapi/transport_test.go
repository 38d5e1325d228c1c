package ghapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordSleeps wraps the fake clock's Sleep and keeps the waits.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) hook(o *Options) {
	inner := o.Sleep
	o.Sleep = func(ctx context.Context, d time.Duration) error {
		s.mu.Lock()
		s.d = append(s.d, d)
		s.mu.Unlock()
		return inner(ctx, d)
	}
}

func (s *sleeps) longest() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m time.Duration
	for _, d := range s.d {
		m = max(m, d)
	}
	return m
}

func TestServerErrorsAndResetsAreRetried(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]ghsim.Faults{
		"502 every 3rd":   {ServerErrorEvery: 3},
		"503 every 2nd":   {ServerErrorEvery: 2, ServerErrorStatus: 503},
		"reset every 3rd": {ResetEvery: 3},
		"reset every 2nd": {ResetEvery: 2},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := world(t)
			srv.SetCollaborator("acme", "widgets", "bob", ghsim.RoleMaintain)
			for i := 0; i < 10; i++ {
				srv.AddRepo("acme", fmt.Sprintf("r%d", i), ghsim.RepoOptions{})
			}
			c, logs := tokenClient(t, srv)
			srv.SetFaults(f)
			o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
			require.NoError(t, err)
			for _, r := range o.Repos {
				assert.True(t, r.Readable(), "%s: %s", r.Name, r.ReadError)
			}
			assert.Equal(t, role.Maintain, o.Repo("widgets").Users[0].Role)
			assert.Positive(t, c.Stats().Retries)
			assert.Contains(t, logs.String(), "retry")

			// Writes (idempotent PUT/DELETE) recover too.
			_, err = c.SetUserGrant(ctxT(t), "acme", "widgets", "carol", role.Write)
			require.NoError(t, err)
			require.NoError(t, c.RemoveUserGrant(ctxT(t), "acme", "widgets", "carol"))
			_, has := srv.Collaborators("acme", "widgets")["carol"]
			assert.False(t, has)
		})
	}
}

func TestPersistentServerErrorFailsClearly(t *testing.T) {
	t.Parallel()
	srv := world(t)
	c, _ := tokenClient(t, srv)
	srv.SetFaults(ghsim.Faults{ServerErrorEvery: 1})
	_, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.Error(t, err)
	assert.Equal(t, KindServer, KindOf(err))
	assert.Contains(t, err.Error(), "GET /orgs/acme: 502")
	assert.Equal(t, int64(4), c.Stats().Retries)
}

func TestSecondaryLimits(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		status     int
		retryAfter time.Duration
		wantWait   time.Duration
	}{
		"403 with retry-after":    {403, 7 * time.Second, 8 * time.Second},
		"429 with retry-after":    {429, 3 * time.Second, 4 * time.Second},
		"403 without retry-after": {403, 0, time.Minute},
		"429 without retry-after": {429, 0, time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := world(t)
			var sl sleeps
			c, logs := tokenClient(t, srv, sl.hook)
			srv.SetFaults(ghsim.Faults{SecondaryLimitEvery: 2, SecondaryLimitStatus: tc.status, SecondaryRetryAfter: tc.retryAfter})
			ctx := ctxT(t)
			for _, u := range []string{"alice", "bob", "carol"} {
				_, err := c.SetUserGrant(ctx, "acme", "widgets", u, role.Triage)
				require.NoError(t, err, u)
			}
			assert.Len(t, srv.Collaborators("acme", "widgets"), 3)
			assert.Equal(t, tc.wantWait, sl.longest())
			assert.Contains(t, logs.String(), "secondary rate limit")
			assert.Positive(t, c.Stats().RateLimited)
		})
	}
}

func TestSecondaryLimitPersistsFailsClearly(t *testing.T) {
	t.Parallel()
	srv := world(t)
	var sl sleeps
	c, _ := tokenClient(t, srv, sl.hook)
	srv.SetFaults(ghsim.Faults{SecondaryLimitEvery: 1})
	_, err := c.SetUserGrant(ctxT(t), "acme", "widgets", "bob", role.Triage)
	require.Error(t, err)
	assert.Equal(t, KindRateLimited, KindOf(err))
	assert.True(t, NotApplied(err))
	// 1, 2 and 4 minutes, doubling.
	assert.Equal(t, []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute}, sl.d)
}

func TestPrimaryLimit(t *testing.T) {
	t.Parallel()
	t.Run("short wait", func(t *testing.T) {
		t.Parallel()
		srv := world(t)
		var sl sleeps
		c, logs := tokenClient(t, srv, sl.hook)
		_, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{}) // the bucket starts: resets in an hour
		require.NoError(t, err)
		srv.Advance(55 * time.Minute)
		srv.SetUserRateLimitRemaining("root", "core", 0)
		_, err = c.ReadOrg(ctxT(t), "acme", ReadOptions{})
		require.NoError(t, err)
		assert.Contains(t, logs.String(), "primary rate limit")
		assert.InDelta(t, 5*time.Minute, sl.longest(), float64(10*time.Second))
	})
	t.Run("long wait fails", func(t *testing.T) {
		t.Parallel()
		srv := world(t)
		srv.Clock().Freeze(time.Date(2027, 5, 1, 12, 0, 0, 0, time.UTC)) // the reset is compared with it below
		c, _ := tokenClient(t, srv, func(o *Options) { o.MaxRateLimitWait = 10 * time.Minute })
		srv.SetUserRateLimitRemaining("root", "core", 0)
		_, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
		require.Error(t, err)
		assert.Equal(t, KindRateLimited, KindOf(err))
		assert.ErrorIs(t, err, ErrRateLimited)
		assert.Contains(t, err.Error(), "UTC")
		assert.Contains(t, err.Error(), "exhausted until")
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.WithinDuration(t, srv.Now().Add(time.Hour), e.Reset, 2*time.Second)
	})
	t.Run("graphql 200 RATE_LIMITED", func(t *testing.T) {
		t.Parallel()
		srv := world(t, ghsim.WithFaults(ghsim.Faults{PrimaryLimitStatus: 429}))
		var sl sleeps
		c, _ := tokenClient(t, srv, sl.hook, func(o *Options) { o.MaxRateLimitWait = 2 * time.Hour })
		srv.SetUserRateLimitRemaining("root", "graphql", 0)
		o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
		require.NoError(t, err)
		assert.True(t, o.Repo("widgets").Readable())
		assert.Greater(t, sl.longest(), 50*time.Minute)
	})
}

// TestTimeoutsAndLatency: an answer that comes is taken, a request that
// gets no answer is cut at RequestTimeout and retried, and one that never
// gets an answer fails as a network error naming the timeout. The
// per-request timeout is real time (it bounds the network), so the test
// never races it: a "slow" answer here is one that never comes (a spike of
// an hour, which the simulator abandons when the client hangs up), and an
// answer that must arrive has a timeout of a minute — a hang guard, not a
// speed check. Retry backoff runs on the simulator's clock.
func TestTimeoutsAndLatency(t *testing.T) {
	t.Parallel()
	const never = time.Hour
	srv := world(t)
	c, _ := tokenClient(t, srv, func(o *Options) { o.RequestTimeout = time.Minute; o.MaxRetries = 3 })
	srv.SetFaults(ghsim.Faults{Latency: 10 * time.Millisecond})
	_, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.NoError(t, err, "latency under the timeout is fine")
	assert.Zero(t, c.Stats().Retries)

	// One request in three gets no answer: each is cut and retried. The
	// timeout is shorter here, as it is paid in real time per lost answer
	// (two or three of them); answers that come still come at once.
	slow, _ := tokenClient(t, srv, func(o *Options) { o.RequestTimeout = 2 * time.Second; o.MaxRetries = 3 })
	srv.SetFaults(ghsim.Faults{SpikeEvery: 3, SpikeLatency: never})
	_, err = slow.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.NoError(t, err, "a slow request is retried")
	assert.Positive(t, slow.Stats().Retries, "a request was cut and sent again")

	short, _ := tokenClient(t, srv, func(o *Options) { o.RequestTimeout = 50 * time.Millisecond; o.MaxRetries = 3 })
	srv.SetFaults(ghsim.Faults{Latency: never})
	_, err = short.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.Error(t, err)
	assert.Equal(t, KindNetwork, KindOf(err))
	assert.Contains(t, err.Error(), "no answer within 50ms")
	assert.Equal(t, int64(3), short.Stats().Retries, "MaxRetries retries, then the error")
}

func TestPacingStaysUnderSecondaryLimits(t *testing.T) {
	t.Parallel()
	srv := world(t, ghsim.WithFaults(ghsim.Faults{EnforceSecondaryLimits: true}))
	var sl sleeps
	c, _ := tokenClient(t, srv, sl.hook)
	ctx := ctxT(t)
	for i := 0; i < 1000; i++ {
		_, _, err := c.UserExists(ctx, "olga")
		require.NoError(t, err)
	}
	assert.Zero(t, srv.Stats().SecondaryLimited)
	assert.LessOrEqual(t, srv.Stats().PeakPointsPerMinute, int64(900))
	assert.Positive(t, c.Stats().Paced, "1,000 GETs take more than a minute")

	// A small run is not held back.
	small, _ := tokenClient(t, srv)
	for i := 0; i < 100; i++ {
		_, _, err := small.UserExists(ctx, "olga")
		require.NoError(t, err)
	}
	assert.Zero(t, small.Stats().Paced)
}

func TestWindow(t *testing.T) {
	t.Parallel()
	w := window{limit: 10}
	t0 := time.Unix(1000, 0)
	for i := 0; i < 10; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		s, d := w.take(at, 1)
		require.NotNil(t, s)
		assert.Zero(t, d)
		s.done = at.Add(100 * time.Millisecond) // the answer came back 100 ms later
	}
	s, d := w.take(t0.Add(20*time.Second), 1)
	assert.Nil(t, s)
	assert.Equal(t, 40*time.Second+100*time.Millisecond+paceSlack, d, "until a minute after the first answer")
	s, d = w.take(t0.Add(70*time.Second), 5)
	assert.NotNil(t, s)
	assert.Zero(t, d)
	_, d = (&window{limit: 3}).take(t0, 5)
	assert.Zero(t, d, "one oversized request goes alone")
}

// TestUnsafePostNotRetried: a POST that creates content is sent once
// after a reset, and the error says the outcome is unknown.
func TestUnsafePostNotRetried(t *testing.T) {
	t.Parallel()
	var n, puts atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.Method == http.MethodPut {
			puts.Add(1)
		}
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		_ = conn.Close()
	}))
	defer ts.Close()
	o := Options{APIURL: ts.URL, Credentials: TokenCredentials("ghp_0123456789abcdefghijABCDEFGHIJ0123")}
	o.Sleep = func(context.Context, time.Duration) error { return nil }
	c, err := New(context.Background(), o)
	require.NoError(t, err)
	err = c.CreateComment(ctxT(t), "acme", "perm", 1, "hi")
	require.Error(t, err)
	assert.False(t, NotApplied(err))
	assert.Equal(t, int32(1), n.Load())
	assert.NotContains(t, err.Error(), "ghp_")

	// A PUT collaborator may invite (bob is not known as a member): it
	// is not repeated before a re-read of the invitations, which fails
	// here too, so it is sent once and reported as of unknown outcome.
	puts.Store(0)
	_, err = c.SetUserGrant(ctxT(t), "acme", "perm", "bob", role.Write)
	require.Error(t, err)
	assert.Equal(t, int32(1), puts.Load(), "a PUT that may invite is not repeated blindly")
	assert.False(t, NotApplied(err))
	assert.Equal(t, KindNetwork, KindOf(err))

	// An idempotent PUT that invites nobody is retried.
	n.Store(0)
	err = c.SetTeamGrant(ctxT(t), "acme", "perm", "core", role.Write)
	require.Error(t, err)
	assert.Equal(t, int32(5), n.Load(), "an idempotent PUT is retried")
	assert.Equal(t, KindNetwork, KindOf(err))
}

// TestPrimaryLimitWithSkewedClock: GitHub says the limit is exhausted
// but its reset looks past on this machine's clock.
func TestPrimaryLimitWithSkewedClock(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.Header().Set("X-Ratelimit-Remaining", "0")
			w.Header().Set("X-Ratelimit-Reset", "1000") // 1970
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message":"API rate limit exceeded"}`))
			return
		}
		_, _ = w.Write([]byte(`{"login":"bob"}`))
	}))
	defer ts.Close()
	var sl sleeps
	o := Options{APIURL: ts.URL, Credentials: TokenCredentials("t0ken-for-test-purposes-only")}
	o.Sleep = func(context.Context, time.Duration) error { return nil }
	sl.hook(&o)
	c, err := New(context.Background(), o)
	require.NoError(t, err)
	login, ok, err := c.UserExists(ctxT(t), "bob")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "bob", login)
	assert.Equal(t, []time.Duration{time.Minute, 2 * time.Minute}, sl.d)
}

// TestGraphQLCostAboveRemaining: a query costing more than what is left is
// refused with a 200 and RATE_LIMITED while x-ratelimit-remaining is not
// 0; the client waits for the reset and asks again.
func TestGraphQLCostAboveRemaining(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var reset atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			w.Header().Set("X-Ratelimit-Remaining", "1")
			w.Header().Set("X-Ratelimit-Reset", fmt.Sprint(reset.Load()))
			_, _ = w.Write([]byte(`{"errors":[{"type":"RATE_LIMITED","message":"API rate limit exceeded for installation ID 1."}]}`))
			return
		}
		_, _ = w.Write([]byte(`{"data":{"viewer":{"login":"bob"},"rateLimit":{"cost":1}}}`))
	}))
	defer ts.Close()
	now := time.Unix(1_800_000_000, 0)
	reset.Store(now.Add(90 * time.Second).Unix())
	var slept []time.Duration
	c, err := New(context.Background(), Options{APIURL: ts.URL, Credentials: TokenCredentials("t0ken-for-test-purposes-only"),
		Now:   func() time.Time { return now },
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); now = now.Add(d); return nil }})
	require.NoError(t, err)
	res, err := c.auth.token.graphql(ctxT(t), "Viewer", QueryViewer, nil)
	require.NoError(t, err)
	var v struct{ Login string }
	ok, _ := res.decodeField("viewer", &v)
	assert.True(t, ok)
	assert.Equal(t, "bob", v.Login)
	assert.Equal(t, []time.Duration{91 * time.Second}, slept)
	assert.Equal(t, int64(1), c.Stats().GraphQLPoints)
}

func TestRetryAfterIsBounded(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, v := range []string{"1e10", "Inf", "+Inf", "99999999999"} {
		d, ok := parseRetryAfter(v, now)
		assert.True(t, ok, v)
		assert.Equal(t, maxRetryAfter, d, v)
	}
	_, ok := parseRetryAfter("NaN", now)
	assert.False(t, ok, "not a number: as if absent, so the backoff applies")
	d, ok := parseRetryAfter("30", now)
	assert.True(t, ok)
	assert.Equal(t, 30*time.Second, d)
	assert.Equal(t, maxRetryAfter+time.Second, secondaryWait(limitInfo{hasRetry: true, retryAfter: 24 * time.Hour}, 0))
}
