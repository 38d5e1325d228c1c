package ghapi

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestCredentialsFromEnv(t *testing.T) {
	t.Parallel()
	_, pemText := testKey(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(keyFile, pemText, 0o600))
	bad := "-----BEGIN RSA PRIVATE KEY-----\nTUlJRXBBSUJBQUtDQVFFQXNlY3JldHNlY3JldA==\n-----END RSA PRIVATE KEY-----\n"

	c, err := CredentialsFromEnv(env(map[string]string{"GITHUB_TOKEN": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"}))
	require.NoError(t, err)
	assert.False(t, c.IsApp())
	assert.Equal(t, "token", c.String())
	assert.NotContains(t, c.GoString(), "ghp_")

	c, err = CredentialsFromEnv(env(map[string]string{"PERMSYNC_APP_ID": "4242", "PERMSYNC_APP_PRIVATE_KEY": string(pemText), "GITHUB_TOKEN": "x"}))
	require.NoError(t, err)
	assert.True(t, c.IsApp(), "the App wins over GITHUB_TOKEN")
	assert.Equal(t, int64(4242), c.AppID)

	c, err = CredentialsFromEnv(env(map[string]string{"PERMSYNC_APP_ID": "4242", "PERMSYNC_APP_PRIVATE_KEY_FILE": keyFile, "PERMSYNC_INSTALLATION_ID": "77"}))
	require.NoError(t, err)
	assert.Equal(t, int64(77), c.InstallationID)

	oneLine := strings.ReplaceAll(strings.TrimSpace(string(pemText)), "\n", `\n`)
	_, err = CredentialsFromEnv(env(map[string]string{"PERMSYNC_APP_ID": "4242", "PERMSYNC_APP_PRIVATE_KEY": oneLine}))
	require.NoError(t, err, "a key with literal \\n, as CI secret stores keep it")

	for name, tc := range map[string]struct {
		env  map[string]string
		want []string
	}{
		"nothing":            {map[string]string{}, []string{"PERMSYNC_APP_ID", "PERMSYNC_APP_PRIVATE_KEY", "PERMSYNC_APP_PRIVATE_KEY_FILE", "GITHUB_TOKEN"}},
		"missing key file":   {map[string]string{"PERMSYNC_APP_ID": "1", "PERMSYNC_APP_PRIVATE_KEY_FILE": filepath.Join(dir, "nope.pem")}, []string{"PERMSYNC_APP_PRIVATE_KEY_FILE", "nope.pem", "no such file"}},
		"malformed key":      {map[string]string{"PERMSYNC_APP_ID": "1", "PERMSYNC_APP_PRIVATE_KEY": bad}, []string{"PERMSYNC_APP_PRIVATE_KEY", "not a valid RSA private key"}},
		"not PEM":            {map[string]string{"PERMSYNC_APP_ID": "1", "PERMSYNC_APP_PRIVATE_KEY": "c2VjcmV0c2VjcmV0"}, []string{"not in PEM form"}},
		"app id not number":  {map[string]string{"PERMSYNC_APP_ID": "my-app", "PERMSYNC_APP_PRIVATE_KEY": string(pemText)}, []string{"PERMSYNC_APP_ID", "numeric"}},
		"app id without key": {map[string]string{"PERMSYNC_APP_ID": "1"}, []string{"PERMSYNC_APP_PRIVATE_KEY"}},
		"key without app id": {map[string]string{"PERMSYNC_APP_PRIVATE_KEY": string(pemText)}, []string{"PERMSYNC_APP_ID"}},
		"both keys":          {map[string]string{"PERMSYNC_APP_ID": "1", "PERMSYNC_APP_PRIVATE_KEY": string(pemText), "PERMSYNC_APP_PRIVATE_KEY_FILE": keyFile}, []string{"only one"}},
		"bad installation":   {map[string]string{"PERMSYNC_APP_ID": "1", "PERMSYNC_APP_PRIVATE_KEY": string(pemText), "PERMSYNC_INSTALLATION_ID": "x"}, []string{"PERMSYNC_INSTALLATION_ID"}},
		"installation alone": {map[string]string{"PERMSYNC_INSTALLATION_ID": "5", "GITHUB_TOKEN": "t"}, []string{"PERMSYNC_INSTALLATION_ID", "PERMSYNC_APP_ID"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := CredentialsFromEnv(env(tc.env))
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "TUlJRXBB", "no part of the key")
			assert.NotContains(t, err.Error(), "c2VjcmV0")
			assert.NotContains(t, err.Error(), "MII")
		})
	}
}

func TestAppAuthEndToEnd(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.SetCollaborator("acme", "widgets", "bob", ghsim.RoleMaintain)
	srv.AddRepo("acme", "secret", ghsim.RepoOptions{Private: true})
	c, logs, _ := appClient(t, srv, func(o *Options) {
		o.Permissions = map[string]string{"administration": "read", "members": "read", "metadata": "read"}
		o.Repositories = []string{"widgets", "other-org/ignored"}
	})
	ctx := ctxT(t)
	o, err := c.ReadOrg(ctx, "acme", ReadOptions{Repos: []string{"widgets", "secret"}})
	require.NoError(t, err)
	assert.Equal(t, role.Maintain, o.Repo("widgets").Users[0].Role)
	assert.True(t, o.Repo("secret").NotFound, "the token is narrowed to widgets")

	routes := srv.Stats().ByRoute
	assert.Equal(t, int64(1), routes["GET /orgs/{org}/installation"])
	assert.Equal(t, int64(1), routes["POST /app/installations/{installation_id}/access_tokens"])

	// Narrowed to read: a write is refused, and the error says what is needed.
	_, err = c.SetUserGrant(ctx, "acme", "widgets", "carol", role.Write)
	require.Error(t, err)
	assert.Equal(t, KindForbidden, KindOf(err))
	assert.True(t, NotApplied(err))
	assert.Contains(t, err.Error(), "administration=write")
	assert.Empty(t, logs.String())

	// A second read reuses the installation and its token.
	_, err = c.ReadOrg(ctx, "acme", ReadOptions{Repos: []string{"widgets"}})
	require.NoError(t, err)
	routes = srv.Stats().ByRoute
	assert.Equal(t, int64(1), routes["GET /orgs/{org}/installation"])
	assert.Equal(t, int64(1), routes["POST /app/installations/{installation_id}/access_tokens"])
}

func TestAppAuthErrors(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddOrg("elsewhere", ghsim.OrgOptions{})
	k, pemText := testKey(t)
	appID := srv.AddApp(ghsim.AppOptions{ID: 4242, Slug: "permsync", PublicKey: &k.PublicKey, Permissions: ghsim.Permissions{"administration": "read", "members": "read"}})
	srv.Install(appID, "acme", nil)
	newClient := func(id int64, key []byte, mod ...func(*Options)) *Client {
		creds, err := AppCredentials(id, key, 0)
		require.NoError(t, err)
		o := Options{APIURL: srv.URL(), Credentials: creds}
		fakeTime(srv, &o)
		for _, m := range mod {
			m(&o)
		}
		c, err := New(context.Background(), o)
		require.NoError(t, err)
		return c
	}
	ctx := ctxT(t)

	// Wrong App id.
	_, err := newClient(999, pemText).ReadOrg(ctx, "acme", ReadOptions{})
	require.Error(t, err)
	assert.Equal(t, KindAuth, KindOf(err))
	assert.Contains(t, err.Error(), "PERMSYNC_APP_ID")

	// A key that is not the App's.
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})
	_, err = newClient(appID, otherPEM).ReadOrg(ctx, "acme", ReadOptions{})
	require.Error(t, err)
	assert.Equal(t, KindAuth, KindOf(err))
	assert.Contains(t, err.Error(), "private key")

	// Not installed on the org.
	_, err = newClient(appID, pemText).ReadOrg(ctx, "elsewhere", ReadOptions{})
	require.Error(t, err)
	assert.Equal(t, KindNotFound, KindOf(err))
	assert.Contains(t, err.Error(), "not installed on the org elsewhere")

	// A permission the installation lacks.
	_, err = newClient(appID, pemText, func(o *Options) { o.Permissions = map[string]string{"administration": "write"} }).ReadOrg(ctx, "acme", ReadOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "administration: write (has read)")

	// A fixed installation id serves one org only.
	creds, err := AppCredentials(appID, pemText, srv.Install(appID, "elsewhere", nil))
	require.NoError(t, err)
	o := Options{APIURL: srv.URL(), Credentials: creds}
	fakeTime(srv, &o)
	c, err := New(context.Background(), o)
	require.NoError(t, err)
	lookups := srv.Stats().ByRoute["GET /orgs/{org}/installation"]
	_, err = c.ReadOrg(ctx, "elsewhere", ReadOptions{})
	require.NoError(t, err)
	_, err = c.ReadOrg(ctx, "acme", ReadOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PERMSYNC_INSTALLATION_ID")
	assert.Equal(t, lookups, srv.Stats().ByRoute["GET /orgs/{org}/installation"], "no lookup with a fixed id")
}

func TestTokenExpiryMidRun(t *testing.T) {
	t.Parallel()
	srv := world(t)
	c, logs, _ := appClient(t, srv)
	ctx := ctxT(t)
	_, err := c.ReadOrg(ctx, "acme", ReadOptions{})
	require.NoError(t, err)
	// Two hours later on GitHub's clock: the token has expired, though
	// ghinstallation (on the wall clock) still thinks it fresh.
	srv.Advance(2 * time.Hour)
	_, err = c.ReadOrg(ctx, "acme", ReadOptions{})
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "getting a new one")
	assert.Equal(t, int64(2), srv.Stats().ByRoute["POST /app/installations/{installation_id}/access_tokens"])
}

func TestTokenAuthErrors(t *testing.T) {
	t.Parallel()
	srv := world(t)
	c, _ := tokenClient(t, srv, func(o *Options) { o.Credentials = TokenCredentials("ghp_notavalidtokenatallxxxxxxxxxxxxxxxx") })
	_, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.Error(t, err)
	assert.Equal(t, KindAuth, KindOf(err))
	assert.NotContains(t, err.Error(), "notavalidtoken")

	// A member without admin cannot see invitations: the error says so.
	c, _ = tokenClientAs(t, srv, "carol")
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: []string{"widgets"}})
	require.NoError(t, err)
	assert.NotEmpty(t, o.Repo("widgets").ReadError)
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][2]string{
		"":                            {"https://api.github.com/", "https://api.github.com/graphql"},
		"https://api.github.com":      {"https://api.github.com/", "https://api.github.com/graphql"},
		"https://ghe.example/api/v3":  {"https://ghe.example/api/v3/", "https://ghe.example/api/graphql"},
		"https://ghe.example/api/v3/": {"https://ghe.example/api/v3/", "https://ghe.example/api/graphql"},
		"http://127.0.0.1:8080/":      {"http://127.0.0.1:8080/", "http://127.0.0.1:8080/graphql"},
		"https://api.acme.ghe.com":    {"https://api.acme.ghe.com/", "https://api.acme.ghe.com/graphql"},
	} {
		api, gql, err := endpoints(in, "")
		require.NoError(t, err, in)
		assert.Equal(t, want[0], api.String(), in)
		assert.Equal(t, want[1], gql, in)
	}
	for _, bad := range []string{"ftp://x/", "not a url", "https://user:secret@ghe.example/api/v3/"} {
		_, _, err := endpoints(bad, "")
		require.Error(t, err, bad)
		assert.NotContains(t, err.Error(), "secret")
	}
}
