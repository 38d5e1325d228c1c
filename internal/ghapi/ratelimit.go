package ghapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
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
// The pacer keeps a client below the secondary limits in a normal run
// (a one-minute sliding window with a safety margin, so a small run goes
// at full speed); the limiter reacts when GitHub says a limit was hit.

const (
	paceMargin         = 0.8 // the share of a documented per-minute limit the pacer uses
	secondaryBaseWait  = time.Minute
	secondaryMaxWait   = 15 * time.Minute
	pointsGet          = 1
	pointsMutation     = 5
	pointsGraphQLQuery = 1
)

// window is a one-minute sliding window of points spent.
type window struct {
	limit  int
	stamps []stamp
	sum    int
}

type stamp struct {
	at  time.Time
	pts int
}

// take admits pts at now, or says how long to wait before asking again.
func (w *window) take(now time.Time, pts int) time.Duration {
	if w.limit <= 0 {
		return 0
	}
	cut := now.Add(-time.Minute)
	i := 0
	for i < len(w.stamps) && !w.stamps[i].at.After(cut) {
		w.sum -= w.stamps[i].pts
		i++
	}
	w.stamps = w.stamps[i:]
	// A request costing more than the whole budget still goes, alone.
	if w.sum+pts <= w.limit || len(w.stamps) == 0 {
		w.stamps = append(w.stamps, stamp{now, pts})
		w.sum += pts
		return 0
	}
	// Wait until enough of the oldest stamps leave the window.
	need := w.sum + pts - w.limit
	for _, s := range w.stamps {
		need -= s.pts
		if need <= 0 {
			if d := s.at.Add(time.Minute).Sub(now); d > 0 {
				return d + time.Millisecond
			}
			return time.Millisecond
		}
	}
	return time.Minute
}

// limiter holds what GitHub said about limits, shared by every request of
// a Client.
type limiter struct {
	mu         sync.Mutex
	rest       window
	graphql    window
	pauseUntil time.Time            // a secondary limit was hit: nobody sends before this
	exhausted  map[string]time.Time // primary bucket key → reset
}

func newLimiter(restPerMinute, graphqlPerMinute int) *limiter {
	return &limiter{
		rest:      window{limit: int(float64(restPerMinute) * paceMargin)},
		graphql:   window{limit: int(float64(graphqlPerMinute) * paceMargin)},
		exhausted: map[string]time.Time{},
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
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
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
// It reports how long it waited.
func (l *limiter) admit(ctx context.Context, graphql bool, pts int, now func() time.Time, sleep func(context.Context, time.Duration) error) (time.Duration, error) {
	var waited time.Duration
	for {
		l.mu.Lock()
		t := now()
		var d time.Duration
		if l.pauseUntil.After(t) {
			d = l.pauseUntil.Sub(t)
		} else if graphql {
			d = l.graphql.take(t, pts)
		} else {
			d = l.rest.take(t, pts)
		}
		l.mu.Unlock()
		if d <= 0 {
			return waited, nil
		}
		if err := sleep(ctx, d); err != nil {
			return waited, err
		}
		waited += d
	}
}

// secondaryWait is how long to wait after the n-th (from 0) secondary
// limit answer in a row: retry-after when given, else a minute doubling.
func secondaryWait(info limitInfo, n int) time.Duration {
	if info.hasRetry {
		return info.retryAfter + time.Second
	}
	d := secondaryBaseWait << n
	if d > secondaryMaxWait || d <= 0 {
		d = secondaryMaxWait
	}
	return d
}
