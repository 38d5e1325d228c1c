package ghapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// TestReadWithNullRoleName: a server answering permissionSources.roleName
// null (older ones) still reads maintain and triage exactly where the
// user's highest role (the edge's permission, exact) settles it, and
// marks the rest as an upper bound (ambiguous), never folding maintain
// into write or triage into read, which would plan the same change every
// run. The re-read before a write agrees with the plan's read.
func TestReadWithNullRoleName(t *testing.T) {
	t.Parallel()
	srv := world(t, ghsim.WithFidelity(ghsim.Fidelity{NullRoleName: true}))
	srv.AddUser("dave")
	srv.AddUser("erin")
	srv.SetCollaborator("acme", "widgets", "olga", ghsim.RoleMaintain) // outside collaborator: no other source
	srv.SetCollaborator("acme", "widgets", "dave", ghsim.RoleTriage)
	srv.SetCollaborator("acme", "widgets", "erin", ghsim.RoleWrite)
	srv.SetCollaborator("acme", "widgets", "bob", ghsim.RoleWrite) // a member: base role read too
	srv.AddTeam("acme", "core", ghsim.TeamOptions{})
	srv.AddTeamMember("acme", "core", "carol", "member")
	srv.SetTeamRepo("acme", "core", "widgets", ghsim.RoleWrite)
	srv.SetCollaborator("acme", "widgets", "carol", ghsim.RoleMaintain) // maintain direct, write (folded WRITE) by team
	want := []state.UserGrant{
		{Login: "bob", Role: role.Write},
		{Login: "carol", Role: role.Maintain, RoleName: state.RoleNameAmbiguous},
		{Login: "dave", Role: role.Triage},
		{Login: "erin", Role: role.Write},
		{Login: "olga", Role: role.Maintain},
	}
	c, _ := tokenClient(t, srv)
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.NoError(t, err)
	w := o.Repo("widgets")
	require.True(t, w.Readable(), w.ReadError)
	assert.Equal(t, want, noIDs(w.Users))
	for _, g := range want {
		got, _, err := c.UserGrant(ctxT(t), "acme", "widgets", g.Login)
		require.NoError(t, err)
		require.NotNil(t, got, g.Login)
		got.ID = 0
		assert.Equal(t, g, *got, "the re-read agrees with the plan")
	}
}
