package reconcile

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// TestOrgFileRulesAreKeys: a guardrail set in the org file is named by its
// key, so a refusal or notice points at the line that set it; a rule that
// drifted from the key would point at the whole file instead.
func TestOrgFileRulesAreKeys(t *testing.T) {
	t.Parallel()
	org := []byte(`mode: authoritative
required_checks: [EasyCLA]
min_reviews: 1
admin_allowed: [team:releng]
outside_collaborator_max_role: write
min_admins: 0
max_admins: 5
max_removals: 20
floor_ruleset: true
`)
	cfg, ds := config.Load(fstest.MapFS{"acme.yaml": {Data: org}, "acme/w.yaml": {Data: []byte("{}\n")}}, "permissions")
	require.False(t, ds.HasErrors(), "%v", ds)
	po := policyOf{org: cfg.Orgs[0], file: cfg.Orgs[0].File}
	for _, r := range []Rule{RuleRequiredChecks, RuleMinReviews, RuleAdminAllowed, RuleOutsideCollaborator,
		RuleMinAdmins, RuleMaxAdmins, RuleMaxRemovals, RuleFloorRuleset} {
		assert.NotZero(t, po.rulePos(r).Line, "%s: no line of the org file sets it", r)
	}
	assert.Equal(t, "permissions/acme.yaml:7:1", po.rulePos(RuleMaxAdmins).String())
}
