package ghapi

import (
	"cmp"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// officialSchema is GitHub's published schema (@octokit/graphql-schema),
// when present on this machine; PERMSYNC_GITHUB_SCHEMA overrides the path.
func officialSchema(t *testing.T) *ast.Schema {
	t.Helper()
	// .ci/run exports PERMSYNC_GRAPHQL_SCHEMA: without it in CI this test
	// was skipped there.
	path := cmp.Or(os.Getenv("PERMSYNC_GITHUB_SCHEMA"), os.Getenv("PERMSYNC_GRAPHQL_SCHEMA"))
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PERMSYNC_GRAPHQL_SCHEMA is not set: .ci/run installs GitHub's GraphQL schema and sets it")
		}
		t.Skip("GitHub's GraphQL schema is not available here; set PERMSYNC_GRAPHQL_SCHEMA (see .ci/run)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("GitHub's GraphQL schema: %v", err)
	}
	doc, perr := parser.ParseSchemas(validator.Prelude, &ast.Source{Name: "schema.graphql", Input: string(b)})
	if perr != nil {
		t.Fatalf("parse schema: %v", perr)
	}
	// The published file defines a few fields twice; keep the first.
	for _, list := range []ast.DefinitionList{doc.Definitions, doc.Extensions} {
		for _, d := range list {
			seen := map[string]bool{}
			var kept ast.FieldList
			for _, f := range d.Fields {
				if !seen[f.Name] {
					seen[f.Name] = true
					kept = append(kept, f)
				}
			}
			d.Fields = kept
		}
	}
	s, gerr := validator.ValidateSchemaDocument(doc)
	if gerr != nil {
		t.Fatalf("load schema: %v", gerr)
	}
	return s
}

func TestQueriesValidateAgainstGitHubSchema(t *testing.T) {
	schema := officialSchema(t)
	for _, name := range QueryNames() {
		q := Queries()[name]
		if _, errs := gqlparser.LoadQueryWithRules(schema, q, nil); len(errs) > 0 {
			t.Errorf("%s: %v", name, errs)
		}
	}
}

// TestQueriesWithoutOptionalFields: leaving out every optional field
// still gives valid queries.
func TestQueriesWithoutOptionalFields(t *testing.T) {
	schema := officialSchema(t)
	var a schemaAdapter
	for f := range optionalFields {
		optional, fresh := a.drop(f)
		require.True(t, optional && fresh, f)
	}
	for _, name := range QueryNames() {
		q := a.adapt(Queries()[name])
		for f := range optionalFields {
			assert.NotRegexp(t, `\b`+f+`\b`, q, name)
		}
		if _, errs := gqlparser.LoadQueryWithRules(schema, q, nil); len(errs) > 0 {
			t.Errorf("%s: %v", name, errs)
		}
	}
}
