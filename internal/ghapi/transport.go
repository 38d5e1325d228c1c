package ghapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The transport stack, top to bottom (every request, REST and GraphQL,
// goes through all of it, so every request gets the same policy):
//
//	go-github / GraphQL client
//	auth        token, or App installation (ghinstallation) with one
//	            refresh-and-retry on 401; App JWT for /app endpoints
//	policy      pacing, serial mutations, rate-limit waits, retries
//	cache       optional conditional-request cache (Options.Cache); below
//	            auth so it sees the final Authorization header, below
//	            retries so a retried request is revalidated too
//	wire        User-Agent, request/304 counting
//	base        net/http with connection timeouts
//
// go-github's own client-side rate-limit bookkeeping is not used: it keys
// on the wall clock and refuses requests by itself, which would fight the
// waits decided here.

// reqKind sorts requests for pacing and retry decisions.
type reqKind int

const (
	kindRead     reqKind = iota // GET, HEAD, OPTIONS
	kindGraphQL                 // POST /graphql (queries only; permsync sends no GraphQL mutation)
	kindToken                   // POST /app/installations/{id}/access_tokens
	kindMutation                // anything else
)

func classify(req *http.Request) reqKind {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return kindRead
	}
	if isGraphQL(req) {
		return kindGraphQL
	}
	if req.Method == http.MethodPost && strings.HasPrefix(trimAPIPrefix(req.URL.Path), "/app/installations/") &&
		strings.HasSuffix(req.URL.Path, "/access_tokens") {
		return kindToken
	}
	return kindMutation
}

func trimAPIPrefix(p string) string { return strings.TrimPrefix(p, "/api/v3") }

// callInfo travels in a request's context from the adapter's methods to
// the policy layer and back: what may be retried, and what happened.
type callInfo struct {
	retrySafe bool // a POST that is safe to repeat (e.g. enforce_admins)
	// noRepeat: never repeated here once it may have reached GitHub (a
	// PUT that sends an invitation): the caller re-reads first.
	noRepeat  bool
	mu        sync.Mutex
	attempts  int  // requests sent
	maybeSent bool // an earlier attempt may have reached GitHub and taken effect
}

type callKey struct{}

func withCall(ctx context.Context, ci *callInfo) context.Context {
	return context.WithValue(ctx, callKey{}, ci)
}

func callFrom(ctx context.Context) *callInfo {
	ci, _ := ctx.Value(callKey{}).(*callInfo)
	return ci
}

// NoCacheHeader asks the cache layer (Options.Cache) to skip its stored
// copy: set on re-reads just before a write, which must be fresh.
const NoCacheHeader = "X-Permsync-No-Cache"

// maxAnswer bounds one answer's body. GitHub's largest answers here are a
// page of 100 items, a few hundred kilobytes; anything near this is not
// GitHub speaking (a spoofed answer, a 400 MB login), and reading it whole
// would cost gigabytes once decoded.
const maxAnswer = 32 << 20

// errAnswerTooLarge is what a body read past maxAnswer returns.
type errAnswerTooLarge struct{ limit int64 }

func (e errAnswerTooLarge) Error() string {
	return fmt.Sprintf("GitHub's answer is larger than %d MiB; not read further (a real answer is far smaller: is --api-url GitHub?)", e.limit>>20)
}

// wire is the bottom layer.
type wire struct {
	c    *Client
	next http.RoundTripper
	// max overrides maxAnswer (tests).
	max int64
}

// cappedBody stops an answer at a size: reads past it fail, so that the
// request fails as a whole and its decoder never holds more than the cap.
type cappedBody struct {
	io.ReadCloser
	left, limit int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the cap from a longer one.
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, errAnswerTooLarge{b.limit}
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("User-Agent", w.c.userAgent)
	r.Header.Del(NoCacheHeader)
	if a := r.Header.Get("Authorization"); a != "" {
		if _, v, ok := strings.Cut(a, " "); ok && !strings.HasPrefix(v, "eyJ") {
			registerSecret(v) // JWTs are caught by pattern; tokens by value
		}
	}
	graphql := isGraphQL(r)
	w.c.stats.requests.Add(1)
	switch {
	case graphql:
		w.c.stats.graphqlRequests.Add(1)
	case classify(r) == kindRead:
		w.c.stats.restGets.Add(1)
	default:
		w.c.stats.restMutations.Add(1)
	}
	resp, err := w.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	limit := int64(maxAnswer)
	if w.max > 0 {
		limit = w.max
	}
	if resp.ContentLength > limit {
		_ = resp.Body.Close()
		return nil, errAnswerTooLarge{limit}
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body, left: limit, limit: limit}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		w.c.stats.notModified.Add(1)
	case !graphql:
		// A REST answer other than 304 costs one primary point.
		w.c.stats.restPoints.Add(1)
	}
	return resp, nil
}

// policy is the retry and rate-limit layer.
type policy struct {
	c    *Client
	next http.RoundTripper
}

func (p *policy) RoundTrip(req *http.Request) (*http.Response, error) {
	c := p.c
	ctx := req.Context()
	kind := classify(req)
	ci := callFrom(ctx)
	if kind == kindMutation {
		done, err := p.serialize(req)
		if err != nil {
			return nil, err
		}
		defer done()
	}
	hold := &gateHold{gate: &c.gate}
	defer hold.release()
	lim := retryLimits{server: c.opts.MaxRetries, secondary: c.opts.MaxSecondaryRetries, primaryWait: c.opts.MaxRateLimitWait}
	safe := repeatable(req, kind, ci)
	var tries retryCounts
	for attempt := 1; ; attempt++ {
		// A bucket GitHub said is empty: wait for its reset, or give up.
		if reset, res := c.limits.exhaustedUntil(req, c.now()); !reset.IsZero() {
			if err := c.waitPrimary(ctx, reset, res, 0); err != nil {
				return nil, err
			}
		}
		resp, err, early := p.sendAttempt(req, kind, attempt, ci, hold)
		if early != nil {
			return nil, early
		}
		o := outcome{method: req.Method, path: req.URL.Path, safe: safe,
			attempt: attempt, tries: tries, err: err, now: c.now(), jitter: rand.Float64()}
		if err != nil {
			o.ctxErr = ctx.Err()
		} else {
			c.limits.observe(req, resp, o.now)
			o.status, o.header, o.limit = resp.StatusCode, resp.Header, classifyLimit(req, resp, o.now)
		}
		d := decide(o, lim)
		if d.maybeSent {
			ci.markMaybeSent()
		}
		if d.limited {
			c.stats.rateLimited.Add(1)
		}
		if d.act == actAnswer {
			return resp, nil
		}
		drain(resp) // before taking the gate: the body holds an in-flight slot
		switch d.act {
		case actFail:
			return nil, d.err
		case actRetry:
			tries.server++
			hold.exclusive()
		case actWaitSecondary:
			tries.secondary++
			c.limits.pause(o.now.Add(d.wait))
		case actWaitPrimary:
			tries.primary++
		}
		if err := c.await(ctx, d); err != nil {
			return nil, err
		}
	}
}

// repeatable reports whether req may be repeated after it may have reached
// GitHub: reads, GraphQL queries, token requests and idempotent writes
// can; a POST only when its caller says so; never a body that cannot be
// replayed, nor a request marked noRepeat (an invitation).
func repeatable(req *http.Request, kind reqKind, ci *callInfo) bool {
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	if !replayable || (ci != nil && ci.noRepeat) {
		return false
	}
	return kind != kindMutation || req.Method != http.MethodPost || (ci != nil && ci.retrySafe)
}

func (ci *callInfo) markMaybeSent() {
	if ci != nil {
		ci.mu.Lock()
		ci.maybeSent = true
		ci.mu.Unlock()
	}
}

func (ci *callInfo) countAttempt() {
	if ci != nil {
		ci.mu.Lock()
		ci.attempts++
		ci.mu.Unlock()
	}
}

// serialize makes mutations strictly serial and spaced, as GitHub asks:
// it returns when this one may go, with the function that ends it.
func (p *policy) serialize(req *http.Request) (done func(), err error) {
	c := p.c
	c.mutMu.Lock()
	if wait := c.lastMutation.Add(c.opts.MutationInterval).Sub(c.now()); wait > 0 && !c.lastMutation.IsZero() {
		if err := c.sleep(req.Context(), wait); err != nil {
			c.mutMu.Unlock()
			return nil, p.notSent(req, err)
		}
	}
	return func() {
		c.lastMutation = c.now()
		c.mutMu.Unlock()
	}, nil
}

// gateHold is one request's hold on the client's gate. After a 5xx or a
// network failure the request retries alone: it holds the gate
// exclusively until it is done, so that the retries of a struggling
// GitHub are not crowded by other requests (and cannot keep landing on
// the same failing slot of a busy server).
type gateHold struct {
	gate  *sync.RWMutex
	alone bool
}

func (g *gateHold) enter() {
	if !g.alone {
		g.gate.RLock()
	}
}

func (g *gateHold) leave() {
	if !g.alone {
		g.gate.RUnlock()
	}
}

func (g *gateHold) exclusive() {
	if !g.alone {
		g.gate.Lock()
		g.alone = true
	}
}

func (g *gateHold) release() {
	if g.alone {
		g.gate.Unlock()
	}
}

func pointsFor(kind reqKind) int {
	switch kind {
	case kindMutation, kindToken:
		return pointsMutation
	case kindGraphQL:
		return pointsGraphQLQuery
	}
	return pointsGet
}

// sendAttempt admits attempt n (from 1) under the pacing and sends it;
// early is a failure before anything was sent, which ends the request.
func (p *policy) sendAttempt(req *http.Request, kind reqKind, n int, ci *callInfo, hold *gateHold) (resp *http.Response, err, early error) {
	c := p.c
	tk, waited, err := c.limits.admit(req.Context(), kind == kindGraphQL, pointsFor(kind), c.now, c.sleep)
	c.noteWait(waited, false)
	if err != nil {
		return nil, nil, p.notSent(req, err)
	}
	r, err := p.attemptRequest(req, n-1)
	if err != nil {
		c.limits.done(tk, c.now())
		return nil, nil, p.notSent(req, err)
	}
	ci.countAttempt()
	hold.enter()
	resp, err = p.send(r)
	c.limits.done(tk, c.now())
	hold.leave()
	return resp, err, nil
}

// attemptRequest returns the request to send: the original the first
// time, a copy with a fresh body afterwards, with a per-attempt timeout.
func (p *policy) attemptRequest(req *http.Request, attempt int) (*http.Request, error) {
	r := req
	if attempt > 0 {
		r = req.Clone(req.Context())
		if req.GetBody != nil {
			b, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r.Body = b
		}
	}
	return r, nil
}

// send makes one attempt with the per-request timeout, holding one of the
// Client's maxInFlight slots; the timeout's cancel runs, and the slot is
// given back, when the body is closed.
func (p *policy) send(req *http.Request) (*http.Response, error) {
	select {
	case p.c.inFlight <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	release := sync.OnceFunc(func() { <-p.c.inFlight })
	ctx, cancel := context.WithTimeout(req.Context(), p.c.opts.RequestTimeout)
	resp, err := p.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		release()
		if ctx.Err() == context.DeadlineExceeded && req.Context().Err() == nil {
			return nil, fmt.Errorf("no answer within %s: %w", p.c.opts.RequestTimeout, errTimeout)
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: func() { cancel(); release() }}
	return resp, nil
}

var errTimeout = errors.New("request timed out")

type cancelBody struct {
	io.ReadCloser
	cancel func()
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// await carries out a decision's wait: logs it, counts it, sleeps.
func (c *Client) await(ctx context.Context, d decision) error {
	c.logf("%s", d.log)
	if d.act != actWaitPrimary {
		c.stats.retries.Add(1)
	}
	c.noteWait(d.wait, true)
	return c.sleep(ctx, d.wait)
}

// maxPrimaryTries bounds the waits for one request's primary limit.
const maxPrimaryTries = 5

// waitPrimary waits for an exhausted primary bucket to reset, or fails
// (primaryWait decides which).
func (c *Client) waitPrimary(ctx context.Context, reset time.Time, resource string, tries int) error {
	d := primaryWait(reset, resource, tries, c.now(), c.opts.MaxRateLimitWait)
	if d.act == actFail {
		return d.err
	}
	return c.await(ctx, d)
}

// notSent wraps a failure that happened before anything was sent.
func (p *policy) notSent(req *http.Request, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &transportError{err: err, sent: false}
}

// transportError is a request that failed without an HTTP answer.
type transportError struct {
	err   error
	sent  bool // the request may have reached GitHub
	tries int
}

func (e *transportError) Error() string {
	if e.tries > 1 {
		return fmt.Sprintf("%s (after %d attempts)", netErrText(e.err), e.tries)
	}
	return netErrText(e.err)
}

func (e *transportError) Unwrap() error { return e.err }

// netErrText describes a network failure without the request URL.
func netErrText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Err != nil {
		text := ne.Err.Error()
		if !strings.HasPrefix(text, ne.Op) {
			text = ne.Op + ": " + text
		}
		return redact(text)
	}
	return redact(err.Error())
}

// notSentErr reports whether a transport error happened before the
// request could reach GitHub (a failed dial or DNS lookup).
func notSentErr(err error) bool {
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Op == "dial" {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de)
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is 1 s, 2 s, 4 s… (capped at 30 s) with ±25 % jitter.
func backoff(n int) time.Duration { return backoffWith(n, rand.Float64()) }

// backoffWith is backoff with the jitter given, in [0, 1).
func backoffWith(n int, jitter float64) time.Duration {
	d := time.Second << (n - 1)
	if d > 30*time.Second || d <= 0 {
		d = 30 * time.Second
	}
	return time.Duration(float64(d) * (0.75 + jitter/2))
}

func drain(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
	}
}

// stats are the Client's counters.
type stats struct {
	requests, restGets, restMutations, graphqlRequests atomic.Int64
	notModified, restPoints, graphqlPoints             atomic.Int64
	retries, rateLimited, waits                        atomic.Int64
	waited                                             atomic.Int64 // nanoseconds
	paced                                              atomic.Int64 // nanoseconds spent pacing
}

// Stats count what a Client did. Requests are what went on the wire
// (retries included; cache hits that the cache answered alone are not).
type Stats struct {
	Requests        int64 // HTTP requests sent
	RESTGets        int64
	RESTMutations   int64 // REST requests other than GET (token requests included)
	GraphQLRequests int64
	NotModified     int64 // 304 answers (free for the primary limit)
	RESTPoints      int64 // primary-limit points spent on REST (answers other than 304)
	GraphQLPoints   int64 // primary-limit points spent on GraphQL (the queries' rateLimit.cost)
	Retries         int64 // requests repeated after a failure or a limit
	RateLimited     int64 // answers that said a rate limit was hit
	Waits           int64 // backoff and rate-limit waits
	Waited          time.Duration
	Paced           time.Duration // time spent holding back to stay under the secondary limits
}

// Stats returns the counters so far.
func (c *Client) Stats() Stats {
	s := &c.stats
	return Stats{
		Requests:        s.requests.Load(),
		RESTGets:        s.restGets.Load(),
		RESTMutations:   s.restMutations.Load(),
		GraphQLRequests: s.graphqlRequests.Load(),
		NotModified:     s.notModified.Load(),
		RESTPoints:      s.restPoints.Load(),
		GraphQLPoints:   s.graphqlPoints.Load(),
		Retries:         s.retries.Load(),
		RateLimited:     s.rateLimited.Load(),
		Waits:           s.waits.Load(),
		Waited:          time.Duration(s.waited.Load()),
		Paced:           time.Duration(s.paced.Load()),
	}
}

// Sub returns the difference s - o, e.g. the cost of one read.
func (s Stats) Sub(o Stats) Stats {
	return Stats{
		Requests:        s.Requests - o.Requests,
		RESTGets:        s.RESTGets - o.RESTGets,
		RESTMutations:   s.RESTMutations - o.RESTMutations,
		GraphQLRequests: s.GraphQLRequests - o.GraphQLRequests,
		NotModified:     s.NotModified - o.NotModified,
		RESTPoints:      s.RESTPoints - o.RESTPoints,
		GraphQLPoints:   s.GraphQLPoints - o.GraphQLPoints,
		Retries:         s.Retries - o.Retries,
		RateLimited:     s.RateLimited - o.RateLimited,
		Waits:           s.Waits - o.Waits,
		Waited:          s.Waited - o.Waited,
		Paced:           s.Paced - o.Paced,
	}
}

func (c *Client) noteWait(d time.Duration, counted bool) {
	if d <= 0 {
		return
	}
	if counted {
		c.stats.waits.Add(1)
		c.stats.waited.Add(int64(d))
		return
	}
	c.stats.paced.Add(int64(d))
}
