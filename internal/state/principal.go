package state

import (
	"fmt"
	"strings"
)

// Kind is what a principal is.
type Kind string

const (
	KindUser Kind = "user"
	KindTeam Kind = "team"
	KindApp  Kind = "app"
)

// Principal is who holds access or may bypass a rule: a user login, a team
// slug or an App slug, kept as written. Its one text form is "kind:name"
// (admin_allowed in the org file, plan and audit subjects, bypass lists);
// compare with Equal or Key, as GitHub compares names case-insensitively.
type Principal struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
}

// UserPrincipal and TeamPrincipal are the principals of a login and a slug.
func UserPrincipal(login string) Principal { return Principal{Kind: KindUser, Name: login} }
func TeamPrincipal(slug string) Principal  { return Principal{Kind: KindTeam, Name: slug} }

func (p Principal) String() string { return string(p.Kind) + ":" + p.Name }

// Key is the principal's identity for comparison.
func (p Principal) Key() string { return string(p.Kind) + ":" + strings.ToLower(p.Name) }

// Equal compares case-insensitively, as GitHub does.
func (p Principal) Equal(q Principal) bool { return p.Key() == q.Key() }

// ParsePrincipal reads "user:<login>", "team:<slug>" or "app:<slug>". It
// checks the form only: whether the name can be a login or a slug is the
// caller's to judge.
func ParsePrincipal(s string) (Principal, error) {
	kind, name, found := strings.Cut(s, ":")
	switch k := Kind(kind); {
	case !found || name == "":
		return Principal{}, fmt.Errorf("%q is not kind:name (user:<login>, team:<slug> or app:<slug>)", s)
	case k != KindUser && k != KindTeam && k != KindApp:
		return Principal{}, fmt.Errorf("%q: unknown kind %q (user, team or app)", s, kind)
	default:
		return Principal{Kind: k, Name: name}, nil
	}
}
