package ghsim

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClock(t *testing.T) {
	c := &Clock{}
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c.SetNow(at)
	assert.WithinDuration(t, at, c.Now(), time.Second)
	c.Advance(time.Hour)
	assert.WithinDuration(t, at.Add(time.Hour), c.Now(), time.Second)
	c.Freeze(at)
	assert.Equal(t, at, c.Now())
	c.Advance(time.Minute)
	assert.Equal(t, at.Add(time.Minute), c.Now())
	c.SetNow(at)
	assert.Equal(t, at, c.Now())

	s := newTestServer(t, WithClock(c), WithFaults(Faults{Latency: time.Millisecond}))
	assert.Same(t, c, s.Clock())
	s.SetNow(at.Add(time.Hour))
	assert.Equal(t, at.Add(time.Hour), s.Now())
	assert.Equal(t, time.Millisecond, s.Faults().Latency)
}

func TestSeedingAndInspection(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddTeam("acme", "core", TeamOptions{})
	s.AddTeamMember("acme", "core", "bob", "maintainer")
	assert.Equal(t, map[string]string{"bob": "maintainer"}, s.TeamMembers("acme", "core"))
	assert.Equal(t, []string{"core"}, s.Teams("acme"))
	s.RemoveMember("acme", "bob")
	assert.Empty(t, s.TeamMembers("acme", "core"))
	assert.Equal(t, map[string]bool{"root": true, "Alice": false}, s.Members("acme"))
	assert.Equal(t, []string{"widgets"}, s.Repos("acme"))
	s.AddDeployKey("acme", "widgets", "k", "ssh-ed25519 A", false)
	assert.Equal(t, "k", s.DeployKeys("acme", "widgets")[0].Title)
	id := s.AddRuleset("acme", "", Ruleset{Name: "org", Include: []string{"~ALL"}})
	rs := s.Rulesets("acme", "")
	require.Len(t, rs, 1)
	assert.Equal(t, id, rs[0].ID)
	assert.Equal(t, "active", rs[0].Enforcement)
	assert.Empty(t, s.Rulesets("acme", "widgets"))
	s.AddLabel("acme", "widgets", "bug", "ff0000")
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets/labels/BUG", f.tok, nil), 200)
	assert.Panics(t, func() { s.AddRepo("nope", "x", RepoOptions{}) })
	assert.Panics(t, func() { s.AddTeamMember("acme", "core", "olga", "") }) // not a member

	// Inspection returns copies.
	s.SetProtection("acme", "widgets", "main", &Protection{RequiredStatusChecks: &RequiredStatusChecks{Checks: []StatusCheck{{Context: "a", AppID: -1}}}})
	p := s.Protection("acme", "widgets", "main")
	assert.Equal(t, int64(0), p.RequiredStatusChecks.Checks[0].AppID)
	p.RequiredStatusChecks.Checks[0].Context = "changed"
	assert.Equal(t, "a", s.Protection("acme", "widgets", "main").RequiredStatusChecks.Checks[0].Context)

	// Users: /user, /repositories/{id}, revocation.
	ut := s.AddUserToken("alice")
	r := call(t, s, "GET", "user", ut, nil)
	wantStatus(t, r, 200)
	assert.Equal(t, "Alice", r.obj(t)["login"])
	repoID := int64(call(t, s, "GET", "repos/acme/widgets", ut, nil).obj(t)["id"].(float64))
	wantStatus(t, call(t, s, "GET", fmt.Sprintf("repositories/%d", repoID), ut, nil), 200)
	s.RevokeToken(ut)
	wantStatus(t, call(t, s, "GET", "user", ut, nil), 401)
	wantStatus(t, call(t, s, "GET", "user", f.tok, nil), 403)

	// A new App key: the old key's JWTs stop working.
	k, other := keys(t)
	s.SetAppKey(f.appID, &other.PublicKey)
	wantStatus(t, call(t, s, "GET", "app", appJWT(t, k, "4242", s.Now(), s.Now().Add(time.Minute)), nil), 401)
	wantStatus(t, call(t, s, "GET", "app", appJWT(t, other, "4242", s.Now(), s.Now().Add(time.Minute)), nil), 200)
}

func TestAdminEndpoints(t *testing.T) {
	f := newFixture(t)
	s := f.s
	call(t, s, "GET", "repos/acme/widgets", f.tok, nil)
	base := "http://" + s.Addr() + "/_ghsim/"
	r := call(t, s, "GET", base+"stats", "", nil)
	wantStatus(t, r, 200)
	assert.Equal(t, float64(1), r.obj(t)["requests"])
	wantStatus(t, call(t, s, "POST", base+"stats/reset", "", nil), 204)
	assert.Zero(t, s.Stats().Requests, "admin calls are not counted")
	wantStatus(t, call(t, s, "GET", base+"nope", "", nil), 404)
	res, err := s.Client().Get(s.RootURL() + "rate_limit")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
}

func TestGraphQLDirectivesAndNodes(t *testing.T) {
	f := newFixture(t)
	s := f.s
	teamID := s.AddTeam("acme", "core", TeamOptions{})
	q := `query($skip: Boolean!) {
	  r: repository(owner:"acme", name:"widgets") { id name @skip(if: $skip) isPrivate @include(if: $skip) }
	  o: organization(login:"acme") { id }
	  u: user(login:"alice") { id login }
	  missing: organization(login:"nope") { id }
	}`
	data, errs, _ := gql(t, s, f.tok, q, map[string]any{"skip": true})
	assert.NotContains(t, data["r"], "name")
	assert.Contains(t, data["r"], "isPrivate")
	require.Len(t, errs, 1)
	assert.Equal(t, "Could not resolve to an Organization with the login of 'nope'.", errs[0]["message"])
	ids := []any{dig(data, "r", "id"), dig(data, "o", "id"), dig(data, "u", "id"), nodeID("Team", teamID), nodeID("App", f.appID)}
	data, errs, _ = gql(t, s, f.tok, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": ids})
	require.Empty(t, errs)
	types := []string{}
	for _, n := range dig(data, "nodes").([]any) {
		types = append(types, n.(map[string]any)["__typename"].(string))
	}
	assert.Equal(t, []string{"Repository", "Organization", "User", "Team", "App"}, types)
}
