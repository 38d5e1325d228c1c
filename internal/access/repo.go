package access

import "github.com/AcademySoftwareFoundation/permsync/internal/state"

// Grants is one repository's grants indexed by identity: direct grants and
// invitations by Key(login), team grants by Key(slug). Where a list holds
// one identity twice, the first entry wins, as a scan would find it.
type Grants struct {
	r                  *state.Repo
	users, invs, teams map[string]int
}

// IndexGrants indexes r's grants (r must not be nil).
func IndexGrants(r *state.Repo) *Grants {
	g := &Grants{r: r, users: make(map[string]int, len(r.Users)), invs: make(map[string]int, len(r.Invitations)),
		teams: make(map[string]int, len(r.Teams))}
	for i := len(r.Users) - 1; i >= 0; i-- {
		g.users[Key(r.Users[i].Login)] = i
	}
	for i := len(r.Invitations) - 1; i >= 0; i-- {
		g.invs[Key(r.Invitations[i].Login)] = i
	}
	for i := len(r.Teams) - 1; i >= 0; i-- {
		g.teams[Key(r.Teams[i].Slug)] = i
	}
	return g
}

// User returns the direct grant of login, if any.
func (g *Grants) User(login string) (state.UserGrant, bool) {
	if i, ok := g.users[Key(login)]; ok {
		return g.r.Users[i], true
	}
	return state.UserGrant{}, false
}

// Invitation returns the invitation to login, if any.
func (g *Grants) Invitation(login string) (state.Invitation, bool) {
	if i, ok := g.invs[Key(login)]; ok {
		return g.r.Invitations[i], true
	}
	return state.Invitation{}, false
}

// Team returns the grant of a team, if any.
func (g *Grants) Team(slug string) (state.TeamGrant, bool) {
	if i, ok := g.teams[Key(slug)]; ok {
		return g.r.Teams[i], true
	}
	return state.TeamGrant{}, false
}
