package ghapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedirectNeverCarriesTheToken: an API answer (a spoofed GitHub, a
// hostile proxy) that redirects to plain http, or to another host, does
// not get the token sent there. Authentication is added by the transport,
// so net/http's own stripping of Authorization on redirects does not
// apply: the redirect policy is what stops it.
func TestRedirectNeverCarriesTheToken(t *testing.T) {
	t.Parallel()
	const token = "ghp_RedirectTestToken0123456789abcdef"
	var leaked, reached atomic.Int64
	sink := func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		_, _ = w.Write([]byte(`{"login":"x"}`))
	}
	plain := httptest.NewServer(http.HandlerFunc(sink))
	defer plain.Close()
	other := httptest.NewTLSServer(http.HandlerFunc(sink))
	defer other.Close()

	for _, tc := range []struct {
		name, to, want string
	}{
		{"https to http", plain.URL, "redirected from https to http://"},
		{"to another host", other.URL, "301"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tc.to+r.URL.Path, http.StatusMovedPermanently)
			}))
			defer api.Close()
			tr := api.Client().Transport.(*http.Transport).Clone()
			tr.TLSClientConfig.RootCAs.AddCert(other.Certificate())
			c, err := New(context.Background(), Options{APIURL: api.URL, Credentials: TokenCredentials(token), Transport: tr, MaxRetries: -1})
			require.NoError(t, err)
			_, _, err = c.UserExists(context.Background(), "octocat")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), token)
		})
	}
	assert.Zero(t, leaked.Load(), "the token was sent after a redirect")
	assert.Zero(t, reached.Load(), "a redirect off the API host was followed")
}

// TestPlainHTTPWarnsOnce: an http API URL off this machine is warned
// about once per client; loopback (a simulator) and https are not.
func TestPlainHTTPWarnsOnce(t *testing.T) {
	t.Parallel()
	for url, warn := range map[string]bool{
		"http://ghe.example.com/api/v3/": true,
		"http://10.0.0.7:8080/":          true,
		"http://127.0.0.1:8080/":         false,
		"http://[::1]:8080/":             false,
		"http://localhost:9/":            false,
		"https://ghe.example.com/api/v3": false,
	} {
		logs := &logBuf{}
		_, err := New(context.Background(), Options{APIURL: url, Credentials: TokenCredentials("ghp_PlainHTTPTestToken0123456789abcdef"), Logf: logs.Logf})
		require.NoError(t, err)
		n := strings.Count(logs.String(), "plain http")
		if warn {
			assert.Equal(t, 1, n, "%s: %q", url, logs.String())
		} else {
			assert.Zero(t, n, "%s: %q", url, logs.String())
		}
	}
}

// TestRedirectToHTTPSameHost: the same host on plain http (what a TLS-
// stripping proxy answers) is refused too, before anything is sent.
func TestRedirectToHTTPSameHost(t *testing.T) {
	t.Parallel()
	const token = "ghp_RedirectTestToken0123456789abcdef"
	var plainSent atomic.Int64
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Scheme == "http" {
			plainSent.Add(1)
			return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
		}
		to := *r.URL
		to.Scheme = "http"
		return &http.Response{StatusCode: http.StatusMovedPermanently, Body: http.NoBody,
			Header: http.Header{"Location": {to.String()}}, Request: r}, nil
	})
	c, err := New(context.Background(), Options{APIURL: "https://api.example.test/", Credentials: TokenCredentials(token), Transport: rt, MaxRetries: -1})
	require.NoError(t, err)
	_, _, err = c.UserExists(context.Background(), "octocat")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redirected from https to http://api.example.test")
	assert.Zero(t, plainSent.Load(), "a request went out over plain http")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestLooksLikePath: file names are quoted in errors; keys, key lines and
// tokens are not.
func TestLooksLikePath(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"/run/secrets/app.pem": true,
		"app.pem":              true,
		"/home/runner/work/permissions/permissions/app-key.pem": true,
		`C:\Users\me\app.pem`: true,
		"u8o8qRWKiWpM3jw4ZeTP0LQezFJP2TkS1LXBt9JCHy1sDM/Bchz0Dmx":  false,
		"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDUyPly": false,
		"ghp_AbcdefGhijklmnop0123456789ABCDEF":                     false,
		"-----BEGIN PRIVATE KEY-----":                              false,
		"a\nb":                                                     false,
	} {
		assert.Equal(t, want, looksLikePath(s), "%q", s)
	}
}
