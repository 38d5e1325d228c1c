package ghapi

import (
	"context"

	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// PullRequestBypass lists who may merge into branch without its required
// reviews (classic protection's bypass_pull_request_allowances, as user:,
// team: and app:), through REST: the GraphQL read does not ask for it. The
// audit's self-check needs it; nil with read true means nobody.
func (c *Client) PullRequestBypass(ctx context.Context, org, repo, branch string) (who []string, read bool, err error) {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return nil, false, err
	}
	p, err := c.getProtection(ctx, cn, org, repo, branch)
	if err != nil {
		return nil, false, err
	}
	if p == nil || p.RequiredPullRequestReviews == nil {
		return nil, true, nil
	}
	if a := p.RequiredPullRequestReviews.BypassPullRequestAllowances; a != nil {
		for _, u := range a.Users {
			who = append(who, state.UserPrincipal(u.Login).String())
		}
		for _, t := range a.Teams {
			who = append(who, state.TeamPrincipal(t.Slug).String())
		}
		for _, x := range a.Apps {
			who = append(who, state.Principal{Kind: state.KindApp, Name: x.Slug}.String())
		}
	}
	return who, true, nil
}
