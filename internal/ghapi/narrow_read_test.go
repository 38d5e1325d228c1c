package ghapi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim/ghsimtest"
	"github.com/AcademySoftwareFoundation/permsync/internal/httpcache"
	"github.com/AcademySoftwareFoundation/permsync/internal/importer"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// bigOrg generates a 1,000-repository org with 150 teams (nested), 460
// members (five pages of the member list), a team holding read on every
// repository (ten pages of its repositories) with a child team, and
// pending invitations.
func bigOrg(t *testing.T, f ghsim.Fidelity) (*ghsim.Server, *ghsim.GenOrg) {
	t.Helper()
	srv := ghsimtest.NewServer(t, ghsim.WithFidelity(f))
	gen := ghsim.GenerateOrg(srv, ghsim.GenSpec{Org: "acme", Repos: 1000, DirectCollaborators: 30, TeamGrants: 3, Teams: 150, Protection: true, Rulesets: true, Seed: 13})
	for i := range 400 {
		srv.AddMember("acme", fmt.Sprintf("extra%03d", i), false)
	}
	srv.AddTeam("acme", "everyone", ghsim.TeamOptions{})
	srv.AddTeam("acme", "everyone-bots", ghsim.TeamOptions{Parent: "everyone"})
	srv.AddTeamMember("acme", "everyone", "extra001", "member")
	srv.AddTeamMember("acme", "everyone-bots", "extra002", "member")
	for _, r := range gen.Repos {
		srv.SetTeamRepo("acme", "everyone", r.Name, ghsim.RoleRead)
	}
	return srv, gen
}

// narrowRepos picks k repositories: the first with a pending invitation,
// then others.
func narrowRepos(gen *ghsim.GenOrg, k int) []string {
	var out []string
	for _, r := range gen.Repos {
		if len(r.Invitations) > 0 && !r.Archived {
			out = append(out, r.Name)
			break
		}
	}
	for i := 0; len(out) < k; i += 97 {
		if r := gen.Repos[i]; !r.Archived && r.Name != out[0] {
			out = append(out, r.Name)
		}
	}
	return out
}

var narrowEditReviews = regexp.MustCompile(`(?m)^(    required_approving_review_count: )(\d+)$`)

// narrowTargets writes the files import would write for names from a full
// read, then edits them as a pull request would: one member and one
// outside collaborator more, a team without a grant added, a team that
// only inherits raised, one more review.
func narrowTargets(t *testing.T, full *state.Org, names, outsiders []string, now time.Time) []reconcile.Target {
	t.Helper()
	fsys := fstest.MapFS{"acme.yaml": {Data: importer.OrgFile("acme")}}
	for i, name := range names {
		r := full.Repo(name)
		require.NotNil(t, r, name)
		data, _ := importer.RepoFile(full, r, config.DefaultPolicy(), now)
		s := string(data)
		if i == 0 {
			s += "\n# edited\n"
			s = narrowEditReviews.ReplaceAllString(s, "${1}3")
			s = addEntry(t, s, "triage", "users", "extra300")
			for _, o := range outsiders {
				if !strings.Contains(s, o+",") && !strings.Contains(s, o+"]") {
					s = addEntry(t, s, "read", "users", o)
					break
				}
			}
			// The child team that only inherits read is raised.
			s = strings.Replace(s, "everyone-bots, ", "", 1)
			s = addEntry(t, s, "write", "teams", "everyone-bots")
			require.NotContains(t, s, "team-140")
			s = addEntry(t, s, "maintain", "teams", "team-140")
		}
		fsys["acme/"+name+".yaml"] = &fstest.MapFile{Data: []byte(s)}
	}
	cfg, diags := config.Load(fsys, "permissions")
	require.False(t, diags.HasErrors(), "%v", diags.Filter(config.SevError))
	targets, err := reconcile.Select(cfg, "", nil)
	require.NoError(t, err)
	return targets
}

// addEntry adds a principal to a role's list in an imported file (the
// importer writes each role as "role:" then "  users: [...]" / "  teams:
// [...]", or "role: {}").
func addEntry(t *testing.T, file, roleName, kind, name string) string {
	t.Helper()
	lines := strings.Split(file, "\n")
	for i, l := range lines {
		if l == roleName+": {}" {
			lines[i] = roleName + ":\n  " + kind + ": [" + name + "]"
			return strings.Join(lines, "\n")
		}
		if l != roleName+":" {
			continue
		}
		for j := i + 1; j < len(lines) && strings.HasPrefix(lines[j], "  "); j++ {
			if strings.HasPrefix(lines[j], "  "+kind+": [") {
				lines[j] = strings.Replace(lines[j], "[", "["+name+", ", 1)
				return strings.Join(lines, "\n")
			}
		}
		lines[i] = roleName + ":\n  " + kind + ": [" + name + "]"
		return strings.Join(lines, "\n")
	}
	return file + "\n" + roleName + ":\n  " + kind + ": [" + name + "]\n"
}

// narrowOptions are what plan asks for: the files' repositories, with the
// teams and logins they name.
func narrowOptions(targets []reconcile.Target) ReadOptions {
	ro := ReadOptions{Narrow: true}
	for _, tg := range targets {
		ro.Repos, ro.Branches = tg.RepoNames(), tg.Branches()
		for _, r := range tg.Repos {
			for _, g := range r.Grants {
				if g.Kind == config.Team {
					ro.Teams = append(ro.Teams, g.Name)
				} else {
					ro.Logins = append(ro.Logins, g.Name)
				}
			}
		}
	}
	return ro
}

// appRun is a new run of the App appClient installed (a new installation
// token).
func appRun(t *testing.T, srv *ghsim.Server) *Client {
	t.Helper()
	return appRunCached(t, srv, nil)
}

// appRunCached is appRun through a conditional-request cache.
func appRunCached(t *testing.T, srv *ghsim.Server, cache *httpcache.Cache) *Client {
	t.Helper()
	_, pemText := testKey(t)
	creds, err := AppCredentials(4242, pemText, 0)
	require.NoError(t, err)
	o := Options{APIURL: srv.URL(), Credentials: creds, MutationInterval: -1}
	if cache != nil {
		o.Cache = cache.Wrap
	}
	fakeTime(srv, &o)
	c, err := New(ctxT(t), o)
	require.NoError(t, err)
	return c
}

func planJSON(t *testing.T, targets []reconcile.Target, o *state.Org, now time.Time) string {
	t.Helper()
	p := reconcile.Diff(reconcile.Input{Dir: "permissions", Targets: targets, Actual: map[string]*state.Org{"acme": o},
		UnknownUsers: map[string]bool{}, Now: now})
	b, err := json.MarshalIndent(p, "", " ")
	require.NoError(t, err)
	return string(b)
}

// TestNarrowReadCostsKPlusTen: a pull request's plan of k repositories in
// a 1,000-repository org (150 teams, 460 members, a team on every
// repository) reads GitHub in at most k + 10 requests cold, the App's
// token included, for k = 1 and 5; and plans exactly what the full read
// plans (the same changes, effects, notices and digests), whether GraphQL
// Team.repositories lists inherited repositories or not.
func TestNarrowReadCostsKPlusTen(t *testing.T) {
	t.Parallel()
	if raceEnabled {
		t.Skip("counts, not races: 1,000 generated repositories are slow under -race")
	}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, f := range []ghsim.Fidelity{{}, {TeamReposInherited: true}} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			t.Parallel()
			srv, gen := bigOrg(t, f)
			for _, k := range []int{1, 5} {
				names := narrowRepos(gen, k)
				require.Len(t, names, k)
				if k == 1 {
					appClient(t, srv) // installs the App
				}
				c := appRun(t, srv)
				full, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: names})
				require.NoError(t, err)
				fullCost := c.Stats().Requests
				targets := narrowTargets(t, full, names, gen.Outside, now)
				ro := narrowOptions(targets)
				// The files' branches only: the full read was of the same.
				full, err = c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: ro.Repos, Branches: ro.Branches})
				require.NoError(t, err)

				// A new run of the App: its installation token is counted.
				cn := appRun(t, srv)
				srv.ResetStats()
				narrow, err := cn.ReadOrg(ctxT(t), "acme", ro)
				require.NoError(t, err)
				st := cn.Stats()
				server := srv.Stats()
				t.Logf("k=%d: %d requests (full read: %d), %d GraphQL points: %v", k, st.Requests, fullCost, st.GraphQLPoints, server.ByRoute)
				assert.LessOrEqual(t, st.Requests, int64(k+10), "k=%d: requests", k)
				assert.Equal(t, int64(k), server.ByRoute["GET /repos/{owner}/{repo}/invitations"], "one invitations list per repository")
				assert.Zero(t, server.ByRoute["GET /orgs/{org}/teams"], "no team paging")

				for _, name := range names {
					assert.Equal(t, full.Repo(name), narrow.Repo(name), name)
				}
				for _, slug := range []string{"everyone", "everyone-bots", "team-140"} {
					require.NotNil(t, narrow.Team(slug), slug)
					assert.Equal(t, full.Team(slug), narrow.Team(slug), slug)
				}
				for _, login := range append([]string{"extra300", "extra001", "extra002", gen.Owners[0]}, gen.Outside...) {
					assert.Equal(t, full.IsMember(login), narrow.IsMember(login), login)
				}
				assert.Equal(t, full.Owners, narrow.Owners)
				want, got := planJSON(t, targets, full, now), planJSON(t, targets, narrow, now)
				assert.Contains(t, want, `"kind": "team_add"`)
				assert.Contains(t, want, `"user": "extra300"`)
				assert.Equal(t, want, got, "the narrow read plans what the full read plans")
			}
		})
	}
}

// TestNarrowReadAgreesUnderEveryFidelity: on a small org with nested teams
// (a child that only inherits, one whose own grant is below its parent's,
// a grandchild), a narrow read of one repository gives the full read's
// repository, the same members for every team holding a grant on it and
// for a team the files name, and the same membership for its logins,
// however the server answers where GitHub's documentation leaves it open.
func TestNarrowReadAgreesUnderEveryFidelity(t *testing.T) {
	t.Parallel()
	for _, f := range []ghsim.Fidelity{{}, {TeamReposInherited: true}, {NullRoleName: true}, {ReducedSchema: true}, {BypassHiddenError: true}} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			t.Parallel()
			srv := world(t, ghsim.WithFidelity(f))
			srv.AddTeam("acme", "core", ghsim.TeamOptions{})
			srv.AddTeam("acme", "core-docs", ghsim.TeamOptions{Parent: "core"})
			srv.AddTeam("acme", "core-qa", ghsim.TeamOptions{Parent: "core"})
			srv.AddTeam("acme", "core-qa-bots", ghsim.TeamOptions{Parent: "core-qa"})
			srv.AddTeam("acme", "other", ghsim.TeamOptions{})
			srv.AddTeam("acme", "unrelated", ghsim.TeamOptions{})
			srv.AddMember("acme", "dave", false)
			srv.AddTeamMember("acme", "unrelated", "dave", "member")
			srv.AddTeamMember("acme", "core", "alice", "maintainer")
			srv.AddTeamMember("acme", "core-qa-bots", "bob", "member")
			srv.AddTeamMember("acme", "other", "carol", "member")
			srv.SetTeamRepo("acme", "core", "widgets", ghsim.RoleWrite)
			srv.SetTeamRepo("acme", "core-docs", "widgets", ghsim.RoleRead)
			srv.SetCollaborator("acme", "widgets", "olga", ghsim.RoleMaintain)
			srv.SetCollaborator("acme", "widgets", "carol", ghsim.RoleTriage)
			srv.AddUser("ivan")
			srv.AddInvitation("acme", "widgets", "ivan", ghsim.RoleRead, ghsim.InvitationOptions{Inviter: "root"})
			srv.AddRuleset("acme", "", ghsim.Ruleset{Name: "cla", Include: []string{"~DEFAULT_BRANCH"}, RepoInclude: []string{"~ALL"},
				Rules: []ghsim.Rule{ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA"})}})
			c, _ := tokenClient(t, srv)
			full, err := c.ReadOrg(ctxT(t), "acme", ReadOptions{Repos: []string{"widgets"}, Branches: map[string][]string{"widgets": {"dev"}}})
			require.NoError(t, err)
			ro := ReadOptions{Repos: []string{"widgets"}, Branches: map[string][]string{"widgets": {"dev"}}, Narrow: true,
				Teams: []string{"Other"}, Logins: []string{"nina", "bob", "ivan"}}
			narrow, err := c.ReadOrg(ctxT(t), "acme", ro)
			require.NoError(t, err)
			require.True(t, narrow.Repo("widgets").Readable(), narrow.Repo("widgets").ReadError)
			assert.Equal(t, full.Repo("widgets"), narrow.Repo("widgets"))
			assert.Len(t, narrow.Repo("widgets").Teams, 4, "core, core-docs, core-qa, core-qa-bots")
			for _, slug := range []string{"core", "core-docs", "core-qa", "core-qa-bots", "other"} {
				assert.Equal(t, full.Team(slug), narrow.Team(slug), slug)
			}
			for _, login := range []string{"nina", "bob", "ivan", "olga", "carol", "alice", "root"} {
				assert.Equal(t, full.IsMember(login), narrow.IsMember(login), login)
			}
			assert.Len(t, narrow.Teams, len(full.Teams), "every team is listed, read or not")
			assert.Nil(t, narrow.Team("unrelated").Members, "a team no repository of the read concerns is not read")
		})
	}
}
