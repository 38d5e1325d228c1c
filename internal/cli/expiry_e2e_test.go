package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// gitCommitAll commits the world's permissions directory (its parent is
// the repository) and returns the commit id.
func (w *identWorld) gitCommitAll(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	top := filepath.Dir(w.dir)
	run := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = top
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
		return strings.TrimSpace(string(out))
	}
	if _, err := os.Stat(filepath.Join(top, ".git")); err != nil {
		run("init", "-q", "-b", "main")
	}
	run("add", "-A")
	run("commit", "-q", "--allow-empty", "-m", "files")
	return run("rev-parse", "HEAD")
}

func (w *identWorld) expire(t *testing.T, approvedRef string) (int, string) {
	t.Helper()
	opts := &ApplyOptions{IO: w.ios(), Global: w.global(t), Dir: w.dir, Yes: true, ExpiriesOnly: true,
		ApprovedRef: approvedRef, gitDir: filepath.Join(filepath.Dir(w.dir), ".git")}
	err := applyRun(context.Background(), opts)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return codeOf(err), msg
}

// A team that owns its file merges an entry that has already expired (and
// moves another one's date forward). The daily expiry job runs without
// approval: it must not remove them, only what the approved apply's files
// let expire on that date.
func TestE2EExpiryJobRemovesOnlyWhatTheApprovedApplySaw(t *testing.T) {
	w := newIdentWorld(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		w.srv.SetCollaborator("acme", "widget", u, ghsim.RoleWrite)
	}
	w.write(t, "acme/widget.yaml", "write:\n  users:\n    - {login: alice, expires: 2027-03-01}\n    - bob\n    - {login: carol, expires: 2027-09-01}\n")
	approved := w.gitCommitAll(t) // the last approved apply ran on this
	w.write(t, "acme/widget.yaml", "write:\n  users:\n    - {login: alice, expires: 2027-03-01}\n    - {login: bob, expires: 2027-01-01}\n    - {login: carol, expires: 2027-03-01}\n")
	w.gitCommitAll(t) // merged, never approved

	w.now = time.Date(2027, 3, 1, 5, 17, 0, 0, time.UTC)
	code, msg := w.expire(t, approved)
	require.Equal(t, ExitOK, code, msg)
	got := w.srv.Collaborators("acme", "widget")
	assert.NotContains(t, got, "alice", "approved with this date: removed")
	assert.Equal(t, ghsim.RoleWrite, got["bob"], "merged already expired: left for the reviewed apply")
	assert.Equal(t, ghsim.RoleWrite, got["carol"], "date moved forward: left for the reviewed apply")
	assert.Contains(t, w.out.String(), "not removed by the expiry run: the files of the last approved apply ("+approved[:12]+")")

	// No approved apply to read: fail closed, remove nothing, say why.
	w.srv.ResetStats()
	code, msg = w.expire(t, "0000000000000000000000000000000000000001")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, msg, "--approved-ref 0000000000000000000000000000000000000001: ")
	assert.Contains(t, msg, "nothing was removed")
	for route, n := range w.srv.Stats().ByRoute {
		assert.False(t, strings.HasPrefix(route, "DELETE ") && n > 0, "no removal: %s", route)
	}
	assert.Len(t, w.srv.Collaborators("acme", "widget"), 2)

	// --approved-ref is only for the expiry run.
	err := applyRun(context.Background(), &ApplyOptions{IO: w.ios(), Global: w.global(t), Dir: w.dir, Yes: true, ApprovedRef: approved})
	assert.Equal(t, ExitError, codeOf(err))
}

// An expired pinned entry whose account was renamed on GitHub: the expiry
// job removes the account under its new login.
func TestE2EExpiryFollowsARenamedPinnedAccount(t *testing.T) {
	w := newIdentWorld(t)
	aliceID := w.srv.UserID("alice")
	w.srv.SetCollaborator("acme", "widget", "alice", ghsim.RoleWrite)
	w.write(t, "acme/widget.yaml", fmt.Sprintf("write:\n  users: [{login: alice, id: %d, expires: 2027-03-01}]\n", aliceID))
	approved := w.gitCommitAll(t)
	w.srv.RenameUser("alice", "alice-2")

	w.now = time.Date(2027, 3, 1, 5, 17, 0, 0, time.UTC)
	code, msg := w.expire(t, approved)
	require.Equal(t, ExitOK, code, msg)
	assert.Empty(t, w.srv.Collaborators("acme", "widget"), w.out.String())
}

// A team's pull request writes a date already past on alice's entry: the
// plan removes her grant (through the reviewed apply) and the comment says
// to remove the entry instead.
func TestE2EPullRequestAddingAnExpiredEntryIsPointedOut(t *testing.T) {
	w := newWorld(t)
	r := newPRRepo(t, w)
	body, err := os.ReadFile(filepath.Join(r.dir, "permissions/acme/widget.yaml"))
	require.NoError(t, err)
	r.write("permissions/acme/widget.yaml", strings.Replace(string(body), "users: [alice]", "users: [{login: alice, expires: 2020-01-01}]", 1))
	code, out, errOut := r.plan(t, w, r.commit("pr"))
	require.Equal(t, ExitChanges, code, errOut)
	assert.Contains(t, out, "- remove user alice (maintain), expired on 2020-01-01")
	assert.Contains(t, out, "this pull request adds or changes an entry whose expires: date has already passed: it grants nothing, and the merge's reviewed apply removes the grant; remove the entry instead")
}
