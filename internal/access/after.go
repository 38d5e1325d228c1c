package access

import (
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Op is what a grant change does to a repository.
type Op int

// Ops.
const (
	AddUser          Op = iota + 1 // a direct grant
	InviteUser                     // a new pending invitation
	SetUser                        // a direct grant's role
	RemoveUser                     // a direct grant
	SetInvitation                  // an invitation's role (by ID); re-sent, it is pending again
	CancelInvitation               // an invitation (by ID)
	AddTeam
	SetTeam
	RemoveTeam
)

// Change is one grant change to a repository: Name is the login or slug.
type Change struct {
	Op           Op
	Name         string
	Role         role.Role
	InvitationID int64
}

// After returns r as the changes, applied in order, would leave its grants;
// r is not modified. Lists keep their order; additions go last. The cost is
// that of r's lists plus the changes.
func After(r *state.Repo, changes []Change) *state.Repo {
	after := *r
	after.Users = append([]state.UserGrant(nil), r.Users...)
	after.Invitations = append([]state.Invitation(nil), r.Invitations...)
	after.Teams = append([]state.TeamGrant(nil), r.Teams...)
	if len(changes) == 0 {
		return &after
	}
	users := newPlaces(func(u state.UserGrant) string { return Key(u.Login) })
	teams := newPlaces(func(t state.TeamGrant) string { return Key(t.Slug) })
	invs := newPlaces(func(i state.Invitation) int64 { return i.ID })
	for _, c := range changes {
		switch c.Op {
		case AddUser:
			after.Users = append(after.Users, state.UserGrant{Login: c.Name, Role: c.Role})
			users.added(Key(c.Name), len(after.Users)-1)
		case InviteUser:
			after.Invitations = append(after.Invitations, state.Invitation{Login: c.Name, Role: c.Role})
			invs.added(0, len(after.Invitations)-1) // a new invitation has no ID yet
		case SetUser:
			users.each(after.Users, Key(c.Name), func(i int) { after.Users[i].Role, after.Users[i].RoleName = c.Role, "" })
		case RemoveUser:
			users.remove(after.Users, Key(c.Name))
		case SetInvitation:
			invs.each(after.Invitations, c.InvitationID, func(i int) { after.Invitations[i].Role, after.Invitations[i].Expired = c.Role, false })
		case CancelInvitation:
			invs.remove(after.Invitations, c.InvitationID)
		case AddTeam:
			after.Teams = append(after.Teams, state.TeamGrant{Slug: c.Name, Role: c.Role})
			teams.added(Key(c.Name), len(after.Teams)-1)
		case SetTeam:
			teams.each(after.Teams, Key(c.Name), func(i int) { after.Teams[i].Role, after.Teams[i].RoleName = c.Role, "" })
		case RemoveTeam:
			teams.remove(after.Teams, Key(c.Name))
		}
	}
	after.Users = users.drop(after.Users)
	after.Invitations = invs.drop(after.Invitations)
	after.Teams = teams.drop(after.Teams)
	return &after
}

// places finds the entries of one list by identity. A repository's
// changes are few against its grants, so the first lookups scan; past
// scanLimit of them it indexes the list once, so that a plan changing every
// grant of a repository stays linear too. Removed entries are marked and
// dropped at the end.
type places[K comparable, T any] struct {
	key     func(T) K
	at      map[K][]int // nil until indexed
	scans   int
	removed []bool
}

const scanLimit = 8

func newPlaces[K comparable, T any](key func(T) K) *places[K, T] {
	return &places[K, T]{key: key}
}

// each calls f with the position of every live entry of identity k.
func (p *places[K, T]) each(list []T, k K, f func(int)) {
	if p.at == nil && p.scans < scanLimit {
		p.scans++
		for i, v := range list {
			if p.key(v) == k && !p.gone(i) {
				f(i)
			}
		}
		return
	}
	if p.at == nil {
		p.at = make(map[K][]int, len(list))
		for i, v := range list {
			if !p.gone(i) {
				p.at[p.key(v)] = append(p.at[p.key(v)], i)
			}
		}
	}
	for _, i := range p.at[k] {
		f(i)
	}
}

func (p *places[K, T]) added(k K, i int) {
	if p.at != nil {
		p.at[k] = append(p.at[k], i)
	}
}

func (p *places[K, T]) remove(list []T, k K) {
	p.each(list, k, func(i int) {
		for len(p.removed) <= i {
			p.removed = append(p.removed, false)
		}
		p.removed[i] = true
	})
	if p.at != nil {
		delete(p.at, k)
	}
}

func (p *places[K, T]) gone(i int) bool { return i < len(p.removed) && p.removed[i] }

// drop removes the entries marked from list (After's own copy), in place,
// keeping the order; a list emptied is nil, as one built by appending would
// be.
func (p *places[K, T]) drop(list []T) []T {
	if p.removed == nil {
		return list
	}
	keep := list[:0]
	for i, v := range list {
		if !p.gone(i) {
			keep = append(keep, v)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	return keep
}
