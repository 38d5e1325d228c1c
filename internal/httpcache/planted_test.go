package httpcache

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cache directory is not trusted: whoever could write it (a restored
// cache, another run on the machine) may plant an entry that hides a
// hand-made admin. A planted entry is served only if GitHub confirms it for
// this request's token; GitHub's answer to If-None-Match is the one thing
// that decides. The server below validates as GitHub does (its ETag is the
// SHA-256 of the Accept and Authorization values and the body) and, since
// GitHub's docs do not say whether it honours "If-None-Match: *" or a list
// of tags, it can answer either way: every planted entry is tried both ways.

const realBody = `[{"login":"alice","role_name":"admin"},{"login":"hand-made-admin","role_name":"admin"}]`
const plantedBody = `[{"login":"alice","role_name":"admin"}]`

type validatingServer struct {
	star bool // honour If-None-Match: * (any current representation)
	list bool // honour a list of tags
}

func (v validatingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tag := ETag(r.Header, []byte(realBody))
	inm := strings.TrimSpace(r.Header.Get("If-None-Match"))
	match := inm == tag || strings.TrimPrefix(inm, "W/") == strings.TrimPrefix(tag, "W/")
	if v.star && inm == "*" {
		match = true
	}
	if v.list {
		for _, t := range strings.Split(inm, ",") {
			if strings.TrimSpace(t) == tag || strings.TrimSpace(t) == "*" && v.star {
				match = true
			}
		}
	}
	w.Header().Set("ETag", tag)
	if match {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, realBody)
}

func TestPlantedEntryIsNeverServedUnconfirmed(t *testing.T) {
	oldToken := http.Header{"Accept": {"application/vnd.github+json"}, "Authorization": {"token old-token"}}
	for _, srv := range []validatingServer{{}, {star: true}, {list: true}, {star: true, list: true}} {
		for _, plant := range []struct {
			name       string
			etag       string
			tokenBound bool
		}{
			{"token-bound, another body", "", true},
			{"the tag of the real body under an old token", ETag(oldToken, []byte(realBody)), false},
			{"the tag of the planted body under an old token", ETag(oldToken, []byte(plantedBody)), false},
			{"a wildcard", "*", false},
			{"a list with a wildcard", `"x", *`, false},
			{"a weak wildcard-ish tag", `W/"*"`, false},
		} {
			t.Run(plant.name, func(t *testing.T) {
				ts := httptest.NewServer(srv)
				defer ts.Close()
				c, err := Open(t.TempDir())
				require.NoError(t, err)
				req, err := http.NewRequest(http.MethodGet, ts.URL+"/repos/acme/gadget/collaborators", nil)
				require.NoError(t, err)
				req.Header.Set("Accept", "application/vnd.github+json")
				req.Header.Set("Authorization", "token new-token")

				e := entry{URL: req.URL.String(), Accept: req.Header.Get("Accept"), ETag: plant.etag, TokenBound: plant.tokenBound,
					Header: http.Header{"Content-Type": {"application/json"}}}
				if e.ETag == "" {
					e.ETag = ETag(req.Header, []byte(plantedBody))
				}
				e.setBody([]byte(plantedBody))
				path := c.path(req)
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
				data, err := json.Marshal(&e)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(path, data, 0o600))

				resp, err := c.Wrap(http.DefaultTransport).RoundTrip(req)
				require.NoError(t, err)
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				require.NoError(t, err)
				assert.Equal(t, realBody, string(body), "server honours *: %v, lists: %v", srv.star, srv.list)
				assert.Empty(t, resp.Header.Get(HeaderRevalidated), "nothing was confirmed")
			})
		}
	}
}
