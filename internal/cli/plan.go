package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// PlanOptions are the inputs of "permsync plan".
type PlanOptions struct {
	IO               *IOStreams
	Global           *GlobalOptions
	Dir              string
	Org              string
	Repos            []string
	Format           string
	Out              string
	DetailedExitCode bool
}

func newPlanCmd(io *IOStreams, g *GlobalOptions, runF func(*PlanOptions) error) *cobra.Command {
	opts := &PlanOptions{IO: io, Global: g}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what would change on GitHub to match the files",
		Long: `Read the permissions files and GitHub, and show the difference as a plan:
each change with the file:line that asked for it, the changes permsync
refuses to make (guardrails), and who gains or loses write, maintain or admin.
Nothing is changed on GitHub.

Exit codes: 0 success (with --detailed-exitcode: no changes), 1 error,
2 changes pending (with --detailed-exitcode), 3 the plan holds a refused change.`,
		Example: `  permsync plan
  permsync plan --repo openvdb --repo AcademySoftwareFoundation/openexr
  permsync plan --format markdown --out plan.md --detailed-exitcode
  permsync plan --format json --out plan.json && permsync apply --plan plan.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return planRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Dir, "dir", "permissions", "permissions directory")
	f.StringVar(&opts.Org, "org", "", "only this org")
	f.StringSliceVar(&opts.Repos, "repo", nil, "only this repository, as REPO or ORG/REPO (repeatable)")
	f.StringVar(&opts.Format, "format", "text", "output format: text, markdown or json")
	f.StringVar(&opts.Out, "out", "", "write the plan to this file instead of stdout")
	f.BoolVar(&opts.DetailedExitCode, "detailed-exitcode", false, "exit 2 when there are changes, 0 when there are none")
	return cmd
}

func planRun(ctx context.Context, opts *PlanOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	switch opts.Format {
	case "text", "markdown", "json":
	default:
		return exit(ExitError, usageError{fmt.Errorf("--format must be text, markdown or json, not %q", opts.Format)})
	}
	cfg, err := loadConfig(opts.IO, opts.Dir)
	if err != nil {
		return err
	}
	targets, err := reconcile.Select(cfg, opts.Org, opts.Repos)
	if err != nil {
		return exit(ExitError, usageError{err})
	}
	client, err := opts.Global.connect(ctx, opts.IO, readPermissions, targetRepos(targets))
	if err != nil {
		return exit(ExitError, err)
	}
	p, err := computePlan(ctx, opts.IO, client, opts.Dir, targets)
	opts.Global.progress.done()
	if err != nil {
		return exit(ExitError, err)
	}
	if err := writeOut(opts.IO, opts.Out, func(w io.Writer, toTerminal bool) error {
		return renderPlan(w, p, opts.Format, toTerminal && opts.IO.Color())
	}); err != nil {
		return exit(ExitError, err)
	}
	if opts.Out != "" {
		fmt.Fprintf(opts.IO.ErrOut, "%s\nplan written to %s\n", planview.SummaryLine(p), opts.Out)
	}
	return exit(planExitCode(p, opts.DetailedExitCode), nil)
}

// planExitCode applies SPEC.md's precedence: errors 1, refusals 3, changes 2.
func planExitCode(p *reconcile.Plan, detailed bool) int {
	codes := []int{}
	if len(p.Errors) > 0 {
		codes = append(codes, ExitError)
	}
	if len(p.Refusals) > 0 {
		codes = append(codes, ExitRefused)
	}
	if detailed && len(p.Changes) > 0 {
		codes = append(codes, ExitChanges)
	}
	return worst(codes...)
}

func renderPlan(w io.Writer, p *reconcile.Plan, format string, color bool) error {
	switch format {
	case "json":
		return planview.JSON(w, p)
	case "markdown":
		return planview.Markdown(w, p, planview.MarkdownOptions{})
	}
	return planview.Text(w, p, planview.TextOptions{Color: color})
}

// writeOut writes to --out (atomically: a reader never sees half a file)
// or to stdout.
func writeOut(ios *IOStreams, out string, draw func(w io.Writer, toTerminal bool) error) error {
	if out == "" || out == "-" {
		return draw(ios.Out, ios.StdoutTTY || ios.Color())
	}
	// Name the missing directory, not the temporary file made inside it.
	if fi, err := os.Stat(dirOf(out)); err != nil || !fi.IsDir() {
		return fmt.Errorf("--out %s: the directory %s does not exist: create it first", out, filepath.Dir(out))
	}
	tmp, err := os.CreateTemp(dirOf(out), ".permsync-*")
	if err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	defer os.Remove(tmp.Name())
	if err := draw(tmp, false); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}
