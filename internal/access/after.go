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
	// Positions by identity (a list may in theory hold one twice); a
	// removed entry is marked and dropped at the end.
	users := positions(after.Users, func(u state.UserGrant) string { return Key(u.Login) })
	teams := positions(after.Teams, func(t state.TeamGrant) string { return Key(t.Slug) })
	invs := map[int64][]int{}
	for i, inv := range after.Invitations {
		invs[inv.ID] = append(invs[inv.ID], i)
	}
	goneUser, goneTeam, goneInv := map[int]bool{}, map[int]bool{}, map[int]bool{}
	for _, c := range changes {
		switch c.Op {
		case AddUser:
			users[Key(c.Name)] = append(users[Key(c.Name)], len(after.Users))
			after.Users = append(after.Users, state.UserGrant{Login: c.Name, Role: c.Role})
		case InviteUser:
			invs[0] = append(invs[0], len(after.Invitations)) // a new invitation has no ID yet
			after.Invitations = append(after.Invitations, state.Invitation{Login: c.Name, Role: c.Role})
		case SetUser:
			for _, i := range users[Key(c.Name)] {
				after.Users[i].Role, after.Users[i].RoleName = c.Role, ""
			}
		case RemoveUser:
			for _, i := range users[Key(c.Name)] {
				goneUser[i] = true
			}
			delete(users, Key(c.Name))
		case SetInvitation:
			for _, i := range invs[c.InvitationID] {
				after.Invitations[i].Role, after.Invitations[i].Expired = c.Role, false
			}
		case CancelInvitation:
			for _, i := range invs[c.InvitationID] {
				goneInv[i] = true
			}
			delete(invs, c.InvitationID)
		case AddTeam:
			teams[Key(c.Name)] = append(teams[Key(c.Name)], len(after.Teams))
			after.Teams = append(after.Teams, state.TeamGrant{Slug: c.Name, Role: c.Role})
		case SetTeam:
			for _, i := range teams[Key(c.Name)] {
				after.Teams[i].Role, after.Teams[i].RoleName = c.Role, ""
			}
		case RemoveTeam:
			for _, i := range teams[Key(c.Name)] {
				goneTeam[i] = true
			}
			delete(teams, Key(c.Name))
		}
	}
	after.Users = drop(after.Users, goneUser)
	after.Invitations = drop(after.Invitations, goneInv)
	after.Teams = drop(after.Teams, goneTeam)
	return &after
}

// positions maps each identity of list to where it stands. A list holding
// one identity twice (GitHub's never do) gets every place; others get one
// slice each, cut from a single allocation.
func positions[T any](list []T, key func(T) string) map[string][]int {
	out := make(map[string][]int, len(list))
	at := make([]int, len(list))
	for i, v := range list {
		k := key(v)
		if prev, ok := out[k]; ok {
			out[k] = append(prev[:len(prev):len(prev)], i)
			continue
		}
		at[i] = i
		out[k] = at[i : i+1 : i+1]
	}
	return out
}

// drop removes the entries at the positions gone, keeping the order; a list
// emptied is nil, as one built by appending would be.
func drop[T any](list []T, gone map[int]bool) []T {
	if len(gone) == 0 {
		return list
	}
	var keep []T
	for i, v := range list {
		if !gone[i] {
			keep = append(keep, v)
		}
	}
	return keep
}
