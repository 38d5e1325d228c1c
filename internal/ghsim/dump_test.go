package ghsim

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestDumpResponses exercises every REST route and, when GHAPITEST_DUMP
// names a file, writes each exchange there as a JSON line (method, the
// route's OpenAPI path, status, headers, body) for an external check of the
// bodies against GitHub's OpenAPI description (kin-openapi). Without the
// variable it still runs every route as a smoke test.
func TestDumpResponses(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddTeam("acme", "core", TeamOptions{Description: "core team"})
	s.AddTeam("acme", "child", TeamOptions{Parent: "core"})
	s.AddTeamMember("acme", "core", "alice", "maintainer")
	s.SetTeamRepo("acme", "core", "widgets", RoleMaintain)
	s.SetCollaborator("acme", "widgets", "olga", RoleWrite)
	invID := s.AddInvitation("acme", "widgets", "newbie", RoleTriage, InvitationOptions{})
	s.SetProtection("acme", "widgets", "main", &Protection{
		RequiredStatusChecks:       &RequiredStatusChecks{Strict: true, Checks: []StatusCheck{{Context: "EasyCLA"}, {Context: "DCO", AppID: 4242}}},
		EnforceAdmins:              true,
		RequiredPullRequestReviews: &RequiredPullRequestReviews{RequiredApprovingReviewCount: 1, DismissalRestrictions: &Restrictions{Users: []string{"alice"}, Teams: []string{"core"}}, BypassAllowances: &Restrictions{Apps: []string{"permsync"}}},
		Restrictions:               &Restrictions{Users: []string{"alice"}, Teams: []string{"core"}, Apps: []string{"permsync"}},
	})
	rsID := s.AddRuleset("acme", "widgets", Ruleset{Name: "r", Include: []string{"~DEFAULT_BRANCH"}, Rules: []Rule{RequiredStatusChecksRule(true, StatusCheck{Context: "EasyCLA", AppID: 1861}), PullRequestRule(1, false, false), MergeQueueRule(), {Type: "deletion"}},
		BypassActors: []BypassActor{{ActorType: "OrganizationAdmin"}, {ActorID: 4242, ActorType: "Integration"}}})
	orgRS := s.AddRuleset("acme", "", Ruleset{Name: "org", Include: []string{"~ALL"}, RepoInclude: []string{"~ALL"}, Rules: []Rule{{Type: "non_fast_forward"}}})
	n := s.AddIssue("acme", "widgets", IssueOptions{Title: "t", Body: "b", Labels: []string{"x"}})
	s.AddIssueComment("acme", "widgets", n, "bob", "hi")
	pn := s.AddPull("acme", "widgets", PullOptions{Title: "p", Author: "alice", MergeCommitSHA: "deadbeef", Merged: true, MergedBy: "root", Reviews: []ReviewOptions{{User: "bob"}}})
	s.AddDeployKey("acme", "widgets", "k", "ssh-ed25519 AAAA", true)
	s.AddUser("newcomer")
	s.AddRepo("acme", "old", RepoOptions{Archived: true, Private: true})
	s.AddRepo("acme", "strict", RepoOptions{})
	s.SetBaseRole("acme", RoleRead)
	k, _ := keys(t)
	jwt := appJWT(t, k, "4242", s.Now(), s.Now().Add(5*time.Minute))

	type ex struct {
		method, path, api, tok string
		body                   any
		hdr                    []string
	}
	p := "repos/acme/widgets/branches/main/protection"
	list := []ex{
		{"GET", "app", "/app", jwt, nil, nil},
		{"GET", "app/installations", "/app/installations", jwt, nil, nil},
		{"GET", fmt.Sprintf("app/installations/%d", f.inst), "/app/installations/{installation_id}", jwt, nil, nil},
		{"POST", fmt.Sprintf("app/installations/%d/access_tokens", f.inst), "/app/installations/{installation_id}/access_tokens", jwt, map[string]any{"repositories": []string{"widgets"}, "permissions": map[string]string{"administration": "read"}}, nil},
		{"GET", "orgs/acme/installation", "/orgs/{org}/installation", jwt, nil, nil},
		{"GET", "repos/acme/widgets/installation", "/repos/{owner}/{repo}/installation", jwt, nil, nil},
		{"GET", "rate_limit", "/rate_limit", f.tok, nil, nil},
		{"GET", "orgs/acme/installations", "/orgs/{org}/installations", f.tok, nil, nil},
		{"GET", "users/alice", "/users/{username}", f.tok, nil, nil},
		{"GET", "orgs/acme", "/orgs/{org}", f.tok, nil, nil},
		{"GET", "orgs/acme/members", "/orgs/{org}/members", f.tok, nil, nil},
		{"GET", "orgs/acme/memberships/root", "/orgs/{org}/memberships/{username}", f.tok, nil, nil},
		{"GET", "orgs/acme/outside_collaborators", "/orgs/{org}/outside_collaborators", f.tok, nil, nil},
		{"GET", "orgs/acme/repos", "/orgs/{org}/repos", f.tok, nil, nil},
		{"GET", "orgs/acme/teams", "/orgs/{org}/teams", f.tok, nil, nil},
		{"GET", "orgs/acme/teams/child", "/orgs/{org}/teams/{team_slug}", f.tok, nil, nil},
		{"GET", "orgs/acme/teams/core/members", "/orgs/{org}/teams/{team_slug}/members", f.tok, nil, nil},
		{"GET", "orgs/acme/teams/core/memberships/alice", "/orgs/{org}/teams/{team_slug}/memberships/{username}", f.tok, nil, nil},
		{"GET", "orgs/acme/teams/core/teams", "/orgs/{org}/teams/{team_slug}/teams", f.tok, nil, nil},
		{"GET", "orgs/acme/teams/core/repos", "/orgs/{org}/teams/{team_slug}/repos", f.tok, nil, nil},
		{"GET", "orgs/acme/teams/core/repos/acme/widgets", "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", f.tok, nil, []string{"Accept", "application/vnd.github.v3.repository+json"}},
		{"GET", "orgs/acme/rulesets", "/orgs/{org}/rulesets", f.tok, nil, nil},
		{"GET", fmt.Sprintf("orgs/acme/rulesets/%d", orgRS), "/orgs/{org}/rulesets/{ruleset_id}", f.tok, nil, nil},
		{"GET", "repos/acme/widgets", "/repos/{owner}/{repo}", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/branches", "/repos/{owner}/{repo}/branches", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/branches/main", "/repos/{owner}/{repo}/branches/{branch}", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/collaborators", "/repos/{owner}/{repo}/collaborators", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/collaborators/alice/permission", "/repos/{owner}/{repo}/collaborators/{username}/permission", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/collaborators/nobody-here/permission", "/repos/{owner}/{repo}/collaborators/{username}/permission", f.tok, nil, nil},
		{"PUT", "repos/acme/widgets/collaborators/newcomer", "/repos/{owner}/{repo}/collaborators/{username}", f.tok, map[string]string{"permission": "push"}, nil},
		{"GET", "repos/acme/widgets/invitations", "/repos/{owner}/{repo}/invitations", f.tok, nil, nil},
		{"PATCH", fmt.Sprintf("repos/acme/widgets/invitations/%d", invID), "/repos/{owner}/{repo}/invitations/{invitation_id}", f.tok, map[string]string{"permissions": "write"}, nil},
		{"GET", "repos/acme/widgets/teams", "/repos/{owner}/{repo}/teams", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/keys", "/repos/{owner}/{repo}/keys", f.tok, nil, nil},
		{"GET", p, "/repos/{owner}/{repo}/branches/{branch}/protection", f.tok, nil, nil},
		{"GET", p + "/required_status_checks", "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks", f.tok, nil, nil},
		{"PATCH", p + "/required_status_checks", "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks", f.tok, map[string]any{"strict": false}, nil},
		{"GET", p + "/required_status_checks/contexts", "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks/contexts", f.tok, nil, nil},
		{"POST", p + "/required_status_checks/contexts", "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks/contexts", f.tok, []string{"x"}, nil},
		{"GET", p + "/enforce_admins", "/repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins", f.tok, nil, nil},
		{"POST", p + "/enforce_admins", "/repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins", f.tok, nil, nil},
		{"GET", p + "/required_pull_request_reviews", "/repos/{owner}/{repo}/branches/{branch}/protection/required_pull_request_reviews", f.tok, nil, nil},
		{"PATCH", p + "/required_pull_request_reviews", "/repos/{owner}/{repo}/branches/{branch}/protection/required_pull_request_reviews", f.tok, map[string]any{"required_approving_review_count": 2}, nil},
		{"GET", p + "/required_signatures", "/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures", f.tok, nil, nil},
		{"POST", p + "/required_signatures", "/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures", f.tok, nil, nil},
		{"PUT", p, "/repos/{owner}/{repo}/branches/{branch}/protection", f.tok, map[string]any{"required_status_checks": map[string]any{"strict": true, "checks": []any{map[string]any{"context": "EasyCLA"}}}, "enforce_admins": true, "required_pull_request_reviews": map[string]any{"required_approving_review_count": 1}, "restrictions": map[string]any{"users": []string{"alice"}, "teams": []string{}}}, nil},
		{"GET", p, "/repos/{owner}/{repo}/branches/{branch}/protection", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/rulesets", "/repos/{owner}/{repo}/rulesets", f.tok, nil, nil},
		{"GET", fmt.Sprintf("repos/acme/widgets/rulesets/%d", rsID), "/repos/{owner}/{repo}/rulesets/{ruleset_id}", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/rules/branches/main", "/repos/{owner}/{repo}/rules/branches/{branch}", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/issues?state=all", "/repos/{owner}/{repo}/issues", f.tok, nil, nil},
		{"POST", "repos/acme/widgets/issues", "/repos/{owner}/{repo}/issues", f.tok, map[string]any{"title": "new", "labels": []string{"x"}}, nil},
		{"GET", fmt.Sprintf("repos/acme/widgets/issues/%d", n), "/repos/{owner}/{repo}/issues/{issue_number}", f.tok, nil, nil},
		{"PATCH", fmt.Sprintf("repos/acme/widgets/issues/%d", n), "/repos/{owner}/{repo}/issues/{issue_number}", f.tok, map[string]any{"state": "closed"}, nil},
		{"GET", fmt.Sprintf("repos/acme/widgets/issues/%d/comments", n), "/repos/{owner}/{repo}/issues/{issue_number}/comments", f.tok, nil, nil},
		{"POST", fmt.Sprintf("repos/acme/widgets/issues/%d/comments", n), "/repos/{owner}/{repo}/issues/{issue_number}/comments", f.tok, map[string]any{"body": "c"}, nil},
		{"GET", "repos/acme/widgets/labels", "/repos/{owner}/{repo}/labels", f.tok, nil, nil},
		{"POST", "repos/acme/widgets/labels", "/repos/{owner}/{repo}/labels", f.tok, map[string]any{"name": "y", "color": "fff000"}, nil},
		{"GET", "repos/acme/widgets/labels/x", "/repos/{owner}/{repo}/labels/{name}", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/commits/deadbeef/pulls", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls", f.tok, nil, nil},
		{"GET", fmt.Sprintf("repos/acme/widgets/pulls/%d", pn), "/repos/{owner}/{repo}/pulls/{pull_number}", f.tok, nil, nil},
		{"GET", fmt.Sprintf("repos/acme/widgets/pulls/%d/reviews", pn), "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", f.tok, nil, nil},
		{"GET", "repos/acme/nope", "/repos/{owner}/{repo}", f.tok, nil, nil},
		{"PUT", "repos/acme/widgets/collaborators/bob", "/repos/{owner}/{repo}/collaborators/{username}", f.tok, map[string]string{"permission": "nonsense"}, nil},
		{"PUT", "repos/acme/widgets/branches/main/protection", "/repos/{owner}/{repo}/branches/{branch}/protection", f.tok, map[string]any{}, nil},
		{"GET", "users/acme", "/users/{username}", f.tok, nil, nil},
		{"GET", "orgs/acme/members/bob", "/orgs/{org}/members/{username}", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/collaborators/olga", "/repos/{owner}/{repo}/collaborators/{username}", f.tok, nil, nil},
		{"PUT", "orgs/acme/teams/child/repos/acme/widgets", "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", f.tok, map[string]string{"permission": "push"}, nil},
		{"DELETE", "orgs/acme/teams/child/repos/acme/widgets", "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", f.tok, nil, nil},
		{"PUT", "repos/acme/old/collaborators/bob", "/repos/{owner}/{repo}/collaborators/{username}", f.tok, nil, nil},
		{"PUT", "repos/acme/strict/collaborators/bob", "/repos/{owner}/{repo}/collaborators/{username}", f.tok, map[string]string{"permission": "pull"}, nil},
		{"GET", "repos/acme/widgets/branches/dev/protection", "/repos/{owner}/{repo}/branches/{branch}/protection", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/branches/nope", "/repos/{owner}/{repo}/branches/{branch}", f.tok, nil, nil},
		{"DELETE", fmt.Sprintf("repos/acme/widgets/invitations/%d", invID), "/repos/{owner}/{repo}/invitations/{invitation_id}", f.tok, nil, nil},
		{"POST", fmt.Sprintf("app/installations/%d/access_tokens", f.inst), "/app/installations/{installation_id}/access_tokens", jwt, map[string]any{"permissions": map[string]string{"contents": "write"}}, nil},
		{"DELETE", p + "/required_status_checks", "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks", f.tok, nil, nil},
		{"GET", p + "/required_status_checks", "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks", f.tok, nil, nil},
		{"DELETE", p, "/repos/{owner}/{repo}/branches/{branch}/protection", f.tok, nil, nil},
		{"GET", "repos/acme/widgets/collaborators", "/repos/{owner}/{repo}/collaborators", s.InstallationToken(f.inst, Permissions{"members": "read"}), nil, nil},
		{"GET", "orgs/acme/repos?type=private", "/orgs/{org}/repos", f.tok, nil, nil},
	}
	var out *os.File
	if path := os.Getenv("GHAPITEST_DUMP"); path != "" {
		var err error
		if out, err = os.Create(path); err != nil {
			t.Fatal(err)
		}
		defer out.Close()
	}
	for _, e := range list {
		r := call(t, s, e.method, e.path, e.tok, e.body, e.hdr...)
		if r.StatusCode >= 500 {
			t.Errorf("%s %s: %d %s", e.method, e.path, r.StatusCode, r.body)
		}
		if out != nil {
			line, _ := json.Marshal(map[string]any{"method": e.method, "path": "/" + e.path, "api": e.api, "status": r.StatusCode,
				"content_type": r.Header.Get("Content-Type"), "body": string(r.body)})
			_, _ = out.Write(append(line, '\n'))
		}
	}
}
