package ghapi

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi/ghapitest"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadOrgExactRoles(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddTeam("acme", "core", ghapitest.TeamOptions{})
	srv.AddTeam("acme", "core-js", ghapitest.TeamOptions{Parent: "core"})
	srv.AddTeamMember("acme", "core", "alice", "")
	srv.AddTeamMember("acme", "core-js", "carol", "")
	srv.SetTeamRepo("acme", "core", "widgets", ghapitest.RoleAdmin)
	srv.SetTeamRepo("acme", "core-js", "widgets", ghapitest.RoleTriage)
	// alice: direct write, admin through a team: the direct grant is write.
	srv.SetCollaborator("acme", "widgets", "alice", ghapitest.RoleWrite)
	srv.SetCollaborator("acme", "widgets", "bob", ghapitest.RoleMaintain)
	srv.SetCollaborator("acme", "widgets", "olga", ghapitest.RoleTriage)
	srv.AddInvitation("acme", "widgets", "dave", ghapitest.RoleWrite, ghapitest.InvitationOptions{Inviter: "root"})
	srv.AddRepo("acme", "gadgets", ghapitest.RepoOptions{Private: true, Archived: true})

	c, _ := tokenClient(t, srv)
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
	require.NoError(t, err)

	assert.Equal(t, "acme", o.Name)
	assert.Equal(t, role.Read, o.BaseRole)
	assert.Equal(t, []string{"root"}, o.Owners)
	assert.Equal(t, []string{"alice", "bob", "carol", "root"}, o.Members)
	require.Len(t, o.Teams, 2)
	assert.Equal(t, "core", o.Teams[0].Slug)
	assert.Equal(t, []string{"alice", "carol"}, o.Teams[0].Members, "a parent team's members include its child teams'")
	assert.Equal(t, "core", o.Teams[1].Parent)

	w := o.Repo("widgets")
	require.NotNil(t, w)
	assert.True(t, w.Readable(), w.ReadError)
	assert.Equal(t, "main", w.DefaultBranch)
	assert.Equal(t, []state.UserGrant{
		{Login: "alice", Role: role.Write},
		{Login: "bob", Role: role.Maintain},
		{Login: "olga", Role: role.Triage},
	}, w.Users)
	assert.Equal(t, []state.TeamGrant{{Slug: "core", Role: role.Admin}, {Slug: "core-js", Role: role.Triage}}, w.Teams)
	require.Len(t, w.Invitations, 1)
	inv := w.Invitations[0]
	assert.Equal(t, "dave", inv.Login)
	assert.Equal(t, role.Write, inv.Role)
	assert.Equal(t, "root", inv.Inviter)
	assert.False(t, inv.InviterBot)
	assert.False(t, inv.Expired)
	assert.Equal(t, []state.BranchProtection{{Branch: "main"}}, w.Protection)

	g := o.Repo("gadgets")
	require.NotNil(t, g)
	assert.True(t, g.Archived)
	assert.True(t, g.Private)
	assert.Equal(t, "private", g.Visibility)

	b, _ := json.MarshalIndent(o, "", " ")
	t.Logf("%s", b)
	t.Logf("stats: %+v", c.Stats())
}

func TestReadOrgNamedReposAndNotFound(t *testing.T) {
	t.Parallel()
	srv := world(t)
	for i := 0; i < 50; i++ {
		srv.AddRepo("acme", fmt.Sprintf("r%02d", i), ghapitest.RepoOptions{})
		srv.SetCollaborator("acme", fmt.Sprintf("r%02d", i), "bob", ghapitest.RoleTriage)
	}
	c, _ := tokenClient(t, srv)
	names := []string{"widgets", "nope", "R07"}
	for i := 10; i < 60; i++ {
		names = append(names, fmt.Sprintf("r%02d", i))
	}
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: names})
	require.NoError(t, err)
	assert.Len(t, o.Repos, 53)
	assert.True(t, o.Repo("nope").NotFound)
	assert.True(t, o.Repo("r55").NotFound)
	r7 := o.Repo("r07")
	require.NotNil(t, r7)
	assert.Equal(t, "r07", r7.Name, "GitHub's spelling")
	assert.Equal(t, []state.UserGrant{{Login: "bob", Role: role.Triage}}, r7.Users)
}
