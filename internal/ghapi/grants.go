package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// invitationTTL is how long a repository invitation stays open.
const invitationTTL = 7 * 24 * time.Hour

// restInvitation is GitHub's repository-invitation object.
type restInvitation struct {
	ID      int64 `json:"id"`
	Invitee *struct {
		Login string `json:"login"`
		ID    int64  `json:"id"`
	} `json:"invitee"`
	Inviter *struct {
		Login string `json:"login"`
		Type  string `json:"type"`
	} `json:"inviter"`
	Permissions string `json:"permissions"`
	CreatedAt   string `json:"created_at"`
	Expired     *bool  `json:"expired"`
}

func (in *restInvitation) state(now time.Time) state.Invitation {
	out := state.Invitation{ID: in.ID, CreatedAt: timeOrZero(in.CreatedAt)}
	if in.Invitee != nil {
		out.Login, out.UserID = in.Invitee.Login, in.Invitee.ID
	}
	if in.Inviter != nil {
		out.Inviter = in.Inviter.Login
		out.InviterBot = strings.EqualFold(in.Inviter.Type, "Bot")
	}
	out.Role, _ = role.FromAPI(in.Permissions)
	switch {
	case in.Expired != nil:
		out.Expired = *in.Expired
	case !out.CreatedAt.IsZero():
		// Documented, but absent here: derive it from the 7-day lifetime.
		out.Expired = now.Sub(out.CreatedAt) > invitationTTL
	}
	return out
}

// listInvitations reads a repository's pending (and expired) invitations.
func (c *Client) listInvitations(ctx context.Context, cn *conn, org, repo string, opts ...reqOpt) ([]state.Invitation, error) {
	list, err := listAll[restInvitation](ctx, cn, repoPath(org, repo)+"/invitations", opts...)
	if err != nil {
		return nil, err
	}
	out := make([]state.Invitation, 0, len(list))
	now := c.now()
	for i := range list {
		if list[i].Invitee == nil {
			continue // an invitation by email has no login to manage
		}
		out = append(out, list[i].state(now))
	}
	return out, nil
}

// UserExists looks a login up (GET /users/{u}) and returns GitHub's
// spelling of it; ok is false when no such user exists.
func (c *Client) UserExists(ctx context.Context, login string) (canonical string, ok bool, err error) {
	cn, err := c.anyConn(ctx)
	if err != nil {
		return "", false, err
	}
	var u struct {
		Login string `json:"login"`
	}
	_, err = cn.do(ctx, http.MethodGet, "users/"+pathSeg(login), nil, &u)
	if err != nil {
		if KindOf(err) == KindNotFound {
			return "", false, nil
		}
		return "", false, err
	}
	if u.Login == "" {
		u.Login = login
	}
	return u.Login, true, nil
}

// anyConn is a connection for calls not tied to an org: the token's, or
// the installation of the org bound so far (App credentials).
func (c *Client) anyConn(ctx context.Context) (*conn, error) {
	a := c.auth
	if a.token != nil {
		return a.token, nil
	}
	a.mu.Lock()
	var org string
	for k, e := range a.orgs {
		if e.cn != nil {
			org = k
			break
		}
	}
	if a.bound != "" {
		org = a.bound
	}
	a.mu.Unlock()
	if org == "" {
		return nil, &Error{Kind: KindConfig, Message: "with GitHub App credentials, read an org first (the installation token comes from an org)"}
	}
	return a.conn(ctx, org)
}

// UserGrant re-reads one user's direct grant and pending invitation on a
// repository, bypassing the cache (for a check just before a write).
// Both are nil when the user has neither.
func (c *Client) UserGrant(ctx context.Context, org, repo, login string) (*state.UserGrant, *state.Invitation, error) {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	var grant *state.UserGrant
	res, err := cn.graphql(ctx, "UserGrant", QueryUserGrant, map[string]any{"owner": org, "name": repo, "login": login})
	switch {
	case isUnsupported(err):
		grant, err = c.userGrantREST(ctx, cn, org, repo, login)
		if err != nil {
			return nil, nil, err
		}
	case err != nil:
		return nil, nil, err
	default:
		var data struct {
			Collaborators *collabConn `json:"collaborators"`
		}
		ok, derr := res.decodeField("repository", &data)
		if derr != nil {
			return nil, nil, &Error{Op: "GraphQL UserGrant", Kind: KindOther, Message: derr.Error()}
		}
		if !ok {
			if len(res.Errors) > 0 {
				return nil, nil, gqlFailure("GraphQL UserGrant", res.Errors)
			}
			return nil, nil, &Error{Op: "GraphQL UserGrant", Kind: KindNotFound, Message: fmt.Sprintf("repository %s/%s not found", org, repo)}
		}
		switch {
		case len(res.Errors) > 0 && allType(res.Errors, "NOT_FOUND"):
			// No such user (any more): no grant to them.
			data.Collaborators = &collabConn{}
		case len(res.Errors) > 0:
			return nil, nil, gqlFailure("GraphQL UserGrant", res.Errors)
		case data.Collaborators == nil:
			return nil, nil, &Error{Op: "GraphQL UserGrant", Kind: KindOther, Message: "GitHub did not list the collaborators"}
		}
		custom := c.customRoleLookup(ctx, cn, org)
		for _, e := range data.Collaborators.Edges {
			if e == nil || e.Node == nil || !strings.EqualFold(e.Node.Login, login) {
				continue
			}
			if g, ok := e.directGrant(custom); ok {
				grant = &g
			}
		}
	}
	invs, err := c.listInvitations(ctx, cn, org, repo, fresh())
	if err != nil {
		return nil, nil, err
	}
	var inv *state.Invitation
	for i := range invs {
		if strings.EqualFold(invs[i].Login, login) {
			if inv == nil || invs[i].ID > inv.ID {
				inv = &invs[i]
			}
		}
	}
	return grant, inv, nil
}

// customRoleLookup reads the org's custom roles on first need.
func (c *Client) customRoleLookup(ctx context.Context, cn *conn, org string) func(string) (role.Role, bool) {
	r := &orgReader{c: c, cn: cn, org: org}
	return r.customRole(ctx)
}

// TeamGrant re-reads a team's grant on a repository, bypassing the cache.
// It is nil when the team has none.
func (c *Client) TeamGrant(ctx context.Context, org, repo, slug string) (*state.TeamGrant, error) {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return nil, err
	}
	// With this media type GitHub answers 200 and the repository with the
	// team's role (role_name and the permissions hash) instead of 204.
	var body struct {
		RoleName    string          `json:"role_name"`
		Permissions map[string]bool `json:"permissions"`
	}
	resp, err := cn.do(ctx, http.MethodGet, "orgs/"+pathSeg(org)+"/teams/"+pathSeg(slug)+"/repos/"+pathSeg(org)+"/"+pathSeg(repo),
		nil, &body, fresh(), accept("application/vnd.github.v3.repository+json"))
	if err != nil {
		if KindOf(err) == KindNotFound {
			return nil, nil
		}
		return nil, err
	}
	g := &state.TeamGrant{Slug: slug}
	if body.RoleName != "" {
		if r, ok := role.FromAPI(body.RoleName); ok {
			g.Role = r
		} else {
			g.Role, g.RoleName = highest(body.Permissions), body.RoleName
		}
		return g, nil
	}
	if len(body.Permissions) > 0 {
		g.Role = highest(body.Permissions)
		return g, nil
	}
	if resp.Status == http.StatusNoContent {
		// The media type was ignored: the list of the repository's teams
		// carries the role.
		teams, err := listAll[restTeam](ctx, cn, repoPath(org, repo)+"/teams", fresh())
		if err != nil {
			return nil, err
		}
		for _, t := range teams {
			if strings.EqualFold(t.Slug, slug) {
				g.Role = t.role()
				return g, nil
			}
		}
		return nil, nil
	}
	return nil, &Error{Op: "GET /orgs/" + org + "/teams/" + slug + "/repos/" + org + "/" + repo, Kind: KindOther, Message: "GitHub's answer holds no role"}
}

// restTeam is a team as repository team lists show it.
type restTeam struct {
	ID          int64           `json:"id"`
	Slug        string          `json:"slug"`
	Name        string          `json:"name"`
	Permission  string          `json:"permission"`
	RoleName    string          `json:"role_name"`
	Permissions map[string]bool `json:"permissions"`
	// AccessSource (OpenAPI 23.0.2): direct, organization (an org role)
	// or enterprise. Only a direct grant is the team's to manage.
	AccessSource string `json:"access_source"`
	Parent       *struct {
		Slug string `json:"slug"`
	} `json:"parent"`
}

func (t restTeam) role() role.Role {
	if r, ok := role.FromAPI(t.RoleName); ok && r != role.None {
		return r
	}
	if len(t.Permissions) > 0 {
		return highest(t.Permissions)
	}
	r, _ := role.FromAPI(t.Permission)
	return r
}

// highest reads a permissions hash ({"admin": false, "maintain": true, …}).
func highest(p map[string]bool) role.Role {
	best := role.None
	for k, v := range p {
		if !v {
			continue
		}
		if r, ok := role.FromAPI(k); ok && r > best {
			best = r
		}
	}
	return best
}

// BranchProtection re-reads one branch's protection through REST,
// bypassing the cache. An unprotected branch has Protected false, a
// branch that does not exist Missing true.
func (c *Client) BranchProtection(ctx context.Context, org, repo, branch string) (state.BranchProtection, error) {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return state.BranchProtection{}, err
	}
	p, err := c.getProtection(ctx, cn, org, repo, branch)
	if err != nil {
		if branchMissing(err) {
			return state.BranchProtection{Branch: branch, Missing: true}, nil
		}
		return state.BranchProtection{}, err
	}
	if p == nil {
		return state.BranchProtection{Branch: branch}, nil
	}
	return p.state(branch), nil
}

// getProtection reads GET .../branches/{b}/protection; nil when the
// branch is not protected.
func (c *Client) getProtection(ctx context.Context, cn *conn, org, repo, branch string) (*restProtection, error) {
	var p restProtection
	_, err := cn.do(ctx, http.MethodGet, protectionPath(org, repo, branch), nil, &p, fresh())
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusNotFound && strings.Contains(strings.ToLower(e.Message), "not protected") {
			return nil, nil
		}
		return nil, err
	}
	return &p, nil
}

// branchMissing: GitHub answered 404 "Branch not found".
// protectionNotOffered: GitHub's 403 for branch protection on a private
// repository of a plan without it ("Upgrade to GitHub Pro or make this
// repository public to enable this feature.").
func protectionNotOffered(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusForbidden && strings.Contains(e.Message, "Upgrade to GitHub Pro")
}

func branchMissing(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound && strings.Contains(strings.ToLower(e.Message), "branch not found")
}

func protectionPath(org, repo, branch string) string {
	return repoPath(org, repo) + "/branches/" + pathSeg(branch) + "/protection"
}
