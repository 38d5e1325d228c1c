package ghsim

import (
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// gqlRules are the standard validation rules, built once.
var gqlRules = rules.NewDefaultRules()

//go:embed schema.graphql
var schemaSDL string

func mustLoadSchema() *ast.Schema {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: schemaSDL})
	if err != nil {
		panic("ghsim: embedded GraphQL schema: " + err.Error())
	}
	return s
}

// GraphQL limits GitHub documents.
const (
	gqlMaxFirst = 100
	gqlMaxNodes = 500000
)

type gqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// gqlError is one entry of "errors", shaped as GitHub returns it.
type gqlError struct {
	Type       string         `json:"type,omitempty"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
	Locations  []gqlLocation  `json:"locations,omitempty"`
	Message    string         `json:"message"`
}

type gqlLocation struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

func loc(p *ast.Position) []gqlLocation {
	if p == nil {
		return nil
	}
	return []gqlLocation{{Line: p.Line, Column: p.Column}}
}

var (
	undefinedField = regexp.MustCompile(`^Cannot query field "([^"]+)" on type "([^"]+)"\.`)
	cannotSpread   = regexp.MustCompile(`^Fragment cannot be spread here as objects of type "([^"]+)" can never be of type "([^"]+)"\.`)
	undefinedType  = regexp.MustCompile(`^Unknown type "([^"]+)"\.`)
)

// validationErrors turns gqlparser's errors into graphql-ruby's wording,
// which is what GitHub answers.
func validationErrors(list gqlerror.List) []gqlError {
	out := make([]gqlError, 0, len(list))
	for _, e := range list {
		g := gqlError{Message: e.Message}
		for _, l := range e.Locations {
			g.Locations = append(g.Locations, gqlLocation{Line: l.Line, Column: l.Column})
		}
		if m := undefinedField.FindStringSubmatch(e.Message); m != nil {
			g.Message = fmt.Sprintf("Field '%s' doesn't exist on type '%s'", m[1], m[2])
			g.Extensions = map[string]any{"code": "undefinedField", "typeName": m[2], "fieldName": m[1]}
		}
		if m := cannotSpread.FindStringSubmatch(e.Message); m != nil {
			g.Message = fmt.Sprintf("Fragment on %s can't be spread inside %s", m[2], m[1])
			g.Extensions = map[string]any{"code": "cannotSpreadFragment", "typeName": m[2], "fragmentName": "unknown", "parentName": m[1]}
		}
		if m := undefinedType.FindStringSubmatch(e.Message); m != nil {
			g.Message = fmt.Sprintf("No such type %s, so it can't be a fragment condition", m[1])
			g.Extensions = map[string]any{"code": "undefinedType", "typeName": m[1]}
		}
		out = append(out, g)
	}
	return out
}

func (s *Server) graphqlHandler(rt *route) http.HandlerFunc {
	rt.auth = authToken
	rt.h = s.serveGraphQL
	return s.handle(rt)
}

// gqlErrors answers a request that fails as a whole: 200 with errors only.
func (c *ctx) gqlErrors(list ...gqlError) { c.json(http.StatusOK, map[string]any{"errors": list}) }

// serveGraphQL runs inside the normal pipeline (faults, auth, stats) but
// charges the graphql resource with the query's computed cost instead of
// the core resource.
func (s *Server) serveGraphQL(c *ctx) {
	c.perm = ""
	if c.id.kind == identAnonymous {
		c.json(http.StatusUnauthorized, map[string]any{
			"message":           "This endpoint requires you to be authenticated.",
			"documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
		})
		return
	}
	// Show the graphql bucket even on answers that cost nothing.
	c.setRate(s.limits.peek(c.id.key, "graphql", s.limitOf(c.id, "graphql")))
	var req gqlRequest
	if !c.decode(&req) {
		return
	}
	doc, errs := gqlparser.LoadQueryWithRules(s.activeSchema(), req.Query, gqlRules)
	if len(errs) > 0 {
		c.gqlErrors(validationErrors(errs)...)
		return
	}
	var op *ast.OperationDefinition
	if req.OperationName != "" {
		op = doc.Operations.ForName(req.OperationName)
	} else if len(doc.Operations) == 1 {
		op = doc.Operations[0]
	}
	if op == nil {
		c.gqlErrors(gqlError{Message: "An operation name is required"})
		return
	}
	mutation := op.Operation == ast.Mutation
	s.stats.update(func(st *Stats) {
		if mutation {
			st.GraphQLMutations++
		} else {
			st.GraphQLQueries++
		}
	})
	vars, verr := validator.VariableValues(s.activeSchema(), op, req.Variables)
	if verr != nil {
		var ge *gqlerror.Error
		if !errors.As(verr, &ge) {
			ge = gqlerror.Errorf("%s", verr.Error())
		}
		c.gqlErrors(validationErrors(gqlerror.List{ge})...)
		return
	}
	e := &gqlExec{c: c, s: s, doc: doc, vars: vars, faults: s.Faults()}
	cost, nodes, cerr := e.cost(op)
	if cerr != nil {
		c.gqlErrors(*cerr)
		return
	}
	e.costVal, e.nodeCount = cost, nodes

	f := e.faults
	if st, retry, limited := s.secondary(c.id, "POST", mutation, false, s.inFlite.Load(), "graphql", &f); limited {
		c.secondaryLimited(st, retry, c.header.Get("X-GitHub-Request-Id"))
		return
	}
	limit := s.limitOf(c.id, "graphql")
	rs, ok := s.limits.take(c.id.key, "graphql", limit, cost)
	c.setRate(rs)
	if !ok {
		s.stats.update(func(st *Stats) { st.PrimaryLimited++ })
		c.gqlErrors(gqlError{Type: "RATE_LIMITED", Message: fmt.Sprintf("API rate limit exceeded for %s.", c.id.subject)})
		return
	}
	s.stats.update(func(st *Stats) { st.PrimaryCost += int64(cost) })
	e.rate = rs
	data := e.run(op)
	out := map[string]any{"data": data}
	if len(e.errors) > 0 {
		out["errors"] = e.errors
	}
	c.json(http.StatusOK, out)
}

// setRate records a GraphQL bucket for finish() to report.
func (c *ctx) setRate(rs RateSnapshot) { c.rate = &rs }

// cost applies GitHub's documented formula: for every connection, the
// requests needed to fill it (the product of the first/last of the
// connections above it), summed, divided by 100 and rounded, at least 1.
// It also enforces first/last presence, the 100 cap and 500,000 nodes.
func (e *gqlExec) cost(op *ast.OperationDefinition) (int, int, *gqlError) {
	requests, nodes := 0, 0
	var walk func(ss ast.SelectionSet, mult int, path []any) *gqlError
	walk = func(ss ast.SelectionSet, mult int, path []any) *gqlError {
		for _, sel := range ss {
			switch x := sel.(type) {
			case *ast.Field:
				p := append(append([]any{}, path...), x.Alias)
				m := mult
				if x.Definition != nil && strings.HasSuffix(x.Definition.Type.Name(), "Connection") {
					args := x.ArgumentMap(e.vars)
					first, hasFirst := intArg(args, "first")
					last, hasLast := intArg(args, "last")
					if !hasFirst && !hasLast {
						return &gqlError{Type: "MISSING_PAGINATION_BOUNDARIES", Path: p, Locations: loc(x.Position),
							Message: fmt.Sprintf("You must provide a `first` or `last` value to properly paginate the `%s` connection.", x.Name)}
					}
					n, which := first, "first"
					if !hasFirst {
						n, which = last, "last"
					}
					if n > gqlMaxFirst || n < 0 {
						return &gqlError{Type: "EXCESSIVE_PAGINATION", Path: p, Locations: loc(x.Position),
							Message: fmt.Sprintf("Requesting %d records on the `%s` connection exceeds the `%s` limit of %d records.", n, x.Name, which, gqlMaxFirst)}
					}
					requests += mult
					nodes += mult * int(n)
					m = mult * max(int(n), 1)
					if nodes > gqlMaxNodes {
						return &gqlError{Type: "MAX_NODE_LIMIT_EXCEEDED", Path: p, Locations: loc(x.Position),
							Message: fmt.Sprintf("By the time this query traverses to the %s connection, it is requesting up to %d possible nodes which exceeds the maximum limit of %d.", x.Name, nodes, gqlMaxNodes)}
					}
				}
				if err := walk(x.SelectionSet, m, p); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := walk(x.SelectionSet, mult, path); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				if err := walk(e.doc.Fragments.ForName(x.Name).SelectionSet, mult, path); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(op.SelectionSet, 1, nil); err != nil {
		return 0, 0, err
	}
	cost := (requests + 50) / 100
	return max(cost, 1), nodes, nil
}
