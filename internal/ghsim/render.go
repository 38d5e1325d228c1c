package ghsim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"
)

// JSON shapes follow the response schemas of GitHub's OpenAPI description
// (simple-user, full-repository, team, …) with every required field.

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// userOut is simple-user (plus the collaborator fields). A struct, not a
// map: user lists are the hottest responses and maps encode slowly.
type userOut struct {
	Login             string          `json:"login"`
	ID                int64           `json:"id"`
	NodeID            string          `json:"node_id"`
	AvatarURL         string          `json:"avatar_url"`
	GravatarID        string          `json:"gravatar_id"`
	URL               string          `json:"url"`
	HTMLURL           string          `json:"html_url"`
	FollowersURL      string          `json:"followers_url"`
	FollowingURL      string          `json:"following_url"`
	GistsURL          string          `json:"gists_url"`
	StarredURL        string          `json:"starred_url"`
	SubscriptionsURL  string          `json:"subscriptions_url"`
	OrganizationsURL  string          `json:"organizations_url"`
	ReposURL          string          `json:"repos_url"`
	EventsURL         string          `json:"events_url"`
	ReceivedEventsURL string          `json:"received_events_url"`
	Type              string          `json:"type"`
	UserViewType      string          `json:"user_view_type"`
	SiteAdmin         bool            `json:"site_admin"`
	Name              *string         `json:"name,omitempty"`
	Permissions       map[string]bool `json:"permissions,omitempty"`
	RoleName          string          `json:"role_name,omitempty"`
	// Team member listings: the team role and whether the membership comes
	// from a child team.
	TeamRole  string `json:"role,omitempty"`
	Inherited *bool  `json:"inherited,omitempty"`
}

func (c *ctx) userJSON(u *user) *userOut {
	if u == nil {
		return nil
	}
	b := c.base() + "/users/" + u.login
	typ := cmp.Or(u.typ, "User")
	out := &userOut{
		Login:             u.login,
		ID:                u.id,
		NodeID:            nodeID(typ, u.id),
		AvatarURL:         fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", u.id),
		URL:               b,
		HTMLURL:           c.htmlBase() + "/" + u.login,
		FollowersURL:      b + "/followers",
		FollowingURL:      b + "/following{/other_user}",
		GistsURL:          b + "/gists{/gist_id}",
		StarredURL:        b + "/starred{/owner}{/repo}",
		SubscriptionsURL:  b + "/subscriptions",
		OrganizationsURL:  b + "/orgs",
		ReposURL:          b + "/repos",
		EventsURL:         b + "/events{/privacy}",
		ReceivedEventsURL: b + "/received_events",
		Type:              typ,
		UserViewType:      "public",
	}
	if u.name != "" {
		out.Name = &u.name
	}
	return out
}

func (c *ctx) orgOwnerJSON(o *org) map[string]any {
	b := c.base() + "/users/" + o.login
	m := map[string]any{
		"login": o.login, "id": o.id, "node_id": nodeID("Organization", o.id),
		"avatar_url": fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", o.id), "gravatar_id": "",
		"url": b, "html_url": c.htmlBase() + "/" + o.login, "type": "Organization", "site_admin": false,
		"user_view_type": "public",
	}
	for _, kv := range accountURLs {
		k, path, _ := strings.Cut(kv, "=")
		m[k+"_url"] = b + path
	}
	return m
}

// accountURLs are the API links of simple-user, as in userOut.
var accountURLs = strings.Fields(`followers=/followers following=/following{/other_user} gists=/gists{/gist_id}
starred=/starred{/owner}{/repo} subscriptions=/subscriptions organizations=/orgs repos=/repos
events=/events{/privacy} received_events=/received_events`)

func (c *ctx) orgSimpleJSON(o *org) map[string]any {
	b := c.base() + "/orgs/" + o.login
	return map[string]any{
		"login": o.login, "id": o.id, "node_id": nodeID("Organization", o.id), "url": b, "repos_url": b + "/repos",
		"events_url": b + "/events", "hooks_url": b + "/hooks", "issues_url": b + "/issues",
		"members_url": b + "/members{/member}", "public_members_url": b + "/public_members{/member}",
		"avatar_url": fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", o.id), "description": nil,
	}
}

func (c *ctx) orgFullJSON(o *org, private bool) map[string]any {
	m := c.orgSimpleJSON(o)
	pub, priv := 0, 0
	for _, r := range o.repoOrder {
		if r.private {
			priv++
		} else {
			pub++
		}
	}
	base := "none"
	if o.baseRole != RoleNone {
		base = string(o.baseRole)
	}
	name := cmp.Or(o.name, o.login)
	maps.Copy(m, map[string]any{
		"name": name, "html_url": c.htmlBase() + "/" + o.login, "type": "Organization",
		"has_organization_projects": true, "has_repository_projects": true, "public_repos": pub, "public_gists": 0,
		"followers": 0, "following": 0, "created_at": ts(o.created), "updated_at": ts(o.created), "archived_at": nil,
		"is_verified": false,
	})
	if private {
		maps.Copy(m, map[string]any{
			"total_private_repos": priv, "owned_private_repos": priv, "default_repository_permission": base,
			"members_can_create_repositories": true, "two_factor_requirement_enabled": o.twoFA,
			"plan": map[string]any{"name": string(o.plan), "space": 976562499, "private_repos": 999999, "filled_seats": len(o.members), "seats": len(o.members)},
		})
	}
	return m
}

// repoURLs are the API links of full-repository: <key>_url is the
// repository's API URL followed by the path.
var repoURLs = strings.Fields(`
archive=/{archive_format}{/ref} assignees=/assignees{/user} blobs=/git/blobs{/sha}
branches=/branches{/branch} collaborators=/collaborators{/collaborator} comments=/comments{/number}
commits=/commits{/sha} compare=/compare/{base}...{head} contents=/contents/{+path}
contributors=/contributors deployments=/deployments downloads=/downloads events=/events forks=/forks
git_commits=/git/commits{/sha} git_refs=/git/refs{/sha} git_tags=/git/tags{/sha}
issue_comment=/issues/comments{/number} issue_events=/issues/events{/number} issues=/issues{/number}
keys=/keys{/key_id} labels=/labels{/name} languages=/languages merges=/merges
milestones=/milestones{/number} notifications=/notifications{?since,all,participating}
pulls=/pulls{/number} releases=/releases{/id} stargazers=/stargazers statuses=/statuses/{sha}
subscribers=/subscribers subscription=/subscription tags=/tags teams=/teams trees=/git/trees{/sha}`)

// repoJSON renders a repository with every field full-repository requires;
// role adds permissions (and role_name when withRoleName).
func (c *ctx) repoJSON(r *repo, role Role, withPerms, withRoleName bool) map[string]any {
	b := c.base() + "/repos/" + r.fullName()
	html := c.htmlBase() + "/" + r.fullName()
	open := 0
	for _, is := range r.issues {
		if is.state == "open" {
			open++
		}
	}
	m := map[string]any{
		"id": r.id, "node_id": nodeID("Repository", r.id), "name": r.name, "full_name": r.fullName(),
		"owner": c.orgOwnerJSON(r.org), "organization": c.orgOwnerJSON(r.org), "private": r.private,
		"visibility": r.visibility, "html_url": html, "description": orNil(r.description), "fork": false, "url": b,
		"git_url": "git://" + c.r.Host + "/" + r.fullName() + ".git",
		"ssh_url": "git@" + c.r.Host + ":" + r.fullName() + ".git", "clone_url": html + ".git", "mirror_url": nil,
		"hooks_url": b + "/hooks", "svn_url": html, "homepage": nil, "language": nil, "forks_count": 0, "forks": 0,
		"stargazers_count": 0, "watchers_count": 0, "watchers": 0, "size": 0, "default_branch": r.defaultBranch,
		"open_issues_count": open, "open_issues": open, "is_template": false, "topics": []string{},
		"has_issues": true, "has_projects": true, "has_wiki": true, "has_pages": false, "has_downloads": true,
		"has_discussions": false, "archived": r.archived, "disabled": r.disabled, "pushed_at": ts(r.updated),
		"created_at": ts(r.created), "updated_at": ts(r.updated), "allow_forking": true, "license": nil,
		"subscribers_count": 0, "network_count": 0, "web_commit_signoff_required": false,
	}
	for _, kv := range repoURLs {
		k, path, _ := strings.Cut(kv, "=")
		m[k+"_url"] = b + path
	}
	if withPerms {
		m["permissions"] = role.permissionsHash()
	}
	if withRoleName && role != RoleNone {
		m["role_name"] = string(role)
	}
	return m
}

// callerRole is the role the caller holds on a repository, for the
// permissions hash in repository responses. An installation sees what its
// permissions allow.
func (c *ctx) callerRole(r *repo) Role {
	switch c.id.kind {
	case identUser:
		role, _ := c.st.access(r, c.id.user)
		return role
	case identInstallation:
		p := c.id.tok.perms
		switch {
		case permRank[p["administration"]] >= 2:
			return RoleAdmin
		case permRank[p["contents"]] >= 2:
			return RoleWrite
		case permRank[p["issues"]] >= 2 || permRank[p["pull_requests"]] >= 2:
			return RoleTriage
		}
		return RoleRead
	}
	return RoleRead
}

func (c *ctx) teamJSON(t *team) map[string]any {
	b := fmt.Sprintf("%s/organizations/%d/team/%d", c.base(), t.org.id, t.id)
	var parent any
	if t.parent != nil {
		parent = c.teamSimpleJSON(t.parent)
	}
	return map[string]any{
		"id": t.id, "node_id": nodeID("Team", t.id), "name": t.name, "slug": t.slug, "description": orNil(t.description),
		"privacy": t.privacy, "notification_setting": "notifications_enabled", "permission": "pull", "url": b,
		"html_url":    c.htmlBase() + "/orgs/" + t.org.login + "/teams/" + t.slug,
		"members_url": b + "/members{/member}", "repositories_url": b + "/repos", "type": "organization",
		"organization_id": t.org.id, "parent": parent,
	}
}

func (c *ctx) teamSimpleJSON(t *team) map[string]any {
	m := c.teamJSON(t)
	delete(m, "parent")
	return m
}

func (c *ctx) teamFullJSON(t *team) map[string]any {
	m := c.teamJSON(t)
	maps.Copy(m, map[string]any{
		"members_count": len(t.allMembers()), "repos_count": len(t.repos), "created_at": ts(t.created),
		"updated_at": ts(t.created),
	})
	org := c.orgFullJSON(t.org, false)
	m["organization"] = org
	return m
}

func (c *ctx) invitationJSON(r *repo, inv *invitation) map[string]any {
	return map[string]any{
		"id": inv.id, "node_id": nodeID("RepositoryInvitation", inv.id),
		"repository": c.repoJSON(r, RoleNone, false, false), "invitee": c.userJSON(inv.invitee),
		"inviter": c.userJSON(inv.inviter), "permissions": string(inv.role), "created_at": ts(inv.created),
		"expired": c.expired(inv), "url": fmt.Sprintf("%s/user/repository_invitations/%d", c.base(), inv.id),
		"html_url": c.htmlBase() + "/" + r.fullName() + "/invitations",
	}
}

// invitationTTL is how long a repository invitation stays valid.
const invitationTTL = 7 * 24 * time.Hour

func (c *ctx) expired(inv *invitation) bool { return !c.now.Before(inv.created.Add(invitationTTL)) }
