package ghsim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A renamed account keeps its id and everything it holds; its old login is
// free, and a new account registering it has a new id and holds nothing.
func TestRenameAndReRegister(t *testing.T) {
	f := newFixture(t)
	f.s.SetCollaborator("acme", "widgets", "olga", RoleWrite)
	f.s.AddTeam("acme", "core", TeamOptions{})
	f.s.AddTeamMember("acme", "core", "bob", "member")
	olga, bob := f.s.UserID("olga"), f.s.UserID("bob")

	f.s.RenameUser("olga", "olga-new")
	f.s.RenameUser("bob", "robert")
	newcomer := f.s.AddUser("olga")
	require.NotEqual(t, olga, newcomer)

	require.Equal(t, map[string]Role{"olga-new": RoleWrite}, f.s.Collaborators("acme", "widgets"))
	u := call(t, f.s, "GET", "users/olga", f.tok, nil).obj(t)
	require.EqualValues(t, newcomer, u["id"])
	u = call(t, f.s, "GET", "user/"+itoa(olga), f.tok, nil).obj(t)
	require.Equal(t, "olga-new", u["login"])
	wantStatus(t, call(t, f.s, "GET", "user/999999", f.tok, nil), 404)
	wantStatus(t, call(t, f.s, "GET", "user/abc", f.tok, nil), 404)

	members := call(t, f.s, "GET", "orgs/acme/teams/core/members", f.tok, nil).list(t)
	require.Len(t, members, 1)
	require.Equal(t, "robert", members[0]["login"])
	require.EqualValues(t, bob, members[0]["id"])
	wantStatus(t, call(t, f.s, "GET", "orgs/acme/members/robert", f.tok, nil), 204)
	wantStatus(t, call(t, f.s, "GET", "orgs/acme/members/bob", f.tok, nil), 404)
}
