package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// TestE2ENestedTeamsConverge: child teams of core (which holds write on
// widget): core-js given its own maintain, core-docs given write (what it
// inherits), core-qa not in the file (it inherits write). Plan, apply,
// plan is empty, under both answers GitHub may give to GraphQL
// Team.repositories (with or without inherited repositories); apply's
// re-read (the check endpoint, which includes inherited access) agrees
// with the plan, and no inherited access is added or removed.
func TestE2ENestedTeamsConverge(t *testing.T) {
	for _, inherited := range []bool{false, true} {
		t.Run(fmt.Sprintf("inherited=%v", inherited), func(t *testing.T) {
			w := newWorld(t)
			w.Server.SetFidelity(ghsim.Fidelity{TeamReposInherited: inherited})
			for _, slug := range []string{"core-js", "core-docs", "core-qa"} {
				w.Server.AddTeam("acme", slug, ghsim.TeamOptions{Parent: "core"})
			}
			file := `admin:
  teams: [admins]
maintain:
  users: [alice]
  teams: [core-js]
write:
  teams: [core, core-docs]
  users: [outsider]
branch_protection:
  main:
    required_status_checks: [EasyCLA]
    enforce_admins: true
    required_approving_review_count: 1
`
			require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme", "widget.yaml"), []byte(file), 0o644))
			code, out, errOut := w.run(t, "plan", "--detailed-exitcode")
			require.Equal(t, ExitChanges, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.Contains(t, out, "core-js")
			assert.NotContains(t, out, "- team core-qa", "inherited access is never removed")

			code, out, errOut = w.run(t, "apply", "--yes")
			require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.NotContains(t, out+errOut, "changed since the plan")

			code, out, errOut = w.run(t, "plan", "--detailed-exitcode")
			assert.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.Contains(t, out, "No changes")

			own := w.Server.TeamRepos("acme", "widget")
			assert.Equal(t, ghsim.RoleMaintain, own["core-js"], "core-js's own grant")
			assert.NotContains(t, own, "core-qa", "nothing granted to a team that only inherits")
			eff := w.Server.EffectiveTeamRepos("acme", "widget")
			assert.Equal(t, ghsim.RoleWrite, eff["core-docs"])
			assert.Equal(t, ghsim.RoleWrite, eff["core-qa"])
		})
	}
}

// TestE2ENullRoleNameConverges: on a server answering roleName null, the
// loop's files (a maintain and a triage grant among them) converge: plan,
// apply, plan is empty, instead of planning maintain→write every run.
func TestE2ENullRoleNameConverges(t *testing.T) {
	w := newWorld(t)
	w.Server.SetFidelity(ghsim.Fidelity{NullRoleName: true})
	code, out, errOut := w.run(t, "apply", "--yes")
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	code, out, errOut = w.run(t, "plan", "--detailed-exitcode")
	assert.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "No changes")
	assert.Equal(t, ghsim.RoleMaintain, w.Server.Collaborators("acme", "widget")["alice"])
	assert.Equal(t, ghsim.RoleTriage, w.Server.Collaborators("acme", "gadget")["bob"])
}
