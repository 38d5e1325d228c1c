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

// The nightly audit compares with a previous snapshot. Any branch can run a
// changed copy of the workflow and upload an artifact of the same name (one
// that hides a hand-made admin), so only a scheduled run of the nightly
// workflow on the default branch, whose commit this one contains, may
// supply it. The step is run with bash, real git and jq, and gh stubbed:
// its API answer is a crafted list of runs, and "run download" succeeds for
// the runs that have an artifact (and logs which one it fetched).

type nightlyRun struct {
	ID         int64  `json:"id"`
	Event      string `json:"event"`
	HeadBranch string `json:"head_branch"`
	HeadSHA    string `json:"head_sha"`
	Path       string `json:"path"`
	Started    string `json:"run_started_at"`
}

const ghArtifactStub = `case "$1" in
  api) cat "$POSTURE_RUNS" ;;
  run)
    id=$3; dir=
    while [ $# -gt 0 ]; do [ "$1" = -D ] && dir=$2; shift; done
    [ -f "$POSTURE_ARTIFACTS/$id" ] || exit 1
    mkdir -p "$dir" && cp "$POSTURE_ARTIFACTS/$id" "$dir/snapshot.json" && echo "$id" >> "$POSTURE_LOG" ;;
  *) exit 1 ;;
esac`

func TestNightlyPreviousSnapshotSource(t *testing.T) {
	for _, tool := range []string{"git", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the step cannot be run", tool)
		}
	}
	w, j, s := workflowStep(t, "permissions-nightly.yml", "Fetch the previous night's snapshot")

	// main: c0 → c1 (this run's commit); x1 off main.
	var c0, c1, x1 string
	setup := func(work, _ string) error {
		git := gitIn(work)
		steps := [][]string{{"init", "-q", "-b", "main"}, {"commit", "-q", "--allow-empty", "-m", "c0"}}
		for _, a := range steps {
			if _, err := git(a...); err != nil {
				return err
			}
		}
		var err error
		if c0, err = git("rev-parse", "HEAD"); err != nil {
			return err
		}
		for _, a := range [][]string{{"checkout", "-q", "-b", "evil"}, {"commit", "-q", "--allow-empty", "-m", "x1"}} {
			if _, err := git(a...); err != nil {
				return err
			}
		}
		if x1, err = git("rev-parse", "HEAD"); err != nil {
			return err
		}
		for _, a := range [][]string{{"checkout", "-q", "main"}, {"commit", "-q", "--allow-empty", "-m", "c1"}} {
			if _, err := git(a...); err != nil {
				return err
			}
		}
		c1, err = git("rev-parse", "HEAD")
		return err
	}
	require.NoError(t, setup(t.TempDir(), ""))

	const path = ".github/workflows/permissions-nightly.yml"
	const self = 999
	for _, tc := range []struct {
		name      string
		runs      func() []nightlyRun
		artifacts []int64
		want      int64 // the run the snapshot comes from; 0 for none
	}{
		{"the last scheduled run on main", func() []nightlyRun {
			return []nightlyRun{{10, "schedule", "main", c0, path, "2026-01-02T04:17:00Z"}}
		}, []int64{10}, 10},
		{"a newer run started by hand does not count", func() []nightlyRun {
			return []nightlyRun{{11, "workflow_dispatch", "main", c1, path, "2026-01-03T00:00:00Z"}, {10, "schedule", "main", c0, path, "2026-01-02T04:17:00Z"}}
		}, []int64{10, 11}, 10},
		{"a newer run of a commit off main does not count", func() []nightlyRun {
			return []nightlyRun{{12, "schedule", "main", x1, path, "2026-01-03T00:00:00Z"}, {10, "schedule", "main", c0, path, "2026-01-02T04:17:00Z"}}
		}, []int64{10, 12}, 10},
		{"a run on another branch does not count", func() []nightlyRun {
			return []nightlyRun{{13, "schedule", "evil", c0, path, "2026-01-03T00:00:00Z"}}
		}, []int64{13}, 0},
		{"a run of another workflow does not count", func() []nightlyRun {
			return []nightlyRun{{14, "schedule", "main", c0, ".github/workflows/evil.yml", "2026-01-03T00:00:00Z"}}
		}, []int64{14}, 0},
		{"this run does not count", func() []nightlyRun {
			return []nightlyRun{{self, "schedule", "main", c1, path, "2026-01-03T00:00:00Z"}}
		}, []int64{self}, 0},
		{"a run without the artifact is passed over", func() []nightlyRun {
			return []nightlyRun{{15, "schedule", "main", c1, path, "2026-01-03T00:00:00Z"}, {10, "schedule", "main", c0, path, "2026-01-02T04:17:00Z"}}
		}, []int64{10}, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			runs, arts, log := filepath.Join(dir, "runs.json"), filepath.Join(dir, "artifacts"), filepath.Join(dir, "log")
			data, err := json.Marshal(map[string]any{"workflow_runs": tc.runs()})
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(runs, data, 0o644))
			require.NoError(t, os.Mkdir(arts, 0o755))
			for _, id := range tc.artifacts {
				require.NoError(t, os.WriteFile(filepath.Join(arts, itoa(id)), []byte(`{"taken_at":"2026-01-02T04:20:00Z"}`), 0o644))
			}
			ctx, env := pushContext()
			ctx["github.event_name"], env["GITHUB_EVENT_NAME"] = "schedule", "schedule"
			ctx["github.sha"], env["GITHUB_SHA"] = c1, c1
			env["GITHUB_RUN_ID"] = itoa(self)
			env["POSTURE_RUNS"], env["POSTURE_ARTIFACTS"], env["POSTURE_LOG"] = runs, arts, log
			code, out, err := runStepIn(w, j, s, ctx, env, map[string]string{"gh": ghArtifactStub}, setup)
			require.NoError(t, err)
			require.Equal(t, 0, code, out)
			fetched, _ := os.ReadFile(log)
			if tc.want == 0 {
				assert.Contains(t, out, "no previous snapshot from a scheduled run on main")
				return
			}
			lines := strings.Fields(string(fetched))
			require.NotEmpty(t, lines, out)
			assert.Equal(t, itoa(tc.want), lines[len(lines)-1], "the snapshot's run; output: %s", out)
		})
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
