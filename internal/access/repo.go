package access

import (
	"cmp"
	"slices"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Grants is one repository's grants indexed by identity: direct grants and
// invitations by Key(login), team grants by Key(slug). Where a list holds
// one identity twice, the first entry wins, as a scan would find it.
type Grants struct {
	r                  *state.Repo
	users, invs, teams position
}

// position finds an identity in one list: by binary search when the list is
// sorted by Key (as GitHub's state is read: state.Repo.Sort), else through
// a map; a short list is scanned. Searching a sorted list costs no
// allocation, where a map of a hundred logins a repository was most of
// indexing ten thousand repositories.
type position struct {
	m      map[string]int
	sorted bool
}

// shortList is the length up to which a list is scanned rather than
// indexed: a map costs more than a few comparisons.
const shortList = 8

// IndexGrants indexes r's grants (r must not be nil).
func IndexGrants(r *state.Repo) *Grants {
	return &Grants{r: r,
		users: positionsOf(r.Users, func(u state.UserGrant) string { return u.Login }),
		invs:  positionsOf(r.Invitations, func(i state.Invitation) string { return i.Login }),
		teams: positionsOf(r.Teams, func(t state.TeamGrant) string { return t.Slug })}
}

func positionsOf[T any](list []T, name func(T) string) position {
	if len(list) <= shortList {
		return position{}
	}
	if slices.IsSortedFunc(list, func(a, b T) int { return compareKey(name(a), name(b)) }) {
		return position{sorted: true}
	}
	m := make(map[string]int, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		m[Key(name(list[i]))] = i
	}
	return position{m: m}
}

func find[T any](list []T, at position, name func(T) string, key string) (T, bool) {
	var zero T
	switch {
	case at.sorted:
		// The first of equal keys, as a scan would find it.
		i, found := slices.BinarySearchFunc(list, key, func(v T, k string) int { return compareKey(name(v), k) })
		if found {
			return list[i], true
		}
	case at.m != nil:
		if i, ok := at.m[Key(key)]; ok {
			return list[i], true
		}
	default:
		k := Key(key)
		for _, v := range list {
			if Key(name(v)) == k {
				return v, true
			}
		}
	}
	return zero, false
}

// compareKey compares Key(a) and Key(b) without building them for ASCII
// (logins and slugs are); anything else goes through Key.
func compareKey(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca >= 0x80 || cb >= 0x80 {
			return strings.Compare(Key(a), Key(b))
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	// One is a prefix of the other; the longer one's rest may hold a
	// non-ASCII rune that Key changes.
	n := min(len(a), len(b))
	if !ascii(a[n:]) || !ascii(b[n:]) {
		return strings.Compare(Key(a), Key(b))
	}
	return cmp.Compare(len(a), len(b))
}

// User returns the direct grant of login, if any.
func (g *Grants) User(login string) (state.UserGrant, bool) {
	return find(g.r.Users, g.users, func(u state.UserGrant) string { return u.Login }, login)
}

// Invitation returns the invitation to login, if any.
func (g *Grants) Invitation(login string) (state.Invitation, bool) {
	return find(g.r.Invitations, g.invs, func(i state.Invitation) string { return i.Login }, login)
}

// Team returns the grant of a team, if any.
func (g *Grants) Team(slug string) (state.TeamGrant, bool) {
	return find(g.r.Teams, g.teams, func(t state.TeamGrant) string { return t.Slug }, slug)
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
