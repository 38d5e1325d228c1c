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

// The expiry job runs with the writer App's key and no reviewer, so it
// removes only the expired entries the last approved apply's files held
// (apply --approved-ref). Which run counts as that apply must not be
// steerable: a tag or branch named like main, a commit merged in from a
// pull request's branch, a changed copy of the workflow, a failed run. And
// with none found, the job removes nothing. The step is run with bash in a
// real git repository, gh stubbed with the runs GitHub would list.
func TestExpiryFindsTheLastApprovedApply(t *testing.T) {
	for _, tool := range []string{"git", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the step cannot be run", tool)
		}
	}
	w, j, s := workflowStep(t, "permissions-expiry.yml", "Find the last approved apply")

	// main: c1 → c2; x1 on a branch that only looks like main, merged into
	// main by m3 (the head).
	var c1, c2, x1, m3 string
	setup := func(work, _ string) error {
		git := gitIn(work)
		steps := []struct {
			args []string
			out  *string
		}{
			{[]string{"init", "-q", "-b", "main"}, nil},
			{[]string{"commit", "-q", "--allow-empty", "-m", "c1"}, nil},
			{[]string{"rev-parse", "HEAD"}, &c1},
			{[]string{"checkout", "-q", "-b", "evil"}, nil},
			{[]string{"commit", "-q", "--allow-empty", "-m", "x1"}, nil},
			{[]string{"rev-parse", "HEAD"}, &x1},
			{[]string{"checkout", "-q", "main"}, nil},
			{[]string{"commit", "-q", "--allow-empty", "-m", "c2"}, nil},
			{[]string{"rev-parse", "HEAD"}, &c2},
			{[]string{"merge", "-q", "--no-ff", "-m", "m3", "evil"}, nil},
			{[]string{"rev-parse", "HEAD"}, &m3},
		}
		for _, st := range steps {
			out, err := git(st.args...)
			if err != nil {
				return err
			}
			if st.out != nil {
				*st.out = out
			}
		}
		return nil
	}
	require.NoError(t, setup(t.TempDir(), "")) // the same commits every time: learn them once

	const path = ".github/workflows/permissions-apply.yml"
	for _, tc := range []struct {
		name string
		runs func() []run
		want func() string // "" : none found, nothing removed
	}{
		{"the last apply on main", func() []run {
			return []run{{"push", "main", c1, path, "success", "2026-01-01T00:00:00Z"}, {"push", "main", c2, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c2 }},
		{"not a newer run of a tag named main on a merged-in commit", func() []run {
			return []run{{"push", "main", x1, path, "success", "2026-01-03T00:00:00Z"}, {"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }},
		{"not a failed run", func() []run {
			return []run{{"push", "main", c2, path, "failure", "2026-01-03T00:00:00Z"}, {"push", "main", c1, path, "success", "2026-01-02T00:00:00Z"}}
		}, func() string { return c1 }},
		{"not a run of another workflow, branch or event", func() []run {
			return []run{
				{"push", "main", c2, ".github/workflows/evil.yml", "success", "2026-01-03T00:00:00Z"},
				{"push", "feature", c2, path, "success", "2026-01-03T00:00:00Z"},
				{"workflow_dispatch", "main", c2, path, "success", "2026-01-03T00:00:00Z"},
			}
		}, func() string { return "" }},
		{"no apply at all", func() []run { return []run{} }, func() string { return "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runsFile := filepath.Join(t.TempDir(), "runs.json")
			data, err := json.Marshal(map[string]any{"workflow_runs": tc.runs()})
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(runsFile, data, 0o644))
			ctx, env := pushContext()
			ctx["github.event_name"], env["GITHUB_EVENT_NAME"] = "schedule", "schedule"
			ctx["github.ref_name"] = "main"
			ctx["github.sha"], env["GITHUB_SHA"] = m3, m3
			env["POSTURE_RUNS"] = runsFile
			code, out, err := runStepIn(w, j, s, ctx, env, map[string]string{"gh": `cat "$POSTURE_RUNS"`}, setup)
			require.NoError(t, err)
			if want := tc.want(); want != "" {
				require.Equal(t, 0, code, out)
				assert.Contains(t, out, "The last approved apply ran on "+want+":")
				return
			}
			assert.Equal(t, 1, code, out)
			assert.Contains(t, out, "no successful apply of permissions-apply.yml found on main: nothing is removed")
		})
	}
}
