package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// Issue 13, against the simulated GitHub: with admin_allowed set, an admin
// outside it that a file keeps is reported once, and the stray hand-made
// admin is still removed (before, the standing admin was a refusal and apply
// changed nothing).
func TestE2EStandingAdminDoesNotBlockARemoval(t *testing.T) {
	w := newWorld(t)
	w.Server.SetCollaborator("acme", "gadget", "bob", ghsim.RoleAdmin)
	require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme", "gadget.yaml"), []byte("admin:\n  users: [bob]\nread:\n  teams: [core]\n"), 0o644))

	code, out, errOut := w.run(t, "plan", "--repo", "gadget")
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "- remove user drive-by-admin (admin)")
	assert.NotContains(t, out, "Refused")
	assert.Contains(t, out, "[high] admins outside admin_allowed already hold admin on GitHub")
	assert.Contains(t, out, "user:bob holds a direct admin grant on acme/gadget, and the org's admin_allowed does not list it")

	code, out, errOut = w.run(t, "apply", "--repo", "gadget", "--yes")
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.NotContains(t, w.Server.Collaborators("acme", "gadget"), "drive-by-admin", "the stray admin is removed")
	assert.Equal(t, ghsim.RoleAdmin, w.Server.Collaborators("acme", "gadget")["bob"], "the standing one is not touched")
}

// Emptying every file past max_removals is one refusal, one row.
func TestE2EOneCauseOneRefusal(t *testing.T) {
	w := newWorld(t)
	for _, f := range []string{"gadget", "perms", "widget"} {
		require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme", f+".yaml"), []byte("{}\n"), 0o644))
	}
	code, out, errOut := w.run(t, "plan")
	require.Equal(t, ExitRefused, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Equal(t, 1, strings.Count(out, "! max_removals:"), out)

	code, md, _ := w.run(t, "plan", "--format", "markdown")
	require.Equal(t, ExitRefused, code)
	assert.Equal(t, 1, strings.Count(md, "| `max_removals` |"), md)
	assert.Contains(t, md, "**1 refusal.**")
}
