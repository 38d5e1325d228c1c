// Package cli is permsync's command line: flag parsing, and the one place
// that turns results into output and exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/buildinfo"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// GlobalOptions are the flags every command that talks to GitHub shares.
type GlobalOptions struct {
	APIURL          string
	CacheDir        string
	ReadConcurrency int
	WriteInterval   time.Duration

	// Set by the demo and tests instead of reading the environment.
	credentials *ghapi.Credentials
}

// Main runs permsync with args and returns the exit code.
func Main(args []string, io *IOStreams) int {
	io = io.guarded() // every byte printed passes the output guard
	root, g := newRoot(io)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if p := io.progress; p != nil {
		p.mu.Lock()
		p.clear() // a read that ended in silence
		p.mu.Unlock()
	}
	if err != nil {
		err = notGitHub(root.Context(), g, err)
		var fe *operation.FilesError
		if errors.As(err, &fe) {
			for _, d := range fe.Diags {
				fmt.Fprintln(io.ErrOut, printable(d.String()))
			}
		}
		var ee *exitError
		if !errors.As(err, &ee) || ee.err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "permsync") {
				msg = "permsync: " + msg
			}
			fmt.Fprintln(io.ErrOut, msg)
		}
		if isUsageError(err) || strings.HasPrefix(err.Error(), "unknown command") {
			if cmd == nil {
				cmd = root
			}
			fmt.Fprintf(io.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
	}
	return exitCode(err)
}

// usageError marks bad flags or arguments.
type usageError struct{ error }

func isUsageError(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

// NewRootCmd builds the command tree. Commands are listed here explicitly.
func NewRootCmd(io *IOStreams) *cobra.Command {
	root, _ := newRoot(io)
	return root
}

func newRoot(io *IOStreams) (*cobra.Command, *GlobalOptions) {
	g := &GlobalOptions{}
	var noColor bool
	root := &cobra.Command{
		Use:   "permsync <command> [flags]",
		Short: "Keep the rights to an organization's GitHub repositories as code",
		Long: `permsync reads per-repository YAML files that say who holds admin, maintain,
write, triage and read on each repository, compares them with GitHub, shows the
difference as a plan, and applies it through a GitHub App. It never disables
branch protection or a required CLA check, whatever the files say.`,
		Example: `  # Check the files (offline, no credentials)
  permsync validate --dir permissions

  # Show what would change on GitHub, as a PR comment
  permsync plan --format markdown --out plan.md

  # Apply it
  permsync apply --yes

  # See the whole loop on a built-in simulated org
  permsync demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildinfo.String(),
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			if noColor {
				io.NoColor = true
			}
		},
	}
	root.SetVersionTemplate(versionLine() + "\n")
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetIn(io.In)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err}
	})
	root.CompletionOptions.DisableDefaultCmd = true

	pf := root.PersistentFlags()
	pf.BoolVar(&noColor, "no-color", false, "never colour the output (also NO_COLOR=1; CLICOLOR_FORCE=1 colours it even when piped)")
	pf.StringVar(&g.APIURL, "api-url", "", "GitHub API base URL (default $GITHUB_API_URL, else https://api.github.com/; GitHub Enterprise Server: https://HOST/api/v3/)")
	pf.StringVar(&g.CacheDir, "cache-dir", "", "directory for the conditional-request cache (default: the user cache directory; \"off\" disables it; never holds a secret)")
	pf.IntVar(&g.ReadConcurrency, "read-concurrency", 4, "GitHub reads in flight at once")
	pf.DurationVar(&g.WriteInterval, "write-interval", time.Second, "least time between two writes to GitHub (GitHub asks for writes one at a time, about a second apart)")

	root.AddCommand(
		newValidateCmd(io, nil),
		newPlanCmd(io, g, nil),
		newApplyCmd(io, g, nil),
		newDriftCmd(io, g, nil),
		newAuditCmd(io, g, nil),
		newImportCmd(io, g, nil),
		newPinCmd(io, g, nil),
		newOffboardCmd(io, g, nil),
		newDemoCmd(io, nil),
		newVersionCmd(io),
		newCompletionCmd(io),
	)
	return root, g
}

// resolve fills global defaults from the environment.
func (g *GlobalOptions) resolve(io *IOStreams) {
	if g.APIURL == "" {
		g.APIURL = io.Getenv("GITHUB_API_URL")
	}
	if g.APIURL == "" {
		g.APIURL = "https://api.github.com/"
	}
	if g.CacheDir == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			g.CacheDir = filepath.Join(dir, "permsync")
		}
	}
}

// loadConfig loads the permissions directory (see loaded).
func loadConfig(io *IOStreams, dir string) (*config.Config, error) {
	cfg, diags := config.LoadDir(dir)
	return cfg, loaded(io, diags, dir)
}

// loaded prints the warnings of files that load. Files that do not are a
// *operation.FilesError, whose diagnostics Main prints before it: the
// command exits 1 with nothing sent to GitHub.
func loaded(io *IOStreams, diags config.Diagnostics, where string) error {
	if diags.HasErrors() {
		return &operation.FilesError{Diags: diags, Msg: fmt.Sprintf("%s: %s in the files; nothing was sent to GitHub", where, words.Plural(len(diags.Filter(config.SevError)), "error"))}
	}
	for _, d := range diags {
		fmt.Fprintln(io.ErrOut, printable(d.String()))
	}
	return nil
}

// printable escapes the control characters of a line about to be
// printed: a file name from a pull request may hold a newline (which
// would start a GitHub Actions workflow command such as "::warning::" on
// a line of its own in the job log) or a terminal escape sequence.
func printable(s string) string { return escapeControls(s, false) }

// escapeControls writes control characters as Go escapes (\n, \x1b…);
// with keepLineBreaks, '\n' and '\r' stay as they are.
func escapeControls(s string, keepLineBreaks bool) string {
	escape := func(r rune) bool { return isControl(r) && !(keepLineBreaks && (r == '\n' || r == '\r')) }
	if !strings.ContainsFunc(s, escape) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if escape(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// runE runs a command: run with the options its flags filled, or, in a
// test of the flag parsing, runF (gh's NewCmdX(f, runF)).
func runE[O any](opts *O, runF func(*O) error, run func(context.Context, *O) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		if runF != nil {
			return runF(opts)
		}
		return run(cmd.Context(), opts)
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q (flags go after the command, e.g. --dir)", cmd.CommandPath(), args[0])}
	}
	return nil
}
