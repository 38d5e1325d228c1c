package config

import "github.com/AcademySoftwareFoundation/permsync/internal/role"

// The keys of the file schema, spelled once: the loader, the writer, the
// editor and every position lookup (Policy.Where, BranchProtection.Where)
// use these. A guardrail set in the org file is named by its key
// (reconcile's Rule constants are built from them).
const (
	// Org file.
	KeyMode                       = "mode"
	KeyRequiredChecks             = "required_checks"
	KeyMinReviews                 = "min_reviews"
	KeyAdminAllowed               = "admin_allowed"
	KeyOutsideCollaboratorMaxRole = "outside_collaborator_max_role"
	KeyMinAdmins                  = "min_admins"
	KeyMaxAdmins                  = "max_admins"
	KeyMaxRemovals                = "max_removals"
	KeyExpectedOwners             = "expected_owners"
	KeyIgnoreRepos                = "ignore_repos"
	KeyTrustedApps                = "trusted_apps"
	KeyFloorRuleset               = "floor_ruleset"

	// Repository file: role blocks (named by role.Role) and branch_protection.
	KeyBranchProtection = "branch_protection"
	KeyUsers            = "users"
	KeyTeams            = "teams"

	// A user or team entry written as a mapping.
	KeyLogin   = "login"
	KeyID      = "id"
	KeySlug    = "slug"
	KeyExpires = "expires"
	KeyReason  = "reason"

	// One branch's protection settings.
	KeyRequiredStatusChecks = "required_status_checks"
	KeyStrict               = "strict"
	KeyEnforceAdmins        = "enforce_admins"
	KeyReviewCount          = "required_approving_review_count"

	// A required check written as a mapping.
	KeyContext = "context"
	KeyAppID   = "app_id"
)

func roleNames() []string {
	var out []string
	for _, r := range role.All {
		out = append(out, r.String())
	}
	return out
}

var (
	policyKeys = []string{
		KeyMode, KeyRequiredChecks, KeyMinReviews, KeyAdminAllowed, KeyOutsideCollaboratorMaxRole,
		KeyMinAdmins, KeyMaxAdmins, KeyMaxRemovals, KeyExpectedOwners, KeyIgnoreRepos,
		KeyTrustedApps, KeyFloorRuleset,
	}
	roleKeys       = roleNames()
	repoKeys       = append(append([]string{}, roleKeys...), KeyBranchProtection)
	principalKeys  = []string{KeyUsers, KeyTeams}
	protectionKeys = []string{KeyRequiredStatusChecks, KeyStrict, KeyEnforceAdmins, KeyReviewCount}
	checkKeys      = []string{KeyContext, KeyAppID}
	userEntryKeys  = []string{KeyLogin, KeyID, KeyExpires, KeyReason}
	teamEntryKeys  = []string{KeySlug, KeyExpires, KeyReason}
)
