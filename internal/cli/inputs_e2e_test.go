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

// TestE2EMisplacedCredentialNeverEchoed: a key, a key's body or a token
// put in the wrong variable (or in --api-url) is never quoted by the error
// that refuses it, in plan's or apply's output (apply's stderr becomes a
// pull request comment). Each case runs the built binary against the
// simulator and scans both streams for every secret of the run.
func TestE2EMisplacedCredentialNeverEchoed(t *testing.T) {
	s := newSecretsWorld(t)
	pemText := string(s.KeyPEM)
	lines := strings.Split(strings.TrimSpace(pemText), "\n")
	body := strings.Join(lines[1:4], "\n") // the key without its header
	oneLine := strings.ReplaceAll(pemText, "\n", `\n`)
	// An opaque token, shaped like no known token: only the registry of
	// loaded secrets can catch it.
	const opaque = "opaqueSecretValue0123456789xyz"
	s.scan.values = append(s.scan.values, opaque)
	appID := "PERMSYNC_APP_ID=" + itoa(s.AppID)
	goodKey := "PERMSYNC_APP_PRIVATE_KEY=" + pemText

	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string // a phrase of the error that says what to fix
	}{
		{"key text in the key file variable", []string{appID, "PERMSYNC_APP_PRIVATE_KEY_FILE=" + pemText}, nil, "does not hold a file name"},
		{"key as one line in the key file variable", []string{appID, "PERMSYNC_APP_PRIVATE_KEY_FILE=" + oneLine}, nil, "does not hold a file name"},
		{"key body in the key file variable", []string{appID, "PERMSYNC_APP_PRIVATE_KEY_FILE=" + body}, nil, "does not hold a file name"},
		{"one line of the key body in the key file variable", []string{appID, "PERMSYNC_APP_PRIVATE_KEY_FILE=" + lines[2]}, nil, "does not hold a file name"},
		{"token in the key file variable", []string{appID, "PERMSYNC_APP_PRIVATE_KEY_FILE=" + fakeGitHubToken}, nil, "does not hold a file name"},
		{"token in the App id", []string{"PERMSYNC_APP_ID=" + fakeGitHubToken, goodKey}, nil, "numeric id"},
		{"key in the App id", []string{"PERMSYNC_APP_ID=" + pemText, goodKey}, nil, "numeric id"},
		{"opaque token in the App id", []string{"PERMSYNC_APP_ID=" + opaque, goodKey}, nil, "numeric id"},
		{"token in the installation id", []string{appID, goodKey, "PERMSYNC_INSTALLATION_ID=" + fakeGitHubToken}, nil, "installation id"},
		{"key in the installation id", []string{appID, goodKey, "PERMSYNC_INSTALLATION_ID=" + pemText}, nil, "installation id"},
		{"token in the key variable", []string{appID, "PERMSYNC_APP_PRIVATE_KEY=" + fakeGitHubToken}, nil, "PEM"},
		{"key body in the key variable", []string{appID, "PERMSYNC_APP_PRIVATE_KEY=" + body}, nil, "PEM"},
		{"key in GITHUB_TOKEN", []string{"GITHUB_TOKEN=" + pemText}, nil, "GITHUB_TOKEN"},
		{"junk around a token in GITHUB_TOKEN", []string{"GITHUB_TOKEN=token: " + fakeGitHubToken}, nil, "GITHUB_TOKEN"},
		{"opaque token rejected", []string{"GITHUB_TOKEN=" + opaque}, nil, "401"},
		{"key in --api-url", []string{"GITHUB_TOKEN=" + fakeGitHubToken}, []string{"--api-url", pemText}, "API URL"},
		{"token in --api-url", []string{"GITHUB_TOKEN=" + opaque}, []string{"--api-url", "https://" + fakeGitHubToken + "@github.example/"}, "API URL"},
		{"opaque token in the --api-url path", []string{"GITHUB_TOKEN=" + opaque}, []string{"--api-url", s.Server.RootURL() + opaque + "/"}, "[REDACTED]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, cmd := range [][]string{{"plan", "--format", "markdown"}, {"apply", "--yes"}} {
				args := append(append(cmd, "--dir", s.dir, "--cache-dir", "off", "--write-interval", "0s"), tc.args...)
				code, out, errOut := s.run(t, s.env(tc.env...), args...)
				assert.Equal(t, ExitError, code, "%s\n%s", out, errOut)
				assert.Contains(t, errOut, tc.want)
			}
		})
	}
	t.Logf("%d runs, %d bytes scanned", s.runs, s.scan.seen)
}

// TestE2EHostileNamesNeutralised: logins and team names from GitHub (a
// spoofed or hostile answer) holding line breaks, terminal escapes and
// workflow commands reach neither a terminal nor an Actions log as such:
// in text, markdown and JSON output, stdout and stderr, no line starts a
// workflow command and no escape character gets out.
func TestE2EHostileNamesNeutralised(t *testing.T) {
	w := newWorld(t)
	hostile := []string{
		"evil\n::error title=pwned::merge me",
		"ok\r\n::add-mask::x",
		"x\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07",
		"y\x1b[2J\x1b[31mred",
		"z\u009b31m",
		"w\u202eered",
		"##[error]legacy",
	}
	repo := firstRepo(t, w.dir)
	for _, h := range hostile {
		w.Server.SetCollaborator("acme", repo, h, ghsim.RoleWrite)
	}
	for _, format := range []string{"text", "markdown", "json"} {
		code, out, errOut := w.run(t, "plan", "--format", format)
		require.NotEqual(t, ExitError, code, errOut)
		for name, stream := range map[string]string{"stdout": out, "stderr": errOut} {
			assertNeutral(t, format+" "+name, stream)
		}
		if format == "text" {
			assert.Contains(t, out, `evil`, "the hostile login is shown, escaped")
		}
	}
}

// assertNeutral fails if text holds a workflow command or an escape.
func assertNeutral(t *testing.T, where, text string) {
	t.Helper()
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimLeft(line, " \t")
		assert.False(t, strings.HasPrefix(trimmed, "::"), "%s line %d starts a workflow command: %q", where, i+1, line)
		assert.NotContains(t, line, "##[", "%s line %d holds a legacy workflow command: %q", where, i+1, line)
	}
	for _, bad := range []string{"\x1b", "\r", "\x07", "\u009b", "\u202e"} {
		assert.NotContains(t, text, bad, "%s holds %q", where, bad)
	}
}

// firstRepo is the name of a repository the world's files manage.
func firstRepo(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "acme"))
	require.NoError(t, err)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") {
			return strings.TrimSuffix(e.Name(), ".yaml")
		}
	}
	t.Fatal("no repository file under acme/")
	return ""
}

// TestE2EImportStaysInDir: an org whose repositories (as a spoofed or
// hostile GitHub answers them) are named to climb out of --dir, to be
// absolute, to hold NUL or Windows separators, or to be "." or "..",
// gets nothing written outside --dir, and no file of such a name inside.
func TestE2EImportStaysInDir(t *testing.T) {
	w := newWorld(t)
	hostile := []string{"../../escaped", "..", ".", "/tmp/abs", `..\..\win`, "nul\x00byte", "sub/dir"}
	for _, name := range hostile {
		w.Server.AddRepo("acme", name, ghsim.RepoOptions{})
		w.Server.SetCollaborator("acme", name, "alice", ghsim.RoleWrite)
	}
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b", "permissions")
	code, out, errOut := runWithEnv(t, w.env, "import", "--org", "acme", "--dir", dir, "--cache-dir", "off")
	assert.Equal(t, ExitError, code, "names that are not repository names are reported: %s\n%s", out, errOut)
	var files []string
	require.NoError(t, filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	}))
	for _, f := range files {
		assert.False(t, strings.HasPrefix(f, ".."), "written outside --dir: %s", f)
	}
	assert.Contains(t, files, "acme/widget.yaml", "the valid repositories are imported")
	assert.Contains(t, files, "acme.yaml")
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".yaml")
		assert.NotContains(t, []string{"", ".", "..", "escaped", "abs", "win", "dir"}, base, "a hostile name became a file: %s", f)
	}
	assertNeutral(t, "import stderr", errOut)
	t.Logf("files: %v\nstderr: %s", files, errOut)
}
