package ghsim

import (
	"strconv"
)

// Accounts change names. GitHub lets a user rename their account: every
// grant, membership and invitation belongs to the account and follows it;
// the old login is then free, and anyone may register it as a new account
// (with a new id) that inherits nothing. RenameUser and AddUser together
// model both.

// RenameUser renames the account holding login to newLogin, keeping its id
// and everything it holds. It panics when login does not exist or newLogin
// is taken (a test's mistake).
func (s *Server) RenameUser(login, newLogin string) {
	defer s.lock()()
	st := s.st
	u := st.mustUser(login)
	if other := st.userByLogin(newLogin); other != nil && other != u {
		panic("ghsim: login " + newLogin + " is taken")
	}
	oldKey, newKey := lower(u.login), lower(newLogin)
	delete(st.users, oldKey)
	u.login = newLogin
	st.users[newKey] = u
	if oldKey == newKey {
		return
	}
	for _, o := range st.orgs {
		rekey(o.members, oldKey, newKey)
		rekey(o.userTeams, oldKey, newKey)
		rekey(o.directGrants, oldKey, newKey)
		for _, t := range o.teams {
			rekey(t.members, oldKey, newKey)
		}
		for _, r := range o.repos {
			rekey(r.collabs, oldKey, newKey)
			rekey(r.collabUsers, oldKey, newKey)
		}
	}
}

// UserID returns the id of the account holding login, or 0.
func (s *Server) UserID(login string) int64 {
	defer s.rlock()()
	if u := s.st.userByLogin(login); u != nil {
		return u.id
	}
	return 0
}

func rekey[V any](m map[string]V, from, to string) {
	if v, ok := m[from]; ok {
		delete(m, from)
		m[to] = v
	}
}

// hGetUserByID is GET /user/{account_id}: the account whatever its login
// is now; 404 once it is deleted.
func hGetUserByID(c *ctx) {
	id, err := strconv.ParseInt(c.pv("account_id"), 10, 64)
	u := c.st.usersByID[id]
	if err != nil || u == nil || c.st.userByLogin(u.login) != u {
		c.notFound()
		return
	}
	hGetUserFor(c, u)
}
