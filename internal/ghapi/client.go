package ghapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/buildinfo"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// DefaultAPIURL is api.github.com's REST base.
const DefaultAPIURL = "https://api.github.com/"

// Options configure a Client. Zero values take the defaults given.
type Options struct {
	// APIURL is the REST base: https://api.github.com/ (default) or, for
	// GitHub Enterprise Server, https://HOST/api/v3/. The GraphQL endpoint
	// is derived from it (https://api.github.com/graphql,
	// https://HOST/api/graphql) unless GraphQLURL is set.
	APIURL     string
	GraphQLURL string

	Credentials Credentials

	// Transport is the base HTTP transport (default: a net/http transport
	// with connection timeouts). Tests and the demo pass their own.
	Transport http.RoundTripper
	// Cache, when set, wraps the transport below authentication and
	// retries, e.g. the conditional-request cache of internal/httpcache.
	// It sees the final Authorization header; requests that must be fresh
	// carry NoCacheHeader.
	Cache func(next http.RoundTripper) http.RoundTripper

	// Permissions and Repositories narrow each installation token (GitHub
	// App only), e.g. {"administration": "read", "members": "read",
	// "metadata": "read"}. Repositories are names, or "org/name" to apply
	// to one org only; nil means every repository of the installation.
	Permissions  map[string]string
	Repositories []string

	// ReadConcurrency is the number of concurrent reads in ReadOrg
	// (default 4, at most 100: GitHub's limit of concurrent requests, which
	// a Client never passes in any case).
	ReadConcurrency int
	// MutationInterval is the least time between two writes (default 1 s;
	// negative: none). Writes are always serial.
	MutationInterval time.Duration
	// Per-minute budgets for GitHub's secondary limits (defaults 900 and
	// 2,000, GitHub's documented values; negative: no pacing). The pacer
	// uses 90 % of them, in a sliding window where a request counts until
	// a minute after its answer: a small run goes at full speed, a large
	// one at the limit. When the RoundTripper made by Cache is also a
	// PaceStore, runs one after another on the same machine share it.
	RESTPointsPerMinute    int
	GraphQLPointsPerMinute int
	// MaxRateLimitWait is the longest wait for an exhausted primary rate
	// limit to reset (default 15 min); beyond it the call fails and says
	// when the limit resets.
	MaxRateLimitWait time.Duration
	// RequestTimeout bounds each HTTP request (default 60 s).
	RequestTimeout time.Duration
	// MaxRetries is the number of retries after a 5xx or a network error
	// (default 4); MaxSecondaryRetries after secondary rate limits (default 3).
	MaxRetries          int
	MaxSecondaryRetries int

	// Progress, when set, hears about long reads; it is called by one
	// goroutine at a time.
	Progress func(Progress)
	// Logf, when set, hears about retries, waits and fallbacks. Messages
	// never hold a secret.
	Logf func(format string, args ...any)
	// Now and Sleep replace the clock (tests; default time.Now and a
	// context-aware sleep).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Progress reports how far a read is.
type Progress struct {
	Org   string
	Phase string // "repositories", "invitations", "rulesets", …
	Done  int
	Total int // 0 when not known yet
}

// Client talks to one GitHub (api.github.com or one Enterprise Server) with
// one set of credentials, for any number of orgs. It is safe for
// concurrent use.
type Client struct {
	opts       Options
	apiURL     *url.URL
	graphqlURL string
	userAgent  string

	stats  stats
	limits *limiter
	schema schemaAdapter // GraphQL fields this server lacks

	inFlight     chan struct{} // a slot per request in flight (at most maxInFlight)
	gate         sync.RWMutex  // attempts share it; a retrying request holds it alone
	mutMu        sync.Mutex
	progressMu   sync.Mutex
	lastMutation time.Time

	// policyRT is everything below authentication.
	policyRT http.RoundTripper
	auth     *authenticator

	// members are the org members the last read of each org saw (lower-
	// case org → lower-case logins): GitHub sends them no invitation, so
	// a PUT collaborator to one may be repeated like any idempotent write.
	membersMu sync.Mutex
	members   map[string]map[string]bool
}

// rememberMembers keeps an org's members from a read.
func (c *Client) rememberMembers(o *state.Org) {
	set := map[string]bool{}
	for _, m := range o.Members {
		set[strings.ToLower(m)] = true
	}
	c.membersMu.Lock()
	defer c.membersMu.Unlock()
	if c.members == nil {
		c.members = map[string]map[string]bool{}
	}
	c.members[strings.ToLower(o.Name)] = set
}

// knownMember: the last read of org saw login among its members.
func (c *Client) knownMember(org, login string) bool {
	c.membersMu.Lock()
	defer c.membersMu.Unlock()
	return c.members[strings.ToLower(org)][strings.ToLower(login)]
}

// New returns a Client. It sends nothing: credentials are checked by the
// first call that needs them.
func New(ctx context.Context, opts Options) (*Client, error) {
	_ = ctx
	if opts.Credentials.IsZero() {
		return nil, &Error{Kind: KindConfig, Message: fmt.Sprintf("no GitHub credentials: set %s and %s (or %s) for a GitHub App, or %s",
			EnvAppID, EnvPrivateKey, EnvPrivateKeyFile, EnvToken)}
	}
	api, gql, err := endpoints(opts.APIURL, opts.GraphQLURL)
	if err != nil {
		return nil, err
	}
	setDefaults(&opts)
	c := &Client{
		opts:       opts,
		apiURL:     api,
		graphqlURL: gql,
		userAgent:  buildinfo.UserAgent(),
		limits:     newLimiter(opts.RESTPointsPerMinute, opts.GraphQLPointsPerMinute),
		inFlight:   make(chan struct{}, maxInFlight),
	}
	base := opts.Transport
	if base == nil {
		base = defaultTransport()
	}
	var below http.RoundTripper = &wire{c: c, next: base}
	if opts.Cache != nil {
		below = opts.Cache(below)
		if ps, ok := below.(PaceStore); ok {
			c.limits.share(ps, api.Host+api.Path, opts.Now())
		}
	}
	c.policyRT = &policy{c: c, next: below}
	c.auth, err = newAuthenticator(c)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func setDefaults(o *Options) {
	if o.ReadConcurrency <= 0 {
		o.ReadConcurrency = 4
	}
	o.ReadConcurrency = min(o.ReadConcurrency, maxInFlight)
	switch {
	case o.MutationInterval == 0:
		o.MutationInterval = time.Second
	case o.MutationInterval < 0:
		o.MutationInterval = 0
	}
	switch {
	case o.RESTPointsPerMinute == 0:
		o.RESTPointsPerMinute = 900
	case o.RESTPointsPerMinute < 0:
		o.RESTPointsPerMinute = 0
	}
	switch {
	case o.GraphQLPointsPerMinute == 0:
		o.GraphQLPointsPerMinute = 2000
	case o.GraphQLPointsPerMinute < 0:
		o.GraphQLPointsPerMinute = 0
	}
	if o.MaxRateLimitWait <= 0 {
		o.MaxRateLimitWait = 15 * time.Minute
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 60 * time.Second
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 4
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.MaxSecondaryRetries == 0 {
		o.MaxSecondaryRetries = 3
	} else if o.MaxSecondaryRetries < 0 {
		o.MaxSecondaryRetries = 0
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func defaultTransport() http.RoundTripper {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// endpoints derives the REST base (with its trailing slash) and the
// GraphQL URL: api.github.com → https://api.github.com/graphql; a GitHub
// Enterprise Server base https://HOST/api/v3/ → https://HOST/api/graphql;
// any other base B → B + "graphql".
func endpoints(apiURL, graphqlURL string) (*url.URL, string, error) {
	if strings.TrimSpace(apiURL) == "" {
		apiURL = DefaultAPIURL
	}
	u, err := url.Parse(strings.TrimSpace(apiURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", &Error{Kind: KindConfig, Message: fmt.Sprintf("the API URL %q is not an http(s) URL (e.g. https://api.github.com/ or https://HOST/api/v3/)", redactURL(apiURL))}
	}
	if u.User != nil {
		return nil, "", &Error{Kind: KindConfig, Message: "the API URL must not hold credentials"}
	}
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	if graphqlURL != "" {
		g, err := url.Parse(graphqlURL)
		if err != nil || g.Host == "" {
			return nil, "", &Error{Kind: KindConfig, Message: fmt.Sprintf("the GraphQL URL %q is not a URL", redactURL(graphqlURL))}
		}
		return u, g.String(), nil
	}
	g := *u
	switch {
	case strings.HasSuffix(u.Path, "/api/v3/"):
		g.Path = strings.TrimSuffix(u.Path, "v3/") + "graphql"
	default:
		g.Path = u.Path + "graphql"
	}
	g.RawPath = ""
	return u, g.String(), nil
}

func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User("REDACTED")
		return u.String()
	}
	return redact(s)
}

func (c *Client) now() time.Time { return c.opts.Now() }

func (c *Client) sleep(ctx context.Context, d time.Duration) error { return c.opts.Sleep(ctx, d) }

func (c *Client) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf("%s", redact(fmt.Sprintf(format, args...)))
	}
}

func (c *Client) progress(p Progress) {
	if c.opts.Progress != nil {
		c.progressMu.Lock()
		defer c.progressMu.Unlock()
		c.opts.Progress(p)
	}
}

// String describes the client without its secrets (a %+v of the struct
// would reach the token).
func (c *Client) String() string {
	return "ghapi.Client{" + c.apiURL.String() + ", " + c.opts.Credentials.String() + "}"
}

// GoString does the same for %#v.
func (c *Client) GoString() string { return c.String() }

// APIURL is the REST base in use; GraphQLURL the GraphQL endpoint.
func (c *Client) APIURL() string     { return c.apiURL.String() }
func (c *Client) GraphQLURL() string { return c.graphqlURL }
