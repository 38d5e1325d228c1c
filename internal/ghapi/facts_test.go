package ghapi

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim/ghsimtest"
)

// factsWorld: an org on the free plan that requires two-factor
// authentication, with a private repository (no branch protection on this
// plan), a disabled one, a public one, a collaborator and an invitation.
func factsWorld(t *testing.T) (*ghsim.Server, int64, int64) {
	srv := ghsimtest.NewServer(t)
	srv.AddOrg("acme", ghsim.OrgOptions{BaseRole: ghsim.RoleRead, Plan: ghsim.PlanFree, TwoFactorRequired: true})
	srv.AddMember("acme", "root", true)
	bob := srv.AddUser("bob")
	srv.AddMember("acme", "bob", false)
	olga := srv.AddUser("olga")
	srv.AddRepo("acme", "secret", ghsim.RepoOptions{Private: true})
	srv.AddRepo("acme", "frozen", ghsim.RepoOptions{Disabled: true})
	srv.AddRepo("acme", "open", ghsim.RepoOptions{})
	srv.SetCollaborator("acme", "open", "bob", ghsim.RoleMaintain)
	srv.AddInvitation("acme", "open", "olga", ghsim.RoleWrite, ghsim.InvitationOptions{})
	return srv, bob, olga
}

// TestReadFactsThePlanNeeds: whether a repository is disabled, whether
// its plan offers branch protection, whether the org requires two-factor
// authentication, and account ids, read with the queries a read already
// sends (GraphQL and the REST fallback alike).
func TestReadFactsThePlanNeeds(t *testing.T) {
	t.Parallel()
	for _, viaREST := range []bool{false, true} {
		srv, bob, olga := factsWorld(t)
		c, logs := tokenClient(t, srv, func(o *Options) {
			if viaREST {
				o.Transport = &lackingField{field: "permissionSources", typ: "RepositoryCollaboratorEdge", next: http.DefaultTransport}
			}
		})
		o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
		require.NoError(t, err)
		if viaREST {
			require.Contains(t, logs.String(), "REST API instead")
		}
		require.NotNil(t, o.TwoFactorRequired, "rest=%v", viaREST)
		assert.True(t, *o.TwoFactorRequired)
		assert.False(t, o.BaseRoleUnread)

		secret, frozen, open := o.Repo("secret"), o.Repo("frozen"), o.Repo("open")
		require.True(t, secret.Readable(), "rest=%v: %s", viaREST, secret.ReadError)
		assert.True(t, secret.ProtectionUnavailable, "rest=%v", viaREST)
		assert.False(t, open.ProtectionUnavailable)
		assert.True(t, frozen.Disabled, "rest=%v", viaREST)
		assert.False(t, open.Disabled)

		require.Len(t, open.Users, 1)
		assert.Equal(t, bob, open.Users[0].ID, "rest=%v", viaREST)
		require.Len(t, open.Invitations, 1)
		assert.Equal(t, olga, open.Invitations[0].UserID)
	}
}

// TestReadBaseRoleUnread: a token GitHub does not show the base role to
// says so in the state rather than passing "none" off as read.
func TestReadBaseRoleUnread(t *testing.T) {
	t.Parallel()
	srv := world(t)
	c, _ := tokenClientAs(t, srv, "alice")
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: []string{"widgets"}})
	require.NoError(t, err)
	assert.True(t, o.BaseRoleUnread)
	assert.Nil(t, o.TwoFactorRequired, "not shown to a member: unknown, not false")

	c, _ = tokenClient(t, srv)
	o, err = c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: []string{"widgets"}})
	require.NoError(t, err)
	assert.False(t, o.BaseRoleUnread)
	require.NotNil(t, o.TwoFactorRequired)
	assert.False(t, *o.TwoFactorRequired)
}

// TestProtectionUnavailableWithoutPlan: an App without the organization
// plan permission is not shown the plan; one protection read of a private
// repository (GitHub's 403 "Upgrade to GitHub Pro…") tells, at the cost
// of exactly one request, and only when some repository is private.
func TestProtectionUnavailableWithoutPlan(t *testing.T) {
	t.Parallel()
	for _, plan := range []ghsim.Plan{ghsim.PlanFree, ghsim.PlanTeam} {
		srv, _, _ := factsWorld(t)
		if plan != ghsim.PlanFree {
			srv = ghsimtest.NewServer(t)
			srv.AddOrg("acme", ghsim.OrgOptions{Plan: plan})
			srv.AddMember("acme", "root", true)
			srv.AddRepo("acme", "secret", ghsim.RepoOptions{Private: true})
			srv.AddRepo("acme", "open", ghsim.RepoOptions{})
		}
		perms := ghsim.Permissions{"administration": "read", "members": "read"}
		c, _ := appClientPerms(t, srv, 6001, perms)
		o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
		require.NoError(t, err)
		assert.Equal(t, plan == ghsim.PlanFree, o.Repo("secret").ProtectionUnavailable, plan)
		assert.False(t, o.Repo("open").ProtectionUnavailable)
		probes := srv.Stats().ByRoute["GET /repos/{owner}/{repo}/branches/{branch}/protection"]
		assert.Equal(t, int64(1), probes, "one probe per read")

		// The plan shown (organization plan permission): no probe.
		c, _ = appClientPerms(t, srv, 6002, ghsim.Permissions{"administration": "read", "members": "read", "organization_plan": "read"})
		o, err = c.ReadOrg(ctxT(t), "acme", ReadOptions{})
		require.NoError(t, err)
		assert.Equal(t, plan == ghsim.PlanFree, o.Repo("secret").ProtectionUnavailable, plan)
		assert.Equal(t, int64(1), srv.Stats().ByRoute["GET /repos/{owner}/{repo}/branches/{branch}/protection"], "no probe")
	}
}
