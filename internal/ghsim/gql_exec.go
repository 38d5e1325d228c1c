package ghsim

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// gqlExec executes one validated operation against the state (read lock
// held by the pipeline).
type gqlExec struct {
	c         *ctx
	s         *Server
	doc       *ast.QueryDocument
	vars      map[string]any
	faults    Faults
	errors    []gqlError
	costVal   int
	nodeCount int
	rate      RateSnapshot
}

// omap is a JSON object that keeps the query's field order.
type omap struct {
	keys []string
	vals map[string]any
}

func (m *omap) set(k string, v any) {
	if m.vals == nil {
		m.vals = map[string]any{}
	}
	if _, ok := m.vals[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k] = v
}

func (m *omap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range m.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(m.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// resolveErr is a field error; the value becomes null.
type resolveErr struct {
	typ string
	msg string
}

func (e *gqlExec) run(op *ast.OperationDefinition) any {
	v, ok := e.selectionSet(gqlRoot{}, "Query", op.SelectionSet, nil)
	if !ok {
		return nil
	}
	return v
}

type fieldGroup struct {
	key    string
	fields []*ast.Field
}

// collect groups the fields of a selection set that apply to the concrete
// type, expanding fragments and honouring @skip/@include.
func (e *gqlExec) collect(typ string, ss ast.SelectionSet, groups *[]*fieldGroup, idx map[string]*fieldGroup) {
	for _, sel := range ss {
		switch x := sel.(type) {
		case *ast.Field:
			if !e.included(x.Directives) {
				continue
			}
			g := idx[x.Alias]
			if g == nil {
				g = &fieldGroup{key: x.Alias}
				idx[x.Alias] = g
				*groups = append(*groups, g)
			}
			g.fields = append(g.fields, x)
		case *ast.InlineFragment:
			if e.included(x.Directives) && e.applies(x.TypeCondition, typ) {
				e.collect(typ, x.SelectionSet, groups, idx)
			}
		case *ast.FragmentSpread:
			fr := e.doc.Fragments.ForName(x.Name)
			if fr != nil && e.included(x.Directives) && e.applies(fr.TypeCondition, typ) {
				e.collect(typ, fr.SelectionSet, groups, idx)
			}
		}
	}
}

func (e *gqlExec) included(dirs ast.DirectiveList) bool {
	for _, d := range dirs {
		args := d.ArgumentMap(e.vars)
		switch d.Name {
		case "skip":
			if b, _ := args["if"].(bool); b {
				return false
			}
		case "include":
			if b, _ := args["if"].(bool); !b {
				return false
			}
		}
	}
	return true
}

func (e *gqlExec) applies(cond, typ string) bool {
	if cond == "" || cond == typ {
		return true
	}
	def := e.s.activeSchema().Types[cond]
	if def == nil {
		return false
	}
	for _, p := range e.s.activeSchema().GetPossibleTypes(def) {
		if p.Name == typ {
			return true
		}
	}
	return false
}

// selectionSet resolves the fields of one object. ok is false when a
// non-null field came back null, so the object itself becomes null.
func (e *gqlExec) selectionSet(obj any, typ string, ss ast.SelectionSet, path []any) (*omap, bool) {
	var groups []*fieldGroup
	e.collect(typ, ss, &groups, map[string]*fieldGroup{})
	out := &omap{}
	for _, g := range groups {
		f := g.fields[0]
		p := append(append([]any{}, path...), g.key)
		if f.Name == "__typename" {
			out.set(g.key, typ)
			continue
		}
		var sub ast.SelectionSet
		for _, x := range g.fields {
			sub = append(sub, x.SelectionSet...)
		}
		var val any
		var rerr *resolveErr
		if gf := e.faults.graphqlFault(g.key); gf != nil {
			t := cmp.Or(gf.Type, "INTERNAL")
			msg := cmp.Or(gf.Message, "Something went wrong while executing your query.")
			rerr = &resolveErr{typ: t, msg: msg}
		} else {
			val, rerr = e.resolve(obj, typ, f, f.ArgumentMap(e.vars))
		}
		if rerr != nil {
			e.errors = append(e.errors, gqlError{Type: rerr.typ, Path: p, Locations: loc(f.Position), Message: rerr.msg})
			val = nil
		}
		v, ok := e.complete(val, f.Definition.Type, sub, p)
		if !ok || (v == nil && f.Definition.Type.NonNull) {
			if rerr == nil && ok {
				e.errors = append(e.errors, gqlError{Path: p, Locations: loc(f.Position),
					Message: fmt.Sprintf("Cannot return null for non-nullable field %s.%s", typ, f.Name)})
			}
			return nil, false
		}
		out.set(g.key, v)
	}
	return out, true
}

// complete shapes a resolved value by its schema type.
func (e *gqlExec) complete(val any, t *ast.Type, ss ast.SelectionSet, path []any) (any, bool) {
	if val == nil || isNilPtr(val) {
		return nil, !t.NonNull
	}
	if t.Elem != nil {
		items := toList(val)
		out := make([]any, 0, len(items))
		for i, it := range items {
			v, ok := e.complete(it, t.Elem, ss, append(append([]any{}, path...), i))
			if !ok {
				return nil, !t.NonNull
			}
			out = append(out, v)
		}
		return out, true
	}
	def := e.s.activeSchema().Types[t.NamedType]
	switch def.Kind {
	case ast.Object, ast.Interface, ast.Union:
		typ := typeOf(val)
		if def.Kind == ast.Object {
			typ = def.Name
		}
		v, ok := e.selectionSet(val, typ, ss, path)
		if !ok {
			return nil, !t.NonNull
		}
		return v, true
	case ast.Enum:
		// Never answer a value the schema does not have (e.g. a REST rule
		// type GraphQL lacks): it would break strict clients.
		if s, ok := val.(string); !ok || def.EnumValues.ForName(s) == nil {
			e.errors = append(e.errors, gqlError{Type: "INTERNAL", Path: path,
				Message: fmt.Sprintf("%v is not a value of %s", val, def.Name)})
			return nil, !t.NonNull
		}
	}
	return val, true
}

func isNilPtr(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func toList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i := range x {
			out[i] = x[i]
		}
		return out
	}
	return nil
}

// cursors are opaque to clients; they encode a 1-based position.
func cursorAt(i int) string {
	return base64.StdEncoding.EncodeToString([]byte("cursor:v2:" + strconv.Itoa(i+1)))
}

func cursorArg(c string) (int, *resolveErr) {
	b, err := base64.StdEncoding.DecodeString(c)
	rest, ok := strings.CutPrefix(string(b), "cursor:v2:")
	n, err2 := strconv.Atoi(rest)
	if err != nil || !ok || err2 != nil {
		return 0, &resolveErr{typ: "INVALID_CURSOR_ARGUMENTS", msg: fmt.Sprintf("`%s` does not appear to be a valid cursor.", c)}
	}
	return n, nil
}

// connItem is one node of a connection and its edge-only fields.
type connItem struct {
	node any
	edge map[string]any
}

// gconn is a page of a connection.
type gconn struct {
	typ      string
	edgeType string
	items    []connItem
	start    int
	total    int
	hasNext  bool
	hasPrev  bool
}

// paginate cuts a page out of all items per first/after/last/before.
func paginate(typ string, all []connItem, args map[string]any) (*gconn, *resolveErr) {
	lo, hi := 0, len(all)
	if a, ok := args["after"].(string); ok {
		n, err := cursorArg(a)
		if err != nil {
			return nil, err
		}
		lo = min(n, hi)
	}
	if b, ok := args["before"].(string); ok {
		n, err := cursorArg(b)
		if err != nil {
			return nil, err
		}
		hi = max(min(n-1, hi), lo)
	}
	if f, ok := intArg(args, "first"); ok && int(f) < hi-lo {
		hi = lo + int(f)
	}
	if l, ok := intArg(args, "last"); ok && int(l) < hi-lo {
		lo = hi - int(l)
	}
	return &gconn{typ: typ, edgeType: strings.TrimSuffix(typ, "Connection") + "Edge", items: all[lo:hi], start: lo,
		total: len(all), hasNext: hi < len(all), hasPrev: lo > 0}, nil
}

func (g *gconn) field(name string) any {
	switch name {
	case "totalCount":
		return g.total
	case "nodes":
		return each(g.items, func(it connItem) any { return it.node })
	case "edges":
		out := make([]any, len(g.items))
		for i, it := range g.items {
			m := map[string]any{"cursor": cursorAt(g.start + i), "node": it.node}
			maps.Copy(m, it.edge)
			out[i] = &gvalue{typ: g.edgeType, m: m}
		}
		return out
	case "pageInfo":
		var startC, endC any
		if len(g.items) > 0 {
			startC, endC = cursorAt(g.start), cursorAt(g.start+len(g.items)-1)
		}
		return &gvalue{typ: "PageInfo", m: map[string]any{"startCursor": startC, "endCursor": endC, "hasNextPage": g.hasNext, "hasPreviousPage": g.hasPrev}}
	}
	return nil
}

// gvalue is a plain object whose fields are in a map.
type gvalue struct {
	typ string
	m   map[string]any
}

type gqlRoot struct{}

func typeOf(v any) string {
	switch x := v.(type) {
	case *repo:
		return "Repository"
	case *org:
		return "Organization"
	case *team:
		return "Team"
	case *user:
		return "User"
	case *app:
		return "App"
	case *gvalue:
		return x.typ
	case *gconn:
		return x.typ
	case *bprNode:
		return "BranchProtectionRule"
	case *ruleset:
		return "RepositoryRuleset"
	case *gRule:
		return "RepositoryRule"
	case *gBypass:
		return "RepositoryRulesetBypassActor"
	case *gRef:
		return "Ref"
	}
	return ""
}

// intArg reads an Int argument: literals arrive as int64, variables as
// whatever JSON decoding made of them.
func intArg(args map[string]any, name string) (int64, bool) {
	switch v := args[name].(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case float64:
		return int64(v), true
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	}
	return 0, false
}
