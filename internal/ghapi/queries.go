package ghapi

import (
	"fmt"
	"sort"
	"strings"
)

// Every GraphQL document this package sends is built here, from named
// constants, so that a check can validate each against GitHub's schema
// (Queries lists them).
//
// Cost. GitHub charges a query (requests needed for every connection,
// assuming each reaches its first/last) / 100, rounded, at least 1 point.
// A repository carries three connections (collaborators, branch
// protection rules, rulesets), so a query over N repositories needs about
// 3N requests: with N = 49 that is 147 (+1 for the list), which rounds to
// 1 point (50 would be 151, 2 points). Ruleset
// rules and bypass actors are connections too, which is why they are read
// in a second phase, once per distinct ruleset (org rulesets repeat in
// every repository) and only for active branch rulesets. Who may bypass
// a ruleset is read with its rules in every read (plan, drift, audit):
// whether a ruleset can stand in for classic protection depends on it.

// repoBatchSize is the number of repositories read per query.
const repoBatchSize = 49

// rulesetBatchSize is the number of rulesets per rules query: two
// connections each (rules, bypass actors), so 200 requests, 2 points, in
// one HTTP request.
const rulesetBatchSize = 100

const fragCollaborator = `
fragment CollaboratorEdge on RepositoryCollaboratorEdge {
  permission
  node { login databaseId }
  permissionSources {
    permission
    roleName
    source {
      __typename
      ... on Repository { databaseId nameWithOwner }
      ... on Team { slug }
      ... on Organization { login }
    }
  }
}`

const fragProtectionRule = `
fragment ProtectionRule on BranchProtectionRule {
  databaseId
  pattern
  isAdminEnforced
  requiresStatusChecks
  requiresStrictStatusChecks
  requiredStatusChecks { context app { databaseId } }
  requiresApprovingReviews
  requiredApprovingReviewCount
  requiresCodeOwnerReviews
  dismissesStaleReviews
  requireLastPushApproval
  allowsForcePushes
  allowsDeletions
  restrictsPushes
  requiresLinearHistory
  requiresCommitSignatures
}`

const fragRuleset = `
fragment RulesetHeader on RepositoryRuleset {
  id
  databaseId
  name
  enforcement
  target
  source {
    __typename
    ... on Repository { nameWithOwner }
    ... on Organization { login }
    ... on Enterprise { slug }
  }
  conditions { refName { include exclude } }
}`

// fragRepo is the one shared shape of a repository read.
const fragRepo = `
fragment RepoFields on Repository {
  name
  databaseId
  isArchived
  isDisabled
  isPrivate
  visibility
  defaultBranchRef { name }
  collaborators(affiliation: DIRECT, first: 100) {
    pageInfo { hasNextPage endCursor }
    edges { ...CollaboratorEdge }
  }
  branchProtectionRules(first: 20) {
    pageInfo { hasNextPage endCursor }
    nodes { ...ProtectionRule }
  }
  rulesets(first: 20, includeParents: true) {
    pageInfo { hasNextPage endCursor }
    nodes { ...RulesetHeader }
  }
}` + fragCollaborator + fragProtectionRule + fragRuleset

// QueryOrgRepos lists an org's repositories with their fields, $first
// (49, fewer if GitHub times out) a page.
const QueryOrgRepos = `query OrgRepos($org: String!, $first: Int!, $after: String) {
  organization(login: $org) {
    repositories(first: $first, after: $after, orderBy: {field: NAME, direction: ASC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...RepoFields }
    }
  }
  rateLimit { cost remaining resetAt }
}` + fragRepo

// QueryRepoBatch returns the query reading n named repositories, aliased
// r<i> (i from the caller's numbering, so that an alias keeps naming the
// same repository when a batch is split and retried), with the names as
// variables $n<i>.
func QueryRepoBatch(aliases []int) string {
	var b strings.Builder
	b.WriteString("query RepoBatch($owner: String!")
	for _, i := range aliases {
		fmt.Fprintf(&b, ", $n%d: String!", i)
	}
	b.WriteString(") {\n")
	for _, i := range aliases {
		fmt.Fprintf(&b, "  r%d: repository(owner: $owner, name: $n%d, followRenames: false) { ...RepoFields }\n", i, i)
	}
	b.WriteString("  rateLimit { cost remaining resetAt }\n}")
	b.WriteString(fragRepo)
	return b.String()
}

// fragOutside lists a repository's outside collaborators: a narrow read
// (ReadOptions.Narrow) learns from it which direct collaborators are org
// members without paging the org's member list.
const fragOutside = `
fragment RepoOutside on Repository {
  outsideCollaborators: collaborators(affiliation: OUTSIDE, first: 100) {
    pageInfo { hasNextPage }
    nodes { login }
  }
}`

// QueryRepoBatchNarrow is QueryRepoBatch with each repository's outside
// collaborators (four connections a repository).
func QueryRepoBatchNarrow(aliases []int) string {
	q := QueryRepoBatch(aliases)
	q = strings.Replace(q, "query RepoBatch(", "query RepoBatchNarrow(", 1)
	q = strings.ReplaceAll(q, "{ ...RepoFields }", "{ ...RepoFields ...RepoOutside }")
	return q + fragOutside
}

// QueryRepoBatchNarrowTeams is QueryRepoBatchNarrow with the first page of
// QueryTeamsFor for the first names repositories ($n0…): a narrow read's
// first phase in one request.
func QueryRepoBatchNarrowTeams(aliases []int, names int) string {
	q := QueryRepoBatchNarrow(aliases)
	q = strings.Replace(q, "query RepoBatchNarrow(", "query RepoBatchNarrowTeams(", 1)
	var b strings.Builder
	b.WriteString(`  organization(login: $owner) {
    membersWithRole(first: 1) { totalCount }
    teams(first: 100) {
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId
        slug
        name
        parentTeam { slug }
`)
	for j := 0; j < names; j++ {
		fmt.Fprintf(&b, "        g%d: repositories(first: 100, query: $n%d) { pageInfo { hasNextPage endCursor } edges { permission node { name } } }\n", j, j)
	}
	b.WriteString("      }\n    }\n  }\n  rateLimit {")
	return strings.Replace(q, "  rateLimit {", b.String(), 1)
}

// QueryTeamsFor pages an org's teams (100 a page) with, for each name
// $q<j>, the team's repositories whose name contains it (aliased g<j>;
// GitHub filters by substring, the caller keeps exact names). A narrow
// read costs one request per 100 teams instead of paging every team's
// every repository: 1 + 100 × names connections, names ≤ 5, at most 5
// points. membersWithRole's count tells whether paging the members
// would be cheaper than asking for a few logins.
func QueryTeamsFor(names int) string {
	var b strings.Builder
	b.WriteString("query TeamsFor($org: String!, $after: String")
	for j := 0; j < names; j++ {
		fmt.Fprintf(&b, ", $q%d: String!", j)
	}
	b.WriteString(`) {
  organization(login: $org) {
    membersWithRole(first: 1) { totalCount }
    teams(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId
        slug
        name
        parentTeam { slug }
`)
	for j := 0; j < names; j++ {
		fmt.Fprintf(&b, "        g%d: repositories(first: 100, query: $q%d) { pageInfo { hasNextPage endCursor } edges { permission node { name } } }\n", j, j)
	}
	b.WriteString(`      }
    }
  }
  rateLimit { cost remaining resetAt }
}`)
	return b.String()
}

// QueryTeamsMembers reads the members (child teams' included) of named
// teams, aliased t<i> with slugs $s<i>: one connection each, so up to 100
// teams a query for 1 point.
func QueryTeamsMembers(n int) string {
	var b strings.Builder
	b.WriteString("query TeamsMembers($org: String!")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, ", $s%d: String!", i)
	}
	b.WriteString(") {\n  organization(login: $org) {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    t%d: team(slug: $s%d) { slug members(first: 100, membership: ALL) { pageInfo { hasNextPage endCursor } nodes { login } } }\n", i, i)
	}
	b.WriteString("  }\n  rateLimit { cost remaining resetAt }\n}")
	return b.String()
}

// QueryTeamsMembersRules is QueryTeamsMembers (n may be 0) with the rules
// and bypass actors of the rulesets $ids, as QueryRulesetRules reads
// them: a narrow read's second phase in one request.
func QueryTeamsMembersRules(n int) string {
	var b strings.Builder
	b.WriteString("query TeamsMembersRules($ids: [ID!]!")
	if n > 0 {
		b.WriteString(", $org: String!")
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, ", $s%d: String!", i)
	}
	b.WriteString(") {\n")
	if n > 0 {
		b.WriteString("  organization(login: $org) {\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "    t%d: team(slug: $s%d) { slug members(first: 100, membership: ALL) { pageInfo { hasNextPage endCursor } nodes { login } } }\n", i, i)
		}
		b.WriteString("  }\n")
	}
	b.WriteString("  nodes(ids: $ids) {\n    ... on RepositoryRuleset { ...RulesetRules ...RulesetBypass }\n  }\n")
	b.WriteString("  rateLimit { cost remaining resetAt }\n}")
	return b.String() + fragRules + fragBypass
}

// QueryTeamsRepositories reads the next page of repositories of several
// teams at once, aliased t<i> with slug $s<i> and cursor $a<i>: one
// connection each, so the teams of a 1,000-repository org that hold more
// than 100 repositories cost one query (1 point) per round of pages
// rather than one per team and page.
func QueryTeamsRepositories(n int) string {
	var b strings.Builder
	b.WriteString("query TeamsRepositories($org: String!")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, ", $s%d: String!, $a%d: String", i, i)
	}
	b.WriteString(") {\n  organization(login: $org) {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    t%d: team(slug: $s%d) { slug repositories(first: 100, after: $a%d) { pageInfo { hasNextPage endCursor } edges { permission node { name } } } }\n", i, i, i)
	}
	b.WriteString("  }\n  rateLimit { cost remaining resetAt }\n}")
	return b.String()
}

// QueryRepoCollaborators pages one repository's direct collaborators.
const QueryRepoCollaborators = `query RepoCollaborators($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name, followRenames: false) {
    collaborators(affiliation: DIRECT, first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { ...CollaboratorEdge }
    }
  }
  rateLimit { cost remaining resetAt }
}` + fragCollaborator

// QueryUserGrant reads one user's direct grant.
const QueryUserGrant = `query UserGrant($owner: String!, $name: String!, $login: String!) {
  repository(owner: $owner, name: $name, followRenames: false) {
    collaborators(affiliation: DIRECT, first: 1, login: $login) {
      edges { ...CollaboratorEdge }
    }
  }
  rateLimit { cost remaining resetAt }
}` + fragCollaborator

// QueryRepoProtectionRules pages one repository's branch protection rules.
const QueryRepoProtectionRules = `query RepoProtectionRules($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name, followRenames: false) {
    branchProtectionRules(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { ...ProtectionRule }
    }
  }
  rateLimit { cost remaining resetAt }
}` + fragProtectionRule

// QueryRepoRulesets pages one repository's rulesets (its own and its
// parents').
const QueryRepoRulesets = `query RepoRulesets($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name, followRenames: false) {
    rulesets(first: 100, after: $after, includeParents: true) {
      pageInfo { hasNextPage endCursor }
      nodes { ...RulesetHeader }
    }
  }
  rateLimit { cost remaining resetAt }
}` + fragRuleset

const fragRules = `
fragment RulesetRules on RepositoryRuleset {
  id
  rules(first: 50) {
    pageInfo { hasNextPage }
    nodes {
      type
      parameters {
        __typename
        ... on RequiredStatusChecksParameters {
          strictRequiredStatusChecksPolicy
          requiredStatusChecks { context integrationId }
        }
        ... on PullRequestParameters {
          requiredApprovingReviewCount
          requireCodeOwnerReview
          dismissStaleReviewsOnPush
          requireLastPushApproval
        }
      }
    }
  }
}`

const fragBypass = `
fragment RulesetBypass on RepositoryRuleset {
  id
  bypassActors(first: 50) {
    pageInfo { hasNextPage }
    nodes {
      bypassMode
      organizationAdmin
      repositoryRoleName
      repositoryRoleDatabaseId
      deployKey
      enterpriseOwner
      actor {
        __typename
        ... on App { databaseId slug name }
        ... on Team { slug name }
      }
    }
  }
}`

// QueryRulesetRules reads the rules of rulesets by node id, and who may
// bypass them (null for a token without write access to the ruleset).
const QueryRulesetRules = `query RulesetRules($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on RepositoryRuleset { ...RulesetRules ...RulesetBypass }
  }
  rateLimit { cost remaining resetAt }
}` + fragRules + fragBypass

const fragTeam = `
fragment TeamFields on Team {
  databaseId
  slug
  name
  parentTeam { slug }
  members(first: 100, membership: ALL) {
    pageInfo { hasNextPage endCursor }
    nodes { login }
  }
  repositories(first: 100) {
    pageInfo { hasNextPage endCursor }
    edges { permission node { name } }
  }
}`

// QueryOrgTeams lists an org's teams with their members (child teams'
// included: they inherit access) and their repository grants, 50 teams a
// page: 1 + 50 × 2 requests, 1 point.
const QueryOrgTeams = `query OrgTeams($org: String!, $after: String) {
  organization(login: $org) {
    teams(first: 50, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { ...TeamFields }
    }
  }
  rateLimit { cost remaining resetAt }
}` + fragTeam

// QueryTeamMembers pages one team's members.
const QueryTeamMembers = `query TeamMembers($org: String!, $slug: String!, $after: String) {
  organization(login: $org) {
    team(slug: $slug) {
      members(first: 100, after: $after, membership: ALL) {
        pageInfo { hasNextPage endCursor }
        nodes { login }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}`

// BranchRef names one branch whose existence QueryBranchRefs checks.
type BranchRef struct {
	Repo, Branch int // aliases r<Repo> and b<Branch>
}

// QueryBranchRefs checks that branches exist: for each repository alias
// r<i> (name in $n<i>), the refs b<j> (qualified name in $b<j>). Refs are
// plain fields, not connections: the query costs 1 point.
func QueryBranchRefs(refs []BranchRef) string {
	var b strings.Builder
	b.WriteString("query BranchRefs($owner: String!")
	seen := map[int]bool{}
	for _, r := range refs {
		if !seen[r.Repo] {
			seen[r.Repo] = true
			fmt.Fprintf(&b, ", $n%d: String!", r.Repo)
		}
		fmt.Fprintf(&b, ", $b%d: String!", r.Branch)
	}
	b.WriteString(") {\n")
	done := map[int]bool{}
	for _, r := range refs {
		if done[r.Repo] {
			continue
		}
		done[r.Repo] = true
		fmt.Fprintf(&b, "  r%d: repository(owner: $owner, name: $n%d, followRenames: false) {", r.Repo, r.Repo)
		for _, x := range refs {
			if x.Repo == r.Repo {
				fmt.Fprintf(&b, " b%d: ref(qualifiedName: $b%d) { name }", x.Branch, x.Branch)
			}
		}
		b.WriteString(" }\n")
	}
	b.WriteString("  rateLimit { cost remaining resetAt }\n}")
	return b.String()
}

// QueryViewer asks whom the credentials act as (an installation token,
// such as GITHUB_TOKEN in Actions, cannot call GET /user).
const QueryViewer = `query Viewer {
  viewer { login }
  rateLimit { cost remaining resetAt }
}`

// Queries returns every GraphQL document this package can send, by name
// (the batch query at one and at its full size), for schema checks.
func Queries() map[string]string {
	full := indexes(repoBatchSize)
	return map[string]string{
		"OrgRepos":               QueryOrgRepos,
		"RepoBatch/1":            QueryRepoBatch([]int{0}),
		"RepoBatch/full":         QueryRepoBatch(full),
		"BranchRefs":             QueryBranchRefs([]BranchRef{{0, 0}, {0, 1}, {1, 2}}),
		"RepoCollaborators":      QueryRepoCollaborators,
		"UserGrant":              QueryUserGrant,
		"RepoProtectionRules":    QueryRepoProtectionRules,
		"RepoRulesets":           QueryRepoRulesets,
		"RulesetRules":           QueryRulesetRules,
		"OrgTeams":               QueryOrgTeams,
		"TeamMembers":            QueryTeamMembers,
		"RepoBatchNarrow/1":      QueryRepoBatchNarrow([]int{0}),
		"RepoBatchNarrow/5":      QueryRepoBatchNarrow([]int{0, 1, 2, 3, 4}),
		"RepoBatchNarrowTeams/1": QueryRepoBatchNarrowTeams([]int{0}, 1),
		"RepoBatchNarrowTeams/7": QueryRepoBatchNarrowTeams([]int{0, 1, 2, 3, 4, 5, 6}, narrowNamesPerQuery),
		"TeamsFor/1":             QueryTeamsFor(1),
		"TeamsFor/5":             QueryTeamsFor(narrowNamesPerQuery),
		"TeamsMembers/1":         QueryTeamsMembers(1),
		"TeamsMembers/full":      QueryTeamsMembers(100),
		"TeamsMembersRules/0":    QueryTeamsMembersRules(0),
		"TeamsMembersRules/3":    QueryTeamsMembersRules(3),
		"TeamsRepositories/1":    QueryTeamsRepositories(1),
		"TeamsRepositories/full": QueryTeamsRepositories(teamPagesPerQuery),
		"Viewer":                 QueryViewer,
	}
}

// QueryNames lists Queries' keys in order.
func QueryNames() []string {
	var names []string
	for k := range Queries() {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
