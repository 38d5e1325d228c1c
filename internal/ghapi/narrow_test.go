package ghapi

import (
	"testing"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTokenNarrowedToAMissingRepository: GitHub refuses (422) to narrow an
// installation token to a repository that does not exist. A file naming a
// deleted, renamed or mistyped repository must make that repository an
// error, not the whole run: the token falls back to the permissions alone.
func TestTokenNarrowedToAMissingRepository(t *testing.T) {
	t.Parallel()
	srv := world(t)
	c, logs, _ := appClient(t, srv, func(o *Options) {
		o.Permissions = map[string]string{"administration": "write", "members": "read", "metadata": "read"}
		o.Repositories = []string{"acme/widgets", "acme/gone"}
	})
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: []string{"widgets", "gone"}})
	require.NoError(t, err, logs.String())
	require.NotNil(t, o.Repo("widgets"))
	assert.False(t, o.Repo("widgets").NotFound)
	assert.Empty(t, o.Repo("widgets").ReadError)
	require.NotNil(t, o.Repo("gone"))
	assert.True(t, o.Repo("gone").NotFound)
	assert.Contains(t, logs.String(), "narrowed to the permissions only")

	// Writes go on with the wider token.
	_, err = c.SetUserGrant(ctxT(t), "acme", "widgets", "alice", role.Write)
	require.NoError(t, err)
	assert.Equal(t, ghsim.RoleWrite, srv.Collaborators("acme", "widgets")["alice"])
}
