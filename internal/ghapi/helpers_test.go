package ghapi

import (
	"github.com/AcademySoftwareFoundation/permsync/internal/state"

	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim/ghsimtest"
	"github.com/stretchr/testify/require"
)

var (
	keyOnce sync.Once
	appKey  *rsa.PrivateKey
	keyPEM  []byte
)

// testKey is an RSA key generated once per test binary, with its PEM.
func testKey(t testing.TB) (*rsa.PrivateKey, []byte) {
	t.Helper()
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		appKey = k
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	})
	return appKey, keyPEM
}

// logBuf collects Logf output, safely from many goroutines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.b, format+"\n", args...)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fakeTime makes waits instant: Sleep moves the simulator's clock.
func fakeTime(srv *ghsim.Server, o *Options) {
	o.Now = srv.Now
	o.Sleep = func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		srv.Advance(d)
		return nil
	}
}

// world is a small org: owner "root", members alice, bob, carol, outsider
// olga, repo "widgets" (default branch main, branch dev).
func world(t testing.TB, opts ...ghsim.Option) *ghsim.Server {
	t.Helper()
	srv := ghsimtest.NewServer(t, opts...)
	srv.AddOrg("acme", ghsim.OrgOptions{BaseRole: ghsim.RoleRead})
	srv.AddMember("acme", "root", true)
	for _, m := range []string{"alice", "bob", "carol"} {
		srv.AddMember("acme", m, false)
	}
	srv.AddUser("olga")
	srv.AddRepo("acme", "widgets", ghsim.RepoOptions{Branches: []string{"dev"}})
	return srv
}

// tokenClient is a Client acting with an owner's token.
func tokenClient(t testing.TB, srv *ghsim.Server, mod ...func(*Options)) (*Client, *logBuf) {
	t.Helper()
	return tokenClientAs(t, srv, "root", mod...)
}

// tokenClientAs is a Client acting with login's token.
func tokenClientAs(t testing.TB, srv *ghsim.Server, login string, mod ...func(*Options)) (*Client, *logBuf) {
	t.Helper()
	logs := &logBuf{}
	o := Options{APIURL: srv.URL(), Credentials: TokenCredentials(srv.AddUserToken(login)), Logf: logs.Logf, MutationInterval: -1}
	fakeTime(srv, &o)
	for _, m := range mod {
		m(&o)
	}
	c, err := New(context.Background(), o)
	require.NoError(t, err)
	return c, logs
}

// appEnv registers an App with the test key, installs it on acme and
// returns a Client authenticating as the App.
func appClient(t testing.TB, srv *ghsim.Server, mod ...func(*Options)) (*Client, *logBuf, int64) {
	t.Helper()
	k, pemText := testKey(t)
	appID := srv.AddApp(ghsim.AppOptions{ID: 4242, Slug: "permsync", PublicKey: &k.PublicKey,
		Permissions: ghsim.Permissions{"administration": "write", "members": "read", "issues": "write", "pull_requests": "read", "organization_administration": "read"}})
	inst := srv.Install(appID, "acme", nil)
	creds, err := AppCredentials(appID, pemText, 0)
	require.NoError(t, err)
	logs := &logBuf{}
	o := Options{APIURL: srv.URL(), Credentials: creds, Logf: logs.Logf, MutationInterval: -1}
	fakeTime(srv, &o)
	for _, m := range mod {
		m(&o)
	}
	c, err := New(context.Background(), o)
	require.NoError(t, err)
	return c, logs, inst
}

// ctxT is the test's own context. It has no deadline of its own: every
// wait in these tests runs on the simulator's clock (fakeTime), so nothing
// here measures the machine, and a fixed budget (it was 30 s) only failed
// reads of 200 repositories on a loaded 2-core machine under -race. The
// hang guard is go test's -timeout, whose panic names the running test.
func ctxT(t testing.TB) context.Context {
	return t.Context()
}

// noIDs drops the account ids GitHub assigns, for comparisons of roles
// (TestReadFactsThePlanNeeds checks the ids).
func noIDs(users []state.UserGrant) []state.UserGrant {
	out := make([]state.UserGrant, len(users))
	for i, u := range users {
		u.ID = 0
		out[i] = u
	}
	return out
}
