package posture

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// The last approved apply (the expiry job's --approved-ref, the apply's base
// for the expires: dates it asks approval for) is a run of
// permissions-apply.yml whose apply job, behind the required reviewers,
// succeeded. These fixtures answer as GitHub would: the runs of the
// workflow, and each run's jobs (GET /repos/{owner}/{repo}/actions/runs/
// {run_id}/jobs: {"total_count": n, "jobs": [{"id", "run_id", "name",
// "status", "conclusion", ...}]}: the latest attempt's by default or with
// filter=latest, every attempt's with filter=all). The runs list honours
// status=success (the run's conclusion, its latest attempt's) and per_page
// (30 by default), newest first as given.

// approvedRun is a run as the runs list shows it, with the conclusion of
// its apply job ("" when the run has no apply job at all) in its latest
// attempt, and in an earlier attempt (Earlier, "" when there was none: a
// re-run whose new attempt failed, say).
type approvedRun struct {
	run
	ID      int64  `json:"id"`
	Apply   string `json:"-"`
	Earlier string `json:"-"`
}

// jobsOf is what GitHub lists for r's jobs: the plan job, and the apply job
// (skipped when the plan had nothing to approve), of each attempt.
func jobsOf(r approvedRun, all bool) map[string]any {
	attempt := func(n int, apply string) []map[string]any {
		id := r.ID*100 + int64(n)*10
		jobs := []map[string]any{{"id": id + 1, "run_id": r.ID, "run_attempt": n, "name": "plan", "status": "completed", "conclusion": "success"}}
		if apply != "" {
			jobs = append(jobs, map[string]any{"id": id + 2, "run_id": r.ID, "run_attempt": n, "name": "apply", "status": "completed", "conclusion": apply})
		}
		return jobs
	}
	jobs := attempt(2, r.Apply)
	if r.Earlier != "" {
		if all {
			jobs = append(attempt(1, r.Earlier), jobs...)
		}
	}
	return map[string]any{"total_count": len(jobs), "jobs": jobs}
}

// ghRunsAndJobs answers gh api for the runs list ($POSTURE_RUNS) and for a
// run's jobs ($POSTURE_JOBS/<id>.json, or 404), and records the run ids whose
// jobs were asked for in $POSTURE_ASKED.
const ghRunsAndJobs = `for a in "$@"; do
  case "$a" in
    */actions/runs/*/jobs*)
      id=${a#*/actions/runs/}; id=${id%%/*}
      echo "$id" >> "$POSTURE_ASKED"
      case "$a" in *filter=all*) f="$POSTURE_JOBS/$id.all.json" ;; *) f="$POSTURE_JOBS/$id.json" ;; esac
      [ -f "$f" ] || f="$POSTURE_JOBS/$id.json"
      if [ -f "$f" ]; then cat "$f"; exit 0; fi
      echo "gh: Not Found (HTTP 404)" >&2; exit 1 ;;
    */actions/workflows/*/runs*)
      n=30; case "$a" in *per_page=*) n=${a#*per_page=}; n=${n%%&*} ;; esac
      st=; case "$a" in *status=success*) st=success ;; esac
      jq --argjson n "$n" --arg st "$st" '.workflow_runs |= (map(select($st == "" or .conclusion == $st)) | .[:$n])' "$POSTURE_RUNS"
      exit 0 ;;
  esac
done
echo "gh: unexpected call: $*" >&2
exit 1`

// writeRuns writes the runs list and every run's jobs under dir, and
// returns the environment the gh stub reads. A run in broken has no jobs
// list (the request fails).
func writeRuns(dir string, runs []approvedRun, broken ...int64) (map[string]string, error) {
	jobsDir := filepath.Join(dir, "jobs")
	if err := os.MkdirAll(jobsDir, 0o755); err != nil {
		return nil, err
	}
	data, err := json.Marshal(map[string]any{"total_count": len(runs), "workflow_runs": runs})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "runs.json"), data, 0o644); err != nil {
		return nil, err
	}
	for _, r := range runs {
		skip := false
		for _, b := range broken {
			skip = skip || b == r.ID
		}
		if skip {
			continue
		}
		for name, all := range map[string]bool{"%d.json": false, "%d.all.json": true} {
			data, err := json.Marshal(jobsOf(r, all))
			if err != nil {
				return nil, err
			}
			if err := os.WriteFile(filepath.Join(jobsDir, fmt.Sprintf(name, r.ID)), data, 0o644); err != nil {
				return nil, err
			}
		}
	}
	return map[string]string{
		"POSTURE_RUNS":  filepath.Join(dir, "runs.json"),
		"POSTURE_JOBS":  jobsDir,
		"POSTURE_ASKED": filepath.Join(dir, "asked"),
	}, nil
}

// mainline is a repository whose main is c1 → c2 → m3, m3 merging x1 from
// a branch that only looks like main (a tag named main could run there).
type mainline struct {
	dir            string
	c1, c2, x1, m3 string
}

var (
	mainlineOnce sync.Once
	mainlineRepo mainline
	mainlineErr  error
)

// theMainline builds the repository once (fixed dates: the same commits on
// every machine); checkouts copy it. TestMain removes it.
func theMainline() (mainline, error) {
	mainlineOnce.Do(func() {
		dir, err := os.MkdirTemp("", "posture-mainline-")
		if err != nil {
			mainlineErr = err
			return
		}
		m := mainline{dir: dir}
		git := gitIn(dir)
		for _, st := range []struct {
			args []string
			out  *string
		}{
			{[]string{"init", "-q", "-b", "main"}, nil},
			{[]string{"commit", "-q", "--allow-empty", "-m", "c1"}, nil},
			{[]string{"rev-parse", "HEAD"}, &m.c1},
			{[]string{"checkout", "-q", "-b", "evil"}, nil},
			{[]string{"commit", "-q", "--allow-empty", "-m", "x1"}, nil},
			{[]string{"rev-parse", "HEAD"}, &m.x1},
			{[]string{"checkout", "-q", "main"}, nil},
			{[]string{"commit", "-q", "--allow-empty", "-m", "c2"}, nil},
			{[]string{"rev-parse", "HEAD"}, &m.c2},
			{[]string{"merge", "-q", "--no-ff", "-m", "m3", "evil"}, nil},
			{[]string{"rev-parse", "HEAD"}, &m.m3},
		} {
			out, err := git(st.args...)
			if err != nil {
				mainlineErr = err
				return
			}
			if st.out != nil {
				*st.out = out
			}
		}
		mainlineRepo = m
	})
	return mainlineRepo, mainlineErr
}

// checkout copies the repository into work.
func (m mainline) checkout(work, _ string) error {
	return os.CopyFS(work, os.DirFS(m.dir))
}
