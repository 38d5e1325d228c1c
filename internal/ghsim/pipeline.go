package ghsim

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

const (
	secondaryDoc = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	primaryDoc   = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
	secondaryMsg = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID %s."
)

// handle wraps a route with everything GitHub does around an endpoint:
// faults, authentication, secondary and primary limits, App permissions,
// conditional requests and statistics.
func (s *Server) handle(rt *route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		seq := s.reqSeq.Add(1)
		inflight := s.inFlite.Add(1)
		defer s.inFlite.Add(-1)
		mutation := rt.method != http.MethodGet && rt.method != http.MethodHead
		s.stats.update(func(st *Stats) {
			st.Requests++
			st.ByRoute[rt.key()]++
			st.MaxInFlight = max(st.MaxInFlight, inflight)
		})
		status := 0
		defer func() {
			s.stats.update(func(st *Stats) { st.ByStatus[status]++ })
			if lw := s.opts.requestLog; lw != nil {
				// Method, path and status only: never headers or query strings.
				line := fmt.Sprintf("ghsim: %s %s%s %d %s\n", r.Method, prefixOf(r), r.URL.Path, status, time.Since(start).Round(time.Microsecond))
				s.logMu.Lock()
				_, _ = io.WriteString(lw, line)
				s.logMu.Unlock()
			}
		}()

		f := s.Faults()
		reqID := fmt.Sprintf("%04X:%06X:%X", seq%0xFFFF, seq, start.UnixNano()&0xFFFFFF)
		w.Header().Set("X-GitHub-Request-Id", reqID)
		w.Header().Set("X-GitHub-Media-Type", "github.v3; format=json")
		w.Header().Set("X-GitHub-Api-Version-Selected", "2022-11-28")

		// injected answers a fault: code and body, or a reset connection.
		injected := func(code int, body []byte) {
			s.stats.update(func(st *Stats) { st.InjectedFaults++ })
			status = code
			if body == nil {
				resetConn(w)
				return
			}
			writeRaw(w, code, body)
		}
		if every(f.ResetEvery, seq) {
			injected(0, nil)
			return
		}
		delay(r, &f, seq, s.opts.latency)
		if every(f.ServerErrorEvery, seq) {
			code := cmp.Or(f.ServerErrorStatus, http.StatusBadGateway)
			injected(code, serverErrorBody(code))
			return
		}
		rf := s.takeRouteFault(r.Method, r.URL.Path)
		if rf != nil && !rf.AfterEffect {
			code := cmp.Or(rf.Status, http.StatusInternalServerError)
			msg := cmp.Or(rf.Message, http.StatusText(code))
			injected(code, mustJSON(map[string]any{"message": msg, "documentation_url": docBase, "status": strconv.Itoa(code)}))
			return
		}
		c := &ctx{s: s, st: s.st, r: r, rt: rt, prefix: prefixOf(r), header: w.Header(), now: s.clock.Now(), perm: permHeader(rt.perm, rt.level)}
		if rf != nil { // carried out, then its answer is lost
			s.serve(c, mutation, inflight, reqID, &f)
			if rf.Reset {
				injected(0, nil)
				return
			}
			code := cmp.Or(rf.Status, http.StatusBadGateway)
			injected(code, serverErrorBody(code))
			return
		}
		rs, cost := s.serve(c, mutation, inflight, reqID, &f)
		// The response is written after the state lock is released.
		status = s.finish(w, c, rs, cost)
	}
}

// serve runs the request under the state lock (shared for reads) and
// returns the rate bucket and cost for finish.
func (s *Server) serve(c *ctx, mutation bool, inflight int64, reqID string, f *Faults) (*RateSnapshot, int) {
	rt := c.rt
	if rt.write {
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
	} else {
		s.st.mu.RLock()
		defer s.st.mu.RUnlock()
	}
	id, aerr := s.authenticate(c.r, rt.auth)
	if aerr != nil {
		c.fail(http.StatusUnauthorized, aerr.msg, docBase)
		return nil, 0
	}
	c.id = id
	if rt.graphql {
		// GraphQL does its own limits once it knows the query's cost.
		rt.h(c)
		return c.rate, 0
	}
	// Secondary limits come first: GitHub refuses before doing work.
	if st, retry, limited := s.secondary(id, rt.method, mutation, rt.creates, inflight, "core", f); limited {
		c.secondaryLimited(st, retry, reqID)
		return nil, 0
	}
	limit := s.limitOf(id, "core")
	cost := 1
	if rt.auth == authAny {
		cost = 0 // GET /rate_limit is free, as GitHub documents.
	}
	rs, ok := s.limits.take(id.key, "core", limit, cost)
	if !ok {
		c.primaryLimited(id, rs, f)
		return &rs, 0
	}
	if s.authorize(c) {
		rt.h(c)
	}
	return &rs, cost
}

// secondary applies injected and documented secondary limits.
func (s *Server) secondary(id *identity, method string, mutation, creates bool, inflight int64, resource string, f *Faults) (int, int, bool) {
	status := cmp.Or(f.SecondaryLimitStatus, http.StatusForbidden)
	if mutation && f.SecondaryLimitEvery > 0 {
		n := s.mutSeq.Add(1)
		if every(f.SecondaryLimitEvery, n) {
			return status, int(f.SecondaryRetryAfter / time.Second), true
		}
	}
	maxConc := int64(f.MaxConcurrency)
	if maxConc == 0 && f.EnforceSecondaryLimits {
		maxConc = 100
	}
	if maxConc > 0 && inflight > maxConc {
		return status, 60, true
	}
	pts := 1 // a mutation costs 5 secondary points, REST or GraphQL
	if mutation {
		pts = 5
	}
	maxPts := 900
	if resource == "graphql" {
		maxPts = 2000
	}
	total, retry, ok := s.limits.spend(s.limits.points, id.key+"|"+resource, pts, maxPts, f.EnforceSecondaryLimits)
	s.stats.update(func(st *Stats) { st.PeakPointsPerMinute = max(st.PeakPointsPerMinute, int64(total)) })
	if !ok {
		return status, retry, true
	}
	if creates {
		if _, retry, ok := s.limits.spend(s.limits.creates, id.key, 1, 80, f.EnforceSecondaryLimits); !ok {
			return status, retry, true
		}
	}
	return 0, 0, false
}

func (c *ctx) secondaryLimited(status, retry int, reqID string) {
	c.s.stats.update(func(st *Stats) { st.SecondaryLimited++ })
	if retry > 0 {
		c.header.Set("Retry-After", strconv.Itoa(retry))
	}
	c.fail(status, fmt.Sprintf(secondaryMsg, reqID), secondaryDoc)
}

func (c *ctx) primaryLimited(id *identity, rs RateSnapshot, f *Faults) {
	c.s.stats.update(func(st *Stats) { st.PrimaryLimited++ })
	status := cmp.Or(f.PrimaryLimitStatus, http.StatusForbidden)
	c.fail(status, fmt.Sprintf("API rate limit exceeded for %s. If you reach out to GitHub Support for help, please include the request ID %s and timestamp %s.",
		id.subject, c.header.Get("X-GitHub-Request-Id"), c.now.UTC().Format("2006-01-02 15:04:05 UTC")), primaryDoc)
}

func permHeader(perm, level string) string {
	if perm == "" {
		return ""
	}
	return perm + "=" + level
}

// authorize enforces the App permission an endpoint needs.
func (s *Server) authorize(c *ctx) bool {
	id, rt := c.id, c.rt
	switch rt.auth {
	case authJWT:
		if id.kind != identApp {
			c.fail(http.StatusUnauthorized, "A JSON web token could not be decoded", docBase)
			return false
		}
		return true
	case authAny:
		return true
	}
	switch id.kind {
	case identApp:
		c.fail(http.StatusUnauthorized, "A JSON web token could not be decoded", docBase)
		return false
	case identInstallation:
		if !id.tok.perms.allows(rt.perm, rt.level) {
			c.fail(http.StatusForbidden, "Resource not accessible by integration", docBase)
			return false
		}
	case identAnonymous:
		if rt.write || (rt.perm != "" && rt.perm != "metadata") {
			c.fail(http.StatusUnauthorized, "Requires authentication", docBase)
			return false
		}
	}
	return true
}

// finish completes a buffered response: conditional GET, rate headers,
// stats. It returns the status written.
func (s *Server) finish(w http.ResponseWriter, c *ctx, rs *RateSnapshot, cost int) int {
	status := cmp.Or(c.status, http.StatusOK)
	h := w.Header()
	if c.perm != "" {
		h.Set("X-Accepted-GitHub-Permissions", c.perm)
	}
	body := c.body.Bytes()
	if c.r.Method == http.MethodGet && status == http.StatusOK {
		etag := etagFor(c.r, body)
		h.Set("ETag", etag)
		h.Set("Cache-Control", "private, max-age=60, s-maxage=60")
		h.Add("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
		if etagMatches(c.r.Header.Get("If-None-Match"), etag) {
			// A 304 is free on the primary limit.
			status = http.StatusNotModified
			body = nil
			if rs != nil && cost > 0 {
				r2 := s.limits.refund(c.id.key, rs.Resource, rs.Limit, cost)
				rs = &r2
				cost = 0
			}
			s.stats.update(func(st *Stats) { st.NotModified++ })
			h.Del("Content-Type")
		}
	}
	if rs != nil {
		h.Set("X-RateLimit-Limit", strconv.Itoa(rs.Limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(rs.Remaining))
		h.Set("X-RateLimit-Used", strconv.Itoa(rs.Used))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(rs.Reset.Unix(), 10))
		h.Set("X-RateLimit-Resource", rs.Resource)
	}
	if cost > 0 {
		s.stats.update(func(st *Stats) { st.PrimaryCost += int64(cost) })
	}
	if status == http.StatusNoContent || status == http.StatusNotModified {
		body = nil
	}
	if body != nil {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if len(body) > 0 {
		_, _ = w.Write(body)
	}
	return status
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func serverErrorBody(code int) []byte {
	msg := "Server Error"
	if code == http.StatusServiceUnavailable {
		msg = "Service Unavailable"
	}
	return mustJSON(map[string]any{"message": msg, "documentation_url": docBase, "status": strconv.Itoa(code)})
}
