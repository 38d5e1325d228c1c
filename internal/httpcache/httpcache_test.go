package httpcache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// githubLike answers like GitHub: an ETag bound to Accept and Authorization,
// 304 when If-None-Match names it.
type githubLike struct {
	body      atomic.Value // string
	tokenETag bool
	hits      atomic.Int64
	notMod    atomic.Int64
}

func (g *githubLike) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.hits.Add(1)
	body := []byte(g.body.Load().(string))
	etag := `"fixed-` + fmt.Sprint(len(body)) + `"`
	if g.tokenETag {
		etag = ETag(r.Header, body)
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Link", `<https://api.github.com/x?page=2>; rel="next"`)
	w.Header().Set("X-Ratelimit-Remaining", "4999")
	for _, inm := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if strings.TrimSpace(inm) == etag {
			g.notMod.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func get(t *testing.T, rt http.RoundTripper, url, token string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestTokenBoundETagRevalidatesWithANewToken(t *testing.T) {
	g := &githubLike{tokenETag: true}
	g.body.Store(`[{"login":"alice"}]`)
	srv := httptest.NewServer(g)
	defer srv.Close()

	dir := t.TempDir()
	c1, err := Open(dir)
	require.NoError(t, err)
	_, body := get(t, c1.Wrap(http.DefaultTransport), srv.URL+"/repos/o/r/invitations", "ghs_firstRunToken")
	assert.Equal(t, `[{"login":"alice"}]`, body)
	assert.Equal(t, int64(1), c1.Stats().Stored)

	// A new run, a new installation token: still a 304.
	c2, err := Open(dir)
	require.NoError(t, err)
	resp, body := get(t, c2.Wrap(http.DefaultTransport), srv.URL+"/repos/o/r/invitations", "ghs_secondRunToken")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, `[{"login":"alice"}]`, body)
	assert.Equal(t, "revalidated", resp.Header.Get(HeaderRevalidated))
	assert.Equal(t, `<https://api.github.com/x?page=2>; rel="next"`, resp.Header.Get("Link"), "pagination survives a 304")
	assert.Equal(t, "4999", resp.Header.Get("X-Ratelimit-Remaining"), "fresh headers come from the 304")
	assert.Equal(t, int64(1), g.notMod.Load())
	assert.Equal(t, int64(1), c2.Stats().Revalidated)

	// Changed on GitHub: a 200 with the new body, stored for next time.
	g.body.Store(`[]`)
	resp, body = get(t, c2.Wrap(http.DefaultTransport), srv.URL+"/repos/o/r/invitations", "ghs_secondRunToken")
	assert.Equal(t, "", resp.Header.Get(HeaderRevalidated))
	assert.Equal(t, `[]`, body)
	_, body = get(t, c2.Wrap(http.DefaultTransport), srv.URL+"/repos/o/r/invitations", "ghs_third")
	assert.Equal(t, `[]`, body)
	assert.Equal(t, int64(2), g.notMod.Load())
}

// TestPlainETagIsNotTrusted: an ETag that is not bound to the token and
// the body (GitHub changed its scheme, or a proxy answers) vouches for no
// stored body: the answer is not kept, and every read is a full one.
func TestPlainETagIsNotTrusted(t *testing.T) {
	g := &githubLike{tokenETag: false}
	g.body.Store(`{"a":1}`)
	srv := httptest.NewServer(g)
	defer srv.Close()
	c, err := Open(t.TempDir())
	require.NoError(t, err)
	get(t, c.Wrap(nil), srv.URL+"/orgs/o", "t1")
	resp, body := get(t, c.Wrap(nil), srv.URL+"/orgs/o", "t2")
	assert.Equal(t, `{"a":1}`, body)
	assert.Empty(t, resp.Header.Get(HeaderRevalidated))
	assert.Zero(t, g.notMod.Load())
}

// TestPlantedEntryIsNeverServed: whoever can write the cache directory (a
// cache restored from another branch's run) cannot make permsync read a
// body GitHub did not send: an entry holding a made-up body, with the
// server's current ETag or claiming to be token-bound, is answered by
// GitHub in full.
func TestPlantedEntryIsNeverServed(t *testing.T) {
	for _, tokenETag := range []bool{false, true} {
		g := &githubLike{tokenETag: tokenETag}
		g.body.Store(`{"admin":["releng"]}`)
		srv := httptest.NewServer(g)
		c, err := Open(t.TempDir())
		require.NoError(t, err)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/repos/o/r/collaborators", nil)
		req.Header.Set("Accept", "application/vnd.github+json")
		req.Header.Set("Authorization", "Bearer t") // as get sends it
		real := `"fixed-` + fmt.Sprint(len(`{"admin":["releng"]}`)) + `"`
		if tokenETag {
			real = ETag(req.Header, []byte(`{"admin":["releng"]}`))
		}
		planted := `{"admin":["releng","mallory"]}`
		for _, bound := range []bool{false, true} {
			e := entry{URL: req.URL.String(), Accept: req.Header.Get("Accept"), ETag: real, TokenBound: bound, Header: http.Header{}}
			e.setBody([]byte(planted))
			require.NoError(t, c.write(c.path(req), &e))
			_, body := get(t, c.Wrap(nil), srv.URL+"/repos/o/r/collaborators", "t")
			assert.Equal(t, `{"admin":["releng"]}`, body, "token-bound server %v, entry claims token-bound %v", tokenETag, bound)
		}
		srv.Close()
	}
}

func TestNoSecretIsStored(t *testing.T) {
	g := &githubLike{tokenETag: true}
	g.body.Store(`{"ok":true}`)
	srv := httptest.NewServer(g)
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "cache")
	c, err := Open(dir)
	require.NoError(t, err)
	get(t, c.Wrap(nil), srv.URL+"/a", "ghs_SECRETTOKEN123")
	get(t, c.Wrap(nil), srv.URL+"/a", "ghs_SECRETTOKEN456")
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		require.NoError(t, err)
		if info.IsDir() {
			assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), p)
			return nil
		}
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), p)
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "SECRETTOKEN")
		assert.NotContains(t, string(b), "Authorization")
		return nil
	})
	require.NoError(t, err)
}

func TestDamagedAndLeftoverFilesAreHarmless(t *testing.T) {
	g := &githubLike{tokenETag: true}
	g.body.Store(`{"v":2}`)
	srv := httptest.NewServer(g)
	defer srv.Close()
	dir := t.TempDir()
	c, err := Open(dir)
	require.NoError(t, err)
	get(t, c.Wrap(nil), srv.URL+"/a", "t")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	require.Len(t, files, 1)
	require.NoError(t, os.WriteFile(files[0], []byte(`{"url": "trunc`), 0o600))
	// A killed run's temporary file, old enough to sweep.
	leftover := filepath.Join(filepath.Dir(files[0]), ".tmp-123")
	require.NoError(t, os.WriteFile(leftover, []byte("partial"), 0o600))
	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(leftover, old, old))

	c2, err := Open(dir)
	require.NoError(t, err)
	_, err = os.Stat(leftover)
	assert.True(t, os.IsNotExist(err), "leftover temp file swept")
	resp, body := get(t, c2.Wrap(nil), srv.URL+"/a", "t")
	assert.Equal(t, `{"v":2}`, body)
	assert.Equal(t, "", resp.Header.Get(HeaderRevalidated), "a damaged entry is a miss")
}

func TestSharedByConcurrentRuns(t *testing.T) {
	g := &githubLike{tokenETag: true}
	g.body.Store(strings.Repeat("x", 50_000))
	srv := httptest.NewServer(g)
	defer srv.Close()
	dir := t.TempDir()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Open(dir)
			if !assert.NoError(t, err) {
				return
			}
			for j := range 20 {
				req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/r/%d", srv.URL, j%5), nil)
				req.Header.Set("Authorization", fmt.Sprintf("token run%d", i))
				resp, err := c.Wrap(nil).RoundTrip(req)
				if !assert.NoError(t, err) {
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				assert.Len(t, b, 50_000)
			}
		}()
	}
	wg.Wait()
	tmp, _ := filepath.Glob(filepath.Join(dir, "*", ".tmp-*"))
	assert.Empty(t, tmp)
}

func TestOnlyGETsAreCached(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		assert.Empty(t, r.Header.Get("If-None-Match"))
		w.Header().Set("ETag", `"x"`)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	c, err := Open(t.TempDir())
	require.NoError(t, err)
	for range 2 {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/p", strings.NewReader("{}"))
		resp, err := c.Wrap(nil).RoundTrip(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	assert.Equal(t, int64(0), c.Stats().Stored)
}

func TestETagFormat(t *testing.T) {
	body := []byte("{}")
	weak := sha256.Sum256(body)
	assert.Equal(t, `W/"`+hex.EncodeToString(weak[:])+`"`, ETag(http.Header{}, body))

	h := http.Header{}
	h.Set("Accept", "a")
	h.Set("Authorization", "token x")
	strong := sha256.Sum256([]byte("a:token x:{}"))
	assert.Equal(t, `"`+hex.EncodeToString(strong[:])+`"`, ETag(h, body))
}

// TestRepeatedHeaderETag: ghinstallation adds a second Accept to
// go-github's; GitHub (and HTTP) combine the values with ", ". The ETag a
// new JWT would get is computed the same way, so the App's own lookups
// are revalidated too.
func TestRepeatedHeaderETag(t *testing.T) {
	body := `{"id":1}`
	var notMod atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sum := sha256.Sum256([]byte(strings.Join(r.Header.Values("Accept"), ", ") + ":" + r.Header.Get("Authorization") + ":" + body))
		etag := `"` + hex.EncodeToString(sum[:]) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			notMod.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	c, err := Open(t.TempDir())
	require.NoError(t, err)
	for _, jwt := range []string{"eyJ.first", "eyJ.second"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/orgs/o/installation", nil)
		req.Header.Add("Accept", "application/vnd.github.v3+json")
		req.Header.Add("Accept", "application/vnd.github.v3+json")
		req.Header.Set("Authorization", "Bearer "+jwt)
		resp, err := c.Wrap(nil).RoundTrip(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, body, string(b))
	}
	assert.Equal(t, int64(1), notMod.Load())
}

// TestNoCacheRequestIsSentUnconditionally: a re-read before a write asks
// for GitHub's answer itself; the answer is stored for next time.
func TestNoCacheRequestIsSentUnconditionally(t *testing.T) {
	g := &githubLike{tokenETag: true}
	g.body.Store(`[1]`)
	srv := httptest.NewServer(g)
	defer srv.Close()
	c, err := Open(t.TempDir())
	require.NoError(t, err)
	get(t, c.Wrap(nil), srv.URL+"/a", "t1")
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/a", nil)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("Authorization", "Bearer t2")
	req.Header.Set("Cache-Control", "no-cache")
	g.body.Store(`[2]`)
	resp, err := c.Wrap(nil).RoundTrip(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, `[2]`, string(b))
	assert.Zero(t, g.notMod.Load())
	assert.Equal(t, int64(2), c.Stats().Stored)
	resp, body := get(t, c.Wrap(nil), srv.URL+"/a", "t3")
	assert.Equal(t, `[2]`, body)
	assert.Equal(t, "revalidated", resp.Header.Get(HeaderRevalidated))
}

// TestBodiesAreStoredAsText: a JSON body is readable in the file (anyone
// can grep the cache for a secret); other bytes round-trip.
func TestBodiesAreStoredAsText(t *testing.T) {
	for _, body := range []string{`[{"login":"alice","html_url":"https://x/?a=1&b=<2>"}]`, "\xff\xfe binary \x00"} {
		g := &githubLike{tokenETag: true}
		g.body.Store(body)
		srv := httptest.NewServer(g)
		dir := t.TempDir()
		c, err := Open(dir)
		require.NoError(t, err)
		get(t, c.Wrap(nil), srv.URL+"/a", "t1")
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
		require.Len(t, files, 1)
		raw, err := os.ReadFile(files[0])
		require.NoError(t, err)
		if body[0] == '[' {
			assert.Contains(t, string(raw), `"text":"[{\"login\":\"alice\",\"html_url\":\"https://x/?a=1&b=<2>\"}]"`)
		} else {
			assert.NotContains(t, string(raw), `"text"`)
		}
		resp, got := get(t, c.Wrap(nil), srv.URL+"/a", "t2")
		assert.Equal(t, body, got)
		assert.Equal(t, "revalidated", resp.Header.Get(HeaderRevalidated))
		srv.Close()
	}
}

// TestOlderEntriesStillRevalidate: an entry written with the body as
// bytes (before bodies were kept as text) is still used.
func TestOlderEntriesStillRevalidate(t *testing.T) {
	g := &githubLike{tokenETag: true}
	g.body.Store(`{"a":1}`)
	srv := httptest.NewServer(g)
	defer srv.Close()
	dir := t.TempDir()
	c, err := Open(dir)
	require.NoError(t, err)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/old", nil)
	req.Header.Set("Accept", "application/vnd.github+json")
	e := entry{URL: req.URL.String(), Accept: "application/vnd.github+json", ETag: `"x"`, TokenBound: true, Header: http.Header{}, Body: []byte(`{"a":1}`)}
	require.NoError(t, c.write(c.path(req), &e))
	resp, body := get(t, c.Wrap(nil), srv.URL+"/old", "t")
	assert.Equal(t, `{"a":1}`, body)
	assert.Equal(t, "revalidated", resp.Header.Get(HeaderRevalidated))
}
