// Package fidelity checks permsync's GitHub adapter (internal/ghapi) and
// the simulated GitHub it is tested against (internal/ghsim)
// against GitHub's own descriptions of its API. It holds tests only.
//
// A workload runs every operation of ghapi.Client against a seeded
// simulator, through a recorder placed under the adapter's HTTP stack
// (Options.Transport): reads through GraphQL, through the conditional-
// request cache and through the REST fallback, every write including the
// paths taken when GitHub answers 201 or 404, issues and pull requests,
// and the GitHub App's installation lookup and token requests with a
// generated key. A second workload asks the simulator for every route it
// serves (routes are read from ghsim's source, so a new one is noticed).
// Then:
//
//   - every REST exchange is matched to an operation of GitHub's OpenAPI
//     description (@octokit/openapi, api.github.com) with kin-openapi's
//     router, and its request (parameters, body) and response (status,
//     headers, body) are validated against it; the adapter's requests are
//     also checked against the newest GitHub Enterprise Server
//     description;
//   - every GraphQL document ghapi.Queries lists, and every query sent,
//     with its variables, is validated against GitHub's public schema
//     (@octokit/graphql-schema) with gqlparser, and every answer against
//     the query and the schema's types;
//   - a test fails when ghapi.Client gains a method the workload does not
//     call, or a step stops taking the path it is there for.
//
// Departures are reported all at once, by operation. Where GitHub's
// description is itself wrong, knownDescriptionBugs says so, entry by
// entry; pendingFixes holds real departures awaiting a fix elsewhere.
//
// The descriptions are large npm packages, not vendored: their checks skip
// unless PERMSYNC_OPENAPI and PERMSYNC_GRAPHQL_SCHEMA name them, which
// .ci/run does after installing the pinned versions:
//
//	npm install --no-audit --no-fund --prefix /tmp/gh @octokit/openapi@23.0.2 @octokit/graphql-schema@15.26.1
//	PERMSYNC_OPENAPI=/tmp/gh/node_modules/@octokit/openapi/generated/api.github.com.json \
//	PERMSYNC_GRAPHQL_SCHEMA=/tmp/gh/node_modules/@octokit/graphql-schema/schema.graphql \
//	go test ./internal/ghapi/fidelity/
package fidelity
