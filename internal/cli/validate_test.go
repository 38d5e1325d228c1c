package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// testIO returns streams that write into buffers, with an empty environment
// and no terminal: what CI gives a command.
func testIO() (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &IOStreams{
		In:     strings.NewReader(""),
		Out:    &out,
		ErrOut: &errOut,
		Getenv: func(string) string { return "" },
		Now:    func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}, &out, &errOut
}

// TestValidateFlags checks flag parsing alone: runF captures the options.
func TestValidateFlags(t *testing.T) {
	cases := []struct {
		args   []string
		dir    string
		format string
	}{
		{nil, "permissions", "text"},
		{[]string{"--dir", "perms", "--format", "json"}, "perms", "json"},
		{[]string{"--dir=x", "--format=github"}, "x", "github"},
	}
	for _, tc := range cases {
		io, _, _ := testIO()
		var got *ValidateOptions
		cmd := newValidateCmd(io, func(o *ValidateOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		require.NoError(t, cmd.Execute(), "%v", tc.args)
		require.NotNil(t, got)
		assert.Equal(t, tc.dir, got.Dir)
		assert.Equal(t, tc.format, got.Format)
		assert.Same(t, io, got.IO)
	}

	io, _, _ := testIO()
	cmd := newValidateCmd(io, func(*ValidateOptions) error { t.Fatal("must not run"); return nil })
	cmd.SetArgs([]string{"permissions"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	require.Error(t, err)
	assert.Equal(t, ExitError, exitCode(err))
	assert.True(t, isUsageError(err), "a positional argument is a usage error")
}

func TestValidateRunText(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		io, out, errOut := testIO()
		err := validateRun(&ValidateOptions{IO: io, Dir: "testdata/validate/valid", Format: "text"})
		require.NoError(t, err)
		assert.Equal(t, "testdata/validate/valid is valid: 1 org, 2 repositories, 5 grants\n", out.String())
		assert.Empty(t, errOut.String())
	})
	t.Run("warnings do not fail", func(t *testing.T) {
		io, out, errOut := testIO()
		err := validateRun(&ValidateOptions{IO: io, Dir: "testdata/validate/warnings", Format: "text"})
		require.NoError(t, err)
		assert.Equal(t, "testdata/validate/warnings is valid: 1 org, 1 repository, 1 grant\n", out.String())
		assert.Equal(t, `testdata/validate/warnings/acme/widgets.yaml:5:30: warning: "communitybridge/cla" is a legacy CLA check; the Linux Foundation's current CLA check is EasyCLA`+"\n", errOut.String())
	})
	t.Run("errors", func(t *testing.T) {
		io, out, errOut := testIO()
		err := validateRun(&ValidateOptions{IO: io, Dir: "testdata/validate/roles", Format: "text"})
		require.Error(t, err)
		assert.Equal(t, ExitError, exitCode(err))
		// The diagnostics are already printed: Main must not print more.
		var ee *exitError
		require.ErrorAs(t, err, &ee)
		assert.Nil(t, ee.err)
		assert.Empty(t, out.String(), "nothing on stdout when the files are invalid")
		lines := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
		assert.Len(t, lines, 4)
		assert.Equal(t, "testdata/validate/roles: 3 errors; nothing was sent to GitHub", lines[3])
	})
	t.Run("one error", func(t *testing.T) {
		io, _, errOut := testIO()
		err := validateRun(&ValidateOptions{IO: io, Dir: filepath.Join(t.TempDir(), "none"), Format: "text"})
		assert.Equal(t, ExitError, exitCode(err))
		assert.Contains(t, errOut.String(), ": 1 error; nothing was sent to GitHub\n")
	})
}

func TestValidateRunJSON(t *testing.T) {
	io, out, errOut := testIO()
	err := validateRun(&ValidateOptions{IO: io, Dir: "testdata/validate/everything", Format: "json"})
	assert.Equal(t, ExitError, exitCode(err))
	assert.Empty(t, errOut.String())
	var got ValidateJSON
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	assert.Equal(t, 1, got.FormatVersion)
	assert.False(t, got.Valid)
	require.Len(t, got.Diagnostics, 5)
	assert.Equal(t, ValidateDiagnostic{
		Severity: "error",
		File:     "testdata/validate/everything/acme/widgets.yaml",
		Line:     1, Column: 1,
		Message: `unknown role "pull" (did you mean "read"?)`,
	}, got.Diagnostics[3])
	// A whole-file diagnostic has neither line nor column.
	assert.Equal(t, 0, got.Diagnostics[4].Line)
	assert.NotContains(t, out.String(), `"line": 0`)

	io, out, _ = testIO()
	require.NoError(t, validateRun(&ValidateOptions{IO: io, Dir: "testdata/validate/several-orgs", Format: "json"}))
	got = ValidateJSON{}
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	assert.Equal(t, ValidateJSON{FormatVersion: 1, Valid: true, Orgs: 2, Repositories: 3, Grants: 4, Diagnostics: []ValidateDiagnostic{}}, got)
}

func TestValidateRunGitHub(t *testing.T) {
	io, out, errOut := testIO()
	err := validateRun(&ValidateOptions{IO: io, Dir: "testdata/validate/names", Format: "github"})
	assert.Equal(t, ExitError, exitCode(err))
	assert.Equal(t, "::error file=testdata/validate/names/acme/bad name.yaml::file name \"bad name.yaml\": a repository name has at most 100 letters, digits, '.', '-' or '_'\n"+
		"::error file=testdata/validate/names/acme/widgets.yaml,line=2,col=11::\"under_score\" is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)\n"+
		"::error file=testdata/validate/names/acme/widgets.yaml,line=3,col=11::\"Widgets-TSC\" is not a valid team slug (lowercase letters, digits, '-' and '_'); did you mean \"widgets-tsc\"?\n",
		out.String())
	assert.True(t, strings.HasSuffix(errOut.String(), "testdata/validate/names: 3 errors; nothing was sent to GitHub\n"))
}

// TestGitHubAnnotationEscaping: file names and messages come from a pull
// request. Escaped as the runner expects, they cannot end the annotation
// early or start a workflow command of their own.
func TestGitHubAnnotationEscaping(t *testing.T) {
	d := config.Diagnostic{
		Pos:      config.Pos{File: "perm/a,b:c%d.yaml", Line: 3, Col: 7},
		Severity: config.SevError,
		Message:  "bad\n::add-mask::x 100%\r",
	}
	assert.Equal(t, "::error file=perm/a%2Cb%3Ac%25d.yaml,line=3,col=7::bad%0A::add-mask::x 100%25%0D", githubAnnotation(d))

	w := config.Diagnostic{Pos: config.Pos{File: "f.yaml"}, Severity: config.SevWarning, Message: "m"}
	assert.Equal(t, "::warning file=f.yaml::m", githubAnnotation(w))

	// End to end through the loader: a file named to inject a command.
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "acme"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "acme", "x,y::warning::z.yaml"), []byte("read: {}\n"), 0o644))
	io, out, _ := testIO()
	_ = validateRun(&ValidateOptions{IO: io, Dir: dir, Format: "github"})
	// One line, one command: the properties end at the first "::", so the
	// file name's own colons and comma must be escaped there (in the
	// message, after it, they are plain text).
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 1)
	props, msg, ok := strings.Cut(strings.TrimPrefix(lines[0], "::error "), "::")
	require.True(t, ok)
	assert.Equal(t, "file="+escapeProperty(dir)+"/acme/x%2Cy%3A%3Awarning%3A%3Az.yaml", props)
	assert.True(t, strings.HasPrefix(msg, `file name "x,y::warning::z.yaml": `), msg)
}

func TestValidateRunBadFormat(t *testing.T) {
	io, out, errOut := testIO()
	err := validateRun(&ValidateOptions{IO: io, Dir: "testdata/validate/valid", Format: "yaml"})
	assert.Equal(t, ExitError, exitCode(err))
	assert.True(t, isUsageError(err))
	assert.EqualError(t, err, `--format must be text, json or github, not "yaml"`)
	assert.Empty(t, out.String(), "nothing is read or printed")
	assert.Empty(t, errOut.String())
}

// TestMainValidate goes through Main, as the binary does, with injected
// streams: exit codes and where each message goes.
func TestMainValidate(t *testing.T) {
	io, out, errOut := testIO()
	assert.Equal(t, ExitOK, Main([]string{"validate", "--dir", "testdata/validate/valid"}, io))
	assert.Equal(t, "testdata/validate/valid is valid: 1 org, 2 repositories, 5 grants\n", out.String())
	assert.Empty(t, errOut.String())

	io, out, errOut = testIO()
	assert.Equal(t, ExitError, Main([]string{"validate", "--dir", "testdata/validate/unknown-keys"}, io))
	assert.Empty(t, out.String())
	assert.True(t, strings.HasSuffix(errOut.String(), "testdata/validate/unknown-keys: 4 errors; nothing was sent to GitHub\n"), "no extra line after the summary: %q", errOut.String())

	io, _, errOut = testIO()
	assert.Equal(t, ExitError, Main([]string{"validate", "--format", "xml"}, io))
	assert.Equal(t, "permsync: --format must be text, json or github, not \"xml\"\nRun 'permsync validate --help' for usage.\n", errOut.String())
}

func TestPlural(t *testing.T) {
	assert.Equal(t, "0 repositories", words.Plural(0, "repository"))
	assert.Equal(t, "1 repository", words.Plural(1, "repository"))
	assert.Equal(t, "2 errors", words.Plural(2, "error"))
	assert.Equal(t, "1 org", words.Plural(1, "org"))
}
