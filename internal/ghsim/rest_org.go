package ghsim

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// loadOrg finds the org in the path. An installation of another org may
// read only its public basics (GET /orgs/{org}); anything else there is
// "Resource not accessible by integration", as GitHub answers.
func (c *ctx) loadOrg(publicOK bool) *org {
	o := c.st.org(c.pv("org"))
	if o == nil {
		c.notFound()
		return nil
	}
	if c.id.kind == identInstallation && c.id.tok.inst.org != o && !publicOK {
		c.fail(http.StatusForbidden, "Resource not accessible by integration", docBase)
		return nil
	}
	if c.id.kind == identUser && o.member(c.id.user.login) == nil && !publicOK {
		c.fail(http.StatusForbidden, "You must be a member of "+o.login+" to see this.", docBase)
		return nil
	}
	return o
}

func hGetUser(c *ctx) {
	// public-user allows no other properties, and requires these.
	var m map[string]any
	if u := c.st.userByLogin(c.pv("username")); u != nil {
		_ = json.Unmarshal(mustJSON(c.userJSON(u)), &m)
		m["name"] = nil
		if u.name != "" {
			m["name"] = u.name
		}
	} else if o := c.st.org(c.pv("username")); o != nil {
		m = c.orgOwnerJSON(o)
		m["name"] = o.name
	} else {
		c.notFound()
		return
	}
	for _, k := range []string{"company", "blog", "location", "email", "hireable", "bio", "twitter_username"} {
		m[k] = nil
	}
	m["public_repos"], m["public_gists"], m["followers"], m["following"] = 0, 0, 0, 0
	m["created_at"] = "2011-01-25T18:44:36Z"
	m["updated_at"] = "2011-01-25T18:44:36Z"
	c.json(http.StatusOK, m)
}

func hGetAuthUser(c *ctx) {
	if c.id.kind != identUser {
		c.fail(http.StatusForbidden, "Resource not accessible by integration", docBase)
		return
	}
	hGetUserFor(c, c.id.user)
}

func hGetUserFor(c *ctx, u *user) {
	c.r.SetPathValue("username", u.login)
	hGetUser(c)
}

func hGetOrg(c *ctx, o *org) {
	// GitHub shows the full details to owners (and, here, to the org's
	// installations); the plan to an App only with the organization_plan
	// permission.
	inst := c.id.kind == identInstallation && c.id.tok.inst.org == o
	owner := c.id.kind == identUser && o.member(c.id.user.login) != nil && o.member(c.id.user.login).owner
	m := c.orgFullJSON(o, inst || owner)
	if inst && !c.id.tok.perms.allows("organization_plan", "read") {
		delete(m, "plan")
	}
	c.json(http.StatusOK, m)
}

func hOrgMembers(c *ctx, o *org) {
	role := c.r.URL.Query().Get("role")
	var list []*user
	for _, m := range sortedMembers(o) {
		if role == "admin" && !m.owner || role == "member" && m.owner {
			continue
		}
		list = append(list, m.user)
	}
	c.usersPage(list, nil)
}

func (c *ctx) usersPage(list []*user, extra func(*user, *userOut)) {
	c.json(http.StatusOK, paged(c, list, func(u *user) any {
		m := c.userJSON(u)
		if extra != nil {
			extra(u, m)
		}
		return m
	}))
}

func hOrgMember(c *ctx, o *org) {
	if o.member(c.pv("username")) == nil {
		c.notFound()
		return
	}
	c.noContent()
}

func hOrgMembership(c *ctx, o *org) {
	m := o.member(c.pv("username"))
	if m == nil {
		c.notFound()
		return
	}
	c.json(http.StatusOK, map[string]any{
		"url": c.base() + "/orgs/" + o.login + "/memberships/" + m.user.login, "state": "active", "role": m.role(),
		"organization_url": c.base() + "/orgs/" + o.login, "organization": c.orgSimpleJSON(o),
		"user": c.userJSON(m.user),
	})
}

func hOutsideCollaborators(c *ctx, o *org) {
	var list []*user
	for k := range o.directGrants {
		if o.members[k] == nil {
			list = append(list, c.st.users[k])
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	c.usersPage(list, nil)
}

func hOrgRepos(c *ctx, o *org) {
	q := c.r.URL.Query()
	typ := q.Get("type")
	var list []*repo
	for _, r := range o.repoOrder {
		// forks, sources, member and all list every repository.
		if c.s.canSeeRepo(c.id, r) && !(typ == "public" && r.private) && !(typ == "private" && !r.private) {
			list = append(list, r)
		}
	}
	sortKey := q.Get("sort")
	dir := q.Get("direction")
	if dir == "" && sortKey != "full_name" {
		dir = "desc"
	}
	switch sortKey {
	case "full_name":
		sort.SliceStable(list, func(i, j int) bool { return lower(list[i].name) < lower(list[j].name) })
	case "updated", "pushed":
		sort.SliceStable(list, func(i, j int) bool { return list[i].updated.Before(list[j].updated) })
	default: // created: creation order is already ascending
	}
	if dir == "desc" {
		slices.Reverse(list)
	}
	c.json(http.StatusOK, paged(c, list, func(r *repo) any { return c.repoJSON(r, c.callerRole(r), true, false) }))
}

func hOrgTeams(c *ctx, o *org) {
	c.json(http.StatusOK, paged(c, o.teamOrder, func(t *team) any { return c.teamJSON(t) }))
}

func (c *ctx) loadTeam() (*org, *team) {
	o := c.loadOrg(false)
	if o == nil {
		return nil, nil
	}
	t := o.teams[lower(c.pv("team_slug"))]
	if t == nil {
		c.notFound()
		return nil, nil
	}
	return o, t
}

func hGetTeam(c *ctx, _ *org, t *team) {
	c.json(http.StatusOK, c.teamFullJSON(t))
}

// hTeamMembers lists members of the team and of its child teams, as
// GitHub documents, each with its team role and whether it is inherited.
func hTeamMembers(c *ctx, _ *org, t *team) {
	role := c.r.URL.Query().Get("role")
	var list []*user
	for _, u := range t.allMembers() {
		r, _ := t.roleOf(u.login)
		if role == "member" && r != "member" || role == "maintainer" && r != "maintainer" {
			continue
		}
		list = append(list, u)
	}
	c.usersPage(list, func(u *user, m *userOut) {
		r, _ := t.roleOf(u.login)
		_, direct := t.members[lower(u.login)]
		inherited := !direct
		m.TeamRole, m.Inherited = r, &inherited
	})
}

func hTeamMembership(c *ctx, o *org, t *team) {
	role, ok := t.roleOf(c.pv("username"))
	if !ok {
		c.notFound()
		return
	}
	u := c.st.userByLogin(c.pv("username"))
	c.json(http.StatusOK, map[string]any{
		"url":  c.base() + "/organizations/" + itoa(o.id) + "/team/" + itoa(t.id) + "/memberships/" + u.login,
		"role": role, "state": "active",
	})
}

func hChildTeams(c *ctx, _ *org, t *team) {
	c.json(http.StatusOK, paged(c, t.children, func(ch *team) any { return c.teamJSON(ch) }))
}

// teamRepoList is the team's own grants in repository creation order.
func (c *ctx) teamRepoList(t *team) []*repo {
	var list []*repo
	for id := range t.repos {
		if r := c.st.reposByID[id]; r != nil {
			list = append(list, r)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	return list
}

func hTeamRepos(c *ctx, _ *org, t *team) {
	list := c.teamRepoList(t)
	c.json(http.StatusOK, paged(c, list, func(r *repo) any { return c.repoJSON(r, t.repos[r.id], true, true) }))
}

// teamRoleOn is the team's role on a repository including what it inherits
// from its parent teams (GitHub checks inherited repositories too).
func teamRoleOn(t *team, r *repo) Role {
	var best Role
	for a := t; a != nil; a = a.parent {
		best = maxRole(best, r.teams[a.id])
	}
	return best
}

func hCheckTeamRepo(c *ctx, _ *org, t *team) {
	var role Role
	r := c.st.repo(c.pv("owner"), c.pv("repo"))
	if r != nil && c.s.canSeeRepo(c.id, r) {
		role = teamRoleOn(t, r)
	}
	if role == RoleNone {
		c.notFound()
		return
	}
	if strings.Contains(c.r.Header.Get("Accept"), "application/vnd.github.v3.repository+json") {
		c.json(http.StatusOK, c.repoJSON(r, role, true, true))
		return
	}
	c.noContent()
}

func hPutTeamRepo(c *ctx, o *org, t *team) {
	r := c.writableRepo(c.pv("owner"), c.pv("repo"))
	if r == nil {
		return
	}
	if r.org != o {
		c.validation("TeamRepository", "repository", "invalid", "Repository must be owned by the team's organization")
		return
	}
	role, ok := c.decodeRole("TeamRepository")
	if !ok {
		return
	}
	t.repos[r.id] = role
	r.teams[t.id] = role
	c.noContent()
}

func hDeleteTeamRepo(c *ctx, _ *org, t *team) {
	r := c.writableRepo(c.pv("owner"), c.pv("repo"))
	if r == nil {
		return
	}
	delete(t.repos, r.id)
	delete(r.teams, t.id)
	c.noContent()
}
