package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/demo"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// newWorldWith is newWorld with the permissions files edited before the
// simulated org is seeded from them.
func newWorldWith(t *testing.T, files map[string]string, opts ...ghsim.Option) *world {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "permissions")
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/loop")))
	for name, text := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	cfg, diags := config.LoadDir(dir)
	require.False(t, diags.HasErrors(), "%v", diags)
	w, err := demo.Start(cfg, opts...)
	require.NoError(t, err)
	t.Cleanup(w.Close)
	return &world{World: w, dir: dir, env: []string{
		"PERMSYNC_APP_ID=" + itoa(w.AppID),
		"PERMSYNC_APP_PRIVATE_KEY=" + string(w.KeyPEM),
		"GITHUB_API_URL=" + w.Server.URL(),
	}}
}

// The org file pins EasyCLA to App 1003; classic protection on widget's
// main requires it from that App.
const floorOrgFile = `mode: authoritative
admin_allowed: [team:admins]
max_removals: 5
required_checks:
  - context: EasyCLA
    app_id: 1003
`

const widgetClaFile = `admin:
  teams: [admins]
maintain:
  users: [alice]
write:
  teams: [core]
  users: [outsider]
branch_protection:
  main:
    required_status_checks: [EasyCLA]
    enforce_admins: true
    required_approving_review_count: 1
`

// widgetNoChecks is the project's file dropping every required check.
const widgetNoChecks = `admin:
  teams: [admins]
maintain:
  users: [alice]
write:
  teams: [core]
  users: [outsider]
branch_protection:
  main:
    required_status_checks: []
    enforce_admins: true
    required_approving_review_count: 1
`

func floorWorld(t *testing.T, repo string, rs ghsim.Ruleset) *world {
	w := newWorldWith(t, map[string]string{"acme.yaml": floorOrgFile, "acme/widget.yaml": widgetClaFile})
	// Converge first: the demo drifted the org by hand.
	code, out, errOut := w.run(t, "apply", "--yes")
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	p := w.Server.Protection("acme", "widget", "main")
	require.NotNil(t, p)
	require.NotNil(t, p.RequiredStatusChecks)
	require.Equal(t, []ghsim.StatusCheck{{Context: "EasyCLA", AppID: 1003}}, p.RequiredStatusChecks.Checks)
	w.Server.AddRuleset("acme", repo, rs)
	require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme", "widget.yaml"), []byte(widgetNoChecks), 0o644))
	return w
}

func claStillPinned(t *testing.T, w *world) {
	t.Helper()
	p := w.Server.Protection("acme", "widget", "main")
	require.NotNil(t, p)
	require.NotNil(t, p.RequiredStatusChecks, "classic protection still requires the checks")
	assert.Equal(t, []ghsim.StatusCheck{{Context: "EasyCLA", AppID: 1003}}, p.RequiredStatusChecks.Checks)
}

// TestE2ERulesetBypassableByMaintainDoesNotStandIn is issue 11's
// reproduction: a repository ruleset requires EasyCLA from any source and
// lets the maintain role bypass it always. A file dropping the classic
// requirement is refused by plan and by apply, and GitHub keeps the pin.
func TestE2ERulesetBypassableByMaintainDoesNotStandIn(t *testing.T) {
	w := floorWorld(t, "widget", ghsim.Ruleset{Name: "cla", Include: []string{"~DEFAULT_BRANCH"},
		Rules:        []ghsim.Rule{ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA"})},
		BypassActors: []ghsim.BypassActor{{ActorType: "RepositoryRole", ActorID: 2, BypassMode: "always"}}})
	code, out, errOut := w.run(t, "plan")
	assert.Equal(t, ExitRefused, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out+errOut, "EasyCLA is required on main and is in the org's required_checks")
	code, out, errOut = w.run(t, "apply", "--yes")
	assert.Equal(t, ExitRefused, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	claStillPinned(t, w)
}

// TestE2ERulesetWithHiddenBypassDoesNotStandIn: a ruleset requiring
// EasyCLA from App 1003 whose bypass list the token cannot read (an org
// ruleset: the App has organization administration read only) counts as
// bypassable: refused, plan and apply.
func TestE2ERulesetWithHiddenBypassDoesNotStandIn(t *testing.T) {
	for _, hiddenErr := range []bool{false, true} {
		w := floorWorld(t, "", ghsim.Ruleset{Name: "cla", Include: []string{"~DEFAULT_BRANCH"}, RepoInclude: []string{"~ALL"},
			Rules:        []ghsim.Rule{ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA", AppID: 1003})},
			BypassActors: []ghsim.BypassActor{{ActorType: "OrganizationAdmin", BypassMode: "always"}}})
		w.Server.SetFidelity(ghsim.Fidelity{BypassHiddenError: hiddenErr})
		code, out, errOut := w.run(t, "plan")
		assert.Equal(t, ExitRefused, code, "error=%v\nstdout:\n%s\nstderr:\n%s", hiddenErr, out, errOut)
		assert.Contains(t, out+errOut, "EasyCLA is required on main")
		code, out, errOut = w.run(t, "apply", "--yes")
		assert.Equal(t, ExitRefused, code, "error=%v\nstdout:\n%s\nstderr:\n%s", hiddenErr, out, errOut)
		claStillPinned(t, w)
	}
}

// TestE2ERulesetOwnerOnlyBypassStandsIn: a repository ruleset requiring
// EasyCLA from the pinned App that only org admins may bypass stands in.
// GitHub shows bypass lists only to a token with write access to the
// ruleset, so the plan (administration: read) cannot see it and refuses;
// apply (administration: write) sees it and lets the change through with
// a notice. Classic protection then drops the check; the ruleset holds it.
func TestE2ERulesetOwnerOnlyBypassStandsIn(t *testing.T) {
	w := floorWorld(t, "widget", ghsim.Ruleset{Name: "cla", Include: []string{"~DEFAULT_BRANCH"},
		Rules:        []ghsim.Rule{ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA", AppID: 1003})},
		BypassActors: []ghsim.BypassActor{{ActorType: "OrganizationAdmin", BypassMode: "always"}}})
	code, out, errOut := w.run(t, "plan")
	assert.Equal(t, ExitRefused, code, "the reader token cannot see the bypass list\nstdout:\n%s\nstderr:\n%s", out, errOut)
	code, out, errOut = w.run(t, "apply", "--yes")
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out+errOut, "stays required there by an active ruleset")
	p := w.Server.Protection("acme", "widget", "main")
	require.NotNil(t, p)
	if p.RequiredStatusChecks != nil {
		assert.Empty(t, p.RequiredStatusChecks.Checks)
	}
}
