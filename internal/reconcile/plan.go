// Package reconcile is permsync's domain: it compares the desired state (the
// permissions files) with the actual state (GitHub), produces a Plan of typed
// changes, holds the guardrails as pure functions over that plan, and applies
// a plan through a small Writer interface.
//
// A Plan is a value: it is computed once, rendered by others, saved as JSON
// and applied. Nothing here does I/O except Apply, through its Writer.
package reconcile

import (
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// FormatVersion is the version of the plan's JSON form (docs/plan-json.md).
// It changes only when a field is removed or changes meaning.
const FormatVersion = 2

// Kind is what a change does.
type Kind string

const (
	UserAdd          Kind = "user_add"
	UserChange       Kind = "user_change"
	UserRemove       Kind = "user_remove"
	TeamAdd          Kind = "team_add"
	TeamChange       Kind = "team_change"
	TeamRemove       Kind = "team_remove"
	InvitationChange Kind = "invitation_change"
	InvitationCancel Kind = "invitation_cancel"
	InvitationResend Kind = "invitation_resend"
	ProtectionCreate Kind = "protection_create"
	ProtectionUpdate Kind = "protection_update"
)

// Action is the glyph a change is drawn with.
type Action rune

const (
	Add    Action = '+'
	Modify Action = '~'
	Remove Action = '-'
	Refuse Action = '!'
)

// Action returns how the change is drawn: + add, ~ change, - remove.
func (k Kind) Action() Action {
	switch k {
	case UserAdd, TeamAdd, ProtectionCreate, FloorRulesetCreate:
		return Add
	case UserRemove, TeamRemove, InvitationCancel:
		return Remove
	}
	return Modify
}

// IsRemoval reports whether the change takes a grant away (max_removals counts these).
func (k Kind) IsRemoval() bool {
	return k == UserRemove || k == TeamRemove || k == InvitationCancel
}

// Change is one thing permsync would do to GitHub.
type Change struct {
	Kind Kind   `json:"kind"`
	Org  string `json:"org"`
	Repo string `json:"repo"`

	// Grants and invitations.
	User         string    `json:"user,omitempty"`
	Team         string    `json:"team,omitempty"`
	Before       role.Role `json:"before"`
	After        role.Role `json:"after"`
	InvitationID int64     `json:"invitation_id,omitempty"`
	// Invite is set on a user_add for someone who is not an org member:
	// GitHub sends an invitation instead of granting at once.
	Invite bool `json:"invite,omitempty"`

	// Branch protection.
	Branch            string                    `json:"branch,omitempty"`
	ProtectionBefore  *state.BranchProtection   `json:"protection_before,omitempty"`
	ProtectionAfter   *state.ProtectionSettings `json:"protection_after,omitempty"`
	ProtectionChanges []FieldChange             `json:"protection_changes,omitempty"`

	// The org's floor ruleset (floor_ruleset_create/update; Repo is empty).
	FloorBefore *state.OrgRuleset `json:"floor_ruleset_before,omitempty"`
	FloorAfter  *state.OrgRuleset `json:"floor_ruleset_after,omitempty"`

	// Source is the file position that asked for the change (for a removal,
	// the repository's file, which does not list the grant).
	Source config.Pos `json:"source"`
	// Reason says why, in a few words.
	Reason string `json:"reason,omitempty"`
	// Refused is set when a guardrail refused the change (see Plan.Refusals).
	Refused bool `json:"refused,omitempty"`
	// Expiry is the date (YYYY-MM-DD) of the expired entry a removal
	// carries out; only these are applied by apply --expiries-only.
	Expiry string `json:"expiry,omitempty"`
}

// FieldChange is one protection setting before and after.
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
	// Weakens is set when the change makes the branch less protected.
	Weakens bool `json:"weakens,omitempty"`
}

// Principal names who a grant change is about, e.g. "user:alice".
func (c Change) Principal() string {
	switch {
	case c.User != "":
		return state.UserPrincipal(c.User).String()
	case c.Team != "":
		return state.TeamPrincipal(c.Team).String()
	case c.FloorAfter != nil:
		return "ruleset:" + c.FloorAfter.Name
	}
	return "branch:" + c.Branch
}

// Raises reports whether the change adds or raises access or protection:
// those are applied before lowers and removals, so nobody is locked out
// half way.
func (c Change) Raises() bool {
	switch c.Kind {
	case UserAdd, TeamAdd, InvitationResend, ProtectionCreate:
		return true
	case UserRemove, TeamRemove, InvitationCancel:
		return false
	case ProtectionUpdate, FloorRulesetCreate, FloorRulesetUpdate:
		for _, f := range c.ProtectionChanges {
			if f.Weakens {
				return false
			}
		}
		return true
	}
	return c.After > c.Before
}

// Rule names a guardrail. A guardrail the org file sets is named by its
// key, so its position is Policy.Where(string(rule)); the JSON and text
// spellings are these strings.
type Rule string

const (
	RuleMaxRemovals          Rule = config.KeyMaxRemovals
	RuleMinAdmins            Rule = config.KeyMinAdmins
	RuleMaxAdmins            Rule = config.KeyMaxAdmins
	RuleAdminAllowed         Rule = config.KeyAdminAllowed
	RuleOutsideCollaborator  Rule = config.KeyOutsideCollaboratorMaxRole
	RuleProtectionDelete     Rule = "protection_delete"
	RuleEnforceAdmins        Rule = config.KeyEnforceAdmins
	RuleMinReviews           Rule = config.KeyMinReviews
	RuleRequiredChecks       Rule = config.KeyRequiredChecks
	RuleBelowBaseRole        Rule = "base_role"
	RuleInvitationRate       Rule = "invitation_limit"
	RuleUnmanagedProtection  Rule = "protection_unmanaged"
	RuleArchivedRepositories Rule = "archived"
)

// Refusal is one cause of refused changes: a rule, where it is set, and
// every change it refuses (one entry for 33 removals over max_removals, not
// 33). Any refusal makes apply change nothing.
type Refusal struct {
	Rule    Rule          `json:"rule"`
	Org     string        `json:"org"`
	RulePos config.Pos    `json:"rule_source"` // where the rule is set (empty for GitHub's own limits)
	Message string        `json:"message"`     // the cause and what to do, the same for every item
	Items   []RefusedItem `json:"items"`
}

// Item is one place a refusal or notice is about.
type Item struct {
	Repo    string     `json:"repo,omitempty"`
	Subject string     `json:"subject,omitempty"` // user:x, team:y or branch:z
	Source  config.Pos `json:"source"`            // the file line that asks for it
	Detail  string     `json:"detail,omitempty"`  // what is particular to this item
	// Planned is the change the item is about when the plan no longer
	// holds it (a notice of a change left out); views word it.
	Planned *Change `json:"planned,omitempty"`
}

// Text is one item on one line: its detail, then the cause's message.
func (it Item) Text(message string) string {
	if it.Detail == "" {
		return message
	}
	return it.Detail + ": " + message
}

// ItemText is one of the notice's items on one line. A breach already
// says everything; the rule's heading would repeat it.
func (n Notice) ItemText(it Item) string {
	if n.Kind == NoticeCrossed && it.Detail != "" {
		return it.Detail + "; no change in this plan makes it worse"
	}
	return it.Text(n.Message)
}

// RefusedItem is one refused change.
type RefusedItem struct {
	Item
	// Change is the index in Plan.Changes of the refused change.
	Change int `json:"change"`
}

// Repos lists the distinct repositories of items, in order.
func Repos(items []Item) []string {
	seen := map[string]bool{}
	var out []string
	for _, it := range items {
		if it.Repo != "" && !seen[strings.ToLower(it.Repo)] {
			seen[strings.ToLower(it.Repo)] = true
			out = append(out, it.Repo)
		}
	}
	return out
}

// Places returns the refusal's items without their change indexes.
func (r Refusal) Places() []Item {
	out := make([]Item, len(r.Items))
	for i, it := range r.Items {
		out[i] = it.Item
	}
	return out
}

// RepoError is a repository permsync could not plan for; the others go on.
type RepoError struct {
	Org     string     `json:"org"`
	Repo    string     `json:"repo,omitempty"`
	Source  config.Pos `json:"source"`
	Message string     `json:"message"`
}

func (e RepoError) String() string {
	p := e.Source.String()
	if p != "" {
		p += ": "
	}
	return p + e.Message
}

// Notice is something the plan reports without changing it: a grant the
// files lack in additive mode, an archived repository, a rule GitHub already
// crosses with no change making it worse. Notices with the same cause are
// one notice listing every item.
type Notice struct {
	Kind string `json:"kind"`
	// Rule, Severity and RulePos are set on a rule_already_crossed notice:
	// the guardrail, the severity the audit gives the same breach, and
	// where the rule is set.
	Rule     Rule        `json:"rule,omitempty"`
	Severity Severity    `json:"severity,omitempty"`
	RulePos  *config.Pos `json:"rule_source,omitempty"`
	Org      string      `json:"org"`
	Message  string      `json:"message"`
	Items    []Item      `json:"items"`
}

// Notice kinds.
const (
	NoticeUnmanaged    = "unmanaged_grant"       // on GitHub, not in the files (additive mode)
	NoticeNotLowered   = "not_lowered"           // higher on GitHub than the files (additive mode)
	NoticeArchived     = "archived"              // archived repositories are not changed
	NoticeUnaccepted   = "invitation_unaccepted" // expired after permsync sent it
	NoticeExpired      = "invitation_expired"    // expired, not in the files
	NoticeCustomRole   = "custom_role"           // an Enterprise custom role: not managed
	NoticeAmbiguous    = "role_ambiguous"        // read through REST alone: direct role unknown
	NoticeInherited    = "team_inherited"        // a child team's grant that its parent gives
	NoticeDisabled     = "disabled"              // disabled by GitHub: like archived, not changed
	NoticeCrossed      = "rule_already_crossed"  // a guardrail GitHub already crosses, not made worse
	NoticeRuleProtects = "ruleset_protects"      // a check dropped from protection is still required by a ruleset
	NoticeCannotApply  = "cannot_apply"          // GitHub would refuse or undo it: not planned
	NoticeTwoFactor    = "two_factor_required"   // invitations that hold only once the invitee enables 2FA
	NoticeGuardNotRun  = "guard_not_run"         // a guard could not run (e.g. the base role is unreadable)
)

// Effect is a change of one person's effective access to one repository at
// write level or above.
type Effect struct {
	Org           string    `json:"org"`
	Repo          string    `json:"repo"`
	Login         string    `json:"login"`
	Before        role.Role `json:"before"`
	After         role.Role `json:"after"`
	SourcesBefore []string  `json:"sources_before"`
	SourcesAfter  []string  `json:"sources_after"`
}

// Digest is what a saved plan needs for its stale check: per repository it
// touches, a hash of what the files ask and of what GitHub held.
type Digest struct {
	Org   string `json:"org"`
	Repo  string `json:"repo"`
	Files string `json:"files"`
	State string `json:"state"`
}

// Plan is the difference between the files and GitHub.
type Plan struct {
	FormatVersion int       `json:"format_version"`
	CreatedAt     time.Time `json:"created_at"`
	Dir           string    `json:"dir"`
	Orgs          []OrgMode `json:"orgs"`

	Changes         []Change    `json:"changes"`
	Refusals        []Refusal   `json:"refusals"`
	Errors          []RepoError `json:"errors"`
	Notices         []Notice    `json:"notices"`
	EffectiveAccess []Effect    `json:"effective_access"`
	Digests         []Digest    `json:"digests"`
	// Repos lists every repository planned for (read and compared).
	Repos []string `json:"repos"`
	// With plan --expiries-since: that commit, and the expires: dates the
	// files add or remove since (every org's files, not only those
	// planned). Shown for approval; apply --plan does not compare them.
	ExpiriesSince string         `json:"expiries_since,omitempty"`
	ExpiryChanges []ExpiryChange `json:"expiry_changes,omitempty"`
}

// OrgMode records each org's mode and its guardrail settings' digest.
type OrgMode struct {
	Org  string      `json:"org"`
	Mode config.Mode `json:"mode"`
}

// Summary counts a plan's changes by action.
type Summary struct {
	Add, Change, Remove, Errors int
	// Refused counts causes (refusals); RefusedChanges the changes they refuse.
	Refused, RefusedChanges int
}

// Summary counts the plan.
func (p *Plan) Summary() Summary {
	var s Summary
	for _, c := range p.Changes {
		switch c.Kind.Action() {
		case Add:
			s.Add++
		case Remove:
			s.Remove++
		default:
			s.Change++
		}
	}
	s.Refused = len(p.Refusals)
	for _, c := range p.Changes {
		if c.Refused {
			s.RefusedChanges++
		}
	}
	s.Errors = len(p.Errors)
	return s
}

// Empty reports whether the plan has nothing to do and nothing to say about
// refusals or errors.
func (p *Plan) Empty() bool {
	return len(p.Changes) == 0 && len(p.Refusals) == 0 && len(p.Errors) == 0
}
