package cli

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// The command as people expect it: --version, completion, colour, usage
// errors that name the subcommand's help, did-you-mean for --repo, --out
// naming a missing directory, and a wrong --api-url named as such.

// mainIO runs Main in-process with env as the whole environment.
func mainIO(env map[string]string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut,
		Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
	code := Main(args, io)
	return code, out.String(), errOut.String()
}

func TestVersionFlag(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := mainIO(nil, "--version")
	assert.Equal(t, 0, code, stderr)
	assert.Regexp(t, `^permsync \S+ \(go1\.[0-9.]+\S*, `+runtime.GOOS+`/`+runtime.GOARCH+`\)\n$`, stdout)
	_, sub, _ := mainIO(nil, "version")
	assert.Equal(t, sub, stdout, "--version and the version command print the same line")
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	for shell, marker := range map[string]string{
		"bash": "complete -o default -F __start_permsync permsync",
		"zsh":  "#compdef permsync",
		"fish": "complete -c permsync",
	} {
		code, stdout, stderr := mainIO(nil, "completion", shell)
		assert.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, marker, shell)
	}
	for _, args := range [][]string{{"completion"}, {"completion", "powershell"}, {"completion", "bash", "zsh"}} {
		code, stdout, stderr := mainIO(nil, args...)
		assert.Equal(t, ExitError, code, "%v", args)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, "bash, zsh or fish")
		assert.Contains(t, stderr, "Run 'permsync completion --help' for usage.")
	}
}

func TestColorDecision(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		tty     bool
		noColor bool
		env     map[string]string
		want    bool
	}{
		{"terminal", true, false, nil, true},
		{"piped", false, false, nil, false},
		{"dumb terminal", true, false, map[string]string{"TERM": "dumb"}, false},
		{"NO_COLOR", true, false, map[string]string{"NO_COLOR": "1"}, false},
		{"--no-color", true, true, nil, false},
		{"CLICOLOR_FORCE piped", false, false, map[string]string{"CLICOLOR_FORCE": "1"}, true},
		{"CLICOLOR_FORCE=0", false, false, map[string]string{"CLICOLOR_FORCE": "0"}, false},
		{"NO_COLOR beats CLICOLOR_FORCE", false, false, map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}, false},
		{"--no-color beats CLICOLOR_FORCE", false, true, map[string]string{"CLICOLOR_FORCE": "1"}, false},
	}
	for _, tc := range cases {
		io := &IOStreams{StdoutTTY: tc.tty, NoColor: tc.noColor, Getenv: func(k string) string { return tc.env[k] }}
		assert.Equal(t, tc.want, io.Color(), tc.name)
	}
}

// TestNoColorFlag: the flag is parsed on every subcommand and reaches the
// streams the command renders with.
func TestNoColorFlag(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"plan", "--no-color"}, {"--no-color", "drift"}} {
		io, _, _ := testIO()
		root, _ := newRoot(io)
		// Replace the command's run: only the flag's effect is checked here.
		sub, _, err := root.Find(args)
		require.NoError(t, err)
		sub.RunE = func(*cobra.Command, []string) error { return nil }
		root.SetArgs(args)
		require.NoError(t, root.Execute(), "%v", args)
		assert.True(t, io.NoColor, "%v", args)
	}
}

// TestColorForcedIntoAPipe: with CLICOLOR_FORCE a piped plan is coloured,
// and --no-color wins over it.
func TestColorForcedIntoAPipe(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	force := append(append([]string{}, w.env...), "CLICOLOR_FORCE=1")
	args := []string{"plan", "--dir", w.dir, "--cache-dir", "off"}
	_, stdout, stderr := runWithEnv(t, force, args...)
	assert.Contains(t, stdout, "\x1b[", stderr)
	_, stdout, _ = runWithEnv(t, force, append(args, "--no-color")...)
	assert.NotContains(t, stdout, "\x1b[")
	_, stdout, _ = runWithEnv(t, w.env, args...)
	assert.NotContains(t, stdout, "\x1b[", "piped without CLICOLOR_FORCE")
}

// Usage errors point at the help of the command that was run.
func TestUsageErrorNamesTheSubcommandHelp(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"Run 'permsync plan --help' for usage.":  {"plan", "--bogus"},
		"Run 'permsync drift --help' for usage.": {"drift", "--issue-repo", "nope"},
		"Run 'permsync audit --help' for usage.": {"audit", "--format", "xml"},
		"Run 'permsync --help' for usage.":       {"frobnicate"},
	}
	for want, args := range cases {
		code, _, stderr := mainIO(nil, args...)
		assert.Equal(t, ExitError, code, "%v", args)
		assert.Contains(t, stderr, want, "%v", args)
	}
}

func TestRepoDidYouMean(t *testing.T) {
	t.Parallel()
	code, _, stderr := mainIO(nil, "plan", "--dir", "testdata/loop", "--repo", "widgte")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, stderr, `--repo widgte: no file testdata/loop/<org>/widgte.yaml; the repository is not managed (did you mean "acme/widget"?)`)
	// Far from every name: no guess.
	_, _, stderr = mainIO(nil, "plan", "--dir", "testdata/loop", "--repo", "kubernetes")
	assert.Contains(t, stderr, "not managed")
	assert.NotContains(t, stderr, "did you mean")
}

func TestOutIntoAMissingDirectory(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	code, _, stderr := w.run(t, "plan", "--format", "json", "--out", filepath.Join(missing, "plan.json"))
	assert.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "the directory "+missing+" does not exist")
	assert.NotContains(t, stderr, ".permsync-", "names the directory, not the temporary file")
	_, err := os.Stat(missing)
	assert.True(t, os.IsNotExist(err), "the directory is not created behind the user's back")
}

// appEnv is an App's environment for a server at url.
func appEnv(t *testing.T, url string, appID int64, key *rsa.PrivateKey) map[string]string {
	t.Helper()
	return map[string]string{
		"PERMSYNC_APP_ID":          itoa(appID),
		"PERMSYNC_APP_PRIVATE_KEY": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"GITHUB_API_URL":           url,
	}
}

// TestWrongAPIURL: a server that answers 404 without GitHub's headers (a
// web site, a GHES host without /api/v3/) is named as not GitHub's API,
// while a real 404 from GitHub (the App not installed on the org) still
// says so.
func TestWrongAPIURL(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)

	// Like https://github.com/ (the web site, not the API): a request id,
	// but no API media type.
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-GitHub-Request-Id", "0000:000000:0")
		http.NotFound(w, r)
	}))
	t.Cleanup(web.Close)
	code, _, stderr := mainIO(appEnv(t, web.URL+"/", 1, key), "plan", "--dir", "testdata/loop", "--cache-dir", "off")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "this does not look like GitHub's API")
	assert.Contains(t, stderr, "--api-url "+web.URL+"/")

	sim := ghsim.NewServer()
	t.Cleanup(sim.Close)
	appID := sim.AddApp(ghsim.AppOptions{Slug: "permsync", PublicKey: &key.PublicKey,
		Permissions: ghsim.Permissions{"administration": "read", "members": "read", "metadata": "read"}})
	sim.AddOrg("acme", ghsim.OrgOptions{}) // the App is not installed on it
	code, _, stderr = mainIO(appEnv(t, sim.URL(), appID, key), "plan", "--dir", "testdata/loop", "--cache-dir", "off")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "not installed on the org acme")
	assert.NotContains(t, stderr, "does not look like GitHub's API")
}

// TestTeamSlugCase: README says team slugs are written in lowercase, as
// GitHub makes them, and validate refuses another case with the fix.
func TestTeamSlugCase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "acme"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "acme", "widget.yaml"), []byte("write:\n  teams: [Core-Devs]\n  users: [Alice]\n"), 0o644))
	code, stdout, stderr := mainIO(nil, "validate", "--dir", dir)
	assert.Equal(t, ExitError, code)
	out := stdout + stderr
	assert.Contains(t, out, `"Core-Devs" is not a valid team slug`)
	assert.Contains(t, out, `did you mean "core-devs"?`)
	assert.NotContains(t, out, "Alice", "logins compare case-insensitively: Alice is fine")

	readme, err := os.ReadFile(filepath.Join(moduleRoot, "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "Team slugs are lowercase")
}
