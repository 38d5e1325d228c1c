package ghapi

import (
	"context"
	"testing"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUserGrantWrites(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddTeam("acme", "core", ghsim.TeamOptions{})
	srv.AddTeamMember("acme", "core", "alice", "")
	srv.SetTeamRepo("acme", "core", "widgets", ghsim.RoleAdmin)
	c, _, _ := appClient(t, srv)
	ctx := ctxT(t)

	// An org member is added at once: 204, no invitation.
	inv, err := c.SetUserGrant(ctx, "acme", "widgets", "bob", role.Maintain)
	require.NoError(t, err)
	assert.Nil(t, inv)
	assert.Equal(t, ghsim.RoleMaintain, srv.Collaborators("acme", "widgets")["bob"])

	// A direct write under a team's admin reads back as write.
	_, err = c.SetUserGrant(ctx, "acme", "widgets", "alice", role.Write)
	require.NoError(t, err)
	g, pending, err := c.UserGrant(ctx, "acme", "widgets", "alice")
	require.NoError(t, err)
	require.NotNil(t, g)
	assert.Equal(t, srv.AddUser("alice"), g.ID, "the account id")
	g.ID = 0
	assert.Equal(t, &state.UserGrant{Login: "alice", Role: role.Write}, g)
	assert.Nil(t, pending)

	// An outsider is invited: 201 with the invitation.
	inv, err = c.SetUserGrant(ctx, "acme", "widgets", "olga", role.Triage)
	require.NoError(t, err)
	require.NotNil(t, inv)
	assert.Equal(t, "olga", inv.Login)
	assert.Equal(t, role.Triage, inv.Role)
	assert.True(t, inv.InviterBot, "sent by the App")
	assert.Equal(t, "permsync[bot]", inv.Inviter)
	g, pending, err = c.UserGrant(ctx, "acme", "widgets", "olga")
	require.NoError(t, err)
	assert.Nil(t, g)
	require.NotNil(t, pending)
	assert.Equal(t, inv.ID, pending.ID)

	// The invitation's role changes in place.
	require.NoError(t, c.UpdateInvitation(ctx, "acme", "widgets", inv.ID, role.Maintain))
	invs := srv.Invitations("acme", "widgets")
	require.Len(t, invs, 1)
	assert.Equal(t, ghsim.RoleMaintain, invs[0].Role)

	// Withdrawn.
	require.NoError(t, c.DeleteInvitation(ctx, "acme", "widgets", inv.ID))
	assert.Empty(t, srv.Invitations("acme", "widgets"))
	err = c.DeleteInvitation(ctx, "acme", "widgets", inv.ID)
	require.Error(t, err)
	assert.True(t, NotApplied(err), "a 404 without an earlier attempt")
	assert.ErrorIs(t, err, ErrNotFound)

	// Removed.
	require.NoError(t, c.RemoveUserGrant(ctx, "acme", "widgets", "bob"))
	_, has := srv.Collaborators("acme", "widgets")["bob"]
	assert.False(t, has)
	g, pending, err = c.UserGrant(ctx, "acme", "widgets", "bob")
	require.NoError(t, err)
	assert.Nil(t, g)
	assert.Nil(t, pending)

	// A grant below the base role is refused, and certainly not applied.
	_, err = c.SetUserGrant(ctx, "acme", "widgets", "carol", role.None)
	require.Error(t, err)
	assert.True(t, NotApplied(err))
	srv.SetBaseRole("acme", ghsim.RoleWrite)
	_, err = c.SetUserGrant(ctx, "acme", "widgets", "carol", role.Read)
	require.Error(t, err)
	assert.Equal(t, KindValidation, KindOf(err))
	assert.True(t, NotApplied(err))
	assert.Contains(t, err.Error(), "PUT /repos/acme/widgets/collaborators/carol: 422")
}

func TestExpiredInvitation(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddInvitation("acme", "widgets", "olga", ghsim.RoleWrite, ghsim.InvitationOptions{Inviter: "root", CreatedAt: srv.Now().Add(-8 * 24 * time.Hour)})
	c, _ := tokenClient(t, srv)
	_, inv, err := c.UserGrant(ctxT(t), "acme", "widgets", "olga")
	require.NoError(t, err)
	require.NotNil(t, inv)
	assert.True(t, inv.Expired)
	assert.Equal(t, "root", inv.Inviter)
	assert.False(t, inv.InviterBot)
}

func TestTeamGrantWrites(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddTeam("acme", "core", ghsim.TeamOptions{})
	c, _, _ := appClient(t, srv)
	ctx := ctxT(t)

	g, err := c.TeamGrant(ctx, "acme", "widgets", "core")
	require.NoError(t, err)
	assert.Nil(t, g)

	require.NoError(t, c.SetTeamGrant(ctx, "acme", "widgets", "core", role.Triage))
	g, err = c.TeamGrant(ctx, "acme", "widgets", "core")
	require.NoError(t, err)
	assert.Equal(t, &state.TeamGrant{Slug: "core", Role: role.Triage}, g)
	assert.Equal(t, ghsim.RoleTriage, srv.TeamRepos("acme", "widgets")["core"])

	require.NoError(t, c.SetTeamGrant(ctx, "acme", "widgets", "core", role.Maintain))
	g, err = c.TeamGrant(ctx, "acme", "widgets", "core")
	require.NoError(t, err)
	assert.Equal(t, role.Maintain, g.Role)

	require.NoError(t, c.RemoveTeamGrant(ctx, "acme", "widgets", "core"))
	assert.Empty(t, srv.TeamRepos("acme", "widgets"))
	g, err = c.TeamGrant(ctx, "acme", "widgets", "core")
	require.NoError(t, err)
	assert.Nil(t, g)
}

func TestUserExists(t *testing.T) {
	t.Parallel()
	srv := world(t)
	c, _ := tokenClient(t, srv)
	login, ok, err := c.UserExists(ctxT(t), "OLGA")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "olga", login)
	_, ok, err = c.UserExists(ctxT(t), "nobody-here")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestMutationsAreSerialAndSpaced(t *testing.T) {
	t.Parallel()
	srv := world(t)
	var slept []time.Duration
	c, _ := tokenClient(t, srv, func(o *Options) {
		o.MutationInterval = 2 * time.Second
		sleep := o.Sleep
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			slept = append(slept, d)
			return sleep(ctx, d)
		}
	})
	ctx := ctxT(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		_, err := c.SetUserGrant(ctx, "acme", "widgets", u, role.Write)
		require.NoError(t, err)
	}
	require.Len(t, slept, 2, "the second and third writes wait")
	for _, d := range slept {
		assert.InDelta(t, 2*time.Second, d, float64(500*time.Millisecond))
	}
}

func TestUserGrantOfUnknownUser(t *testing.T) {
	t.Parallel()
	srv := world(t)
	c, _ := tokenClient(t, srv)
	g, inv, err := c.UserGrant(ctxT(t), "acme", "widgets", "no-such-user-here")
	require.NoError(t, err)
	assert.Nil(t, g)
	assert.Nil(t, inv)
	_, _, err = c.UserGrant(ctxT(t), "acme", "no-such-repo", "bob")
	require.Error(t, err)
	assert.Equal(t, KindNotFound, KindOf(err))
}
