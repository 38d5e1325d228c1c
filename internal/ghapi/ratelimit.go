package ghapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GitHub's limits, as documented in "Rate limits for the REST API" and
// "Rate limits and query limits for the GraphQL API":
//
//   - primary: points per hour per installation or user; exhausted, GitHub
//     answers 403 or 429 with x-ratelimit-remaining: 0 (GraphQL may answer
//     200 with a RATE_LIMITED error) and one waits until x-ratelimit-reset;
//   - secondary: at most 900 REST points a minute (GET 1, other methods 5)
//     and 2,000 GraphQL points a minute (a query 1, a mutation 5), 100
//     concurrent requests; exceeded, GitHub answers 403 or 429, with
//     retry-after or not, and one waits retry-after, else at least a
//     minute, backing off exponentially.
//
// The pacer keeps a client below the secondary limits in a normal run: a
// one-minute sliding window per limit (so a small run goes at full speed),
// filled to paceMargin of the documented limit, where each request counts
// until a minute after its answer arrived. GitHub counts a request when it
// arrives, which is before its answer leaves: so however long the request
// took on the way, GitHub has forgotten it when the pacer does, and latency
// skew between requests cannot push GitHub's count over the limit. The
// margin leaves room for what the pacer cannot see (another client of the
// same App elsewhere) and for GitHub counting a little differently.
//
// With a PaceStore (Options.Cache may provide one: internal/httpcache keeps
// it in the cache directory), what a run spent in its last minute is seen
// by the next run on the same machine: permsync drift, then permsync audit
// right after it, share GitHub's minute without overrunning it.
//
// The limiter reacts when GitHub says a limit was hit anyway.

const (
	paceMargin         = 0.9 // the share of a documented per-minute limit the pacer uses
	paceSlack          = 250 * time.Millisecond
	paceWindow         = time.Minute
	secondaryBaseWait  = time.Minute
	secondaryMaxWait   = 15 * time.Minute
	pointsGet          = 1
	pointsMutation     = 5
	pointsGraphQLQuery = 1
	// maxInFlight is GitHub's documented limit of concurrent requests;
	// a Client never has more than this in flight, whatever the options.
	maxInFlight = 100
)

// PaceStore keeps a record of the secondary-limit points spent, shared by
// the runs on one machine (the runs of a nightly job, one after another).
// The RoundTripper returned by Options.Cache may implement it. Keys name
// a GitHub and a limit; the record holds times and points, nothing else.
// Both methods are best effort: a record that cannot be written or read
// only makes pacing forget other runs.
type PaceStore interface {
	// PaceRecord notes that a request costing points was answered at done.
	PaceRecord(key string, done time.Time, points int)
	// PaceSince calls each for every record of key answered after since.
	PaceSince(key string, since time.Time, each func(done time.Time, points int))
}

// stamp is one request's points in a window: it counts while the request
// is in flight and for a minute after its answer arrived.
type stamp struct {
	at   time.Time
	done time.Time // zero while in flight
	pts  int
}

// expires is when the stamp leaves the window, as far as now can tell.
func (s *stamp) expires(now time.Time) time.Time {
	if s.done.IsZero() {
		return now.Add(paceWindow + paceSlack)
	}
	return s.done.Add(paceWindow + paceSlack)
}

// window is a one-minute sliding window of points spent.
type window struct {
	limit  int
	stamps []*stamp
}

// prune drops the stamps that left the window, and returns the points of
// those left.
func (w *window) prune(now time.Time) int {
	keep := w.stamps[:0]
	sum := 0
	for _, s := range w.stamps {
		if s.done.IsZero() || s.expires(now).After(now) {
			keep = append(keep, s)
			sum += s.pts
		}
	}
	clear(w.stamps[len(keep):])
	w.stamps = keep
	return sum
}

// take admits pts at now and returns its stamp (to be marked done when
// the answer arrives), or says how long to wait before asking again.
func (w *window) take(now time.Time, pts int) (*stamp, time.Duration) {
	if w.limit <= 0 {
		return nil, 0
	}
	sum := w.prune(now)
	// A request costing more than the whole budget still goes, alone.
	if sum+pts <= w.limit || len(w.stamps) == 0 {
		s := &stamp{at: now, pts: pts}
		w.stamps = append(w.stamps, s)
		return s, 0
	}
	// Wait until enough stamps leave the window, soonest first.
	type leave struct {
		at  time.Time
		pts int
	}
	order := make([]leave, len(w.stamps))
	for i, s := range w.stamps {
		order[i] = leave{s.expires(now), s.pts}
	}
	sort.Slice(order, func(i, j int) bool { return order[i].at.Before(order[j].at) })
	need := sum + pts - w.limit
	for _, l := range order {
		need -= l.pts
		if need <= 0 {
			return nil, max(l.at.Sub(now), time.Millisecond)
		}
	}
	return nil, paceWindow
}

// add records points spent by another run, answered at done.
func (w *window) add(done time.Time, pts int) {
	if w.limit > 0 && pts > 0 {
		w.stamps = append(w.stamps, &stamp{at: done, done: done, pts: pts})
	}
}

// limiter holds what GitHub said about limits, shared by every request of
// a Client.
type limiter struct {
	mu         sync.Mutex
	rest       window
	graphql    window
	pauseUntil time.Time            // a secondary limit was hit: nobody sends before this
	exhausted  map[string]time.Time // primary bucket key → reset

	store    PaceStore // nil: this run's spending only
	storeKey string    // the GitHub, e.g. "api.github.com/"
}

func newLimiter(restPerMinute, graphqlPerMinute int) *limiter {
	return &limiter{
		rest:      window{limit: int(float64(restPerMinute) * paceMargin)},
		graphql:   window{limit: int(float64(graphqlPerMinute) * paceMargin)},
		exhausted: map[string]time.Time{},
	}
}

func (l *limiter) storeKeyFor(graphql bool) string {
	if graphql {
		return l.storeKey + " graphql"
	}
	return l.storeKey + " rest"
}

// share makes the limiter record its spending in store under key, and
// start from what earlier runs spent within the window.
func (l *limiter) share(store PaceStore, key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.store, l.storeKey = store, key
	since := now.Add(-(paceWindow + paceSlack))
	for _, graphql := range []bool{false, true} {
		w := &l.rest
		if graphql {
			w = &l.graphql
		}
		store.PaceSince(l.storeKeyFor(graphql), since, func(done time.Time, pts int) {
			switch {
			case done.After(now.Add(paceWindow)):
				return // written by a clock far ahead: not a recent run's
			case done.After(now):
				done = now // a clock a little ahead: count it from now
			}
			w.add(done, pts)
		})
	}
}

// bucketKey names a primary-limit bucket: the resource and the credential
// (by a hash of the Authorization header, never the header itself).
func bucketKey(resource string, req *http.Request) string {
	sum := sha256.Sum256([]byte(req.Header.Get("Authorization")))
	return resource + ":" + hex.EncodeToString(sum[:6])
}

// requestResource guesses the primary-limit resource of a request before
// GitHub names it in x-ratelimit-resource.
func requestResource(req *http.Request) string {
	if isGraphQL(req) {
		return "graphql"
	}
	return "core"
}

func isGraphQL(req *http.Request) bool {
	return req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/graphql")
}

// limitKind is how a response relates to rate limits.
type limitKind int

const (
	limitNone limitKind = iota
	limitPrimary
	limitSecondary
)

// limitInfo is what a limited response said.
type limitInfo struct {
	kind       limitKind
	reset      time.Time     // primary: when the bucket refills
	retryAfter time.Duration // secondary: the retry-after header
	hasRetry   bool          // a retry-after header was sent
	resource   string
	message    string
}

// classifyLimit tells whether resp is a rate-limit answer. It may read and
// restore the body (only of 403, 429 and of GraphQL answers that carry
// x-ratelimit-remaining: 0).
func classifyLimit(req *http.Request, resp *http.Response, now time.Time) limitInfo {
	h := resp.Header
	remainingZero := strings.TrimSpace(h.Get("X-Ratelimit-Remaining")) == "0"
	info := limitInfo{resource: h.Get("X-Ratelimit-Resource")}
	if info.resource == "" {
		info.resource = requestResource(req)
	}
	switch {
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests:
	case resp.StatusCode == http.StatusOK && remainingZero && isGraphQL(req):
		// GraphQL reports an exhausted primary limit as 200 + RATE_LIMITED.
		body := peekBody(resp, 1<<20)
		var env struct {
			Data   json.RawMessage `json:"data"`
			Errors []struct {
				Type    string `json:"type"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		if json.Unmarshal(body, &env) == nil {
			for _, e := range env.Errors {
				if e.Type == "RATE_LIMITED" || strings.Contains(strings.ToLower(e.Message), "rate limit") {
					info.kind = limitPrimary
					info.reset = parseReset(h, now)
					info.message = e.Message
					return info
				}
			}
		}
		return info
	default:
		return info
	}
	ra, hasRetryAfter := parseRetryAfter(h.Get("Retry-After"), now)
	body := peekBody(resp, 64<<10)
	var msg struct {
		Message string `json:"message"`
		DocURL  string `json:"documentation_url"`
	}
	_ = json.Unmarshal(body, &msg)
	info.message = msg.Message
	lower := strings.ToLower(msg.Message + " " + msg.DocURL)
	switch {
	case remainingZero && h.Get("X-Ratelimit-Reset") != "":
		info.kind = limitPrimary
		info.reset = parseReset(h, now)
		if hasRetryAfter && now.Add(ra).After(info.reset) {
			info.reset = now.Add(ra)
		}
	case hasRetryAfter,
		strings.Contains(lower, "secondary rate limit"),
		strings.Contains(lower, "abuse"),
		resp.StatusCode == http.StatusTooManyRequests:
		info.kind = limitSecondary
		info.retryAfter, info.hasRetry = ra, hasRetryAfter
	case remainingZero:
		// Exhausted without a reset time: treat as secondary, back off.
		info.kind = limitSecondary
	case strings.Contains(lower, "rate limit exceeded"):
		info.kind = limitSecondary
	}
	return info
}

// peekBody reads up to max bytes of the body and puts them back.
func peekBody(resp *http.Response, max int64) []byte {
	if resp.Body == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max))
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), rest), rest}
	if err != nil {
		return nil
	}
	return b
}

func parseReset(h http.Header, now time.Time) time.Time {
	if v, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Ratelimit-Reset")), 10, 64); err == nil && v > 0 {
		return time.Unix(v, 0)
	}
	return now.Add(time.Minute)
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date.
// maxRetryAfter bounds how long a secondary limit's retry-after is waited for.
const maxRetryAfter = 15 * time.Minute

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		// Inf or 1e10 seconds would overflow a Duration into a negative
		// one (retry at once); anything that long is capped.
		if n > maxRetryAfter.Seconds() {
			return maxRetryAfter, true
		}
		return time.Duration(n * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// observe records the primary limit state a response reports.
func (l *limiter) observe(req *http.Request, resp *http.Response, now time.Time) {
	h := resp.Header
	rem := strings.TrimSpace(h.Get("X-Ratelimit-Remaining"))
	if rem == "" {
		return
	}
	res := h.Get("X-Ratelimit-Resource")
	if res == "" {
		res = requestResource(req)
	}
	key := bucketKey(res, req)
	l.mu.Lock()
	defer l.mu.Unlock()
	if rem == "0" {
		if reset := parseReset(h, now); reset.After(now) {
			l.exhausted[key] = reset
		}
		return
	}
	delete(l.exhausted, key)
}

// exhaustedUntil returns the reset of req's bucket if GitHub said it is
// empty and the reset is still ahead.
func (l *limiter) exhaustedUntil(req *http.Request, now time.Time) (time.Time, string) {
	res := requestResource(req)
	key := bucketKey(res, req)
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.exhausted[key]; ok {
		if t.After(now) {
			return t, res
		}
		delete(l.exhausted, key)
	}
	return time.Time{}, res
}

// pause makes every request wait until t (a secondary limit was hit).
func (l *limiter) pause(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.pauseUntil) {
		l.pauseUntil = t
	}
}

// admit waits for a pause to end and for the window to have room for pts.
// It returns the admitted request's ticket, to be handed to done when its
// answer arrives (or it failed), and how long it waited.
func (l *limiter) admit(ctx context.Context, graphql bool, pts int, now func() time.Time, sleep func(context.Context, time.Duration) error) (*ticket, time.Duration, error) {
	var waited time.Duration
	for {
		l.mu.Lock()
		t := now()
		var d time.Duration
		var s *stamp
		if l.pauseUntil.After(t) {
			d = l.pauseUntil.Sub(t)
		} else if graphql {
			s, d = l.graphql.take(t, pts)
		} else {
			s, d = l.rest.take(t, pts)
		}
		l.mu.Unlock()
		if d <= 0 {
			return &ticket{s: s, graphql: graphql, pts: pts}, waited, nil
		}
		if err := sleep(ctx, d); err != nil {
			return nil, waited, err
		}
		waited += d
	}
}

// ticket is an admitted request.
type ticket struct {
	s       *stamp // nil when pacing is off
	graphql bool
	pts     int
}

// done marks an admitted request answered (or failed) at now: from then
// on it leaves the window a minute later.
func (l *limiter) done(t *ticket, now time.Time) {
	if t == nil {
		return
	}
	l.mu.Lock()
	if t.s != nil && t.s.done.IsZero() {
		t.s.done = now
	}
	store, key := l.store, l.storeKeyFor(t.graphql)
	l.mu.Unlock()
	if store != nil {
		store.PaceRecord(key, now, t.pts)
	}
}

// secondaryWait is how long to wait after the n-th (from 0) secondary
// limit answer in a row: retry-after when given, else a minute doubling.
func secondaryWait(info limitInfo, n int) time.Duration {
	if info.hasRetry {
		// GitHub's retry-after is honoured as given, up to a bound: a
		// proxy asking for a day must not hold a run until its job times out.
		return min(info.retryAfter, maxRetryAfter) + time.Second
	}
	d := secondaryBaseWait << n
	if d > secondaryMaxWait || d <= 0 {
		d = secondaryMaxWait
	}
	return d
}
