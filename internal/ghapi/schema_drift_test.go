package ghapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// TestReadAgainstReducedSchema: a server whose GraphQL schema lacks what
// GitHub added since 2023 (Enterprise in RuleSource, as GitHub Enterprise
// Server 3.17–3.19; deployKey and enterpriseOwner on bypass actors) is
// read through GraphQL still, with a notice per missing member, and what
// a guardrail depends on is never silently dropped: a bypass actor the
// server cannot describe reads as one that may bypass.
func TestReadAgainstReducedSchema(t *testing.T) {
	t.Parallel()
	srv := world(t, ghsim.WithFidelity(ghsim.Fidelity{ReducedSchema: true}))
	srv.SetCollaborator("acme", "widgets", "bob", ghsim.RoleMaintain)
	orgRS := srv.AddRuleset("acme", "", ghsim.Ruleset{Name: "cla", Include: []string{"~DEFAULT_BRANCH"}, RepoInclude: []string{"~ALL"},
		Rules:        []ghsim.Rule{ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA", AppID: 1003})},
		BypassActors: []ghsim.BypassActor{{ActorType: "OrganizationAdmin", BypassMode: "always"}}})
	keyRS := srv.AddRuleset("acme", "widgets", ghsim.Ruleset{Name: "deploys", Include: []string{"~DEFAULT_BRANCH"},
		Rules:        []ghsim.Rule{ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA", AppID: 1003})},
		BypassActors: []ghsim.BypassActor{{ActorType: "OrganizationAdmin"}, {ActorType: "DeployKey", BypassMode: "always"}}})

	c, logs := tokenClient(t, srv)
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.NoError(t, err)
	assert.NotContains(t, logs.String(), "REST API instead", "one missing union member does not cost the GraphQL read")
	assert.Contains(t, logs.String(), "has no Enterprise in RuleSource")
	assert.Contains(t, logs.String(), "has no RepositoryRulesetBypassActor.deployKey")
	w := o.Repo("widgets")
	require.True(t, w.Readable(), w.ReadError)
	assert.Equal(t, []state.UserGrant{{Login: "bob", Role: role.Maintain}}, noIDs(w.Users))

	byID := map[int64]state.Ruleset{}
	for _, rs := range w.Rulesets {
		byID[rs.ID] = rs
	}
	cla := byID[orgRS]
	assert.Equal(t, "Organization", cla.SourceType)
	assert.Equal(t, []state.Check{{Context: "EasyCLA", AppID: 1003}}, cla.RequiredChecks)
	assert.True(t, cla.BypassRead)
	assert.False(t, cla.BypassBelowOwner())
	deploys := byID[keyRS]
	assert.True(t, deploys.BypassRead)
	assert.True(t, deploys.BypassBelowOwner(), "a deploy key the server cannot name still bypasses")
	ok, _ := deploys.StandsIn("EasyCLA", 1003, "main", "main")
	assert.False(t, ok)

}
