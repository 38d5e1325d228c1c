package ghsim

import (
	"cmp"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

// Server is a running simulated GitHub. All methods are safe for concurrent
// use, including while requests are being served.
type Server struct {
	st    *state
	clock *Clock
	srv   *http.Server
	ln    net.Listener
	base  string // http://host:port
	mux   *http.ServeMux
	opts  options

	schema  *ast.Schema
	reduced *ast.Schema // Fidelity.ReducedSchema
	fid     Fidelity

	logMu     sync.Mutex
	closeOnce sync.Once
	faultMu   sync.Mutex
	faults    Faults

	stats   *statsCollector
	limits  *limiter
	reqSeq  atomic.Int64
	mutSeq  atomic.Int64
	inFlite atomic.Int64
}

type options struct {
	addr         string
	coreLimit    int
	graphqlLimit int
	requestLog   io.Writer
	clock        *Clock
	faults       Faults
	scaleLimits  bool
	fidelity     Fidelity
	latency      func(*http.Request, time.Duration)
}

// Option configures NewServer.
type Option func(*options)

// WithAddr listens on addr (e.g. "127.0.0.1:8080") instead of a random
// loopback port.
func WithAddr(addr string) Option { return func(o *options) { o.addr = addr } }

// WithRateLimit sets the primary rate limit per hour of each installation
// and user token for the REST (core) resource. Default 5,000.
func WithRateLimit(n int) Option { return func(o *options) { o.coreLimit = n } }

// WithGraphQLRateLimit sets the primary GraphQL points per hour. Default 5,000.
func WithGraphQLRateLimit(n int) Option { return func(o *options) { o.graphqlLimit = n } }

// WithScaledInstallationLimits applies GitHub's documented scaling of an
// installation's primary limits (+50 an hour per repository and per org
// member beyond 20, capped at 12,500) on top of WithRateLimit's base.
func WithScaledInstallationLimits() Option { return func(o *options) { o.scaleLimits = true } }

// WithRequestLog writes one line per request (method, path, status,
// duration) to w. Headers, and so tokens, are never logged.
func WithRequestLog(w io.Writer) Option { return func(o *options) { o.requestLog = w } }

// WithClock makes the server use c (e.g. one shared with the code under test).
func WithClock(c *Clock) Option { return func(o *options) { o.clock = c } }

// WithLatencyWait replaces the real wait of injected latency (Faults
// Latency, Jitter, SpikeLatency) by wait, which is given the request and
// the latency drawn: tests of the latency itself see it without a timer.
func WithLatencyWait(wait func(r *http.Request, d time.Duration)) Option {
	return func(o *options) { o.latency = wait }
}

// WithFaults starts the server with faults already set.
func WithFaults(f Faults) Option { return func(o *options) { o.faults = f } }

// NewServer starts a simulator on a loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	o := options{coreLimit: 5000, graphqlLimit: 5000, addr: "127.0.0.1:0"}
	for _, f := range opts {
		f(&o)
	}
	if o.clock == nil {
		o.clock = &Clock{}
	}
	s := &Server{
		st:     newState(),
		clock:  o.clock,
		opts:   o,
		faults: o.faults,
		fid:    o.fidelity,
		stats:  newStatsCollector(),
	}
	s.limits = newLimiter(s.clock)
	s.schema = mustLoadSchema()
	s.reduced = mustLoadReducedSchema()
	s.mux = http.NewServeMux()
	s.registerRoutes()
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		panic(fmt.Sprintf("ghsim: listen on %s: %v", o.addr, err))
	}
	// A plain http.Server, not httptest's: the simulator ships in the
	// binary (demo, ghsim) and must not link the testing packages.
	s.ln, s.base = l, "http://"+l.Addr().String()
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: time.Minute}
	go func() { _ = s.srv.Serve(l) }()
	return s
}

// Close stops the server; calling it again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		// Close, not Shutdown: a test or demo ending must not wait for a
		// client that holds a connection open.
		_ = s.srv.Close()
	})
}

// URL is the REST base URL with the GitHub Enterprise Server prefix, e.g.
// "http://127.0.0.1:PORT/api/v3/". The same API is also served at the root.
func (s *Server) URL() string { return s.base + "/api/v3/" }

// RootURL is the REST base URL without a prefix, as on api.github.com.
func (s *Server) RootURL() string { return s.base + "/" }

// GraphQLURL is the GraphQL endpoint matching URL() ("/api/graphql");
// "/graphql" is served too.
func (s *Server) GraphQLURL() string { return s.base + "/api/graphql" }

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Client returns an HTTP client for the server (plain transport, no auth).
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}

// Clock returns the simulator clock.
func (s *Server) Clock() *Clock { return s.clock }

// Now is the simulator time.
func (s *Server) Now() time.Time { return s.clock.Now() }

// SetNow moves the simulator clock to t.
func (s *Server) SetNow(t time.Time) { s.clock.SetNow(t) }

// Advance moves the simulator clock forward by d.
func (s *Server) Advance(d time.Duration) { s.clock.Advance(d) }

// serveHTTP strips the Enterprise prefix and dispatches. Everything under
// /_ghsim/ is the simulator's own admin surface, not GitHub's API.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_ghsim/") {
		s.serveAdmin(w, r)
		return
	}
	prefix := ""
	if r.URL.Path == "/api/v3" || strings.HasPrefix(r.URL.Path, "/api/v3/") {
		prefix = "/api/v3"
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
		r2.URL.Path = cmp.Or(r2.URL.Path, "/")
		if r.URL.RawPath != "" {
			r2.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, prefix)
		}
		r = r2
	}
	if r.URL.Path == "/api/graphql" {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/graphql"
		r2.URL.RawPath = ""
		r = r2
	}
	r = r.WithContext(withPrefix(r.Context(), prefix))
	s.mux.ServeHTTP(w, r)
}
