package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// planExpiries runs the apply workflow's plan: --repo acme/widget only,
// the dates compared with the approved commit, markdown and JSON saved.
func (w *identWorld) planExpiries(t *testing.T, since string) (int, string, *reconcile.Plan, string) {
	t.Helper()
	out := t.TempDir()
	opts := &PlanOptions{IO: w.ios(), Global: w.global(t), Dir: w.dir, Repos: []string{"acme/widget"}, Format: "markdown",
		Out: filepath.Join(out, "plan.md"), JSONOut: filepath.Join(out, "plan.json"), DetailedExitCode: true,
		GitDir: filepath.Join(filepath.Dir(w.dir), ".git"), ExpiriesSince: since}
	err := planRun(context.Background(), opts)
	if err != nil && codeOf(err) == ExitError {
		return ExitError, err.Error(), nil, ""
	}
	md, rerr := os.ReadFile(opts.Out)
	require.NoError(t, rerr, w.err.String())
	data, rerr := os.ReadFile(opts.JSONOut)
	require.NoError(t, rerr)
	var p reconcile.Plan
	require.NoError(t, json.Unmarshal(data, &p))
	return codeOf(err), string(md), &p, opts.JSONOut
}

// The reviewer's merges: a date written with escapes, and a login swapped
// under an unchanged date line in a file the push's plan does not cover.
// GitHub has nothing to change, yet the plan asks for the approval (exit
// 2) and shows each date; the saved plan then applies (nothing to do), and
// once approved, the same files ask for nothing more.
func TestE2EPlanExpiriesSinceShowsEveryChangedDate(t *testing.T) {
	w := newIdentWorld(t)
	w.srv.SetCollaborator("acme", "widget", "alice", ghsim.RoleWrite)
	w.srv.SetCollaborator("beta", "widget", "carol", ghsim.RoleWrite)
	w.write(t, "acme/widget.yaml", "write:\n  users:\n    - {login: alice, expires: 2027-03-01}\n")
	w.write(t, "beta/widget.yaml", "write:\n  users:\n    - login: carol\n      expires: 2027-03-01\n    - dave\n")
	approved := w.gitCommitAll(t)

	code, md, p, _ := w.planExpiries(t, approved)
	require.Equal(t, ExitOK, code, md)
	assert.Empty(t, p.ExpiryChanges)
	assert.NotContains(t, md, "expires: dates to approve")

	w.write(t, "acme/widget.yaml", "write:\n  users:\n    - {login: alice, \"\\x65xpires\": \"\\x32\\x30\\x32\\x37-12-08\"}\n")
	w.write(t, "beta/widget.yaml", "write:\n  users:\n    - login: dave\n      expires: 2027-03-01\n    - carol\n")
	w.gitCommitAll(t)
	code, md, p, saved := w.planExpiries(t, approved)
	require.Equal(t, ExitChanges, code, md)
	assert.Empty(t, p.Changes, "GitHub has nothing to change in acme/widget")
	assert.Equal(t, approved, p.ExpiriesSince)
	// An added date is where the files are read (here, by absolute path:
	// the workflow passes --dir permissions); a removed one in the commit.
	here := filepath.ToSlash(w.dir)
	assert.Equal(t, []reconcile.ExpiryChange{
		{Change: reconcile.ExpiryRemoved, Org: "acme", Repo: "widget", Principal: "user:alice", Expires: "2027-03-01", Source: config.Pos{File: "permissions/acme/widget.yaml", Line: 3}},
		{Change: reconcile.ExpiryAdded, Org: "acme", Repo: "widget", Principal: "user:alice", Expires: "2027-12-08", Source: config.Pos{File: here + "/acme/widget.yaml", Line: 3}},
		{Change: reconcile.ExpiryRemoved, Org: "beta", Repo: "widget", Principal: "user:carol", Expires: "2027-03-01", Source: config.Pos{File: "permissions/beta/widget.yaml", Line: 3}},
		{Change: reconcile.ExpiryAdded, Org: "beta", Repo: "widget", Principal: "user:dave", Expires: "2027-03-01", Source: config.Pos{File: here + "/beta/widget.yaml", Line: 3}},
	}, p.ExpiryChanges, "every org's files, not only the repositories planned")
	assert.Contains(t, md, "### expires: dates to approve")
	assert.Contains(t, md, "- added: `"+here+"/beta/widget.yaml:3` `user:dave` expires `2027-03-01`\n")
	assert.Contains(t, md, "- removed: `permissions/acme/widget.yaml:3` `user:alice` expires `2027-03-01`\n")

	// The approved plan applies: the dates are not part of the comparison,
	// and nothing on GitHub changes.
	w.srv.ResetStats()
	err := applyRun(context.Background(), &ApplyOptions{IO: w.ios(), Global: w.global(t), Dir: w.dir, Repos: []string{"acme/widget"}, PlanFile: saved, Yes: true})
	require.Equal(t, ExitOK, codeOf(err), "%v %s", err, w.out.String())
	assert.Zero(t, grantingRequests(w.srv.Stats()))

	// That apply approved this commit: nothing to ask since.
	code, md, p, _ = w.planExpiries(t, w.gitCommitAll(t))
	assert.Equal(t, ExitOK, code, md)
	assert.Empty(t, p.ExpiryChanges)

	// No approved apply yet: every date.
	code, _, p, _ = w.planExpiries(t, noApproved)
	assert.Equal(t, ExitChanges, code)
	assert.Len(t, p.ExpiryChanges, 2)
	assert.Equal(t, "none", p.ExpiriesSince)

	// An approved commit git does not have: fail closed, say what to do.
	code, msg, _, _ := w.planExpiries(t, "0000000000000000000000000000000000000001")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, msg, "--expiries-since 0000000000000000000000000000000000000001: ")
	assert.Contains(t, msg, "fetch that commit")
}
