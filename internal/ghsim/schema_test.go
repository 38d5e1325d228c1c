package ghsim

import (
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// officialSchema is where `npm install @octokit/graphql-schema` puts
// GitHub's schema; GHAPITEST_GRAPHQL_SCHEMA overrides it.
func officialSchemaPath() string {
	if p := os.Getenv("GHAPITEST_GRAPHQL_SCHEMA"); p != "" {
		return p
	}
	for _, p := range []string{
		"/tmp/npmx/node_modules/@octokit/graphql-schema/schema.graphql",
		"node_modules/@octokit/graphql-schema/schema.graphql",
	} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// TestSchemaIsSubsetOfGitHub checks every type, field, argument, enum value
// and union member of the embedded schema against GitHub's official one.
func TestSchemaIsSubsetOfGitHub(t *testing.T) {
	path := officialSchemaPath()
	if path == "" {
		t.Skip("GitHub's official GraphQL schema is not installed (npm install @octokit/graphql-schema, or set GHAPITEST_GRAPHQL_SCHEMA)")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	official, perr := parser.ParseSchema(&ast.Source{Name: path, Input: string(src)})
	if perr != nil {
		t.Fatal(perr)
	}
	ours, perr := parser.ParseSchema(&ast.Source{Name: "schema.graphql", Input: schemaSDL})
	if perr != nil {
		t.Fatal(perr)
	}
	defs := map[string]*ast.Definition{}
	for _, d := range official.Definitions {
		defs[d.Name] = d
	}
	for _, d := range ours.Definitions {
		o := defs[d.Name]
		if o == nil {
			t.Errorf("type %s is not in GitHub's schema", d.Name)
			continue
		}
		if o.Kind != d.Kind {
			t.Errorf("type %s is a %s, GitHub's is a %s", d.Name, d.Kind, o.Kind)
			continue
		}
		for _, f := range d.Fields {
			of := o.Fields.ForName(f.Name)
			if of == nil {
				t.Errorf("%s.%s is not in GitHub's schema", d.Name, f.Name)
				continue
			}
			if of.Type.String() != f.Type.String() {
				t.Errorf("%s.%s is %s, GitHub's is %s", d.Name, f.Name, f.Type, of.Type)
			}
			if (f.DefaultValue == nil) != (of.DefaultValue == nil) || f.DefaultValue != nil && f.DefaultValue.String() != of.DefaultValue.String() {
				t.Errorf("%s.%s default differs", d.Name, f.Name)
			}
			for _, a := range f.Arguments {
				oa := of.Arguments.ForName(a.Name)
				switch {
				case oa == nil:
					t.Errorf("%s.%s(%s) is not in GitHub's schema", d.Name, f.Name, a.Name)
				case oa.Type.String() != a.Type.String():
					t.Errorf("%s.%s(%s) is %s, GitHub's is %s", d.Name, f.Name, a.Name, a.Type, oa.Type)
				case (a.DefaultValue == nil) != (oa.DefaultValue == nil) || a.DefaultValue != nil && a.DefaultValue.String() != oa.DefaultValue.String():
					t.Errorf("%s.%s(%s) default differs from GitHub's", d.Name, f.Name, a.Name)
				}
			}
		}
		for _, v := range d.EnumValues {
			if o.EnumValues.ForName(v.Name) == nil {
				t.Errorf("enum value %s.%s is not in GitHub's schema", d.Name, v.Name)
			}
		}
		for _, m := range d.Types {
			found := false
			for _, om := range o.Types {
				found = found || om == m
			}
			if !found {
				t.Errorf("%s is not a member of GitHub's union %s", m, d.Name)
			}
		}
		for _, i := range d.Interfaces {
			found := false
			for _, oi := range o.Interfaces {
				found = found || oi == i
			}
			if !found {
				t.Errorf("%s does not implement %s in GitHub's schema", d.Name, i)
			}
		}
	}
}
