package ghsim

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"
)

// loadRepo finds the repository in the path and checks the caller may use
// this endpoint on it. It writes the error and returns nil otherwise.
func (c *ctx) loadRepo() *repo {
	return c.repoFor(c.pv("owner"), c.pv("repo"))
}

func (c *ctx) repoFor(owner, name string) *repo {
	r := c.st.repo(owner, name)
	if r == nil || !c.s.canSeeRepo(c.id, r) {
		c.notFound()
		return nil
	}
	// An installation reading a public repository of another org gets
	// only what any reader gets.
	if c.id.kind == identInstallation && !c.id.installedOn(r) && c.rt.perm != "metadata" {
		c.fail(http.StatusForbidden, "Resource not accessible by integration", docBase)
		return nil
	}
	if c.id.kind == identUser {
		role, _ := c.st.access(r, c.id.user)
		need := RoleRead
		switch {
		case c.rt.perm == "administration" && c.rt.level == "write":
			need = RoleAdmin
		case c.rt.perm == "administration":
			need = RoleWrite
		case c.rt.perm == "issues" && c.rt.level == "write":
			need = RoleRead
		}
		if role.Rank() < need.Rank() {
			if need == RoleAdmin {
				c.fail(http.StatusForbidden, "Must have admin rights to Repository.", docBase)
			} else {
				c.fail(http.StatusForbidden, "Must have push access to view repository collaborators.", docBase)
			}
			return nil
		}
	}
	return r
}

// writableRepo is loadRepo for writes: an archived repository is read-only.
func (c *ctx) writableRepo(owner, name string) *repo {
	r := c.repoFor(owner, name)
	if r == nil {
		return nil
	}
	if r.archived {
		c.fail(http.StatusForbidden, "Repository was archived so is read-only.", docBase)
		return nil
	}
	return r
}

func hGetRepo(c *ctx, r *repo) {
	c.json(http.StatusOK, c.repoJSON(r, c.callerRole(r), true, false))
}

func hGetRepoByID(c *ctx) {
	id, _ := strconv.ParseInt(c.pv("id"), 10, 64)
	r := c.st.reposByID[id]
	if r == nil {
		c.notFound()
		return
	}
	if r = c.repoFor(r.org.login, r.name); r == nil {
		return
	}
	c.json(http.StatusOK, c.repoJSON(r, c.callerRole(r), true, false))
}

func (c *ctx) shortBranch(r *repo, b string) map[string]any {
	sha := r.branchSHA[b]
	p := r.protection[b]
	prot := map[string]any{"enabled": p != nil}
	checks := map[string]any{"enforcement_level": "off", "contexts": []string{}, "checks": []any{}}
	if p != nil && p.RequiredStatusChecks != nil {
		checks = map[string]any{"enforcement_level": "non_admins", "contexts": p.RequiredStatusChecks.contexts(), "checks": c.checksJSON(p.RequiredStatusChecks)}
		if p.EnforceAdmins {
			checks["enforcement_level"] = "everyone"
		}
	}
	prot["required_status_checks"] = checks
	return map[string]any{
		"name":      b,
		"commit":    map[string]any{"sha": sha, "url": c.base() + "/repos/" + r.fullName() + "/commits/" + sha},
		"protected": p != nil, "protection": prot,
		"protection_url": c.base() + "/repos/" + r.fullName() + "/branches/" + b + "/protection",
	}
}

func hBranches(c *ctx, r *repo) {
	list := r.branches
	if v := c.r.URL.Query().Get("protected"); v != "" {
		want := v == "true"
		list = nil
		for _, b := range r.branches {
			if (r.protection[b] != nil) == want {
				list = append(list, b)
			}
		}
	}
	c.json(http.StatusOK, paged(c, list, func(b string) any { return c.shortBranch(r, b) }))
}

func hBranch(c *ctx, r *repo) {
	b := c.pv("branch")
	if !r.hasBranch(b) {
		c.fail(http.StatusNotFound, "Branch not found", docBase+"/branches/branches#get-a-branch")
		return
	}
	m := c.shortBranch(r, b)
	sha := r.branchSHA[b]
	cu := c.base() + "/repos/" + r.fullName() + "/commits/" + sha
	sig := map[string]any{"name": "Octo Cat", "email": "octocat@example.com", "date": ts(r.created)}
	m["commit"] = map[string]any{
		"sha": sha, "node_id": nodeID("Commit", r.id), "url": cu,
		"html_url": c.htmlBase() + "/" + r.fullName() + "/commit/" + sha, "comments_url": cu + "/comments",
		"commit": map[string]any{
			"url": c.base() + "/repos/" + r.fullName() + "/git/commits/" + sha, "author": sig, "committer": sig,
			"message": "Initial commit", "comment_count": 0,
			"tree": map[string]any{"sha": sha, "url": c.base() + "/repos/" + r.fullName() + "/git/trees/" + sha},
		},
		"author": nil, "committer": nil, "parents": []any{},
	}
	m["_links"] = map[string]any{"self": c.base() + "/repos/" + r.fullName() + "/branches/" + b, "html": c.htmlBase() + "/" + r.fullName() + "/tree/" + b}
	c.json(http.StatusOK, m)
}

// collaboratorJSON is a user with the permissions hash and role_name of
// their highest role from every source.
func (c *ctx) collaboratorJSON(r *repo, u *user) *userOut {
	role, _ := c.st.access(r, u)
	m := c.userJSON(u)
	m.Permissions = role.permissionsHash()
	m.RoleName = cmp.Or(string(role), "none")
	return m
}

func hCollaborators(c *ctx, r *repo) {
	q := c.r.URL.Query()
	aff := q.Get("affiliation")
	switch aff {
	case "":
		aff = "all"
	case "all", "direct", "outside":
	default:
		c.validation("Repository", "affiliation", "invalid", "")
		return
	}
	list := c.st.repoUsers(r, aff)
	if p := q.Get("permission"); p != "" {
		want, ok := ParseRole(p)
		if !ok {
			c.validation("Repository", "permission", "invalid", "")
			return
		}
		list = slices.DeleteFunc(list, func(u *user) bool {
			role, _ := c.st.access(r, u)
			return role != want
		})
	}
	c.json(http.StatusOK, paged(c, list, func(u *user) any { return c.collaboratorJSON(r, u) }))
}

// withUser runs h on the user in the path; 404 when there is none.
func withUser(h func(*ctx, *repo, *user)) func(*ctx, *repo) {
	return func(c *ctx, r *repo) {
		if u := c.st.userByLogin(c.pv("username")); u != nil {
			h(c, r, u)
			return
		}
		c.notFound()
	}
}

func hCheckCollaborator(c *ctx, r *repo, u *user) {
	if role, _ := c.st.access(r, u); role == RoleNone {
		c.notFound()
		return
	}
	c.noContent()
}

func hCollaboratorPermission(c *ctx, r *repo, u *user) {
	role, _ := c.st.access(r, u)
	c.json(http.StatusOK, map[string]any{
		"permission": role.legacyPermission(), "role_name": cmp.Or(string(role), "none"), "user": c.collaboratorJSON(r, u),
	})
}

// maxInvitesPerDay is GitHub's documented limit per repository.
const maxInvitesPerDay = 50

const collaboratorsDoc = docBase + "/collaborators/collaborators#add-a-repository-collaborator"

func hPutCollaborator(c *ctx, r *repo, u *user) {
	if u.typ == "Organization" {
		c.notFound()
		return
	}
	role, ok := c.decodeRole("Repository")
	if !ok {
		return
	}
	m := r.org.member(u.login)
	if m != nil && r.org.baseRole.Rank() > role.Rank() {
		msg := fmt.Sprintf("Cannot assign %s permission of %s", u.login, role)
		c.unprocessable(msg, collaboratorsDoc, "Repository", "permission", "custom", msg)
		return
	}
	if _, direct := r.collabs[lower(u.login)]; m != nil || direct {
		c.st.setGrant(r, u, role)
		c.noContent()
		return
	}
	// A pending invitation is updated in place and returned again; GitHub
	// notifies the invitee again, which counts toward the 50 a day.
	inv := r.invitationFor(u)
	if inv != nil && c.expired(inv) {
		r.invitations = slices.DeleteFunc(r.invitations, func(x *invitation) bool { return x == inv })
		inv = nil
	}
	if inv == nil {
		cut := c.now.Add(-24 * time.Hour)
		r.inviteLog = slices.DeleteFunc(r.inviteLog, func(t time.Time) bool { return !t.After(cut) })
		if len(r.inviteLog) >= maxInvitesPerDay {
			c.unprocessable("Validation Failed", collaboratorsDoc, "Repository", "invitations", "custom",
				"You have exceeded the limit of 50 invitations to this repository in 24 hours. Please try again later.")
			return
		}
		inv = &invitation{id: c.st.id(), invitee: u, inviter: cmp.Or(c.id.user, u), created: c.now}
		r.invitations = append(r.invitations, inv)
	}
	inv.role = role
	r.inviteLog = append(r.inviteLog, c.now)
	r.invitesSent++
	c.json(http.StatusCreated, c.invitationJSON(r, inv))
}

func hDeleteCollaborator(c *ctx, r *repo, u *user) {
	c.st.removeGrant(r, u)
	// GitHub cancels invitations sent BY the removed collaborator, not an
	// invitation to them.
	r.invitations = slices.DeleteFunc(r.invitations, func(x *invitation) bool { return x.inviter == u && x.invitee != u })
	c.noContent()
}

func hInvitations(c *ctx, r *repo) {
	c.json(http.StatusOK, paged(c, r.invitations, func(inv *invitation) any { return c.invitationJSON(r, inv) }))
}

// withInvitation runs h on the path's invitation; 404 when there is none.
func withInvitation(h func(*ctx, *repo, *invitation)) func(*ctx, *repo) {
	return func(c *ctx, r *repo) {
		id, _ := strconv.ParseInt(c.pv("invitation_id"), 10, 64)
		if inv := find(r.invitations, func(x *invitation) bool { return x.id == id }); inv != nil {
			h(c, r, inv)
			return
		}
		c.notFound()
	}
}

func hPatchInvitation(c *ctx, r *repo, inv *invitation) {
	var body struct {
		Permissions *string `json:"permissions"`
	}
	if !c.decode(&body) {
		return
	}
	if body.Permissions != nil {
		role, ok := ParseRole(*body.Permissions)
		if !ok || *body.Permissions == "pull" || *body.Permissions == "push" {
			c.validation("RepositoryInvitation", "permissions", "invalid", "")
			return
		}
		inv.role = role
	}
	c.json(http.StatusOK, c.invitationJSON(r, inv))
}

func hDeleteInvitation(c *ctx, r *repo, inv *invitation) {
	r.invitations = slices.DeleteFunc(r.invitations, func(x *invitation) bool { return x == inv })
	c.noContent()
}

func hRepoTeams(c *ctx, r *repo) {
	// GitHub lists child teams too, at their parent's role when that is
	// higher than their own (cli/cli#12676), with access_source (OpenAPI
	// 23.0.2) saying whether the access is the team's or comes from an org
	// role or the enterprise (not simulated: always direct).
	var list []*team
	for _, t := range r.org.teamOrder {
		if teamRoleOn(t, r) != RoleNone {
			list = append(list, t)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	noSource := c.s.fidelity().RepoTeamsNoAccessSource
	c.json(http.StatusOK, paged(c, list, func(t *team) any {
		m, role := c.teamJSON(t), teamRoleOn(t, r)
		m["permission"], m["permissions"], m["role_name"] = role.apiName(), role.permissionsHash(), string(role)
		if !noSource {
			m["access_source"] = "direct"
		}
		return m
	}))
}

func hDeployKeys(c *ctx, r *repo) {
	c.json(http.StatusOK, paged(c, r.keys, func(k *deployKey) any {
		return map[string]any{
			"id": k.id, "key": k.key, "url": fmt.Sprintf("%s/repos/%s/keys/%d", c.base(), r.fullName(), k.id),
			"title": k.title, "verified": true, "created_at": ts(k.created), "read_only": k.readOnly,
			"added_by": nil, "last_used": nil, "enabled": true,
		}
	}))
}
