package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/demo"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// The loop tests run the built binary against the simulated GitHub, as the
// workflows run it against GitHub: credentials from the environment, exit
// codes and output as SPEC.md fixes them, and the simulator's end state.

type world struct {
	*demo.World
	dir string // a copy of the permissions files the test may edit
	env []string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "permissions")
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/loop")))
	cfg, diags := config.LoadDir(dir)
	require.False(t, diags.HasErrors(), "%v", diags)
	w, err := demo.Start(cfg)
	require.NoError(t, err)
	t.Cleanup(w.Close)
	return &world{World: w, dir: dir, env: []string{
		"PERMSYNC_APP_ID=" + itoa(w.AppID),
		"PERMSYNC_APP_PRIVATE_KEY=" + string(w.KeyPEM),
		"GITHUB_API_URL=" + w.Server.URL(),
	}}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// run runs permsync with the world's credentials, a private cache and no pacing.
func (w *world) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	args = append(args, "--dir", w.dir, "--cache-dir", filepath.Join(filepath.Dir(w.dir), "cache"), "--write-interval", "0s")
	return runWithEnv(t, w.env, args...)
}

func runWithEnv(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GITHUB_") || strings.HasPrefix(kv, "PERMSYNC_") || strings.HasPrefix(kv, "CI=") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running permsync: %v", err)
	}
	return code, out.String(), errOut.String()
}

func TestE2EPlanApplyPlan(t *testing.T) {
	w := newWorld(t)
	code, out, errOut := w.run(t, "plan", "--detailed-exitcode")
	require.Equal(t, ExitChanges, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "- remove user drive-by-admin (admin)")
	assert.Contains(t, out, "Plan: ")

	code, _, errOut = w.run(t, "apply")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "pass --yes")
	assert.Equal(t, ghsim.RoleAdmin, w.Server.Collaborators("acme", "gadget")["drive-by-admin"], "nothing changed without --yes")

	code, out, errOut = w.run(t, "apply", "--yes")
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "✓ done")

	code, out, _ = w.run(t, "plan", "--detailed-exitcode")
	assert.Equal(t, ExitOK, code, out)
	assert.Contains(t, out, "No changes")
	assert.NotContains(t, w.Server.Collaborators("acme", "gadget"), "drive-by-admin")
	p := w.Server.Protection("acme", "widget", "main")
	require.NotNil(t, p)
	assert.True(t, p.EnforceAdmins)
}

func TestE2EPlanFormats(t *testing.T) {
	w := newWorld(t)
	out := filepath.Join(t.TempDir(), "plan.json")
	code, _, errOut := w.run(t, "plan", "--format", "json", "--out", out)
	require.Equal(t, ExitOK, code, errOut)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"format_version": 2`)
	assert.Contains(t, errOut, "plan written to")

	code, md, _ := w.run(t, "plan", "--format", "markdown")
	assert.Equal(t, ExitOK, code)
	assert.True(t, strings.HasPrefix(md, "<!-- permsync:plan -->"))

	code, _, errOut = w.run(t, "plan", "--format", "yaml")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "--format must be")
}

func TestE2EStalePlanIsRefused(t *testing.T) {
	w := newWorld(t)
	saved := filepath.Join(t.TempDir(), "plan.json")
	code, _, errOut := w.run(t, "plan", "--format", "json", "--out", saved)
	require.Equal(t, ExitOK, code, errOut)

	w.Server.SetCollaborator("acme", "gadget", "bob", ghsim.RoleAdmin) // by hand, after the plan
	code, _, errOut = w.run(t, "apply", "--plan", saved, "--yes")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "stale plan: GitHub's state of acme/gadget changed")
	assert.Equal(t, ghsim.RoleAdmin, w.Server.Collaborators("acme", "gadget")["drive-by-admin"], "a stale plan changes nothing")

	code, _, errOut = w.run(t, "plan", "--format", "json", "--out", saved)
	require.Equal(t, ExitOK, code, errOut)
	code, out, errOut := w.run(t, "apply", "--plan", saved, "--yes")
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Equal(t, ghsim.RoleTriage, w.Server.Collaborators("acme", "gadget")["bob"])
}

func TestE2ERefusedPlanChangesNothing(t *testing.T) {
	w := newWorld(t)
	require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme", "gadget.yaml"), []byte("admin:\n  users: [bob]\nread:\n  teams: [core]\n"), 0o644))
	code, out, _ := w.run(t, "plan")
	assert.Equal(t, ExitRefused, code)
	assert.Contains(t, out, "! admin_allowed: only the principals the org's admin_allowed lists may be given admin")
	assert.Contains(t, out, "acme/gadget: user:bob would become admin")

	code, _, errOut := w.run(t, "apply", "--yes")
	assert.Equal(t, ExitRefused, code)
	assert.Contains(t, errOut, "nothing was changed")
	assert.Equal(t, ghsim.RoleAdmin, w.Server.Collaborators("acme", "gadget")["drive-by-admin"], "not even the unrefused changes")
}

func TestE2EUnknownUserIsAnErrorAtItsLine(t *testing.T) {
	w := newWorld(t)
	require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme", "gadget.yaml"), []byte("read:\n  teams: [core]\ntriage:\n  users: [bob, no-such-person]\n"), 0o644))
	code, out, errOut := w.run(t, "plan")
	assert.Equal(t, ExitError, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "acme/gadget.yaml:4:16: user no-such-person does not exist on GitHub (renamed or mistyped?)")
	assert.NotContains(t, out, "remove user drive-by-admin", "nothing is planned next to a typo")
	assert.Contains(t, out, "protection", "the other repositories go on")
}

func TestE2EPartialApplyThenConverges(t *testing.T) {
	w := newWorld(t)
	w.Server.SetFaults(ghsim.Faults{Routes: []ghsim.RouteFault{{Method: "DELETE", Path: "/repos/acme/gadget/collaborators/drive-by-admin", Status: 422, Message: "Validation Failed"}}})
	code, out, errOut := w.run(t, "apply", "--yes")
	require.Equal(t, ExitPartial, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "✗ failed")
	assert.Contains(t, out, "Done in part")

	w.Server.SetFaults(ghsim.Faults{})
	code, out, errOut = w.run(t, "apply", "--yes")
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	code, out, _ = w.run(t, "plan", "--detailed-exitcode")
	assert.Equal(t, ExitOK, code, out)
}

func TestE2EDriftTrackingIssue(t *testing.T) {
	w := newWorld(t)
	open := func() []ghsim.Issue {
		var out []ghsim.Issue
		for _, is := range w.Server.Issues("acme", "perms") {
			if !is.IsPull {
				out = append(out, is)
			}
		}
		return out
	}
	code, out, errOut := w.run(t, "drift", "--issue-repo", "acme/perms")
	require.Equal(t, ExitChanges, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "Tracking issue opened: #")
	issues := open()
	require.Len(t, issues, 1)
	assert.Equal(t, "open", issues[0].State)
	assert.Equal(t, demo.AppSlug+"[bot]", issues[0].Author)
	assert.Contains(t, issues[0].Labels, "permsync-drift")
	assert.Contains(t, issues[0].Body, "drive-by-admin")

	code, out, _ = w.run(t, "drift", "--issue-repo", "acme/perms")
	assert.Equal(t, ExitChanges, code)
	assert.Contains(t, out, "Tracking issue updated")
	assert.Len(t, open(), 1, "one tracking issue, updated in place")

	code, _, _ = w.run(t, "apply", "--yes")
	require.Equal(t, ExitOK, code)
	code, out, _ = w.run(t, "drift", "--issue-repo", "acme/perms")
	assert.Equal(t, ExitOK, code, out)
	assert.Contains(t, out, "Tracking issue closed")
	issues = open()
	require.Len(t, issues, 1)
	assert.Equal(t, "closed", issues[0].State)
	require.NotEmpty(t, issues[0].Comments)
	assert.Contains(t, issues[0].Comments[len(issues[0].Comments)-1].Body, "No drift any more")

	code, out, _ = w.run(t, "drift", "--issue-repo", "acme/perms")
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, out, "No drift")
}

func TestE2EImportThenPlanShowsNoChanges(t *testing.T) {
	w := newWorld(t)
	ghsim.GenerateOrg(w.Server, ghsim.GenSpec{Org: "bigorg", Repos: 50, DirectCollaborators: 6, TeamGrants: 3, Protection: true, Rulesets: true, Seed: 7})
	w.Server.Install(w.AppID, "bigorg", ghsim.Permissions{"administration": "write", "members": "read", "metadata": "read"})
	dir := filepath.Join(t.TempDir(), "imported")
	cache := []string{"--cache-dir", filepath.Join(t.TempDir(), "cache")}
	code, out, errOut := runWithEnv(t, w.env, append([]string{"import", "--org", "bigorg", "--dir", dir}, cache...)...)
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "Imported bigorg: 50 repository files written")

	code, out, errOut = runWithEnv(t, w.env, append([]string{"plan", "--dir", dir, "--detailed-exitcode"}, cache...)...)
	assert.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "No changes: GitHub matches the files (50 repositories checked).")

	// Existing files are kept unless --force.
	code, out, _ = runWithEnv(t, w.env, append([]string{"import", "--org", "bigorg", "--dir", dir}, cache...)...)
	require.Equal(t, ExitOK, code)
	assert.Contains(t, out, "0 repository files written, 50 existing files kept")
}

func TestE2ENoCredentials(t *testing.T) {
	code, _, errOut := runWithEnv(t, []string{"GITHUB_API_URL=http://127.0.0.1:1/"}, "plan", "--dir", "testdata/loop")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "PERMSYNC_APP_ID")
	assert.Contains(t, errOut, "GITHUB_TOKEN")
}

func TestE2EAuditNeverReadsIgnoredRepositories(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "permissions")
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/loop")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "acme.yaml"), []byte("admin_allowed: [team:admins]\nignore_repos: [secret]\n"), 0o644))
	cfg, diags := config.LoadDir(dir)
	require.False(t, diags.HasErrors(), "%v", diags)
	var log syncBuffer
	w, err := demo.Start(cfg, ghsim.WithRequestLog(&log))
	require.NoError(t, err)
	defer w.Close()
	w.Server.AddRepo("acme", "secret", ghsim.RepoOptions{})
	env := []string{"PERMSYNC_APP_ID=" + itoa(w.AppID), "PERMSYNC_APP_PRIVATE_KEY=" + string(w.KeyPEM), "GITHUB_API_URL=" + w.Server.URL()}

	code, out, errOut := runWithEnv(t, env, "audit", "--dir", dir, "--format", "json", "--cache-dir", "off")
	require.Equal(t, ExitOK, code, "stderr:\n%s", errOut)
	assert.Contains(t, out, `"format_version"`)
	assert.NotContains(t, log.String(), "acme/secret/", "an ignored repository is never read")
	assert.Contains(t, log.String(), "/repos/acme/widget/invitations", "the others are")
}

// syncBuffer is a bytes.Buffer safe for the simulator's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
