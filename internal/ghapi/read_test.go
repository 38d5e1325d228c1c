package ghapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadOrgExactRoles(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddTeam("acme", "core", ghsim.TeamOptions{})
	srv.AddTeam("acme", "core-js", ghsim.TeamOptions{Parent: "core"})
	srv.AddTeamMember("acme", "core", "alice", "")
	srv.AddTeamMember("acme", "core-js", "carol", "")
	srv.SetTeamRepo("acme", "core", "widgets", ghsim.RoleAdmin)
	srv.SetTeamRepo("acme", "core-js", "widgets", ghsim.RoleTriage)
	// alice: direct write, admin through a team: the direct grant is write.
	srv.SetCollaborator("acme", "widgets", "alice", ghsim.RoleWrite)
	srv.SetCollaborator("acme", "widgets", "bob", ghsim.RoleMaintain)
	srv.SetCollaborator("acme", "widgets", "olga", ghsim.RoleTriage)
	srv.AddInvitation("acme", "widgets", "dave", ghsim.RoleWrite, ghsim.InvitationOptions{Inviter: "root"})
	srv.AddRepo("acme", "gadgets", ghsim.RepoOptions{Private: true, Archived: true})

	c, _ := tokenClient(t, srv)
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.NoError(t, err)

	assert.Equal(t, "acme", o.Name)
	assert.Equal(t, role.Read, o.BaseRole)
	assert.Equal(t, []string{"root"}, o.Owners)
	assert.Equal(t, []string{"alice", "bob", "carol", "root"}, o.Members)
	require.Len(t, o.Teams, 2)
	assert.Equal(t, "core", o.Teams[0].Slug)
	assert.Equal(t, []string{"alice", "carol"}, o.Teams[0].Members, "a parent team's members include its child teams'")
	assert.Equal(t, "core", o.Teams[1].Parent)

	w := o.Repo("widgets")
	require.NotNil(t, w)
	assert.True(t, w.Readable(), w.ReadError)
	assert.Equal(t, "main", w.DefaultBranch)
	assert.Equal(t, []state.UserGrant{
		{Login: "alice", Role: role.Write},
		{Login: "bob", Role: role.Maintain},
		{Login: "olga", Role: role.Triage},
	}, noIDs(w.Users))
	// core-js's own triage is below the admin it inherits from core.
	assert.Equal(t, []state.TeamGrant{{Slug: "core", Role: role.Admin}, {Slug: "core-js", Role: role.Admin, Inherited: "core"}}, w.Teams)
	require.Len(t, w.Invitations, 1)
	inv := w.Invitations[0]
	assert.Equal(t, "dave", inv.Login)
	assert.Equal(t, role.Write, inv.Role)
	assert.Equal(t, "root", inv.Inviter)
	assert.False(t, inv.InviterBot)
	assert.False(t, inv.Expired)
	assert.Equal(t, []state.BranchProtection{{Branch: "main"}}, w.Protection)

	g := o.Repo("gadgets")
	require.NotNil(t, g)
	assert.True(t, g.Archived)
	assert.True(t, g.Private)
	assert.Equal(t, "private", g.Visibility)

	b, _ := json.MarshalIndent(o, "", " ")
	t.Logf("%s", b)
	t.Logf("stats: %+v", c.Stats())
}

func TestReadOrgNamedReposAndNotFound(t *testing.T) {
	t.Parallel()
	srv := world(t)
	for i := 0; i < 50; i++ {
		srv.AddRepo("acme", fmt.Sprintf("r%02d", i), ghsim.RepoOptions{})
		srv.SetCollaborator("acme", fmt.Sprintf("r%02d", i), "bob", ghsim.RoleTriage)
	}
	c, _ := tokenClient(t, srv)
	names := []string{"widgets", "nope", "R07"}
	for i := 10; i < 60; i++ {
		names = append(names, fmt.Sprintf("r%02d", i))
	}
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: names})
	require.NoError(t, err)
	assert.Len(t, o.Repos, 53)
	assert.True(t, o.Repo("nope").NotFound)
	assert.True(t, o.Repo("r55").NotFound)
	r7 := o.Repo("r07")
	require.NotNil(t, r7)
	assert.Equal(t, "r07", r7.Name, "GitHub's spelling")
	assert.Equal(t, []state.UserGrant{{Login: "bob", Role: role.Triage}}, noIDs(r7.Users))
}

func TestReadOrgProtectionRulesetsAudit(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.SetProtection("acme", "widgets", "main", &ghsim.Protection{
		RequiredStatusChecks: &ghsim.RequiredStatusChecks{Strict: true, Checks: []ghsim.StatusCheck{{Context: "EasyCLA"}, {Context: "DCO", AppID: 1861}}},
		EnforceAdmins:        true,
		RequiredPullRequestReviews: &ghsim.RequiredPullRequestReviews{RequiredApprovingReviewCount: 2, DismissStaleReviews: true, RequireCodeOwnerReviews: true,
			DismissalRestrictions: &ghsim.Restrictions{Users: []string{"alice"}}},
		Restrictions:          &ghsim.Restrictions{Users: []string{"bob"}},
		RequiredLinearHistory: true,
		RequiredSignatures:    true,
	})
	srv.SetProtection("acme", "widgets", "dev", &ghsim.Protection{AllowForcePushes: true, AllowDeletions: true})
	orgRS := srv.AddRuleset("acme", "", ghsim.Ruleset{Name: "cla", Include: []string{"~DEFAULT_BRANCH"}, RepoInclude: []string{"~ALL"},
		Rules:        []ghsim.Rule{ghsim.RequiredStatusChecksRule(true, ghsim.StatusCheck{Context: "EasyCLA"}, ghsim.StatusCheck{Context: "DCO", AppID: 1861})},
		BypassActors: []ghsim.BypassActor{{ActorType: "OrganizationAdmin", BypassMode: "always"}}})
	repoRS := srv.AddRuleset("acme", "widgets", ghsim.Ruleset{Name: "release", Include: []string{"refs/heads/release/*"},
		Rules: []ghsim.Rule{ghsim.PullRequestRule(2, true, false), ghsim.MergeQueueRule()}})
	evalRS := srv.AddRuleset("acme", "widgets", ghsim.Ruleset{Name: "trial", Enforcement: "evaluate", Include: []string{"~ALL"},
		Rules: []ghsim.Rule{ghsim.PullRequestRule(3, false, false)}})
	srv.AddDeployKey("acme", "widgets", "ci", "ssh-ed25519 AAAA", true)
	srv.AddRepo("acme", "other", ghsim.RepoOptions{})

	c, logs := tokenClient(t, srv)
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Branches: map[string][]string{"Widgets": {"dev", "nope", "main"}}, Audit: true})
	require.NoError(t, err)
	assert.NotContains(t, logs.String(), "REST API instead")
	w := o.Repo("widgets")
	require.True(t, w.Readable(), w.ReadError)

	assert.Equal(t, []state.BranchProtection{
		{Branch: "dev", Protected: true, AllowForcePushes: true, AllowDeletions: true},
		{Branch: "main", Protected: true,
			StatusChecks:    &state.StatusChecks{Strict: true, Checks: []state.Check{{Context: "DCO", AppID: 1861}, {Context: "EasyCLA", AppID: state.AnyApp}}},
			EnforceAdmins:   true,
			Reviews:         &state.Reviews{Count: 2, CodeOwners: true, DismissStale: true},
			RestrictsPushes: true, LinearHistory: true, Signatures: true},
		{Branch: "nope", Missing: true},
	}, w.Protection)

	require.Len(t, w.Rulesets, 3)
	byID := map[int64]state.Ruleset{}
	for _, rs := range w.Rulesets {
		byID[rs.ID] = rs
	}
	cla := byID[orgRS]
	assert.Equal(t, "cla", cla.Name)
	assert.Equal(t, "Organization", cla.SourceType)
	assert.Equal(t, "acme", cla.Source)
	assert.Equal(t, "active", cla.Enforcement)
	assert.Equal(t, "branch", cla.Target)
	assert.Equal(t, []string{"~DEFAULT_BRANCH"}, cla.Include)
	assert.True(t, cla.StrictChecks)
	assert.Equal(t, []state.Check{{Context: "DCO", AppID: 1861}, {Context: "EasyCLA", AppID: state.AnyApp}}, cla.RequiredChecks)
	assert.Equal(t, []state.BypassActor{{Kind: "OrganizationAdmin", Mode: "always"}}, cla.Bypass)
	assert.False(t, cla.Incomplete)
	_, ok := cla.RequiresCheck("DCO", "main", "main")
	assert.True(t, ok)

	rel := byID[repoRS]
	assert.Equal(t, "Repository", rel.SourceType)
	assert.Equal(t, "acme/widgets", rel.Source)
	require.NotNil(t, rel.Reviews)
	assert.Equal(t, 2, *rel.Reviews)
	assert.Equal(t, []string{"merge_queue"}, rel.OtherRules)

	trial := byID[evalRS]
	assert.Equal(t, "evaluate", trial.Enforcement)
	assert.Nil(t, trial.Reviews, "rules of rulesets GitHub does not enforce are not read")

	// The org ruleset applies to the other repository too, read once.
	other := o.Repo("other")
	require.Len(t, other.Rulesets, 1)
	assert.Equal(t, cla.RequiredChecks, other.Rulesets[0].RequiredChecks)

	assert.Equal(t, []state.DeployKey{{ID: w.DeployKeys[0].ID, Title: "ci", ReadOnly: true}}, w.DeployKeys)
	assert.NotNil(t, o.Installations)
}

func TestReadOrgPartialFailures(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddRepo("acme", "gadgets", ghsim.RepoOptions{})
	srv.AddRepo("acme", "gizmos", ghsim.RepoOptions{})
	srv.SetCollaborator("acme", "gizmos", "bob", ghsim.RoleWrite)
	srv.SetFaults(ghsim.Faults{
		GraphQL: []ghsim.GraphQLFault{{Alias: "r1", Type: "INTERNAL", Message: "Something went wrong"}},
		Routes:  []ghsim.RouteFault{{Method: "GET", Path: "/repos/acme/gizmos/invitations", Status: 502}},
	})
	c, logs := tokenClient(t, srv)
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: []string{"widgets", "gadgets", "gizmos"}})
	require.NoError(t, err)
	assert.True(t, o.Repo("widgets").Readable())
	g := o.Repo("gadgets")
	assert.False(t, g.NotFound)
	assert.Contains(t, g.ReadError, "Something went wrong")
	z := o.Repo("gizmos")
	assert.Contains(t, z.ReadError, "invitations")
	assert.Contains(t, z.ReadError, "502")
	assert.Contains(t, logs.String(), "retry")
}

func TestReadOrgFallsBackToREST(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddTeam("acme", "core", ghsim.TeamOptions{})
	srv.AddTeamMember("acme", "core", "alice", "")
	srv.SetTeamRepo("acme", "core", "widgets", ghsim.RoleAdmin)
	srv.SetCollaborator("acme", "widgets", "alice", ghsim.RoleWrite) // hidden under the team's admin
	srv.SetCollaborator("acme", "widgets", "bob", ghsim.RoleMaintain)
	srv.SetCollaborator("acme", "widgets", "olga", ghsim.RoleTriage)
	srv.AddInvitation("acme", "widgets", "dave", ghsim.RoleRead, ghsim.InvitationOptions{})
	srv.SetProtection("acme", "widgets", "main", &ghsim.Protection{EnforceAdmins: true,
		RequiredStatusChecks: &ghsim.RequiredStatusChecks{Checks: []ghsim.StatusCheck{{Context: "DCO", AppID: 1861}}}})
	srv.AddRuleset("acme", "", ghsim.Ruleset{Name: "cla", Include: []string{"~DEFAULT_BRANCH"}, RepoInclude: []string{"~ALL"},
		Rules: []ghsim.Rule{ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA"})}})
	srv.SetFaults(ghsim.Faults{Routes: []ghsim.RouteFault{{Method: "POST", Path: "/graphql", Status: 404, Message: "Not Found"}}})

	c, logs := tokenClient(t, srv)
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Branches: map[string][]string{"widgets": {"gone"}}})
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "through the REST API instead")
	w := o.Repo("widgets")
	require.True(t, w.Readable(), w.ReadError)
	assert.Equal(t, []state.UserGrant{
		{Login: "alice", Role: role.Admin, RoleName: AmbiguousRoleName},
		{Login: "bob", Role: role.Maintain},
		{Login: "olga", Role: role.Triage},
	}, noIDs(w.Users))
	assert.Equal(t, []state.TeamGrant{{Slug: "core", Role: role.Admin}}, w.Teams)
	assert.Len(t, w.Invitations, 1)
	assert.Equal(t, []string{"alice"}, o.Team("core").Members)
	main, _ := w.Branch("main")
	assert.True(t, main.Protected)
	assert.True(t, main.EnforceAdmins)
	assert.Equal(t, []state.Check{{Context: "DCO", AppID: 1861}}, main.StatusChecks.Checks)
	gone, _ := w.Branch("gone")
	assert.True(t, gone.Missing)
	require.Len(t, w.Rulesets, 1)
	assert.Equal(t, []state.Check{{Context: "EasyCLA", AppID: state.AnyApp}}, w.Rulesets[0].RequiredChecks)
}

// TestAuditWithoutBypassPermission: bypass actors that cannot be read
// leave the rules read and the bypass list empty.
func TestAuditWithoutBypassPermission(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddRuleset("acme", "", ghsim.Ruleset{Name: "cla", Include: []string{"~DEFAULT_BRANCH"}, RepoInclude: []string{"~ALL"},
		Rules:        []ghsim.Rule{ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA"})},
		BypassActors: []ghsim.BypassActor{{ActorType: "OrganizationAdmin", BypassMode: "always"}}})
	srv.SetFaults(ghsim.Faults{GraphQL: []ghsim.GraphQLFault{{Alias: "bypassActors", Type: "FORBIDDEN", Message: "Resource not accessible by integration"}}})
	c, logs := tokenClient(t, srv)
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Audit: true})
	require.NoError(t, err)
	w := o.Repo("widgets")
	require.Len(t, w.Rulesets, 1)
	rs := w.Rulesets[0]
	assert.False(t, rs.Incomplete)
	assert.Equal(t, []state.Check{{Context: "EasyCLA", AppID: state.AnyApp}}, rs.RequiredChecks)
	assert.Empty(t, rs.Bypass)
	assert.Contains(t, logs.String(), "bypass")
}

// lackingField answers GraphQL queries that ask for field as an older
// GitHub Enterprise Server would: "Field '…' doesn't exist on type '…'".
type lackingField struct {
	field, typ string
	next       http.RoundTripper
}

func (l *lackingField) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && strings.HasSuffix(req.URL.Path, "graphql") {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		if bytes.Contains(b, []byte(l.field)) {
			body := fmt.Sprintf(`{"errors":[{"path":["query"],"extensions":{"code":"undefinedField","typeName":%q,"fieldName":%q},"message":"Field '%s' doesn't exist on type '%s'"}]}`, l.typ, l.field, l.field, l.typ)
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
		}
	}
	return l.next.RoundTrip(req)
}

func TestReadWithoutOptionalGraphQLFields(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.SetCollaborator("acme", "widgets", "bob", ghsim.RoleMaintain)
	srv.SetProtection("acme", "widgets", "main", &ghsim.Protection{EnforceAdmins: true})
	rt := &lackingField{field: "requireLastPushApproval", typ: "BranchProtectionRule", next: http.DefaultTransport}
	rt = &lackingField{field: "rateLimit", typ: "Query", next: rt}
	c, logs := tokenClient(t, srv, func(o *Options) { o.Transport = rt })
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.NoError(t, err)
	assert.NotContains(t, logs.String(), "REST API instead")
	assert.Contains(t, logs.String(), "no BranchProtectionRule.requireLastPushApproval")
	w := o.Repo("widgets")
	assert.Equal(t, []state.UserGrant{{Login: "bob", Role: role.Maintain}}, noIDs(w.Users))
	p, _ := w.Branch("main")
	assert.True(t, p.EnforceAdmins)

	// An essential field missing: the whole read goes through REST.
	rt2 := &lackingField{field: "roleName", typ: "PermissionSource", next: http.DefaultTransport}
	c2, logs2 := tokenClient(t, srv, func(o *Options) { o.Transport = rt2 })
	o, err = c2.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.NoError(t, err)
	assert.Contains(t, logs2.String(), "REST API instead")
	assert.Equal(t, []state.UserGrant{{Login: "bob", Role: role.Maintain}}, noIDs(o.Repo("widgets").Users))
}

// slowQueries answers GraphQL queries asking for more than max
// repositories a page as GitHub does when a query runs past its time.
type slowQueries struct {
	max  int
	next http.RoundTripper
}

func (s *slowQueries) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && strings.HasSuffix(req.URL.Path, "graphql") {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		var in struct {
			Variables map[string]any `json:"variables"`
		}
		_ = json.Unmarshal(b, &in)
		if f, ok := in.Variables["first"].(float64); ok && int(f) > s.max {
			body := `{"data":null,"errors":[{"message":"Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug."}]}`
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
		}
	}
	return s.next.RoundTrip(req)
}

func TestReadOrgSmallerPagesAfterTimeouts(t *testing.T) {
	t.Parallel()
	srv := world(t)
	for i := 0; i < 30; i++ {
		srv.AddRepo("acme", fmt.Sprintf("r%02d", i), ghsim.RepoOptions{})
	}
	c, logs := tokenClient(t, srv, func(o *Options) { o.Transport = &slowQueries{max: 12, next: http.DefaultTransport} })
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.NoError(t, err)
	assert.Len(t, o.Repos, 31)
	assert.Contains(t, logs.String(), "11 at a time")
}
