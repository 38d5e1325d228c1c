package posture

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The apply plans the repositories whose files changed since the last
// successful apply. Which run counts as that must not be steerable: a run
// for a tag or another branch named like the default one, a run of a
// changed copy of the workflow, or of another workflow, or a run that did
// not succeed would otherwise make the apply skip changes nobody applied.
// The step is run, with bash, in a real git repository, against runs.json
// as GitHub would list it (gh stubbed), and jq and git for real.

type run struct {
	Event      string `json:"event"`
	HeadBranch string `json:"head_branch"`
	HeadSHA    string `json:"head_sha"`
	Path       string `json:"path"`
	Conclusion string `json:"conclusion"`
	Started    string `json:"run_started_at"`
}

func TestApplySinceLastApply(t *testing.T) {
	for _, tool := range []string{"git", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the step cannot be run", tool)
		}
	}
	set, err := loadWorkflows(workflowsDir)
	require.NoError(t, err)
	var w *workflow
	for _, x := range set {
		if x.File == "permissions-apply.yml" {
			w = x
		}
	}
	require.NotNil(t, w)
	var j *job
	var s *step
	for _, x := range w.Jobs {
		for _, st := range x.Steps {
			if st.Name.Value == "Which repositories changed since the last successful apply" {
				j, s = x, st
			}
		}
	}
	require.NotNil(t, s, "the apply workflow's step that finds the last successful apply")

	// main: c0 → c1 (adds acme/a) → c2 (adds acme/b, the head). Off main:
	// x1, a commit of a branch or tag that only looks like main.
	var c0, c1, c2, x1 string
	setup := func(work, _ string) error {
		git := func(args ...string) (string, error) {
			cmd := exec.Command("git", args...)
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t",
				"GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_AUTHOR_DATE=2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2026-01-01T00:00:00Z",
				"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				return "", &exec.Error{Name: "git " + strings.Join(args, " ") + ": " + string(out), Err: err}
			}
			return strings.TrimSpace(string(out)), nil
		}
		commit := func(file, msg string) (string, error) {
			if err := os.MkdirAll(filepath.Join(work, filepath.Dir(file)), 0o755); err != nil {
				return "", err
			}
			if err := os.WriteFile(filepath.Join(work, file), []byte(msg+"\n"), 0o644); err != nil {
				return "", err
			}
			if _, err := git("add", "-A"); err != nil {
				return "", err
			}
			if _, err := git("commit", "-q", "-m", msg); err != nil {
				return "", err
			}
			return git("rev-parse", "HEAD")
		}
		var err error
		if _, err = git("init", "-q", "-b", "main"); err != nil {
			return err
		}
		if c0, err = commit("permissions/acme.yaml", "c0"); err != nil {
			return err
		}
		if c1, err = commit("permissions/acme/a.yaml", "c1"); err != nil {
			return err
		}
		if _, err = git("checkout", "-q", "-b", "evil"); err != nil {
			return err
		}
		if x1, err = commit("permissions/acme/x.yaml", "x1"); err != nil {
			return err
		}
		if _, err = git("checkout", "-q", "main"); err != nil {
			return err
		}
		if c2, err = commit("permissions/acme/b.yaml", "c2"); err != nil {
			return err
		}
		return nil
	}

	// The same dates give the same commits every time: learn them once.
	require.NoError(t, setup(t.TempDir(), ""))

	const path = ".github/workflows/permissions-apply.yml"
	for _, tc := range []struct {
		name string
		runs func() []run
		from func() string // the commit the step must plan from
	}{
		{"the last apply on main counts", func() []run {
			return []run{{"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }},
		{"a newer run of a tag or branch named main, off main, does not", func() []run {
			return []run{
				{"push", "main", x1, path, "success", "2026-01-03T00:00:00Z"},
				{"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"},
			}
		}, func() string { return c1 }},
		{"a run on another branch does not", func() []run {
			return []run{{"push", "feature", c2, path, "success", "2026-01-03T00:00:00Z"}, {"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }},
		{"a run of another workflow file does not", func() []run {
			return []run{{"push", "main", c2, ".github/workflows/evil.yml", "success", "2026-01-03T00:00:00Z"}, {"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }},
		{"a run started otherwise than by a push does not", func() []run {
			return []run{{"pull_request_target", "main", c2, path, "success", "2026-01-03T00:00:00Z"}, {"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }},
		{"a failed run does not", func() []run {
			return []run{{"push", "main", c2, path, "failure", "2026-01-03T00:00:00Z"}, {"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }},
		{"no apply at all: the push's own before", func() []run {
			return []run{{"push", "main", x1, path, "success", "2026-01-03T00:00:00Z"}}
		}, func() string { return c0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runsFile := filepath.Join(t.TempDir(), "runs.json")
			data, err := json.Marshal(map[string]any{"workflow_runs": tc.runs()})
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(runsFile, data, 0o644))
			stubs := map[string]string{"gh": `cat "$POSTURE_RUNS"`}
			ctx, env := pushContext()
			ctx["github.sha"], env["GITHUB_SHA"] = c2, c2
			ctx["github.event.before"] = c0
			env["POSTURE_RUNS"] = runsFile
			code, out, err := runStepIn(w, j, s, ctx, env, stubs, setup)
			require.NoError(t, err)
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, "changed from "+tc.from()+" to "+c2, out)
		})
	}
}
