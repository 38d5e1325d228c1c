package importer

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

func TestImportThenPlanIsEmpty(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	org := &state.Org{Name: "acme", BaseRole: role.Read, Owners: []string{"boss"}, Members: []string{"alice", "bob", "boss"},
		Teams: []*state.Team{{Slug: "core", Members: []string{"alice"}}, {Slug: "docs", Members: []string{"bob"}}}}
	r := &state.Repo{Org: "acme", Name: "widget", DefaultBranch: "main",
		Users:       []state.UserGrant{{Login: "alice", Role: role.Maintain}, {Login: "bob", Role: role.Triage}, {Login: "odd", Role: role.Write, RoleName: "security-manager"}},
		Invitations: []state.Invitation{{ID: 1, Login: "newbie", Role: role.Write}, {ID: 2, Login: "lapsed", Role: role.Read, Expired: true}},
		Teams:       []state.TeamGrant{{Slug: "core", Role: role.Admin}, {Slug: "docs", Role: role.Read}},
		Protection: []state.BranchProtection{{Branch: "main", Protected: true, EnforceAdmins: true,
			StatusChecks: &state.StatusChecks{Strict: true, Checks: []state.Check{{Context: "EasyCLA", AppID: -1}, {Context: "build", AppID: 15368}}},
			Reviews:      &state.Reviews{Count: 2}}},
	}
	bare := &state.Repo{Org: "acme", Name: "bare", DefaultBranch: "main", Protection: []state.BranchProtection{{Branch: "main"}}}
	weak := &state.Repo{Org: "acme", Name: "weak", DefaultBranch: "main",
		Protection: []state.BranchProtection{{Branch: "main", Protected: true, Reviews: &state.Reviews{Count: 0}}}}
	org.Repos = []*state.Repo{bare, weak, r}
	org.Sort()

	files := fstest.MapFS{"acme.yaml": {Data: OrgFile("acme")}}
	var allNotes []string
	for _, repo := range org.Repos {
		data, notes := RepoFile(org, repo, config.DefaultPolicy(), now)
		files["acme/"+repo.Name+".yaml"] = &fstest.MapFile{Data: data}
		allNotes = append(allNotes, notes...)
	}
	assert.Equal(t, `# acme/widget: imported from GitHub by permsync import on 2026-11-27.
# Each role lists direct grants; access through org ownership, the base role
# or a parent team is not written here.
admin:
  teams: [core]
maintain:
  users: [alice]
write:
  users: [newbie]
triage:
  users: [bob]
read:
  teams: [docs]
branch_protection:
  main:
    required_status_checks:
      - EasyCLA
      - {context: build, app_id: 15368}
    strict: true
    enforce_admins: true
    required_approving_review_count: 2
`, string(files["acme/widget.yaml"].Data))
	assert.Len(t, allNotes, 2, "custom role and reviews below the floor are explained: %v", allNotes)

	cfg, diags := config.Load(files, "permissions")
	require.False(t, diags.HasErrors(), "%v", diags)
	targets, err := reconcile.Select(cfg, "", nil)
	require.NoError(t, err)
	p := reconcile.Diff(reconcile.Input{Targets: targets, Actual: map[string]*state.Org{"acme": org}, Now: now})
	assert.Empty(t, p.Changes)
	assert.Empty(t, p.Refusals)
	assert.Empty(t, p.Errors)
}

func TestRepoFileWritesPinnedEntries(t *testing.T) {
	org := &state.Org{Name: "acme"}
	r := &state.Repo{Org: "acme", Name: "w",
		Users:       []state.UserGrant{{Login: "alice", ID: 583231, Role: role.Write}, {Login: "bob", Role: role.Write}},
		Invitations: []state.Invitation{{Login: "carol", UserID: 77, Role: role.Read}}}
	data, _ := RepoFile(org, r, config.DefaultPolicy(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	require.Contains(t, string(data), "users: [{login: alice, id: 583231}, bob]")
	require.Contains(t, string(data), "users: [{login: carol, id: 77}]")
}
