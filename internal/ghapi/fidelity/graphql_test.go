package fidelity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// graphQLSpec names GraphQL findings and allow-list entries.
const graphQLSpec = "graphql"

// TestGraphQLMatchesGitHub validates, against GitHub's public GraphQL
// schema: every document ghapi.Queries lists; every query the adapter
// sent in the workload, with the variables it sent (so that a query built
// at run time, or a variable of the wrong type, is caught too); and every
// answer the simulator gave, against the query and the schema's types
// (each selected field present, non-null fields not null unless an error
// names them, enum values among the schema's, scalars of their type,
// nothing unasked). Queries seen on the wire must be listed by Queries,
// and every listed query must have been sent.
func TestGraphQLMatchesGitHub(t *testing.T) {
	schema, dups := graphQLSchema(t)
	t.Logf("GitHub's GraphQL schema loaded in %v (%d types); identical repeated fields dropped: %s",
		schemaLoad.Round(time.Millisecond), len(schema.Types), strings.Join(dups, ", "))
	used := map[*allowed]bool{}
	var fs []finding

	// The documents the adapter can send.
	names := ghapi.QueryNames()
	queries := ghapi.Queries()
	for _, name := range names {
		if _, errs := gqlparser.LoadQueryWithRules(schema, queries[name], nil); len(errs) > 0 {
			for _, e := range errs {
				fs = append(fs, finding{Spec: graphQLSpec, Op: "graphql " + name, Pointer: "/query", Message: e.Error()})
			}
		}
	}

	// What went over the wire, and what came back.
	aw := adapterWorkload()
	if aw.Setup != nil {
		t.Fatal(aw.Setup)
	}
	sent := map[string]int{}
	answered := 0
	for _, e := range aw.Exchanges {
		if !e.isGraphQL() {
			continue
		}
		var body struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		dec := json.NewDecoder(bytes.NewReader(e.ReqBody))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			fs = append(fs, finding{Spec: graphQLSpec, Op: "graphql (unreadable)", Pointer: "/request", Message: err.Error(), Example: e})
			continue
		}
		doc, errs := gqlparser.LoadQueryWithRules(schema, body.Query, nil)
		if len(errs) > 0 || len(doc.Operations) != 1 {
			for _, er := range errs {
				fs = append(fs, finding{Spec: graphQLSpec, Op: "graphql (sent)", Pointer: "/query", Message: er.Error(), Example: e})
			}
			if len(errs) == 0 {
				fs = append(fs, finding{Spec: graphQLSpec, Op: "graphql (sent)", Pointer: "/query", Message: fmt.Sprintf("%d operations in one document", len(doc.Operations)), Example: e})
			}
			continue
		}
		op := doc.Operations[0]
		opName := "graphql " + op.Name
		sent[op.Name]++
		if !listed(queries, op.Name) {
			fs = append(fs, finding{Spec: graphQLSpec, Op: opName, Pointer: "/query", Message: "sent, but not listed by ghapi.Queries (so not checked without this workload)", Example: e})
		}
		if _, err := validator.VariableValues(schema, op, numbersToGo(body.Variables)); err != nil {
			fs = append(fs, finding{Spec: graphQLSpec, Op: opName, Pointer: "/variables", Message: err.Error(), Example: e})
		}
		if e.Status != http.StatusOK {
			continue // an injected failure (the REST fallback), not an answer
		}
		answered++
		for _, m := range checkAnswer(schema, doc, op, e.RespBody) {
			m.Spec, m.Op, m.Example = graphQLSpec, opName, e
			fs = append(fs, m)
		}
	}
	var unsent []string
	for _, name := range names {
		base, _, _ := strings.Cut(name, "/")
		if sent[base] == 0 {
			unsent = append(unsent, name)
		}
	}
	var ops []string
	for n, c := range sent {
		ops = append(ops, fmt.Sprintf("%s×%d", n, c))
	}
	sort.Strings(ops)
	t.Logf("%d documents from ghapi.Queries validated; %d queries sent (%s), %d answers checked",
		len(names), len(ops), strings.Join(ops, ", "), answered)
	reportFindings(t, fs, used)
	if len(unsent) > 0 {
		t.Errorf("the workload never sent %s: their variables and answers go unchecked; add a step that does", strings.Join(unsent, ", "))
	}
	if !t.Failed() {
		checkAllowListUsed(t, map[string]bool{graphQLSpec: true}, false, used)
	}
}

// listed reports whether Queries has name, alone or as "name/variant".
func listed(queries map[string]string, name string) bool {
	for k := range queries {
		if base, _, _ := strings.Cut(k, "/"); base == name {
			return true
		}
	}
	return false
}

// numbersToGo turns json.Numbers into int64 or float64, as gqlparser
// expects of decoded variables.
func numbersToGo(v map[string]any) map[string]any {
	var conv func(any) any
	conv = func(x any) any {
		switch x := x.(type) {
		case json.Number:
			if i, err := x.Int64(); err == nil {
				return i
			}
			f, _ := x.Float64()
			return f
		case map[string]any:
			out := map[string]any{}
			for k, e := range x {
				out[k] = conv(e)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = conv(e)
			}
			return out
		}
		return x
	}
	out := map[string]any{}
	for k, e := range v {
		out[k] = conv(e)
	}
	return out
}

// answerChecker walks a GraphQL answer along the query that asked for it.
type answerChecker struct {
	schema *ast.Schema
	doc    *ast.QueryDocument
	// errPaths are the paths GraphQL errors name: a null there is the
	// error's doing, and so are missing values below it.
	errPaths map[string]bool
	out      []finding
}

func checkAnswer(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition, raw []byte) []finding {
	var env struct {
		Data   map[string]any `json:"data"`
		Errors []struct {
			Message string `json:"message"`
			Path    []any  `json:"path"`
		} `json:"errors"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		return []finding{{Pointer: "/", Message: "the answer is not JSON: " + err.Error()}}
	}
	c := &answerChecker{schema: schema, doc: doc, errPaths: map[string]bool{}}
	for _, e := range env.Errors {
		if e.Message == "" {
			c.add("/errors", "an error without a message")
		}
		var p strings.Builder
		p.WriteString("/data")
		for _, s := range e.Path {
			fmt.Fprintf(&p, "/%v", s)
		}
		c.errPaths[p.String()] = true
	}
	if env.Data == nil {
		if len(env.Errors) == 0 {
			c.add("/data", "neither data nor errors")
		}
		return c.out
	}
	root := schema.Query
	if op.Operation == ast.Mutation {
		root = schema.Mutation
	}
	c.object(op.SelectionSet, root, env.Data, "/data", "/data")
	return c.out
}

func (c *answerChecker) add(pointer, msg string) {
	c.out = append(c.out, finding{Pointer: pointer, Message: msg})
}

// covered reports whether path lies at or below a path an error names.
func (c *answerChecker) covered(path string) bool {
	for p := range c.errPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// object checks obj, of declared type def, against sel. path is the
// concrete path (for errors' paths), key the pointer with indexes as "*".
func (c *answerChecker) object(sel ast.SelectionSet, def *ast.Definition, obj map[string]any, path, key string) {
	concrete := def
	if def.IsAbstractType() {
		concrete = nil
		if tn, ok := obj["__typename"].(string); ok {
			concrete = c.schema.Types[tn]
			if concrete == nil || !c.possible(def, concrete) {
				c.add(key+"/__typename", fmt.Sprintf("%q is not a type that %s can be", tn, def.Name))
				return
			}
		}
	}
	asked := map[string]bool{}
	c.fields(sel, def, concrete, obj, path, key, asked, true)
	for k := range obj {
		if !asked[k] {
			c.add(key+"/"+k, "in the answer but not asked for")
		}
	}
}

// fields checks the fields sel selects on obj. sure is false inside a
// fragment whose type cannot be decided (an abstract type answered
// without __typename): its fields are then checked only when present.
func (c *answerChecker) fields(sel ast.SelectionSet, def, concrete *ast.Definition, obj map[string]any, path, key string, asked map[string]bool, sure bool) {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			k := s.Alias
			if k == "" {
				k = s.Name
			}
			asked[k] = true
			v, present := obj[k]
			if !present {
				if sure && !c.covered(path+"/"+k) {
					c.add(key+"/"+k, "asked for but missing from the answer")
				}
				continue
			}
			if s.Name == "__typename" {
				if _, ok := v.(string); !ok {
					c.add(key+"/"+k, "__typename is not a string")
				}
				continue
			}
			owner := concrete
			if owner == nil {
				owner = def
			}
			fd := owner.Fields.ForName(s.Name)
			if fd == nil {
				c.add(key+"/"+k, fmt.Sprintf("%s has no field %s in GitHub's schema", owner.Name, s.Name))
				continue
			}
			c.value(s.SelectionSet, fd.Type, v, path+"/"+k, key+"/"+k)
		case *ast.InlineFragment:
			c.fragment(s.TypeCondition, s.SelectionSet, def, concrete, obj, path, key, asked, sure)
		case *ast.FragmentSpread:
			fr := c.doc.Fragments.ForName(s.Name)
			if fr == nil {
				c.add(key, "unknown fragment "+s.Name)
				continue
			}
			c.fragment(fr.TypeCondition, fr.SelectionSet, def, concrete, obj, path, key, asked, sure)
		}
	}
}

func (c *answerChecker) fragment(cond string, sel ast.SelectionSet, def, concrete *ast.Definition, obj map[string]any, path, key string, asked map[string]bool, sure bool) {
	if cond == "" {
		c.fields(sel, def, concrete, obj, path, key, asked, sure)
		return
	}
	fd := c.schema.Types[cond]
	if fd == nil {
		c.add(key, "fragment on unknown type "+cond)
		return
	}
	switch {
	case concrete != nil && c.possible(fd, concrete):
		c.fields(sel, fd, concrete, obj, path, key, asked, sure)
	case concrete != nil:
		// Not this object's type: its fields are not asked for, and are
		// reported by object if they are there anyway.
	default:
		var conc *ast.Definition
		if !fd.IsAbstractType() {
			conc = fd
		}
		c.fields(sel, fd, conc, obj, path, key, asked, false)
	}
}

// possible reports whether concrete is def or one of its possible types.
func (c *answerChecker) possible(def, concrete *ast.Definition) bool {
	if def.Name == concrete.Name {
		return true
	}
	for _, p := range c.schema.GetPossibleTypes(def) {
		if p.Name == concrete.Name {
			return true
		}
	}
	return false
}

func (c *answerChecker) value(sel ast.SelectionSet, typ *ast.Type, v any, path, key string) {
	if v == nil {
		if typ.NonNull && !c.covered(path) {
			c.add(key, fmt.Sprintf("null, but the schema says %s", typ))
		}
		return
	}
	if typ.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			c.add(key, fmt.Sprintf("not a list, but the schema says %s", typ))
			return
		}
		for i, x := range list {
			c.value(sel, typ.Elem, x, fmt.Sprintf("%s/%d", path, i), key+"/*")
		}
		return
	}
	def := c.schema.Types[typ.NamedType]
	if def == nil {
		c.add(key, "unknown type "+typ.NamedType)
		return
	}
	switch def.Kind {
	case ast.Object, ast.Interface, ast.Union:
		obj, ok := v.(map[string]any)
		if !ok {
			c.add(key, fmt.Sprintf("not an object, but the schema says %s", typ))
			return
		}
		c.object(sel, def, obj, path, key)
	case ast.Enum:
		s, ok := v.(string)
		if !ok || def.EnumValues.ForName(s) == nil {
			c.add(key, fmt.Sprintf("%v is not a value of the enum %s", v, def.Name))
		}
	case ast.Scalar:
		if msg := scalarProblem(def.Name, v); msg != "" {
			c.add(key, msg)
		}
	}
}

// scalarProblem checks a scalar's JSON form: GitHub's custom scalars
// (DateTime, URI, GitObjectID, BigInt, …) are strings.
func scalarProblem(name string, v any) string {
	switch name {
	case "Int":
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			return fmt.Sprintf("%v is not an Int", v)
		}
	case "Float":
		if _, ok := v.(json.Number); !ok {
			return fmt.Sprintf("%v is not a Float", v)
		}
	case "Boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("%v is not a Boolean", v)
		}
	case "DateTime", "PreciseDateTime":
		s, ok := v.(string)
		if _, err := time.Parse(time.RFC3339Nano, s); !ok || err != nil {
			return fmt.Sprintf("%v is not an ISO-8601 %s", v, name)
		}
	default: // String, ID and GitHub's string-encoded scalars
		if _, ok := v.(string); !ok {
			return fmt.Sprintf("%v is not a string (%s)", v, name)
		}
	}
	return ""
}
