package ghapi

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	jwt "github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v58/github"
	gh88 "github.com/google/go-github/v88/github"
)

// Two go-github majors meet here. Every REST call goes through v58 (the
// version permsync is written and tested against); ghinstallation pins its
// own major (v2.9 uses v57, v2.10 v60, v2.19 v88: none uses v58), and its
// InstallationTokenOptions is typed in that major, so the token narrowing
// below builds gh88 values and nothing else does. Both stay confined to
// this package (elsewhere only ghsim's client tests import go-github), so
// moving to one major is a change here alone.

// authenticator hands out a connection per org: with a token, one shared
// connection; with a GitHub App, one installation connection per org,
// made on first use, whose token is narrowed to Options.Permissions and
// Options.Repositories.
type authenticator struct {
	c     *Client
	creds Credentials

	token *conn // token credentials

	appConn *conn // requests made as the App itself (JWT)

	mu    sync.Mutex
	orgs  map[string]*orgEntry
	bound string // with a fixed installation id: the one org it serves
}

type orgEntry struct {
	mu sync.Mutex
	cn *conn
}

// connKind says how a conn authenticates.
type connKind int

const (
	connToken connKind = iota
	connApp
	connInstallation
)

// conn is one authenticated route to GitHub.
type conn struct {
	c      *Client
	kind   connKind
	org    string // empty for the token and the App JWT connections
	instID int64
	http   *http.Client
	rest   *github.Client
	// installation transport, replaced when GitHub rejects its token
	mu  sync.Mutex
	itr *ghinstallation.Transport
	// wide: GitHub refused a token narrowed to the run's repositories (one
	// of them does not exist or is not in the installation), so the token
	// is narrowed to the permissions only.
	wide bool
}

func newAuthenticator(c *Client) (*authenticator, error) {
	a := &authenticator{c: c, creds: c.opts.Credentials, orgs: map[string]*orgEntry{}}
	warnPlainHTTP(c)
	if !a.creds.IsApp() {
		registerSecret(a.creds.token)
		a.token = a.newConn("", &tokenAuth{token: a.creds.token, next: c.policyRT})
		a.token.kind = connToken
		return a, nil
	}
	atr, err := a.newAppsTransport()
	if err != nil {
		return nil, err
	}
	a.appConn = a.newConn("", atr)
	a.appConn.kind = connApp
	return a, nil
}

// newAppsTransport makes a JWT transport. Each installation transport
// gets its own: ghinstallation writes to it when refreshing a token.
func (a *authenticator) newAppsTransport() (*ghinstallation.AppsTransport, error) {
	atr, err := ghinstallation.NewAppsTransportWithOptions(a.c.policyRT, a.creds.AppID,
		ghinstallation.WithSigner(&clockSigner{key: a.creds.key, appID: a.creds.AppID, now: a.c.now}))
	if err != nil {
		return nil, &Error{Kind: KindConfig, Message: "cannot set up GitHub App authentication"}
	}
	atr.BaseURL = strings.TrimSuffix(a.c.apiURL.String(), "/")
	return atr, nil
}

func (a *authenticator) newConn(org string, rt http.RoundTripper) *conn {
	hc := &http.Client{Transport: rt, CheckRedirect: sameHostRedirect}
	gc := github.NewClient(hc)
	gc.BaseURL = a.c.apiURL
	gc.UserAgent = a.c.userAgent
	return &conn{c: a.c, org: org, http: hc, rest: gc}
}

// sameHostRedirect follows redirects (a renamed repository answers 301)
// only on the API host and never from https to http: authentication is
// added by the transport to every request, the redirected one included,
// so a redirect it followed elsewhere would carry the token there. A
// redirect to another host is not followed (the caller sees GitHub's
// 3xx); one to plain http is refused outright.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	first := via[0].URL
	if first.Scheme == "https" && req.URL.Scheme != "https" {
		return &Error{Kind: KindNetwork, NotApplied: true,
			Message: fmt.Sprintf("the answer redirected from https to %s://%s; not followed, so that no credential is sent unencrypted", req.URL.Scheme, req.URL.Host),
			Hint:    "check --api-url and any proxy between this machine and GitHub"}
	}
	if req.URL.Host != first.Host {
		return http.ErrUseLastResponse
	}
	return nil
}

// warnPlainHTTP says once per client when credentials will travel
// unencrypted: an http API URL is only reasonable on this machine (a
// simulator, a local proxy).
func warnPlainHTTP(c *Client) {
	u := c.apiURL
	if u.Scheme != "http" || isLoopback(u.Hostname()) {
		return
	}
	c.logf("warning: --api-url %s is plain http: the credentials and GitHub's answers travel unencrypted; use https", u.Scheme+"://"+u.Host)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tokenAuth adds a token.
type tokenAuth struct {
	token string
	next  http.RoundTripper
}

func (t *tokenAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}

// clockSigner signs App JWTs with the Client's clock (ghinstallation's
// own claims use the wall clock), backdated 60 s against clock drift and
// valid 9 minutes, within GitHub's 10-minute maximum.
type clockSigner struct {
	key   *rsa.PrivateKey
	appID int64
	now   func() time.Time
}

func (s *clockSigner) Sign(jwt.Claims) (string, error) {
	iat := s.now().Add(-60 * time.Second).Truncate(time.Second)
	claims := &jwt.RegisteredClaims{
		IssuedAt:  jwt.NewNumericDate(iat),
		ExpiresAt: jwt.NewNumericDate(iat.Add(9 * time.Minute)),
		Issuer:    strconv.FormatInt(s.appID, 10),
	}
	return jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(s.key)
}

// conn returns the connection for org.
func (a *authenticator) conn(ctx context.Context, org string) (*conn, error) {
	if a.token != nil {
		return a.token, nil
	}
	key := strings.ToLower(org)
	a.mu.Lock()
	if a.creds.InstallationID != 0 {
		if a.bound == "" {
			a.bound = key
		} else if a.bound != key {
			a.mu.Unlock()
			return nil, &Error{Kind: KindConfig, Message: fmt.Sprintf("%s is set, so only one org can be used (this run already used %s, not %s); unset it to look up each org's installation",
				EnvInstallationID, a.bound, org)}
		}
	}
	e := a.orgs[key]
	if e == nil {
		e = &orgEntry{}
		a.orgs[key] = e
	}
	a.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cn != nil {
		return e.cn, nil
	}
	instID := a.creds.InstallationID
	if instID == 0 {
		inst, err := a.findInstallation(ctx, org)
		if err != nil {
			return nil, err
		}
		instID = inst.ID
	}
	cn := &conn{c: a.c, kind: connInstallation, org: org, instID: instID}
	itr, err := a.newInstallationTransport(org, instID, false)
	if err != nil {
		return nil, err
	}
	cn.itr = itr
	hc := &http.Client{Transport: &installAuth{a: a, cn: cn}, CheckRedirect: sameHostRedirect}
	gc := github.NewClient(hc)
	gc.BaseURL = a.c.apiURL
	gc.UserAgent = a.c.userAgent
	cn.http, cn.rest = hc, gc
	e.cn = cn
	return cn, nil
}

func (a *authenticator) newInstallationTransport(org string, instID int64, wide bool) (*ghinstallation.Transport, error) {
	atr, err := a.newAppsTransport()
	if err != nil {
		return nil, err
	}
	itr := ghinstallation.NewFromAppsTransport(atr, instID)
	itr.BaseURL = atr.BaseURL
	itr.InstallationTokenOptions = a.tokenOptions(org, wide)
	return itr, nil
}

// tokenOptions narrows an installation token for org: to the run's
// permissions and, unless wide, to its repositories.
func (a *authenticator) tokenOptions(org string, wide bool) *gh88.InstallationTokenOptions {
	opts := &gh88.InstallationTokenOptions{}
	for _, r := range a.c.opts.Repositories {
		if wide {
			break
		}
		if o, name, ok := strings.Cut(r, "/"); ok {
			if strings.EqualFold(o, org) {
				opts.Repositories = append(opts.Repositories, name)
			}
			continue
		}
		opts.Repositories = append(opts.Repositories, r)
	}
	if len(opts.Repositories) > 500 {
		// GitHub takes at most 500 repositories; a wider token is the
		// honest fallback.
		a.c.logf("ghapi: %d repositories are more than an installation token can be narrowed to (500); the token for %s covers the whole installation", len(opts.Repositories), org)
		opts.Repositories = nil
	}
	if len(a.c.opts.Permissions) > 0 {
		perms, _ := permissionsFor(a.c.opts.Permissions)
		opts.Permissions = perms
	}
	if opts.Permissions == nil && opts.Repositories == nil {
		return nil
	}
	return opts
}

// permissionsFor converts a permission map into go-github's type,
// refusing names it does not know (they would silently be dropped).
func permissionsFor(m map[string]string) (*gh88.InstallationPermissions, error) {
	b, _ := json.Marshal(m)
	var p gh88.InstallationPermissions
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	back, _ := json.Marshal(&p)
	var got map[string]string
	_ = json.Unmarshal(back, &got)
	var unknown []string
	for k := range m {
		if _, ok := got[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return &p, fmt.Errorf("unknown GitHub App permission %s", strings.Join(unknown, ", "))
	}
	return &p, nil
}

// installation is the part of GitHub's installation object used here.
type installation struct {
	ID                  int64             `json:"id"`
	AppID               int64             `json:"app_id"`
	AppSlug             string            `json:"app_slug"`
	Permissions         map[string]string `json:"permissions"`
	RepositorySelection string            `json:"repository_selection"`
	Account             *struct {
		Login string `json:"login"`
	} `json:"account"`
}

// findInstallation looks up the App's installation on org (GET
// /orgs/{org}/installation, authenticated with the App JWT).
func (a *authenticator) findInstallation(ctx context.Context, org string) (*installation, error) {
	var inst installation
	_, err := a.appConn.do(ctx, http.MethodGet, "orgs/"+pathSeg(org)+"/installation", nil, &inst)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			switch e.Status {
			case http.StatusUnauthorized:
				e.Hint = fmt.Sprintf("GitHub rejected the App's JWT: check that %s (%d) is the App's id and that the private key belongs to that App and was not revoked", EnvAppID, a.creds.AppID)
			case http.StatusNotFound:
				e.Message = fmt.Sprintf("the GitHub App (id %d) is not installed on the org %s, or the org does not exist", a.creds.AppID, org)
				e.Hint = "install the App on the org from the App's settings page, or check the org name"
			}
		}
		return nil, err
	}
	if inst.ID == 0 {
		return nil, &Error{Op: "GET /orgs/" + org + "/installation", Kind: KindOther, Message: "GitHub's answer holds no installation id"}
	}
	if err := checkGranted(org, inst.Permissions, a.c.opts.Permissions); err != nil {
		return nil, err
	}
	return &inst, nil
}

var levelRank = map[string]int{"read": 1, "write": 2, "admin": 3}

// checkGranted reports permissions a run asks for that the installation
// was not granted: GitHub would refuse the narrowed token anyway, with a
// less helpful message.
func checkGranted(org string, granted, want map[string]string) error {
	if len(want) == 0 || granted == nil {
		return nil
	}
	if _, err := permissionsFor(want); err != nil {
		return &Error{Kind: KindConfig, Message: err.Error()}
	}
	var missing, lacks []string
	for p, lvl := range want {
		if p == "metadata" {
			continue // every installation has metadata read
		}
		if levelRank[granted[p]] < levelRank[lvl] {
			have := granted[p]
			if have == "" {
				have = "none"
			}
			missing = append(missing, fmt.Sprintf("%s: %s (has %s)", p, lvl, have))
			lacks = append(lacks, p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	sort.Strings(lacks)
	return &Error{Kind: KindForbidden, NotApplied: true, Lacks: lacks,
		Message: fmt.Sprintf("the GitHub App's installation on %s lacks permissions this command needs: %s", org, strings.Join(missing, ", ")),
		Hint:    "grant them in the App's settings and have an org owner accept the new permissions"}
}

// installAuth authenticates as an org's installation and survives a token
// that GitHub stops accepting before ghinstallation's own refresh (a
// minute before expiry): on a 401 it gets a new token and retries once.
type installAuth struct {
	a  *authenticator
	cn *conn
}

func (t *installAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	cn := t.cn
	cn.mu.Lock()
	itr := cn.itr
	cn.mu.Unlock()
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	resp, err := itr.RoundTrip(withFreshBody(req))
	if err != nil {
		wider := t.widen(itr, err)
		if wider == nil {
			return nil, t.a.tokenError(cn, err)
		}
		itr = wider
		if resp, err = itr.RoundTrip(withFreshBody(req)); err != nil {
			return nil, t.a.tokenError(cn, err)
		}
	}
	if resp.StatusCode != http.StatusUnauthorized || !replayable {
		return resp, nil
	}
	drain(resp)
	cn.mu.Lock()
	if cn.itr == itr {
		if fresh, err := t.a.newInstallationTransport(cn.org, cn.instID, cn.wide); err == nil {
			cn.itr = fresh
		}
	}
	itr = cn.itr
	cn.mu.Unlock()
	t.a.c.logf("ghapi: GitHub rejected the installation token for %s (401); getting a new one and retrying", cn.org)
	t.a.c.stats.retries.Add(1)
	resp, err = itr.RoundTrip(withFreshBody(req))
	if err != nil {
		return nil, t.a.tokenError(cn, err)
	}
	return resp, nil
}

// widen answers GitHub's refusal (422) of a token narrowed to the run's
// repositories — one of them does not exist, was renamed, or is not in the
// installation — with a transport whose token is narrowed to the
// permissions only, so that the read reports that repository as missing
// and the others go on (a repository that cannot be read is an error for
// that repository alone). It returns nil when err is not such a refusal.
func (t *installAuth) widen(itr *ghinstallation.Transport, err error) *ghinstallation.Transport {
	var he *ghinstallation.HTTPError
	if !errors.As(err, &he) || he.Response == nil || he.Response.StatusCode != http.StatusUnprocessableEntity {
		return nil
	}
	if o := itr.InstallationTokenOptions; o == nil || len(o.Repositories) == 0 {
		return nil
	}
	cn := t.cn
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.itr == itr {
		fresh, ferr := t.a.newInstallationTransport(cn.org, cn.instID, true)
		if ferr != nil {
			return nil
		}
		cn.itr, cn.wide = fresh, true
		t.a.c.logf("ghapi: GitHub refused an installation token narrowed to this run's repositories of %s (one of them does not exist or is not in the App's installation); using a token narrowed to the permissions only", cn.org)
	}
	drain(he.Response)
	return cn.itr
}

// withFreshBody returns a copy of req whose body can be consumed without
// spending the caller's (ghinstallation closes the body it is given).
func withFreshBody(req *http.Request) *http.Request {
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			r.Body = b
		}
	}
	return r
}

// tokenError explains a failure to get an installation token.
func (a *authenticator) tokenError(cn *conn, err error) error {
	var he *ghinstallation.HTTPError
	if !errors.As(err, &he) {
		return err
	}
	op := fmt.Sprintf("POST /app/installations/%d/access_tokens", cn.instID)
	if he.Response == nil {
		if he.RootCause != nil {
			return he.RootCause
		}
		return &Error{Op: op, Kind: KindNetwork, Message: "could not get an installation token"}
	}
	status := he.Response.StatusCode
	var msg struct {
		Message string `json:"message"`
		Errors  []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if he.Response.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(he.Response.Body, 64<<10))
		_ = he.Response.Body.Close()
		_ = json.Unmarshal(b, &msg)
	}
	e := &Error{Op: op, Status: status, Kind: kindForStatus(status), Message: redact(msg.Message), NotApplied: true}
	for _, d := range msg.Errors {
		if d.Message != "" {
			e.Details = append(e.Details, redact(d.Message))
		}
	}
	cn.mu.Lock()
	wide := cn.wide
	cn.mu.Unlock()
	switch status {
	case http.StatusUnauthorized:
		e.Hint = fmt.Sprintf("GitHub rejected the App's JWT: check %s (%d) and the private key", EnvAppID, a.creds.AppID)
	case http.StatusNotFound:
		e.Hint = fmt.Sprintf("installation %d was not found: is the App still installed on %s?", cn.instID, cn.org)
	case http.StatusForbidden, http.StatusUnprocessableEntity:
		e.Hint = fmt.Sprintf("GitHub refused a token narrowed to %s for %s: the installation may lack one of these permissions or repositories",
			describeNarrowing(a.c.opts.Permissions, a.tokenOptions(cn.org, wide)), cn.org)
	}
	return e
}

func describeNarrowing(perms map[string]string, o *gh88.InstallationTokenOptions) string {
	var parts []string
	for k, v := range perms {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	var s []string
	if len(parts) > 0 {
		s = append(s, "permissions {"+strings.Join(parts, ", ")+"}")
	}
	if o != nil && len(o.Repositories) > 0 {
		s = append(s, "repositories "+strings.Join(o.Repositories, ", "))
	}
	if len(s) == 0 {
		return "the whole installation"
	}
	return strings.Join(s, " and ")
}
