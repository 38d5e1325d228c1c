package ghsim

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Faults are injected failures and limits. Set them with SetFaults at any
// time; a zero Faults is a well-behaved GitHub.
type Faults struct {
	// Latency is added to every request, plus a uniform random Jitter.
	Latency time.Duration
	Jitter  time.Duration
	// Every SpikeEvery-th request waits SpikeLatency more.
	SpikeEvery   int
	SpikeLatency time.Duration
	// Every ServerErrorEvery-th request fails with ServerErrorStatus (502
	// by default, or 503) and a GitHub-style body.
	ServerErrorEvery  int
	ServerErrorStatus int
	// Every ResetEvery-th request has its TCP connection reset.
	ResetEvery int
	// Every SecondaryLimitEvery-th mutation (POST, PUT, PATCH, DELETE and
	// GraphQL mutations) gets a secondary rate limit answer with
	// SecondaryLimitStatus (403 by default, or 429); a Retry-After header
	// is sent when SecondaryRetryAfter > 0.
	SecondaryLimitEvery  int
	SecondaryLimitStatus int
	SecondaryRetryAfter  time.Duration
	// PrimaryLimitStatus is the status of an exhausted primary limit: 403
	// (default) or 429, both of which GitHub documents.
	PrimaryLimitStatus int
	// MaxConcurrency answers requests beyond this many in flight with a
	// secondary limit (0: no limit, or 100 with EnforceSecondaryLimits).
	MaxConcurrency int
	// EnforceSecondaryLimits turns on GitHub's documented secondary
	// limits: 100 concurrent requests, 900 REST points and 2,000 GraphQL
	// points per minute, 80 content-creating requests per minute.
	EnforceSecondaryLimits bool
	// Routes force errors on matching requests.
	Routes []RouteFault
	// GraphQL makes fields with a given alias (or name) resolve to an error.
	GraphQL []GraphQLFault
}

// RouteFault forces an error on requests whose path (without the /api/v3
// prefix) equals Path or lies under it (Path + "/..."), for Method (any
// when empty).
type RouteFault struct {
	Method  string
	Path    string
	Status  int
	Message string
	// AfterEffect: the request is carried out, then its answer is lost:
	// Status (a 502, say) is answered instead, or with Reset the
	// connection is reset — an ambiguous failure for the client.
	AfterEffect bool
	Reset       bool
	// Times limits the fault to the first Times matching requests (0:
	// every one).
	Times int
}

// GraphQLFault fails a GraphQL field: its value becomes null and an error
// of Type (e.g. "INTERNAL", "FORBIDDEN", "NOT_FOUND") is reported.
type GraphQLFault struct {
	Alias   string // response key: the alias, or the field name
	Type    string
	Message string
}

// SetFaults replaces the current faults.
func (s *Server) SetFaults(f Faults) {
	f.Routes = slices.Clone(f.Routes)
	f.GraphQL = slices.Clone(f.GraphQL)
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = f
}

// Faults returns the current faults.
func (s *Server) Faults() Faults {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.faults
}

// takeRouteFault finds the fault for a request and counts it against
// its Times; a fault whose Times are used up is removed.
func (s *Server) takeRouteFault(method, path string) *RouteFault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	rf := s.faults.routeFault(method, path)
	if rf == nil {
		return nil
	}
	out := *rf
	if rf.Times > 0 {
		rf.Times--
		if rf.Times == 0 {
			spent := *rf
			s.faults.Routes = slices.DeleteFunc(s.faults.Routes, func(x RouteFault) bool { return x == spent })
		}
	}
	return &out
}

func (f *Faults) routeFault(method, path string) *RouteFault {
	for i := range f.Routes {
		rf := &f.Routes[i]
		if rf.Method != "" && !strings.EqualFold(rf.Method, method) {
			continue
		}
		p := strings.TrimSuffix(rf.Path, "/")
		if path == p || strings.HasPrefix(path, p+"/") {
			return rf
		}
	}
	return nil
}

func (f *Faults) graphqlFault(key string) *GraphQLFault {
	for i := range f.GraphQL {
		if f.GraphQL[i].Alias == key {
			return &f.GraphQL[i]
		}
	}
	return nil
}

func every(n int, seq int64) bool { return n > 0 && seq%int64(n) == 0 }

// delay sleeps for the configured latency, honouring cancellation, or
// hands it to wait (WithLatencyWait).
func delay(r *http.Request, f *Faults, seq int64, wait func(*http.Request, time.Duration)) {
	d := f.Latency
	if f.Jitter > 0 {
		d += time.Duration(rand.Int64N(int64(f.Jitter)))
	}
	if every(f.SpikeEvery, seq) {
		d += f.SpikeLatency
	}
	if d <= 0 {
		return
	}
	if wait != nil {
		wait(r, d)
		return
	}
	// net/http cancels r.Context when the client hangs up only once the
	// body has been read: read it now (kept for the handler), or a client
	// that gives up on a slow POST leaves this handler waiting out d.
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxDelayedBody))
		var rest io.Reader = r.Body // a body over the bound continues from the connection
		if err != nil {
			rest = errReader{err}
		}
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b), rest), r.Body}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// maxDelayedBody bounds what delay reads ahead; the rest is left to the
// handler, which refuses bodies this large anyway.
const maxDelayedBody = 32 << 20

// errReader ends a read-ahead body with the error the read met.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// resetConn closes the client's connection with a TCP RST.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// DeleteRepo removes a repository at once, e.g. in the middle of a run.
func (s *Server) DeleteRepo(org, name string) {
	defer s.lock()()
	s.st.mustRepo(org, name).deleteFromState(s.st)
}

// SetRateLimitRemaining sets what is left of an installation's primary
// limit for resource "core" or "graphql" (e.g. 0 to exhaust it).
func (s *Server) SetRateLimitRemaining(installationID int64, resource string, remaining int) {
	key := "inst:" + itoa(installationID)
	s.limits.setRemaining(key, resource, s.instLimit(installationID, resource), remaining)
}

// SetUserRateLimitRemaining does the same for a user's tokens.
func (s *Server) SetUserRateLimitRemaining(login string, resource string, remaining int) {
	unlock := s.rlock()
	u := s.st.mustUser(login)
	unlock()
	s.limits.setRemaining("user:"+itoa(u.id), resource, s.limitFor(identUser, resource), remaining)
}

// RateLimit reports an installation's primary bucket.
func (s *Server) RateLimit(installationID int64, resource string) RateSnapshot {
	return s.limits.peek("inst:"+itoa(installationID), resource, s.instLimit(installationID, resource))
}

// limitOf is the caller's primary limit. With WithScaledInstallationLimits
// an installation gets GitHub's documented scaling: +50 an hour per
// repository and per org member beyond 20, at most 12,500. Called with the
// state lock held.
func (s *Server) limitOf(id *identity, resource string) int {
	base := s.limitFor(id.kind, resource)
	if !s.opts.scaleLimits || id.kind != identInstallation {
		return base
	}
	in := id.tok.inst
	repos := len(in.org.repos)
	if in.selection == "selected" {
		repos = len(in.repos)
	}
	extra := 50*max(repos-20, 0) + 50*max(len(in.org.members)-20, 0)
	return min(base+extra, max(base, 12500))
}

func (s *Server) instLimit(installationID int64, resource string) int {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	in := s.st.installs[installationID]
	if in == nil {
		return s.limitFor(identInstallation, resource)
	}
	return s.limitOf(&identity{kind: identInstallation, tok: &token{inst: in}}, resource)
}

func (s *Server) limitFor(k identKind, resource string) int {
	if resource == "graphql" {
		return s.opts.graphqlLimit
	}
	if k == identAnonymous {
		return 60
	}
	return s.opts.coreLimit
}
