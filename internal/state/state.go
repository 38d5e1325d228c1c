// Package state describes what GitHub holds: the actual state that the
// adapter reads and that plans, audits and imports are computed from.
//
// Values are plain data with stable JSON (audit snapshots and the stale-plan
// check serialise them). Logins and slugs keep GitHub's spelling; compare
// them case-insensitively.
package state

import (
	"sort"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// AnyApp is a required check's AppID when any source may post it.
const AnyApp int64 = -1

// Org is one organization as read from GitHub.
type Org struct {
	Name     string    `json:"name"`
	BaseRole role.Role `json:"base_role"` // members' default repository role; none is role.None
	// BaseRoleUnread: the token could not read the base role (BaseRole is
	// then None and guards that depend on it cannot run).
	BaseRoleUnread bool `json:"base_role_unread,omitempty"`
	// TwoFactorRequired: the org removes members and collaborators without
	// two-factor authentication; nil when the token cannot tell.
	TwoFactorRequired *bool    `json:"two_factor_required,omitempty"`
	Owners            []string `json:"owners"`  // org owners: admin on every repository
	Members           []string `json:"members"` // every member, owners included
	Teams             []*Team  `json:"teams"`
	Repos             []*Repo  `json:"repos"`

	// FloorRuleset is the org ruleset permsync manages (floor_ruleset in
	// the org file; read only then): nil when the org has none, or when
	// FloorRulesetUnread says why it could not be read.
	FloorRuleset       *OrgRuleset `json:"floor_ruleset,omitempty"`
	FloorRulesetUnread string      `json:"floor_ruleset_unread,omitempty"`
	// FloorRulesetReadOnly: the token was narrowed below Organization
	// administration: write, so it cannot write the floor ruleset.
	FloorRulesetReadOnly bool `json:"floor_ruleset_read_only,omitempty"`

	// Read only for audits (the App may lack the permission; nil then).
	Installations []Installation `json:"installations,omitempty"`
	ReadAt        time.Time      `json:"read_at"`

	repoIndex NameIndex[Repo]
}

// Team is an org team. Members includes the members of its child teams,
// who inherit the team's repository access.
type Team struct {
	Slug    string   `json:"slug"`
	Name    string   `json:"name,omitempty"`
	ID      int64    `json:"id,omitempty"`
	Parent  string   `json:"parent,omitempty"` // parent team's slug
	Members []string `json:"members"`
}

// Repo is one repository's rights and protection.
type Repo struct {
	Org           string `json:"org"`
	Name          string `json:"name"`
	ID            int64  `json:"id,omitempty"`
	Archived      bool   `json:"archived,omitempty"`
	Disabled      bool   `json:"disabled,omitempty"` // GitHub disabled it: read-only like an archived one
	Private       bool   `json:"private,omitempty"`
	Visibility    string `json:"visibility,omitempty"`
	DefaultBranch string `json:"default_branch,omitempty"`

	Users       []UserGrant  `json:"users"`       // direct grants, exact repository-level role
	Invitations []Invitation `json:"invitations"` // pending and expired
	Teams       []TeamGrant  `json:"teams"`       // team grants on this repository

	// Protection holds the branches that matter (the default branch and any
	// branch a file names), protected or not.
	Protection []BranchProtection `json:"protection"`
	// ProtectionUnavailable: the org's plan offers no branch protection for
	// this (private) repository; GitHub answers 403 to any write of it.
	ProtectionUnavailable bool        `json:"protection_unavailable,omitempty"`
	Rulesets              []Ruleset   `json:"rulesets,omitempty"`
	DeployKeys            []DeployKey `json:"deploy_keys,omitempty"` // audits only

	// NotFound: the repository does not exist (or the credentials cannot see it).
	NotFound bool `json:"not_found,omitempty"`
	// ReadError: the repository could not be read completely. No removal may
	// be computed from it.
	ReadError string `json:"read_error,omitempty"`
}

// RoleNameAmbiguous is a UserGrant's RoleName when the direct role could not
// be told apart from a higher role held through a team, the base role or
// ownership (GitHub's REST API alone cannot): Role is then an upper bound.
const RoleNameAmbiguous = "ambiguous"

// UserGrant is a user's direct grant on a repository. A higher role held
// through a team, the base role or ownership is not part of it.
type UserGrant struct {
	Login string    `json:"login"`
	ID    int64     `json:"id,omitempty"` // the account's numeric id, when read
	Role  role.Role `json:"role"`
	// RoleName is GitHub's name when it is not one of the five roles (an
	// Enterprise custom role); Role is then the closest base role. It is
	// RoleNameAmbiguous when Role is only an upper bound.
	RoleName string `json:"role_name,omitempty"`
}

// Custom reports whether the grant is an Enterprise custom role.
func (u UserGrant) Custom() bool { return u.RoleName != "" && u.RoleName != RoleNameAmbiguous }

// Ambiguous reports whether Role is only an upper bound of the direct grant.
func (u UserGrant) Ambiguous() bool { return u.RoleName == RoleNameAmbiguous }

// Invitation is a repository invitation not yet accepted.
type Invitation struct {
	ID         int64     `json:"id"`
	Login      string    `json:"login"`
	UserID     int64     `json:"user_id,omitempty"` // the invitee's account id, when read
	Role       role.Role `json:"role"`
	CreatedAt  time.Time `json:"created_at"`
	Expired    bool      `json:"expired"`
	Inviter    string    `json:"inviter,omitempty"`
	InviterBot bool      `json:"inviter_bot,omitempty"` // sent by an App (permsync), not a person
}

// TeamGrant is a team's grant on a repository.
type TeamGrant struct {
	Slug     string    `json:"slug"`
	Role     role.Role `json:"role"`
	RoleName string    `json:"role_name,omitempty"`
	// Inherited names the ancestor team whose grant this is: the team's
	// own grant, if any, is not higher (GitHub reports a child team at its
	// parent's role, and its members already hold it through the parent).
	Inherited string `json:"inherited,omitempty"`
}

// BranchProtection is the protection of one branch.
type BranchProtection struct {
	Branch    string `json:"branch"`
	Missing   bool   `json:"missing,omitempty"` // the branch does not exist
	Protected bool   `json:"protected"`
	Pattern   string `json:"pattern,omitempty"` // the rule's pattern when it is not the branch name

	StatusChecks  *StatusChecks `json:"status_checks,omitempty"` // nil: status checks not required
	EnforceAdmins bool          `json:"enforce_admins"`
	Reviews       *Reviews      `json:"reviews,omitempty"` // nil: pull request reviews not required

	AllowForcePushes bool `json:"allow_force_pushes"`
	AllowDeletions   bool `json:"allow_deletions"`
	RestrictsPushes  bool `json:"restricts_pushes,omitempty"`
	LinearHistory    bool `json:"linear_history,omitempty"`
	Signatures       bool `json:"signatures,omitempty"`
}

// StatusChecks are a branch's required status checks.
type StatusChecks struct {
	Strict bool    `json:"strict"`
	Checks []Check `json:"checks"`
}

// Check is a required status check; AppID is the App that must post it, or
// AnyApp.
type Check struct {
	Context string `json:"context"`
	AppID   int64  `json:"app_id"`
}

// Pinned reports whether only one App may satisfy the check.
func (c Check) Pinned() bool { return c.AppID > 0 }

// Reviews are a branch's pull request review requirements.
type Reviews struct {
	Count           int  `json:"required_approving_review_count"`
	CodeOwners      bool `json:"require_code_owner_reviews"`
	DismissStale    bool `json:"dismiss_stale_reviews"`
	LastPushApprove bool `json:"require_last_push_approval,omitempty"`
	// Bypass lists who may merge without the reviews, each a Principal's
	// "kind:name" (user:, team:, app:);
	// only the REST read fills it, and then sets BypassRead.
	Bypass     []string `json:"bypass_pull_request_allowances,omitempty"`
	BypassRead bool     `json:"bypass_read,omitempty"`
}

// Ruleset is a repository or org ruleset that applies to the repository.
type Ruleset struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Source      string   `json:"source"`      // "owner/repo" or the org login
	SourceType  string   `json:"source_type"` // Repository or Organization
	Enforcement string   `json:"enforcement"` // active, evaluate, disabled
	Target      string   `json:"target"`      // branch, tag, push
	Include     []string `json:"include"`     // ref_name include patterns
	Exclude     []string `json:"exclude"`

	RequiredChecks []Check       `json:"required_checks,omitempty"`
	StrictChecks   bool          `json:"strict_checks,omitempty"`
	Reviews        *int          `json:"reviews,omitempty"` // pull_request rule's required approvals
	Bypass         []BypassActor `json:"bypass,omitempty"`
	// BypassRead: Bypass is what GitHub holds. GitHub omits bypass_actors
	// for a token without write access to the ruleset; a list not read
	// counts as bypassable by anyone.
	BypassRead bool     `json:"bypass_read,omitempty"`
	OtherRules []string `json:"other_rules,omitempty"` // rule types seen, for audits
	Incomplete bool     `json:"incomplete,omitempty"`  // rules could not all be read
}

// BypassActor may bypass a ruleset.
type BypassActor struct {
	Kind string `json:"kind"` // App, Team, OrganizationAdmin, RepositoryRole, DeployKey
	Name string `json:"name,omitempty"`
	Mode string `json:"mode,omitempty"` // always, pull_request
}

// DeployKey is an SSH key with access to one repository.
type DeployKey struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	ReadOnly bool   `json:"read_only"`
}

// Installation is a GitHub App installed on the org.
type Installation struct {
	AppSlug             string            `json:"app_slug"`
	AppID               int64             `json:"app_id"`
	Permissions         map[string]string `json:"permissions"`
	RepositorySelection string            `json:"repository_selection"`
}

// Repo returns the repository of that name (case-insensitive), or nil.
func (o *Org) Repo(name string) *Repo { return o.repoIndex.Find(o.Repos, name, repoName) }

func repoName(r *Repo) string { return r.Name }

// Team returns the team with that slug (case-insensitive), or nil.
func (o *Org) Team(slug string) *Team {
	for _, t := range o.Teams {
		if strings.EqualFold(t.Slug, slug) {
			return t
		}
	}
	return nil
}

// IsMember reports whether login is an org member (owners are members).
func (o *Org) IsMember(login string) bool { return ContainsFold(o.Members, login) || o.IsOwner(login) }

// IsOwner reports whether login is an org owner.
func (o *Org) IsOwner(login string) bool { return ContainsFold(o.Owners, login) }

// User returns the direct grant of login, if any.
func (r *Repo) User(login string) (UserGrant, bool) {
	for _, u := range r.Users {
		if strings.EqualFold(u.Login, login) {
			return u, true
		}
	}
	return UserGrant{}, false
}

// Invitation returns the invitation to login, if any.
func (r *Repo) Invitation(login string) (Invitation, bool) {
	for _, i := range r.Invitations {
		if strings.EqualFold(i.Login, login) {
			return i, true
		}
	}
	return Invitation{}, false
}

// Team returns the grant of a team, if any.
func (r *Repo) Team(slug string) (TeamGrant, bool) {
	for _, t := range r.Teams {
		if strings.EqualFold(t.Slug, slug) {
			return t, true
		}
	}
	return TeamGrant{}, false
}

// Branch returns the protection read for a branch, if it was read.
func (r *Repo) Branch(name string) (BranchProtection, bool) {
	for _, b := range r.Protection {
		if b.Branch == name {
			return b, true
		}
	}
	return BranchProtection{}, false
}

// Readable reports whether the repository was read completely.
func (r *Repo) Readable() bool { return !r.NotFound && r.ReadError == "" }

// Sort puts every list in a stable order, so output and digests are stable.
func (o *Org) Sort() {
	SortFold(o.Owners)
	SortFold(o.Members)
	sort.Slice(o.Teams, func(i, j int) bool { return LessFold(o.Teams[i].Slug, o.Teams[j].Slug) })
	for _, t := range o.Teams {
		SortFold(t.Members)
	}
	sort.Slice(o.Repos, func(i, j int) bool { return LessFold(o.Repos[i].Name, o.Repos[j].Name) })
	for _, r := range o.Repos {
		r.Sort()
	}
}

// Sort puts the repository's lists in a stable order.
func (r *Repo) Sort() {
	sort.Slice(r.Users, func(i, j int) bool { return LessFold(r.Users[i].Login, r.Users[j].Login) })
	sort.Slice(r.Invitations, func(i, j int) bool {
		if !strings.EqualFold(r.Invitations[i].Login, r.Invitations[j].Login) {
			return LessFold(r.Invitations[i].Login, r.Invitations[j].Login)
		}
		return r.Invitations[i].ID < r.Invitations[j].ID
	})
	sort.Slice(r.Teams, func(i, j int) bool { return LessFold(r.Teams[i].Slug, r.Teams[j].Slug) })
	sort.Slice(r.Protection, func(i, j int) bool { return r.Protection[i].Branch < r.Protection[j].Branch })
	for _, p := range r.Protection {
		if p.StatusChecks != nil {
			sort.Slice(p.StatusChecks.Checks, func(i, j int) bool {
				return p.StatusChecks.Checks[i].Context < p.StatusChecks.Checks[j].Context
			})
		}
	}
	sort.Slice(r.Rulesets, func(i, j int) bool { return r.Rulesets[i].ID < r.Rulesets[j].ID })
	sort.Slice(r.DeployKeys, func(i, j int) bool { return r.DeployKeys[i].ID < r.DeployKeys[j].ID })
}

// Settings are the branch protection settings permsync manages: the same
// four in a repository file (C is config.Check: a position, and a plain
// context that keeps GitHub's pin) and in a write to GitHub (C is Check,
// every pin resolved). A nil field is not managed: GitHub's value is left
// as it is.
type Settings[C any] struct {
	Checks        *[]C  `json:"checks,omitempty"` // the whole list wanted; empty: none required
	Strict        *bool `json:"strict,omitempty"`
	EnforceAdmins *bool `json:"enforce_admins,omitempty"`
	Reviews       *int  `json:"required_approving_review_count,omitempty"` // required approving reviews
}

// ProtectionSettings are what a protection write asks: AppID AnyApp or an
// App id.
type ProtectionSettings = Settings[Check]
