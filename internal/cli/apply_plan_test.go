package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// apply --plan F takes nothing from F but what the approver saw: the
// directory, the orgs and the repositories are the command's own, and F must
// be exactly the plan of them. Each test is what someone who can hand the
// apply a file (a planted artifact, a doctored download) would try.

// runIn runs permsync in dir with the world's credentials and no --dir, as
// the apply workflow runs it in its checkout.
func (w *world) runIn(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	args = append(args, "--cache-dir", filepath.Join(t.TempDir(), "cache"), "--write-interval", "0s")
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GITHUB_") || strings.HasPrefix(kv, "PERMSYNC_") || strings.HasPrefix(kv, "CI=") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, w.env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errOut.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errOut.String()
	}
	t.Fatalf("running permsync: %v", err)
	return 0, "", ""
}

// A crafted plan names its own directory, holding files nobody reviewed:
// the apply plans the checked-out files, sees a different plan, and changes
// nothing.
func TestApplyPlanIgnoresTheFilesDir(t *testing.T) {
	w := newWorld(t)
	checkout := filepath.Dir(w.dir) // holds permissions/, the reviewed files
	evil := filepath.Join(t.TempDir(), "evil")
	require.NoError(t, os.CopyFS(evil, os.DirFS(w.dir)))
	require.NoError(t, os.WriteFile(filepath.Join(evil, "acme", "gadget.yaml"), []byte("read:\n  teams: [core]\nmaintain:\n  users: [bob]\n"), 0o644))
	crafted := filepath.Join(t.TempDir(), "plan.json")
	code, _, errOut := w.runIn(t, checkout, "plan", "--dir", evil, "--format", "json", "--out", crafted)
	require.Equal(t, ExitOK, code, errOut)

	code, out, errOut := w.runIn(t, checkout, "apply", "--plan", crafted, "--yes")
	assert.Equal(t, ExitError, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, errOut, "stale plan: the files for acme/gadget changed")
	assert.Equal(t, ghsim.RoleTriage, w.Server.Collaborators("acme", "gadget")["bob"], "the crafted directory's grant was not applied")
	assert.Equal(t, ghsim.RoleAdmin, w.Server.Collaborators("acme", "gadget")["drive-by-admin"], "nothing at all was changed")
}

// A plan of fewer repositories does not narrow the apply: the command's own
// --repo does, and the two must agree.
func TestApplyPlanIgnoresTheFilesRepos(t *testing.T) {
	w := newWorld(t)
	checkout := filepath.Dir(w.dir)
	saved := filepath.Join(t.TempDir(), "plan.json")
	code, _, errOut := w.runIn(t, checkout, "plan", "--repo", "acme/widget", "--format", "json", "--out", saved)
	require.Equal(t, ExitOK, code, errOut)

	code, _, errOut = w.runIn(t, checkout, "apply", "--plan", saved, "--yes")
	assert.Equal(t, ExitError, code, errOut)
	assert.Contains(t, errOut, "stale plan: the repositories planned (")
	assert.Equal(t, ghsim.RoleAdmin, w.Server.Collaborators("acme", "gadget")["drive-by-admin"])

	// The same scope as the saved plan: applied.
	code, out, errOut := w.runIn(t, checkout, "apply", "--repo", "acme/widget", "--plan", saved, "--yes")
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Equal(t, ghsim.RoleAdmin, w.Server.Collaborators("acme", "gadget")["drive-by-admin"], "gadget was not in the scope")
}

// A plan whose digests are right but whose changes were edited (the
// approver was shown less than would run) is refused.
func TestApplyPlanRefusesDoctoredChanges(t *testing.T) {
	w := newWorld(t)
	checkout := filepath.Dir(w.dir)
	saved := filepath.Join(t.TempDir(), "plan.json")
	code, _, errOut := w.runIn(t, checkout, "plan", "--format", "json", "--out", saved)
	require.Equal(t, ExitOK, code, errOut)

	var doc map[string]any
	data, err := os.ReadFile(saved)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &doc))
	var kept []any
	for _, c := range doc["changes"].([]any) {
		if c.(map[string]any)["user"] != "drive-by-admin" {
			kept = append(kept, c)
		}
	}
	require.Less(t, len(kept), len(doc["changes"].([]any)), "the plan removes drive-by-admin")
	doc["changes"] = kept
	data, err = json.Marshal(doc)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(saved, data, 0o644))

	code, _, errOut = w.runIn(t, checkout, "apply", "--plan", saved, "--yes")
	assert.Equal(t, ExitError, code, errOut)
	assert.Contains(t, errOut, "stale plan: the changes planned now are not the saved plan's")
	assert.Equal(t, ghsim.RoleAdmin, w.Server.Collaborators("acme", "gadget")["drive-by-admin"])
	assert.Equal(t, ghsim.RoleTriage, w.Server.Collaborators("acme", "gadget")["bob"])
}

// plan --json-out saves the very plan the markdown shows (one read of
// GitHub), and apply --plan of it with the same scope applies it.
func TestPlanJSONOutIsApplied(t *testing.T) {
	w := newWorld(t)
	checkout := filepath.Dir(w.dir)
	tmp := t.TempDir()
	md, saved := filepath.Join(tmp, "plan.md"), filepath.Join(tmp, "plan.json")
	code, _, errOut := w.runIn(t, checkout, "plan", "--repo", "acme/gadget", "--detailed-exitcode", "--format", "markdown", "--out", md, "--json-out", saved)
	require.Equal(t, ExitChanges, code, errOut)
	text, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(text), "drive-by-admin")

	code, out, errOut := w.runIn(t, checkout, "apply", "--repo", "acme/gadget", "--plan", saved, "--yes")
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.NotContains(t, w.Server.Collaborators("acme", "gadget"), "drive-by-admin")
}

// The nightly audit says where the snapshot it compares with came from
// (--compare-from), so that a reader can tell a default-branch scheduled
// run's snapshot from anything else.
func TestAuditSaysWhereTheSnapshotCameFrom(t *testing.T) {
	w := newWorld(t)
	checkout := filepath.Dir(w.dir)
	tmp := t.TempDir()
	snap := filepath.Join(tmp, "snapshot.json")
	code, _, errOut := w.runIn(t, checkout, "audit", "--format", "json", "--out", filepath.Join(tmp, "a.json"), "--snapshot-out", snap)
	require.Contains(t, []int{ExitOK, ExitChanges, ExitRefused}, code, errOut)
	report := filepath.Join(tmp, "audit.md")
	code, _, errOut = w.runIn(t, checkout, "audit", "--format", "markdown", "--out", report, "--compare", snap,
		"--compare-from", "the snapshot of the scheduled run 42 of permissions-nightly.yml on main")
	require.Contains(t, []int{ExitOK, ExitChanges, ExitRefused}, code, errOut)
	md, err := os.ReadFile(report)
	require.NoError(t, err)
	assert.Contains(t, string(md), "Compared with the snapshot of the scheduled run 42 of permissions-nightly.yml on main.")
}

// The audit's self-check reads who may bypass the permissions repository's
// required reviews (a REST read: the org's GraphQL read does not ask), and
// names them; with none and everything else in place, review passes.
func TestAuditSelfCheckReadsReviewBypass(t *testing.T) {
	w := newWorld(t)
	checkout := filepath.Dir(w.dir)
	w.Server.AddApp(ghsim.AppOptions{ID: 15368, Slug: "github-actions", Name: "GitHub Actions"})
	prot := func(bypass *ghsim.Restrictions) *ghsim.Protection {
		return &ghsim.Protection{EnforceAdmins: true,
			RequiredStatusChecks: &ghsim.RequiredStatusChecks{Checks: []ghsim.StatusCheck{{Context: "plan", AppID: 15368}}},
			RequiredPullRequestReviews: &ghsim.RequiredPullRequestReviews{RequiredApprovingReviewCount: 1, RequireCodeOwnerReviews: true,
				DismissStaleReviews: true, RequireLastPushApproval: true, BypassAllowances: bypass}}
	}
	audit := func() string {
		out := filepath.Join(t.TempDir(), "audit.json")
		code, _, errOut := w.runIn(t, checkout, "audit", "--self-repo", "acme/perms", "--format", "json", "--out", out)
		require.Contains(t, []int{ExitOK, ExitChanges, ExitRefused}, code, errOut)
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		return string(data)
	}
	w.Server.SetProtection("acme", "perms", "main", prot(&ghsim.Restrictions{Users: []string{"alice"}}))
	report := audit()
	assert.Contains(t, report, "bypass allowances for pull requests: user:alice may merge without the reviews")
	assert.Contains(t, report, `"self-check-review"`)

	w.Server.SetProtection("acme", "perms", "main", prot(nil))
	report = audit()
	assert.NotContains(t, report, `"self-check-review"`)
}
