package posture

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/demo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A push that only changes an expires: date, spelled so that no line holds
// "expires" or a date (the reviewer's cases), plans nothing to change on
// GitHub and must still go through the apply job, so that the date is
// approved: the scope step finds the last approved apply, the plan step
// (reader App) lists the date, saves the plan and asks for the approval,
// and the apply job's writer step applies that plan (nothing) and
// succeeds. All three run with the installed release against the
// simulated org, in a real git repository.
func TestApplyOfAPlanWithoutChangesSucceeds(t *testing.T) {
	for _, tool := range []string{"git", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the steps cannot be run", tool)
		}
	}
	ws, js, ss := workflowStep(t, "permissions-apply.yml", "Which repositories changed since the last successful apply")
	wp, jp, sp := workflowStep(t, "permissions-apply.yml", "Plan with the reader App")
	wa, ja, sa := workflowStep(t, "permissions-apply.yml", "Apply with the writer App")
	cfg, diags := config.LoadDir(filepath.Join(repoRoot, "permissions"))
	require.False(t, diags.HasErrors(), "%v", diags)
	world, err := demo.Start(cfg)
	require.NoError(t, err)
	t.Cleanup(world.Close)

	// The files of the approved apply: the repository's own.
	files := map[string]string{}
	require.NoError(t, fs.WalkDir(os.DirFS(repoRoot), "permissions", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(filepath.Join(repoRoot, p))
		files[p] = string(data)
		return err
	}))
	// A repository the demo leaves as its file says (its drift is elsewhere).
	const repo = "AcademySoftwareFoundation/OpenColorIO"
	const file = "permissions/" + repo + ".yaml"
	require.Contains(t, files[file], "  teams: [opencolorio-triage]\n")
	const path = ".github/workflows/permissions-apply.yml"

	for _, tc := range []struct{ name, entry string }{
		{"an escaped key and date", `{slug: opencolorio-triage, "\x65xpires": "\x32\x30\x39\x39-12-08"}`},
		{"a quoted date continued over lines", "{slug: opencolorio-triage, \"\\x65xpires\": \"2099-\\\n      12-08\"}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			moved := strings.Replace(files[file], "  teams: [opencolorio-triage]\n", "  teams: ["+tc.entry+"]\n", 1)
			dir, shas := history(t, files, map[string]string{file: moved})
			env, err := writeRuns(t.TempDir(), []approvedRun{{run{"push", "main", shas[0], path, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""}})
			require.NoError(t, err)
			ctx, base := pushContext()
			for k, v := range base {
				env[k] = v
			}
			ctx["github.sha"], env["GITHUB_SHA"] = shas[1], shas[1]
			ctx["github.event.before"] = shas[0]
			for _, app := range []string{"READER", "WRITER"} {
				ctx["vars.PERMSYNC_"+app+"_APP_ID"] = itoa(world.AppID)
				ctx["secrets.PERMSYNC_"+app+"_APP_PRIVATE_KEY"] = string(world.KeyPEM)
			}
			env["GITHUB_API_URL"] = world.Server.URL()
			env["RUNNER_TEMP"] = t.TempDir() // the plan job's files, as the artifact brings them to the apply job
			checkout := func(work, _ string) error { return os.CopyFS(work, os.DirFS(dir)) }

			code, out, outputs, err := runStepOutputs(ws, js, ss, ctx, env, map[string]string{"gh": ghRunsAndJobs}, checkout)
			require.NoError(t, err)
			require.Equal(t, 0, code, out)
			require.Empty(t, outputs["skip"], out)
			for k, v := range outputs {
				ctx["steps.scope.outputs."+k] = v
			}
			ctx["needs.plan.outputs.repos"] = outputs["repos"]
			assert.Equal(t, repo, outputs["repos"])
			assert.Equal(t, shas[0], outputs["approved"])

			code, out, outputs, err = runStepOutputs(wp, jp, sp, ctx, env, nil, checkout)
			require.NoError(t, err)
			require.Equal(t, 0, code, out)
			assert.Equal(t, "false", outputs["changes"], out)
			assert.Equal(t, "true", outputs["approve"], "a changed date asks for the approval: %s", out)
			md, err := os.ReadFile(filepath.Join(env["RUNNER_TEMP"], "plan", "plan.md"))
			require.NoError(t, err)
			assert.Contains(t, string(md), "### expires: dates to approve")
			assert.Contains(t, string(md), "- added: `"+file+":16` `team:opencolorio-triage` expires `2099-12-08`\n")

			code, out, err = runStepIn(wa, ja, sa, ctx, env, nil, checkout)
			require.NoError(t, err)
			require.Equal(t, 0, code, "apply --plan of a plan without changes fails: %s", out)
			assert.Contains(t, out, "No changes")
			assert.NotContains(t, out, "PRIVATE KEY")
		})
	}
}
