package ghsim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProtectionPutReplacesWholeRule(t *testing.T) {
	f := newFixture(t)
	s := f.s
	p := "repos/acme/widgets/branches/main/protection"
	r := call(t, s, "GET", p, f.tok, nil)
	wantStatus(t, r, 404)
	assert.Equal(t, "Branch not protected", r.obj(t)["message"])

	s.SetCheckSource("acme", "widgets", "build", 77)
	full := map[string]any{
		"required_status_checks":        map[string]any{"strict": true, "checks": []any{map[string]any{"context": "EasyCLA", "app_id": -1}, map[string]any{"context": "DCO", "app_id": 1861}, map[string]any{"context": "build"}}},
		"enforce_admins":                true,
		"required_pull_request_reviews": map[string]any{"required_approving_review_count": 2, "dismiss_stale_reviews": true},
		"restrictions":                  nil,
		"required_linear_history":       true,
		"allow_force_pushes":            true,
	}
	r = call(t, s, "PUT", p, f.tok, full)
	wantStatus(t, r, 200)
	got := call(t, s, "GET", p, f.tok, nil).obj(t)
	sc := got["required_status_checks"].(map[string]any)
	assert.Equal(t, true, sc["strict"])
	assert.Equal(t, []any{"EasyCLA", "DCO", "build"}, sc["contexts"])
	assert.Equal(t, []any{
		map[string]any{"context": "EasyCLA", "app_id": nil},
		map[string]any{"context": "DCO", "app_id": float64(1861)},
		map[string]any{"context": "build", "app_id": float64(77)}, // most recent source
	}, sc["checks"])
	assert.Contains(t, sc, "contexts_url")
	assert.Equal(t, true, got["enforce_admins"].(map[string]any)["enabled"])
	assert.Equal(t, float64(2), got["required_pull_request_reviews"].(map[string]any)["required_approving_review_count"])
	assert.NotContains(t, got, "restrictions")
	assert.Equal(t, true, got["required_linear_history"].(map[string]any)["enabled"])
	assert.Equal(t, false, got["required_signatures"].(map[string]any)["enabled"])

	// A second PUT without the optional booleans and with nulls resets them.
	r = call(t, s, "PUT", p, f.tok, map[string]any{"required_status_checks": nil, "enforce_admins": nil, "required_pull_request_reviews": nil, "restrictions": nil})
	wantStatus(t, r, 200)
	pr := s.Protection("acme", "widgets", "main")
	require.NotNil(t, pr)
	assert.Equal(t, Protection{}, *pr)

	// Missing required keys, both contexts and checks, strict alone: 422.
	wantStatus(t, call(t, s, "PUT", p, f.tok, map[string]any{"enforce_admins": true}), 422)
	both := map[string]any{"required_status_checks": map[string]any{"strict": true, "contexts": []string{"a"}, "checks": []any{map[string]any{"context": "a"}}},
		"enforce_admins": nil, "required_pull_request_reviews": nil, "restrictions": nil}
	wantStatus(t, call(t, s, "PUT", p, f.tok, both), 422)
	strictOnly := map[string]any{"required_status_checks": map[string]any{"strict": true}, "enforce_admins": nil, "required_pull_request_reviews": nil, "restrictions": nil}
	wantStatus(t, call(t, s, "PUT", p, f.tok, strictOnly), 422)
	wantStatus(t, call(t, s, "PUT", "repos/acme/widgets/branches/nope/protection", f.tok, full), 404)

	wantStatus(t, call(t, s, "DELETE", p, f.tok, nil), 204)
	assert.Nil(t, s.Protection("acme", "widgets", "main"))
	wantStatus(t, call(t, s, "DELETE", p, f.tok, nil), 404)
}

func TestProtectionSubResources(t *testing.T) {
	f := newFixture(t)
	s := f.s
	p := "repos/acme/widgets/branches/main/protection"
	wantStatus(t, call(t, s, "GET", p+"/required_status_checks", f.tok, nil), 404)
	s.SetProtection("acme", "widgets", "main", &Protection{})
	r := call(t, s, "GET", p+"/required_status_checks", f.tok, nil)
	wantStatus(t, r, 404)
	assert.Equal(t, "Required status checks not enabled", r.obj(t)["message"])
	wantStatus(t, call(t, s, "PATCH", p+"/required_status_checks", f.tok, map[string]any{"strict": true}), 404)

	s.SetProtection("acme", "widgets", "main", &Protection{RequiredStatusChecks: &RequiredStatusChecks{Checks: []StatusCheck{{Context: "EasyCLA"}}}})
	r = call(t, s, "PATCH", p+"/required_status_checks", f.tok, map[string]any{"strict": true, "checks": []any{map[string]any{"context": "EasyCLA"}, map[string]any{"context": "DCO", "app_id": 1861}}})
	wantStatus(t, r, 200)
	assert.Equal(t, true, r.obj(t)["strict"])
	assert.Equal(t, []StatusCheck{{Context: "EasyCLA"}, {Context: "DCO", AppID: 1861}}, s.Protection("acme", "widgets", "main").RequiredStatusChecks.Checks)
	wantStatus(t, call(t, s, "PATCH", p+"/required_status_checks", f.tok, map[string]any{"contexts": []string{"x"}, "checks": []any{}}), 422)

	r = call(t, s, "POST", p+"/required_status_checks/contexts", f.tok, []string{"build", "DCO"})
	wantStatus(t, r, 200)
	var ctxs []string
	r.json(t, &ctxs)
	assert.Equal(t, []string{"EasyCLA", "DCO", "build"}, ctxs)
	r = call(t, s, "DELETE", p+"/required_status_checks/contexts", f.tok, map[string]any{"contexts": []string{"build"}})
	r.json(t, &ctxs)
	assert.Equal(t, []string{"EasyCLA", "DCO"}, ctxs)
	r = call(t, s, "PUT", p+"/required_status_checks/contexts", f.tok, []string{"only"})
	r.json(t, &ctxs)
	assert.Equal(t, []string{"only"}, ctxs)
	r = call(t, s, "GET", p+"/required_status_checks/contexts", f.tok, nil)
	r.json(t, &ctxs)
	assert.Equal(t, []string{"only"}, ctxs)
	wantStatus(t, call(t, s, "DELETE", p+"/required_status_checks", f.tok, nil), 204)
	assert.Nil(t, s.Protection("acme", "widgets", "main").RequiredStatusChecks)

	r = call(t, s, "POST", p+"/enforce_admins", f.tok, nil)
	wantStatus(t, r, 200)
	assert.Equal(t, true, call(t, s, "GET", p+"/enforce_admins", f.tok, nil).obj(t)["enabled"])
	wantStatus(t, call(t, s, "DELETE", p+"/enforce_admins", f.tok, nil), 204)
	assert.False(t, s.Protection("acme", "widgets", "main").EnforceAdmins)

	wantStatus(t, call(t, s, "GET", p+"/required_pull_request_reviews", f.tok, nil), 404)
	s.SetProtection("acme", "widgets", "main", &Protection{RequiredPullRequestReviews: &RequiredPullRequestReviews{RequiredApprovingReviewCount: 1}})
	r = call(t, s, "PATCH", p+"/required_pull_request_reviews", f.tok, map[string]any{"required_approving_review_count": 3, "require_code_owner_reviews": true})
	wantStatus(t, r, 200)
	assert.Equal(t, float64(3), r.obj(t)["required_approving_review_count"])
	wantStatus(t, call(t, s, "PATCH", p+"/required_pull_request_reviews", f.tok, map[string]any{"required_approving_review_count": 7}), 422)
	assert.Equal(t, true, call(t, s, "GET", p+"/required_pull_request_reviews", f.tok, nil).obj(t)["require_code_owner_reviews"])
	wantStatus(t, call(t, s, "DELETE", p+"/required_pull_request_reviews", f.tok, nil), 204)
	assert.Nil(t, s.Protection("acme", "widgets", "main").RequiredPullRequestReviews)

	wantStatus(t, call(t, s, "POST", p+"/required_signatures", f.tok, nil), 200)
	assert.Equal(t, true, call(t, s, "GET", p+"/required_signatures", f.tok, nil).obj(t)["enabled"])
	wantStatus(t, call(t, s, "DELETE", p+"/required_signatures", f.tok, nil), 204)
	assert.False(t, s.Protection("acme", "widgets", "main").RequiredSignatures)
}

func TestProtectionNeedsPaidPlanForPrivate(t *testing.T) {
	s := newTestServer(t)
	s.AddOrg("free", OrgOptions{Plan: PlanFree})
	s.AddMember("free", "owner", true)
	s.AddRepo("free", "priv", RepoOptions{Private: true})
	s.AddRepo("free", "pub", RepoOptions{})
	tok := s.AddUserToken("owner")
	r := call(t, s, "GET", "repos/free/priv/branches/main/protection", tok, nil)
	wantStatus(t, r, 403)
	assert.Equal(t, "Upgrade to GitHub Pro or make this repository public to enable this feature.", r.obj(t)["message"])
	wantStatus(t, call(t, s, "GET", "repos/free/pub/branches/main/protection", tok, nil), 404)
}

func TestRulesetsAndBranchRules(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddRepo("acme", "other", RepoOptions{})
	repoRS := s.AddRuleset("acme", "widgets", Ruleset{Name: "main checks", Include: []string{"~DEFAULT_BRANCH"},
		Rules: []Rule{RequiredStatusChecksRule(true, StatusCheck{Context: "EasyCLA", AppID: 1861}, StatusCheck{Context: "build"}), MergeQueueRule()}})
	orgRS := s.AddRuleset("acme", "", Ruleset{Name: "org reviews", Include: []string{"refs/heads/release/*", "~DEFAULT_BRANCH"}, RepoInclude: []string{"wid*"},
		Rules: []Rule{PullRequestRule(1, false, true)}, BypassActors: []BypassActor{{ActorType: "OrganizationAdmin"}}})
	s.AddRuleset("acme", "", Ruleset{Name: "evaluate only", Include: []string{"~ALL"}, Enforcement: "evaluate", Rules: []Rule{{Type: "deletion"}}})

	l := call(t, s, "GET", "repos/acme/widgets/rulesets", f.tok, nil).list(t)
	assert.Len(t, l, 3)
	l = call(t, s, "GET", "repos/acme/widgets/rulesets?includes_parents=false", f.tok, nil).list(t)
	assert.Len(t, l, 1)
	assert.Len(t, call(t, s, "GET", "repos/acme/other/rulesets", f.tok, nil).list(t), 1)

	m := call(t, s, "GET", fmt.Sprintf("repos/acme/widgets/rulesets/%d", orgRS), f.tok, nil).obj(t)
	assert.Equal(t, "Organization", m["source_type"])
	assert.Equal(t, "acme", m["source"])
	cond := m["conditions"].(map[string]any)
	assert.Equal(t, []any{"wid*"}, cond["repository_name"].(map[string]any)["include"])

	rules := call(t, s, "GET", "repos/acme/widgets/rules/branches/main", f.tok, nil).list(t)
	types := []string{}
	for _, r := range rules {
		types = append(types, r["type"].(string))
	}
	assert.ElementsMatch(t, []string{"required_status_checks", "merge_queue", "pull_request"}, types)
	for _, r := range rules {
		if r["type"] == "required_status_checks" {
			assert.Equal(t, float64(repoRS), r["ruleset_id"])
			assert.Equal(t, "Repository", r["ruleset_source_type"])
			assert.Equal(t, "acme/widgets", r["ruleset_source"])
			params := r["parameters"].(map[string]any)
			assert.Equal(t, true, params["strict_required_status_checks_policy"])
			assert.Equal(t, []any{map[string]any{"context": "EasyCLA", "integration_id": float64(1861)}, map[string]any{"context": "build"}}, params["required_status_checks"])
		}
	}
	rules = call(t, s, "GET", "repos/acme/widgets/rules/branches/release/1.0", f.tok, nil).list(t)
	require.Len(t, rules, 1)
	assert.Equal(t, "pull_request", rules[0]["type"])
	assert.Empty(t, call(t, s, "GET", "repos/acme/widgets/rules/branches/dev", f.tok, nil).list(t))

	l = call(t, s, "GET", "orgs/acme/rulesets", f.tok, nil).list(t)
	assert.Len(t, l, 2)
	wantStatus(t, call(t, s, "GET", fmt.Sprintf("orgs/acme/rulesets/%d", orgRS), f.tok, nil), 200)
	wantStatus(t, call(t, s, "GET", fmt.Sprintf("orgs/acme/rulesets/%d", repoRS), f.tok, nil), 404)
}
