package ghsim

import (
	"net/http"
	"sort"
	"strconv"
	"time"
)

var appEvents = []string{}

func (c *ctx) appJSON(a *app) map[string]any {
	var owner any
	if a.owner != nil {
		owner = c.orgOwnerJSON(a.owner)
	} else {
		u := c.userJSON(a.bot)
		u.Type = "Organization"
		owner = u
	}
	return map[string]any{
		"id": a.id, "slug": a.slug, "node_id": nodeID("App", a.id), "client_id": "Iv1." + strconv.FormatInt(a.id, 16),
		"owner": owner, "name": a.name, "description": "", "external_url": c.htmlBase() + "/apps/" + a.slug,
		"html_url": c.htmlBase() + "/apps/" + a.slug, "created_at": ts(a.create), "updated_at": ts(a.create),
		"permissions": a.perms.withMetadata(), "events": appEvents,
	}
}

func (c *ctx) installationJSON(in *installation) map[string]any {
	// GET /app/installations documents the account as allOf(simple-user,
	// enterprise), so it also carries the enterprise's required fields.
	account := c.orgOwnerJSON(in.org)
	account["name"] = in.org.login
	account["slug"] = in.org.login
	account["created_at"] = ts(in.org.created)
	account["updated_at"] = ts(in.org.created)
	return map[string]any{
		"id": in.id, "account": account, "repository_selection": in.selection,
		"access_tokens_url": c.base() + "/app/installations/" + itoa(in.id) + "/access_tokens",
		"repositories_url":  c.base() + "/installation/repositories",
		"html_url":          c.htmlBase() + "/organizations/" + in.org.login + "/settings/installations/" + itoa(in.id),
		"app_id":            in.app.id, "app_slug": in.app.slug, "client_id": "Iv1." + strconv.FormatInt(in.app.id, 16),
		"target_id": in.org.id, "target_type": "Organization", "permissions": in.perms,
		"events": appEvents, "created_at": ts(in.created), "updated_at": ts(in.created),
		"single_file_name": nil, "has_multiple_single_files": false, "single_file_paths": []string{},
		"suspended_by": nil, "suspended_at": nil,
	}
}

func hGetApp(c *ctx) { c.json(http.StatusOK, c.appJSON(c.id.app)) }

// installations lists the installations keep accepts, by id.
func (c *ctx) installations(keep func(*installation) bool) []*installation {
	var list []*installation
	for _, in := range c.st.installs {
		if keep(in) {
			list = append(list, in)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	return list
}

// appInstallation answers the calling App's first installation keep
// accepts, or 404.
func (c *ctx) appInstallation(keep func(*installation) bool) {
	if list := c.installations(func(in *installation) bool { return in.app == c.id.app && keep(in) }); len(list) > 0 {
		c.json(http.StatusOK, c.installationJSON(list[0]))
		return
	}
	c.notFound()
}

func hListAppInstallations(c *ctx) {
	list := c.installations(func(in *installation) bool { return in.app == c.id.app })
	c.json(http.StatusOK, paged(c, list, func(in *installation) any { return c.installationJSON(in) }))
}

func (c *ctx) ownInstallation() *installation {
	id, _ := strconv.ParseInt(c.pv("installation_id"), 10, 64)
	in := c.st.installs[id]
	if in == nil || in.app != c.id.app {
		c.notFound()
		return nil
	}
	return in
}

func hGetInstallation(c *ctx) {
	if in := c.ownInstallation(); in != nil {
		c.json(http.StatusOK, c.installationJSON(in))
	}
}

func hGetOrgInstallation(c *ctx) {
	o := c.st.org(c.pv("org"))
	c.appInstallation(func(in *installation) bool { return o != nil && in.org == o })
}

func hGetRepoInstallation(c *ctx) {
	r := c.st.repo(c.pv("owner"), c.pv("repo"))
	c.appInstallation(func(in *installation) bool {
		return r != nil && in.org == r.org && (in.selection == "all" || in.repos[r.id])
	})
}

// hCreateToken mints an installation token, narrowed to the permissions and
// repositories asked for; asking for more than the installation has is 422.
func hCreateToken(c *ctx) {
	in := c.ownInstallation()
	if in == nil {
		return
	}
	var body struct {
		Repositories  []string    `json:"repositories"`
		RepositoryIDs []int64     `json:"repository_ids"`
		Permissions   Permissions `json:"permissions"`
	}
	if !c.decode(&body) {
		return
	}
	t := &token{kind: tokenInstallation, inst: in, perms: in.perms.clone(), expires: c.now.Add(time.Hour)}
	if body.Permissions != nil {
		for k, v := range body.Permissions {
			if permRank[v] == 0 || !in.perms.allows(k, v) {
				c.validation("Integration", "permissions", "invalid",
					"The permissions requested are not granted to this installation.")
				return
			}
		}
		t.perms = body.Permissions.withMetadata()
	}
	var repos []*repo
	if len(body.Repositories) > 0 || len(body.RepositoryIDs) > 0 {
		t.repos = map[int64]bool{}
		add := func(r *repo) bool {
			if r == nil || r.org != in.org || in.selection == "selected" && !in.repos[r.id] {
				return false
			}
			if !t.repos[r.id] {
				t.repos[r.id] = true
				repos = append(repos, r)
			}
			return true
		}
		for _, name := range body.Repositories {
			if !add(in.org.repos[lower(name)]) {
				c.validation("Integration", "repositories", "invalid", "There is at least one repository that does not exist or is not accessible to the parent installation.")
				return
			}
		}
		for _, id := range body.RepositoryIDs {
			if !add(c.st.reposByID[id]) {
				c.validation("Integration", "repository_ids", "invalid", "There is at least one repository that does not exist or is not accessible to the parent installation.")
				return
			}
		}
	}
	v := newTokenValue("ghs_")
	c.st.tokens[v] = t
	resp := map[string]any{
		"token": v, "expires_at": ts(t.expires), "permissions": t.perms, "repository_selection": in.selection,
	}
	if repos != nil {
		resp["repository_selection"] = "selected"
		resp["repositories"] = each(repos, func(r *repo) any { return c.repoJSON(r, RoleNone, false, false) })
	}
	c.json(http.StatusCreated, resp)
}

func hOrgInstallations(c *ctx, o *org) {
	list := c.installations(func(in *installation) bool { return in.org == o })
	out := paged(c, list, func(in *installation) any { return c.installationJSON(in) })
	c.json(http.StatusOK, map[string]any{"total_count": len(list), "installations": out})
}

// hRateLimit reports the caller's buckets; it does not count against them.
func hRateLimit(c *ctx) {
	res := func(resource string) map[string]any {
		r := c.s.limits.peek(c.id.key, resource, c.s.limitOf(c.id, resource))
		return map[string]any{"limit": r.Limit, "remaining": r.Remaining, "reset": r.Reset.Unix(), "used": r.Used, "resource": resource}
	}
	core := res("core")
	search := map[string]any{"limit": 30, "remaining": 30, "reset": c.now.Add(time.Minute).Unix(), "used": 0, "resource": "search"}
	c.json(http.StatusOK, map[string]any{
		"resources": map[string]any{"core": core, "graphql": res("graphql"), "search": search},
		"rate":      core,
	})
}
