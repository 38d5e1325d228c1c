package fidelity

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// Where GitHub's descriptions are. .ci/run installs the pinned npm
// packages and sets these; without them the checks skip.
const (
	// EnvOpenAPI is api.github.com's OpenAPI description (bundled, not
	// dereferenced): node_modules/@octokit/openapi/generated/api.github.com.json.
	EnvOpenAPI = "PERMSYNC_OPENAPI"
	// EnvOpenAPIGHES is a GitHub Enterprise Server description, e.g.
	// generated/ghes-3.19.json. Unset, the newest ghes-3.N.json next to
	// PERMSYNC_OPENAPI is used; "none" skips it.
	EnvOpenAPIGHES = "PERMSYNC_OPENAPI_GHES"
	// EnvGraphQLSchema is GitHub's public GraphQL schema:
	// node_modules/@octokit/graphql-schema/schema.graphql.
	EnvGraphQLSchema = "PERMSYNC_GRAPHQL_SCHEMA"
)

const howToRun = `to run it: npm install --no-audit --no-fund --prefix /tmp/gh @octokit/openapi@23.0.2 @octokit/graphql-schema@15.26.1, then
  PERMSYNC_OPENAPI=/tmp/gh/node_modules/@octokit/openapi/generated/api.github.com.json \
  PERMSYNC_GRAPHQL_SCHEMA=/tmp/gh/node_modules/@octokit/graphql-schema/schema.graphql \
  go test ./internal/ghapi/fidelity/   (.ci/run does this)`

// apiHost is the server every recorded request is mapped to before
// routing: the simulator's base (and its /api/v3 prefix) is replaced.
const apiHost = "https://api.github.com"

// apiSpec is one loaded OpenAPI description with its router.
type apiSpec struct {
	Name   string // "api.github.com", "ghes-3.19"
	Path   string
	Doc    *openapi3.T
	Router routers.Router
	Load   time.Duration
}

var (
	specsOnce sync.Once
	specsList []*apiSpec
	specsErr  error
)

// openAPISpecs loads the descriptions once per test binary, or skips the
// test when they are not installed. Only what the workloads can reach is
// loaded whole (see prune): the full api.github.com description takes 3 s
// to load, 30 s under the race detector.
func openAPISpecs(t testing.TB) []*apiSpec {
	t.Helper()
	main := os.Getenv(EnvOpenAPI)
	if main == "" {
		t.Skipf("%s is not set: GitHub's OpenAPI description is not installed; %s", EnvOpenAPI, howToRun)
	}
	specsOnce.Do(func() {
		need, err := reachable()
		if err != nil {
			specsErr = err
			return
		}
		paths := []string{main}
		switch ghes := os.Getenv(EnvOpenAPIGHES); ghes {
		case "none":
		case "":
			if p := newestGHES(filepath.Dir(main)); p != "" {
				paths = append(paths, p)
			}
		default:
			paths = append(paths, ghes)
		}
		specsList = make([]*apiSpec, len(paths))
		errs := make([]error, len(paths))
		var wg sync.WaitGroup
		for i, p := range paths {
			wg.Add(1)
			go func() {
				defer wg.Done()
				specsList[i], errs[i] = loadSpec(p, need)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil && specsErr == nil {
				specsErr = err
			}
		}
	})
	if specsErr != nil {
		t.Fatalf("loading GitHub's OpenAPI description: %v", specsErr)
	}
	return specsList
}

// reachable is what the checks can ask of a description: the paths of
// both workloads' exchanges, the simulator's routes and the adapter's
// unexercised routes.
func reachable() (*needSet, error) {
	aw, sw := adapterWorkload(), simulatorWorkload()
	if aw.Setup != nil {
		return nil, aw.Setup
	}
	if sw.Setup != nil {
		return nil, sw.Setup
	}
	n := &needSet{templates: map[string]bool{}}
	for _, list := range [][]*exchange{aw.Exchanges, sw.Exchanges} {
		for _, e := range list {
			if !e.isGraphQL() {
				n.paths = append(n.paths, splitPath(e.apiPath()))
			}
		}
	}
	for _, r := range aw.Routes {
		n.templates[normTemplate(r.openAPIPath())] = true
	}
	for _, a := range adapterRoutesNotExercised {
		n.templates[normTemplate(a.path)] = true
	}
	return n, nil
}

var ghesFile = regexp.MustCompile(`^ghes-3\.(\d+)\.json$`)

// newestGHES finds the newest ghes-3.N.json in dir.
func newestGHES(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	best, bestN := "", -1
	for _, e := range entries {
		if m := ghesFile.FindStringSubmatch(e.Name()); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > bestN {
				best, bestN = filepath.Join(dir, e.Name()), n
			}
		}
	}
	return best
}

func loadSpec(path string, need *needSet) (*apiSpec, error) {
	start := time.Now()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data, err = prune(data, need)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	l := openapi3.NewLoader()
	l.IsExternalRefsAllowed = false
	doc, err := l.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// GitHub Enterprise Server's servers are templates
	// ({protocol}://{hostname}/api/v3); requests are mapped to one plain
	// base instead (see apiHost).
	doc.Servers = openapi3.Servers{{URL: apiHost}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: routing: %w", path, err)
	}
	name := filepath.Base(path)
	name = name[:len(name)-len(filepath.Ext(name))]
	return &apiSpec{Name: name, Path: path, Doc: doc, Router: router, Load: time.Since(start)}, nil
}

// needSet is what prune must keep whole.
type needSet struct {
	paths     [][]string      // concrete request paths, split, still escaped
	templates map[string]bool // path templates, normalized (normTemplate)
}

func splitPath(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

// normTemplate names every parameter alike: "/repos/{}/{}".
func normTemplate(p string) string { return templateParam.ReplaceAllString(p, "{}") }

var templateParam = regexp.MustCompile(`\{[^}]*\}`)

// keeps reports whether a path template of the description may serve
// something the checks ask for.
func (n *needSet) keeps(template string) bool {
	if n.templates[normTemplate(template)] {
		return true
	}
	t := splitPath(template)
	for _, p := range n.paths {
		if len(p) != len(t) {
			continue
		}
		ok := true
		for i := range t {
			if strings.HasPrefix(t[i], "{") {
				ok = p[i] != ""
			} else {
				ok = t[i] == p[i]
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// stubMark marks an operation prune emptied: routing a request to one
// is an error of the pruning, never a pass (see validateExchange).
const stubMark = "x-permsync-pruned"

// prune keeps of a description what the checks can reach: every path
// (so that "no such operation" stays exact), but whole only the paths
// whose template may serve a recorded request, a simulator route or an
// adapter route, and of the components only those they refer to,
// transitively. The others' operations become stubs marked stubMark.
// The webhooks go. What is kept is GitHub's text, unchanged.
func prune(data []byte, need *needSet) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	var paths map[string]map[string]json.RawMessage
	if err := json.Unmarshal(top["paths"], &paths); err != nil {
		return nil, fmt.Errorf("paths: %w", err)
	}
	var comps map[string]map[string]json.RawMessage
	if err := json.Unmarshal(top["components"], &comps); err != nil {
		return nil, fmt.Errorf("components: %w", err)
	}
	stub := json.RawMessage(`{"` + stubMark + `": true, "responses": {"default": {"description": "pruned"}}}`)
	var refs []string
	for tmpl, item := range paths {
		if need.keeps(tmpl) {
			for _, raw := range item {
				refs = appendRefs(refs, raw)
			}
			continue
		}
		for k := range item {
			switch k {
			case "get", "put", "post", "patch", "delete", "head", "options", "trace":
				item[k] = stub
			default:
				delete(item, k)
			}
		}
	}
	kept := map[string]map[string]json.RawMessage{}
	for len(refs) > 0 {
		ref := refs[len(refs)-1]
		refs = refs[:len(refs)-1]
		kind, name, ok := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
		if !ok || !strings.HasPrefix(ref, "#/components/") {
			return nil, fmt.Errorf("unexpected $ref %q", ref)
		}
		name = strings.ReplaceAll(strings.ReplaceAll(name, "~1", "/"), "~0", "~")
		if kept[kind][name] != nil {
			continue
		}
		raw, ok := comps[kind][name]
		if !ok {
			return nil, fmt.Errorf("$ref %q: no such component", ref)
		}
		if kept[kind] == nil {
			kept[kind] = map[string]json.RawMessage{}
		}
		kept[kind][name] = raw
		refs = appendRefs(refs, raw)
	}
	if s, ok := comps["securitySchemes"]; ok {
		kept["securitySchemes"] = s
	}
	delete(top, "x-webhooks")
	var err error
	if top["paths"], err = json.Marshal(paths); err != nil {
		return nil, err
	}
	if top["components"], err = json.Marshal(kept); err != nil {
		return nil, err
	}
	return json.Marshal(top)
}

var refPattern = regexp.MustCompile(`"\$ref"\s*:\s*"([^"]+)"`)

// appendRefs adds the $refs in raw (found by pattern: a string value
// that merely contains `"$ref":` is escaped in JSON, so cannot match).
func appendRefs(refs []string, raw json.RawMessage) []string {
	for _, m := range refPattern.FindAllSubmatch(raw, -1) {
		refs = append(refs, string(m[1]))
	}
	return refs
}

var (
	schemaOnce sync.Once
	schemaGQL  *ast.Schema
	schemaDups []string
	schemaErr  error
	schemaLoad time.Duration
)

// graphQLSchema loads GitHub's public GraphQL schema once, or skips.
//
// The schema as published defines two fields twice, identically
// (EnterpriseOwnerInfo.repositoryDeployKeySetting and
// repositoryDeployKeySettingOrganizations in 15.26.1), which gqlparser
// rightly refuses. Identical repeats are dropped before validation and
// listed (dups); a repeat that differs fails the load.
func graphQLSchema(t testing.TB) (*ast.Schema, []string) {
	t.Helper()
	path := os.Getenv(EnvGraphQLSchema)
	if path == "" {
		t.Skipf("%s is not set: GitHub's GraphQL schema is not installed; %s", EnvGraphQLSchema, howToRun)
	}
	schemaOnce.Do(func() {
		start := time.Now()
		schemaGQL, schemaDups, schemaErr = loadGraphQLSchema(path)
		schemaLoad = time.Since(start)
	})
	if schemaErr != nil {
		t.Fatalf("loading GitHub's GraphQL schema: %v", schemaErr)
	}
	return schemaGQL, schemaDups
}

func loadGraphQLSchema(path string) (*ast.Schema, []string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	doc, perr := parser.ParseSchemas(validator.Prelude, &ast.Source{Name: path, Input: string(src)})
	if perr != nil {
		return nil, nil, perr
	}
	var dups []string
	for _, d := range doc.Definitions {
		seen := map[string]*ast.FieldDefinition{}
		keep := d.Fields[:0:0]
		for _, f := range d.Fields {
			prev := seen[f.Name]
			if prev == nil {
				seen[f.Name] = f
				keep = append(keep, f)
				continue
			}
			if fieldSignature(prev) != fieldSignature(f) {
				return nil, nil, fmt.Errorf("%s.%s is defined twice, differently: %s and %s", d.Name, f.Name, fieldSignature(prev), fieldSignature(f))
			}
			dups = append(dups, d.Name+"."+f.Name)
		}
		d.Fields = keep
	}
	sort.Strings(dups)
	schema, gerr := validator.ValidateSchemaDocument(doc)
	if gerr != nil {
		return nil, nil, gerr
	}
	return schema, dups, nil
}

// fieldSignature is a field's type and arguments, for comparing repeats.
func fieldSignature(f *ast.FieldDefinition) string {
	s := "("
	for _, a := range f.Arguments {
		s += a.Name + ": " + a.Type.String()
		if a.DefaultValue != nil {
			s += " = " + a.DefaultValue.String()
		}
		s += ", "
	}
	return s + "): " + f.Type.String()
}
