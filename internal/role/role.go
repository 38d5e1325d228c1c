// Package role holds GitHub's five repository roles and their spellings.
//
// GitHub names the same roles differently in different places: request bodies
// and the permissions hash say pull/push, role_name and invitations say
// read/write, and "GET .../collaborators/{u}/permission" folds maintain into
// write and triage into read. Everything inside permsync uses Role; the
// spellings only appear at the edges.
package role

import (
	"fmt"
	"strings"
)

// Role is a repository role, ordered: None < Read < Triage < Write < Maintain < Admin.
type Role int

const (
	None Role = iota
	Read
	Triage
	Write
	Maintain
	Admin
)

// All lists the five roles from lowest to highest.
var All = []Role{Read, Triage, Write, Maintain, Admin}

var names = [...]string{"none", "read", "triage", "write", "maintain", "admin"}

// String returns the name permsync's files and reports use (read … admin).
func (r Role) String() string {
	if r < None || r > Admin {
		return fmt.Sprintf("role(%d)", int(r))
	}
	return names[r]
}

// APIName returns the spelling GitHub's request bodies expect (pull, triage,
// push, maintain, admin).
func (r Role) APIName() string {
	switch r {
	case Read:
		return "pull"
	case Write:
		return "push"
	default:
		return r.String()
	}
}

// Parse reads a role as written in a permissions file: read, triage, write,
// maintain or admin. The API spellings pull and push are refused with a hint,
// so that files use one vocabulary.
func Parse(s string) (Role, error) {
	switch s {
	case "read":
		return Read, nil
	case "triage":
		return Triage, nil
	case "write":
		return Write, nil
	case "maintain":
		return Maintain, nil
	case "admin":
		return Admin, nil
	case "pull":
		return None, fmt.Errorf("unknown role %q (did you mean \"read\"?)", s)
	case "push":
		return None, fmt.Errorf("unknown role %q (did you mean \"write\"?)", s)
	}
	return None, fmt.Errorf("unknown role %q (roles are read, triage, write, maintain, admin)", s)
}

// FromAPI reads any spelling GitHub returns: role_name and invitation values
// (read, write…), request-body values (pull, push…), GraphQL enum values
// (READ, MAINTAIN…) and the base-role value "none". ok is false for anything
// else, such as an Enterprise custom role name.
func FromAPI(s string) (r Role, ok bool) {
	switch strings.ToLower(s) {
	case "none", "":
		return None, true
	case "read", "pull":
		return Read, true
	case "triage":
		return Triage, true
	case "write", "push":
		return Write, true
	case "maintain":
		return Maintain, true
	case "admin":
		return Admin, true
	}
	return None, false
}

// MarshalText makes roles read as names in JSON and YAML.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText accepts any spelling FromAPI accepts.
func (r *Role) UnmarshalText(b []byte) error {
	v, ok := FromAPI(string(b))
	if !ok {
		return fmt.Errorf("unknown role %q", b)
	}
	*r = v
	return nil
}
