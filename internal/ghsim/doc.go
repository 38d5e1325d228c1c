// Package ghsim is a stateful simulated GitHub for tests, benchmarks
// and `permsync demo`. It serves GitHub's REST API (at the root and under
// the Enterprise Server prefix /api/v3/) and GraphQL (POST /graphql and
// /api/graphql) over real HTTP on 127.0.0.1, following GitHub's
// documentation rather than any client library's reading of it.
//
// What it simulates:
//
//   - users, orgs (base role, plan), members and owners, outside
//     collaborators, nested teams, repositories (private, archived,
//     branches), direct grants of the five roles, team grants,
//     invitations (7-day expiry, 50 a day per repository), branch
//     protection and its sub-resources, repository and org rulesets,
//     issues, labels and comments, pull requests and reviews, deploy keys;
//   - GitHub Apps: RS256 JWTs, installations, installation tokens narrowed
//     by permissions and repositories, one-hour expiry, App permissions
//     enforced per endpoint (403 "Resource not accessible by integration"
//     with X-Accepted-GitHub-Permissions), bot authors "<slug>[bot]";
//   - effective access: the highest of direct grant, team grants (a child
//     team inherits its parent's access), org base role and ownership;
//     REST role_name shows the highest, GraphQL permissionSources every
//     source with its exact roleName;
//   - pagination with GitHub's Link header, ETags computed as GitHub does
//     (token-specific) with free 304s, primary limits per installation or
//     user (core and graphql), GraphQL cost per the documented formula,
//     the documented secondary limits (opt-in), and injected faults;
//   - a clock tests control (Clock, SetNow, Advance) for expiries and
//     rate-limit resets;
//   - Fidelity switches where GitHub's documentation leaves a behaviour
//     open or servers differ: GraphQL bypassActors hidden with or without
//     an error, Team.repositories with or without inherited repositories,
//     roleName null, a reduced (pre-2023) schema, /repos/{o}/{r}/teams
//     without access_source. Bypass actors are always hidden from a token
//     without write access to the ruleset (REST omits bypass_actors), as
//     GitHub documents.
//
// Seeding methods build the world and panic on references to unknown
// objects (a bug in the test); inspection methods return deep copies for
// end-state assertions. Stats count requests per route and status, 304s,
// primary cost, GraphQL operations, concurrency and limit answers.
//
// A typical test:
//
//	srv := ghsim.newTestServer(t)
//	srv.AddOrg("acme", ghsim.OrgOptions{BaseRole: ghsim.RoleRead})
//	srv.AddMember("acme", "alice", false)
//	srv.AddRepo("acme", "widgets", ghsim.RepoOptions{})
//	appID := srv.AddApp(ghsim.AppOptions{Slug: "permsync", PublicKey: &key.PublicKey,
//		Permissions: ghsim.Permissions{"administration": "write", "members": "read"}})
//	inst := srv.Install(appID, "acme", nil)
//	// … point the code under test at srv.URL() and srv.GraphQLURL(),
//	// authenticating with a JWT signed by key and installation inst,
//	// or with srv.InstallationToken(inst, nil) / srv.AddUserToken("alice").
//	if got := srv.Collaborators("acme", "widgets")["alice"]; got != ghsim.RoleWrite {
//		t.Errorf("alice holds %q", got)
//	}
//
// GenerateOrg builds a large realistic org (e.g. 1,000 repositories with 30
// collaborators each) deterministically from a seed; cmd/ghsim runs the
// simulator as a standalone server.
package ghsim
