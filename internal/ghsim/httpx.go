package ghsim

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

type prefixKey struct{}

func withPrefix(ctx context.Context, p string) context.Context {
	return context.WithValue(ctx, prefixKey{}, p)
}

func prefixOf(r *http.Request) string {
	p, _ := r.Context().Value(prefixKey{}).(string)
	return p
}

// route is one REST endpoint: its pattern (the stats key), the GitHub App
// permission it needs, and whether it writes state.
type route struct {
	method  string
	pattern string // without method, e.g. /repos/{owner}/{repo}
	perm    string // App permission name; "" = none needed (any token)
	level   string // read | write
	write   bool   // takes the state write lock and costs 5 secondary points
	creates bool   // content-creating (secondary limit of 80/min)
	auth    authMode
	graphql bool
	h       func(*ctx)
}

type authMode int

const (
	authToken authMode = iota // installation or user token (or anonymous where allowed)
	authJWT                   // App JWT only
	authAny                   // anything, even no credentials (rate_limit)
)

func (rt *route) key() string { return rt.method + " " + rt.pattern }

// ctx is what a handler sees: the request, the caller, and a buffered
// response that the pipeline finishes (ETag, rate-limit headers, stats).
type ctx struct {
	s      *Server
	st     *state
	r      *http.Request
	rt     *route
	id     *identity
	prefix string
	now    time.Time

	status int
	header http.Header
	body   bytes.Buffer
	// perm is what X-Accepted-GitHub-Permissions says; a handler may refine it.
	perm string
	// rate is the GraphQL bucket, set by the GraphQL handler.
	rate *RateSnapshot
}

func (c *ctx) base() string { return "http://" + c.r.Host + c.prefix }

func (c *ctx) htmlBase() string { return "http://" + c.r.Host }

func (c *ctx) pv(name string) string { return c.r.PathValue(name) }

func (c *ctx) json(status int, v any) {
	c.status = status
	c.header.Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(&c.body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	// GitHub's bodies carry no trailing newline.
	c.body.Truncate(c.body.Len() - 1)
}

func (c *ctx) noContent() { c.status = http.StatusNoContent }

const docBase = "https://docs.github.com/rest"

// fail writes GitHub's error body: message, documentation_url and status.
func (c *ctx) fail(status int, msg string, doc string) {
	doc = cmp.Or(doc, docBase)
	c.json(status, map[string]any{"message": msg, "documentation_url": doc, "status": strconv.Itoa(status)})
}

func (c *ctx) notFound() { c.fail(http.StatusNotFound, "Not Found", docBase) }

// validation writes a 422 "Validation Failed" with GitHub's errors array.
func (c *ctx) validation(resource, field, code, msg string) {
	c.unprocessable("Validation Failed", docBase, resource, field, code, msg)
}

// unprocessable writes a 422 with message and one error in the array.
func (c *ctx) unprocessable(message, doc, resource, field, code, msg string) {
	e := map[string]any{"resource": resource, "code": code}
	if field != "" {
		e["field"] = field
	}
	if msg != "" {
		e["message"] = msg
	}
	c.json(http.StatusUnprocessableEntity, map[string]any{"message": message, "errors": []any{e}, "documentation_url": doc, "status": "422"})
}

// decodeRole reads {"permission": ...}: GitHub's default is push (write).
func (c *ctx) decodeRole(resource string) (Role, bool) {
	var body struct {
		Permission *string `json:"permission"`
	}
	if !c.decode(&body) {
		return "", false
	}
	if body.Permission == nil {
		return RoleWrite, true
	}
	role, ok := ParseRole(*body.Permission)
	if !ok {
		c.validation(resource, "permission", "invalid", "")
	}
	return role, ok
}

// decode reads a JSON body into v; an empty body leaves v alone. A body
// that does not parse is GitHub's 400 "Problems parsing JSON".
func (c *ctx) decode(v any) bool {
	b := new(bytes.Buffer)
	if _, err := b.ReadFrom(http.MaxBytesReader(nil, c.r.Body, 8<<20)); err != nil {
		c.fail(http.StatusBadRequest, "Problems parsing JSON", docBase)
		return false
	}
	if len(bytes.TrimSpace(b.Bytes())) == 0 {
		return true
	}
	if err := json.Unmarshal(b.Bytes(), v); err != nil {
		c.fail(http.StatusBadRequest, "Problems parsing JSON", docBase)
		return false
	}
	return true
}

// page reads per_page (default 30, max 100) and page (default 1), writes
// the Link header for n items and returns the slice bounds.
func (c *ctx) page(n int) (int, int) {
	q := c.r.URL.Query()
	per := min(positive(q.Get("per_page"), 30), 100)
	pg := positive(q.Get("page"), 1)
	last := max((n+per-1)/per, 1)
	link := func(p int, rel string) string {
		q2 := c.r.URL.Query()
		q2.Set("page", strconv.Itoa(p))
		if q.Get("per_page") != "" {
			q2.Set("per_page", q.Get("per_page"))
		}
		u := url.URL{Scheme: "http", Host: c.r.Host, Path: c.prefix + c.r.URL.Path, RawQuery: q2.Encode()}
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	// GitHub orders the relations prev, next, last, first.
	var links []string
	if pg > 1 {
		links = append(links, link(min(pg-1, last), "prev"))
	}
	if pg < last {
		links = append(links, link(pg+1, "next"), link(last, "last"))
	}
	if pg > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		c.header.Set("Link", strings.Join(links, ", "))
	}
	start := min((pg-1)*per, n)
	return start, min(start+per, n)
}

// positive is s as a number above zero, or def.
func positive(s string, def int) int {
	if v, err := strconv.Atoi(s); err == nil && v > 0 {
		return v
	}
	return def
}

// etagFor computes GitHub's observed ETag: SHA-256 over the present values
// of Accept, Authorization and Cookie, each followed by ':', then the body;
// weak and over the body alone when none of those headers is present.
func etagFor(r *http.Request, body []byte) string {
	h := sha256.New()
	any := false
	for _, name := range []string{"Accept", "Authorization", "Cookie"} {
		if vs, ok := r.Header[name]; ok && len(vs) > 0 {
			h.Write([]byte(strings.Join(vs, ", ")))
			h.Write([]byte(":"))
			any = true
		}
	}
	h.Write(body)
	sum := hex.EncodeToString(h.Sum(nil))
	if !any {
		return `W/"` + sum + `"`
	}
	return `"` + sum + `"`
}

// ETag is exported for tests of clients that compute the ETag a new token
// would get from a cached body: it is the value the server sends.
func ETag(header http.Header, body []byte) string {
	return etagFor(&http.Request{Header: header}, body)
}

// etagMatches implements If-None-Match's weak comparison over a list.
func etagMatches(inm, etag string) bool {
	if inm == "" {
		return false
	}
	strip := func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "W/") }
	want := strip(etag)
	for _, part := range strings.Split(inm, ",") {
		p := strings.TrimSpace(part)
		if p == "*" || strip(p) == want {
			return true
		}
	}
	return false
}

// paged draws the page of list that the request asks for (see page).
func paged[T any](c *ctx, list []T, draw func(T) any) []any {
	a, b := c.page(len(list))
	return each(list[a:b], draw)
}

// each is f of every item of list, in order (empty, not nil, for none).
func each[T, U any](list []T, f func(T) U) []U {
	out := make([]U, 0, len(list))
	for _, x := range list {
		out = append(out, f(x))
	}
	return out
}
