package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// plan --git-tree/--git-base reads a pull request as the plan workflow does:
// from git objects in a scratch repository, against the simulated GitHub.
// Each test is a trick a pull request's author would try on the comment.

type prRepo struct {
	t    *testing.T
	dir  string
	base string
}

func newPRRepo(t *testing.T, w *world) *prRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	r := &prRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	require.NoError(t, os.CopyFS(filepath.Join(r.dir, "permissions"), os.DirFS(w.dir)))
	r.base = r.commit("base")
	r.git("checkout", "-q", "-b", "pr")
	return r
}

func (r *prRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	require.NoError(r.t, err, "git %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

func (r *prRepo) write(path, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, path)
	require.NoError(r.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(r.t, os.WriteFile(p, []byte(content), 0o644))
}

func (r *prRepo) commit(msg string) string {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// plan runs plan on the pull request's head, from outside its work tree.
func (r *prRepo) plan(t *testing.T, w *world, head string, extra ...string) (int, string, string) {
	t.Helper()
	args := append([]string{"plan", "--git-dir", filepath.Join(r.dir, ".git"), "--git-tree", head, "--git-base", r.base,
		"--format", "markdown", "--detailed-exitcode"}, extra...)
	return w.runIn(t, t.TempDir(), args...)
}

// .gitattributes export-ignore hid a changed file from git archive, so the
// old workflow planned nothing while the merge granted it.
func TestPlanGitTreeSeesExportIgnored(t *testing.T) {
	w := newWorld(t)
	r := newPRRepo(t, w)
	r.write(".gitattributes", "permissions/acme/gadget.yaml export-ignore\n")
	r.write("permissions/acme/gadget.yaml", "read:\n  teams: [core]\nmaintain:\n  users: [bob]\n")
	head := r.commit("pr")
	require.False(t, strings.Contains(r.git("archive", "--format=tar", head, "permissions"), "[core]\nmaintain:"), "the trick works on git archive")

	code, out, errOut := r.plan(t, w, head)
	require.Equal(t, ExitChanges, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "bob")
	assert.Contains(t, out, "maintain")
}

// A changed file under permissions/ that permsync does not plan fails the
// plan: the comment would not show what the merge changes.
func TestPlanGitTreeFailsOnUnplannedChange(t *testing.T) {
	w := newWorld(t)
	r := newPRRepo(t, w)
	r.write("permissions/acme/gadget.yml.bak", "admin:\n  users: [mallory]\n")
	r.write("permissions/acme/nested/x.yaml", "admin:\n  users: [mallory]\n")
	head := r.commit("pr")
	code, out, errOut := r.plan(t, w, head)
	assert.Equal(t, ExitError, code, out)
	assert.Contains(t, errOut, `"permissions/acme/gadget.yml.bak", "permissions/acme/nested/x.yaml", which permsync does not plan`)
}

// permissions/ a symlink (to files nobody reviews as permissions) is an error.
func TestPlanGitTreeRefusesSymlinkedDir(t *testing.T) {
	w := newWorld(t)
	r := newPRRepo(t, w)
	r.git("mv", "permissions", "elsewhere")
	require.NoError(t, os.Symlink("elsewhere", filepath.Join(r.dir, "permissions")))
	head := r.commit("pr")
	code, _, errOut := r.plan(t, w, head)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "permissions is a symlink")
}

// A pull request that changes no repository file plans nothing, and passes.
func TestPlanGitTreeNothingToPlan(t *testing.T) {
	w := newWorld(t)
	r := newPRRepo(t, w)
	r.write("README.md", "docs\n")
	head := r.commit("pr")
	code, out, errOut := r.plan(t, w, head)
	assert.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "nothing to plan")
	assert.Contains(t, out, "\n<!-- permsync:nothing-to-plan -->\n", "the workflow's marker")
}

// An empty file for a private repository nobody manages would list its
// collaborators, invitations and teams as removals in the public comment.
// With --withhold, no login or team of it appears; what is withheld is said.
func TestPlanWithholdsUnmanagedRepository(t *testing.T) {
	w := newWorld(t)
	w.Server.AddUser("carol-hidden")
	w.Server.AddRepo("acme", "secret", ghsim.RepoOptions{Private: true})
	w.Server.SetCollaborator("acme", "secret", "carol-hidden", ghsim.RoleAdmin)
	w.Server.AddTeam("acme", "hidden-team", ghsim.TeamOptions{})
	w.Server.SetTeamRepo("acme", "hidden-team", "secret", ghsim.RoleWrite)
	r := newPRRepo(t, w)
	r.write("permissions/acme/secret.yaml", "{}\n")
	head := r.commit("pr")

	code, out, _ := r.plan(t, w, head)
	require.Contains(t, []int{ExitChanges, ExitRefused}, code, out)
	require.Contains(t, out, "carol-hidden", "without --withhold the trick works")

	code2, out, errOut := r.plan(t, w, head, "--withhold")
	assert.Equal(t, code, code2, "withholding changes no exit code")
	assert.NotContains(t, out, "carol-hidden", errOut)
	assert.NotContains(t, out, "hidden-team")
	assert.Contains(t, out, "Withheld from this comment")
	assert.Contains(t, out, "`acme/secret` (not managed on the base branch)")
	assert.Contains(t, out, "A maintainer sees the full plan by running `permsync plan --git-tree "+head)
}

// From a fork, a managed but private repository is withheld too; from a
// branch of the repository, it is shown.
func TestPlanWithholdsPrivateFromFork(t *testing.T) {
	w := newWorld(t)
	w.Server.AddUser("dave-private")
	w.Server.AddRepo("acme", "internal", ghsim.RepoOptions{Private: true})
	w.Server.SetTeamRepo("acme", "core", "internal", ghsim.RoleRead)
	w.Server.SetCollaborator("acme", "internal", "dave-private", ghsim.RoleWrite)
	r := newPRRepo(t, w)
	r.write("permissions/acme/internal.yaml", "read:\n  teams: [core]\n")
	r.base = r.commit("internal managed on main")
	r.write("permissions/acme/internal.yaml", "read:\n  teams: [core]\ntriage:\n  users: [bob]\n")
	r.write("permissions/acme/gadget.yaml", "read:\n  teams: [core]\ntriage:\n  users: [bob]\nwrite:\n  users: [alice]\n")
	head := r.commit("pr")

	_, out, errOut := r.plan(t, w, head, "--withhold")
	assert.Contains(t, out, "dave-private", "a branch of the repository: its author can see the plan whole; stderr: %s", errOut)

	_, out, _ = r.plan(t, w, head, "--withhold", "--from-fork")
	assert.NotContains(t, out, "dave-private")
	assert.Contains(t, out, "`acme/internal` (private, and the pull request comes from a fork)")
	assert.Contains(t, out, "alice", "a public repository's plan is shown whole")
}

// A deleted repository file changes nothing on GitHub, but the merge stops
// managing that repository: the comment says so.
func TestPlanGitTreeSaysWhatItStopsManaging(t *testing.T) {
	w := newWorld(t)
	r := newPRRepo(t, w)
	r.git("rm", "-q", "permissions/acme/widget.yaml")
	r.write("permissions/acme/gadget.yaml", "read:\n  teams: [core]\ntriage:\n  users: [bob]\nwrite:\n  users: [alice]\n")
	head := r.commit("pr")
	code, out, errOut := r.plan(t, w, head)
	require.Equal(t, ExitChanges, code, errOut)
	assert.Contains(t, out, "This pull request deletes the files of `acme/widget`: permsync stops managing them")
}
