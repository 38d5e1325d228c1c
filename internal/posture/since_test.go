package posture

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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
	w, j, s := workflowStep(t, "permissions-apply.yml", "Which repositories changed since the last successful apply")

	// main: c0 → c1 (adds acme/a) → c2 (adds acme/b, the head). Off main:
	// x1, a commit of a branch or tag that only looks like main; m3 merges
	// it into main after c2.
	var c0, c1, c2, x1, m3 string
	setup := func(work, _ string) error {
		git := gitIn(work)
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
		if _, err = git("merge", "-q", "--no-ff", "-m", "m3", "evil"); err != nil {
			return err
		}
		m3, err = git("rev-parse", "HEAD")
		return err
	}

	// The same dates give the same commits every time: learn them once.
	require.NoError(t, setup(t.TempDir(), ""))

	const path = ".github/workflows/permissions-apply.yml"
	for _, tc := range []struct {
		name string
		runs func() []run
		from func() string // the commit the step must plan from
		head func() string // this run's commit; c2 when nil
	}{
		{"the last apply on main counts", func() []run {
			return []run{{"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }, nil},
		{"a newer run of a tag or branch named main, off main, does not", func() []run {
			return []run{
				{"push", "main", x1, path, "success", "2026-01-03T00:00:00Z"},
				{"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"},
			}
		}, func() string { return c1 }, nil},
		{"a run on another branch does not", func() []run {
			return []run{{"push", "feature", c2, path, "success", "2026-01-03T00:00:00Z"}, {"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }, nil},
		{"a run of another workflow file does not", func() []run {
			return []run{{"push", "main", c2, ".github/workflows/evil.yml", "success", "2026-01-03T00:00:00Z"}, {"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }, nil},
		{"a run started otherwise than by a push does not", func() []run {
			return []run{{"pull_request_target", "main", c2, path, "success", "2026-01-03T00:00:00Z"}, {"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }, nil},
		{"a failed run does not", func() []run {
			return []run{{"push", "main", c2, path, "failure", "2026-01-03T00:00:00Z"}, {"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }, nil},
		{"no apply at all: the push's own before", func() []run {
			return []run{{"push", "main", x1, path, "success", "2026-01-03T00:00:00Z"}}
		}, func() string { return c0 }, nil},
		// A tag named main on a pull request's commit ran a changed copy of
		// the workflow; once merged, that commit is an ancestor of main,
		// but main never went through it: it does not count.
		{"a run of a commit merged in from a branch does not", func() []run {
			return []run{
				{"push", "main", x1, path, "success", "2026-01-03T00:00:00Z"},
				{"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"},
			}
		}, func() string { return c1 }, func() string { return m3 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runsFile := filepath.Join(t.TempDir(), "runs.json")
			data, err := json.Marshal(map[string]any{"workflow_runs": tc.runs()})
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(runsFile, data, 0o644))
			stubs := map[string]string{"gh": `cat "$POSTURE_RUNS"`}
			ctx, env := pushContext()
			head := c2
			if tc.head != nil {
				head = tc.head()
			}
			ctx["github.sha"], env["GITHUB_SHA"] = head, head
			ctx["github.event.before"] = c0
			env["POSTURE_RUNS"] = runsFile
			code, out, err := runStepIn(w, j, s, ctx, env, stubs, setup)
			require.NoError(t, err)
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, "changed from "+tc.from()+" to "+head, out)
		})
	}
}
