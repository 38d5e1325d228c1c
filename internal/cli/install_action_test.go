package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The install action (.github/actions/install) against a local release
// server: it installs only a binary whose checksum matches SHA256SUMS (and
// the sha256 input), whose provenance gh verifies when asked, and which
// says it is the pinned version. Each case is what an attacker who can
// replace a release asset, or a careless pin, would try.
func TestInstallAction(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	script := filepath.Join(moduleRoot, ".github", "actions", "install", "install.sh")
	const version = "v1.2.3"
	const name = "permsync_v1.2.3_linux_amd64"
	good := []byte("#!/bin/sh\necho 'permsync v1.2.3 (go1.26.0, linux/amd64)'\n")
	evil := []byte("#!/bin/sh\necho 'permsync v1.2.3 (go1.26.0, linux/amd64)'; touch \"$HOME/pwned\"\n")
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

	type release struct{ binary, sums []byte }
	serve := func(r release) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			switch req.URL.Path {
			case "/" + version + "/SHA256SUMS":
				_, _ = w.Write(r.sums)
			case "/" + version + "/" + name:
				_, _ = w.Write(r.binary)
			default:
				http.NotFound(w, req)
			}
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	fakeGH := func(t *testing.T, ok bool) string {
		dir := t.TempDir()
		code := "0"
		if !ok {
			code = "1"
		}
		gh := filepath.Join(dir, "gh")
		require.NoError(t, os.WriteFile(gh, []byte("#!/bin/sh\necho \"$@\" >\""+dir+"/args\"\nexit "+code+"\n"), 0o755))
		return gh
	}
	const commit = "0123456789abcdef0123456789abcdef01234567"
	sums := []byte(sum(good) + "  " + name + "\n" + strings.Repeat("0", 64) + "  permsync_v1.2.3_darwin_arm64\n")

	cases := []struct {
		name    string
		rel     release
		version string
		sha     string
		source  string
		verify  string
		gh      func(t *testing.T) string
		wantErr string
	}{
		{name: "verified", rel: release{good, sums}, verify: "true", gh: func(t *testing.T) string { return fakeGH(t, true) }},
		{name: "no gh, auto: checksum only, with a warning", rel: release{good, sums}, verify: "auto", wantErr: ""},
		{name: "sha256 input pins the bytes", rel: release{good, sums}, sha: strings.ToUpper(sum(good)), verify: "false"},
		{name: "replaced binary", rel: release{evil, sums}, verify: "false", wantErr: "checksum mismatch"},
		{name: "replaced binary and SHA256SUMS, pinned sha256", rel: release{evil, []byte(sum(evil) + "  " + name + "\n")}, sha: sum(good), verify: "false", wantErr: "the sha256 input says"},
		{name: "replaced binary and SHA256SUMS, provenance", rel: release{evil, []byte(sum(evil) + "  " + name + "\n")}, verify: "auto", gh: func(t *testing.T) string { return fakeGH(t, false) }, wantErr: "does not verify"},
		{name: "source commit pinned", rel: release{good, sums}, source: commit, verify: "true", gh: func(t *testing.T) string { return fakeGH(t, true) }},
		{name: "source commit pinned, auto: provenance required", rel: release{good, sums}, source: commit, verify: "auto", wantErr: "gh is not installed"},
		{name: "source commit pinned, provenance off", rel: release{good, sums}, source: commit, verify: "false", gh: func(t *testing.T) string { return fakeGH(t, true) }, wantErr: "source-commit needs the build provenance"},
		{name: "source commit abbreviated", rel: release{good, sums}, source: commit[:12], verify: "true", gh: func(t *testing.T) string { return fakeGH(t, true) }, wantErr: "must be a full commit SHA"},
		{name: "tag moved to another commit", rel: release{evil, []byte(sum(evil) + "  " + name + "\n")}, source: commit, verify: "true", gh: func(t *testing.T) string { return fakeGH(t, false) }, wantErr: "from refs/tags/v1.2.3 at " + commit},
		{name: "provenance required, no gh", rel: release{good, sums}, verify: "true", wantErr: "gh is not installed"},
		{name: "not listed", rel: release{good, []byte(sum(good) + "  other\n")}, verify: "false", wantErr: "does not list"},
		{name: "no version pinned", rel: release{good, sums}, version: "latest", verify: "false", wantErr: "must be a release tag"},
		{name: "binary of another version", rel: release{[]byte("#!/bin/sh\necho 'permsync v1.0.0 (go1.26.0, linux/amd64)'\n"), nil}, verify: "false", wantErr: "not v1.2.3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rel := tc.rel
			if rel.sums == nil {
				rel.sums = []byte(sum(rel.binary) + "  " + name + "\n")
			}
			url := serve(rel)
			tmp := t.TempDir()
			v := version
			if tc.version != "" {
				v = tc.version
			}
			gh := filepath.Join(tmp, "no-gh-here")
			if tc.gh != nil {
				gh = tc.gh(t)
			}
			cmd := exec.Command("bash", script)
			cmd.Env = []string{
				"PATH=" + os.Getenv("PATH"), "HOME=" + tmp,
				"RUNNER_OS=Linux", "RUNNER_ARCH=X64", "RUNNER_TEMP=" + tmp,
				"GITHUB_PATH=" + filepath.Join(tmp, "path"), "GITHUB_OUTPUT=" + filepath.Join(tmp, "output"),
				"PERMSYNC_VERSION=" + v, "PERMSYNC_SHA256=" + tc.sha, "PERMSYNC_VERIFY_PROVENANCE=" + tc.verify,
				"PERMSYNC_SOURCE_COMMIT=" + tc.source,
				"PERMSYNC_RELEASE_URL=" + url, "PERMSYNC_GH=" + gh,
			}
			out, err := cmd.CombinedOutput()
			if tc.wantErr != "" {
				require.Error(t, err, string(out))
				assert.Contains(t, string(out), tc.wantErr)
				_, statErr := os.Stat(filepath.Join(tmp, "path"))
				assert.True(t, os.IsNotExist(statErr), "nothing is put on PATH")
				_, statErr = os.Stat(filepath.Join(tmp, "pwned"))
				assert.True(t, os.IsNotExist(statErr), "an unverified binary never runs")
				return
			}
			require.NoError(t, err, string(out))
			path, err := os.ReadFile(filepath.Join(tmp, "path"))
			require.NoError(t, err)
			bin := filepath.Join(strings.TrimSpace(string(path)), "permsync")
			got, err := os.ReadFile(bin)
			require.NoError(t, err)
			assert.Equal(t, good, got)
			output, err := os.ReadFile(filepath.Join(tmp, "output"))
			require.NoError(t, err)
			assert.Equal(t, "path="+bin+"\n", string(output))
			if tc.gh != nil {
				args, err := os.ReadFile(filepath.Join(filepath.Dir(gh), "args"))
				require.NoError(t, err)
				assert.Contains(t, string(args), "attestation verify")
				assert.Contains(t, string(args), "--repo AcademySoftwareFoundation/permsync --signer-workflow github.com/AcademySoftwareFoundation/permsync/.github/workflows/release.yml")
				// The tag, not any ref the release workflow ran on; the
				// commit, when pinned: a tag pushed again elsewhere fails.
				assert.Contains(t, string(args), "--source-ref refs/tags/v1.2.3 --deny-self-hosted-runners")
				if tc.source != "" {
					assert.Contains(t, string(args), "--source-digest "+tc.source)
				} else {
					assert.NotContains(t, string(args), "--source-digest")
				}
			}
			if tc.verify == "auto" && tc.gh == nil {
				assert.Contains(t, string(out), "::warning")
			}
		})
	}
}

// Every PERMSYNC_* that install.sh reads is set in the action's own step
// env, which wins over a workflow's or job's env and over $GITHUB_ENV: a
// caller's PERMSYNC_GH=true (a "gh" that verifies anything) or
// PERMSYNC_RELEASE_URL never reaches the script, and the test hooks are
// empty there.
func TestInstallActionEnvIsItsOwn(t *testing.T) {
	dir := filepath.Join(moduleRoot, ".github", "actions", "install")
	script, err := os.ReadFile(filepath.Join(dir, "install.sh"))
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, "action.yml"))
	require.NoError(t, err)
	var action struct {
		Runs struct {
			Steps []struct {
				Env map[string]*string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &action))
	require.Len(t, action.Runs.Steps, 1)
	env := action.Runs.Steps[0].Env
	read := regexp.MustCompile(`\bPERMSYNC_[A-Z0-9_]+`).FindAllString(string(script), -1)
	require.NotEmpty(t, read)
	for _, name := range read {
		v, ok := env[name]
		if assert.True(t, ok, "install.sh reads %s, which action.yml's step env does not set: a caller's env would reach it", name) {
			require.NotNil(t, v, name)
		}
	}
	for _, hook := range []string{"PERMSYNC_GH", "PERMSYNC_RELEASE_URL"} {
		if v := env[hook]; assert.NotNil(t, v, hook) {
			assert.Empty(t, *v, "%s is a test hook: empty in the action", hook)
		}
	}
}
