package posture

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/demo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A push that only moves an expires: date plans nothing to change on GitHub
// and still goes through the apply job, so that the date is approved: the
// plan step (reader App) saves the empty plan and asks for the approval,
// and the apply job's writer step applies that plan (nothing) and succeeds.
// Both run with the installed release against the simulated org.
func TestApplyOfAPlanWithoutChangesSucceeds(t *testing.T) {
	wp, jp, sp := workflowStep(t, "permissions-apply.yml", "Plan with the reader App")
	wa, ja, sa := workflowStep(t, "permissions-apply.yml", "Apply with the writer App")
	cfg, diags := config.LoadDir(filepath.Join(repoRoot, "permissions"))
	require.False(t, diags.HasErrors(), "%v", diags)
	world, err := demo.Start(cfg)
	require.NoError(t, err)
	t.Cleanup(world.Close)

	// A repository the demo leaves as its file says (its drift is elsewhere).
	const repo = "AcademySoftwareFoundation/OpenColorIO"
	ctx, env := pushContext()
	for _, app := range []string{"READER", "WRITER"} {
		ctx["vars.PERMSYNC_"+app+"_APP_ID"] = itoa(world.AppID)
		ctx["secrets.PERMSYNC_"+app+"_APP_PRIVATE_KEY"] = string(world.KeyPEM)
	}
	ctx["steps.scope.outputs.repos"], ctx["needs.plan.outputs.repos"] = repo, repo
	ctx["steps.scope.outputs.expiries"] = "true"
	env["GITHUB_API_URL"] = world.Server.URL()
	env["RUNNER_TEMP"] = t.TempDir() // the plan job's files, as the artifact brings them to the apply job
	checkout := func(work, _ string) error {
		return os.CopyFS(filepath.Join(work, "permissions"), os.DirFS(filepath.Join(repoRoot, "permissions")))
	}

	code, out, outputs, err := runStepOutputs(wp, jp, sp, ctx, env, nil, checkout)
	require.NoError(t, err)
	require.Equal(t, 0, code, out)
	assert.Equal(t, "false", outputs["changes"], out)
	assert.Equal(t, "true", outputs["approve"], "a changed date asks for the approval: %s", out)

	code, out, err = runStepIn(wa, ja, sa, ctx, env, nil, checkout)
	require.NoError(t, err)
	require.Equal(t, 0, code, "apply --plan of a plan without changes fails: %s", out)
	assert.Contains(t, out, "No changes")
	assert.NotContains(t, out, "PRIVATE KEY")
}
