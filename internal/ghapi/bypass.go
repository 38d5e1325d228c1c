package ghapi

import "context"

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
			who = append(who, "user:"+u.Login)
		}
		for _, t := range a.Teams {
			who = append(who, "team:"+t.Slug)
		}
		for _, x := range a.Apps {
			who = append(who, "app:"+x.Slug)
		}
	}
	return who, true, nil
}
