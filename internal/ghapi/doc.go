// Package ghapi is permsync's GitHub adapter: the only package that talks
// to GitHub, and the only one importing go-github and ghinstallation.
//
// # Means
//
// Reads use GraphQL for everything that it can answer exactly and in bulk,
// and REST for the rest:
//
//   - Direct user grants come from GraphQL's Repository.collaborators
//     (affiliation DIRECT): each edge's permissionSources names where a
//     role comes from, and the source that is the repository itself carries
//     the direct grant, with its exact roleName (maintain, triage, a custom
//     role). REST cannot do this: role_name on a collaborator is the highest
//     role from every source (repository, teams, base role), so a user with
//     a direct write grant and admin through a team reads as admin there,
//     and a tool diffing that would "lower" the grant on every run. The
//     source's permission field is not used either: it folds maintain into
//     WRITE and triage into READ.
//   - Team grants, with their exact role, come from Organization.teams and
//     each team's repositories edges (one query per 100 teams) instead of
//     one REST call per repository. A team is listed at its own role or
//     its parent's, whichever is higher (TeamGrant.Inherited then names
//     the ancestor): GitHub's check endpoint, which apply re-reads, and its
//     REST listings answer that way, and whether GraphQL does is not
//     documented, so the plan and the re-read agree under either answer.
//   - Branch protection rules and rulesets come with the repository in the
//     same query. A branch's rule is chosen as GitHub documents: the rule
//     naming it exactly, else the oldest matching wildcard rule. Ruleset
//     rules and bypass actors are connections, costly per repository, so
//     they are read in a second phase, once per distinct ruleset (an org
//     ruleset repeats in every repository) and only for active branch
//     rulesets, in every read: whether a ruleset may stand in for classic
//     protection depends on who can bypass it. GitHub shows bypass actors
//     only to a token with write access to the ruleset; a list it did not
//     show leaves Ruleset.BypassRead false (bypassable by anyone).
//   - Repositories are read 49 to a query (aliased by name, or paged from
//     the org), one shared fragment for their fields, which keeps each
//     query at GitHub's minimum cost of 1 point.
//   - Teams: a full read pages every team with its members and
//     repositories, and the further pages of the teams that hold more than
//     100 repositories many teams to a query. A narrow read
//     (ReadOptions.Narrow: a pull request's plan of a few repositories)
//     asks each team only for its grants on those repositories, reads the
//     members of the teams that matter and the membership of the logins
//     that matter: about k + 7 requests for k repositories, whatever the
//     org's size (read_narrow.go).
//   - Invitations exist only in REST (GET /repos/{o}/{r}/invitations): one
//     call per repository. Org owners and members and the base role are
//     REST lists too: they go through the conditional-request cache, so a
//     warm run gets 304s that do not count against the rate limit.
//
// A cold read of an org thus costs about one REST call per repository (the
// invitations) plus one GraphQL query per 49 repositories: measured on a
// generated 1,000-repository org (30 direct collaborators, 3 team grants
// and protection on each), 1.03 requests and 0.026 GraphQL points per
// repository (TestReadBudget checks 200 repositories). A server that lacks
// an optional GraphQL field, or a union member in a fragment (older GitHub
// Enterprise Server: Enterprise in RuleSource), is read without it, with a
// notice; one without GraphQL, or without a field that makes the read
// exact, is read through REST with a warning, and direct roles that REST
// cannot tell apart from a team's are then marked AmbiguousRoleName. A
// null roleName (older servers) is resolved from the user's exact highest
// role where that settles it, else marked AmbiguousRoleName as well.
//
// A PUT collaborator that may send an invitation is never repeated
// blindly after an ambiguous failure (a reset or a 5xx after sending): the
// invitations are re-read first, as a repeat re-notifies the person and
// counts toward GitHub's 50 invitations per repository a day.
//
// Writes use REST, one at a time, at least Options.MutationInterval apart.
// Branch protection is strengthened through its sub-resources so that
// settings permsync does not manage keep their values.
//
// # Transport
//
// Every request, REST and GraphQL, goes through one stack: authentication
// (a token, or a GitHub App's per-org installation token narrowed to what
// the run needs, renewed once on a 401), then the policy layer (pacing
// under GitHub's documented secondary limits, serial mutations, waits for
// primary and secondary rate limits, retries with backoff for 5xx and
// network failures, a retrying request going alone until it is done,
// never a blind retry of a non-idempotent POST), then
// the optional conditional-request cache, then the wire. Stats counts
// what was sent.
//
// No secret (private key, JWT, token) appears in an error, a log line or
// a panic: errors name requests by method and path, and every message is
// passed through redaction.
package ghapi
