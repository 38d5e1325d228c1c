package ghsim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerateOrgDeterministic(t *testing.T) {
	spec := GenSpec{Org: "big", Repos: 40, DirectCollaborators: 30, TeamGrants: 3, Teams: 12, Protection: true, Rulesets: true, Seed: 7}
	a := GenerateOrg(newTestServer(t), spec)
	s := newTestServer(t)
	b := GenerateOrg(s, spec)
	assert.Equal(t, a, b)
	require.Len(t, b.Repos, 40)
	roles := map[Role]int{}
	for _, r := range b.Repos {
		assert.Equal(t, r.Collaborators, s.Collaborators("big", r.Name))
		assert.Equal(t, r.Teams, s.TeamRepos("big", r.Name))
		for _, role := range r.Collaborators {
			roles[role]++
		}
		assert.NotNil(t, s.Protection("big", r.Name, r.DefaultBranch))
	}
	for _, role := range []Role{RoleRead, RoleTriage, RoleWrite, RoleMaintain, RoleAdmin} {
		assert.Positive(t, roles[role], role)
	}
	nested := 0
	for _, tm := range b.Teams {
		if tm.Parent != "" {
			nested++
		}
	}
	assert.Positive(t, nested)
	c := GenerateOrg(newTestServer(t), GenSpec{Org: "big", Repos: 40, DirectCollaborators: 30, Seed: 8})
	assert.NotEqual(t, b.Repos[0].Collaborators, c.Repos[0].Collaborators)
}

// TestLargeOrgIsFast guards the benchmark use: 1,000 repositories with 30
// collaborators each, generated and read back over HTTP quickly.
func TestLargeOrgIsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	s := newTestServer(t)
	g := GenerateOrg(s, GenSpec{Org: "huge", Repos: 1000, DirectCollaborators: 30, TeamGrants: 3, Teams: 30, Protection: true, Seed: 1})
	owner := s.AddUserToken(g.Owners[0])
	for _, r := range g.Repos[:50] {
		res := call(t, s, "GET", fmt.Sprintf("repos/huge/%s/collaborators?affiliation=direct&per_page=100", r.Name), owner, nil)
		wantStatus(t, res, 200)
		assert.Len(t, res.list(t), len(r.Collaborators))
	}
	data, errs, _ := gql(t, s, owner, `{ organization(login:"huge") { repositories(first: 100) { totalCount nodes { collaborators(affiliation: DIRECT, first: 100) { totalCount } } } } }`, nil)
	require.Empty(t, errs)
	assert.Equal(t, float64(1000), dig(data, "organization", "repositories", "totalCount"))
}

func BenchmarkCollaboratorsPage(b *testing.B) {
	s := newTestServer(b)
	g := GenerateOrg(s, GenSpec{Org: "huge", Repos: 1000, DirectCollaborators: 30, TeamGrants: 3, Teams: 30, Seed: 1})
	tok := s.AddUserToken(g.Owners[0])
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := g.Repos[i%len(g.Repos)]
		call(b, s, "GET", "repos/huge/"+r.Name+"/collaborators?affiliation=direct&per_page=100", tok, nil)
	}
}

func BenchmarkGenerateOrg(b *testing.B) {
	for b.Loop() {
		s := NewServer()
		GenerateOrg(s, GenSpec{Org: "huge", Repos: 1000, DirectCollaborators: 30, TeamGrants: 3, Teams: 30, Protection: true, Rulesets: true, Seed: 1})
		s.Close()
	}
}
