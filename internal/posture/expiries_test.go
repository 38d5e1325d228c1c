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

// The daily expiry job removes, without a reviewer, the entries whose date
// an approved apply's files held. So a push that adds, moves or removes an
// expires: date must go through the approval even when GitHub has nothing
// to change (a project team owning its file moves a colleague's expiry to
// tomorrow): the apply's scope step finds every such line since the last
// approved apply, plans its repository, and the approver is shown each line
// (file:line and the entry). The steps are run with bash in a real git
// repository, gh stubbed with the runs and jobs GitHub would list.

const aYAML = `write:
  users:
    - {login: bob, expires: 2027-06-01, reason: "contract"}
    - login: carol
      expires: 2027-07-01
    - dave
`

// history commits each map of files in turn ("" deletes a file) on main,
// and returns the repository and the commits.
func history(t *testing.T, commits ...map[string]string) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	git := gitIn(dir)
	_, err := git("init", "-q", "-b", "main")
	require.NoError(t, err)
	var shas []string
	for i, files := range commits {
		for f, body := range files {
			p := filepath.Join(dir, f)
			if body == "" {
				require.NoError(t, os.Remove(p))
				continue
			}
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		}
		_, err := git("add", "-A")
		require.NoError(t, err)
		_, err = git("commit", "-q", "--allow-empty", "-m", "c"+string(rune('0'+i)))
		require.NoError(t, err)
		sha, err := git("rev-parse", "HEAD")
		require.NoError(t, err)
		shas = append(shas, sha)
	}
	return dir, shas
}

func TestApplyAsksApprovalForExpiryDates(t *testing.T) {
	for _, tool := range []string{"git", "jq", "awk"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the step cannot be run", tool)
		}
	}
	w, j, s := workflowStep(t, "permissions-apply.yml", "Which repositories changed since the last successful apply")
	const path = ".github/workflows/permissions-apply.yml"
	base := map[string]string{"permissions/acme.yaml": "mode: authoritative\n", "permissions/acme/a.yaml": aYAML, "permissions/acme/b.yaml": "read:\n  users: [erin]\n"}
	moved := strings.Replace(aYAML, "2027-06-01", "2026-12-08", 1)

	for _, tc := range []struct {
		name    string
		commits []map[string]string
		runs    func(shas []string) []approvedRun
		repos   string   // the repositories planned
		lines   []string // the expiries listed, in order; none: no approval asked for dates
	}{
		{name: "a date-only change needs the approval",
			commits: []map[string]string{base, {"permissions/acme/a.yaml": moved}},
			runs: func(c []string) []approvedRun {
				return []approvedRun{{run{"push", "main", c[0], path, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""}}
			},
			repos: "acme/a",
			lines: []string{
				"permissions/acme/a.yaml:3: -     - {login: bob, expires: 2027-06-01, reason: \"contract\"}",
				"permissions/acme/a.yaml:3: +     - {login: bob, expires: 2026-12-08, reason: \"contract\"}",
			}},
		{name: "a change without expires: unchanged",
			commits: []map[string]string{base, {"permissions/acme/b.yaml": "read:\n  users: [erin, frank]\n"}},
			runs: func(c []string) []approvedRun {
				return []approvedRun{{run{"push", "main", c[0], path, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""}}
			},
			repos: "acme/b"},
		{name: "a block entry: its first line is named",
			commits: []map[string]string{base, {"permissions/acme/a.yaml": strings.Replace(aYAML, "2027-07-01", "2026-12-08", 1)}},
			runs: func(c []string) []approvedRun {
				return []approvedRun{{run{"push", "main", c[0], path, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""}}
			},
			repos: "acme/a",
			lines: []string{
				"permissions/acme/a.yaml:5: -       expires: 2027-07-01    (entry: - login: carol)",
				"permissions/acme/a.yaml:5: +       expires: 2026-12-08    (entry: - login: carol)",
			}},
		{name: "a date on its own line is a date",
			commits: []map[string]string{
				{"permissions/acme/a.yaml": "write:\n  users:\n    - login: bob\n      expires:\n        2027-06-01\n"},
				{"permissions/acme/a.yaml": "write:\n  users:\n    - login: bob\n      expires:\n        2026-12-08\n"},
			},
			runs: func(c []string) []approvedRun {
				return []approvedRun{{run{"push", "main", c[0], path, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""}}
			},
			repos: "acme/a",
			lines: []string{
				"permissions/acme/a.yaml:5: -         2027-06-01    (entry: - login: bob)",
				"permissions/acme/a.yaml:5: +         2026-12-08    (entry: - login: bob)",
			}},
		// The date moved in c1, whose run applied nothing (skipped, before
		// this rule, or its approval was refused): c2's run, planned from
		// c1, still asks for it, since no approved apply held it.
		{name: "a date no approved apply held is asked for again",
			commits: []map[string]string{base, {"permissions/acme/a.yaml": moved}, {"permissions/acme/b.yaml": "read:\n  users: [erin, frank]\n"}},
			runs: func(c []string) []approvedRun {
				return []approvedRun{
					{run{"push", "main", c[1], path, "success", "2026-01-02T00:00:00Z"}, 2, "skipped", ""},
					{run{"push", "main", c[0], path, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""},
				}
			},
			repos: "acme/b acme/a",
			lines: []string{
				"permissions/acme/a.yaml:3: -     - {login: bob, expires: 2027-06-01, reason: \"contract\"}",
				"permissions/acme/a.yaml:3: +     - {login: bob, expires: 2026-12-08, reason: \"contract\"}",
			}},
		{name: "no approved apply yet: every date",
			commits: []map[string]string{{"permissions/README.md": "x\n"}, base},
			runs:    func([]string) []approvedRun { return nil },
			repos:   "acme/a acme/b",
			lines: []string{
				"permissions/acme/a.yaml:3: +     - {login: bob, expires: 2027-06-01, reason: \"contract\"}",
				"permissions/acme/a.yaml:5: +       expires: 2027-07-01    (entry: - login: carol)",
			}},
		{name: "a deleted file's dates are not asked for",
			commits: []map[string]string{base, {"permissions/acme/a.yaml": ""}},
			runs: func(c []string) []approvedRun {
				return []approvedRun{{run{"push", "main", c[0], path, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""}}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo, shas := history(t, tc.commits...)
			head := shas[len(shas)-1]
			env, err := writeRuns(t.TempDir(), tc.runs(shas))
			require.NoError(t, err)
			ctx, base := pushContext()
			for k, v := range base {
				env[k] = v
			}
			ctx["github.sha"], env["GITHUB_SHA"] = head, head
			ctx["github.event.before"] = shas[len(shas)-2]
			tmp := t.TempDir()
			env["RUNNER_TEMP"] = tmp
			checkout := func(work, _ string) error { return os.CopyFS(work, os.DirFS(repo)) }
			code, out, outputs, err := runStepOutputs(w, j, s, ctx, env, map[string]string{"gh": ghRunsAndJobs}, checkout)
			require.NoError(t, err)
			require.Equal(t, 0, code, out)
			assert.Equal(t, tc.repos, outputs["repos"], out)
			listed, _ := os.ReadFile(filepath.Join(tmp, "expiries.txt"))
			if len(tc.lines) == 0 {
				assert.Empty(t, string(listed))
				assert.Empty(t, outputs["expiries"], out)
				return
			}
			assert.Equal(t, strings.Join(tc.lines, "\n")+"\n", string(listed))
			assert.Equal(t, "true", outputs["expiries"], out)
			assert.NotContains(t, out, "2026-12-08", "the files' lines stay out of the log")
		})
	}
}

// The plan step asks for the approval when GitHub has changes (exit 2) or a
// date changed, and only then; a refused or failed plan fails the run.
func TestApplyApprovalWhenChangesOrExpiries(t *testing.T) {
	w, j, s := workflowStep(t, "permissions-apply.yml", "Plan with the reader App")
	// Alone in a job: no install step before it, so the stub permsync runs.
	alone := *s
	alone.Index = 1
	lone := &job{ID: j.ID, Env: j.Env, Steps: []*step{&alone}}
	stub := map[string]string{"permsync": `mkdir -p "$RUNNER_TEMP/plan"; : > "$RUNNER_TEMP/plan/plan.md"; exit "$POSTURE_RC"`}
	for _, tc := range []struct {
		rc, expiries string
		code         int
		approve      string
	}{
		{"0", "", 0, ""},
		{"0", "true", 0, "true"},
		{"2", "", 0, "true"},
		{"2", "true", 0, "true"},
		{"3", "true", 3, ""},
		{"1", "true", 1, ""},
	} {
		ctx, env := pushContext()
		ctx["steps.scope.outputs.expiries"] = tc.expiries
		ctx["vars.PERMSYNC_READER_APP_ID"] = "1"
		env["POSTURE_RC"] = tc.rc
		code, out, outputs, err := runStepOutputs(w, lone, &alone, ctx, env, stub, nil)
		require.NoError(t, err)
		assert.Equal(t, tc.code, code, "plan exit %s, expiries %q: %s", tc.rc, tc.expiries, out)
		assert.Equal(t, tc.approve, outputs["approve"], "plan exit %s, expiries %q", tc.rc, tc.expiries)
	}

	// What the approval hangs on: the plan job's approve output, in the
	// apply job's condition and in every step that readies the approval.
	set, err := loadWorkflows(workflowsDir)
	require.NoError(t, err)
	for _, wf := range set {
		if wf.File != w.File {
			continue
		}
		for _, jj := range wf.Jobs {
			switch jj.ID {
			case "apply":
				assert.Contains(t, jj.If.Value, "needs.plan.outputs.approve == 'true'")
			case "plan":
				var outs struct {
					Outputs map[string]string `yaml:"outputs"`
				}
				require.NoError(t, jj.node.Decode(&outs))
				assert.Equal(t, "${{ steps.plan.outputs.approve }}", outs.Outputs["approve"])
				n := 0
				for _, st := range jj.Steps {
					if st.ID.Value == "save" || st.action() == "actions/upload-artifact" || st.Name.Value == "Publish the plan for the approver" {
						assert.Equal(t, "steps.plan.outputs.approve == 'true'", st.If.Value, st.label())
						n++
					}
				}
				assert.Equal(t, 3, n)
			}
		}
	}
}

// The approver is shown the dates they approve, in a block the files'
// lines cannot close.
func TestApplyPublishesExpiryDates(t *testing.T) {
	w, j, s := workflowStep(t, "permissions-apply.yml", "Fingerprint the plan")
	tmp := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(tmp, "plan"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "plan", "plan.md"), []byte("## permsync plan\n\nNo changes.\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "plan", "plan.json"), []byte("{}\n"), 0o644))
	listed := "permissions/acme/a.yaml:3: +     - {login: bob, expires: 2026-12-08, reason: \"```\\n# Approved\"}\n"
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "expiries.txt"), []byte(listed), 0o644))
	ctx, env := pushContext()
	ctx["steps.scope.outputs.approved"] = olderSHA
	env["RUNNER_TEMP"], env["GITHUB_RUN_ID"] = tmp, "42"
	code, out, outputs, err := runStepOutputs(w, j, s, ctx, env, nil, nil)
	require.NoError(t, err)
	require.Equal(t, 0, code, out)
	assert.Len(t, outputs["sha256"], 64)
	md, err := os.ReadFile(filepath.Join(tmp, "publish.md"))
	require.NoError(t, err)
	text := string(md)
	assert.Contains(t, text, "### expires: dates to approve")
	assert.Contains(t, text, "changed since the last approved apply ("+olderSHA+")")
	assert.Contains(t, text, "\n````\n"+listed+"````\n", "a fence longer than the line's backticks")
	assert.Contains(t, text, "This plan waits for approval")
}

// A long list (every date, when no apply was approved yet) is cut to fit a
// pull request comment, and says how to see the rest.
func TestApplyPublishesAtMost200ExpiryLines(t *testing.T) {
	w, j, s := workflowStep(t, "permissions-apply.yml", "Fingerprint the plan")
	tmp := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(tmp, "plan"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "plan", "plan.md"), []byte("## permsync plan\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "plan", "plan.json"), []byte("{}\n"), 0o644))
	var b strings.Builder
	for i := range 205 {
		fmt.Fprintf(&b, "permissions/acme/a.yaml:%d: +     - {login: u%d, expires: 2027-06-01}\n", i+1, i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "expiries.txt"), []byte(b.String()), 0o644))
	ctx, env := pushContext()
	ctx["steps.scope.outputs.approved"] = olderSHA
	env["RUNNER_TEMP"], env["GITHUB_RUN_ID"] = tmp, "42"
	code, out, err := runStepIn(w, j, s, ctx, env, nil, nil)
	require.NoError(t, err)
	require.Equal(t, 0, code, out)
	md, err := os.ReadFile(filepath.Join(tmp, "publish.md"))
	require.NoError(t, err)
	text := string(md)
	assert.Contains(t, text, "{login: u199,")
	assert.NotContains(t, text, "{login: u200,")
	assert.Contains(t, text, "And 5 more lines: `git diff "+olderSHA+" "+headSHA+" -- permissions` shows them all.")
}
