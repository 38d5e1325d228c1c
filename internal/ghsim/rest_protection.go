package ghsim

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
)

func (p *Protection) clone() *Protection {
	if p == nil {
		return nil
	}
	out := *p
	if p.RequiredStatusChecks != nil {
		x := *p.RequiredStatusChecks
		x.Checks = slices.Clone(x.Checks)
		out.RequiredStatusChecks = &x
	}
	if p.RequiredPullRequestReviews != nil {
		x := *p.RequiredPullRequestReviews
		x.DismissalRestrictions = x.DismissalRestrictions.clone()
		x.BypassAllowances = x.BypassAllowances.clone()
		out.RequiredPullRequestReviews = &x
	}
	out.Restrictions = p.Restrictions.clone()
	return &out
}

func (r *Restrictions) clone() *Restrictions {
	if r == nil {
		return nil
	}
	return &Restrictions{Users: slices.Clone(r.Users), Teams: slices.Clone(r.Teams), Apps: slices.Clone(r.Apps)}
}

func (s *RequiredStatusChecks) contexts() []string {
	out := make([]string, 0, len(s.Checks))
	for _, c := range s.Checks {
		out = append(out, c.Context)
	}
	return out
}

func (c *ctx) checksJSON(s *RequiredStatusChecks) []any {
	out := make([]any, 0, len(s.Checks))
	for _, ch := range s.Checks {
		var app any
		if ch.AppID > 0 {
			app = ch.AppID
		}
		out = append(out, map[string]any{"context": ch.Context, "app_id": app})
	}
	return out
}

func (c *ctx) protURL(r *repo, b string) string {
	return c.base() + "/repos/" + r.fullName() + "/branches/" + b + "/protection"
}

func (c *ctx) statusChecksJSON(r *repo, b string, s *RequiredStatusChecks) map[string]any {
	u := c.protURL(r, b) + "/required_status_checks"
	return map[string]any{"url": u, "strict": s.Strict, "contexts": s.contexts(), "contexts_url": u + "/contexts", "checks": c.checksJSON(s)}
}

func (c *ctx) restrictionsJSON(r *repo, x *Restrictions, u string) map[string]any {
	users, teams, apps := []any{}, []any{}, []any{}
	for _, l := range x.Users {
		if usr := c.st.userByLogin(l); usr != nil {
			users = append(users, c.userJSON(usr))
		}
	}
	for _, sl := range x.Teams {
		if t := r.org.teams[lower(sl)]; t != nil {
			teams = append(teams, c.teamJSON(t))
		}
	}
	for _, sl := range x.Apps {
		for _, a := range c.st.apps {
			if a.slug == sl {
				apps = append(apps, c.appJSON(a))
			}
		}
	}
	m := map[string]any{"users": users, "teams": teams, "apps": apps}
	if u != "" {
		maps.Copy(m, map[string]any{
			"url": u, "users_url": u + "/users", "teams_url": u + "/teams", "apps_url": u + "/apps",
		})
	}
	return m
}

func (c *ctx) reviewsJSON(r *repo, b string, x *RequiredPullRequestReviews) map[string]any {
	u := c.protURL(r, b) + "/required_pull_request_reviews"
	m := map[string]any{
		"url": u, "dismiss_stale_reviews": x.DismissStaleReviews,
		"require_code_owner_reviews":      x.RequireCodeOwnerReviews,
		"required_approving_review_count": x.RequiredApprovingReviewCount,
		"require_last_push_approval":      x.RequireLastPushApproval,
	}
	if x.DismissalRestrictions != nil {
		m["dismissal_restrictions"] = c.restrictionsJSON(r, x.DismissalRestrictions, u+"/dismissal_restrictions")
	}
	if x.BypassAllowances != nil {
		m["bypass_pull_request_allowances"] = c.restrictionsJSON(r, x.BypassAllowances, "")
	}
	return m
}

// protectionJSON renders the documented branch-protection shape. Parts that
// are off are left out, as GitHub does.
func (c *ctx) protectionJSON(r *repo, b string, p *Protection) map[string]any {
	u := c.protURL(r, b)
	en := func(v bool) map[string]any { return map[string]any{"enabled": v} }
	m := map[string]any{
		"url": u, "enforce_admins": map[string]any{"url": u + "/enforce_admins", "enabled": p.EnforceAdmins},
		"required_linear_history": en(p.RequiredLinearHistory), "allow_force_pushes": en(p.AllowForcePushes),
		"allow_deletions": en(p.AllowDeletions), "block_creations": en(p.BlockCreations),
		"required_conversation_resolution": en(p.RequiredConversationResolution), "lock_branch": en(p.LockBranch),
		"allow_fork_syncing":  en(p.AllowForkSyncing),
		"required_signatures": map[string]any{"url": u + "/required_signatures", "enabled": p.RequiredSignatures},
	}
	if p.RequiredStatusChecks != nil {
		m["required_status_checks"] = c.statusChecksJSON(r, b, p.RequiredStatusChecks)
	}
	if p.RequiredPullRequestReviews != nil {
		m["required_pull_request_reviews"] = c.reviewsJSON(r, b, p.RequiredPullRequestReviews)
	}
	if p.Restrictions != nil {
		m["restrictions"] = c.restrictionsJSON(r, p.Restrictions, u+"/restrictions")
	}
	return m
}

// loadBranch resolves repo and branch for protection endpoints; when
// needProt it also requires existing protection ("Branch not protected").
func (c *ctx) loadBranch(write, needProt bool) (*repo, string, *Protection) {
	var r *repo
	if write {
		r = c.writableRepo(c.pv("owner"), c.pv("repo"))
	} else {
		r = c.loadRepo()
	}
	if r == nil {
		return nil, "", nil
	}
	b := c.pv("branch")
	if !r.hasBranch(b) {
		c.fail(http.StatusNotFound, "Branch not found", docBase+"/branches/branch-protection")
		return nil, "", nil
	}
	if r.private && r.org.plan == PlanFree {
		c.fail(http.StatusForbidden, "Upgrade to GitHub Pro or make this repository public to enable this feature.", docBase+"/branches/branch-protection")
		return nil, "", nil
	}
	p := r.protection[b]
	if needProt && p == nil {
		c.fail(http.StatusNotFound, "Branch not protected", docBase+"/branches/branch-protection")
		return nil, "", nil
	}
	return r, b, p
}

func hGetProtection(c *ctx, r *repo, b string, p *Protection) {
	c.json(http.StatusOK, c.protectionJSON(r, b, p))
}

func (c *ctx) invalid(msg string) {
	c.json(http.StatusUnprocessableEntity, map[string]any{
		"message":           "Invalid request.\n\n" + msg,
		"documentation_url": docBase + "/branches/branch-protection#update-branch-protection", "status": "422",
	})
}

// checksIn is required_status_checks in a request: contexts or checks.
type checksIn struct {
	Strict   *bool      `json:"strict"`
	Contexts *[]string  `json:"contexts"`
	Checks   *[]checkIn `json:"checks"`
}

type checkIn struct {
	Context string `json:"context"`
	AppID   *int64 `json:"app_id"`
}

// resolveChecks applies GitHub's app_id rules: -1 any source, omitted the
// App that most recently set the context (any when none did).
func resolveChecks(r *repo, contexts []string, checks []checkIn) []StatusCheck {
	var out []StatusCheck
	seen := map[string]bool{}
	add := func(ctx string, app int64) {
		if seen[ctx] {
			return
		}
		seen[ctx] = true
		out = append(out, StatusCheck{Context: ctx, AppID: app})
	}
	for _, ch := range checks {
		app := r.checkSource[ch.Context]
		if ch.AppID != nil {
			app = max(*ch.AppID, 0)
		}
		add(ch.Context, app)
	}
	for _, ctx := range contexts {
		add(ctx, r.checkSource[ctx])
	}
	if out == nil {
		out = []StatusCheck{}
	}
	return out
}

type restrictIn struct {
	Users []string `json:"users"`
	Teams []string `json:"teams"`
	Apps  []string `json:"apps"`
}

func (x *restrictIn) toRestrictions() *Restrictions {
	if x == nil {
		return nil
	}
	return &Restrictions{Users: slices.Clone(x.Users), Teams: slices.Clone(x.Teams), Apps: slices.Clone(x.Apps)}
}

type reviewsIn struct {
	DismissalRestrictions        *restrictIn `json:"dismissal_restrictions"`
	DismissStaleReviews          *bool       `json:"dismiss_stale_reviews"`
	RequireCodeOwnerReviews      *bool       `json:"require_code_owner_reviews"`
	RequiredApprovingReviewCount *int        `json:"required_approving_review_count"`
	RequireLastPushApproval      *bool       `json:"require_last_push_approval"`
	BypassPullRequestAllowances  *restrictIn `json:"bypass_pull_request_allowances"`
}

func (in *reviewsIn) apply(x *RequiredPullRequestReviews) bool {
	if in.DismissStaleReviews != nil {
		x.DismissStaleReviews = *in.DismissStaleReviews
	}
	if in.RequireCodeOwnerReviews != nil {
		x.RequireCodeOwnerReviews = *in.RequireCodeOwnerReviews
	}
	if in.RequiredApprovingReviewCount != nil {
		n := *in.RequiredApprovingReviewCount
		if n < 0 || n > 6 {
			return false
		}
		x.RequiredApprovingReviewCount = n
	}
	if in.RequireLastPushApproval != nil {
		x.RequireLastPushApproval = *in.RequireLastPushApproval
	}
	if in.DismissalRestrictions != nil {
		x.DismissalRestrictions = in.DismissalRestrictions.toRestrictions()
	}
	if in.BypassPullRequestAllowances != nil {
		x.BypassAllowances = in.BypassPullRequestAllowances.toRestrictions()
	}
	return true
}

// hPutProtection replaces the whole rule: the four nullable keys are
// required, optional booleans left out fall back to their defaults.
func hPutProtection(c *ctx) {
	r, b, old := c.loadBranch(true, false)
	if r == nil {
		return
	}
	var raw map[string]json.RawMessage
	if !c.decode(&raw) {
		return
	}
	for _, k := range []string{"required_status_checks", "enforce_admins", "required_pull_request_reviews", "restrictions"} {
		if _, ok := raw[k]; !ok {
			c.invalid(`"` + k + `" wasn't supplied.`)
			return
		}
	}
	// A boolean left out or null is false.
	var body struct {
		RequiredStatusChecks           *checksIn   `json:"required_status_checks"`
		EnforceAdmins                  bool        `json:"enforce_admins"`
		RequiredPullRequestReviews     *reviewsIn  `json:"required_pull_request_reviews"`
		Restrictions                   *restrictIn `json:"restrictions"`
		RequiredLinearHistory          bool        `json:"required_linear_history"`
		AllowForcePushes               bool        `json:"allow_force_pushes"`
		AllowDeletions                 bool        `json:"allow_deletions"`
		BlockCreations                 bool        `json:"block_creations"`
		RequiredConversationResolution bool        `json:"required_conversation_resolution"`
		LockBranch                     bool        `json:"lock_branch"`
		AllowForkSyncing               bool        `json:"allow_fork_syncing"`
	}
	if err := json.Unmarshal(mustJSON(raw), &body); err != nil {
		c.invalid("For 'properties', " + err.Error())
		return
	}
	p := &Protection{EnforceAdmins: body.EnforceAdmins, Restrictions: body.Restrictions.toRestrictions(),
		RequiredLinearHistory: body.RequiredLinearHistory, AllowForcePushes: body.AllowForcePushes,
		AllowDeletions: body.AllowDeletions, BlockCreations: body.BlockCreations, LockBranch: body.LockBranch,
		RequiredConversationResolution: body.RequiredConversationResolution, AllowForkSyncing: body.AllowForkSyncing}
	if old != nil {
		p.RequiredSignatures = old.RequiredSignatures // not part of this endpoint
	}
	if sc := body.RequiredStatusChecks; sc != nil {
		switch {
		case sc.Strict == nil:
			c.invalid(`"strict" wasn't supplied.`)
			return
		case sc.Contexts != nil && sc.Checks != nil:
			c.invalid("Only one of contexts and checks can be provided.")
			return
		case sc.Contexts == nil && sc.Checks == nil:
			c.invalid(`"contexts" wasn't supplied.`)
			return
		}
		p.RequiredStatusChecks = &RequiredStatusChecks{Strict: *sc.Strict, Checks: resolveChecks(r, deref(sc.Contexts), deref(sc.Checks))}
	}
	if body.RequiredPullRequestReviews != nil {
		p.RequiredPullRequestReviews = &RequiredPullRequestReviews{}
		if !body.RequiredPullRequestReviews.apply(p.RequiredPullRequestReviews) {
			c.invalid("required_approving_review_count must be between 0 and 6.")
			return
		}
	}
	if p.Restrictions != nil {
		for _, u := range p.Restrictions.Users {
			if c.st.userByLogin(u) == nil {
				c.validation("Branch", "restrictions", "invalid", "User "+u+" does not exist")
				return
			}
		}
	}
	c.st.setProtection(r, b, p)
	c.json(http.StatusOK, c.protectionJSON(r, b, p))
}

// deref is *p, or the zero value for nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func hDeleteProtection(c *ctx, r *repo, b string, _ *Protection) {
	c.st.setProtection(r, b, nil)
	c.noContent()
}

// onChecks and onReviews run h on a protection whose status checks, or
// reviews, are required; 404 "… not enabled" otherwise.
func onChecks(write bool, h func(c *ctx, r *repo, b string, p *Protection)) func(*ctx) {
	return onPart(write, "Required status checks", func(p *Protection) bool { return p.RequiredStatusChecks != nil }, h)
}

func onReviews(write bool, h func(c *ctx, r *repo, b string, p *Protection)) func(*ctx) {
	return onPart(write, "Required pull request reviews", func(p *Protection) bool { return p.RequiredPullRequestReviews != nil }, h)
}

func onPart(write bool, name string, on func(*Protection) bool, h func(c *ctx, r *repo, b string, p *Protection)) func(*ctx) {
	return onProtection(write, func(c *ctx, r *repo, b string, p *Protection) {
		if !on(p) {
			c.fail(http.StatusNotFound, name+" not enabled", docBase+"/branches/branch-protection")
			return
		}
		h(c, r, b, p)
	})
}

func hGetStatusChecks(c *ctx, r *repo, b string, p *Protection) {
	c.json(http.StatusOK, c.statusChecksJSON(r, b, p.RequiredStatusChecks))
}

func hPatchStatusChecks(c *ctx, r *repo, b string, p *Protection) {
	var body checksIn
	if !c.decode(&body) {
		return
	}
	if body.Contexts != nil && body.Checks != nil {
		c.validation("StatusCheck", "checks", "invalid", "Only one of contexts and checks can be provided.")
		return
	}
	sc := p.RequiredStatusChecks
	if body.Strict != nil {
		sc.Strict = *body.Strict
	}
	if body.Contexts != nil {
		sc.Checks = resolveChecks(r, *body.Contexts, nil)
	}
	if body.Checks != nil {
		sc.Checks = resolveChecks(r, nil, *body.Checks)
	}
	c.json(http.StatusOK, c.statusChecksJSON(r, b, sc))
}

func hDeleteStatusChecks(c *ctx, r *repo, _ string, p *Protection) {
	p.RequiredStatusChecks = nil
	c.noContent()
}

func hGetContexts(c *ctx, r *repo, _ string, p *Protection) {
	c.json(http.StatusOK, p.RequiredStatusChecks.contexts())
}

// hContexts sets, adds or removes contexts. The body is a JSON array or
// {"contexts": [...]}, both of which GitHub accepts.
func hContexts(op string) func(*ctx) {
	return onChecks(true, func(c *ctx, r *repo, _ string, p *Protection) {
		var raw json.RawMessage
		if !c.decode(&raw) {
			return
		}
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			var obj struct {
				Contexts []string `json:"contexts"`
			}
			if err := json.Unmarshal(raw, &obj); err != nil {
				c.validation("StatusCheck", "contexts", "invalid", "")
				return
			}
			list = obj.Contexts
		}
		sc := p.RequiredStatusChecks
		switch op {
		case "set":
			sc.Checks = resolveChecks(r, list, nil)
		case "add":
			for _, x := range resolveChecks(r, list, nil) {
				if !slices.ContainsFunc(sc.Checks, func(y StatusCheck) bool { return y.Context == x.Context }) {
					sc.Checks = append(sc.Checks, x)
				}
			}
		case "remove":
			sc.Checks = slices.DeleteFunc(sc.Checks, func(x StatusCheck) bool { return slices.Contains(list, x.Context) })
		}
		c.json(http.StatusOK, sc.contexts())
	})
}

func hGetReviews(c *ctx, r *repo, b string, p *Protection) {
	c.json(http.StatusOK, c.reviewsJSON(r, b, p.RequiredPullRequestReviews))
}

func hPatchReviews(c *ctx, r *repo, b string, p *Protection) {
	var in reviewsIn
	if !c.decode(&in) {
		return
	}
	x := *p.RequiredPullRequestReviews
	if !in.apply(&x) {
		c.validation("PullRequestReviewProtection", "required_approving_review_count", "invalid", "required_approving_review_count must be between 0 and 6.")
		return
	}
	p.RequiredPullRequestReviews = &x
	c.json(http.StatusOK, c.reviewsJSON(r, b, &x))
}

func hDeleteReviews(c *ctx, r *repo, _ string, p *Protection) {
	p.RequiredPullRequestReviews = nil
	c.noContent()
}

// onProtection runs h on the protected branch in the path (see loadBranch).
func onProtection(write bool, h func(c *ctx, r *repo, b string, p *Protection)) func(*ctx) {
	return func(c *ctx) {
		if r, b, p := c.loadBranch(write, true); r != nil {
			h(c, r, b, p)
		}
	}
}

// hGetFlag and hSetFlag answer a protection setting that is only on or
// off (enforce_admins, required_signatures): GET, and POST (on) or DELETE.
func hGetFlag(name string, flag func(*Protection) *bool) func(*ctx) {
	return onProtection(false, func(c *ctx, r *repo, b string, p *Protection) {
		c.json(http.StatusOK, map[string]any{"url": c.protURL(r, b) + "/" + name, "enabled": *flag(p)})
	})
}

func hSetFlag(name string, flag func(*Protection) *bool, on bool) func(*ctx) {
	return onProtection(true, func(c *ctx, r *repo, b string, p *Protection) {
		*flag(p) = on
		if !on {
			c.noContent()
			return
		}
		c.json(http.StatusOK, map[string]any{"url": c.protURL(r, b) + "/" + name, "enabled": true})
	})
}

func enforceAdmins(p *Protection) *bool { return &p.EnforceAdmins }

func requiredSignatures(p *Protection) *bool { return &p.RequiredSignatures }
