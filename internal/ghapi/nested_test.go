package ghapi

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// TestNestedTeamGrantsAgree: the plan's read (GraphQL, whether
// Team.repositories includes inherited repositories or not; or the REST
// fallback, with or without access_source) and apply's re-read (the check
// endpoint) give each team the same grant: its own or what it inherits,
// whichever is higher.
func TestNestedTeamGrantsAgree(t *testing.T) {
	t.Parallel()
	want := []state.TeamGrant{
		{Slug: "core", Role: role.Write},
		{Slug: "core-docs", Role: role.Write, Inherited: "core"}, // own read, below the inherited write
		{Slug: "core-js", Role: role.Maintain},
		{Slug: "core-js-ui", Role: role.Maintain, Inherited: "core-js"},
		{Slug: "core-qa", Role: role.Write, Inherited: "core"}, // inherits only
	}
	for _, f := range []ghsim.Fidelity{{}, {TeamReposInherited: true}, {RepoTeamsNoAccessSource: true}} {
		for _, viaREST := range []bool{false, true} {
			t.Run(fmt.Sprintf("%+v/rest=%v", f, viaREST), func(t *testing.T) {
				t.Parallel()
				srv := world(t, ghsim.WithFidelity(f))
				srv.AddTeam("acme", "core", ghsim.TeamOptions{})
				for _, slug := range []string{"core-docs", "core-js", "core-qa"} {
					srv.AddTeam("acme", slug, ghsim.TeamOptions{Parent: "core"})
				}
				srv.AddTeam("acme", "core-js-ui", ghsim.TeamOptions{Parent: "core-js"})
				srv.AddTeam("acme", "other", ghsim.TeamOptions{})
				srv.SetTeamRepo("acme", "core", "widgets", ghsim.RoleWrite)
				srv.SetTeamRepo("acme", "core-docs", "widgets", ghsim.RoleRead)
				srv.SetTeamRepo("acme", "core-js", "widgets", ghsim.RoleMaintain)
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
				w := o.Repo("widgets")
				require.True(t, w.Readable(), w.ReadError)
				assert.Equal(t, want, w.Teams)
				for _, g := range want {
					got, err := c.TeamGrant(ctxT(t), "acme", "widgets", g.Slug)
					require.NoError(t, err)
					require.NotNil(t, got, g.Slug)
					// What apply compares: the role.
					assert.Equal(t, g.Role, got.Role, "%s: the re-read agrees with the plan", g.Slug)
					assert.Equal(t, g.RoleName, got.RoleName, g.Slug)
				}
				got, err := c.TeamGrant(ctxT(t), "acme", "widgets", "other")
				require.NoError(t, err)
				assert.Nil(t, got)
			})
		}
	}
}
