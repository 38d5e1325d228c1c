package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemoServe: --serve keeps one simulated org across commands (a plan
// sees the hand-made drift, apply fixes it, the next plan is empty), prints
// the environment that points permsync at it, and stops when its context
// ends, removing the key it wrote.
func TestDemoServe(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "permissions")
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/loop")))
	io, out, errOut := testIO()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var keyFile string
	var codes []int
	opts := &DemoOptions{IO: io, Dir: dir, Serve: true, Listen: "127.0.0.1:0", serving: func(env []string) {
		defer cancel()
		for _, kv := range env {
			if k, v, _ := strings.Cut(kv, "="); k == "PERMSYNC_APP_PRIVATE_KEY_FILE" {
				keyFile = v
			}
		}
		args := []string{"--dir", dir, "--cache-dir", "off", "--write-interval", "0s"}
		code, stdout, stderr := runWithEnv(t, env, append([]string{"plan", "--detailed-exitcode"}, args...)...)
		codes = append(codes, code)
		assert.Contains(t, stdout, "drive-by-admin", stderr)
		code, _, stderr = runWithEnv(t, env, append([]string{"apply", "--yes"}, args...)...)
		codes = append(codes, code)
		assert.NotContains(t, stderr, "error", stderr)
		code, _, _ = runWithEnv(t, env, append([]string{"plan", "--detailed-exitcode"}, args...)...)
		codes = append(codes, code)
	}}
	require.NoError(t, demoServe(ctx, opts), errOut.String())
	assert.Equal(t, []int{ExitChanges, ExitOK, ExitOK}, codes, "drift, applied, then nothing to do: one org kept across commands")
	s := out.String()
	assert.Contains(t, s, "export GITHUB_API_URL=http://127.0.0.1:")
	assert.Contains(t, s, "export PERMSYNC_APP_ID=")
	assert.Contains(t, s, "export PERMSYNC_APP_PRIVATE_KEY_FILE="+keyFile)
	assert.NotContains(t, s, "PRIVATE KEY-----", "the key is in a file, never printed")
	assert.Contains(t, s, "drive-by-admin given admin by hand")
	assert.True(t, strings.HasSuffix(s, "Stopped the simulated GitHub.\n"), s)
	require.NotEmpty(t, keyFile)
	_, err := os.Stat(keyFile)
	assert.True(t, os.IsNotExist(err), "the key file is removed on stop")
}

func TestDemoServeFlags(t *testing.T) {
	t.Parallel()
	io, _, _ := testIO()
	var got *DemoOptions
	cmd := newDemoCmd(io, func(o *DemoOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--serve", "--listen", "127.0.0.1:8765", "--dir", "x"})
	require.NoError(t, cmd.Execute())
	assert.True(t, got.Serve)
	assert.Equal(t, "127.0.0.1:8765", got.Listen)
	assert.Equal(t, "x", got.Dir)

	cmd = newDemoCmd(io, func(o *DemoOptions) error { got = o; return nil })
	cmd.SetArgs(nil)
	require.NoError(t, cmd.Execute())
	assert.False(t, got.Serve)
	assert.Equal(t, "127.0.0.1:0", got.Listen)
}

func TestDemoServeBadAddress(t *testing.T) {
	t.Parallel()
	io, _, _ := testIO()
	err := demoServe(context.Background(), &DemoOptions{IO: io, Dir: "testdata/loop", Serve: true, Listen: "256.0.0.1:bad"})
	require.Error(t, err)
	assert.Equal(t, ExitError, exitCode(err))
	assert.Contains(t, err.Error(), "256.0.0.1:bad")
}

// TestDemoExampleFilesPassTheirAudit: the shipped permissions/ pins
// EasyCLA and DCO to their Apps, and the simulated org holds them pinned,
// so the demo's audit has no spoofable check.
func TestDemoExampleFilesPassTheirAudit(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	io, _, _ := testIO()
	io.Out, io.ErrOut = &out, &errOut
	require.NoError(t, demoRun(context.Background(), &DemoOptions{IO: io, Dir: filepath.Join(moduleRoot, "permissions")}), errOut.String())
	assert.Contains(t, out.String(), "== 5/5 audit")
	assert.NotContains(t, out.String(), "required-check-spoofable")
}
