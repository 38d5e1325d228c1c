package ghsim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRepoBothPrefixesAndCaseInsensitive(t *testing.T) {
	f := newFixture(t)
	for _, base := range []string{f.s.URL(), f.s.RootURL()} {
		r := call(t, f.s, "GET", base+"repos/ACME/Widgets", f.tok, nil)
		wantStatus(t, r, 200)
		m := r.obj(t)
		assert.Equal(t, "acme/widgets", m["full_name"])
		assert.Equal(t, "main", m["default_branch"])
		assert.Equal(t, "administration=read"[:0]+"metadata=read", r.Header.Get("X-Accepted-GitHub-Permissions"))
	}
	wantStatus(t, call(t, f.s, "GET", "repos/acme/nope", f.tok, nil), 404)
	r := call(t, f.s, "GET", "users/ALICE", f.tok, nil)
	wantStatus(t, r, 200)
	assert.Equal(t, "Alice", r.obj(t)["login"])
	wantStatus(t, call(t, f.s, "GET", "users/nobody", f.tok, nil), 404)
}

func TestBadCredentialsAndExpiry(t *testing.T) {
	f := newFixture(t)
	r := call(t, f.s, "GET", "repos/acme/widgets", "ghs_unknown", nil)
	wantStatus(t, r, 401)
	assert.Equal(t, "Bad credentials", r.obj(t)["message"])
	f.s.Advance(61 * time.Minute)
	wantStatus(t, call(t, f.s, "GET", "repos/acme/widgets", f.tok, nil), 401)
}

func TestCollaboratorPagination(t *testing.T) {
	f := newFixture(t)
	for i := range 250 {
		f.s.SetCollaborator("acme", "widgets", fmt.Sprintf("user%03d", i), RoleWrite)
	}
	var all []map[string]any
	next := "repos/acme/widgets/collaborators?affiliation=direct&per_page=100"
	pages := 0
	for next != "" {
		r := call(t, f.s, "GET", next, f.tok, nil)
		wantStatus(t, r, 200)
		all = append(all, r.list(t)...)
		pages++
		next = ""
		for _, part := range strings.Split(r.Header.Get("Link"), ",") {
			if strings.Contains(part, `rel="next"`) {
				next = strings.Trim(strings.TrimSpace(strings.Split(part, ";")[0]), "<>")
				require.True(t, strings.HasPrefix(next, f.s.URL()), next)
			}
		}
	}
	assert.Equal(t, 3, pages)
	assert.Len(t, all, 250)
	seen := map[string]bool{}
	for _, u := range all {
		seen[u["login"].(string)] = true
	}
	assert.Len(t, seen, 250)

	r := call(t, f.s, "GET", "repos/acme/widgets/collaborators?affiliation=direct&per_page=100&page=2", f.tok, nil)
	link := r.Header.Get("Link")
	assert.Regexp(t, `^<[^>]+page=1[^>]*>; rel="prev", <[^>]+page=3[^>]*>; rel="next", <[^>]+page=3[^>]*>; rel="last", <[^>]+page=1[^>]*>; rel="first"$`, link)
	r = call(t, f.s, "GET", "repos/acme/widgets/collaborators?affiliation=direct", f.tok, nil)
	assert.Len(t, r.list(t), 30)
}

func TestCollaboratorsAffiliationAndRoleName(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddTeam("acme", "core", TeamOptions{})
	s.AddTeamMember("acme", "core", "alice", "")
	s.SetTeamRepo("acme", "core", "widgets", RoleAdmin)
	s.SetCollaborator("acme", "widgets", "alice", RoleWrite)
	s.SetCollaborator("acme", "widgets", "olga", RoleTriage)

	roles := func(q string) map[string]string {
		r := call(t, s, "GET", "repos/acme/widgets/collaborators"+q, f.tok, nil)
		wantStatus(t, r, 200)
		out := map[string]string{}
		for _, u := range r.list(t) {
			out[u["login"].(string)] = u["role_name"].(string)
			perms := u["permissions"].(map[string]any)
			assert.Contains(t, perms, "maintain")
		}
		return out
	}
	// role_name is the highest role from every source.
	assert.Equal(t, map[string]string{"Alice": "admin", "olga": "triage"}, roles("?affiliation=direct"))
	assert.Equal(t, map[string]string{"olga": "triage"}, roles("?affiliation=outside"))
	assert.Equal(t, map[string]string{"Alice": "admin", "olga": "triage", "root": "admin", "bob": "read"}, roles(""))
	assert.Equal(t, map[string]string{"bob": "read"}, roles("?permission=pull"))

	r := call(t, s, "GET", "repos/acme/widgets/collaborators/alice/permission", f.tok, nil)
	wantStatus(t, r, 200)
	m := r.obj(t)
	assert.Equal(t, "admin", m["permission"])
	s.SetTeamRepo("acme", "core", "widgets", RoleMaintain)
	m = call(t, s, "GET", "repos/acme/widgets/collaborators/alice/permission", f.tok, nil).obj(t)
	assert.Equal(t, "write", m["permission"])
	assert.Equal(t, "maintain", m["role_name"])

	wantStatus(t, call(t, s, "GET", "repos/acme/widgets/collaborators/olga", f.tok, nil), 204)
	s.SetBaseRole("acme", RoleNone)
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets/collaborators/bob", f.tok, nil), 404)

	r = call(t, s, "GET", "orgs/acme/outside_collaborators", f.tok, nil)
	wantStatus(t, r, 200)
	require.Len(t, r.list(t), 1)
	assert.Equal(t, "olga", r.list(t)[0]["login"])
}

func TestPutCollaboratorMemberOutsiderInvitation(t *testing.T) {
	f := newFixture(t)
	s := f.s
	// Member: added at once.
	wantStatus(t, call(t, s, "PUT", "repos/acme/widgets/collaborators/bob", f.tok, map[string]string{"permission": "maintain"}), 204)
	assert.Equal(t, RoleMaintain, s.Collaborators("acme", "widgets")["bob"])
	// Below the base role: refused.
	s.SetBaseRole("acme", RoleWrite)
	r := call(t, s, "PUT", "repos/acme/widgets/collaborators/bob", f.tok, map[string]string{"permission": "triage"})
	wantStatus(t, r, 422)
	assert.Equal(t, "Cannot assign bob permission of triage", r.obj(t)["message"])
	s.SetBaseRole("acme", RoleRead)

	// Outsider: invitation (201) by the App's bot.
	r = call(t, s, "PUT", "repos/acme/widgets/collaborators/olga", f.tok, map[string]string{"permission": "push"})
	wantStatus(t, r, 201)
	inv := r.obj(t)
	assert.Equal(t, "write", inv["permissions"])
	assert.Equal(t, "permsync[bot]", inv["inviter"].(map[string]any)["login"])
	assert.Equal(t, "Bot", inv["inviter"].(map[string]any)["type"])
	assert.Equal(t, false, inv["expired"])
	id := int64(inv["id"].(float64))
	// Again while pending: the same invitation, updated.
	r = call(t, s, "PUT", "repos/acme/widgets/collaborators/olga", f.tok, map[string]string{"permission": "triage"})
	wantStatus(t, r, 201)
	assert.Equal(t, float64(id), r.obj(t)["id"])
	assert.Equal(t, "triage", r.obj(t)["permissions"])
	require.Len(t, s.Invitations("acme", "widgets"), 1)

	// PATCH, list, DELETE.
	r = call(t, s, "PATCH", fmt.Sprintf("repos/acme/widgets/invitations/%d", id), f.tok, map[string]string{"permissions": "maintain"})
	wantStatus(t, r, 200)
	assert.Equal(t, "maintain", r.obj(t)["permissions"])
	r = call(t, s, "GET", "repos/acme/widgets/invitations", f.tok, nil)
	wantStatus(t, r, 200)
	l := r.list(t)
	require.Len(t, l, 1)
	for _, k := range []string{"id", "invitee", "inviter", "permissions", "created_at", "expired", "repository", "url", "html_url", "node_id"} {
		assert.Contains(t, l[0], k)
	}
	// DELETE collaborator does not cancel an invitation to that user.
	wantStatus(t, call(t, s, "DELETE", "repos/acme/widgets/collaborators/olga", f.tok, nil), 204)
	require.Len(t, s.Invitations("acme", "widgets"), 1)
	wantStatus(t, call(t, s, "DELETE", fmt.Sprintf("repos/acme/widgets/invitations/%d", id), f.tok, nil), 204)
	assert.Empty(t, s.Invitations("acme", "widgets"))

	// Accept turns an invitation into a grant; then PUT updates with 204.
	s.AddInvitation("acme", "widgets", "olga", RoleRead, InvitationOptions{})
	s.AcceptInvitation("acme", "widgets", "olga")
	assert.Equal(t, RoleRead, s.Collaborators("acme", "widgets")["olga"])
	wantStatus(t, call(t, s, "PUT", "repos/acme/widgets/collaborators/olga", f.tok, map[string]string{"permission": "admin"}), 204)
	assert.Equal(t, RoleAdmin, s.Collaborators("acme", "widgets")["olga"])

	wantStatus(t, call(t, s, "PUT", "repos/acme/widgets/collaborators/ghost-nobody", f.tok, nil), 404)
	wantStatus(t, call(t, s, "PUT", "repos/acme/widgets/collaborators/bob", f.tok, map[string]string{"permission": "owner"}), 422)
}

func TestInvitationExpiry(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddInvitation("acme", "widgets", "olga", RoleWrite, InvitationOptions{})
	s.Advance(7*24*time.Hour - time.Minute)
	tok := s.InstallationToken(f.inst, nil)
	l := call(t, s, "GET", "repos/acme/widgets/invitations", tok, nil).list(t)
	assert.Equal(t, false, l[0]["expired"])
	s.Advance(2 * time.Minute)
	l = call(t, s, "GET", "repos/acme/widgets/invitations", tok, nil).list(t)
	assert.Equal(t, true, l[0]["expired"])
	assert.True(t, s.Invitations("acme", "widgets")[0].Expired)
	// Re-inviting replaces the expired invitation.
	r := call(t, s, "PUT", "repos/acme/widgets/collaborators/olga", tok, map[string]string{"permission": "push"})
	wantStatus(t, r, 201)
	invs := s.Invitations("acme", "widgets")
	require.Len(t, invs, 1)
	assert.False(t, invs[0].Expired)
}

func TestInvitationLimit(t *testing.T) {
	f := newFixture(t)
	s := f.s
	for i := range 50 {
		s.AddUser(fmt.Sprintf("o%02d", i))
		wantStatus(t, call(t, s, "PUT", fmt.Sprintf("repos/acme/widgets/collaborators/o%02d", i), f.tok, nil), 201)
	}
	s.AddUser("late")
	r := call(t, s, "PUT", "repos/acme/widgets/collaborators/late", f.tok, nil)
	wantStatus(t, r, 422)
	// Members are not limited.
	wantStatus(t, call(t, s, "PUT", "repos/acme/widgets/collaborators/bob", f.tok, nil), 204)
	s.Advance(24*time.Hour + time.Second)
	tok := s.InstallationToken(f.inst, nil)
	wantStatus(t, call(t, s, "PUT", "repos/acme/widgets/collaborators/late", tok, nil), 201)
}

func TestArchivedRepoIsReadOnly(t *testing.T) {
	f := newFixture(t)
	f.s.SetArchived("acme", "widgets", true)
	wantStatus(t, call(t, f.s, "GET", "repos/acme/widgets/collaborators", f.tok, nil), 200)
	r := call(t, f.s, "PUT", "repos/acme/widgets/collaborators/bob", f.tok, nil)
	wantStatus(t, r, 403)
	assert.Equal(t, "Repository was archived so is read-only.", r.obj(t)["message"])
}

func TestTeamsAndNesting(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddMember("acme", "carol", false)
	s.AddTeam("acme", "parent", TeamOptions{Name: "Parent"})
	s.AddTeam("acme", "child", TeamOptions{Parent: "parent"})
	s.AddTeamMember("acme", "parent", "alice", "maintainer")
	s.AddTeamMember("acme", "child", "carol", "")
	s.SetBaseRole("acme", RoleNone)

	// PUT a team grant; child team members inherit it.
	wantStatus(t, call(t, s, "PUT", "orgs/acme/teams/parent/repos/acme/widgets", f.tok, map[string]string{"permission": "maintain"}), 204)
	assert.Equal(t, map[string]Role{"parent": RoleMaintain}, s.TeamRepos("acme", "widgets"))
	assert.Equal(t, RoleMaintain, s.EffectiveRole("acme", "widgets", "carol"))

	r := call(t, s, "GET", "orgs/acme/teams/parent/members", f.tok, nil)
	wantStatus(t, r, 200)
	members := r.list(t)
	assert.Len(t, members, 2) // includes the child team's member
	assert.Equal(t, "maintainer", members[0]["role"])
	assert.Equal(t, false, members[0]["inherited"])
	assert.Equal(t, "carol", members[1]["login"])
	assert.Equal(t, true, members[1]["inherited"])
	r = call(t, s, "GET", "orgs/acme/teams/parent/members?role=maintainer", f.tok, nil)
	assert.Len(t, r.list(t), 1)
	r = call(t, s, "GET", "orgs/acme/teams/parent/teams", f.tok, nil)
	require.Len(t, r.list(t), 1)
	assert.Equal(t, "child", r.list(t)[0]["slug"])
	r = call(t, s, "GET", "orgs/acme/teams/child", f.tok, nil)
	assert.Equal(t, "parent", r.obj(t)["parent"].(map[string]any)["slug"])

	r = call(t, s, "GET", "orgs/acme/teams/parent/repos", f.tok, nil)
	require.Len(t, r.list(t), 1)
	assert.Equal(t, "maintain", r.list(t)[0]["role_name"])
	// Check: 204, 200 with the repository media type, 404 without a grant.
	wantStatus(t, call(t, s, "GET", "orgs/acme/teams/parent/repos/acme/widgets", f.tok, nil), 204)
	r = call(t, s, "GET", "orgs/acme/teams/child/repos/acme/widgets", f.tok, nil, "Accept", "application/vnd.github.v3.repository+json")
	wantStatus(t, r, 200)
	assert.Equal(t, "maintain", r.obj(t)["role_name"])

	// The repository's teams include the child at its parent's role
	// (cli/cli#12676), each with access_source (OpenAPI 23.0.2).
	r = call(t, s, "GET", "repos/acme/widgets/teams", f.tok, nil)
	require.Len(t, r.list(t), 2)
	for _, team := range r.list(t) {
		assert.Equal(t, "maintain", team["permission"])
		assert.Equal(t, "direct", team["access_source"])
	}

	// Collaborators "all" includes team members (inherited too).
	r = call(t, s, "GET", "repos/acme/widgets/collaborators", f.tok, nil)
	logins := map[string]string{}
	for _, u := range r.list(t) {
		logins[u["login"].(string)] = u["role_name"].(string)
	}
	assert.Equal(t, map[string]string{"Alice": "maintain", "carol": "maintain", "root": "admin"}, logins)

	wantStatus(t, call(t, s, "DELETE", "orgs/acme/teams/parent/repos/acme/widgets", f.tok, nil), 204)
	assert.Empty(t, s.TeamRepos("acme", "widgets"))
	wantStatus(t, call(t, s, "GET", "orgs/acme/teams/parent/repos/acme/widgets", f.tok, nil), 404)
}

func TestOrgEndpoints(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddRepo("acme", "archived", RepoOptions{Archived: true, Private: true})
	r := call(t, s, "GET", "orgs/acme", f.tok, nil)
	wantStatus(t, r, 200)
	assert.Equal(t, "read", r.obj(t)["default_repository_permission"])
	r = call(t, s, "GET", "orgs/acme/members?role=admin", f.tok, nil)
	require.Len(t, r.list(t), 1)
	assert.Equal(t, "root", r.list(t)[0]["login"])
	assert.Len(t, call(t, s, "GET", "orgs/acme/members", f.tok, nil).list(t), 3)
	wantStatus(t, call(t, s, "GET", "orgs/acme/members/bob", f.tok, nil), 204)
	wantStatus(t, call(t, s, "GET", "orgs/acme/members/olga", f.tok, nil), 404)
	m := call(t, s, "GET", "orgs/acme/memberships/root", f.tok, nil).obj(t)
	assert.Equal(t, "admin", m["role"])
	l := call(t, s, "GET", "orgs/acme/repos", f.tok, nil).list(t)
	require.Len(t, l, 2)
	assert.Equal(t, "archived", l[0]["name"]) // newest first
	assert.Equal(t, true, l[0]["archived"])
	assert.Equal(t, "private", l[0]["visibility"])
	l = call(t, s, "GET", "orgs/acme/repos?sort=full_name", f.tok, nil).list(t)
	assert.Equal(t, "archived", l[0]["name"])
	l = call(t, s, "GET", "orgs/acme/repos?type=public", f.tok, nil).list(t)
	assert.Len(t, l, 1)
	r = call(t, s, "GET", "orgs/acme/installations", f.tok, nil)
	wantStatus(t, r, 200)
	assert.Equal(t, float64(1), r.obj(t)["total_count"])
	b := call(t, s, "GET", "repos/acme/widgets/branches", f.tok, nil).list(t)
	assert.Len(t, b, 2)
	r = call(t, s, "GET", "repos/acme/widgets/branches/nope", f.tok, nil)
	wantStatus(t, r, 404)
	assert.Equal(t, "Branch not found", r.obj(t)["message"])
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets/branches/dev", f.tok, nil), 200)
}

func TestPermissionsEnforced(t *testing.T) {
	f := newFixture(t)
	s := f.s
	tok := s.InstallationToken(f.inst, Permissions{"members": "read"})
	r := call(t, s, "GET", "repos/acme/widgets/collaborators", tok, nil)
	wantStatus(t, r, 403)
	assert.Equal(t, "Resource not accessible by integration", r.obj(t)["message"])
	assert.Equal(t, "administration=read", r.Header.Get("X-Accepted-GitHub-Permissions"))
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", tok, nil), 200) // metadata is implied
	wantStatus(t, call(t, s, "GET", "orgs/acme/members", tok, nil), 200)
	ro := s.InstallationToken(f.inst, Permissions{"administration": "read"})
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets/collaborators", ro, nil), 200)
	r = call(t, s, "PUT", "repos/acme/widgets/collaborators/bob", ro, nil)
	wantStatus(t, r, 403)
	assert.Equal(t, "administration=write", r.Header.Get("X-Accepted-GitHub-Permissions"))
	wantStatus(t, call(t, s, "POST", "repos/acme/widgets/issues", ro, map[string]string{"title": "x"}), 403)
	// Another org's repositories are out of reach.
	s.AddOrg("other", OrgOptions{})
	s.AddRepo("other", "secret", RepoOptions{Private: true})
	wantStatus(t, call(t, s, "GET", "repos/other/secret", f.tok, nil), 404)
	wantStatus(t, call(t, s, "GET", "orgs/other/members", f.tok, nil), 403)
}

func TestUserTokens(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddRepo("acme", "private", RepoOptions{Private: true})
	s.SetBaseRole("acme", RoleNone)
	s.SetCollaborator("acme", "private", "olga", RoleWrite)
	tok := s.AddUserToken("olga")
	wantStatus(t, call(t, s, "GET", "repos/acme/private", tok, nil), 200)
	wantStatus(t, call(t, s, "GET", "repos/acme/private/collaborators", tok, nil), 200)
	r := call(t, s, "PUT", "repos/acme/private/collaborators/bob", tok, nil)
	wantStatus(t, r, 403)
	assert.Equal(t, "Must have admin rights to Repository.", r.obj(t)["message"])
	bob := s.AddUserToken("bob")
	wantStatus(t, call(t, s, "GET", "repos/acme/private", bob, nil), 404)
	root := s.AddUserToken("root")
	wantStatus(t, call(t, s, "PUT", "repos/acme/private/collaborators/bob", root, map[string]string{"permission": "triage"}), 204)
	// Anonymous callers see public metadata only.
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets", "", nil), 200)
	wantStatus(t, call(t, s, "GET", "repos/acme/private", "", nil), 404)
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets/collaborators", "", nil), 401)
}

func TestDeployKeysAndUnknownRoute(t *testing.T) {
	f := newFixture(t)
	f.s.AddDeployKey("acme", "widgets", "ci", "ssh-ed25519 AAAA", true)
	l := call(t, f.s, "GET", "repos/acme/widgets/keys", f.tok, nil).list(t)
	require.Len(t, l, 1)
	assert.Equal(t, true, l[0]["read_only"])
	r := call(t, f.s, "GET", "repos/acme/widgets/nothing-here", f.tok, nil)
	wantStatus(t, r, 404)
	assert.Equal(t, "Not Found", r.obj(t)["message"])
	r = call(t, f.s, "POST", "repos/acme/widgets", f.tok, nil)
	wantStatus(t, r, 404)
	_ = http.MethodGet
}

func TestBranchNamesWithSlashes(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.AddBranch("acme", "widgets", "release/1.0")
	p := "repos/acme/widgets/branches/" + url.PathEscape("release/1.0")
	wantStatus(t, call(t, s, "GET", p, f.tok, nil), 200)
	body := map[string]any{"required_status_checks": nil, "enforce_admins": true, "required_pull_request_reviews": nil, "restrictions": nil}
	wantStatus(t, call(t, s, "PUT", p+"/protection", f.tok, body), 200)
	require.NotNil(t, s.Protection("acme", "widgets", "release/1.0"))
	r := call(t, s, "GET", p+"/protection", f.tok, nil)
	wantStatus(t, r, 200)
	assert.Contains(t, r.obj(t)["url"], "release/1.0")
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets/rules/branches/release/1.0", f.tok, nil), 200)
}
