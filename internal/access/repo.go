package access

import "github.com/AcademySoftwareFoundation/permsync/internal/state"

// Grants is one repository's grants indexed by identity: direct grants and
// invitations by Key(login), team grants by Key(slug). Where a list holds
// one identity twice, the first entry wins, as a scan would find it.
type Grants struct {
	r                  *state.Repo
	users, invs, teams map[string]int // nil for a short list: scanned
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

func positionsOf[T any](list []T, name func(T) string) map[string]int {
	if len(list) <= shortList {
		return nil
	}
	m := make(map[string]int, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		m[Key(name(list[i]))] = i
	}
	return m
}

func find[T any](list []T, m map[string]int, name func(T) string, key string) (T, bool) {
	k := Key(key)
	if m != nil {
		if i, ok := m[k]; ok {
			return list[i], true
		}
	} else {
		for _, v := range list {
			if Key(name(v)) == k {
				return v, true
			}
		}
	}
	var zero T
	return zero, false
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
