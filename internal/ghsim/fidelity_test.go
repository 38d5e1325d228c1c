package ghsim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBypassActorsHiddenWithoutWriteAccess: GitHub returns a ruleset's
// bypass actors only to a token with write access to the ruleset: REST
// omits bypass_actors; GraphQL bypassActors is null, with a FORBIDDEN
// error or without, as Fidelity.BypassHiddenError says.
func TestBypassActorsHiddenWithoutWriteAccess(t *testing.T) {
	for _, withErr := range []bool{false, true} {
		f := newFixture(t, WithFidelity(Fidelity{BypassHiddenError: withErr}))
		id := f.s.AddRuleset("acme", "widgets", Ruleset{Name: "cla", Include: []string{"~DEFAULT_BRANCH"},
			Rules: []Rule{RequiredStatusChecksRule(false, StatusCheck{Context: "EasyCLA"})}, BypassActors: []BypassActor{{ActorType: "OrganizationAdmin"}}})
		writer := f.tok // administration: write
		reader := f.s.InstallationToken(f.inst, Permissions{"administration": "read"})
		path := fmt.Sprintf("repos/acme/widgets/rulesets/%d", id)

		m := call(t, f.s, "GET", path, writer, nil).obj(t)
		assert.Contains(t, m, "bypass_actors")
		m = call(t, f.s, "GET", path, reader, nil).obj(t)
		assert.NotContains(t, m, "bypass_actors", "hidden from a reader")
		assert.Contains(t, m, "rules")

		q := map[string]any{"query": `query { repository(owner: "acme", name: "widgets") { rulesets(first: 5) { nodes { name bypassActors(first: 5) { nodes { organizationAdmin } } } } } }`}
		var ans struct {
			Data struct {
				Repository struct {
					Rulesets struct {
						Nodes []struct {
							BypassActors *struct {
								Nodes []map[string]any `json:"nodes"`
							} `json:"bypassActors"`
						} `json:"nodes"`
					} `json:"rulesets"`
				} `json:"repository"`
			} `json:"data"`
			Errors []map[string]any `json:"errors"`
		}
		call(t, f.s, "POST", "graphql", writer, q).json(t, &ans)
		require.Len(t, ans.Data.Repository.Rulesets.Nodes, 1)
		require.NotNil(t, ans.Data.Repository.Rulesets.Nodes[0].BypassActors)
		assert.Len(t, ans.Data.Repository.Rulesets.Nodes[0].BypassActors.Nodes, 1)
		assert.Empty(t, ans.Errors)

		ans.Data.Repository.Rulesets.Nodes, ans.Errors = nil, nil
		call(t, f.s, "POST", "graphql", reader, q).json(t, &ans)
		require.Len(t, ans.Data.Repository.Rulesets.Nodes, 1)
		assert.Nil(t, ans.Data.Repository.Rulesets.Nodes[0].BypassActors)
		if withErr {
			require.Len(t, ans.Errors, 1)
			assert.Equal(t, "FORBIDDEN", ans.Errors[0]["type"])
		} else {
			assert.Empty(t, ans.Errors)
		}
	}
}

// TestReducedSchemaRefusesNewerMembers: the reduced schema has no
// Enterprise in RuleSource, and says so as GitHub's GraphQL API does.
func TestReducedSchemaRefusesNewerMembers(t *testing.T) {
	f := newFixture(t, WithFidelity(Fidelity{ReducedSchema: true}))
	q := map[string]any{"query": `query { repository(owner: "acme", name: "widgets") { rulesets(first: 5) { nodes { source { __typename ... on Enterprise { slug } } } } } }`}
	m := call(t, f.s, "POST", "graphql", f.tok, q).obj(t)
	require.Contains(t, m, "errors")
	assert.NotContains(t, m, "data")
	errs, _ := m["errors"].([]any)
	require.NotEmpty(t, errs)
	e, _ := errs[0].(map[string]any)
	assert.Equal(t, "Fragment on Enterprise can't be spread inside RuleSource", e["message"])

	f.s.SetFidelity(Fidelity{})
	m = call(t, f.s, "POST", "graphql", f.tok, q).obj(t)
	assert.NotContains(t, m, "errors", "the full schema knows it")
}
