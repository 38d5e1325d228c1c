package posture

import (
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
// tomorrow). The plan compares the dates by meaning (plan --expiries-since
// the last approved apply); the scope step must find that apply and make
// the plan run whenever the files differ from its files. The steps are run
// with bash in a real git repository, gh stubbed with the runs and jobs
// GitHub would list.

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

// The reviewer's spellings, merged by a run that had nothing to approve
// (its apply job skipped), then a push changing only the org file: no line
// holds "expires" or a date, and no repository file changed since the last
// successful apply. The scope must still plan against the last approved
// apply's files, so that the plan lists the dates and asks for approval.
func TestApplyScopePlansWhateverDiffersFromTheApprovedApply(t *testing.T) {
	for _, tool := range []string{"git", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the step cannot be run", tool)
		}
	}
	w, j, s := workflowStep(t, "permissions-apply.yml", "Which repositories changed since the last successful apply")
	const path = ".github/workflows/permissions-apply.yml"
	base := map[string]string{"permissions/acme.yaml": "mode: authoritative\n", "permissions/acme/a.yaml": aYAML, "permissions/acme/b.yaml": "read:\n  users: [erin]\n"}
	orgOnly := map[string]string{"permissions/acme.yaml": "mode: authoritative\n# reviewed\n"}
	approvedThenSkipped := func(c []string) []approvedRun {
		return []approvedRun{
			{run{"push", "main", c[1], path, "success", "2026-01-02T00:00:00Z"}, 2, "skipped", ""},
			{run{"push", "main", c[0], path, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""},
		}
	}
	for _, tc := range []struct {
		name     string
		commits  []map[string]string
		runs     func(shas []string) []approvedRun
		approved int    // index of the commit the scope must take for the last approved apply; -1: none
		repos    string // the repositories planned ("" and skip false: every one)
		skip     bool
	}{
		{name: "an escaped date",
			commits:  []map[string]string{base, {"permissions/acme/a.yaml": aYAML + "    - {login: erin, \"\\x65xpires\": \"\\x32\\x30\\x32\\x36-12-08\"}\n"}, orgOnly},
			runs:     approvedThenSkipped,
			approved: 0, repos: "acme/a"},
		{name: "a quoted date continued over lines",
			commits:  []map[string]string{base, {"permissions/acme/a.yaml": aYAML + "    - {login: erin, \"\\x65xpires\": \"2026-\\\n      12-08\"}\n"}, orgOnly},
			runs:     approvedThenSkipped,
			approved: 0, repos: "acme/a"},
		{name: "logins swapped under an unchanged date line",
			commits:  []map[string]string{base, {"permissions/acme/a.yaml": strings.Replace(strings.Replace(aYAML, "login: carol", "login: dave", 1), "    - dave\n", "    - carol\n", 1)}, orgOnly},
			runs:     approvedThenSkipped,
			approved: 0, repos: "acme/a"},
		{name: "a date-only change is planned",
			commits: []map[string]string{base, {"permissions/acme/a.yaml": strings.Replace(aYAML, "2027-06-01", "2026-12-08", 1)}},
			runs: func(c []string) []approvedRun {
				return []approvedRun{{run{"push", "main", c[0], path, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""}}
			},
			approved: 0, repos: "acme/a"},
		{name: "an approved run re-run since (its new attempt failed) still anchors",
			commits: []map[string]string{base, {"permissions/acme/b.yaml": "read:\n  users: [erin, frank]\n"}},
			runs: func(c []string) []approvedRun {
				return []approvedRun{{run{"push", "main", c[0], path, "failure", "2026-01-01T00:00:00Z"}, 1, "failure", "success"}}
			},
			approved: 0, repos: "acme/b"},
		{name: "a re-run of an older approved run does not move the anchor back",
			commits: []map[string]string{base, {"permissions/acme/b.yaml": "read:\n  users: [erin, frank]\n"}, orgOnly},
			runs: func(c []string) []approvedRun {
				return []approvedRun{
					{run{"push", "main", c[0], path, "failure", "2026-01-09T00:00:00Z"}, 1, "failure", "success"},
					{run{"push", "main", c[1], path, "success", "2026-01-02T00:00:00Z"}, 2, "success", ""},
				}
			},
			approved: 1}, // only the org file changed since: every repository
		{name: "files as the approved apply's: nothing to plan",
			commits: []map[string]string{base, {"README.md": "x\n"}},
			runs: func(c []string) []approvedRun {
				return []approvedRun{{run{"push", "main", c[0], path, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""}}
			},
			approved: 0, skip: true},
		{name: "a deleted file since the approved apply: every repository",
			commits: []map[string]string{base, {"permissions/acme/a.yaml": ""}},
			runs: func(c []string) []approvedRun {
				return []approvedRun{{run{"push", "main", c[0], path, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""}}
			},
			approved: 0},
		{name: "no approved apply yet: what changed since the start",
			commits:  []map[string]string{base, orgOnly},
			runs:     func([]string) []approvedRun { return nil },
			approved: -1, repos: "acme/a acme/b"},
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
			checkout := func(work, _ string) error { return os.CopyFS(work, os.DirFS(repo)) }
			code, out, outputs, err := runStepOutputs(w, j, s, ctx, env, map[string]string{"gh": ghRunsAndJobs}, checkout)
			require.NoError(t, err)
			require.Equal(t, 0, code, out)
			want := ""
			if tc.approved >= 0 {
				want = shas[tc.approved]
			}
			assert.Equal(t, want, outputs["approved"], out)
			assert.Equal(t, tc.repos, outputs["repos"], out)
			if tc.skip {
				assert.Equal(t, "true", outputs["skip"], out)
			} else {
				assert.Empty(t, outputs["skip"], "the plan must run: %s", out)
			}
			assert.NotContains(t, out, "2026-12-08", "the files' lines stay out of the log")
		})
	}
}

// The plan step compares the dates with the last approved apply (none
// found: every date), and asks for the approval when the plan exits 2
// (GitHub changes or a changed date), and only then; a refused or failed
// plan fails the run.
func TestApplyApprovalWhenChangesOrExpiries(t *testing.T) {
	w, j, s := workflowStep(t, "permissions-apply.yml", "Plan with the reader App")
	// Alone in a job: no install step before it, so the stub permsync runs.
	alone := *s
	alone.Index = 1
	lone := &job{ID: j.ID, Env: j.Env, Steps: []*step{&alone}}
	stub := map[string]string{"permsync": `mkdir -p "$RUNNER_TEMP/plan"; : > "$RUNNER_TEMP/plan/plan.md"; echo "$*" > "$RUNNER_TEMP/args"; exit "$POSTURE_RC"`}
	for _, tc := range []struct {
		rc, approved string
		code         int
		approve      string
		since        string
	}{
		{"0", olderSHA, 0, "", olderSHA},
		{"2", olderSHA, 0, "true", olderSHA},
		{"2", "", 0, "true", "none"},
		{"3", olderSHA, 3, "", olderSHA},
		{"1", olderSHA, 1, "", olderSHA},
	} {
		ctx, env := pushContext()
		ctx["steps.scope.outputs.approved"] = tc.approved
		ctx["vars.PERMSYNC_READER_APP_ID"] = "1"
		env["POSTURE_RC"] = tc.rc
		tmp := t.TempDir()
		env["RUNNER_TEMP"] = tmp
		code, out, outputs, err := runStepOutputs(w, lone, &alone, ctx, env, stub, nil)
		require.NoError(t, err)
		assert.Equal(t, tc.code, code, "plan exit %s: %s", tc.rc, out)
		assert.Equal(t, tc.approve, outputs["approve"], "plan exit %s", tc.rc)
		args, err := os.ReadFile(filepath.Join(tmp, "args"))
		require.NoError(t, err)
		assert.Contains(t, string(args), "--detailed-exitcode --expiries-since "+tc.since+" --git-dir .git ")
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
