// Package httpcache is a persistent cache for GitHub's conditional requests.
//
// GitHub does not count a 304 answer to a conditional request against the
// primary rate limit, so a nightly run that remembers what it read costs
// almost nothing. Its ETags, however, depend on the Authorization header, and
// an App's installation token changes every run: a stored ETag from last
// night's token never matches. GitHub's ETag is (observed, undocumented) the
// SHA-256 of the Accept, Authorization and Cookie header values present, each
// followed by ':', then the response body. So the cache keeps the body (never
// the token) and, when the stored ETag had that form, computes the ETag the
// current token would get and sends that. If GitHub changes the scheme, the
// check made when storing fails, nothing is stored, and the only cost is more
// 200s: a stored body is used only when GitHub's 304 answers an ETag computed
// from that body, so an entry planted in the directory is never served.
//
// A request that asks for a fresh answer (Cache-Control: no-cache, as the
// re-read before a write does) is sent without If-None-Match; its answer is
// stored for next time.
//
// The cache is a directory of small files written atomically (temporary file
// and rename), so a killed run leaves nothing half-written and two runs may
// share it. It stores URLs, a few response headers and bodies: no request
// header, so no secret. Bodies that are text are stored as text, so that
// anyone can check that.
//
// The directory also keeps a pacing record (PaceRecord, PaceSince): when
// each request was answered and what it cost against GitHub's per-minute
// secondary limits, so that a run started right after another on the same
// machine paces itself on the minute they share. It holds times and
// numbers only.
package httpcache

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// MaxBody is the largest response body kept; larger ones are not cached.
const MaxBody = 16 << 20

// Header set on responses answered from the cache after a 304.
const HeaderRevalidated = "X-Permsync-Cache"

// keptHeaders are the response headers worth replaying with a cached body.
var keptHeaders = []string{"Content-Type", "Link", "ETag", "Last-Modified", "X-Accepted-Github-Permissions", "X-Github-Media-Type"}

// Cache is a cache directory and what it did. Its Wrap puts it below an
// http.RoundTripper; one Cache may serve many transports (one per org).
type Cache struct {
	Dir string

	revalidated, stored, misses atomic.Int64
}

// Stats counts what the cache did.
type Stats struct {
	Revalidated int64 // 304s answered from the cache
	Stored      int64 // bodies written
	Misses      int64 // GETs with nothing cached
}

// Open opens (creating it, private to the user) a cache directory.
func Open(dir string) (*Cache, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, errors.New("cache directory: empty path")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cache directory: %w", err)
	}
	c := &Cache{Dir: dir}
	c.sweep()
	return c, nil
}

// Stats returns the counts so far.
func (c *Cache) Stats() Stats {
	return Stats{Revalidated: c.revalidated.Load(), Stored: c.stored.Load(), Misses: c.misses.Load()}
}

// Wrap returns a RoundTripper that revalidates GETs against the cache before
// sending them on to next. It must sit below authentication, so that it sees
// each request's Authorization header.
func (c *Cache) Wrap(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{c: c, next: next}
}

type transport struct {
	c    *Cache
	next http.RoundTripper
}

type entry struct {
	URL        string      `json:"url"`
	Accept     string      `json:"accept"`
	ETag       string      `json:"etag"`
	TokenBound bool        `json:"token_bound"` // ETag is recomputed per token
	Header     http.Header `json:"header"`
	// The body: as text when it is valid UTF-8 (JSON always is), else as
	// bytes (base64 in the file).
	Text *string `json:"text,omitempty"`
	Body []byte  `json:"body,omitempty"`
}

func (e *entry) setBody(b []byte) {
	if utf8.Valid(b) {
		s := string(b)
		e.Text, e.Body = &s, nil
		return
	}
	e.Text, e.Body = nil, b
}

func (e *entry) body() []byte {
	if e.Text != nil {
		return []byte(*e.Text)
	}
	return e.Body
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || req.Header.Get("Range") != "" {
		return t.next.RoundTrip(req)
	}
	path := t.c.path(req)
	var cached *entry
	if !noCache(req.Header) {
		cached = t.c.load(path, req)
	}
	out := req
	var body []byte
	if cached != nil && req.Header.Get("If-None-Match") == "" {
		out = req.Clone(req.Context())
		etag := cached.ETag
		body = cached.body()
		if cached.TokenBound {
			etag = ETag(req.Header, body)
		}
		out.Header.Set("If-None-Match", etag)
	} else if cached == nil {
		t.c.misses.Add(1)
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil && out != req:
		t.c.revalidated.Add(1)
		return replay(resp, cached, body), nil
	case resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "":
		return t.c.store(path, req, resp)
	}
	return resp, nil
}

// noCache reports whether a request asks for an answer not taken from a
// cache (RFC 9111: Cache-Control no-cache, or Pragma no-cache).
func noCache(h http.Header) bool {
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(d), "no-cache") {
				return true
			}
		}
	}
	return h.Get("Cache-Control") == "" && strings.EqualFold(strings.TrimSpace(h.Get("Pragma")), "no-cache")
}

// replay turns a 304 into the 200 it stands for, keeping the 304's fresh
// headers (rate limit, date) over the stored ones.
func replay(notModified *http.Response, e *entry, body []byte) *http.Response {
	_, _ = io.Copy(io.Discard, notModified.Body)
	notModified.Body.Close()
	h := notModified.Header.Clone()
	for k, v := range e.Header {
		if h.Get(k) == "" {
			h[k] = v
		}
	}
	h.Set(HeaderRevalidated, "revalidated")
	h.Del("Content-Length")
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         notModified.Proto,
		ProtoMajor:    notModified.ProtoMajor,
		ProtoMinor:    notModified.ProtoMinor,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       notModified.Request,
		TLS:           notModified.TLS,
	}
}

func (c *Cache) store(path string, req *http.Request, resp *http.Response) (*http.Response, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) > MaxBody {
		return resp, nil
	}
	etag := resp.Header.Get("ETag")
	if etag != ETag(req.Header, body) {
		return resp, nil // not token-bound: never used (see load)
	}
	e := entry{
		URL:        req.URL.String(),
		Accept:     req.Header.Get("Accept"),
		ETag:       etag,
		TokenBound: etag == ETag(req.Header, body),
		Header:     http.Header{},
	}
	e.setBody(body)
	for _, k := range keptHeaders {
		if v := resp.Header.Values(k); len(v) > 0 {
			e.Header[http.CanonicalHeaderKey(k)] = v
		}
	}
	if err := c.write(path, &e); err == nil {
		c.stored.Add(1)
	}
	// A cache that cannot be written only costs requests; it never fails a read.
	return resp, nil
}

// ETag computes the strong ETag GitHub gives body for a request with these
// headers (weak when none of the headers is present). A header sent more
// than once counts as its values joined by ", ", as HTTP combines them
// (ghinstallation adds a second Accept to go-github's).
func ETag(h http.Header, body []byte) string {
	sum := sha256.New()
	any := false
	for _, k := range []string{"Accept", "Authorization", "Cookie"} {
		if v := strings.Join(h.Values(k), ", "); v != "" {
			sum.Write([]byte(v + ":"))
			any = true
		}
	}
	sum.Write(body)
	tag := `"` + hex.EncodeToString(sum.Sum(nil)) + `"`
	if !any {
		return "W/" + tag
	}
	return tag
}

// path names the file for a request: its URL and Accept header (the
// representation), not who asked; GitHub validates every answer anyway.
func (c *Cache) path(req *http.Request) string {
	sum := sha256.Sum256([]byte(req.URL.String() + "\n" + req.Header.Get("Accept")))
	name := hex.EncodeToString(sum[:])
	return filepath.Join(c.Dir, name[:2], name+".json")
}

func (c *Cache) load(path string, req *http.Request) *entry {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var e entry
	if err := json.NewDecoder(bufio.NewReader(io.LimitReader(f, 2*MaxBody+4096))).Decode(&e); err != nil {
		return nil // damaged: it will be overwritten
	}
	if e.URL != req.URL.String() || e.Accept != req.Header.Get("Accept") || !entityTag.MatchString(e.ETag) {
		return nil
	}
	if !e.TokenBound {
		// Only a token-bound ETag ties the stored body to GitHub's answer:
		// the ETag sent is computed from the body, so GitHub's 304 vouches
		// for that very body. A plain ETag vouches for nothing the cache
		// holds: an entry planted in the directory (a cache restored from
		// another run) would be served as GitHub's. Such an entry is a miss.
		return nil
	}
	return &e
}

// entityTag is one entity-tag (RFC 9110 8.8.3): never "*" or a list, which
// a server may match against any representation, confirming a planted body.
var entityTag = regexp.MustCompile(`^(W/)?"[\x21\x23-\x7e\x80-\xff]*"$`)

func (c *Cache) write(path string, e *entry) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	enc := json.NewEncoder(tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// sweep removes temporary files that a killed run left behind.
func (c *Cache) sweep() {
	matches, _ := filepath.Glob(filepath.Join(c.Dir, "*", ".tmp-*"))
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && time.Since(st.ModTime()) > time.Hour {
			_ = os.Remove(m)
		}
	}
}
