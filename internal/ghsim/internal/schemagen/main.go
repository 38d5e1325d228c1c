// Command schemagen writes the simulator's GraphQL schema: the subset of
// GitHub's official schema (npm package @octokit/graphql-schema) that
// ghsim serves, with types, fields, arguments and enums copied as they
// are. To add a field, list it in want and run from the module root:
//
//	go run ./internal/ghsim/internal/schemagen \
//	    node_modules/@octokit/graphql-schema/schema.graphql \
//	    > internal/ghsim/schema.graphql
package main

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

var want = map[string]string{
	"Query":                                  "repository organization node nodes rateLimit viewer user",
	"Node":                                   "id",
	"RepositoryOwner":                        "id login",
	"RateLimit":                              "cost limit nodeCount remaining resetAt used",
	"Repository":                             "id databaseId name nameWithOwner isArchived isPrivate isDisabled visibility defaultBranchRef ref owner collaborators branchProtectionRules rulesets url description",
	"Ref":                                    "id name prefix",
	"RepositoryCollaboratorConnection":       "edges nodes pageInfo totalCount",
	"RepositoryCollaboratorEdge":             "cursor node permission permissionSources",
	"PermissionSource":                       "organization permission roleName source",
	"PageInfo":                               "endCursor hasNextPage hasPreviousPage startCursor",
	"BranchProtectionRuleConnection":         "edges nodes pageInfo totalCount",
	"BranchProtectionRuleEdge":               "cursor node",
	"BranchProtectionRule":                   "id databaseId pattern isAdminEnforced requiresStatusChecks requiresStrictStatusChecks requiredStatusChecks requiredStatusCheckContexts requiresApprovingReviews requiredApprovingReviewCount requiresCodeOwnerReviews dismissesStaleReviews allowsForcePushes allowsDeletions restrictsPushes restrictsReviewDismissals lockBranch requireLastPushApproval requiresLinearHistory requiresCommitSignatures requiresConversationResolution blocksCreations matchingRefs repository",
	"RefConnection":                          "edges nodes pageInfo totalCount",
	"RefEdge":                                "cursor node",
	"RequiredStatusCheckDescription":         "app context",
	"App":                                    "id databaseId name slug",
	"RepositoryRulesetConnection":            "edges nodes pageInfo totalCount",
	"RepositoryRulesetEdge":                  "cursor node",
	"RepositoryRuleset":                      "id databaseId name enforcement target source conditions rules bypassActors createdAt updatedAt",
	"RepositoryRuleConditions":               "refName repositoryName",
	"RefNameConditionTarget":                 "exclude include",
	"RepositoryNameConditionTarget":          "exclude include protected",
	"RepositoryRuleConnection":               "edges nodes pageInfo totalCount",
	"RepositoryRuleEdge":                     "cursor node",
	"RepositoryRule":                         "id type parameters repositoryRuleset",
	"RepositoryRulesetBypassActorConnection": "edges nodes pageInfo totalCount",
	"RepositoryRulesetBypassActorEdge":       "cursor node",
	"RepositoryRulesetBypassActor":           "id actor bypassMode deployKey enterpriseOwner organizationAdmin repositoryRoleDatabaseId repositoryRoleName repositoryRuleset",
	"Organization":                           "id databaseId login name url repositories teams membersWithRole rulesets repository team",
	"OrganizationMemberConnection":           "edges nodes pageInfo totalCount",
	"OrganizationMemberEdge":                 "cursor node role",
	"RepositoryConnection":                   "edges nodes pageInfo totalCount",
	"RepositoryEdge":                         "cursor node",
	"Team":                                   "id databaseId slug name description privacy combinedSlug parentTeam childTeams members repositories organization",
	"TeamConnection":                         "edges nodes pageInfo totalCount",
	"TeamEdge":                               "cursor node",
	"TeamMemberConnection":                   "edges nodes pageInfo totalCount",
	"TeamMemberEdge":                         "cursor node role",
	"TeamRepositoryConnection":               "edges nodes pageInfo totalCount",
	"TeamRepositoryEdge":                     "cursor node permission",
	"User":                                   "id databaseId login name",
	"Enterprise":                             "id databaseId name slug",
	"PermissionGranter":                      "*",
	"RuleSource":                             "*",
	"BypassActor":                            "*",
	"RuleParameters":                         "*",
	"BranchNamePatternParameters":            "*",
	"CodeScanningParameters":                 "*",
	"CodeScanningTool":                       "*",
	"CommitAuthorEmailPatternParameters":     "*",
	"CommitMessagePatternParameters":         "*",
	"CommitterEmailPatternParameters":        "*",
	"FileExtensionRestrictionParameters":     "*",
	"FilePathRestrictionParameters":          "*",
	"MaxFilePathLengthParameters":            "*",
	"MaxFileSizeParameters":                  "*",
	"MergeQueueParameters":                   "*",
	"PullRequestParameters":                  "*",
	"RequiredDeploymentsParameters":          "*",
	"RequiredStatusChecksParameters":         "*",
	"StatusCheckConfiguration":               "*",
	"TagNamePatternParameters":               "*",
	"UpdateParameters":                       "*",
	"WorkflowsParameters":                    "*",
	"WorkflowFileReference":                  "*",
}

func main() {
	src, _ := os.ReadFile(os.Args[1])
	doc, perr := parser.ParseSchema(&ast.Source{Name: "github.graphql", Input: string(src)})
	if perr != nil {
		panic(perr)
	}
	full := struct{ Types map[string]*ast.Definition }{map[string]*ast.Definition{}}
	for _, d := range doc.Definitions {
		full.Types[d.Name] = d
	}
	for _, b := range []string{"ID", "String", "Int", "Float", "Boolean"} {
		full.Types[b] = &ast.Definition{Name: b, Kind: ast.Scalar, BuiltIn: true}
	}
	out := &ast.SchemaDocument{}
	done := map[string]bool{}
	queue := slices.Sorted(maps.Keys(want))
	var problems []string
	needType := func(t *ast.Type) {
		for t.Elem != nil {
			t = t.Elem
		}
		d := full.Types[t.NamedType]
		if d == nil {
			problems = append(problems, "missing "+t.NamedType)
			return
		}
		if d.BuiltIn {
			return
		}
		switch d.Kind {
		case ast.Object, ast.Interface, ast.Union:
			if _, ok := want[d.Name]; !ok {
				problems = append(problems, "object not wanted: "+d.Name)
			}
		default:
			if !done[d.Name] {
				queue = append(queue, d.Name)
			}
		}
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if done[name] {
			continue
		}
		done[name] = true
		d := full.Types[name]
		if d == nil {
			problems = append(problems, "no type "+name)
			continue
		}
		nd := *d
		nd.Description, nd.Position = "", nil
		spec, isWanted := want[name]
		switch d.Kind {
		case ast.Object, ast.Interface:
			if !isWanted || spec == "*" {
				spec = ""
				for _, f := range d.Fields {
					if !strings.HasPrefix(f.Name, "__") {
						spec += f.Name + " "
					}
				}
			}
			nd.Fields = nil
			for _, fname := range strings.Fields(spec) {
				f := d.Fields.ForName(fname)
				if f == nil {
					problems = append(problems, name+"."+fname+" missing")
					continue
				}
				nf := *f
				nf.Description, nf.Position, nf.Arguments = "", nil, nil
				for _, a := range f.Arguments {
					na := *a
					na.Description, na.Position = "", nil
					nf.Arguments = append(nf.Arguments, &na)
					needType(a.Type)
				}
				needType(f.Type)
				nd.Fields = append(nd.Fields, &nf)
			}
			var ifs []string
			for _, i := range d.Interfaces {
				if _, ok := want[i]; ok && (i != "Node" || nd.Fields.ForName("id") != nil) {
					ifs = append(ifs, i)
				}
			}
			nd.Interfaces = ifs
		case ast.InputObject:
			nd.Fields = nil
			for _, f := range d.Fields {
				nf := *f
				nf.Description, nf.Position = "", nil
				needType(f.Type)
				nd.Fields = append(nd.Fields, &nf)
			}
		case ast.Enum:
			nd.EnumValues = nil
			for _, v := range d.EnumValues {
				nv := *v
				nv.Description, nv.Position = "", nil
				nd.EnumValues = append(nd.EnumValues, &nv)
			}
		case ast.Union:
			for _, t := range d.Types {
				if _, ok := want[t]; !ok {
					problems = append(problems, "union member not wanted: "+t)
				}
			}
		}
		out.Definitions = append(out.Definitions, &nd)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		fmt.Fprintln(os.Stderr, strings.Join(slices.Compact(problems), "\n"))
		os.Exit(1)
	}
	sort.Slice(out.Definitions, func(i, j int) bool { return out.Definitions[i].Name < out.Definitions[j].Name })
	out.Schema = []*ast.SchemaDefinition{{OperationTypes: ast.OperationTypeDefinitionList{{Operation: ast.Query, Type: "Query"}}}}
	fmt.Println("# A subset of GitHub's public GraphQL schema (@octokit/graphql-schema):")
	fmt.Println("# types, fields, arguments and enums copied as they are there, only what")
	fmt.Println("# the simulator serves. schema_test.go checks it against the official file.")
	formatter.NewFormatter(os.Stdout, formatter.WithIndent("  ")).FormatSchemaDocument(out)
}
