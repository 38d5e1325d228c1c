package history

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGitGetsNoCredentials: the git that permsync runs (with its hooks,
// credential helpers and whatever a repository's config makes it run)
// never sees a key or token, whatever variable holds it. A stand-in for
// git records the environment it was given.
func TestGitGetsNoCredentials(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in git is a shell script")
	}
	dir := t.TempDir()
	dump := filepath.Join(dir, "env")
	bin := filepath.Join(dir, "git")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\nenv > '"+dump+"'\n"), 0o755))

	const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretsecret\n-----END RSA PRIVATE KEY-----"
	secrets := map[string]string{
		"PERMSYNC_APP_PRIVATE_KEY":       pem,
		"PERMSYNC_APP_PRIVATE_KEY_FILE":  "/run/secrets/app.pem",
		"PERMSYNC_APP_ID":                "12345",
		"GITHUB_TOKEN":                   "ghs_ChildEnvTestToken0123456789abcdef",
		"GH_TOKEN":                       "gho_ChildEnvTestToken0123456789abcdef",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "opaque-request-token-value",
		"SOME_DEPLOY_SECRET":             "hunter2hunter2",
		"INNOCENT_LOOKING":               "github_pat_ChildEnvTestToken0123456789",
		"MISPLACED":                      pem,
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	t.Setenv("PERMSYNC_TEST_KEEP_ME", "x") // a PERMSYNC_ variable is dropped too
	t.Setenv("HARMLESS_VARIABLE", "kept")

	_, err := git{bin: bin, dir: dir}.output(context.Background(), "version")
	require.NoError(t, err)
	got, err := os.ReadFile(dump)
	require.NoError(t, err)
	env := string(got)
	for k, v := range secrets {
		assert.NotContains(t, env, k+"=", "git was given %s", k)
		first, _, _ := strings.Cut(v, "\n")
		assert.NotContains(t, env, first, "git was given the value of %s", k)
	}
	assert.NotContains(t, env, "PERMSYNC_TEST_KEEP_ME")
	assert.Contains(t, env, "HARMLESS_VARIABLE=kept", "the rest of the environment is kept")
	assert.Contains(t, env, "GIT_TERMINAL_PROMPT=0")
}
