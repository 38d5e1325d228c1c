package posture

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expiry job runs with the writer App's key and no reviewer, so it
// removes only the expired entries the last approved apply's files held
// (apply --approved-ref). Which run counts as that apply must not be
// steerable: a run whose plan had nothing to approve (its apply job, behind
// the required reviewers, skipped: a pull request that only moves an
// expires: date), a tag or branch named like main, a commit merged in from a
// pull request's branch, a changed copy of the workflow, a run whose apply job failed, a job
// list of another run. And with none found, the job removes nothing. The
// step is run with bash in a real git repository, gh stubbed with the runs
// and jobs GitHub would list.
func TestExpiryFindsTheLastApprovedApply(t *testing.T) {
	for _, tool := range []string{"git", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the step cannot be run", tool)
		}
	}
	w, j, s := workflowStep(t, "permissions-expiry.yml", "Find the last approved apply")
	m, err := theMainline()
	require.NoError(t, err)
	c1, c2, x1, m3 := m.c1, m.c2, m.x1, m.m3

	const path = ".github/workflows/permissions-apply.yml"
	push := func(id int64, sha, apply, started string) approvedRun {
		return approvedRun{run{"push", "main", sha, path, "success", started}, id, apply, ""}
	}
	many := func(n int, sha, apply string) []approvedRun { // newest first
		var out []approvedRun
		for i := range n {
			out = append(out, push(int64(1000+i), sha, apply, fmt.Sprintf("2026-02-01T00:%02d:%02dZ", (999-i)/60, 59-(i%60))))
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		runs   []approvedRun
		broken []int64          // runs whose jobs cannot be listed
		jobs   map[int64]string // runs whose jobs list answers this instead
		want   string           // "" : none found, nothing removed
		asked  int              // jobs requests (-1: not counted)
		fails  string           // the error when want is ""
	}{
		{name: "the last approved apply on main",
			runs: []approvedRun{push(1, c1, "success", "2026-01-01T00:00:00Z"), push(2, c2, "success", "2026-01-02T00:00:00Z")},
			want: c2, asked: 1},
		{name: "not a newer run whose apply job was skipped (nothing to approve)",
			runs: []approvedRun{push(2, c2, "skipped", "2026-01-02T00:00:00Z"), push(1, c1, "success", "2026-01-01T00:00:00Z")},
			want: c1, asked: 2},
		{name: "not a newer run whose apply job failed or was rejected",
			runs: []approvedRun{push(2, c2, "failure", "2026-01-02T00:00:00Z"), push(1, c1, "success", "2026-01-01T00:00:00Z")},
			want: c1, asked: -1},
		{name: "not a newer run without an apply job",
			runs: []approvedRun{push(2, c2, "", "2026-01-02T00:00:00Z"), push(1, c1, "success", "2026-01-01T00:00:00Z")},
			want: c1, asked: -1},
		{name: "a manual full reconciliation, approved, counts",
			runs: []approvedRun{{run{"workflow_dispatch", "main", c2, path, "success", "2026-01-02T00:00:00Z"}, 2, "success", ""}, push(1, c1, "success", "2026-01-01T00:00:00Z")},
			want: c2, asked: 1},
		{name: "not a manual run whose apply job was skipped",
			runs: []approvedRun{{run{"workflow_dispatch", "main", c2, path, "success", "2026-01-02T00:00:00Z"}, 2, "skipped", ""}, push(1, c1, "success", "2026-01-01T00:00:00Z")},
			want: c1, asked: 2},
		{name: "only skipped applies: nothing",
			runs:  []approvedRun{push(2, c2, "skipped", "2026-01-02T00:00:00Z"), push(1, c1, "skipped", "2026-01-01T00:00:00Z")},
			fails: "no approved apply of permissions-apply.yml found on main", asked: 2},
		{name: "not a newer run of a tag named main on a merged-in commit",
			runs: []approvedRun{push(3, x1, "success", "2026-01-03T00:00:00Z"), push(1, c1, "success", "2026-01-02T00:00:00Z")},
			want: c1, asked: 1},
		// The run failed after its apply job succeeded (posting the result,
		// say): what the reviewers approved was applied.
		{name: "a failed run whose apply job succeeded counts",
			runs: []approvedRun{{run{"push", "main", c2, path, "failure", "2026-01-03T00:00:00Z"}, 2, "success", ""}, push(1, c1, "success", "2026-01-02T00:00:00Z")},
			want: c2, asked: 1},
		{name: "not a failed run whose apply job failed",
			runs: []approvedRun{{run{"push", "main", c2, path, "failure", "2026-01-03T00:00:00Z"}, 2, "failure", ""}, push(1, c1, "success", "2026-01-02T00:00:00Z")},
			want: c1, asked: 2},
		// Someone re-runs the last approved run: its new attempt fails the
		// head check, the run's conclusion becomes failure and its latest
		// jobs failed. Its first attempt was still approved and applied:
		// the anchor must not move back to c1.
		{name: "a re-run of the last approved run does not hide it",
			runs: []approvedRun{{run{"push", "main", c2, path, "failure", "2026-01-03T00:00:00Z"}, 2, "failure", "success"}, push(1, c1, "success", "2026-01-02T00:00:00Z")},
			want: c2, asked: 1},
		{name: "not a run of another workflow, branch or event",
			runs: []approvedRun{
				{run{"push", "main", c2, ".github/workflows/evil.yml", "success", "2026-01-03T00:00:00Z"}, 4, "success", ""},
				{run{"push", "feature", c2, path, "success", "2026-01-03T00:00:00Z"}, 5, "success", ""},
				{run{"pull_request_target", "main", c2, path, "success", "2026-01-03T00:00:00Z"}, 6, "success", ""},
			},
			fails: "no approved apply of permissions-apply.yml found on main"},
		{name: "no apply at all", runs: []approvedRun{}, fails: "no approved apply of permissions-apply.yml found on main"},
		// Run 7's list answers with run 8's jobs: an approved apply, but not run 7's.
		{name: "jobs that name another run do not count",
			runs:  []approvedRun{push(7, c2, "skipped", "2026-01-02T00:00:00Z")},
			jobs:  map[int64]string{7: `{"total_count":1,"jobs":[{"id":81,"run_id":8,"name":"apply","status":"completed","conclusion":"success"}]}`},
			fails: "no approved apply of permissions-apply.yml found on main", asked: 1},
		{name: "a job named otherwise does not count",
			runs:  []approvedRun{push(7, c2, "skipped", "2026-01-02T00:00:00Z")},
			jobs:  map[int64]string{7: `{"total_count":2,"jobs":[{"id":71,"run_id":7,"name":"plan","status":"completed","conclusion":"success"},{"id":72,"run_id":7,"name":"apply / approve","status":"completed","conclusion":"success"}]}`},
			fails: "no approved apply of permissions-apply.yml found on main", asked: 1},
		{name: "a jobs list that cannot be read: nothing, and says why",
			runs:   []approvedRun{push(2, c2, "success", "2026-01-02T00:00:00Z"), push(1, c1, "success", "2026-01-01T00:00:00Z")},
			broken: []int64{2}, fails: "could not list the jobs of run 2 of permissions-apply.yml: nothing is removed", asked: 1},
		// Someone re-runs an older approved run: it restarts now (the
		// newest run_started_at) and fails the head check. The anchor is
		// still the newest commit an approved apply ran on.
		{name: "a re-run of an older approved run does not move the anchor back",
			runs: []approvedRun{{run{"push", "main", c1, path, "failure", "2026-01-09T00:00:00Z"}, 1, "failure", "success"}, push(2, c2, "success", "2026-01-02T00:00:00Z")},
			want: c2, asked: 1},
		// Runs with nothing to approve (no-op dispatches, date-free merges)
		// do not push the last approved apply out of reach: 40 of them
		// once did, at 30.
		{name: "40 newer runs with nothing approved do not hide it",
			runs: append(many(40, c2, "skipped"), push(1, c1, "success", "2026-01-01T00:00:00Z")),
			want: c1, asked: 41},
		// One page of 100 runs, every candidate's jobs asked for, and no more.
		{name: "at most 100 runs' jobs are asked for",
			runs:  append(many(100, c2, "skipped"), push(1, c1, "success", "2026-01-01T00:00:00Z")),
			fails: "among the newest 100", asked: 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env, err := writeRuns(dir, tc.runs, tc.broken...)
			require.NoError(t, err)
			for id, body := range tc.jobs {
				require.NoError(t, os.WriteFile(filepath.Join(env["POSTURE_JOBS"], fmt.Sprintf("%d.json", id)), []byte(body), 0o644))
			}
			ctx, base := pushContext()
			for k, v := range base {
				env[k] = v
			}
			ctx["github.event_name"], env["GITHUB_EVENT_NAME"] = "schedule", "schedule"
			ctx["github.ref_name"] = "main"
			ctx["github.sha"], env["GITHUB_SHA"] = m3, m3
			code, out, outputs, err := runStepOutputs(w, j, s, ctx, env, map[string]string{"gh": ghRunsAndJobs}, m.checkout)
			require.NoError(t, err)
			asked, _ := os.ReadFile(env["POSTURE_ASKED"])
			if tc.asked >= 0 {
				assert.Equal(t, tc.asked, strings.Count(string(asked), "\n"), "jobs requests: %s", asked)
			}
			if tc.want != "" {
				require.Equal(t, 0, code, out)
				assert.Contains(t, out, "The last approved apply ran on "+tc.want+":")
				assert.Equal(t, tc.want, outputs["ref"])
				return
			}
			assert.Equal(t, 1, code, out)
			assert.Contains(t, out, tc.fails)
			assert.Contains(t, out, "nothing is removed")
			assert.Empty(t, outputs["ref"])
		})
	}
}

// The expiry step knows the apply job by the name GitHub reports for it:
// the job's id, as long as the job sets no name of its own.
func TestApplyJobNameIsWhatTheExpiryLooksFor(t *testing.T) {
	set, err := loadWorkflows(workflowsDir)
	require.NoError(t, err)
	var found bool
	for _, w := range set {
		if w.File != "permissions-apply.yml" {
			continue
		}
		for _, j := range w.Jobs {
			if j.ID == "apply" {
				found = true
				assert.Equal(t, "apply", j.checkName(), "the expiry job and the apply's scope step look for the apply job by the name %q", "apply")
			}
		}
	}
	require.True(t, found, "permissions-apply.yml has no job apply")
	for _, f := range []struct{ file, step string }{
		{"permissions-expiry.yml", "Find the last approved apply"},
		{"permissions-apply.yml", "Which repositories changed since the last successful apply"},
	} {
		_, _, s := workflowStep(t, f.file, f.step)
		assert.Contains(t, s.Run.Value, `.name == "apply" and .conclusion == "success"`, "%s: %s", f.file, f.step)
		// The same lookup in both (F2: any conclusion, every attempt, 100 runs).
		assert.Contains(t, s.Run.Value, `/actions/workflows/permissions-apply.yml/runs?branch=$DEFAULT_BRANCH&per_page=100"`, "%s: %s", f.file, f.step)
		assert.Contains(t, s.Run.Value, `/jobs?filter=all&per_page=100"`, "%s: %s", f.file, f.step)
		assert.Contains(t, s.Run.Value, `[ "$asked" -le 100 ] || break`, "%s: %s", f.file, f.step)
		assert.Contains(t, s.Run.Value, `awk 'NR == FNR { at[$1] = NR; next } ($2 in at) { print at[$2], $1, $2 }' "$RUNNER_TEMP/mainline" - | sort -s -n -k1,1 | cut -d' ' -f2-`, "%s: %s: newest commit first", f.file, f.step)
		assert.NotContains(t, s.Run.Value, "runs?status=success", "%s: %s", f.file, f.step)
		assert.NotContains(t, s.Run.Value, "filter=latest", "%s: %s", f.file, f.step)
	}
}
