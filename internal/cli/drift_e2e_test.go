package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestE2EDriftSaysWhatHappened: against the simulated org with its
// hand-made drift, text drift tells what changed outside permsync (who
// sent the invitation, and when, as GitHub records it) before what apply
// would do; the tracking issue does the same and says how to run the full
// reconciliation.
func TestE2EDriftSaysWhatHappened(t *testing.T) {
	w := newWorld(t)
	code, out, errOut := w.run(t, "drift", "--issue-repo", "acme/perms")
	require.Equal(t, ExitChanges, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	told := strings.Index(out, "Changed outside permsync (")
	plan := strings.Index(out, "What apply would do:")
	require.True(t, told == 0 && plan > told, out)
	story := out[told:plan]
	assert.Contains(t, story, "user drive-by-admin was given admin; the file does not list them")
	assert.Contains(t, story, "user invited-stranger was invited as read; the file does not list them (by ")
	assert.Regexp(t, `invited as read; the file does not list them \(by [a-z-]+, on \d{4}-\d{2}-\d{2}\)`, story)
	assert.Contains(t, story, "lowered to")

	issues := w.Server.Issues("acme", "perms")
	require.NotEmpty(t, issues)
	body := issues[0].Body
	assert.Less(t, strings.Index(body, "## Changed outside permsync"), strings.Index(body, "What apply would do"))
	assert.Contains(t, body, "gh workflow run permissions-apply.yml -f full=true")
}
