package ghsim

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gql(t testing.TB, s *Server, tok, query string, vars map[string]any) (map[string]any, []map[string]any, resp) {
	t.Helper()
	r := call(t, s, "POST", s.GraphQLURL(), tok, map[string]any{"query": query, "variables": vars})
	wantStatus(t, r, 200)
	var out struct {
		Data   map[string]any   `json:"data"`
		Errors []map[string]any `json:"errors"`
	}
	r.json(t, &out)
	return out.Data, out.Errors, r
}

// dig walks a decoded JSON value by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestGraphQLCollaboratorsPermissionSources(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddTeam("acme", "core", TeamOptions{})
	s.AddTeamMember("acme", "core", "alice", "")
	s.SetTeamRepo("acme", "core", "widgets", RoleAdmin)
	s.SetCollaborator("acme", "widgets", "alice", RoleMaintain)
	s.SetCollaborator("acme", "widgets", "olga", RoleTriage)

	q := `query($o: String!, $r: String!, $n: Int!) {
	  repository(owner: $o, name: $r) {
	    nameWithOwner
	    collaborators(affiliation: DIRECT, first: $n) {
	      totalCount
	      edges { cursor permission permissionSources { permission roleName source { __typename ... on Repository { nameWithOwner } ... on Team { slug } ... on Organization { login } } } node { login } }
	      pageInfo { hasNextPage endCursor }
	    }
	  }
	}`
	data, errs, _ := gql(t, s, f.tok, q, map[string]any{"o": "acme", "r": "widgets", "n": 10})
	require.Empty(t, errs)
	edges := dig(data, "repository", "collaborators", "edges").([]any)
	require.Len(t, edges, 2)
	alice := edges[0].(map[string]any)
	assert.Equal(t, "Alice", dig(alice, "node", "login"))
	assert.Equal(t, "ADMIN", alice["permission"]) // the highest
	srcs := alice["permissionSources"].([]any)
	got := map[string]string{}
	for _, x := range srcs {
		m := x.(map[string]any)
		got[dig(m, "source", "__typename").(string)] = m["permission"].(string) + "/" + m["roleName"].(string)
	}
	// The direct maintain grant reads WRITE in permission, exact in roleName.
	assert.Equal(t, map[string]string{"Repository": "WRITE/maintain", "Team": "ADMIN/admin", "Organization": "READ/read"}, got)
	olga := edges[1].(map[string]any)
	assert.Equal(t, "TRIAGE", olga["permission"])
	assert.Equal(t, "READ", dig(olga, "permissionSources", 0, "permission"))
	assert.Equal(t, "triage", dig(olga, "permissionSources", 0, "roleName"))
	assert.Equal(t, float64(2), dig(data, "repository", "collaborators", "totalCount"))

	data, _, _ = gql(t, s, f.tok, `{ repository(owner:"acme", name:"widgets") { collaborators(affiliation: OUTSIDE, first: 5) { nodes { login } } } }`, nil)
	assert.Equal(t, []any{map[string]any{"login": "olga"}}, dig(data, "repository", "collaborators", "nodes"))
	data, _, _ = gql(t, s, f.tok, `{ repository(owner:"acme", name:"widgets") { collaborators(first: 5) { totalCount } } }`, nil)
	assert.Equal(t, float64(4), dig(data, "repository", "collaborators", "totalCount"))
}

func TestGraphQLPagination(t *testing.T) {
	f := newFixture(t)
	s := f.s
	for i := range 250 {
		s.SetCollaborator("acme", "widgets", fmt.Sprintf("u%03d", i), RoleRead)
	}
	q := `query($after: String) { repository(owner:"acme", name:"widgets") { collaborators(affiliation: DIRECT, first: 100, after: $after) { nodes { login } pageInfo { hasNextPage endCursor } } } }`
	var after any
	seen := map[string]bool{}
	pages := 0
	for {
		data, errs, _ := gql(t, s, f.tok, q, map[string]any{"after": after})
		require.Empty(t, errs)
		for _, n := range dig(data, "repository", "collaborators", "nodes").([]any) {
			seen[n.(map[string]any)["login"].(string)] = true
		}
		pages++
		if dig(data, "repository", "collaborators", "pageInfo", "hasNextPage") != true {
			break
		}
		after = dig(data, "repository", "collaborators", "pageInfo", "endCursor")
	}
	assert.Equal(t, 3, pages)
	assert.Len(t, seen, 250)
	data, _, _ := gql(t, s, f.tok, `{ repository(owner:"acme", name:"widgets") { collaborators(affiliation: DIRECT, last: 2) { nodes { login } pageInfo { hasNextPage } } } }`, nil)
	assert.Equal(t, []any{map[string]any{"login": "u248"}, map[string]any{"login": "u249"}}, dig(data, "repository", "collaborators", "nodes"))
}

func TestGraphQLAliasesFragmentsAndNotFound(t *testing.T) {
	f := newFixture(t)
	s := f.s
	q := `
	fragment R on Repository { name isArchived visibility defaultBranchRef { name } owner { login ... on Organization { databaseId } } }
	query {
	  a: repository(owner: "acme", name: "widgets") { ...R }
	  b: repository(owner: "acme", name: "missing") { ...R }
	  org: organization(login: "acme") { login teams(first: 10) { totalCount } }
	  viewer { login }
	  rateLimit { cost limit remaining used nodeCount resetAt }
	}`
	data, errs, r := gql(t, s, f.tok, q, nil)
	assert.Equal(t, "widgets", dig(data, "a", "name"))
	assert.Equal(t, "PUBLIC", dig(data, "a", "visibility"))
	assert.Equal(t, "main", dig(data, "a", "defaultBranchRef", "name"))
	assert.Equal(t, "acme", dig(data, "a", "owner", "login"))
	assert.NotNil(t, dig(data, "a", "owner", "databaseId"))
	assert.Contains(t, data, "b")
	assert.Nil(t, data["b"])
	require.Len(t, errs, 1)
	assert.Equal(t, "NOT_FOUND", errs[0]["type"])
	assert.Equal(t, []any{"b"}, errs[0]["path"])
	assert.Equal(t, "Could not resolve to a Repository with the name 'acme/missing'.", errs[0]["message"])
	assert.NotEmpty(t, errs[0]["locations"])
	assert.Equal(t, "permsync[bot]", dig(data, "viewer", "login"))
	assert.Equal(t, float64(1), dig(data, "rateLimit", "cost"))
	assert.Equal(t, "graphql", r.Header.Get("X-RateLimit-Resource"))
	// Field order follows the query.
	assert.True(t, strings.Index(string(r.body), `"a"`) < strings.Index(string(r.body), `"org"`))

	// Validation errors: 200, errors, no data.
	r2 := call(t, s, "POST", s.GraphQLURL(), f.tok, map[string]any{"query": `{ repository(owner:"acme", name:"widgets") { nope } }`})
	wantStatus(t, r2, 200)
	m := r2.obj(t)
	assert.NotContains(t, m, "data")
	assert.Equal(t, "Field 'nope' doesn't exist on type 'Repository'", dig(m, "errors", 0, "message"))
	// Both endpoints work.
	r3 := call(t, s, "POST", strings.TrimSuffix(s.RootURL(), "/")+"/graphql", f.tok, map[string]any{"query": `{ viewer { login } }`})
	wantStatus(t, r3, 200)
	wantStatus(t, call(t, s, "POST", s.GraphQLURL(), "", map[string]any{"query": `{ viewer { login } }`}), 401)
}

func TestGraphQLPaginationLimitsAndCost(t *testing.T) {
	f := newFixture(t)
	s := f.s
	_, errs, _ := gql(t, s, f.tok, `{ organization(login:"acme") { teams { totalCount } } }`, nil)
	require.Len(t, errs, 1)
	assert.Equal(t, "MISSING_PAGINATION_BOUNDARIES", errs[0]["type"])
	assert.Equal(t, "You must provide a `first` or `last` value to properly paginate the `teams` connection.", errs[0]["message"])
	_, errs, _ = gql(t, s, f.tok, `{ organization(login:"acme") { teams(first: 101) { totalCount } } }`, nil)
	require.Len(t, errs, 1)
	assert.Equal(t, "EXCESSIVE_PAGINATION", errs[0]["type"])
	assert.Equal(t, "Requesting 101 records on the `teams` connection exceeds the `first` limit of 100 records.", errs[0]["message"])

	// 1 request for repositories + 100 for collaborators + 100×50 for
	// permission... : GitHub's formula over connections only.
	q := `{ rateLimit { cost nodeCount } organization(login:"acme") { repositories(first: 100) { nodes { collaborators(first: 50) { nodes { login } } branchProtectionRules(first: 10) { nodes { matchingRefs(first: 10) { nodes { name } } } } } } } }`
	data, errs, _ := gql(t, s, f.tok, q, nil)
	require.Empty(t, errs)
	// requests: 1 + 100 + 100 + 1000 = 1201 → 12
	assert.Equal(t, float64(12), dig(data, "rateLimit", "cost"))
	assert.Equal(t, float64(100+5000+1000+10000), dig(data, "rateLimit", "nodeCount"))
	st := s.Stats()
	assert.Equal(t, int64(3), st.GraphQLQueries)

	big := `{ organization(login:"acme") { repositories(first: 100) { nodes { collaborators(first: 100) { nodes { login } } branchProtectionRules(first: 100) { nodes { matchingRefs(first: 100) { nodes { name } } } } } } } }`
	_, errs, _ = gql(t, s, f.tok, big, nil)
	require.Len(t, errs, 1)
	assert.Equal(t, "MAX_NODE_LIMIT_EXCEEDED", errs[0]["type"])
}

func TestGraphQLRateLimit(t *testing.T) {
	f := newFixture(t, WithGraphQLRateLimit(2))
	s := f.s
	for range 2 {
		_, errs, _ := gql(t, s, f.tok, `{ viewer { login } }`, nil)
		require.Empty(t, errs)
	}
	data, errs, r := gql(t, s, f.tok, `{ viewer { login } }`, nil)
	assert.Nil(t, data)
	require.Len(t, errs, 1)
	assert.Equal(t, "RATE_LIMITED", errs[0]["type"])
	assert.Equal(t, "0", r.Header.Get("X-RateLimit-Remaining"))
	// REST has its own bucket.
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", f.tok, nil), 200)
}

func TestGraphQLProtectionRulesetsTeams(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.SetProtection("acme", "widgets", "main", &Protection{
		EnforceAdmins:              true,
		RequiredStatusChecks:       &RequiredStatusChecks{Strict: true, Checks: []StatusCheck{{Context: "EasyCLA"}, {Context: "DCO", AppID: f.appID}}},
		RequiredPullRequestReviews: &RequiredPullRequestReviews{RequiredApprovingReviewCount: 1, RequireCodeOwnerReviews: true},
	})
	s.AddTeam("acme", "parent", TeamOptions{})
	s.AddTeam("acme", "child", TeamOptions{Parent: "parent"})
	s.AddTeamMember("acme", "parent", "alice", "maintainer")
	s.AddTeamMember("acme", "child", "bob", "")
	s.SetTeamRepo("acme", "parent", "widgets", RoleMaintain)
	teamID := s.AddTeam("acme", "bypassers", TeamOptions{})
	s.AddRuleset("acme", "widgets", Ruleset{Name: "r", Include: []string{"~DEFAULT_BRANCH"},
		Rules:        []Rule{RequiredStatusChecksRule(true, StatusCheck{Context: "EasyCLA", AppID: 1861}), PullRequestRule(2, true, false), MergeQueueRule(), {Type: "deletion"}},
		BypassActors: []BypassActor{{ActorID: f.appID, ActorType: "Integration"}, {ActorID: teamID, ActorType: "Team", BypassMode: "pull_request"}, {ActorType: "OrganizationAdmin"}}})
	s.AddRuleset("acme", "", Ruleset{Name: "org", Include: []string{"~ALL"}, RepoInclude: []string{"~ALL"}, Rules: []Rule{{Type: "non_fast_forward"}}})

	q := `{ repository(owner:"acme", name:"widgets") {
	  branchProtectionRules(first: 10) { nodes { id databaseId pattern isAdminEnforced requiresStatusChecks requiresStrictStatusChecks
	    requiredStatusChecks { context app { databaseId slug } } requiredStatusCheckContexts requiresApprovingReviews requiredApprovingReviewCount
	    requiresCodeOwnerReviews dismissesStaleReviews allowsForcePushes allowsDeletions restrictsPushes lockBranch requireLastPushApproval
	    requiresLinearHistory requiresCommitSignatures requiresConversationResolution blocksCreations matchingRefs(first: 5) { nodes { name } } } pageInfo { hasNextPage } }
	  rulesets(first: 10, includeParents: true) { nodes { id databaseId name enforcement target
	    source { __typename ... on Repository { nameWithOwner } ... on Organization { login } }
	    conditions { refName { include exclude } repositoryName { include exclude protected } }
	    rules(first: 10) { nodes { type parameters { __typename
	      ... on RequiredStatusChecksParameters { requiredStatusChecks { context integrationId } strictRequiredStatusChecksPolicy }
	      ... on PullRequestParameters { requiredApprovingReviewCount requireCodeOwnerReview dismissStaleReviewsOnPush } } } pageInfo { hasNextPage } }
	    bypassActors(first: 10) { nodes { bypassMode organizationAdmin repositoryRoleName deployKey actor { __typename ... on App { databaseId name slug } ... on Team { slug } } } } } pageInfo { hasNextPage } }
	} }`
	data, errs, _ := gql(t, s, f.tok, q, nil)
	require.Empty(t, errs)
	rule := dig(data, "repository", "branchProtectionRules", "nodes", 0).(map[string]any)
	assert.Equal(t, "main", rule["pattern"])
	assert.Equal(t, true, rule["isAdminEnforced"])
	assert.Equal(t, []any{map[string]any{"context": "EasyCLA", "app": nil}, map[string]any{"context": "DCO", "app": map[string]any{"databaseId": float64(f.appID), "slug": "permsync"}}}, rule["requiredStatusChecks"])
	assert.Equal(t, float64(1), rule["requiredApprovingReviewCount"])
	assert.Equal(t, []any{map[string]any{"name": "main"}}, dig(rule, "matchingRefs", "nodes"))
	id := rule["id"].(string)

	rs := dig(data, "repository", "rulesets", "nodes").([]any)
	require.Len(t, rs, 2)
	r0 := rs[0].(map[string]any)
	assert.Equal(t, "ACTIVE", r0["enforcement"])
	assert.Equal(t, "BRANCH", r0["target"])
	assert.Equal(t, "Repository", dig(r0, "source", "__typename"))
	assert.Nil(t, dig(r0, "conditions", "repositoryName"))
	rules := dig(r0, "rules", "nodes").([]any)
	require.Len(t, rules, 4)
	assert.Equal(t, "REQUIRED_STATUS_CHECKS", dig(rules, 0, "type"))
	assert.Equal(t, []any{map[string]any{"context": "EasyCLA", "integrationId": float64(1861)}}, dig(rules, 0, "parameters", "requiredStatusChecks"))
	assert.Equal(t, true, dig(rules, 0, "parameters", "strictRequiredStatusChecksPolicy"))
	assert.Equal(t, float64(2), dig(rules, 1, "parameters", "requiredApprovingReviewCount"))
	assert.Equal(t, "MergeQueueParameters", dig(rules, 2, "parameters", "__typename"))
	assert.Nil(t, dig(rules, 3, "parameters"))
	actors := dig(r0, "bypassActors", "nodes").([]any)
	assert.Equal(t, "App", dig(actors, 0, "actor", "__typename"))
	assert.Equal(t, "bypassers", dig(actors, 1, "actor", "slug"))
	assert.Equal(t, "PULL_REQUEST", dig(actors, 1, "bypassMode"))
	assert.Equal(t, true, dig(actors, 2, "organizationAdmin"))
	assert.Equal(t, "Organization", dig(rs, 1, "source", "__typename"))
	assert.Equal(t, []any{"~ALL"}, dig(rs, 1, "conditions", "repositoryName", "include"))

	// Node lookup.
	data, errs, _ = gql(t, s, f.tok, fmt.Sprintf(`{ node(id: %q) { __typename ... on BranchProtectionRule { pattern } } nodes(ids: [%q, "bm9wZQ=="]) { id } }`, id, id), nil)
	assert.Equal(t, "main", dig(data, "node", "pattern"))
	assert.Len(t, dig(data, "nodes"), 2)
	assert.Nil(t, dig(data, "nodes", 1))
	require.Len(t, errs, 1)

	tq := `{ organization(login:"acme") {
	  membersWithRole(first: 10) { edges { role node { login } } totalCount }
	  team(slug: "parent") { slug privacy parentTeam { slug } childTeams(first: 5) { nodes { slug } }
	    all: members(first: 10) { nodes { login } edges { role node { login } } totalCount }
	    direct: members(first: 10, membership: IMMEDIATE) { totalCount }
	    kids: members(first: 10, membership: CHILD_TEAM) { nodes { login } }
	    repositories(first: 10) { edges { permission node { name nameWithOwner } } totalCount pageInfo { hasNextPage } } }
	  child: team(slug: "child") { parentTeam { slug } repositories(first: 10) { totalCount } }
	} }`
	data, errs, _ = gql(t, s, f.tok, tq, nil)
	require.Empty(t, errs)
	assert.Equal(t, float64(3), dig(data, "organization", "membersWithRole", "totalCount"))
	assert.Equal(t, "ADMIN", dig(data, "organization", "membersWithRole", "edges", 0, "role"))
	team := dig(data, "organization", "team")
	assert.Equal(t, "VISIBLE", dig(team, "privacy"))
	assert.Equal(t, float64(2), dig(team, "all", "totalCount"))
	assert.Equal(t, "MAINTAINER", dig(team, "all", "edges", 0, "role"))
	assert.Equal(t, float64(1), dig(team, "direct", "totalCount"))
	assert.Equal(t, []any{map[string]any{"login": "bob"}}, dig(team, "kids", "nodes"))
	assert.Equal(t, "MAINTAIN", dig(team, "repositories", "edges", 0, "permission"))
	assert.Equal(t, "acme/widgets", dig(team, "repositories", "edges", 0, "node", "nameWithOwner"))
	assert.Equal(t, []any{map[string]any{"slug": "child"}}, dig(team, "childTeams", "nodes"))
	// Team.repositories lists the team's own grants, not inherited ones.
	assert.Equal(t, float64(0), dig(data, "organization", "child", "repositories", "totalCount"))
	assert.Equal(t, "parent", dig(data, "organization", "child", "parentTeam", "slug"))
}

func TestGraphQLFaultsAndPermissions(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.SetFaults(Faults{GraphQL: []GraphQLFault{{Alias: "b", Type: "INTERNAL", Message: "boom"}}})
	data, errs, _ := gql(t, s, f.tok, `{ a: repository(owner:"acme", name:"widgets") { name } b: repository(owner:"acme", name:"widgets") { name } }`, nil)
	assert.Equal(t, "widgets", dig(data, "a", "name"))
	assert.Nil(t, data["b"])
	require.Len(t, errs, 1)
	assert.Equal(t, "boom", errs[0]["message"])
	s.SetFaults(Faults{})

	tok := s.InstallationToken(f.inst, Permissions{"issues": "read"})
	data, errs, _ = gql(t, s, tok, `{ repository(owner:"acme", name:"widgets") { name collaborators(first: 1) { totalCount } } }`, nil)
	assert.Equal(t, "widgets", dig(data, "repository", "name"))
	assert.Nil(t, dig(data, "repository", "collaborators"))
	require.Len(t, errs, 1)
	assert.Equal(t, "FORBIDDEN", errs[0]["type"])

	// Variables of the wrong type are a validation error.
	r := call(t, s, "POST", s.GraphQLURL(), f.tok, map[string]any{"query": `query($n: Int!) { organization(login:"acme") { teams(first: $n) { totalCount } } }`, "variables": map[string]any{"n": "x"}})
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m))
	assert.NotContains(t, m, "data")
	assert.NotEmpty(t, m["errors"])
}

func TestGraphQLSecondaryLimit(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.SetFaults(Faults{EnforceSecondaryLimits: true})
	limited := 0
	for range 2005 {
		r := call(t, s, "POST", s.GraphQLURL(), f.tok, map[string]any{"query": `{ viewer { login } }`})
		if r.StatusCode == 403 {
			limited++
			assert.NotEmpty(t, r.Header.Get("Retry-After"))
		}
	}
	assert.Equal(t, 5, limited) // 2,000 points a minute, 1 per query
	assert.Equal(t, int64(2000), s.Stats().PeakPointsPerMinute)
}

func TestGraphQLRepositoryRef(t *testing.T) {
	f := newFixture(t)
	f.s.AddBranch("acme", "widgets", "release/1.x")
	data, errs, _ := gql(t, f.s, f.tok, `query { repository(owner:"acme", name:"widgets") {
		a: ref(qualifiedName: "refs/heads/release/1.x") { name prefix }
		b: ref(qualifiedName: "dev") { name }
		c: ref(qualifiedName: "refs/heads/nope") { name } } }`, nil)
	require.Empty(t, errs)
	assert.Equal(t, "release/1.x", dig(data, "repository", "a", "name"))
	assert.Equal(t, "dev", dig(data, "repository", "b", "name"))
	assert.Nil(t, dig(data, "repository", "c"))
}
