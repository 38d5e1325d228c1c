// Package audit builds the audit report release engineering reads instead
// of GitHub's audit log: who can do what on every repository and why, what
// each person can administer or maintain, org owners, the protection of
// each default branch and its required checks, other roads to admin,
// drift, refusals, findings ranked by severity, the rights changes in the
// files' history with the pull requests that made them, what changed on
// GitHub since a snapshot, and a self-check of the permissions repository.
//
// Build is pure: it takes the files, the state read from GitHub, the plan
// computed from that state, the history and a previous snapshot, and
// returns a Report value. Renderers (package render) only draw it; its JSON
// form is documented in docs/audit-json.md.
package audit

import (
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/access"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/history"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// FormatVersion is the version of the report's JSON form
// (docs/audit-json.md). It changes only when a field is removed or changes
// meaning; new fields may appear within a version.
const FormatVersion = 2

// Report is one audit.
type Report struct {
	FormatVersion int       `json:"format_version"`
	GeneratedAt   time.Time `json:"generated_at"`
	Dir           string    `json:"dir"`
	Summary       Summary   `json:"summary"`
	Findings      []Finding `json:"findings"`
	Orgs          []*Org    `json:"orgs"`
	// NoCLA lists "org/repo" of the repositories whose default branch does
	// not require a CLA check (archived repositories left out).
	NoCLA     []string     `json:"repositories_without_cla"`
	Matrix    Matrix       `json:"matrix"`
	History   *history.Log `json:"history"`
	Compare   Comparison   `json:"compare"`
	SelfCheck SelfCheck    `json:"self_check"`
	Notes     []string     `json:"notes"`
}

// Summary counts what the report holds.
type Summary struct {
	Orgs                 int            `json:"orgs"`
	Repositories         int            `json:"repositories"`
	Managed              int            `json:"managed"`
	Unmanaged            int            `json:"unmanaged"`
	Archived             int            `json:"archived"`
	Ignored              int            `json:"ignored"`
	People               int            `json:"people"`
	OutsideCollaborators int            `json:"outside_collaborators"`
	Findings             map[string]int `json:"findings"` // by severity name; every severity present
	DriftChanges         int            `json:"drift_changes"`
	DriftRepositories    int            `json:"drift_repositories"`
	Refusals             int            `json:"refusals"`
	HistoryCommits       int            `json:"history_commits"`
	HandMadeChanges      int            `json:"hand_made_changes"`
}

// Org is one organization's part of the report.
type Org struct {
	Name   string      `json:"name"`
	Mode   config.Mode `json:"mode"`
	File   string      `json:"file,omitempty"` // the org file, "" when defaults apply
	Policy Policy      `json:"policy"`
	// ReadError is set when the org could not be read: nothing else is known.
	ReadError string    `json:"read_error,omitempty"`
	ReadAt    time.Time `json:"read_at"`
	BaseRole  role.Role `json:"base_role"`
	Members   int       `json:"members"`
	Owners    []Owner   `json:"owners"`
	Teams     []Team    `json:"teams"`
	// Apps is nil when the installations could not be read.
	Apps []App `json:"apps"`
	// NonHuman lists the org's App installations and deploy keys with
	// their reach, beside the people (never nil).
	NonHuman []NonHuman `json:"non_human_access"`
	Repos    []*Repo    `json:"repositories"`
	People   []*Person  `json:"people"`
	Ignored  []string   `json:"ignored_repositories"` // ignore_repos: not reported
}

// Policy is what the org's repositories were checked against.
type Policy struct {
	RequiredChecks             []Check   `json:"required_checks"`
	MinReviews                 int       `json:"min_reviews"`
	AdminAllowed               []string  `json:"admin_allowed"` // nil: no restriction
	OutsideCollaboratorMaxRole role.Role `json:"outside_collaborator_max_role"`
	MinAdmins                  int       `json:"min_admins"`
	MaxAdmins                  int       `json:"max_admins"`
	ExpectedOwners             []string  `json:"expected_owners"`
}

// Check is a required status check as GitHub holds it: one type with state.
type Check = state.Check

// Owner is an org owner.
type Owner struct {
	Login    string `json:"login"`
	Expected bool   `json:"expected"` // listed in expected_owners
}

// Team is an org team; Members include its child teams' members.
type Team struct {
	Slug    string   `json:"slug"`
	Name    string   `json:"name,omitempty"`
	Parent  string   `json:"parent,omitempty"`
	Members []string `json:"members"`
}

// App is a GitHub App installed on the org.
type App struct {
	Slug                string            `json:"slug"`
	ID                  int64             `json:"id"`
	Permissions         map[string]string `json:"permissions"`
	RepositorySelection string            `json:"repository_selection"`
	AdministrationWrite bool              `json:"administration_write"`
	// Trusted: the org file's trusted_apps lists it.
	Trusted bool `json:"trusted"`
}

// Repo is one repository's rights, protection and state.
type Repo struct {
	Org           string `json:"org"`
	Name          string `json:"name"`
	Managed       bool   `json:"managed"`
	File          string `json:"file,omitempty"`
	Archived      bool   `json:"archived"`
	Private       bool   `json:"private"`
	Visibility    string `json:"visibility,omitempty"`
	DefaultBranch string `json:"default_branch"`
	// ReadError is set when the repository could not be read completely
	// (or does not exist): what follows may be partial.
	ReadError string `json:"read_error,omitempty"`

	// Access is everyone who holds a role through a direct grant, an
	// invitation, a team or org ownership, highest role first. Members
	// holding only the org base role are not listed one by one: BaseRole
	// and BaseMembers say it.
	Access      []Access     `json:"access"`
	BaseRole    role.Role    `json:"base_role"`
	BaseMembers int          `json:"base_role_members"`
	Teams       []TeamGrant  `json:"teams"`
	Invitations []Invitation `json:"invitations"`

	Protection     Protection    `json:"protection"`
	RequiredChecks []CheckStatus `json:"required_checks"`
	CLARequired    bool          `json:"cla_required"`
	Rulesets       []Ruleset     `json:"rulesets"`
	Admins         AdminCount    `json:"admins"`
	// DeployKeys is nil when they could not be read.
	DeployKeys []DeployKey `json:"deploy_keys"`

	Drift    []Drift   `json:"drift"`
	Refusals []Refusal `json:"refusals"`
	Errors   []string  `json:"errors"`
	Notices  []string  `json:"notices"`
}

// FullName is "org/repo".
func (r *Repo) FullName() string { return r.Org + "/" + r.Name }

// Access is one person's effective role on a repository and every source of it.
type Access struct {
	Login string    `json:"login"`
	Role  role.Role `json:"role"`
	// Outside: not an org member (an outside collaborator).
	Outside bool `json:"outside_collaborator"`
	// Pending: the role is held only through a pending invitation.
	Pending bool `json:"pending"`
	// Undeclared: no file declares the role held. None of the sources
	// that give it is a grant the files list, an owner in expected_owners
	// or the org base role: it was made by hand on GitHub (or the
	// repository has no file).
	Undeclared bool     `json:"undeclared"`
	Sources    []Source `json:"sources"`
}

// Source kinds.
const (
	SourceDirect     = access.Direct
	SourceInvitation = access.Invitation
	SourceTeam       = access.ViaTeam
	SourceOwner      = access.Owner
	SourceBase       = access.Base
)

// Source is one road to a role.
type Source struct {
	Kind string    `json:"kind"` // direct, invitation, team, owner, base
	Role role.Role `json:"role"`
	// RoleName is an Enterprise custom role's name, when the grant is one.
	RoleName string `json:"role_name,omitempty"`
	// Team is the team whose grant it is; Via the chain of child teams
	// through which the person is a member of it (nested teams).
	Team string   `json:"team,omitempty"`
	Via  []string `json:"via,omitempty"`
	// Declared is the file:line:col that grants it, for direct and team
	// grants the files list ("" when the files do not: drift, or an
	// unmanaged repository).
	Declared string `json:"declared,omitempty"`
	// Trace is the newest change in the history window that made this
	// grant what it is, when there is one.
	Trace *Trace `json:"trace,omitempty"`
}

// Trace points at the reviewed change that made a grant.
type Trace struct {
	Commit    string    `json:"commit"`
	Date      time.Time `json:"date"`
	Author    string    `json:"author"`
	Change    string    `json:"change"`
	PR        int       `json:"pull_request,omitempty"`
	PRURL     string    `json:"pull_request_url,omitempty"`
	Approvers []string  `json:"approvers"`
}

// TeamGrant is a team's grant on a repository.
type TeamGrant struct {
	Slug     string    `json:"slug"`
	Role     role.Role `json:"role"`
	RoleName string    `json:"role_name,omitempty"`
	Members  []string  `json:"members"`
	Declared string    `json:"declared,omitempty"`
}

// Invitation is a repository invitation not accepted.
type Invitation struct {
	Login     string    `json:"login"`
	Role      role.Role `json:"role"`
	Expired   bool      `json:"expired"`
	CreatedAt time.Time `json:"created_at"`
	Inviter   string    `json:"inviter,omitempty"`
	Outside   bool      `json:"outside_collaborator"`
}

// Protection is the protection of a default branch, from branch protection
// and the active rulesets that apply to it.
type Protection struct {
	Branch string `json:"branch"`
	// Protected: a branch protection rule or an active ruleset applies.
	Protected           bool   `json:"protected"`
	BranchProtection    bool   `json:"branch_protection"` // a classic rule applies
	Pattern             string `json:"pattern,omitempty"`
	RulesetsApply       int    `json:"rulesets_apply"`
	EnforceAdmins       bool   `json:"enforce_admins"`
	Reviews             int    `json:"required_approving_reviews"` // the highest of protection and rulesets
	CodeOwnerReviews    bool   `json:"require_code_owner_reviews"`
	DismissStaleReviews bool   `json:"dismiss_stale_reviews"`
	AllowForcePushes    bool   `json:"allow_force_pushes"`
	AllowDeletions      bool   `json:"allow_deletions"`
	StrictChecks        bool   `json:"strict_checks"`
	// Checks are every check required by branch protection or rulesets.
	Checks []Check `json:"checks"`
}

// CheckStatus is whether one required_checks entry of the org file is
// required on the default branch, and how.
type CheckStatus struct {
	Context string `json:"context"`
	// WantedApp is the App the org file pins it to, or -1 for any source.
	WantedApp int64 `json:"wanted_app_id"`
	CLA       bool  `json:"cla"` // a CLA check (EasyCLA or a legacy CLA context)
	Required  bool  `json:"required"`
	// By lists where it is required: "branch protection" or
	// "ruleset <name>", each with the App it is pinned to (-1: any).
	By []CheckSource `json:"required_by"`
	// Covered: required where nobody below an org owner can skip it:
	// by branch protection, or by a ruleset that stands in for it (active,
	// on the branch, from the App the org file pins, and a bypass list
	// that was read and names nobody below an org owner).
	Covered bool `json:"covered"`
	// Pinned: some requirement accepts only one App; Spoofable: required,
	// but every requirement accepts any source (anyone with write access
	// can post a passing status of that name).
	Pinned    bool `json:"pinned"`
	Spoofable bool `json:"spoofable"`
	// WrongApp: the org file pins it to an App, and no requirement pins it
	// to that App.
	WrongApp bool `json:"wrong_app"`
}

// CheckSource is one place that requires a check.
type CheckSource struct {
	Where string `json:"where"`
	AppID int64  `json:"app_id"`
	// Bypass says who may skip a ruleset's requirement: "nobody below
	// an org owner", the actors, or that the list could not be read
	// (empty for branch protection).
	Bypass string `json:"bypass,omitempty"`
	// StandsIn: the requirement cannot be skipped below an org owner
	// (always true for branch protection); Why says why not.
	StandsIn bool   `json:"stands_in"`
	Why      string `json:"why,omitempty"`
}

// Ruleset is a ruleset that applies to the repository.
type Ruleset struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	SourceType  string `json:"source_type"`
	Enforcement string `json:"enforcement"`
	// AppliesToDefault: active, and covers the default branch.
	AppliesToDefault bool                `json:"applies_to_default_branch"`
	RequiredChecks   []Check             `json:"required_checks"`
	Reviews          *int                `json:"required_approving_reviews,omitempty"`
	Bypass           []state.BypassActor `json:"bypass"`
	// BypassRead: Bypass is what GitHub holds. GitHub shows the list only
	// to a token that can edit the ruleset; unread, it counts as
	// bypassable by anyone.
	BypassRead bool `json:"bypass_read"`
	// RequiresFloorCheck: it requires one of the org file's required_checks.
	RequiresFloorCheck bool `json:"requires_floor_check"`
	Incomplete         bool `json:"incomplete"`
}

// AdminCount is the people counted against min_admins and max_admins.
type AdminCount struct {
	// People hold direct or team admin (org owners through ownership are
	// not counted). For the maximum, pending admin invitations count and
	// expected_owners do not.
	People    []string `json:"people"`
	ForMax    int      `json:"count_for_max"`
	ForMin    int      `json:"count_for_min"`
	Min       int      `json:"min"`
	Max       int      `json:"max"`
	OverMax   bool     `json:"over_max"`
	UnderMin  bool     `json:"under_min"`
	OwnersToo int      `json:"org_owners"` // owners, admin everywhere besides these
}

// DeployKey is a repository deploy key.
type DeployKey struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	ReadOnly bool   `json:"read_only"`
}

// Drift is one change the plan would make: GitHub differs from the files.
type Drift struct {
	Kind        string    `json:"kind"`
	Subject     string    `json:"subject"` // user:x, team:y or branch:z
	Before      role.Role `json:"before"`
	After       role.Role `json:"after"`
	Description string    `json:"description"`
	Source      string    `json:"source"` // the file:line that asks for it
	Refused     bool      `json:"refused"`
}

// Refusal is a change the plan refuses (a guardrail).
type Refusal struct {
	Rule    string `json:"rule"`
	Subject string `json:"subject,omitempty"`
	Message string `json:"message"`
	Source  string `json:"source,omitempty"`
}

// Person is one person's rights across an org.
type Person struct {
	Login   string `json:"login"`
	Member  bool   `json:"member"`
	Outside bool   `json:"outside_collaborator"`
	Owner   bool   `json:"owner"`
	// ExpectedOwner: an owner listed in expected_owners.
	ExpectedOwner bool      `json:"expected_owner"`
	BaseRole      role.Role `json:"base_role"` // what membership gives on every repository
	Teams         []string  `json:"teams"`
	// Access lists the repositories where the person holds a role through
	// a direct grant, an invitation or a team (ownership and the base role
	// apply to every repository: Owner and BaseRole say it).
	Access []PersonAccess `json:"access"`
	// Admin, Maintain and Write list every repository where the person's
	// effective role is that, whatever the source (ownership included).
	Admin    []string `json:"admin"`
	Maintain []string `json:"maintain"`
	Write    []string `json:"write"`
}

// PersonAccess is one repository in a person's list.
type PersonAccess struct {
	Repo    string    `json:"repo"`
	Role    role.Role `json:"role"`
	Pending bool      `json:"pending"`
	Sources []Source  `json:"sources"`
}

// Matrix is repositories × people: the effective role of each selected
// person on each repository.
type Matrix struct {
	// Selection says who and what is shown.
	Selection string   `json:"selection"`
	People    []string `json:"people"`
	Rows      []Row    `json:"rows"`
	// TotalPeople and TotalRepos count what the selection was made from.
	TotalPeople int  `json:"total_people"`
	TotalRepos  int  `json:"total_repositories"`
	Truncated   bool `json:"truncated"`
}

// Row is one repository of the matrix: Roles[i] is People[i]'s role.
type Row struct {
	Repo  string      `json:"repo"`
	Roles []role.Role `json:"roles"`
	// Undeclared[i]: no file declares People[i]'s role there (Access.Undeclared).
	Undeclared []bool `json:"undeclared"`
}

// SelfCheck is the check of the permissions repository itself.
type SelfCheck struct {
	Repo    string `json:"repo"`    // owner/name, "" when not known
	Checked bool   `json:"checked"` // false: Note says why
	Note    string `json:"note,omitempty"`
	Branch  string `json:"branch,omitempty"`
	// What was found on its default branch.
	Protected        bool     `json:"protected"`
	CodeOwnerReviews bool     `json:"require_code_owner_reviews"`
	EnforceAdmins    bool     `json:"enforce_admins"`
	Reviews          int      `json:"required_approving_reviews"`
	Bypass           []string `json:"bypass"`
	Passed           bool     `json:"passed"`
	Problems         []string `json:"problems"`
}

// Comparison is what changed on GitHub since a snapshot.
type Comparison struct {
	// Available is false when no snapshot was compared; Note says why.
	Available  bool          `json:"available"`
	Note       string        `json:"note,omitempty"`
	SnapshotAt time.Time     `json:"snapshot_taken_at"`
	Changes    []StateChange `json:"changes"`
}

// StateChange is one difference between the snapshot and now.
type StateChange struct {
	Org     string `json:"org"`
	Repo    string `json:"repo,omitempty"`
	What    string `json:"what"` // see docs/audit-json.md
	Subject string `json:"subject,omitempty"`
	Before  string `json:"before"`
	After   string `json:"after"`
	// HandMade: no file explains the new value (a change made outside the
	// files' history); Explained says what does otherwise.
	HandMade    bool   `json:"hand_made"`
	Explained   string `json:"explained,omitempty"`
	Description string `json:"description"`
}
