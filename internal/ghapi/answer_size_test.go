package ghapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// countingTransport counts the bytes of answers read by the client.
type countingTransport struct {
	next http.RoundTripper
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.read}
	return resp, nil
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// setAnswerCap lowers the cap on one client's answers.
func setAnswerCap(t *testing.T, c *Client, n int64) {
	t.Helper()
	w, ok := c.policyRT.(*policy).next.(*wire)
	require.True(t, ok, "the wire sits right below the policy when there is no cache")
	w.max = n
}

// TestOversizedAnswerIsARepositoryError: a collaborator whose login is
// larger than the cap on an answer (a spoofed GitHub; the real one
// answers in kilobytes) fails the read of that repository alone, and the
// client reads no more than the cap of it: 1.5 MiB served, at most 1 MiB
// and a read buffer read, counted at the socket.
func TestOversizedAnswerIsARepositoryError(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddRepo("acme", "gadgets", ghsim.RepoOptions{})
	srv.SetCollaborator("acme", "widgets", "alice", ghsim.RoleWrite)
	huge := strings.Repeat("a", 3<<19) // 1.5 MiB
	srv.SetCollaborator("acme", "gadgets", huge, ghsim.RoleWrite)
	counter := &countingTransport{next: srv.Client().Transport}
	c, _, _ := appClient(t, srv, func(o *Options) { o.Transport = counter })
	const limit = 1 << 20
	setAnswerCap(t, c, limit)

	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: []string{"widgets", "gadgets"}})
	require.NoError(t, err, "an oversized answer fails its repository, not the run")
	g := o.Repo("gadgets")
	require.NotNil(t, g)
	assert.Contains(t, g.ReadError, "larger than 1 MiB")
	assert.NotContains(t, g.ReadError, huge[:64], "the answer is not quoted")
	w := o.Repo("widgets")
	require.NotNil(t, w)
	assert.Empty(t, w.ReadError)
	_, has := w.User("alice")
	assert.True(t, has, "the other repository is read")
	assert.Less(t, counter.read.Load(), int64(limit+(256<<10)), "bytes read from the wire")
	t.Logf("%d bytes read for an %d-byte login", counter.read.Load(), len(huge))
}

// TestOversizedAnswerByContentLength: an answer that announces its size
// is refused before its body is read, and is not asked for again.
func TestOversizedAnswerByContentLength(t *testing.T) {
	t.Parallel()
	var served atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Header().Set("Content-Length", "400000000")
		_, _ = w.Write([]byte(`{"login":"`))
	}))
	defer ts.Close()
	counter := &countingTransport{next: ts.Client().Transport}
	c, err := New(context.Background(), Options{APIURL: ts.URL, Credentials: TokenCredentials("ghp_AnswerSizeTestToken0123456789abcdef"), Transport: counter})
	require.NoError(t, err)
	_, _, err = c.UserExists(context.Background(), "octocat")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than 32 MiB")
	assert.Equal(t, int64(1), served.Load(), "not retried")
	assert.Zero(t, counter.read.Load())
}

// TestOversizedAnswerStreamed: an answer of unannounced size (chunked) is
// cut at the cap while it is read: 64 MiB served, the cap and a read
// buffer read.
func TestOversizedAnswerStreamed(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"login":"`))
		chunk := []byte(strings.Repeat("a", 64<<10))
		for i := 0; i < 1024; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`"}`))
	}))
	defer ts.Close()
	counter := &countingTransport{next: ts.Client().Transport}
	c, err := New(context.Background(), Options{APIURL: ts.URL, Credentials: TokenCredentials("ghp_AnswerSizeTestToken0123456789abcdef"), Transport: counter})
	require.NoError(t, err)
	const limit = 1 << 20
	setAnswerCap(t, c, limit)
	_, _, err = c.UserExists(context.Background(), "octocat")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than 1 MiB")
	assert.Less(t, counter.read.Load(), int64(limit+(64<<10)), "bytes read from the wire")
	t.Logf("%d bytes read of a 64 MiB answer, cap %d", counter.read.Load(), limit)
}
