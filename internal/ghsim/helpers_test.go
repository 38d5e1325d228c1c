package ghsim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

var (
	keyOnce  sync.Once
	testKey  *rsa.PrivateKey
	otherKey *rsa.PrivateKey
)

func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keyOnce.Do(func() {
		var err error
		if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if otherKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return testKey, otherKey
}

// fixture is a small org: owner "root", members alice and bob, outsider
// "olga" (not a member), repo "widgets" and an App installed with the
// reader/writer permissions.
type fixture struct {
	s     *Server
	appID int64
	inst  int64
	tok   string
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	s := newTestServer(t, opts...)
	s.AddOrg("acme", OrgOptions{BaseRole: RoleRead})
	s.AddMember("acme", "root", true)
	s.AddMember("acme", "Alice", false)
	s.AddMember("acme", "bob", false)
	s.AddUser("olga")
	s.AddRepo("acme", "widgets", RepoOptions{Branches: []string{"dev"}})
	k, _ := keys(t)
	appID := s.AddApp(AppOptions{ID: 4242, Slug: "permsync", PublicKey: &k.PublicKey,
		Permissions: Permissions{"administration": "write", "members": "read", "issues": "write", "pull_requests": "read", "organization_administration": "read"}})
	inst := s.Install(appID, "acme", nil)
	return &fixture{s: s, appID: appID, inst: inst, tok: s.InstallationToken(inst, nil)}
}

type resp struct {
	*http.Response
	body []byte
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v\n%s", r.Request.URL, err, r.body)
	}
}

func (r resp) obj(t testing.TB) map[string]any {
	var m map[string]any
	r.json(t, &m)
	return m
}

func (r resp) list(t testing.TB) []map[string]any {
	var m []map[string]any
	r.json(t, &m)
	return m
}

// call makes one request; path is relative to URL() unless absolute.
func call(t testing.TB, s *Server, method, path, tok string, body any, hdr ...string) resp {
	t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = s.URL() + strings.TrimPrefix(path, "/")
	}
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			bs, _ := json.Marshal(b)
			rd = bytes.NewReader(bs)
		}
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res, b}
}

func wantStatus(t testing.TB, r resp, code int) {
	t.Helper()
	if r.StatusCode != code {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, code, r.body)
	}
}

func appJWT(t testing.TB, k *rsa.PrivateKey, iss any, iat, exp time.Time) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": iss, "iat": iat.Unix(), "exp": exp.Unix()})
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
