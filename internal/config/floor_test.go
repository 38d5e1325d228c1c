package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFloorRuleset(t *testing.T) {
	cfg := loadOK(t, map[string]string{"acme.yaml": "floor_ruleset: true\n", "acme/w.yaml": "read: {teams: [core]}\n"})
	require.True(t, cfg.Orgs[0].Policy.FloorRuleset)
	require.Equal(t, 1, cfg.Orgs[0].Policy.Pos["floor_ruleset"].Line)

	cfg = loadOK(t, map[string]string{"acme.yaml": "min_reviews: 2\n", "acme/w.yaml": "read: {teams: [core]}\n"})
	require.False(t, cfg.Orgs[0].Policy.FloorRuleset, "off unless the org file asks")

	got := loadDiags(t, map[string]string{"acme.yaml": "floor_ruleset: yes please\n", "acme/w.yaml": "read: {teams: [core]}\n"})
	require.Len(t, got, 1)
	require.Contains(t, got[0], "permissions/acme.yaml:1:16: floor_ruleset must be true or false")
}
