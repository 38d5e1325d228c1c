package fidelity

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// simRoute is one REST route the simulator serves, as registered in
// ghsim/routes.go: "GET" and "/repos/{owner}/{repo}".
type simRoute struct {
	Method  string
	Pattern string
	segs    []string
}

func (r simRoute) String() string { return r.Method + " " + r.Pattern }

// openAPIPath is the pattern as an OpenAPI path template: the
// simulator's "{branch...}" (the rest of the path) is "{branch}".
func (r simRoute) openAPIPath() string { return strings.ReplaceAll(r.Pattern, "...}", "}") }

var (
	simRoutesOnce sync.Once
	simRoutesList []simRoute
	simRoutesErr  error
)

// simulatorRoutes lists every REST route the simulator serves. The list
// is not exported, so it is read from the source of registerRoutes (the
// test runs in this package's directory): a route added there is checked
// here without anyone having to remember this file.
func simulatorRoutes() ([]simRoute, error) {
	simRoutesOnce.Do(func() {
		simRoutesList, simRoutesErr = parseSimRoutes(filepath.Join("..", "ghsim", "routes.go"))
	})
	return simRoutesList, simRoutesErr
}

func parseSimRoutes(file string) ([]simRoute, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		return nil, err
	}
	var out []simRoute
	ast.Inspect(f, func(n ast.Node) bool {
		cl, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		var method, pattern string
		gql := false
		for _, el := range cl.Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			key, ok := kv.Key.(*ast.Ident)
			if !ok {
				continue
			}
			if id, ok := kv.Value.(*ast.Ident); ok && key.Name == "graphql" && id.Name == "true" {
				gql = true
			}
			lit, ok := kv.Value.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				continue
			}
			switch key.Name {
			case "method":
				method = v
			case "pattern":
				pattern = v
			}
		}
		if method != "" && strings.HasPrefix(pattern, "/") && !gql {
			out = append(out, simRoute{Method: method, Pattern: pattern, segs: strings.Split(strings.Trim(pattern, "/"), "/")})
		}
		return true
	})
	// The GraphQL endpoint (graphql: true) and the catch-all ("(unknown)")
	// are not REST routes; a table without the basics means the parse
	// went wrong.
	if len(out) < 20 {
		return nil, fmt.Errorf("%s: found only %d routes; has registerRoutes changed shape?", file, len(out))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

// matchSimRoute finds the simulator route serving method and an escaped
// API path (without /api/v3), as net/http's ServeMux would.
func matchSimRoute(routes []simRoute, method, escapedPath string) (simRoute, bool) {
	segs := strings.Split(strings.Trim(escapedPath, "/"), "/")
	best, bestLiterals := simRoute{}, -1
	for _, r := range routes {
		if r.Method != method {
			continue
		}
		lits, ok := matchSegs(r.segs, segs)
		if ok && lits > bestLiterals {
			best, bestLiterals = r, lits
		}
	}
	return best, bestLiterals >= 0
}

func matchSegs(pat, segs []string) (literals int, ok bool) {
	for i, p := range pat {
		if strings.HasSuffix(p, "...}") {
			return literals, i < len(segs)
		}
		if i >= len(segs) {
			return 0, false
		}
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return 0, false
			}
			continue
		}
		if p != segs[i] {
			return 0, false
		}
		literals++
	}
	return literals, len(pat) == len(segs)
}
