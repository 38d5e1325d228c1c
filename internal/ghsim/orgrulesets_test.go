package ghsim

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func floorBody(name, enforcement string) map[string]any {
	return map[string]any{
		"name": name, "target": "branch", "enforcement": enforcement,
		"bypass_actors": []any{map[string]any{"actor_id": 1, "actor_type": "OrganizationAdmin", "bypass_mode": "always"}},
		"conditions": map[string]any{
			"ref_name":        map[string]any{"include": []any{"~DEFAULT_BRANCH"}, "exclude": []any{}},
			"repository_name": map[string]any{"include": []any{"widgets"}, "exclude": []any{}},
		},
		"rules": []any{map[string]any{"type": "required_status_checks", "parameters": map[string]any{
			"required_status_checks":               []any{map[string]any{"context": "EasyCLA", "integration_id": 1003}},
			"strict_required_status_checks_policy": false}}},
	}
}

// Org ruleset writes need Organization administration: write; with read, a
// token reads the ruleset without its bypass list.
func TestOrgRulesetWritesNeedOrgAdministrationWrite(t *testing.T) {
	f := newFixture(t) // the App holds organization_administration: read
	r := call(t, f.s, "POST", "/orgs/acme/rulesets", f.tok, floorBody("permsync floor", "active"))
	wantStatus(t, r, http.StatusForbidden)
	assert.Contains(t, r.Header.Get("X-Accepted-GitHub-Permissions"), "organization_administration=write")
	assert.Empty(t, f.s.Rulesets("acme", ""), "nothing written")

	k, _ := keys(t)
	writer := f.s.AddApp(AppOptions{ID: 5151, Slug: "writer", PublicKey: &k.PublicKey,
		Permissions: Permissions{"administration": "write", "organization_administration": "write"}})
	wtok := f.s.InstallationToken(f.s.Install(writer, "acme", nil), nil)
	r = call(t, f.s, "POST", "/orgs/acme/rulesets", wtok, floorBody("permsync floor", "active"))
	wantStatus(t, r, http.StatusCreated)
	id := int64(r.obj(t)["id"].(float64))
	wantStatus(t, call(t, f.s, "POST", "/orgs/acme/rulesets", wtok, floorBody("permsync floor", "active")), http.StatusUnprocessableEntity)

	// The rule applies to widgets' default branch, from the org.
	rules := call(t, f.s, "GET", "/repos/acme/widgets/rules/branches/main", f.tok, nil).list(t)
	require.Len(t, rules, 1)
	assert.Equal(t, "Organization", rules[0]["ruleset_source_type"])

	// Bypass actors: shown to the writer, hidden from the reader.
	full := call(t, f.s, "GET", "/orgs/acme/rulesets/"+itoa(id), wtok, nil).obj(t)
	assert.Len(t, full["bypass_actors"], 1)
	_, shown := call(t, f.s, "GET", "/orgs/acme/rulesets/"+itoa(id), f.tok, nil).obj(t)["bypass_actors"]
	assert.False(t, shown)

	// PUT: the reader is refused; the writer's evaluate goes through (a
	// hand edit, as an owner might make).
	wantStatus(t, call(t, f.s, "PUT", "/orgs/acme/rulesets/"+itoa(id), f.tok, map[string]any{"enforcement": "disabled"}), http.StatusForbidden)
	wantStatus(t, call(t, f.s, "PUT", "/orgs/acme/rulesets/"+itoa(id), wtok, map[string]any{"enforcement": "evaluate"}), http.StatusOK)
	assert.Equal(t, "evaluate", f.s.Rulesets("acme", "")[0].Enforcement)
	assert.Empty(t, call(t, f.s, "GET", "/repos/acme/widgets/rules/branches/main", f.tok, nil).list(t), "evaluate enforces nothing")
	wantStatus(t, call(t, f.s, "PUT", "/orgs/acme/rulesets/"+itoa(id), wtok, map[string]any{"enforcement": "off"}), http.StatusUnprocessableEntity)
	wantStatus(t, call(t, f.s, "PUT", "/orgs/acme/rulesets/999999", wtok, map[string]any{"enforcement": "active"}), http.StatusNotFound)
}
