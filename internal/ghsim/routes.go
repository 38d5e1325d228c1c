package ghsim

// registerRoutes lists every REST endpoint with the GitHub App permission
// it needs (what X-Accepted-GitHub-Permissions reports).
func (s *Server) registerRoutes() {
	const (
		admin   = "administration"
		members = "members"
		meta    = "metadata"
		issues  = "issues"
		pulls   = "pull_requests"
		orgAdm  = "organization_administration"
		rd      = "read"
		wr      = "write"
	)
	routes := []route{
		// Apps (JWT) and rate limit.
		{method: "GET", pattern: "/app", auth: authJWT, h: hGetApp},
		{method: "GET", pattern: "/app/installations", auth: authJWT, h: hListAppInstallations},
		{method: "GET", pattern: "/app/installations/{installation_id}", auth: authJWT, h: hGetInstallation},
		{method: "POST", pattern: "/app/installations/{installation_id}/access_tokens", auth: authJWT, write: true, h: hCreateToken},
		{method: "GET", pattern: "/orgs/{org}/installation", auth: authJWT, h: hGetOrgInstallation},
		{method: "GET", pattern: "/repos/{owner}/{repo}/installation", auth: authJWT, h: hGetRepoInstallation},
		{method: "GET", pattern: "/rate_limit", auth: authAny, h: hRateLimit},
		{method: "GET", pattern: "/orgs/{org}/installations", perm: orgAdm, level: rd, h: onOrg(false, hOrgInstallations)},

		// Users and orgs.
		{method: "GET", pattern: "/users/{username}", h: hGetUser},
		{method: "GET", pattern: "/user", h: hGetAuthUser},
		{method: "GET", pattern: "/user/{account_id}", h: hGetUserByID},
		{method: "GET", pattern: "/orgs/{org}", perm: meta, level: rd, h: onOrg(true, hGetOrg)},
		{method: "GET", pattern: "/orgs/{org}/members", perm: members, level: rd, h: onOrg(false, hOrgMembers)},
		{method: "GET", pattern: "/orgs/{org}/members/{username}", perm: members, level: rd, h: onOrg(false, hOrgMember)},
		{method: "GET", pattern: "/orgs/{org}/memberships/{username}", perm: members, level: rd, h: onOrg(false, hOrgMembership)},
		{method: "GET", pattern: "/orgs/{org}/outside_collaborators", perm: members, level: rd, h: onOrg(false, hOutsideCollaborators)},
		{method: "GET", pattern: "/orgs/{org}/repos", perm: meta, level: rd, h: onOrg(true, hOrgRepos)},
		{method: "GET", pattern: "/orgs/{org}/teams", perm: members, level: rd, h: onOrg(false, hOrgTeams)},
		{method: "GET", pattern: "/orgs/{org}/teams/{team_slug}", perm: members, level: rd, h: onTeam(hGetTeam)},
		{method: "GET", pattern: "/orgs/{org}/teams/{team_slug}/members", perm: members, level: rd, h: onTeam(hTeamMembers)},
		{method: "GET", pattern: "/orgs/{org}/teams/{team_slug}/memberships/{username}", perm: members, level: rd, h: onTeam(hTeamMembership)},
		{method: "GET", pattern: "/orgs/{org}/teams/{team_slug}/teams", perm: members, level: rd, h: onTeam(hChildTeams)},
		{method: "GET", pattern: "/orgs/{org}/teams/{team_slug}/repos", perm: members, level: rd, h: onTeam(hTeamRepos)},
		{method: "GET", pattern: "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", perm: members, level: rd, h: onTeam(hCheckTeamRepo)},
		{method: "PUT", pattern: "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", perm: admin, level: wr, write: true, h: onTeam(hPutTeamRepo)},
		{method: "DELETE", pattern: "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", perm: admin, level: wr, write: true, h: onTeam(hDeleteTeamRepo)},
		{method: "GET", pattern: "/orgs/{org}/rulesets", perm: orgAdm, level: rd, h: onOrg(false, hOrgRulesets)},
		{method: "GET", pattern: "/orgs/{org}/rulesets/{ruleset_id}", perm: orgAdm, level: rd, h: onOrg(false, hOrgRuleset)},
		{method: "POST", pattern: "/orgs/{org}/rulesets", perm: orgAdm, level: wr, write: true, h: onOrg(false, hCreateOrgRuleset)},
		{method: "PUT", pattern: "/orgs/{org}/rulesets/{ruleset_id}", perm: orgAdm, level: wr, write: true, h: onOrg(false, hUpdateOrgRuleset)},

		// Repositories.
		{method: "GET", pattern: "/repos/{owner}/{repo}", perm: meta, level: rd, h: onRepo(hGetRepo)},
		{method: "GET", pattern: "/repositories/{id}", perm: meta, level: rd, h: hGetRepoByID},
		{method: "GET", pattern: "/repos/{owner}/{repo}/branches", perm: meta, level: rd, h: onRepo(hBranches)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/branches/{branch}", perm: meta, level: rd, h: onRepo(hBranch)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/collaborators", perm: admin, level: rd, h: onRepo(hCollaborators)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/collaborators/{username}", perm: admin, level: rd, h: onRepo(withUser(hCheckCollaborator))},
		{method: "GET", pattern: "/repos/{owner}/{repo}/collaborators/{username}/permission", perm: admin, level: rd, h: onRepo(withUser(hCollaboratorPermission))},
		{method: "PUT", pattern: "/repos/{owner}/{repo}/collaborators/{username}", perm: admin, level: wr, write: true, creates: true, h: onWritableRepo(withUser(hPutCollaborator))},
		{method: "DELETE", pattern: "/repos/{owner}/{repo}/collaborators/{username}", perm: admin, level: wr, write: true, h: onWritableRepo(withUser(hDeleteCollaborator))},
		{method: "GET", pattern: "/repos/{owner}/{repo}/invitations", perm: admin, level: rd, h: onRepo(hInvitations)},
		{method: "PATCH", pattern: "/repos/{owner}/{repo}/invitations/{invitation_id}", perm: admin, level: wr, write: true, h: onWritableRepo(withInvitation(hPatchInvitation))},
		{method: "DELETE", pattern: "/repos/{owner}/{repo}/invitations/{invitation_id}", perm: admin, level: wr, write: true, h: onWritableRepo(withInvitation(hDeleteInvitation))},
		{method: "GET", pattern: "/repos/{owner}/{repo}/teams", perm: admin, level: rd, h: onRepo(hRepoTeams)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/keys", perm: admin, level: rd, h: onRepo(hDeployKeys)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/events", perm: meta, level: rd, h: onRepo(hRepoEvents)},

		// Branch protection.
		{method: "GET", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection", perm: admin, level: rd, h: onProtection(false, hGetProtection)},
		{method: "PUT", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection", perm: admin, level: wr, write: true, h: hPutProtection},
		{method: "DELETE", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection", perm: admin, level: wr, write: true, h: onProtection(true, hDeleteProtection)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks", perm: admin, level: rd, h: onChecks(false, hGetStatusChecks)},
		{method: "PATCH", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks", perm: admin, level: wr, write: true, h: onChecks(true, hPatchStatusChecks)},
		{method: "DELETE", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks", perm: admin, level: wr, write: true, h: onProtection(true, hDeleteStatusChecks)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks/contexts", perm: admin, level: rd, h: onChecks(false, hGetContexts)},
		{method: "PUT", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks/contexts", perm: admin, level: wr, write: true, h: hContexts("set")},
		{method: "POST", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks/contexts", perm: admin, level: wr, write: true, h: hContexts("add")},
		{method: "DELETE", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks/contexts", perm: admin, level: wr, write: true, h: hContexts("remove")},
		{method: "GET", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins", perm: admin, level: rd, h: hGetFlag("enforce_admins", enforceAdmins)},
		{method: "POST", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins", perm: admin, level: wr, write: true, h: hSetFlag("enforce_admins", enforceAdmins, true)},
		{method: "DELETE", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins", perm: admin, level: wr, write: true, h: hSetFlag("enforce_admins", enforceAdmins, false)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_pull_request_reviews", perm: admin, level: rd, h: onReviews(false, hGetReviews)},
		{method: "PATCH", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_pull_request_reviews", perm: admin, level: wr, write: true, h: onReviews(true, hPatchReviews)},
		{method: "DELETE", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_pull_request_reviews", perm: admin, level: wr, write: true, h: onReviews(true, hDeleteReviews)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures", perm: admin, level: rd, h: hGetFlag("required_signatures", requiredSignatures)},
		{method: "POST", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures", perm: admin, level: wr, write: true, h: hSetFlag("required_signatures", requiredSignatures, true)},
		{method: "DELETE", pattern: "/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures", perm: admin, level: wr, write: true, h: hSetFlag("required_signatures", requiredSignatures, false)},

		// Rulesets.
		{method: "GET", pattern: "/repos/{owner}/{repo}/rulesets", perm: admin, level: rd, h: onRepo(hRepoRulesets)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/rulesets/{ruleset_id}", perm: admin, level: rd, h: onRepo(hRepoRuleset)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/rules/branches/{branch...}", perm: meta, level: rd, h: onRepo(hBranchRules)},

		// Issues, labels, pulls.
		{method: "GET", pattern: "/repos/{owner}/{repo}/issues", perm: issues, level: rd, h: onRepo(hListIssues)},
		{method: "POST", pattern: "/repos/{owner}/{repo}/issues", perm: issues, level: wr, write: true, creates: true, h: onWritableRepo(hCreateIssue)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/issues/{issue_number}", perm: issues, level: rd, h: onRepo(withIssue("issue_number", hGetIssue))},
		{method: "PATCH", pattern: "/repos/{owner}/{repo}/issues/{issue_number}", perm: issues, level: wr, write: true, h: onWritableRepo(withIssue("issue_number", hPatchIssue))},
		{method: "GET", pattern: "/repos/{owner}/{repo}/issues/{issue_number}/comments", perm: issues, level: rd, h: onRepo(withIssue("issue_number", hListComments))},
		{method: "POST", pattern: "/repos/{owner}/{repo}/issues/{issue_number}/comments", perm: issues, level: wr, write: true, creates: true, h: onWritableRepo(withIssue("issue_number", hCreateComment))},
		{method: "GET", pattern: "/repos/{owner}/{repo}/labels", perm: issues, level: rd, h: onRepo(hListLabels)},
		{method: "POST", pattern: "/repos/{owner}/{repo}/labels", perm: issues, level: wr, write: true, creates: true, h: onWritableRepo(hCreateLabel)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/labels/{name}", perm: issues, level: rd, h: onRepo(hGetLabel)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/commits/{commit_sha}/pulls", perm: pulls, level: rd, h: onRepo(hCommitPulls)},
		{method: "GET", pattern: "/repos/{owner}/{repo}/pulls/{pull_number}", perm: pulls, level: rd, h: onRepo(withIssue("pull_number", hGetPull))},
		{method: "GET", pattern: "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", perm: pulls, level: rd, h: onRepo(withIssue("pull_number", hPullReviews))},
	}
	for i := range routes {
		rt := &routes[i]
		s.mux.HandleFunc(rt.method+" "+rt.pattern, s.handle(rt))
	}
	gq := &route{method: "POST", pattern: "/graphql", graphql: true}
	s.mux.HandleFunc("POST /graphql", s.graphqlHandler(gq))
	nf := &route{method: "*", pattern: "(unknown)", auth: authAny, h: func(c *ctx) { c.notFound() }}
	s.mux.HandleFunc("/", s.handle(nf))
}

// onRepo, onOrg and onTeam run a handler on the repository, org or team in
// the path; where it is missing or hidden from the caller, the load has
// already answered (404, 403).
func onRepo(h func(*ctx, *repo)) func(*ctx) {
	return func(c *ctx) {
		if r := c.loadRepo(); r != nil {
			h(c, r)
		}
	}
}

// onWritableRepo is onRepo for a write: an archived repository is
// read-only (403).
func onWritableRepo(h func(*ctx, *repo)) func(*ctx) {
	return func(c *ctx) {
		if r := c.writableRepo(c.pv("owner"), c.pv("repo")); r != nil {
			h(c, r)
		}
	}
}

func onOrg(publicOK bool, h func(*ctx, *org)) func(*ctx) {
	return func(c *ctx) {
		if o := c.loadOrg(publicOK); o != nil {
			h(c, o)
		}
	}
}

func onTeam(h func(*ctx, *org, *team)) func(*ctx) {
	return func(c *ctx) {
		if o, t := c.loadTeam(); t != nil {
			h(c, o, t)
		}
	}
}
