package cli

import (
	"context"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// withReviewBypass returns r with its default branch's pull request bypass
// allowances read (REST; the org read does not ask for them), so that the
// audit's self-check can say whether review can be skipped. r is not
// changed; on an error the copy says the list was not read.
func withReviewBypass(ctx context.Context, client *ghapi.Client, org string, r *state.Repo) *state.Repo {
	if r == nil || r.DefaultBranch == "" {
		return r
	}
	cp := *r
	cp.Protection = append([]state.BranchProtection(nil), r.Protection...)
	for i, bp := range cp.Protection {
		if bp.Branch != r.DefaultBranch || bp.Reviews == nil {
			continue
		}
		rv := *bp.Reviews
		who, read, err := client.PullRequestBypass(ctx, org, r.Name, r.DefaultBranch)
		rv.Bypass, rv.BypassRead = who, read && err == nil
		cp.Protection[i].Reviews = &rv
	}
	return &cp
}
