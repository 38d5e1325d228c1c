package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// TestNewOrgCannotEscapeAdminAllowed: a pull request that starts a new org
// folder, without the org file release engineering reviews, cannot grant
// there the direct admin that the existing org's admin_allowed forbids:
// the directory does not load, and the error names the folder and the fix.
func TestNewOrgCannotEscapeAdminAllowed(t *testing.T) {
	got := loadDiags(t, map[string]string{
		"acme.yaml":             "admin_allowed: [team:releng]\n",
		"acme/widgets.yaml":     "admin:\n  teams: [releng]\n",
		"acme-labs/tools.yaml":  "admin:\n  users: [mallory]\n",
		"acme-labs/gizmo.yaml":  "write:\n  users: [mallory]\n",
		"zz-another/thing.yaml": "{}\n",
	})
	require.Len(t, got, 2)
	assert.Contains(t, got[0], "permissions/acme-labs")
	assert.Contains(t, got[0], "org folder acme-labs/ has no org file acme-labs.yaml")
	assert.Contains(t, got[0], "create acme-labs.yaml")
	assert.Contains(t, got[1], "zz-another")

	// With its org file (reviewed by release engineering) it loads.
	cfg, ds := config.Load(tree(map[string]string{
		"acme.yaml":            "admin_allowed: [team:releng]\n",
		"acme/widgets.yaml":    "admin:\n  teams: [releng]\n",
		"acme-labs.yaml":       "admin_allowed: [team:releng]\n",
		"acme-labs/tools.yaml": "write:\n  users: [mallory]\n",
	}), "permissions")
	require.False(t, ds.HasErrors(), "%v", ds)
	assert.Len(t, cfg.Orgs, 2)
}

// TestOrgWithoutOrgFileGetsSPECDefaults: a directory with no org file at
// all (one org on the defaults) still loads, with exactly the defaults
// SPEC.md lists, the same as an empty org file gives.
func TestOrgWithoutOrgFileGetsSPECDefaults(t *testing.T) {
	bare, ds := config.Load(tree(map[string]string{"acme/widgets.yaml": "{}\n"}), "permissions")
	require.False(t, ds.HasErrors(), "%v", ds)
	withFile, ds := config.Load(tree(map[string]string{"acme/widgets.yaml": "{}\n", "acme.yaml": "# defaults\n"}), "permissions")
	require.False(t, ds.HasErrors(), "%v", ds)
	for _, p := range []config.Policy{bare.Org("acme").Policy, withFile.Org("acme").Policy} {
		assert.Equal(t, config.Authoritative, p.Mode)
		require.Len(t, p.RequiredChecks, 2)
		assert.Equal(t, "EasyCLA", p.RequiredChecks[0].Context)
		assert.Equal(t, "DCO", p.RequiredChecks[1].Context)
		assert.Equal(t, 1, p.MinReviews)
		assert.Nil(t, p.AdminAllowed, "no admin_allowed restriction")
		assert.Equal(t, role.Write, p.OutsideCollaboratorMaxRole)
		assert.Equal(t, 0, p.MinAdmins)
		assert.Equal(t, 5, p.MaxAdmins)
		assert.Equal(t, 20, p.MaxRemovals)
	}
}
