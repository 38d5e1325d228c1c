package cli

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// SPEC.md: "No secret is ever printed, logged, cached or written to a
// report." TestE2ENoSecretAnywhere runs every command with App credentials
// (the key in the environment, then in a file) and a token set, in every
// output format, and through the error paths (a key that is not the App's,
// a wrong App id, a revoked token, a malformed key, a key file holding
// something else, a stack dump of a running apply), and fails if the
// private key, a JWT or a token shows in stdout, stderr, any file written
// (--out, snapshots, reports, imported files), the cache and home
// directories, or the tracking issue written to the simulator.

// fakeGitHubToken is set as GITHUB_TOKEN next to the App credentials.
const fakeGitHubToken = "ghp_SecretsTestToken0123456789abcdefABCDEF"

var (
	jwtRE      = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.eyJ`)
	ghTokenRE  = regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`)
	pemBlockRE = regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/=]{16}`)
)

// secretScanner knows the secrets of a run.
type secretScanner struct {
	values []string // exact values: tokens
	key    [][]byte // the private key's base64 lines
	seen   int      // how much was scanned, for the log
}

func newSecretScanner(keyPEM []byte, tokens ...string) *secretScanner {
	s := &secretScanner{values: tokens}
	for _, line := range strings.Split(string(keyPEM), "\n") {
		line = strings.TrimSpace(line)
		if len(line) < 16 || strings.HasPrefix(line, "-----") {
			continue
		}
		// Windows of 16 characters every 8: any 24 characters of the key
		// hold one of them.
		for i := 0; i+16 <= len(line); i += 8 {
			s.key = append(s.key, []byte(line[i:i+16]))
		}
		s.key = append(s.key, []byte(line[len(line)-16:]))
	}
	return s
}

// check fails the test if data holds a secret; where names it.
func (s *secretScanner) check(t *testing.T, where string, data []byte) {
	t.Helper()
	s.seen += len(data)
	for _, v := range s.values {
		if v != "" && bytes.Contains(data, []byte(v)) {
			t.Errorf("%s: holds a token (%s…)", where, v[:8])
		}
	}
	for _, k := range s.key {
		if bytes.Contains(data, k) {
			t.Errorf("%s: holds a piece of the private key", where)
			break
		}
	}
	if pemBlockRE.Match(data) {
		t.Errorf("%s: holds a PEM private key block", where)
	}
	if m := jwtRE.Find(data); m != nil {
		t.Errorf("%s: holds a JWT (%s…)", where, m[:min(len(m), 12)])
	}
	if m := ghTokenRE.Find(data); m != nil {
		t.Errorf("%s: holds a GitHub token (%s…)", where, m[:8])
	}
}

// checkTree scans every file under root.
func (s *secretScanner) checkTree(t *testing.T, root string) int {
	t.Helper()
	n := 0
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("reading %s: %v", path, err)
			return nil
		}
		s.check(t, path, data)
		n++
		return nil
	})
	return n
}

// secretsWorld is the loop world with a home and cache directories of its
// own, every output under one directory, and the credentials of a run.
type secretsWorld struct {
	*world
	out  string // every file a command writes goes under here
	home string
	scan *secretScanner
	runs int
}

func newSecretsWorld(t *testing.T) *secretsWorld {
	w := newWorld(t)
	root := t.TempDir()
	s := &secretsWorld{world: w, out: filepath.Join(root, "out"), home: filepath.Join(root, "home")}
	require.NoError(t, os.MkdirAll(s.out, 0o755))
	require.NoError(t, os.MkdirAll(s.home, 0o755))
	s.scan = newSecretScanner(w.KeyPEM, fakeGitHubToken)
	return s
}

// env is the environment of a run: the given credentials, the simulator,
// and a home and cache directory under the world's (so that anything a
// command would put in the user's cache is scanned).
func (s *secretsWorld) env(creds ...string) []string {
	return append([]string{
		"GITHUB_API_URL=" + s.Server.URL(),
		"HOME=" + s.home,
		"XDG_CACHE_HOME=" + filepath.Join(s.home, ".cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(s.home, ".config"),
	}, creds...)
}

// run runs permsync and scans both output streams.
func (s *secretsWorld) run(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	code, out, errOut := runWithEnv(t, env, args...)
	s.runs++
	label := strings.Join(args, " ")
	s.scan.check(t, "stdout of permsync "+label, []byte(out))
	s.scan.check(t, "stderr of permsync "+label, []byte(errOut))
	return code, out, errOut
}

// p is a path under the output directory.
func (s *secretsWorld) p(name string) string { return filepath.Join(s.out, name) }

func TestE2ENoSecretAnywhere(t *testing.T) {
	s := newSecretsWorld(t)
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	require.NoError(t, os.WriteFile(keyFile, s.KeyPEM, 0o600))
	appID := "PERMSYNC_APP_ID=" + itoa(s.AppID)
	envKey := s.env(appID, "PERMSYNC_APP_PRIVATE_KEY="+string(s.KeyPEM), "GITHUB_TOKEN="+fakeGitHubToken)
	fileKey := s.env(appID, "PERMSYNC_APP_PRIVATE_KEY_FILE="+keyFile, "GITHUB_TOKEN="+fakeGitHubToken)
	cache := []string{"--cache-dir", s.p("cache"), "--write-interval", "0s"}
	dir := []string{"--dir", s.dir}
	args := func(a ...string) []string { return append(append(a, dir...), cache...) }

	for i, env := range [][]string{envKey, fileKey} {
		suffix := []string{"env", "file"}[i]
		code, _, errOut := s.run(t, env, args("validate")...)
		require.Equal(t, ExitOK, code, errOut)
		for _, f := range []string{"text", "markdown", "json"} {
			code, _, errOut = s.run(t, env, args("plan", "--format", f)...)
			require.Equal(t, ExitOK, code, errOut)
			code, _, errOut = s.run(t, env, args("plan", "--format", f, "--out", s.p("plan-"+suffix+"."+f), "--detailed-exitcode")...)
			require.Contains(t, []int{ExitOK, ExitChanges}, code, errOut)
		}
		code, _, errOut = s.run(t, env, args("drift", "--issue-repo", "acme/perms")...)
		require.Contains(t, []int{ExitOK, ExitChanges}, code, errOut)
		for _, f := range []string{"markdown", "html", "json", "csv"} {
			a := args("audit", "--format", f, "--out", s.p("audit-"+suffix+"."+f), "--self-repo", "acme/perms",
				"--snapshot-out", s.p("snapshot-"+suffix+"-"+f+".json"))
			if f != "markdown" {
				a = append(a, "--compare", s.p("snapshot-"+suffix+"-markdown.json"))
			}
			code, out, errOut := s.run(t, env, a...)
			if strings.Contains(out+errOut, "not built") {
				t.Logf("audit is not built yet: %s", strings.TrimSpace(out+errOut))
				break
			}
			require.Contains(t, []int{ExitOK, ExitChanges, ExitRefused}, code, errOut)
		}
		code, _, errOut = s.run(t, env, append([]string{"import", "--org", "acme", "--dir", s.p("imported-" + suffix)}, cache...)...)
		require.Equal(t, ExitOK, code, errOut)
	}
	// apply last: it changes the world.
	code, _, errOut := s.run(t, envKey, args("apply", "--yes")...)
	require.Equal(t, ExitOK, code, errOut)
	code, _, errOut = s.run(t, fileKey, args("apply", "--plan", s.p("plan-file.json"), "--yes")...)
	require.Equal(t, ExitError, code, "the saved plan is stale now: %s", errOut)
	code, _, errOut = s.run(t, fileKey, args("drift", "--issue-repo", "acme/perms")...)
	require.Equal(t, ExitOK, code, errOut)

	// A token instead of the App: a real one of the simulator, then GitHub's
	// answers to a fake one.
	userToken := s.Server.AddUserToken("org-owner")
	s.scan.values = append(s.scan.values, userToken)
	tokenEnv := s.env("GITHUB_TOKEN=" + userToken)
	code, _, errOut = s.run(t, tokenEnv, args("plan", "--format", "markdown")...)
	require.Equal(t, ExitOK, code, errOut)
	code, _, errOut = s.run(t, tokenEnv, args("drift", "--issue-repo", "acme/perms")...)
	require.Equal(t, ExitOK, code, errOut)
	code, _, errOut = s.run(t, s.env("GITHUB_TOKEN="+fakeGitHubToken), args("plan")...)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "401")

	// Commands that need no credentials, with them set.
	for _, a := range [][]string{{"version"}, {"--help"}, {"plan", "--help"}, {"apply", "--help"}, {"audit", "--help"},
		{"drift", "--help"}, {"import", "--help"}, {"demo", "--help"}, {"validate", "--help"}} {
		code, _, errOut := s.run(t, envKey, a...)
		require.Equal(t, ExitOK, code, errOut)
	}
	code, _, errOut = s.run(t, envKey, "demo", "--dir", filepath.Join(moduleRoot, "permissions"))
	require.Equal(t, ExitOK, code, errOut)

	s.errorPaths(t, keyFile, userToken)
	s.stackDump(t, envKey)

	// Everything written: reports, plans, snapshots, imported files, the
	// cache and the home directory.
	files := s.scan.checkTree(t, s.out) + s.scan.checkTree(t, s.home) + s.scan.checkTree(t, s.dir)
	for _, is := range s.Server.Issues("acme", "perms") {
		s.scan.check(t, "tracking issue body", []byte(is.Title+"\n"+is.Body))
		for _, c := range is.Comments {
			s.scan.check(t, "tracking issue comment", []byte(c.Body))
		}
	}
	entries, err := os.ReadDir(s.p("cache"))
	require.NoError(t, err)
	assert.NotEmpty(t, entries, "the cache was used")
	for _, name := range []string{"plan-env.json", "plan-file.markdown", "audit-env.html", "audit-file.csv", "snapshot-env-json.json", "imported-env/acme/gadget.yaml"} {
		assert.FileExists(t, s.p(name))
	}
	t.Logf("%d runs, %d files, %d bytes scanned", s.runs, files, s.scan.seen)
}

// errorPaths: credentials GitHub refuses, or that cannot be read, fail
// with a message that quotes none of them.
func (s *secretsWorld) errorPaths(t *testing.T, keyFile, userToken string) {
	t.Helper()
	plan := []string{"plan", "--dir", s.dir, "--cache-dir", s.p("cache-errors")}
	appID := "PERMSYNC_APP_ID=" + itoa(s.AppID)

	// A key that is not the App's (a valid PEM: the key of another run).
	other := newWorld(t)
	s.scan.key = append(s.scan.key, newSecretScanner(other.KeyPEM).key...)
	code, _, errOut := s.run(t, s.env(appID, "PERMSYNC_APP_PRIVATE_KEY="+string(other.KeyPEM)), plan...)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "JWT")

	// A wrong App id.
	code, _, errOut = s.run(t, s.env("PERMSYNC_APP_ID=987654", "PERMSYNC_APP_PRIVATE_KEY="+string(s.KeyPEM)), plan...)
	assert.Equal(t, ExitError, code)
	assert.NotEmpty(t, errOut)

	// A revoked token.
	s.Server.RevokeToken(userToken)
	code, _, errOut = s.run(t, s.env("GITHUB_TOKEN="+userToken), plan...)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "401")

	// A malformed key: the PEM cut short, then with a line changed.
	pemText := string(s.KeyPEM)
	for _, bad := range []string{pemText[:len(pemText)/2], strings.Replace(pemText, "\n", "\nAAAA", 3)} {
		code, _, errOut = s.run(t, s.env(appID, "PERMSYNC_APP_PRIVATE_KEY="+bad), plan...)
		assert.Equal(t, ExitError, code)
		assert.NotEmpty(t, errOut)
	}
	// The variables swapped: the key in the id.
	code, _, _ = s.run(t, s.env("PERMSYNC_APP_ID="+pemText, "PERMSYNC_APP_PRIVATE_KEY="+itoa(s.AppID)), plan...)
	assert.Equal(t, ExitError, code)
	// A key file holding a token instead of a key, and one that is missing.
	wrong := filepath.Join(t.TempDir(), "token.pem")
	require.NoError(t, os.WriteFile(wrong, []byte(fakeGitHubToken+"\n"), 0o600))
	for _, f := range []string{wrong, keyFile + ".missing"} {
		code, _, errOut = s.run(t, s.env(appID, "PERMSYNC_APP_PRIVATE_KEY_FILE="+f), plan...)
		assert.Equal(t, ExitError, code)
		assert.NotEmpty(t, errOut)
	}
	// GitHub refusing a read (retried 5xx and unreachable hosts take
	// seconds of back-off; internal/ghapi's TestNoSecretInOutput covers
	// them in process).
	s.Server.SetFaults(ghsim.Faults{Routes: []ghsim.RouteFault{{Path: "/repos", Status: 403, Message: "Resource not accessible by integration"}}})
	code, _, _ = s.run(t, s.env(appID, "PERMSYNC_APP_PRIVATE_KEY="+string(s.KeyPEM)), append(plan, "--format", "markdown")...)
	assert.NotEqual(t, ExitOK, code)
	s.Server.SetFaults(ghsim.Faults{})
}

// stackDump: a running apply made to dump every goroutine's stack (as a
// panic does, and SIGQUIT) prints no secret: stacks show the words of
// arguments, never what strings hold.
func (s *secretsWorld) stackDump(t *testing.T, env []string) {
	t.Helper()
	s.Server.SetFaults(ghsim.Faults{Latency: 150 * time.Millisecond})
	defer s.Server.SetFaults(ghsim.Faults{})
	cmd := exec.Command(binary, "plan", "--dir", s.dir, "--cache-dir", s.p("cache-dump"))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "PERMSYNC_") && !strings.HasPrefix(kv, "CI=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Env = append(cmd.Env, "GOTRACEBACK=all")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Start())
	time.Sleep(400 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGQUIT))
	err := cmd.Wait()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "the dump ends the process: %v", err)
	require.Contains(t, errOut.String(), "goroutine ", "a stack dump was printed")
	s.runs++
	s.scan.check(t, "stack dump (stderr)", errOut.Bytes())
	s.scan.check(t, "stack dump (stdout)", out.Bytes())
}

// TestSecretScannerCatches: the scanner above finds each kind of secret
// (else the test above would prove nothing).
func TestSecretScannerCatches(t *testing.T) {
	w := newWorld(t)
	s := newSecretScanner(w.KeyPEM, fakeGitHubToken)
	lines := strings.Split(strings.TrimSpace(string(w.KeyPEM)), "\n")
	for _, leak := range []string{
		"key: " + lines[3][5:29],
		"x " + fakeGitHubToken + " y",
		"Authorization: Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiIxIn0.sig",
		"token ghs_" + strings.Repeat("A1b2", 9),
		lines[0] + "\n" + lines[1],
	} {
		inner := &testing.T{}
		s.check(inner, "sample", []byte(leak))
		assert.True(t, inner.Failed(), "not caught: %q", leak)
	}
	clean := &testing.T{}
	s.check(clean, "sample", []byte("the private key is not in PEM form (it should start with -----BEGIN RSA PRIVATE KEY-----)"))
	assert.False(t, clean.Failed())
}
