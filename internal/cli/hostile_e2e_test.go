package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hostile files from a pull request, end to end through the binary: what
// the pull request plan job runs on a fork's permissions/ (internal/config
// covers the loader's own limits: bombs, sizes, nesting, FIFOs, links).

// TestE2ESymlinkOutOfTheDirectory: a repository file that is a symbolic
// link to /etc/passwd is refused, never read, and nothing of it shows.
func TestE2ESymlinkOutOfTheDirectory(t *testing.T) {
	w := newWorld(t)
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(w.dir, "acme", "passwd.yaml")))
	require.NoError(t, os.Symlink("../../../../../../../../etc", filepath.Join(w.dir, "etc")))
	passwd, _ := os.ReadFile("/etc/passwd")
	for _, args := range [][]string{{"validate"}, {"validate", "--format", "json"}, {"validate", "--format", "github"},
		{"plan", "--format", "markdown"}} {
		code, out, errOut := w.run(t, args...)
		assert.Equal(t, ExitError, code, "%v", args)
		assert.Contains(t, out+errOut, "passwd.yaml")
		assert.Contains(t, out+errOut, "symbolic link points outside the permissions directory; it is not followed")
		for _, line := range strings.Split(string(passwd), "\n") {
			if len(line) > 8 {
				assert.NotContains(t, out+errOut, line, "a line of /etc/passwd")
			}
		}
		assert.NotContains(t, out+errOut, "root:x:0:0")
	}
}

// TestE2EFileNamesWithControlCharacters: a file name holding a newline
// would put a GitHub Actions workflow command ("::warning::…", read from
// stdout and stderr alike) on a line of its own in the job log, and a
// terminal escape would reach the terminal; both are printed escaped.
func TestE2EFileNamesWithControlCharacters(t *testing.T) {
	w := newWorld(t)
	for _, name := range []string{"evil\n::warning title=injected::pwned\n.yaml", "esc\x1b[2J\x1b]0;title\x07.yaml"} {
		require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme", name), []byte("read:\n  users: [bob]\n"), 0o644))
	}
	for _, args := range [][]string{{"validate"}, {"validate", "--format", "github"}, {"plan"}, {"apply", "--yes"}, {"drift"}} {
		code, out, errOut := w.run(t, args...)
		assert.Equal(t, ExitError, code, "%v", args)
		for _, line := range strings.Split(out+errOut, "\n") {
			assert.False(t, strings.HasPrefix(line, "::warning"), "%v: a workflow command of the file name's: %q", args, line)
		}
		assert.NotContains(t, out+errOut, "\x1b", "%v: a raw escape character", args)
		assert.NotContains(t, out+errOut, "\x07", "%v", args)
		if len(args) == 1 || args[1] != "--format" {
			assert.Contains(t, errOut, `evil\n::warning title=injected::pwned\n.yaml`, "%v", args)
		}
	}
}

// TestE2EMarkdownInjectionInABranchName: git allows '<', '>', '(', ')',
// '=', '@' and '/' in branch names, so a file may ask to protect
// "x<img/src=x/onerror=alert(1)>@acme/admins". The plan comment shows it
// as code, never as HTML or a mention, in the changes and in a refusal.
func TestE2EMarkdownInjectionInABranchName(t *testing.T) {
	w := newWorld(t)
	evil := "x<img/src=x/onerror=alert(1)>@acme/admins"
	w.Server.AddBranch("acme", "widget", evil)
	w.Server.AddBranch("acme", "widget", "y<b>@octocat</b>")
	file := `admin:
  teams: [admins]
maintain:
  users: [alice]
write:
  teams: [core]
  users: [outsider]
branch_protection:
  main:
    required_status_checks: [EasyCLA]
    enforce_admins: true
    required_approving_review_count: 1
  "` + evil + `":
    required_status_checks: [EasyCLA]
    required_approving_review_count: 1
  "y<b>@octocat</b>":
    required_approving_review_count: 0
`
	require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme", "widget.yaml"), []byte(file), 0o644))
	md := filepath.Join(t.TempDir(), "plan.md")
	code, _, errOut := w.run(t, "plan", "--format", "markdown", "--out", md)
	require.Contains(t, []int{ExitOK, ExitRefused}, code, errOut)
	data, err := os.ReadFile(md)
	require.NoError(t, err)
	comment := string(data)
	require.Contains(t, comment, "onerror", "the branch is in the plan")

	inFence := false
	for i, line := range strings.Split(comment, "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			assert.NotContains(t, line, "`", "line %d breaks out of the code block", i+1)
			continue
		}
		text := stripCodeSpans(line)
		assert.NotContains(t, text, "<img", "line %d: %q", i+1, line)
		assert.NotContains(t, text, "<b>", "line %d: %q", i+1, line)
		assert.NotContains(t, text, "@acme", "line %d: a team mention: %q", i+1, line)
		assert.NotContains(t, text, "@octocat", "line %d: a mention: %q", i+1, line)
	}
	assert.False(t, inFence, "a code block left open")
}

// stripCodeSpans drops `code spans` and <code> elements, where text is
// shown as it is.
func stripCodeSpans(line string) string {
	for {
		i := strings.Index(line, "<code>")
		j := strings.Index(line, "</code>")
		if i < 0 || j < i {
			break
		}
		line = line[:i] + line[j+len("</code>"):]
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line):
			i++
		case line[i] == '`':
			in = !in
		case !in:
			b.WriteByte(line[i])
		}
	}
	return b.String()
}
