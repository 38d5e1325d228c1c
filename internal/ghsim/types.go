package ghsim

import (
	"crypto/rsa"
	"time"
)

// Plan is an organization's billing plan. Only its effect on branch
// protection is simulated: private repositories on the free plan cannot be
// protected.
type Plan string

// Plans.
const (
	PlanFree       Plan = "free"
	PlanTeam       Plan = "team"
	PlanEnterprise Plan = "enterprise"
)

// OrgOptions describe a new organization.
type OrgOptions struct {
	// BaseRole is default_repository_permission: RoleRead, RoleWrite,
	// RoleAdmin or BaseRoleNone. Zero value: read, GitHub's default.
	BaseRole Role
	Plan     Plan // zero value: team
	Name     string
	// TwoFactorRequired: members and outside collaborators without
	// two-factor authentication are removed (shown to owners only).
	TwoFactorRequired bool
}

// TeamOptions describe a new team.
type TeamOptions struct {
	Name        string // zero value: the slug
	Parent      string // parent team slug
	Privacy     string // closed (default) or secret
	Description string
}

// RepoOptions describe a new repository.
type RepoOptions struct {
	DefaultBranch string   // zero value: main
	Branches      []string // the default branch is always added
	Archived      bool
	Disabled      bool // disabled by GitHub (e.g. a billing or policy hold)
	Private       bool
	Description   string
}

// InvitationOptions describe a seeded repository invitation.
type InvitationOptions struct {
	Inviter   string    // login; zero value: the first org owner, else the invitee
	CreatedAt time.Time // zero value: now on the simulator clock
}

// Invitation is a pending (or expired) repository invitation.
type Invitation struct {
	ID        int64
	Invitee   string
	Inviter   string
	Role      Role
	CreatedAt time.Time
	Expired   bool
}

// Protection is a classic branch protection rule. Nil pointers mean that
// part of the rule is off, exactly as null does in the REST API.
type Protection struct {
	RequiredStatusChecks           *RequiredStatusChecks
	EnforceAdmins                  bool
	RequiredPullRequestReviews     *RequiredPullRequestReviews
	Restrictions                   *Restrictions
	RequiredLinearHistory          bool
	AllowForcePushes               bool
	AllowDeletions                 bool
	BlockCreations                 bool
	RequiredConversationResolution bool
	LockBranch                     bool
	AllowForkSyncing               bool
	RequiredSignatures             bool
}

// RequiredStatusChecks is the status-check part of a protection rule.
type RequiredStatusChecks struct {
	Strict bool
	Checks []StatusCheck
}

// StatusCheck is one required check. AppID 0 (or -1 when seeding) means any
// source; the REST API shows it as "app_id": null.
type StatusCheck struct {
	Context string
	AppID   int64
}

// RequiredPullRequestReviews is the review part of a protection rule.
type RequiredPullRequestReviews struct {
	DismissStaleReviews          bool
	RequireCodeOwnerReviews      bool
	RequiredApprovingReviewCount int
	RequireLastPushApproval      bool
	DismissalRestrictions        *Restrictions
	BypassAllowances             *Restrictions
}

// Restrictions name users, teams (slugs) and apps (slugs).
type Restrictions struct {
	Users []string
	Teams []string
	Apps  []string
}

// Ruleset is a repository or organization ruleset.
type Ruleset struct {
	ID          int64  // assigned by AddRuleset
	Name        string //
	Target      string // branch (default), tag, push
	Enforcement string // active (default), evaluate, disabled
	// Include and Exclude are the ref_name conditions: "~DEFAULT_BRANCH",
	// "~ALL" or fnmatch patterns such as "refs/heads/release/*".
	Include, Exclude []string
	// RepoInclude, RepoExclude and RepoProtected are the repository_name
	// conditions of an organization ruleset ("~ALL" or fnmatch patterns).
	RepoInclude, RepoExclude []string
	RepoProtected            bool
	BypassActors             []BypassActor
	Rules                    []Rule
}

// BypassActor may bypass a ruleset.
type BypassActor struct {
	ActorID    int64  // app id, team id, repository role id; 0 for OrganizationAdmin
	ActorType  string // Integration, OrganizationAdmin, RepositoryRole, Team, DeployKey
	BypassMode string // always (default), pull_request
}

// Rule is one ruleset rule: its REST type and parameters as GitHub documents
// them (e.g. required_status_checks with required_status_checks and
// strict_required_status_checks_policy).
type Rule struct {
	Type       string
	Parameters map[string]any
}

// RequiredStatusChecksRule builds a required_status_checks rule. A check's
// AppID becomes its integration_id (0 = any source, omitted).
func RequiredStatusChecksRule(strict bool, checks ...StatusCheck) Rule {
	list := make([]any, 0, len(checks))
	for _, c := range checks {
		m := map[string]any{"context": c.Context}
		if c.AppID > 0 {
			m["integration_id"] = c.AppID
		}
		list = append(list, m)
	}
	return Rule{Type: "required_status_checks", Parameters: map[string]any{
		"required_status_checks":               list,
		"strict_required_status_checks_policy": strict,
	}}
}

// PullRequestRule builds a pull_request rule.
func PullRequestRule(approvals int, codeOwners, dismissStale bool) Rule {
	return Rule{Type: "pull_request", Parameters: map[string]any{
		"required_approving_review_count":   approvals,
		"require_code_owner_review":         codeOwners,
		"dismiss_stale_reviews_on_push":     dismissStale,
		"require_last_push_approval":        false,
		"required_review_thread_resolution": false,
		"allowed_merge_methods":             []any{"merge", "squash", "rebase"},
	}}
}

// MergeQueueRule builds a merge_queue rule: a type old clients (go-github
// v58) cannot decode, which is why tests want it.
func MergeQueueRule() Rule {
	return Rule{Type: "merge_queue", Parameters: map[string]any{
		"check_response_timeout_minutes":    60,
		"grouping_strategy":                 "ALLGREEN",
		"max_entries_to_build":              5,
		"max_entries_to_merge":              5,
		"merge_method":                      "MERGE",
		"min_entries_to_merge":              1,
		"min_entries_to_merge_wait_minutes": 5,
	}}
}

// IssueOptions describe a seeded issue.
type IssueOptions struct {
	Title  string
	Body   string
	Author string // login; zero value: first org owner or a ghost user
	Labels []string
	Closed bool
}

// Issue is an issue as inspection returns it.
type Issue struct {
	Number      int64
	Title       string
	Body        string
	State       string
	StateReason string
	Labels      []string
	Author      string
	Comments    []Comment
	IsPull      bool
}

// Comment is an issue comment.
type Comment struct {
	ID     int64
	Author string
	Body   string
}

// PullOptions describe a seeded pull request.
type PullOptions struct {
	Title          string
	Author         string
	Base           string // zero value: default branch
	Head           string // head branch name; zero value: patch-N
	HeadSHA        string
	MergeCommitSHA string // set with Merged
	Commits        []string
	Merged         bool
	MergedBy       string
	MergedAt       time.Time
	Reviews        []ReviewOptions
}

// ReviewOptions describe a pull request review.
type ReviewOptions struct {
	User     string
	State    string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED
	Body     string
	CommitID string
	At       time.Time
}

// Permissions are GitHub App permissions, e.g. {"administration": "write",
// "members": "read", "metadata": "read"}.
type Permissions map[string]string

// AppOptions describe a GitHub App.
type AppOptions struct {
	ID          int64 // zero value: assigned
	Slug        string
	Name        string
	PublicKey   *rsa.PublicKey
	Permissions Permissions
}

// DeployKey is a repository deploy key.
type DeployKey struct {
	ID       int64
	Title    string
	Key      string
	ReadOnly bool
}
