package ghsim

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppJWT(t *testing.T) {
	f := newFixture(t)
	s := f.s
	k, other := keys(t)
	now := s.Now()
	good := appJWT(t, k, "4242", now.Add(-30*time.Second), now.Add(9*time.Minute))

	r := call(t, s, "GET", "app", good, nil)
	wantStatus(t, r, 200)
	assert.Equal(t, "permsync", r.obj(t)["slug"])
	// iss as a number works too.
	wantStatus(t, call(t, s, "GET", "app", appJWT(t, k, 4242, now, now.Add(5*time.Minute)), nil), 200)

	cases := map[string]string{
		"wrong key":    appJWT(t, other, "4242", now, now.Add(5*time.Minute)),
		"expired":      appJWT(t, k, "4242", now.Add(-20*time.Minute), now.Add(-11*time.Minute)),
		"too long":     appJWT(t, k, "4242", now, now.Add(20*time.Minute)),
		"future iat":   appJWT(t, k, "4242", now.Add(5*time.Minute), now.Add(10*time.Minute)),
		"wrong app id": appJWT(t, k, "9999", now, now.Add(5*time.Minute)),
		"garbage":      "a.b.c",
	}
	for name, tok := range cases {
		r := call(t, s, "GET", "app", tok, nil)
		assert.Equal(t, 401, r.StatusCode, name)
	}
	// Within the 60 s skew.
	wantStatus(t, call(t, s, "GET", "app", appJWT(t, k, "4242", now.Add(30*time.Second), now.Add(5*time.Minute)), nil), 200)
	// A JWT is for App endpoints only; a token is not for App endpoints.
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", good, nil), 401)
	wantStatus(t, call(t, s, "GET", "app", f.tok, nil), 401)

	r = call(t, s, "GET", "orgs/acme/installation", good, nil)
	wantStatus(t, r, 200)
	assert.Equal(t, float64(f.inst), r.obj(t)["id"])
	s.AddOrg("elsewhere", OrgOptions{})
	wantStatus(t, call(t, s, "GET", "orgs/elsewhere/installation", good, nil), 404)
	wantStatus(t, call(t, s, "GET", fmt.Sprintf("app/installations/%d", f.inst), good, nil), 200)
	assert.Len(t, call(t, s, "GET", "app/installations", good, nil).list(t), 1)
}

func TestInstallationTokenNarrowing(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddRepo("acme", "gadgets", RepoOptions{})
	k, _ := keys(t)
	s.Clock().Freeze(time.Date(2027, 5, 1, 12, 0, 0, 0, time.UTC)) // the expiry is compared with it below
	now := s.Now()
	jwt := appJWT(t, k, "4242", now, now.Add(5*time.Minute))
	path := fmt.Sprintf("app/installations/%d/access_tokens", f.inst)

	r := call(t, s, "POST", path, jwt, map[string]any{"permissions": map[string]string{"administration": "read", "members": "read"}, "repositories": []string{"widgets"}})
	wantStatus(t, r, 201)
	m := r.obj(t)
	tok := m["token"].(string)
	exp, err := time.Parse(time.RFC3339, m["expires_at"].(string))
	require.NoError(t, err)
	assert.Equal(t, now.Add(time.Hour), exp.UTC())
	assert.Equal(t, map[string]any{"administration": "read", "members": "read", "metadata": "read"}, m["permissions"])
	require.Len(t, m["repositories"], 1)
	assert.Equal(t, "selected", m["repository_selection"])

	wantStatus(t, call(t, s, "GET", "repos/acme/widgets/collaborators", tok, nil), 200)
	wantStatus(t, call(t, s, "GET", "repos/acme/gadgets", tok, nil), 404)
	wantStatus(t, call(t, s, "PUT", "repos/acme/widgets/collaborators/bob", tok, nil), 403)

	// More than the installation has: 422.
	wantStatus(t, call(t, s, "POST", path, jwt, map[string]any{"permissions": map[string]string{"contents": "write"}}), 422)
	wantStatus(t, call(t, s, "POST", path, jwt, map[string]any{"repositories": []string{"nope"}}), 422)
	// By id, and unnarrowed.
	ids := map[string]any{"repository_ids": []int64{}}
	wantStatus(t, call(t, s, "POST", path, jwt, ids), 201)
	r = call(t, s, "POST", path, jwt, nil)
	wantStatus(t, r, 201)
	assert.Equal(t, "all", r.obj(t)["repository_selection"])
	wantStatus(t, call(t, s, "POST", "app/installations/1/access_tokens", jwt, nil), 404)

	// Tokens expire after an hour on the simulator clock.
	s.Advance(time.Hour)
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", tok, nil), 401)
}

func TestSelectedRepositoryInstallation(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddRepo("acme", "gadgets", RepoOptions{Private: true})
	inst := s.Install(f.appID, "acme", Permissions{"administration": "read"}, "widgets")
	tok := s.InstallationToken(inst, nil)
	wantStatus(t, call(t, s, "GET", "repos/acme/gadgets", tok, nil), 404)
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets/collaborators", tok, nil), 200)
	l := call(t, s, "GET", "orgs/acme/repos", tok, nil).list(t)
	assert.Len(t, l, 1)
}
