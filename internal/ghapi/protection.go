package ghapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Branch protection writes. go-github v58's types cannot express what is
// needed (an empty checks list, a null section, enforce_admins as null),
// so the bodies are this package's own structs, as GitHub documents them
// ("Update branch protection"): the four sections required_status_checks,
// enforce_admins, required_pull_request_reviews and restrictions are
// always present, null to disable. Checks are sent as "checks" with an
// app_id (-1: any source), never as the closing-down "contexts": GitHub
// refuses a body with both.

// restProtection is GitHub's GET .../branches/{b}/protection answer.
type restProtection struct {
	RequiredStatusChecks *struct {
		Strict   bool     `json:"strict"`
		Contexts []string `json:"contexts"`
		Checks   []struct {
			Context string `json:"context"`
			AppID   *int64 `json:"app_id"`
		} `json:"checks"`
	} `json:"required_status_checks"`
	EnforceAdmins              *enabled `json:"enforce_admins"`
	RequiredPullRequestReviews *struct {
		DismissalRestrictions        *restrictionsOut `json:"dismissal_restrictions"`
		DismissStaleReviews          bool             `json:"dismiss_stale_reviews"`
		RequireCodeOwnerReviews      bool             `json:"require_code_owner_reviews"`
		RequiredApprovingReviewCount int              `json:"required_approving_review_count"`
		RequireLastPushApproval      bool             `json:"require_last_push_approval"`
		BypassPullRequestAllowances  *restrictionsOut `json:"bypass_pull_request_allowances"`
	} `json:"required_pull_request_reviews"`
	Restrictions                   *restrictionsOut `json:"restrictions"`
	RequiredSignatures             *enabled         `json:"required_signatures"`
	RequiredLinearHistory          *enabled         `json:"required_linear_history"`
	AllowForcePushes               *enabled         `json:"allow_force_pushes"`
	AllowDeletions                 *enabled         `json:"allow_deletions"`
	BlockCreations                 *enabled         `json:"block_creations"`
	RequiredConversationResolution *enabled         `json:"required_conversation_resolution"`
	LockBranch                     *enabled         `json:"lock_branch"`
	AllowForkSyncing               *enabled         `json:"allow_fork_syncing"`
}

type enabled struct {
	Enabled bool `json:"enabled"`
}

func (e *enabled) on() bool { return e != nil && e.Enabled }

func boolPtr(b bool) *bool { return &b }

type restrictionsOut struct {
	Users []struct {
		Login string `json:"login"`
	} `json:"users"`
	Teams []struct {
		Slug string `json:"slug"`
	} `json:"teams"`
	Apps []struct {
		Slug string `json:"slug"`
	} `json:"apps"`
}

// body turns restrictions as read into restrictions as written.
func (r *restrictionsOut) body() *restrictionsBody {
	if r == nil {
		return nil
	}
	b := &restrictionsBody{Users: []string{}, Teams: []string{}, Apps: []string{}}
	for _, u := range r.Users {
		b.Users = append(b.Users, u.Login)
	}
	for _, t := range r.Teams {
		b.Teams = append(b.Teams, t.Slug)
	}
	for _, a := range r.Apps {
		b.Apps = append(b.Apps, a.Slug)
	}
	return b
}

// state converts GitHub's answer into the state's form (as ReadOrg's
// GraphQL read gives it).
func (p *restProtection) state(branch string) state.BranchProtection {
	bp := state.BranchProtection{
		Branch:           branch,
		Protected:        true,
		EnforceAdmins:    p.EnforceAdmins.on(),
		AllowForcePushes: p.AllowForcePushes.on(),
		AllowDeletions:   p.AllowDeletions.on(),
		RestrictsPushes:  p.Restrictions != nil,
		LinearHistory:    p.RequiredLinearHistory.on(),
		Signatures:       p.RequiredSignatures.on(),
	}
	if rsc := p.RequiredStatusChecks; rsc != nil {
		sc := &state.StatusChecks{Strict: rsc.Strict, Checks: []state.Check{}}
		for _, c := range rsc.Checks {
			sc.Checks = append(sc.Checks, checkOf(c.Context, c.AppID))
		}
		if len(rsc.Checks) == 0 {
			for _, ctx := range rsc.Contexts {
				sc.Checks = append(sc.Checks, state.Check{Context: ctx, AppID: state.AnyApp})
			}
		}
		bp.StatusChecks = sc
	}
	if rv := p.RequiredPullRequestReviews; rv != nil {
		bp.Reviews = &state.Reviews{
			Count:           rv.RequiredApprovingReviewCount,
			CodeOwners:      rv.RequireCodeOwnerReviews,
			DismissStale:    rv.DismissStaleReviews,
			LastPushApprove: rv.RequireLastPushApproval,
		}
	}
	return bp
}

// protectionBody is PUT .../branches/{b}/protection. The four required
// sections have no omitempty: nil is sent as null.
type protectionBody struct {
	RequiredStatusChecks           *statusChecksBody `json:"required_status_checks"`
	EnforceAdmins                  *bool             `json:"enforce_admins"`
	RequiredPullRequestReviews     *reviewsBody      `json:"required_pull_request_reviews"`
	Restrictions                   *restrictionsBody `json:"restrictions"`
	RequiredLinearHistory          *bool             `json:"required_linear_history,omitempty"`
	AllowForcePushes               *bool             `json:"allow_force_pushes,omitempty"`
	AllowDeletions                 *bool             `json:"allow_deletions,omitempty"`
	BlockCreations                 *bool             `json:"block_creations,omitempty"`
	RequiredConversationResolution *bool             `json:"required_conversation_resolution,omitempty"`
	LockBranch                     *bool             `json:"lock_branch,omitempty"`
	AllowForkSyncing               *bool             `json:"allow_fork_syncing,omitempty"`
}

// statusChecksBody is required_status_checks in PUT protection; checks is
// always sent, even empty (strict alone is refused).
type statusChecksBody struct {
	Strict bool        `json:"strict"`
	Checks []checkBody `json:"checks"`
}

// statusChecksPatch is PATCH .../protection/required_status_checks: only
// what is set.
type statusChecksPatch struct {
	Strict *bool        `json:"strict,omitempty"`
	Checks *[]checkBody `json:"checks,omitempty"`
}

type checkBody struct {
	Context string `json:"context"`
	AppID   int64  `json:"app_id"` // -1: any source
}

type reviewsBody struct {
	DismissalRestrictions        *restrictionsBody `json:"dismissal_restrictions,omitempty"`
	DismissStaleReviews          *bool             `json:"dismiss_stale_reviews,omitempty"`
	RequireCodeOwnerReviews      *bool             `json:"require_code_owner_reviews,omitempty"`
	RequiredApprovingReviewCount *int              `json:"required_approving_review_count,omitempty"`
	RequireLastPushApproval      *bool             `json:"require_last_push_approval,omitempty"`
	BypassPullRequestAllowances  *restrictionsBody `json:"bypass_pull_request_allowances,omitempty"`
}

type restrictionsBody struct {
	Users []string `json:"users"`
	Teams []string `json:"teams"`
	Apps  []string `json:"apps,omitempty"`
}

func checksBody(list []state.Check) []checkBody {
	out := make([]checkBody, 0, len(list))
	for _, c := range list {
		id := c.AppID
		if id <= 0 {
			id = state.AnyApp
		}
		out = append(out, checkBody{Context: c.Context, AppID: id})
	}
	return out
}

// createBody is the PUT body for an unprotected branch: only what is
// wanted, everything else off.
func createBody(want state.ProtectionSettings) *protectionBody {
	b := &protectionBody{EnforceAdmins: boolPtr(want.EnforceAdmins != nil && *want.EnforceAdmins)}
	strict := want.Strict != nil && *want.Strict
	if (want.Checks != nil && len(*want.Checks) > 0) || strict {
		var list []state.Check
		if want.Checks != nil {
			list = *want.Checks
		}
		b.RequiredStatusChecks = &statusChecksBody{Strict: strict, Checks: checksBody(list)}
	}
	if want.Reviews != nil {
		n := *want.Reviews
		b.RequiredPullRequestReviews = &reviewsBody{RequiredApprovingReviewCount: &n}
	}
	return b
}

// mergeBody is the PUT body that keeps every current setting and sets
// what is wanted.
func mergeBody(cur *restProtection, want state.ProtectionSettings) *protectionBody {
	b := &protectionBody{
		EnforceAdmins:                  boolPtr(cur.EnforceAdmins.on()),
		Restrictions:                   cur.Restrictions.body(),
		RequiredLinearHistory:          boolPtr(cur.RequiredLinearHistory.on()),
		AllowForcePushes:               boolPtr(cur.AllowForcePushes.on()),
		AllowDeletions:                 boolPtr(cur.AllowDeletions.on()),
		BlockCreations:                 boolPtr(cur.BlockCreations.on()),
		RequiredConversationResolution: boolPtr(cur.RequiredConversationResolution.on()),
		LockBranch:                     boolPtr(cur.LockBranch.on()),
		AllowForkSyncing:               boolPtr(cur.AllowForkSyncing.on()),
	}
	if want.EnforceAdmins != nil {
		b.EnforceAdmins = boolPtr(*want.EnforceAdmins)
	}
	curState := cur.state("")
	if sc := curState.StatusChecks; sc != nil {
		b.RequiredStatusChecks = &statusChecksBody{Strict: sc.Strict, Checks: checksBody(sc.Checks)}
	}
	if want.Checks != nil || want.Strict != nil {
		if b.RequiredStatusChecks == nil {
			b.RequiredStatusChecks = &statusChecksBody{Checks: []checkBody{}}
		}
		if want.Checks != nil {
			b.RequiredStatusChecks.Checks = checksBody(*want.Checks)
		}
		if want.Strict != nil {
			b.RequiredStatusChecks.Strict = *want.Strict
		}
	}
	if rv := cur.RequiredPullRequestReviews; rv != nil {
		n := rv.RequiredApprovingReviewCount
		b.RequiredPullRequestReviews = &reviewsBody{
			DismissalRestrictions:        rv.DismissalRestrictions.body(),
			DismissStaleReviews:          boolPtr(rv.DismissStaleReviews),
			RequireCodeOwnerReviews:      boolPtr(rv.RequireCodeOwnerReviews),
			RequiredApprovingReviewCount: &n,
			RequireLastPushApproval:      boolPtr(rv.RequireLastPushApproval),
			BypassPullRequestAllowances:  rv.BypassPullRequestAllowances.body(),
		}
	}
	if want.Reviews != nil {
		n := *want.Reviews
		if b.RequiredPullRequestReviews == nil {
			b.RequiredPullRequestReviews = &reviewsBody{}
		}
		b.RequiredPullRequestReviews.RequiredApprovingReviewCount = &n
	}
	return b
}

// CreateProtection protects a branch with the wanted settings (PUT
// .../branches/{b}/protection). A branch that turns out to be protected
// already is updated instead, so that nothing set there is lost.
func (c *Client) CreateProtection(ctx context.Context, org, repo, branch string, want state.ProtectionSettings) error {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return err
	}
	cur, err := c.getProtection(ctx, cn, org, repo, branch)
	if err != nil {
		return err
	}
	if cur != nil {
		return c.putMerged(ctx, cn, org, repo, branch, cur, want)
	}
	_, err = cn.do(ctx, http.MethodPut, protectionPath(org, repo, branch), createBody(want), nil)
	return err
}

// UpdateProtection sets the wanted settings on a protected branch through
// the sub-resources, so that every setting permsync does not manage keeps
// its value: PATCH required_status_checks (strict, checks), POST or DELETE
// enforce_admins, PATCH required_pull_request_reviews (the approval
// count). When a section is not enabled yet (GitHub answers 404 for its
// sub-resource), it reads the whole protection afresh and sends one PUT
// carrying every current setting plus the wanted ones.
func (c *Client) UpdateProtection(ctx context.Context, org, repo, branch string, want state.ProtectionSettings) error {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return err
	}
	base := protectionPath(org, repo, branch)
	fallback := func() error {
		cur, err := c.getProtection(ctx, cn, org, repo, branch)
		if err != nil {
			return err
		}
		if cur == nil {
			_, err = cn.do(ctx, http.MethodPut, base, createBody(want), nil)
			return err
		}
		return c.putMerged(ctx, cn, org, repo, branch, cur, want)
	}
	// A section that is off has no sub-resource to PATCH. Rather than rely
	// on how GitHub answers a PATCH there (its description lists no 404),
	// look first and go straight to the one merged PUT.
	cur, err := c.getProtection(ctx, cn, org, repo, branch)
	if err != nil {
		return err
	}
	if cur == nil ||
		((want.Checks != nil || want.Strict != nil) && cur.RequiredStatusChecks == nil) ||
		(want.Reviews != nil && cur.RequiredPullRequestReviews == nil) {
		return fallback()
	}
	if want.Checks != nil || want.Strict != nil {
		patch := statusChecksPatch{Strict: want.Strict}
		if want.Checks != nil {
			list := checksBody(*want.Checks)
			patch.Checks = &list
		}
		if _, err := cn.do(ctx, http.MethodPatch, base+"/required_status_checks", patch, nil); err != nil {
			if notEnabled(err) {
				return fallback()
			}
			return err
		}
	}
	if want.EnforceAdmins != nil {
		method := http.MethodDelete
		if *want.EnforceAdmins {
			method = http.MethodPost
		}
		if _, err := cn.do(ctx, method, base+"/enforce_admins", nil, nil, retrySafe()); err != nil {
			if notEnabled(err) {
				return fallback()
			}
			return err
		}
	}
	if want.Reviews != nil {
		n := *want.Reviews
		if _, err := cn.do(ctx, http.MethodPatch, base+"/required_pull_request_reviews", reviewsBody{RequiredApprovingReviewCount: &n}, nil); err != nil {
			if notEnabled(err) {
				return fallback()
			}
			return err
		}
	}
	return nil
}

func (c *Client) putMerged(ctx context.Context, cn *conn, org, repo, branch string, cur *restProtection, want state.ProtectionSettings) error {
	_, err := cn.do(ctx, http.MethodPut, protectionPath(org, repo, branch), mergeBody(cur, want), nil)
	return err
}

// notEnabled: a sub-resource answered 404 (its section is off, or the
// branch is not protected at all).
func notEnabled(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}
