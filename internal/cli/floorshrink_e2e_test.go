package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A team owning gadget's file deletes it. gadget still exists on GitHub:
// taking it out of the floor ruleset weakens the floor, so the plan refuses
// it and apply changes nothing. Archiving gadget (or ignore_repos in the
// org file) is the way out.
func TestE2EFloorRulesetKeepsARepositoryWhoseFileIsDeleted(t *testing.T) {
	w := floorRulesetWorld(t)
	mustRun(t, w, ExitOK, "apply", "--yes")
	before := floorRuleset(t, w)
	require.Equal(t, []string{"gadget", "perms", "widget"}, before.RepoInclude)

	require.NoError(t, os.Remove(filepath.Join(w.dir, "acme", "gadget.yaml")))
	w.Server.ResetStats()
	out := mustRun(t, w, ExitRefused, "plan")
	assert.Contains(t, out, "taking a repository that still exists on GitHub, not archived, out of the floor ruleset weakens the floor")
	assert.Contains(t, out, "archive or delete the repository on GitHub first; or list it in ignore_repos in the org file")
	assert.EqualValues(t, 1, w.Server.Stats().ByRoute["GET /orgs/{org}/repos"], "the org's repositories listed once: %v", w.Server.Stats().ByRoute)
	mustRun(t, w, ExitRefused, "apply", "--yes")
	assert.Equal(t, before.RepoInclude, floorRuleset(t, w).RepoInclude, "nothing was changed")

	// Archived on GitHub: nothing left to hold there.
	w.Server.SetArchived("acme", "gadget", true)
	mustRun(t, w, ExitChanges, "plan", "--detailed-exitcode")
	mustRun(t, w, ExitOK, "apply", "--yes")
	assert.Equal(t, []string{"perms", "widget"}, floorRuleset(t, w).RepoInclude)
}

// The org file, owned by release engineering, may take a repository out
// of the floor: ignore_repos.
func TestE2EFloorRulesetIgnoreReposTakesARepositoryOut(t *testing.T) {
	w := floorRulesetWorld(t)
	mustRun(t, w, ExitOK, "apply", "--yes")
	require.NoError(t, os.Remove(filepath.Join(w.dir, "acme", "gadget.yaml")))
	require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme.yaml"), []byte(floorRulesetOrgFile+"ignore_repos: [gadget]\n"), 0o644))
	mustRun(t, w, ExitOK, "apply", "--yes")
	assert.Equal(t, []string{"perms", "widget"}, floorRuleset(t, w).RepoInclude)
}

// The pull request that deletes gadget's file: its check fails with the
// refusal, and its comment says what the deletion does to the floor
// (it used to say the merge "changes nothing").
func TestE2EPullRequestDeletingAFloorFileIsRefused(t *testing.T) {
	w := floorRulesetWorld(t)
	mustRun(t, w, ExitOK, "apply", "--yes")
	r := newPRRepo(t, w)
	r.git("rm", "-q", "permissions/acme/gadget.yaml")
	head := r.commit("pr")
	code, out, errOut := r.plan(t, w, head)
	require.Equal(t, ExitRefused, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "taking a repository that still exists on GitHub, not archived, out of the floor ruleset weakens the floor")
	assert.Contains(t, out, "This pull request deletes the files of `acme/gadget`: permsync stops managing them, and changes none of their grants on GitHub. It also takes `acme/gadget` out of the org's floor ruleset (floor_ruleset), which weakens the floor: permsync refuses that")
	assert.NotContains(t, out, "changes nothing there on GitHub")
}
