package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Writes are serial and spaced by the policy layer. Each returns nil or
// an *Error whose NotApplied says whether the change certainly did not
// happen. PUT, PATCH and DELETE here are idempotent and retried after a
// 5xx or a connection failure; a DELETE that answers 404 after such a
// retry is taken as done (the first attempt went through).

func checkRole(op string, r role.Role) error {
	if r < role.Read || r > role.Admin {
		return &Error{Op: op, Kind: KindConfig, NotApplied: true, Message: fmt.Sprintf("role %v cannot be granted", r)}
	}
	return nil
}

// SetUserGrant gives login role r on a repository (PUT
// /repos/{o}/{r}/collaborators/{u}). GitHub answers 201 with an invitation
// when the user must accept one (an outside collaborator), returned here,
// and 204 when the grant took effect at once (a new grant to an org
// member, or a change of an existing collaborator's role); then the
// invitation is nil.
func (c *Client) SetUserGrant(ctx context.Context, org, repo, login string, r role.Role) (*state.Invitation, error) {
	path := repoPath(org, repo) + "/collaborators/" + pathSeg(login)
	if err := checkRole("PUT /"+path, r); err != nil {
		return nil, err
	}
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return nil, err
	}
	// A repeated PUT to someone GitHub invites (not an org member)
	// notifies them again and counts toward its 50 invitations per
	// repository a day: the retry layer does not repeat it; this does,
	// after seeing that no invitation came of the lost attempt.
	member := c.knownMember(org, login)
	put := func() (*response, restInvitation, error) {
		var inv restInvitation
		resp, err := cn.do(withCall(ctx, &callInfo{noRepeat: !member}), http.MethodPut, path, map[string]string{"permission": r.APIName()}, &inv)
		return resp, inv, err
	}
	resp, inv, err := put()
	for try := 1; !member && ambiguous(err) && try <= c.opts.MaxRetries; try++ {
		c.logf("ghapi: PUT /%s: %v; re-reading the invitations before repeating it", path, err)
		// Without an invitation from it, the lost attempt either did
		// nothing or changed a grant in place (no notification): a
		// repeat is then safe.
		invs, rerr := c.listInvitations(ctx, cn, org, repo, fresh())
		if rerr != nil {
			return nil, err // still unknown: the caller reports it
		}
		for i := range invs {
			if strings.EqualFold(invs[i].Login, login) && invs[i].Role == r && !invs[i].Expired {
				return &invs[i], nil
			}
		}
		if err := c.sleep(ctx, backoff(try)); err != nil {
			return nil, err
		}
		resp, inv, err = put()
	}
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusCreated && inv.ID != 0 {
		s := inv.state(c.now())
		if s.Login == "" {
			s.Login = login
		}
		return &s, nil
	}
	return nil, nil
}

// RemoveUserGrant removes login's direct grant (DELETE
// /repos/{o}/{r}/collaborators/{u}). It does not withdraw an invitation
// to login: DeleteInvitation does.
func (c *Client) RemoveUserGrant(ctx context.Context, org, repo, login string) error {
	return c.del(ctx, org, repoPath(org, repo)+"/collaborators/"+pathSeg(login))
}

// UpdateInvitation changes the role a pending invitation offers (PATCH
// /repos/{o}/{r}/invitations/{id}).
func (c *Client) UpdateInvitation(ctx context.Context, org, repo string, id int64, r role.Role) error {
	path := repoPath(org, repo) + "/invitations/" + strconv.FormatInt(id, 10)
	if err := checkRole("PATCH /"+path, r); err != nil {
		return err
	}
	// The invitation API spells roles read/triage/write/maintain/admin.
	return c.send(ctx, org, http.MethodPatch, path, map[string]string{"permissions": r.String()})
}

// DeleteInvitation withdraws a pending invitation.
func (c *Client) DeleteInvitation(ctx context.Context, org, repo string, id int64) error {
	return c.del(ctx, org, repoPath(org, repo)+"/invitations/"+strconv.FormatInt(id, 10))
}

// SetTeamGrant gives a team role r on a repository (PUT
// /orgs/{org}/teams/{slug}/repos/{owner}/{repo}).
func (c *Client) SetTeamGrant(ctx context.Context, org, repo, slug string, r role.Role) error {
	path := teamRepoPath(org, repo, slug)
	if err := checkRole("PUT /"+path, r); err != nil {
		return err
	}
	return c.send(ctx, org, http.MethodPut, path, map[string]string{"permission": r.APIName()})
}

// RemoveTeamGrant removes a team's grant on a repository.
func (c *Client) RemoveTeamGrant(ctx context.Context, org, repo, slug string) error {
	return c.del(ctx, org, teamRepoPath(org, repo, slug))
}

func teamRepoPath(org, repo, slug string) string {
	return "orgs/" + pathSeg(org) + "/teams/" + pathSeg(slug) + "/repos/" + pathSeg(org) + "/" + pathSeg(repo)
}

// send sends one write whose answer does not matter.
func (c *Client) send(ctx context.Context, org, method, path string, body any) error {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return err
	}
	_, err = cn.do(ctx, method, path, body, nil)
	return err
}

// del sends a DELETE; a 404 after an attempt that may have gone through
// means the first attempt did the work.
func (c *Client) del(ctx context.Context, org, path string) error {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return err
	}
	ci := &callInfo{}
	_, err = cn.do(withCall(ctx, ci), http.MethodDelete, path, nil, nil)
	if err != nil {
		var e *Error
		ci.mu.Lock()
		maybe := ci.maybeSent
		ci.mu.Unlock()
		if errors.As(err, &e) && e.Status == http.StatusNotFound && maybe {
			return nil
		}
	}
	return err
}

// ambiguous: a write failed in a way that leaves open whether GitHub
// applied it (a connection lost or a 5xx after the request was sent).
func ambiguous(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.NotApplied && (e.Kind == KindNetwork || e.Kind == KindServer)
}
