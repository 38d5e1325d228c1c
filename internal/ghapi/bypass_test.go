package ghapi

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// appClientPerms is a Client acting as an App installed on acme with perms.
func appClientPerms(t testing.TB, srv *ghsim.Server, id int64, perms ghsim.Permissions, mod ...func(*Options)) (*Client, *logBuf) {
	t.Helper()
	k, pemText := testKey(t)
	appID := srv.AddApp(ghsim.AppOptions{ID: id, Slug: fmt.Sprintf("app%d", id), PublicKey: &k.PublicKey, Permissions: perms})
	srv.Install(appID, "acme", nil)
	creds, err := AppCredentials(appID, pemText, 0)
	require.NoError(t, err)
	logs := &logBuf{}
	o := Options{APIURL: srv.URL(), Credentials: creds, Logf: logs.Logf, MutationInterval: -1}
	fakeTime(srv, &o)
	for _, m := range mod {
		m(&o)
	}
	c, err := New(context.Background(), o)
	require.NoError(t, err)
	return c, logs
}

// bypassWorld: an org ruleset requiring EasyCLA from App 1003 that only
// org admins may bypass, and a repository ruleset requiring EasyCLA from
// any source that the maintain role may bypass.
func bypassWorld(t *testing.T, f ghsim.Fidelity) (*ghsim.Server, int64, int64) {
	srv := world(t, ghsim.WithFidelity(f))
	org := srv.AddRuleset("acme", "", ghsim.Ruleset{Name: "cla", Include: []string{"~DEFAULT_BRANCH"}, RepoInclude: []string{"~ALL"},
		Rules:        []ghsim.Rule{ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA", AppID: 1003})},
		BypassActors: []ghsim.BypassActor{{ActorType: "OrganizationAdmin", BypassMode: "always"}}})
	repo := srv.AddRuleset("acme", "widgets", ghsim.Ruleset{Name: "loose", Include: []string{"~DEFAULT_BRANCH"},
		Rules:        []ghsim.Rule{ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA"})},
		BypassActors: []ghsim.BypassActor{{ActorType: "RepositoryRole", ActorID: 2, BypassMode: "always"}}})
	return srv, org, repo
}

// TestRulesetBypassReadInEveryRead: a plan's read (not only an audit's)
// reads who may bypass each ruleset. A token without write access to a
// ruleset is not shown its bypass list (REST omits bypass_actors; GraphQL
// answers null, with or without an error): that ruleset's list is unread
// and it cannot stand in for classic protection. Under both GraphQL
// answers and through the REST fallback.
func TestRulesetBypassReadInEveryRead(t *testing.T) {
	t.Parallel()
	for _, hiddenErr := range []bool{false, true} {
		for _, viaREST := range []bool{false, true} {
			t.Run(fmt.Sprintf("error=%v/rest=%v", hiddenErr, viaREST), func(t *testing.T) {
				t.Parallel()
				srv, orgRS, repoRS := bypassWorld(t, ghsim.Fidelity{BypassHiddenError: hiddenErr})
				mod := func(o *Options) {}
				if viaREST {
					mod = func(o *Options) {
						o.Transport = &lackingField{field: "permissionSources", typ: "RepositoryCollaboratorEdge", next: http.DefaultTransport}
					}
				}
				read := func(c *Client) *state.Repo {
					o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{})
					require.NoError(t, err)
					w := o.Repo("widgets")
					require.True(t, w.Readable(), w.ReadError)
					require.Len(t, w.Rulesets, 2)
					return w
				}
				byID := func(w *state.Repo, id int64) state.Ruleset {
					for _, rs := range w.Rulesets {
						if rs.ID == id {
							return rs
						}
					}
					t.Fatalf("ruleset %d not read", id)
					return state.Ruleset{}
				}

				// A writer of both rulesets sees both lists.
				writer, logs := appClientPerms(t, srv, 5001, ghsim.Permissions{"administration": "write", "members": "read", "organization_administration": "write"}, mod)
				w := read(writer)
				if viaREST {
					require.Contains(t, logs.String(), "REST API instead")
				}
				cla, loose := byID(w, orgRS), byID(w, repoRS)
				assert.True(t, cla.BypassRead)
				assert.Equal(t, []state.BypassActor{{Kind: "OrganizationAdmin", Mode: "always"}}, cla.Bypass)
				assert.True(t, loose.BypassRead)
				require.Len(t, loose.Bypass, 1)
				assert.Equal(t, "RepositoryRole", loose.Bypass[0].Kind)
				assert.True(t, loose.BypassBelowOwner())
				_, ok := w.FloorStandIn("EasyCLA", 1003, "main")
				assert.True(t, ok, "the org ruleset, pinned and owner-only, stands in")
				ok, why := loose.StandsIn("EasyCLA", 0, "main", "main")
				assert.False(t, ok)
				assert.Contains(t, why, "bypassed by someone below an org owner")

				// Repository administration write, organization
				// administration read: the org ruleset's list is hidden.
				repoAdmin, logs := appClientPerms(t, srv, 5002, ghsim.Permissions{"administration": "write", "members": "read", "organization_administration": "read"}, mod)
				w = read(repoAdmin)
				cla, loose = byID(w, orgRS), byID(w, repoRS)
				assert.False(t, cla.BypassRead, "hidden from a token that cannot write the org ruleset")
				assert.Empty(t, cla.Bypass)
				assert.Equal(t, []state.Check{{Context: "EasyCLA", AppID: 1003}}, cla.RequiredChecks, "the rules are still read")
				assert.True(t, loose.BypassRead)
				_, ok = w.FloorStandIn("EasyCLA", 1003, "main")
				assert.False(t, ok, "a hidden bypass list never stands in")
				ok, why = cla.StandsIn("EasyCLA", 1003, "main", "main")
				assert.False(t, ok)
				assert.Contains(t, why, "bypass list the token cannot read")
				if !viaREST {
					assert.Contains(t, logs.String(), "did not show who may bypass 1 rulesets")
				}

				// A reader App (what a pull request's plan runs with).
				reader, _ := appClientPerms(t, srv, 5003, ghsim.Permissions{"administration": "read", "members": "read", "organization_administration": "read"}, mod)
				w = read(reader)
				for _, rs := range w.Rulesets {
					assert.False(t, rs.BypassRead, rs.Name)
					assert.Empty(t, rs.Bypass, rs.Name)
					assert.True(t, rs.BypassBelowOwner(), rs.Name)
				}
			})
		}
	}
}

// TestReadWithoutBypassActorsField: a server whose schema has no
// RepositoryRuleset.bypassActors (older GitHub Enterprise Server) is
// still read through GraphQL, and every bypass list counts as unread.
func TestReadWithoutBypassActorsField(t *testing.T) {
	t.Parallel()
	srv, orgRS, _ := bypassWorld(t, ghsim.Fidelity{})
	c, logs := tokenClient(t, srv, func(o *Options) {
		o.Transport = &lackingField{field: "bypassActors", typ: "RepositoryRuleset", next: http.DefaultTransport}
	})
	o, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Audit: true})
	require.NoError(t, err)
	assert.NotContains(t, logs.String(), "REST API instead")
	assert.Contains(t, logs.String(), "no RepositoryRuleset.bypassActors")
	w := o.Repo("widgets")
	require.True(t, w.Readable(), w.ReadError)
	require.Len(t, w.Rulesets, 2)
	for _, rs := range w.Rulesets {
		assert.False(t, rs.BypassRead, rs.Name)
		assert.NotEmpty(t, rs.RequiredChecks, "the rules are read")
		if rs.ID == orgRS {
			ok, why := rs.StandsIn("EasyCLA", 1003, "main", "main")
			assert.False(t, ok)
			assert.Contains(t, why, "cannot read")
		}
	}
}
