package planview

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

func floorPlan() *reconcile.Plan {
	one := 1
	after := &state.OrgRuleset{Ruleset: state.Ruleset{Name: state.FloorRulesetName, Enforcement: "active", Target: "branch",
		Include: []string{"~DEFAULT_BRANCH"}, RequiredChecks: []state.Check{{Context: "EasyCLA", AppID: 1003}, {Context: "DCO", AppID: -1}},
		Reviews: &one, Bypass: []state.BypassActor{{Kind: "OrganizationAdmin", Mode: "always"}}, BypassRead: true},
		RepoInclude: []string{"gadget", "widget"}}
	before := *after
	before.ID, before.Enforcement = 9, "evaluate"
	pos := config.Pos{File: "permissions/acme.yaml", Line: 4, Col: 1}
	return &reconcile.Plan{FormatVersion: reconcile.FormatVersion, Orgs: []reconcile.OrgMode{{Org: "acme", Mode: config.Authoritative}},
		Repos: []string{"acme/gadget", "acme/widget"},
		Changes: []reconcile.Change{
			{Kind: reconcile.FloorRulesetCreate, Org: "acme", FloorAfter: after, Source: pos},
			{Kind: reconcile.FloorRulesetUpdate, Org: "acme", FloorBefore: &before, FloorAfter: after, Source: pos,
				ProtectionChanges: []reconcile.FieldChange{{Field: "enforcement", Before: "evaluate", After: "active"}}},
		}}
}

func TestFloorRulesetWording(t *testing.T) {
	p := floorPlan()
	var text, md, js bytes.Buffer
	require.NoError(t, Text(&text, p, TextOptions{}))
	assert.Contains(t, text.String(), "\nacme (org)\n")
	assert.Contains(t, text.String(), `+ org ruleset "permsync floor": create (repository admins cannot change it): active on the default branch of 2 repositories; checks EasyCLA (App 1003), DCO; 1 approval; bypass: org owners only  permissions/acme.yaml:4:1`)
	assert.Contains(t, text.String(), `~ org ruleset "permsync floor": restore (repository admins cannot change it): enforcement evaluate → active  permissions/acme.yaml:4:1`)

	require.NoError(t, Markdown(&md, p, MarkdownOptions{}))
	assert.Contains(t, md.String(), `org ruleset "permsync floor": restore (repository admins cannot change it): enforcement evaluate → active`)

	require.NoError(t, JSON(&js, p))
	var back struct {
		Changes []struct {
			Kind   string `json:"kind"`
			Repo   string `json:"repo"`
			Before *struct {
				Enforcement string `json:"enforcement"`
			} `json:"floor_ruleset_before"`
			After *struct {
				Enforcement string              `json:"enforcement"`
				Repos       []string            `json:"repo_include"`
				Bypass      []state.BypassActor `json:"bypass"`
			} `json:"floor_ruleset_after"`
		} `json:"changes"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	require.Len(t, back.Changes, 2)
	assert.Equal(t, "floor_ruleset_create", back.Changes[0].Kind)
	assert.Empty(t, back.Changes[0].Repo)
	assert.Nil(t, back.Changes[0].Before)
	assert.Equal(t, "floor_ruleset_update", back.Changes[1].Kind)
	assert.Equal(t, "evaluate", back.Changes[1].Before.Enforcement)
	assert.Equal(t, "active", back.Changes[1].After.Enforcement)
	assert.Equal(t, []string{"gadget", "widget"}, back.Changes[1].After.Repos)
	assert.Equal(t, []state.BypassActor{{Kind: "OrganizationAdmin", Mode: "always"}}, back.Changes[1].After.Bypass)
}
