package fidelity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	jwt "github.com/golang-jwt/jwt/v4"
)

// The simulator's own workload: requests for every route it serves,
// beyond what the adapter sends (other media types, the sub-resources the
// adapter does not use, error answers), sent with a plain HTTP client at
// the root base (as api.github.com; the adapter uses /api/v3). Like
// ghsim's TestDumpResponses, but recorded here so that the answers are
// checked against GitHub's description. TestRESTMatchesGitHub fails when a
// route is neither here nor in the adapter's workload.

// simCall is one request of the simulator's workload.
type simCall struct {
	method, path string
	auth         string // "jwt", "user", "" (the installation token)
	body         any
	accept       string
	// invalid: the request departs from the description on purpose (to
	// have the simulator's refusal checked).
	invalid bool
}

type simWorkloadResult struct {
	Exchanges []*exchange
	Errors    []string
	Setup     error
}

var (
	simOnce sync.Once
	simRes  *simWorkloadResult
)

func simulatorWorkload() *simWorkloadResult {
	simOnce.Do(func() { simRes = runSimulatorWorkload() })
	return simRes
}

func runSimulatorWorkload() *simWorkloadResult {
	res := &simWorkloadResult{}
	srv := ghsim.NewServer()
	defer srv.Close()
	ids := seedWorld(srv)
	key, _ := appKey()
	id := srv.AddApp(ghsim.AppOptions{ID: appID, Slug: appSlug, Name: "permsync", PublicKey: &key.PublicKey, Permissions: appPermissions})
	inst := srv.Install(id, "acme", nil)
	installTok := srv.InstallationToken(inst, nil)
	userTok := srv.AddUserToken("root")
	now := srv.Now()
	jwtTok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
		Issuer:    strconv.Itoa(appID),
		IssuedAt:  jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(now.Add(9 * time.Minute)),
	}).SignedString(key)
	if err != nil {
		res.Setup = err
		return res
	}

	const (
		w    = "/repos/acme/widgets"
		p    = w + "/branches/main/protection"
		sha  = mergeSHA
		repo = "application/vnd.github.v3.repository+json"
	)
	issue := strconv.FormatInt(ids.issue, 10)
	calls := []simCall{
		// Apps (JWT) and the rate limit.
		{method: "GET", path: "/app", auth: "jwt"},
		{method: "GET", path: "/app/installations", auth: "jwt"},
		{method: "GET", path: fmt.Sprintf("/app/installations/%d", inst), auth: "jwt"},
		{method: "POST", path: fmt.Sprintf("/app/installations/%d/access_tokens", inst), auth: "jwt",
			body: map[string]any{"repositories": []string{"widgets"}, "permissions": map[string]string{"administration": "read", "metadata": "read"}}},
		{method: "POST", path: fmt.Sprintf("/app/installations/%d/access_tokens", inst), auth: "jwt",
			body: map[string]any{"permissions": map[string]string{"contents": "write"}}}, // not granted: 422
		{method: "GET", path: "/orgs/acme/installation", auth: "jwt"},
		{method: "GET", path: "/orgs/nope/installation", auth: "jwt"},
		{method: "GET", path: w + "/installation", auth: "jwt"},
		{method: "GET", path: "/rate_limit"},
		{method: "GET", path: "/orgs/acme/installations"},

		// Users and orgs.
		{method: "GET", path: "/users/alice"},
		{method: "GET", path: "/users/acme"}, // an org is a user too
		{method: "GET", path: "/users/no-such-user"},
		{method: "GET", path: "/user", auth: "user"},
		{method: "GET", path: "/orgs/acme"},
		{method: "GET", path: "/orgs/nope"},
		{method: "GET", path: "/orgs/acme/members?per_page=100"},
		{method: "GET", path: "/orgs/acme/members?role=admin&per_page=2"},
		{method: "GET", path: "/orgs/acme/members/alice"},
		{method: "GET", path: "/orgs/acme/members/olga"},
		{method: "GET", path: "/orgs/acme/memberships/root"},
		{method: "GET", path: "/orgs/acme/memberships/alice"},
		{method: "GET", path: "/orgs/acme/outside_collaborators"},
		{method: "GET", path: "/orgs/acme/repos?type=all&per_page=100"},
		{method: "GET", path: "/orgs/acme/repos?type=private"},
		{method: "GET", path: "/orgs/acme/teams"},
		{method: "GET", path: "/orgs/acme/teams/child"},
		{method: "GET", path: "/orgs/acme/teams/nope"},
		{method: "GET", path: "/orgs/acme/teams/core/members"},
		{method: "GET", path: "/orgs/acme/teams/core/memberships/alice"},
		{method: "GET", path: "/orgs/acme/teams/core/teams"},
		{method: "GET", path: "/orgs/acme/teams/core/repos"},
		{method: "GET", path: "/orgs/acme/teams/core/repos/acme/widgets"},
		{method: "GET", path: "/orgs/acme/teams/core/repos/acme/widgets", accept: repo},
		{method: "GET", path: "/orgs/acme/teams/core/repos/acme/gadgets"},
		{method: "PUT", path: "/orgs/acme/teams/child/repos/acme/widgets", body: map[string]string{"permission": "push"}},
		{method: "DELETE", path: "/orgs/acme/teams/child/repos/acme/widgets"},
		{method: "GET", path: "/orgs/acme/rulesets"},
		{method: "GET", path: fmt.Sprintf("/orgs/acme/rulesets/%d", ids.orgRuleset)},

		// Repositories.
		{method: "GET", path: w},
		{method: "GET", path: "/repos/acme/no-such-repo"},
		{method: "GET", path: fmt.Sprintf("/repositories/%d", ids.widgets)},
		{method: "GET", path: w + "/branches"},
		{method: "GET", path: w + "/branches/main"},
		{method: "GET", path: w + "/branches/no-such-branch"},
		{method: "GET", path: w + "/collaborators?affiliation=direct&per_page=100"},
		{method: "GET", path: w + "/collaborators?affiliation=outside"},
		{method: "GET", path: w + "/collaborators/olga"},
		{method: "GET", path: w + "/collaborators/nina"},
		{method: "GET", path: w + "/collaborators/olga/permission"},
		{method: "GET", path: w + "/collaborators/nina/permission"},
		{method: "PUT", path: w + "/collaborators/nina", body: map[string]string{"permission": "pull"}},
		{method: "PUT", path: w + "/collaborators/dave", body: map[string]string{"permission": "maintain"}},
		{method: "PUT", path: w + "/collaborators/bob", body: map[string]string{"permission": "nonsense"}},
		{method: "PUT", path: "/repos/acme/legacy/collaborators/bob", body: map[string]string{"permission": "push"}}, // archived
		{method: "DELETE", path: w + "/collaborators/olga"},
		{method: "GET", path: w + "/invitations"},
		{method: "PATCH", path: fmt.Sprintf("%s/invitations/%d", w, ids.invitation), body: map[string]string{"permissions": "maintain"}},
		{method: "DELETE", path: fmt.Sprintf("%s/invitations/%d", w, ids.invitation)},
		{method: "GET", path: w + "/teams"},
		{method: "GET", path: w + "/keys"},

		// Branch protection and its sub-resources.
		{method: "GET", path: p},
		{method: "GET", path: p + "/required_status_checks"},
		{method: "PATCH", path: p + "/required_status_checks", body: map[string]any{"strict": false, "checks": []any{map[string]any{"context": "EasyCLA", "app_id": -1}}}},
		{method: "GET", path: p + "/required_status_checks/contexts"},
		{method: "PUT", path: p + "/required_status_checks/contexts", body: map[string]any{"contexts": []string{"EasyCLA", "DCO"}}},
		{method: "POST", path: p + "/required_status_checks/contexts", body: map[string]any{"contexts": []string{"lint"}}},
		{method: "DELETE", path: p + "/required_status_checks/contexts", body: map[string]any{"contexts": []string{"lint"}}},
		{method: "GET", path: p + "/enforce_admins"},
		{method: "DELETE", path: p + "/enforce_admins"},
		{method: "POST", path: p + "/enforce_admins"},
		{method: "GET", path: p + "/required_pull_request_reviews"},
		{method: "PATCH", path: p + "/required_pull_request_reviews", body: map[string]any{"required_approving_review_count": 2, "dismiss_stale_reviews": false}},
		{method: "GET", path: p + "/required_signatures"},
		{method: "DELETE", path: p + "/required_signatures"},
		{method: "POST", path: p + "/required_signatures"},
		{method: "DELETE", path: p + "/required_pull_request_reviews"},
		{method: "PUT", path: p, body: map[string]any{
			"required_status_checks":        map[string]any{"strict": true, "checks": []any{map[string]any{"context": "EasyCLA", "app_id": -1}}},
			"enforce_admins":                true,
			"required_pull_request_reviews": map[string]any{"required_approving_review_count": 1, "dismissal_restrictions": map[string]any{"users": []string{"alice"}, "teams": []string{"core"}}},
			"restrictions":                  map[string]any{"users": []string{"alice"}, "teams": []string{}, "apps": []string{appSlug}},
			"required_linear_history":       true, "allow_force_pushes": false, "allow_deletions": false, "required_conversation_resolution": true,
		}},
		{method: "PUT", path: p, body: map[string]any{}, invalid: true}, // the four sections are required: 422
		{method: "DELETE", path: p + "/required_status_checks"},
		{method: "GET", path: p + "/required_status_checks"}, // off: 404
		{method: "DELETE", path: p},
		{method: "GET", path: p}, // not protected: 404
		{method: "GET", path: w + "/branches/no-such-branch/protection"},

		// Rulesets.
		{method: "GET", path: w + "/rulesets?includes_parents=true"},
		{method: "GET", path: fmt.Sprintf("%s/rulesets/%d", w, ids.ruleset)},
		{method: "GET", path: fmt.Sprintf("%s/rulesets/%d?includes_parents=true", w, ids.orgRuleset)},
		{method: "GET", path: w + "/rules/branches/main"},

		// Issues, labels, pull requests.
		{method: "GET", path: w + "/issues?state=all&labels=permsync-drift"},
		{method: "POST", path: w + "/issues", body: map[string]any{"title": "new", "body": "text", "labels": []string{"permsync-drift"}}},
		{method: "POST", path: w + "/issues", body: map[string]any{"body": "no title"}, invalid: true}, // 422
		{method: "GET", path: w + "/issues/" + issue},
		{method: "PATCH", path: w + "/issues/" + issue, body: map[string]any{"state": "closed", "state_reason": "not_planned"}},
		{method: "GET", path: w + "/issues/" + issue + "/comments"},
		{method: "POST", path: w + "/issues/" + issue + "/comments", body: map[string]string{"body": "a comment"}},
		{method: "GET", path: w + "/labels"},
		{method: "POST", path: w + "/labels", body: map[string]string{"name": "new-label", "color": "fff000", "description": "d"}},
		{method: "POST", path: w + "/labels", body: map[string]string{"name": "new-label", "color": "fff000"}}, // exists: 422
		{method: "GET", path: w + "/labels/permsync-drift"},
		{method: "GET", path: w + "/labels/no-such-label"},
		{method: "GET", path: w + "/commits/" + sha + "/pulls"},
		{method: "GET", path: fmt.Sprintf("%s/pulls/%d", w, ids.pull)},
		{method: "GET", path: fmt.Sprintf("%s/pulls/%d/reviews", w, ids.pull)},
	}

	rec := newRecorder(http.DefaultTransport)
	rec.setStep("simulator workload")
	hc := &http.Client{Transport: rec, Timeout: time.Minute}
	base := srv.RootURL()
	for _, c := range calls {
		var body []byte
		if c.body != nil {
			body, _ = json.Marshal(c.body)
		}
		req, err := http.NewRequestWithContext(context.Background(), c.method, base+c.path[1:], bytes.NewReader(body))
		if err != nil {
			res.Errors = append(res.Errors, err.Error())
			continue
		}
		if c.body == nil {
			req.Body = http.NoBody
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/vnd.github+json")
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
		req.Header.Set("User-Agent", "permsync-fidelity-test")
		switch c.auth {
		case "jwt":
			req.Header.Set("Authorization", "Bearer "+jwtTok)
		case "user":
			req.Header.Set("Authorization", "Bearer "+userTok)
		default:
			req.Header.Set("Authorization", "Bearer "+installTok)
		}
		resp, err := hc.Do(req)
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("%s %s: %v", c.method, c.path, err))
			continue
		}
		_ = resp.Body.Close()
		if c.invalid {
			rec.markLastInvalid()
		}
		if resp.StatusCode >= 500 {
			res.Errors = append(res.Errors, fmt.Sprintf("%s %s: %d", c.method, c.path, resp.StatusCode))
		}
	}
	res.Exchanges = rec.exchanges()
	return res
}
