package ghapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoSecretInOutput drives a token client and an App client through
// failures of every kind and checks that no secret appears in any error,
// log line or formatted value.
func TestNoSecretInOutput(t *testing.T) {
	t.Parallel()
	_, pemText := testKey(t)
	var out []string
	record := func(vs ...any) {
		for _, v := range vs {
			if v == nil {
				continue
			}
			out = append(out, fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v))
			if e, ok := v.(error); ok {
				out = append(out, e.Error())
			}
		}
	}

	srv := world(t)
	srv.AddRepo("acme", "permissions", ghsim.RepoOptions{})
	userToken := srv.AddUserToken("root")
	logs := &logBuf{}
	tokOpts := Options{APIURL: srv.URL(), Credentials: TokenCredentials(userToken), Logf: logs.Logf, MutationInterval: -1, RequestTimeout: 20 * time.Millisecond, MaxRateLimitWait: time.Minute, MaxRetries: 2}
	fakeTime(srv, &tokOpts)
	tc, err := New(context.Background(), tokOpts)
	require.NoError(t, err)
	ac, appLogs, _ := appClient(t, srv, func(o *Options) {
		o.RequestTimeout = 20 * time.Millisecond
		o.MaxRateLimitWait = time.Minute
		o.MaxRetries = 2
	})
	ctx := ctxT(t)
	record(tokOpts, tokOpts.Credentials, ac, tc)

	exercise := func(c *Client) {
		_, err := c.ReadOrg(ctx, "acme", ReadOptions{Audit: true})
		record(err)
		_, err = c.SetUserGrant(ctx, "acme", "widgets", "olga", role.Write)
		record(err)
		record(c.UpdateProtection(ctx, "acme", "widgets", "main", state.ProtectionSettings{Reviews: ptr(1)}))
		_, err = c.CreateIssue(ctx, "acme", "permissions", "t", "b", []string{"x"})
		record(err)
		_, err = c.Viewer(ctx, "acme")
		record(err)
		_, _, err = c.UserGrant(ctx, "acme", "nope", "bob")
		record(err)
	}
	for _, f := range []ghsim.Faults{
		{},
		{ServerErrorEvery: 1},
		{ResetEvery: 1},
		{SecondaryLimitEvery: 1},
		{Latency: 60 * time.Millisecond},
		{Routes: []ghsim.RouteFault{{Path: "/repos", Status: 403, Message: "Resource not accessible by integration"}}},
		{GraphQL: []ghsim.GraphQLFault{{Alias: "organization", Type: "FORBIDDEN", Message: "no"}}},
	} {
		srv.SetFaults(f)
		exercise(tc)
		exercise(ac)
	}
	srv.SetFaults(ghsim.Faults{})
	srv.SetUserRateLimitRemaining("root", "core", 0)
	exercise(tc)
	srv.RevokeToken(userToken)
	exercise(tc)
	srv.Advance(3 * time.Hour) // the installation token expires
	exercise(ac)

	// Bad credentials of every sort.
	for _, creds := range []func() (Credentials, error){
		func() (Credentials, error) { return AppCredentials(1, pemText, 0) },
		func() (Credentials, error) { return AppCredentials(4242, []byte("garbage"), 0) },
		func() (Credentials, error) {
			return CredentialsFromEnv(env(map[string]string{"PERMSYNC_APP_ID": string(pemText), "PERMSYNC_APP_PRIVATE_KEY": string(pemText)}))
		},
		func() (Credentials, error) { return TokenCredentials("ghp_badbadbadbadbadbadbadbadbadbadbadbad"), nil },
	} {
		c, err := creds()
		record(c, err)
		if err != nil {
			continue
		}
		o := Options{APIURL: srv.URL(), Credentials: c, Logf: logs.Logf}
		fakeTime(srv, &o)
		cl, err := New(context.Background(), o)
		require.NoError(t, err)
		exercise(cl)
	}
	out = append(out, logs.String(), appLogs.String())
	all := strings.Join(out, "\n")
	require.NotEmpty(t, all)

	assert.NotContains(t, all, userToken)
	for _, line := range strings.Split(string(pemText), "\n") {
		if len(line) > 16 && !strings.HasPrefix(line, "-----") {
			require.NotContains(t, all, line[:16], "a fragment of the private key")
		}
	}
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`gh[pousr]_[A-Za-z0-9]{8,}`),
		regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}`),
	} {
		assert.Empty(t, re.FindAllString(all, 5), "a token or JWT in the output")
	}
	t.Logf("%d outputs checked, e.g.:\n%s", len(out), strings.Join(out[:min(12, len(out))], "\n"))
}

// TestRedactsEchoedCredentials: a server (or proxy) that echoes the
// Authorization header in its error body does not leak it.
func TestRedactsEchoedCredentials(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(map[string]any{"message": "denied for " + r.Header.Get("Authorization"),
			"errors": []any{map[string]any{"message": "token " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")}}})
	}))
	defer ts.Close()
	secret := "s3cr3t-T0ken-that-is-long-enough-42"
	logs := &logBuf{}
	c, err := New(context.Background(), Options{APIURL: ts.URL, Credentials: TokenCredentials(secret), Logf: logs.Logf})
	require.NoError(t, err)
	_, _, err = c.UserExists(ctxT(t), "bob")
	require.Error(t, err)
	for _, s := range []string{err.Error(), fmt.Sprintf("%#v", err), fmt.Sprintf("%+v", err), logs.String()} {
		assert.NotContains(t, s, secret)
	}
	assert.Contains(t, err.Error(), "[REDACTED]")
}
