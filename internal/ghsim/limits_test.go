package ghsim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestETagConditionalRequests(t *testing.T) {
	f := newFixture(t)
	s := f.s
	r := call(t, s, "GET", "repos/acme/widgets", f.tok, nil)
	etag := r.Header.Get("ETag")
	require.NotEmpty(t, etag)
	assert.False(t, strings.HasPrefix(etag, "W/"))
	// The ETag is what GITHUB.md documents: over Accept/Authorization/Cookie.
	assert.Equal(t, ETag(http.Header{"Authorization": {"Bearer " + f.tok}, "Accept-Encoding": {"gzip"}}, r.body), etag)
	used := r.Header.Get("X-RateLimit-Used")

	r2 := call(t, s, "GET", "repos/acme/widgets", f.tok, nil, "If-None-Match", `"nope", `+etag)
	wantStatus(t, r2, 304)
	assert.Empty(t, r2.body)
	assert.Equal(t, used, r2.Header.Get("X-RateLimit-Used"), "a 304 is free")
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", f.tok, nil, "If-None-Match", "*"), 304)

	// A new token gets the same body but another ETag: the old one misses.
	tok2 := s.InstallationToken(f.inst, nil)
	r3 := call(t, s, "GET", "repos/acme/widgets", tok2, nil, "If-None-Match", etag)
	wantStatus(t, r3, 200)
	assert.Equal(t, r.body, r3.body)
	assert.NotEqual(t, etag, r3.Header.Get("ETag"))
	// A client that computes the ETag for the new token from its cached body gets a 304.
	computed := ETag(http.Header{"Authorization": {"Bearer " + tok2}}, r.body)
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", tok2, nil, "If-None-Match", computed), 304)
	// Accept takes part too.
	r4 := call(t, s, "GET", "repos/acme/widgets", tok2, nil, "Accept", "application/vnd.github+json")
	assert.Equal(t, ETag(http.Header{"Accept": {"application/vnd.github+json"}, "Authorization": {"Bearer " + tok2}}, r4.body), r4.Header.Get("ETag"))
	// No Accept/Authorization/Cookie: weak ETag over the body.
	r5 := call(t, s, "GET", "repos/acme/widgets", "", nil)
	assert.True(t, strings.HasPrefix(r5.Header.Get("ETag"), `W/"`))
	st := s.Stats()
	assert.Equal(t, int64(3), st.NotModified)
}

func TestPrimaryRateLimit(t *testing.T) {
	f := newFixture(t, WithRateLimit(3))
	s := f.s
	for i := range 3 {
		r := call(t, s, "GET", "repos/acme/widgets", f.tok, nil)
		wantStatus(t, r, 200)
		assert.Equal(t, strconv.Itoa(2-i), r.Header.Get("X-RateLimit-Remaining"))
		assert.Equal(t, "core", r.Header.Get("X-RateLimit-Resource"))
	}
	r := call(t, s, "GET", "repos/acme/widgets", f.tok, nil)
	wantStatus(t, r, 403)
	assert.Equal(t, "0", r.Header.Get("X-RateLimit-Remaining"))
	assert.Contains(t, r.obj(t)["message"], fmt.Sprintf("API rate limit exceeded for installation ID %d.", f.inst))
	reset, _ := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
	assert.InDelta(t, s.Now().Add(time.Hour).Unix(), reset, 5)
	// GET /rate_limit is free and still answers.
	rl := call(t, s, "GET", "rate_limit", f.tok, nil)
	wantStatus(t, rl, 200)
	assert.Equal(t, float64(0), rl.obj(t)["resources"].(map[string]any)["core"].(map[string]any)["remaining"])

	s.SetFaults(Faults{PrimaryLimitStatus: 429})
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", f.tok, nil), 429)
	s.Advance(time.Hour + time.Second)
	tok := s.InstallationToken(f.inst, nil)
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", tok, nil), 200)

	s.SetRateLimitRemaining(f.inst, "core", 0)
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", tok, nil), 429)
	assert.Equal(t, 0, s.RateLimit(f.inst, "core").Remaining)
	assert.Equal(t, int64(3), s.Stats().PrimaryLimited)

	ut := s.AddUserToken("alice")
	s.SetUserRateLimitRemaining("alice", "core", 0)
	r = call(t, s, "GET", "repos/acme/widgets", ut, nil)
	wantStatus(t, r, 429)
	assert.Contains(t, r.obj(t)["message"], "API rate limit exceeded for user ID")
}

func TestSecondaryLimits(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.SetFaults(Faults{SecondaryLimitEvery: 2, SecondaryRetryAfter: 30 * time.Second})
	wantStatus(t, call(t, s, "PUT", "repos/acme/widgets/collaborators/bob", f.tok, nil), 204)
	r := call(t, s, "PUT", "repos/acme/widgets/collaborators/bob", f.tok, nil)
	wantStatus(t, r, 403)
	assert.Equal(t, "30", r.Header.Get("Retry-After"))
	assert.Contains(t, r.obj(t)["message"], "You have exceeded a secondary rate limit")
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", f.tok, nil), 200) // reads pass
	s.SetFaults(Faults{SecondaryLimitEvery: 1, SecondaryLimitStatus: 429})
	r = call(t, s, "DELETE", "repos/acme/widgets/collaborators/bob", f.tok, nil)
	wantStatus(t, r, 429)
	assert.Empty(t, r.Header.Get("Retry-After"))

	// Documented limits: 900 points a minute (a mutation costs 5).
	s.SetFaults(Faults{EnforceSecondaryLimits: true})
	s.limits.reset()
	limited := 0
	for range 185 {
		r := call(t, s, "DELETE", "repos/acme/widgets/collaborators/bob", f.tok, nil)
		if r.StatusCode == 403 {
			limited++
			assert.NotEmpty(t, r.Header.Get("Retry-After"))
		}
	}
	assert.Equal(t, 5, limited) // 180 × 5 = 900 points
	s.Advance(61 * time.Second)
	tok := s.InstallationToken(f.inst, nil)
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", tok, nil), 200)
	st := s.Stats()
	assert.Equal(t, int64(7), st.SecondaryLimited)
	assert.GreaterOrEqual(t, st.PeakPointsPerMinute, int64(900))

	// 80 content-creating requests a minute.
	s.limits.reset()
	created := 0
	for i := range 85 {
		r := call(t, s, "POST", "repos/acme/widgets/issues", tok, map[string]any{"title": fmt.Sprint(i)})
		if r.StatusCode == 201 {
			created++
		}
	}
	assert.Equal(t, 80, created)
}

func TestMaxConcurrency(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.SetFaults(Faults{MaxConcurrency: 2, Latency: 300 * time.Millisecond})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := call(t, s, "GET", "repos/acme/widgets", f.tok, nil)
			mu.Lock()
			codes[r.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	// Timing on a loaded machine may let a request finish before the last
	// one starts, so only the shape is exact.
	assert.GreaterOrEqual(t, codes[200], 2, codes)
	assert.GreaterOrEqual(t, codes[403], 1, codes)
	assert.Equal(t, 6, codes[200]+codes[403], codes)
	assert.GreaterOrEqual(t, s.Stats().MaxInFlight, int64(3))
}

func TestFaultKnobs(t *testing.T) {
	// The latency waits are recorded, not slept: the test checks the
	// latency drawn, not how long this machine took.
	var waitMu sync.Mutex
	var waits []time.Duration
	f := newFixture(t, WithLatencyWait(func(_ *http.Request, d time.Duration) {
		waitMu.Lock()
		defer waitMu.Unlock()
		waits = append(waits, d)
	}))
	lastWait := func() time.Duration {
		waitMu.Lock()
		defer waitMu.Unlock()
		require.NotEmpty(t, waits)
		d := waits[len(waits)-1]
		waits = nil
		return d
	}
	s := f.s

	s.SetFaults(Faults{ServerErrorEvery: 2, ServerErrorStatus: 503})
	codes := []int{}
	for range 4 {
		codes = append(codes, call(t, s, "GET", "repos/acme/widgets", f.tok, nil).StatusCode)
	}
	assert.Contains(t, codes, 503)
	assert.Contains(t, codes, 200)

	s.SetFaults(Faults{ServerErrorEvery: 1})
	r := call(t, s, "GET", "repos/acme/widgets", f.tok, nil)
	wantStatus(t, r, 502)
	assert.Equal(t, "Server Error", r.obj(t)["message"])

	s.SetFaults(Faults{Latency: 50 * time.Millisecond, Jitter: 10 * time.Millisecond})
	for range 20 {
		call(t, s, "GET", "repos/acme/widgets", f.tok, nil)
		d := lastWait()
		assert.GreaterOrEqual(t, d, 50*time.Millisecond)
		assert.Less(t, d, 60*time.Millisecond)
	}

	s.SetFaults(Faults{SpikeEvery: 2, SpikeLatency: 60 * time.Millisecond})
	var spiked int
	for range 4 {
		call(t, s, "GET", "repos/acme/widgets", f.tok, nil)
		waitMu.Lock()
		if len(waits) > 0 {
			spiked++
			assert.Equal(t, 60*time.Millisecond, waits[0])
		}
		waits = nil
		waitMu.Unlock()
	}
	assert.Equal(t, 2, spiked, "every second request waits")

	s.SetFaults(Faults{ResetEvery: 1})
	req, _ := http.NewRequest("GET", s.URL()+"repos/acme/widgets", nil)
	req.Header.Set("Authorization", "Bearer "+f.tok)
	_, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "reset") || strings.Contains(err.Error(), "EOF"), err.Error())

	s.SetFaults(Faults{Routes: []RouteFault{{Method: "GET", Path: "/repos/acme/widgets", Status: 500}}})
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets/collaborators", f.tok, nil), 500)
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", f.tok, nil), 500)
	s.AddRepo("acme", "widgets2", RepoOptions{})
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets2", f.tok, nil), 200)
	wantStatus(t, call(t, s, "PUT", "repos/acme/widgets/collaborators/bob", f.tok, nil), 204)

	s.SetFaults(Faults{})
	s.DeleteRepo("acme", "widgets2")
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets2", f.tok, nil), 404)
	st := s.Stats()
	assert.GreaterOrEqual(t, st.InjectedFaults, int64(6))
	assert.Positive(t, st.ByRoute["GET /repos/{owner}/{repo}"])
	assert.Positive(t, st.ByStatus[500])
	s.ResetStats()
	assert.Zero(t, s.Stats().Requests)
}

func TestRequestLogHasNoSecrets(t *testing.T) {
	var buf bytes.Buffer // not goroutine-safe: the server serialises writes
	f := newFixture(t, WithRequestLog(&buf))
	call(t, f.s, "GET", "repos/acme/widgets", f.tok, nil)
	f.s.Close()
	out := buf.String()
	assert.Contains(t, out, "GET /api/v3/repos/acme/widgets 200")
	assert.NotContains(t, out, f.tok)
}

func TestScaledInstallationLimits(t *testing.T) {
	s := newTestServer(t, WithScaledInstallationLimits())
	GenerateOrg(s, GenSpec{Org: "big", Repos: 60, DirectCollaborators: 2})
	appID := s.AddApp(AppOptions{Slug: "a", Permissions: Permissions{"administration": "read"}})
	inst := s.Install(appID, "big", nil)
	// 60 repos and 22 members (20 members + 2 owners): 5,000 + 40×50 + 2×50.
	r := call(t, s, "GET", "repos/big/repo-0001", s.InstallationToken(inst, nil), nil)
	assert.Equal(t, "7100", r.Header.Get("X-RateLimit-Limit"))
	assert.Equal(t, 7100, s.RateLimit(inst, "core").Limit)
	small := s.Install(appID, "big", nil, "repo-0001")
	assert.Equal(t, 5100, s.RateLimit(small, "core").Limit)
}
