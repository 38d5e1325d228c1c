package ghsim

import (
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// Fidelity picks how the simulator answers where GitHub's documentation
// leaves a behaviour open, or where servers differ (older GitHub
// Enterprise Server). The zero value is github.com as documented, with
// each open question answered one way; a test of code that must work
// under both answers runs under both.
type Fidelity struct {
	// BypassHiddenError: a token without write access to a ruleset gets
	// GraphQL bypassActors as null with a FORBIDDEN error (true) or as a
	// plain null (false). GitHub documents only that REST omits
	// bypass_actors for such a token, which the simulator always does.
	BypassHiddenError bool
	// TeamReposInherited: GraphQL Team.repositories also lists the
	// repositories a team inherits from its parent teams (at the parent's
	// role when higher), as the REST listing and the check endpoint do.
	// Not documented for GraphQL.
	TeamReposInherited bool
	// NullRoleName: PermissionSource.roleName is null (older servers);
	// only the folded permission (ADMIN, WRITE, READ) is there.
	NullRoleName bool
	// ReducedSchema serves a schema without what GitHub added since 2023
	// (GitHub Enterprise Server 3.17–3.19 lack Enterprise in RuleSource).
	// A query naming it fails validation as GitHub's would.
	ReducedSchema bool
	// RepoTeamsNoAccessSource: GET /repos/{o}/{r}/teams without the
	// access_source field (before OpenAPI 23.0.2, older servers).
	RepoTeamsNoAccessSource bool
}

// WithFidelity starts the server with f.
func WithFidelity(f Fidelity) Option { return func(o *options) { o.fidelity = f } }

// SetFidelity changes how the server answers from the next request on.
func (s *Server) SetFidelity(f Fidelity) {
	s.faultMu.Lock()
	s.fid = f
	s.faultMu.Unlock()
}

func (s *Server) fidelity() Fidelity {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.fid
}

// activeSchema is the schema a query is validated and run against.
func (s *Server) activeSchema() *ast.Schema {
	if s.fidelity().ReducedSchema {
		return s.reduced
	}
	return s.schema
}

// reducedRemovals are the schema members GitHub added since 2023 that the
// reduced schema lacks: the union member first, then fields as
// "Type.field".
var reducedRemovals = struct {
	unionMembers map[string][]string
	fields       []string
}{
	unionMembers: map[string][]string{"RuleSource": {"Enterprise"}},
	fields:       []string{"RepositoryRulesetBypassActor.enterpriseOwner", "RepositoryRulesetBypassActor.deployKey"},
}

// mustLoadReducedSchema edits the embedded schema's text: GitHub's own
// older schemas are this one minus the listed members.
func mustLoadReducedSchema() *ast.Schema {
	lines := strings.Split(schemaSDL, "\n")
	var out []string
	var current string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if f := strings.Fields(t); len(f) >= 2 && (f[0] == "type" || f[0] == "union" || f[0] == "interface") {
			current = strings.TrimSuffix(f[1], "{")
		}
		if members, ok := reducedRemovals.unionMembers[current]; ok && strings.HasPrefix(t, "union ") {
			for _, m := range members {
				l = strings.Replace(l, " | "+m, "", 1)
				l = strings.Replace(l, "= "+m+" | ", "= ", 1)
			}
		}
		drop := false
		for _, tf := range reducedRemovals.fields {
			typ, field, _ := strings.Cut(tf, ".")
			if current == typ && (strings.HasPrefix(t, field+":") || strings.HasPrefix(t, field+"(")) {
				drop = true
			}
		}
		if !drop {
			out = append(out, l)
		}
	}
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "schema-reduced.graphql", Input: strings.Join(out, "\n")})
	if err != nil {
		panic("ghsim: reduced GraphQL schema: " + err.Error())
	}
	return s
}

// canWriteRuleset: GitHub shows a ruleset's bypass actors only to a token
// with write access to it: repository administration for a repository's
// ruleset, organization administration for an org's.
func (s *Server) canWriteRuleset(id *identity, x *ruleset) bool {
	switch id.kind {
	case identInstallation:
		if x.repo == nil {
			return id.installedOn0(x.org) && id.tok.perms.allows("organization_administration", "write")
		}
		return id.installedOn(x.repo) && id.tok.perms.allows("administration", "write")
	case identUser:
		if m := x.org.members[lower(id.user.login)]; m != nil && m.owner {
			return true
		}
		if x.repo == nil {
			return false
		}
		role, _ := s.st.access(x.repo, id.user)
		return role == RoleAdmin
	}
	return false
}

// installedOn0: the token's installation is on org.
func (id *identity) installedOn0(o *org) bool {
	return id.kind == identInstallation && id.tok.inst.org == o
}
