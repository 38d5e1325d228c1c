package ghapi

import (
	"sort"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// The shapes GraphQL answers are decoded into. Every nullable field of the
// schema is a pointer or a slice here, so that a null never fails a read.

type pageInfo struct {
	HasNextPage bool   `json:"hasNextPage"`
	EndCursor   string `json:"endCursor"`
}

type gqlRepo struct {
	Name             string `json:"name"`
	DatabaseID       int64  `json:"databaseId"`
	IsArchived       bool   `json:"isArchived"`
	IsDisabled       bool   `json:"isDisabled"`
	IsPrivate        bool   `json:"isPrivate"`
	Visibility       string `json:"visibility"`
	DefaultBranchRef *struct {
		Name string `json:"name"`
	} `json:"defaultBranchRef"`
	Collaborators         *collabConn  `json:"collaborators"`
	BranchProtectionRules *ruleConn    `json:"branchProtectionRules"`
	Rulesets              *rulesetConn `json:"rulesets"`
	// OutsideCollaborators: narrow reads only (QueryRepoBatchNarrow).
	OutsideCollaborators *struct {
		PageInfo pageInfo `json:"pageInfo"`
		Nodes    []*struct {
			Login string `json:"login"`
		} `json:"nodes"`
	} `json:"outsideCollaborators"`
}

type collabConn struct {
	PageInfo pageInfo         `json:"pageInfo"`
	Edges    []*gqlCollabEdge `json:"edges"`
}

type ruleConn struct {
	PageInfo pageInfo   `json:"pageInfo"`
	Nodes    []*gqlRule `json:"nodes"`
}

type rulesetConn struct {
	PageInfo pageInfo          `json:"pageInfo"`
	Nodes    []*gqlRulesetHead `json:"nodes"`
}

type gqlCollabEdge struct {
	Permission string `json:"permission"`
	Node       *struct {
		Login      string `json:"login"`
		DatabaseID int64  `json:"databaseId"`
	} `json:"node"`
	PermissionSources []*struct {
		Permission string  `json:"permission"`
		RoleName   *string `json:"roleName"`
		Source     *struct {
			Typename      string `json:"__typename"`
			NameWithOwner string `json:"nameWithOwner"`
			Slug          string `json:"slug"`
			Login         string `json:"login"`
		} `json:"source"`
	} `json:"permissionSources"`
}

type gqlRule struct {
	DatabaseID                 int64  `json:"databaseId"`
	Pattern                    string `json:"pattern"`
	IsAdminEnforced            bool   `json:"isAdminEnforced"`
	RequiresStatusChecks       bool   `json:"requiresStatusChecks"`
	RequiresStrictStatusChecks bool   `json:"requiresStrictStatusChecks"`
	RequiredStatusChecks       []*struct {
		Context string `json:"context"`
		App     *struct {
			DatabaseID *int64 `json:"databaseId"`
		} `json:"app"`
	} `json:"requiredStatusChecks"`
	RequiresApprovingReviews     bool `json:"requiresApprovingReviews"`
	RequiredApprovingReviewCount *int `json:"requiredApprovingReviewCount"`
	RequiresCodeOwnerReviews     bool `json:"requiresCodeOwnerReviews"`
	DismissesStaleReviews        bool `json:"dismissesStaleReviews"`
	RequireLastPushApproval      bool `json:"requireLastPushApproval"`
	AllowsForcePushes            bool `json:"allowsForcePushes"`
	AllowsDeletions              bool `json:"allowsDeletions"`
	RestrictsPushes              bool `json:"restrictsPushes"`
	RequiresLinearHistory        bool `json:"requiresLinearHistory"`
	RequiresCommitSignatures     bool `json:"requiresCommitSignatures"`
}

type gqlRulesetHead struct {
	ID          string `json:"id"`
	DatabaseID  int64  `json:"databaseId"`
	Name        string `json:"name"`
	Enforcement string `json:"enforcement"`
	Target      string `json:"target"`
	Source      *struct {
		Typename      string `json:"__typename"`
		NameWithOwner string `json:"nameWithOwner"`
		Login         string `json:"login"`
		Slug          string `json:"slug"`
	} `json:"source"`
	Conditions *struct {
		RefName *struct {
			Include []string `json:"include"`
			Exclude []string `json:"exclude"`
		} `json:"refName"`
	} `json:"conditions"`
}

type gqlRulesetRules struct {
	ID    string `json:"id"`
	Rules *struct {
		PageInfo pageInfo `json:"pageInfo"`
		Nodes    []*struct {
			Type       string `json:"type"`
			Parameters *struct {
				Typename                         string `json:"__typename"`
				StrictRequiredStatusChecksPolicy bool   `json:"strictRequiredStatusChecksPolicy"`
				RequiredStatusChecks             []*struct {
					Context       string `json:"context"`
					IntegrationID *int64 `json:"integrationId"`
				} `json:"requiredStatusChecks"`
				RequiredApprovingReviewCount *int `json:"requiredApprovingReviewCount"`
			} `json:"parameters"`
		} `json:"nodes"`
	} `json:"rules"`
	// bypassRead: GitHub returned the whole bypass list (it is null for
	// a token without write access to the ruleset).
	bypassRead   bool
	BypassActors *struct {
		PageInfo pageInfo `json:"pageInfo"`
		Nodes    []*struct {
			BypassMode         string  `json:"bypassMode"`
			OrganizationAdmin  bool    `json:"organizationAdmin"`
			RepositoryRoleName *string `json:"repositoryRoleName"`
			DeployKey          bool    `json:"deployKey"`
			EnterpriseOwner    bool    `json:"enterpriseOwner"`
			Actor              *struct {
				Typename   string `json:"__typename"`
				DatabaseID *int64 `json:"databaseId"`
				Slug       string `json:"slug"`
				Name       string `json:"name"`
			} `json:"actor"`
		} `json:"nodes"`
	} `json:"bypassActors"`
}

type gqlTeam struct {
	DatabaseID int64  `json:"databaseId"`
	Slug       string `json:"slug"`
	Name       string `json:"name"`
	ParentTeam *struct {
		Slug string `json:"slug"`
	} `json:"parentTeam"`
	Members *struct {
		PageInfo pageInfo `json:"pageInfo"`
		Nodes    []*struct {
			Login string `json:"login"`
		} `json:"nodes"`
	} `json:"members"`
	Repositories *teamRepoConn `json:"repositories"`
}

type teamRepoConn struct {
	PageInfo pageInfo        `json:"pageInfo"`
	Edges    []*teamRepoEdge `json:"edges"`
}

type teamRepoEdge struct {
	Permission string `json:"permission"`
	Node       *struct {
		Name string `json:"name"`
	} `json:"node"`
}

// directGrant finds the grant whose source is the repository itself, and
// its exact role: roleName (maintain, triage, or a custom role), never
// the source's permission, which folds maintain into WRITE and triage
// into READ. ok is false when the user holds no direct grant.
func (e *gqlCollabEdge) directGrant(custom func(string) (role.Role, bool)) (g state.UserGrant, ok bool) {
	if e == nil || e.Node == nil || e.Node.Login == "" {
		return g, false
	}
	for _, s := range e.PermissionSources {
		if s == nil || s.Source == nil || s.Source.Typename != "Repository" {
			continue
		}
		r, name := roleOf(s.RoleName, s.Permission, custom)
		if s.RoleName == nil || *s.RoleName == "" {
			r, name = e.unfold(r)
		}
		if !ok || r > g.Role {
			g = state.UserGrant{Login: e.Node.Login, ID: e.Node.DatabaseID, Role: r, RoleName: name}
			ok = true
		}
	}
	return g, ok
}

// unfold finds the exact direct role when roleName is null (older
// servers), from the folded one (WRITE is write or maintain, READ is read
// or triage) and the edge's permission, the user's exact highest role from
// every source: below the upper role of the pair, the direct grant is the
// lower; at it, the direct grant is the upper unless another source may
// give it (a team or the org at the same folded level). What stays open
// is an upper bound, marked ambiguous, so that it never reads as drift.
func (e *gqlCollabEdge) unfold(folded role.Role) (role.Role, string) {
	var lo, hi role.Role
	switch folded {
	case role.Write:
		lo, hi = role.Write, role.Maintain
	case role.Read:
		lo, hi = role.Read, role.Triage
	default:
		return folded, "" // ADMIN is exact
	}
	highest, ok := role.FromAPI(e.Permission)
	if !ok {
		return hi, state.RoleNameAmbiguous
	}
	other := role.None
	for _, s := range e.PermissionSources {
		if s == nil || s.Source == nil || s.Source.Typename == "Repository" {
			continue
		}
		if r, ok := role.FromAPI(s.Permission); ok && r > other {
			other = r
		}
	}
	switch {
	case highest < hi:
		return lo, ""
	case highest == hi && other < lo:
		return hi, ""
	}
	return hi, state.RoleNameAmbiguous
}

// roleOf maps a roleName (falling back to the folded permission when
// roleName is missing). A custom role maps to its base role, keeping its
// name.
func roleOf(roleName *string, folded string, custom func(string) (role.Role, bool)) (role.Role, string) {
	if roleName != nil && *roleName != "" {
		if r, ok := role.FromAPI(*roleName); ok && r != role.None {
			return r, ""
		}
		if custom != nil {
			if r, ok := custom(*roleName); ok {
				return r, *roleName
			}
		}
		r, _ := role.FromAPI(folded)
		return r, *roleName
	}
	r, _ := role.FromAPI(folded)
	return r, ""
}

// protection turns a rule into a branch's protection.
func (rule *gqlRule) protection(branch string) state.BranchProtection {
	bp := state.BranchProtection{
		Branch:           branch,
		Protected:        true,
		EnforceAdmins:    rule.IsAdminEnforced,
		AllowForcePushes: rule.AllowsForcePushes,
		AllowDeletions:   rule.AllowsDeletions,
		RestrictsPushes:  rule.RestrictsPushes,
		LinearHistory:    rule.RequiresLinearHistory,
		Signatures:       rule.RequiresCommitSignatures,
	}
	if rule.Pattern != branch {
		bp.Pattern = rule.Pattern
	}
	if rule.RequiresStatusChecks {
		sc := &state.StatusChecks{Strict: rule.RequiresStrictStatusChecks, Checks: []state.Check{}}
		for _, c := range rule.RequiredStatusChecks {
			if c == nil {
				continue
			}
			var app *int64
			if c.App != nil {
				app = c.App.DatabaseID
			}
			sc.Checks = append(sc.Checks, checkOf(c.Context, app))
		}
		bp.StatusChecks = sc
	}
	if rule.RequiresApprovingReviews {
		rv := &state.Reviews{CodeOwners: rule.RequiresCodeOwnerReviews, DismissStale: rule.DismissesStaleReviews, LastPushApprove: rule.RequireLastPushApproval}
		if rule.RequiredApprovingReviewCount != nil {
			rv.Count = *rule.RequiredApprovingReviewCount
		}
		bp.Reviews = rv
	}
	return bp
}

// ruleset turns a ruleset header into the state's form (rules come later).
func (h *gqlRulesetHead) ruleset() state.Ruleset {
	rs := state.Ruleset{
		ID:          h.DatabaseID,
		Name:        h.Name,
		Enforcement: strings.ToLower(h.Enforcement),
		Target:      strings.ToLower(h.Target),
		Include:     []string{},
		Exclude:     []string{},
	}
	if h.Source != nil {
		rs.SourceType = h.Source.Typename
		switch h.Source.Typename {
		case "Repository":
			rs.Source = h.Source.NameWithOwner
		case "Organization":
			rs.Source = h.Source.Login
		case "Enterprise":
			rs.Source = h.Source.Slug
		}
	}
	if h.Conditions != nil && h.Conditions.RefName != nil {
		rs.Include = append(rs.Include, h.Conditions.RefName.Include...)
		rs.Exclude = append(rs.Exclude, h.Conditions.RefName.Exclude...)
	}
	return rs
}

// needsRules: rules matter only for rulesets GitHub enforces on branches.
func (h *gqlRulesetHead) needsRules() bool {
	t := strings.ToUpper(h.Target)
	return strings.EqualFold(h.Enforcement, "ACTIVE") && (t == "" || t == "BRANCH") && h.ID != ""
}

// applyRules fills a ruleset from its rules (and bypass actors).
func (r *gqlRulesetRules) applyRules(rs *state.Ruleset) {
	if r.Rules == nil {
		rs.Incomplete = true
		return
	}
	if r.Rules.PageInfo.HasNextPage {
		rs.Incomplete = true
	}
	other := map[string]bool{}
	for _, n := range r.Rules.Nodes {
		if n == nil {
			continue
		}
		typ := strings.ToLower(n.Type)
		switch {
		case typ == "required_status_checks" && n.Parameters != nil:
			rs.StrictChecks = rs.StrictChecks || n.Parameters.StrictRequiredStatusChecksPolicy
			for _, c := range n.Parameters.RequiredStatusChecks {
				if c != nil {
					rs.RequiredChecks = append(rs.RequiredChecks, checkOf(c.Context, c.IntegrationID))
				}
			}
		case typ == "pull_request" && n.Parameters != nil:
			addReviews(rs, n.Parameters.RequiredApprovingReviewCount)
		case typ == "required_status_checks" || typ == "pull_request":
			rs.Incomplete = true
		default:
			other[typ] = true
		}
	}
	sortRules(rs, other)
	rs.BypassRead = r.bypassRead
	if r.BypassActors != nil {
		for _, a := range r.BypassActors.Nodes {
			if a == nil {
				continue
			}
			b := state.BypassActor{Mode: strings.ToLower(a.BypassMode)}
			switch {
			case a.OrganizationAdmin:
				b.Kind = "OrganizationAdmin"
			case a.EnterpriseOwner:
				b.Kind = "EnterpriseOwner"
			case a.DeployKey:
				b.Kind = "DeployKey"
			case a.RepositoryRoleName != nil:
				b.Kind, b.Name = "RepositoryRole", *a.RepositoryRoleName
			case a.Actor != nil && a.Actor.Typename == "App":
				b.Kind, b.Name = "App", a.Actor.Slug
			case a.Actor != nil && a.Actor.Typename == "Team":
				b.Kind, b.Name = "Team", a.Actor.Slug
			default:
				b.Kind = "Unknown"
			}
			rs.Bypass = append(rs.Bypass, b)
		}
		sort.Slice(rs.Bypass, func(i, j int) bool {
			if rs.Bypass[i].Kind != rs.Bypass[j].Kind {
				return rs.Bypass[i].Kind < rs.Bypass[j].Kind
			}
			return rs.Bypass[i].Name < rs.Bypass[j].Name
		})
	}
}

// checkOf is a required check as the state holds it: from any App unless
// GitHub names one. The GraphQL and REST reads of protection and rulesets
// share it, so that they read the same.
func checkOf(context string, appID *int64) state.Check {
	if appID != nil && *appID > 0 {
		return state.Check{Context: context, AppID: *appID}
	}
	return state.Check{Context: context, AppID: state.AnyApp}
}

// addReviews keeps the highest review count of a ruleset's pull_request
// rules (a missing count is 0).
func addReviews(rs *state.Ruleset, count *int) {
	n := 0
	if count != nil {
		n = *count
	}
	if rs.Reviews == nil || n > *rs.Reviews {
		rs.Reviews = &n
	}
}

// sortRules sets a ruleset's other rules and sorts them and its checks.
func sortRules(rs *state.Ruleset, other map[string]bool) {
	for t := range other {
		rs.OtherRules = append(rs.OtherRules, t)
	}
	sort.Strings(rs.OtherRules)
	sort.Slice(rs.RequiredChecks, func(i, j int) bool { return rs.RequiredChecks[i].Context < rs.RequiredChecks[j].Context })
}

// page gives a connection's items and page info (see morePages).
func (c *collabConn) page() ([]*gqlCollabEdge, pageInfo)   { return c.Edges, c.PageInfo }
func (c *ruleConn) page() ([]*gqlRule, pageInfo)           { return c.Nodes, c.PageInfo }
func (c *rulesetConn) page() ([]*gqlRulesetHead, pageInfo) { return c.Nodes, c.PageInfo }
