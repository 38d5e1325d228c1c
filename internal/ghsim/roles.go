package ghsim

import (
	"slices"
	"strings"
)

// Role is a repository role as GitHub names it in role_name: read, triage,
// write, maintain or admin. The empty Role means no access.
type Role string

// The five repository roles, lowest first.
const (
	RoleNone     Role = ""
	RoleRead     Role = "read"
	RoleTriage   Role = "triage"
	RoleWrite    Role = "write"
	RoleMaintain Role = "maintain"
	RoleAdmin    Role = "admin"
)

// BaseRoleNone is the org base role "none" (members get no access from
// the org). RoleNone, the zero value, means read in OrgOptions.
const BaseRoleNone Role = "none"

// Rank orders roles: 0 for none, 1 for read … 5 for admin.
func (r Role) Rank() int { return slices.Index(roleOrder, r) + 1 }

// roleOrder is the roles from lowest to highest.
var roleOrder = []Role{RoleRead, RoleTriage, RoleWrite, RoleMaintain, RoleAdmin}

// ParseRole accepts both spellings GitHub uses: the request-body names
// (pull, push) and the role names (read, write). Matching is
// case-insensitive because GitHub's own role names are.
func ParseRole(s string) (Role, bool) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	switch r {
	case "pull":
		r = RoleRead
	case "push":
		r = RoleWrite
	}
	if r.Rank() == 0 {
		return RoleNone, false
	}
	return r, true
}

func maxRole(a, b Role) Role {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// apiName is the legacy name used in request bodies, team `permission`
// fields and the permission filter: pull, triage, push, maintain, admin.
func (r Role) apiName() string {
	switch r {
	case RoleRead:
		return "pull"
	case RoleWrite:
		return "push"
	}
	return string(r)
}

// legacyPermission is the coarse value of GET .../collaborators/{u}/permission
// and GraphQL's DefaultRepositoryPermissionField: maintain folds into write
// and triage into read.
func (r Role) legacyPermission() string {
	switch r {
	case RoleAdmin:
		return "admin"
	case RoleMaintain, RoleWrite:
		return "write"
	case RoleTriage, RoleRead:
		return "read"
	}
	return "none"
}

// permissionsHash is the documented {admin, maintain, push, triage, pull}
// object: each flag is true when the role is at least that level.
func (r Role) permissionsHash() map[string]bool {
	n := r.Rank()
	return map[string]bool{
		"admin":    n >= 5,
		"maintain": n >= 4,
		"push":     n >= 3,
		"triage":   n >= 2,
		"pull":     n >= 1,
	}
}
