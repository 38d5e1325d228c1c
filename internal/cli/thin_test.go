package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// Commands return errors as they are; the exit code comes from the type.
func TestExitCodeComesFromTheErrorsType(t *testing.T) {
	refused := &reconcile.Plan{Refusals: []reconcile.Refusal{{}}}
	refusedAndBroken := &reconcile.Plan{Refusals: []reconcile.Refusal{{}}, Errors: []reconcile.RepoError{{}}}
	for _, c := range []struct {
		name string
		err  error
		want int
	}{
		{"none", nil, ExitOK},
		{"any error", errors.New("boom"), ExitError},
		{"GitHub's", fmt.Errorf("reading org acme: %w", &ghapi.Error{Kind: ghapi.KindForbidden}), ExitError},
		{"a usage error", usageError{errors.New("--format")}, ExitError},
		{"stale plan", &operation.StalePlanError{Why: "the files changed"}, ExitError},
		{"files that do not load", &operation.FilesError{Msg: "x"}, ExitError},
		{"refused", fmt.Errorf("apply: %w", &operation.RefusedError{Plan: refused}), ExitRefused},
		{"refused, and a repository not read", &operation.RefusedError{Plan: refusedAndBroken}, ExitError},
		{"a code of its own", exit(ExitPartial, nil), ExitPartial},
	} {
		assert.Equal(t, c.want, exitCode(c.err), c.name)
	}
}

// The progress line is the guard's to clear: whatever a command prints
// next, to stdout or stderr, starts on a clean line.
func TestOutputClearsTheProgressLine(t *testing.T) {
	var out, errOut bytes.Buffer
	ios := (&IOStreams{Out: &out, ErrOut: &errOut, StderrTTY: true,
		Getenv: func(string) string { return "" }}).guarded()
	require.NotNil(t, ios.progress, "a person at a terminal sees progress")
	ios.progress.update(ghapi.Progress{Org: "acme", Phase: "repositories", Done: 3, Total: 3})
	fmt.Fprintln(ios.ErrOut, "permsync: a warning")
	assert.Equal(t, "\r\x1b[Kreading acme: repositories 3/3\r\x1b[Kpermsync: a warning\n", errOut.String())
	fmt.Fprintln(ios.Out, "the plan")
	assert.Equal(t, "the plan\n", out.String())
	assert.NotContains(t, strings.TrimPrefix(errOut.String(), "\r\x1b[Kreading acme: repositories 3/3"), "reading", "cleared once, not drawn again")

	ci := (&IOStreams{Out: &out, ErrOut: &errOut, StderrTTY: true,
		Getenv: func(k string) string { return map[string]string{"CI": "true"}[k] }}).guarded()
	assert.Nil(t, ci.progress, "never into a CI log")
}

// One selection flag group: the same --dir everywhere, --org and --repo
// where the command takes them.
func TestSelectionFlagGroup(t *testing.T) {
	root := NewRootCmd(&IOStreams{Getenv: func(string) string { return "" }})
	takes := map[string][]string{
		"validate": {"dir"}, "offboard": {"dir"},
		"drift": {"dir", "org"}, "pin": {"dir", "org"}, "audit": {"dir", "org"},
		"plan": {"dir", "org", "repo"}, "apply": {"dir", "org", "repo"}, "import": {"dir", "org", "repo"},
	}
	for name, flags := range takes {
		cmd, _, err := root.Find([]string{name})
		require.NoError(t, err)
		for _, f := range []string{"dir", "org", "repo"} {
			fl := cmd.Flags().Lookup(f)
			if !assert.Equal(t, contains(flags, f), fl != nil, "%s --%s", name, f) || fl == nil {
				continue
			}
			if f == "dir" {
				assert.Equal(t, "permissions", fl.DefValue, name)
			}
		}
	}

	// One validation: a name without a file is a usage error with a did-you-mean.
	ios, _, _ := testIO()
	_, _, err := selectTargets(ios, "testdata/validate/valid", "", []string{"widgest"})
	require.Error(t, err)
	assert.True(t, isUsageError(err))
	assert.Contains(t, err.Error(), "did you mean")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Files that do not load are one typed error: every command that loads
// them prints the diagnostics once, through Main, then what to do.
func TestFilesThatDoNotLoadArePrintedByMain(t *testing.T) {
	for _, args := range [][]string{{"plan"}, {"apply", "--yes"}, {"drift"}, {"pin"}, {"audit"}} {
		cmd := args[0]
		code, out, errOut := mainIO(nil, append(args, "--dir", "testdata/validate/roles")...)
		assert.Equal(t, ExitError, code, cmd)
		assert.Empty(t, out, cmd)
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		require.Len(t, lines, 4, "%s: %q", cmd, errOut)
		assert.True(t, strings.HasPrefix(lines[0], "testdata/validate/roles/"), cmd)
		assert.Equal(t, "permsync: testdata/validate/roles: 3 errors in the files; nothing was sent to GitHub", lines[3], cmd)
	}
}
