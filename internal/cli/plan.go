package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

type PlanOptions struct {
	IO               *IOStreams
	Global           *GlobalOptions
	Dir              string
	Org              string
	Repos            []string
	Format           string
	Out              string
	JSONOut          string
	DetailedExitCode bool

	// A pull request's files, read from git objects (gittree).
	GitDir   string
	GitTree  string
	GitBase  string
	Withhold bool
	FromFork bool

	// ExpiriesSince: list the expires: dates changed since this commit.
	ExpiriesSince string
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

With --git-tree REV, the files are read from the commit's git objects
rather than the disk (a pull request's tree: its .gitattributes, symlinks
and submodules cannot hide, add or redirect a file; a symlink or submodule
under --dir, or --dir itself being one, is an error). With --git-base BASE,
the repositories planned are those whose files REV changes since its
merge-base with BASE, and a changed file under --dir that permsync does not
plan fails the plan. With --withhold, the output names no one on a
repository not managed on BASE (or private, with --from-fork), and says what
it withholds; the exit code is still the whole plan's.

With --expiries-since REF (a commit in --git-dir, or "none"), the plan also
lists the expires: dates every org's files add or remove since REF's files
(compared by meaning: repository, principal or pinned account id, date;
each with its file:line), under "expires: dates to approve" and in the JSON
plan's expiry_changes; any such date counts as a change (exit 2 with
--detailed-exitcode). The daily expiry job removes, without a reviewer,
only what the last approved apply's files held: this is how the approver
sees every date that approval lets it carry out.

Exit codes: 0 success (with --detailed-exitcode: no changes), 1 error,
2 changes pending (with --detailed-exitcode), 3 the plan holds a refused change.`,
		Example: `  permsync plan
  permsync plan --repo openvdb --repo AcademySoftwareFoundation/openexr
  permsync plan --format markdown --out plan.md --detailed-exitcode
  permsync plan --format json --out plan.json && permsync apply --plan plan.json
  permsync plan --git-dir pr.git --git-tree refs/pr/head --git-base refs/pr/base --withhold --format markdown
  permsync plan --format markdown --out plan.md --json-out plan.json   # what the approver reads, and what runs
  permsync plan --expiries-since 0123abcd --detailed-exitcode   # also the expires: dates changed since that commit`,
		Args: noArgs,
		RunE: runE(opts, runF, planRun),
	}
	f := cmd.Flags()
	selection{}.register(f, &opts.Dir, &opts.Org, &opts.Repos)
	f.StringVar(&opts.Format, "format", "text", "output format: "+planview.FormatNames())
	f.StringVar(&opts.Out, "out", "", "write the plan to this file instead of stdout")
	f.StringVar(&opts.JSONOut, "json-out", "", "also save the same plan as JSON to this file, for apply --plan (one read of GitHub for both)")
	f.BoolVar(&opts.DetailedExitCode, "detailed-exitcode", false, "exit 2 when there are changes, 0 when there are none")
	f.StringVar(&opts.GitTree, "git-tree", "", "read --dir from this commit's git objects (not from the disk): no attribute, symlink or submodule in it can hide, add or redirect a file")
	f.StringVar(&opts.GitDir, "git-dir", ".git", "with --git-tree or --expiries-since: the git repository holding the commits (a bare one is fine)")
	f.StringVar(&opts.ExpiriesSince, "expiries-since", "", `also list the expires: dates every org's files add or remove since this commit's files (read from --git-dir; "none": every date), and count them as changes`)
	f.StringVar(&opts.GitBase, "git-base", "", "with --git-tree: plan the repositories whose files the commit changes since its merge-base with this one (every one if an org file changes); fail if a changed file under --dir is one permsync does not plan")
	f.BoolVar(&opts.Withhold, "withhold", false, "with --git-base: the output is for the pull request's author: name no one on a repository not managed on the base (or private, with --from-fork), and say what is withheld")
	f.BoolVar(&opts.FromFork, "from-fork", false, "with --withhold: the pull request comes from a fork, so private repositories are withheld too")
	return cmd
}

func planRun(ctx context.Context, opts *PlanOptions) error {
	format, err := checkPlanFlags(opts)
	if err != nil {
		return err
	}
	var pr *prTree
	var cfg *config.Config
	if opts.GitTree != "" {
		pr, err = readPRTree(ctx, opts)
		if err != nil {
			return err
		}
		cfg = pr.cfg
		if pr.nothing {
			return writeNothingToPlan(opts, pr)
		}
	} else if cfg, err = loadConfig(opts.IO, opts.Dir); err != nil {
		return err
	}
	targets, err := pickTargets(cfg, opts.Org, opts.Repos)
	if err != nil {
		return err
	}
	pi := operation.PlanInput{Dir: opts.Dir, Targets: targets, Perms: operation.ReadPermissions}
	if pr != nil && pr.baseCfg != nil {
		pi.BaseExpiries = reconcile.NewExpiries(pr.base, pr.baseCfg)
	}
	planned, err := opts.Global.env(opts.IO).Plan(ctx, pi)
	if err != nil {
		return err
	}
	p := planned.Plan
	if pr != nil {
		if err := pr.checkPlanned(p); err != nil {
			return err
		}
	}
	if opts.ExpiriesSince != "" {
		if err := addExpiryChanges(ctx, opts, cfg, p); err != nil {
			return err
		}
		if n := len(p.ExpiryChanges); n > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "%d expires: date(s) added or removed since %s: the plan lists them for approval\n", n, short(p.ExpiriesSince))
		}
	}
	if opts.JSONOut != "" {
		if err := writeOut(opts.IO, opts.JSONOut, func(w io.Writer, _ bool) error { return planview.JSON(w, p) }); err != nil {
			return err
		}
	}
	shown, footer := p, ""
	if format == planview.FormatMarkdown {
		footer = planview.ExpiriesMarkdown(p)
	} else if format == planview.FormatText {
		footer = planview.ExpiriesText(p)
	}
	if opts.Withhold {
		var list []planview.Withheld
		shown, list = planview.Redact(p, pr.withholder(planned.Actual, opts.FromFork))
		if opts.FromFork {
			// A fork's author can name any team in a file, secret ones
			// included: who gains access through a team is not theirs to
			// see. The changes themselves name only what the files name.
			shown.EffectiveAccess = planview.WithoutTeamEffects(shown.EffectiveAccess)
		}
		footer = planview.WithheldMarkdown(list, pr.whereFull(opts))
	}
	if pr != nil && len(pr.deleted) > 0 {
		// Not a change on GitHub, but one the merge makes: say it.
		footer += pr.deletedNote()
	}
	if err := writeOut(opts.IO, opts.Out, func(w io.Writer, toTerminal bool) error {
		return planview.Render(w, shown, format, planview.Options{Color: toTerminal && opts.IO.Color(), Footer: footer})
	}); err != nil {
		return err
	}
	if opts.Out != "" {
		fmt.Fprintf(opts.IO.ErrOut, "%s\nplan written to %s\n", planview.SummaryLine(shown), opts.Out)
	}
	// The exit code is the whole plan's: what is withheld still fails the check.
	return exit(planExitCode(p, opts.DetailedExitCode), nil)
}

func checkPlanFlags(opts *PlanOptions) (planview.Format, error) {
	format, err := planview.ParseFormat(opts.Format)
	if err != nil {
		return format, usageError{err}
	}
	switch {
	case opts.Withhold && opts.GitBase == "":
		return format, usageError{errors.New("--withhold needs --git-base: what is managed is decided on the base")}
	case opts.FromFork && !opts.Withhold:
		return format, usageError{errors.New("--from-fork goes with --withhold")}
	case opts.Withhold && opts.Format == "json":
		return format, usageError{errors.New("--withhold does not go with --format json: a plan with parts withheld cannot be applied")}
	case opts.Withhold && opts.JSONOut != "":
		return format, usageError{errors.New("--withhold does not go with --json-out: save the plan from a run that withholds nothing")}
	case opts.GitBase != "" && (opts.Org != "" || len(opts.Repos) > 0):
		return format, usageError{errors.New("--git-base plans the repositories the commit changes: do not combine it with --org or --repo")}
	case opts.ExpiriesSince != "" && opts.GitBase != "":
		return format, usageError{errors.New("--expiries-since does not go with --git-base: it is for the apply of the default branch, not a pull request's check")}
	case opts.GitTree == "" && (opts.GitBase != "" || opts.Withhold || opts.FromFork):
		return format, usageError{errors.New("--git-base, --withhold and --from-fork go with --git-tree")}
	}
	return format, nil
}

// planExitCode applies SPEC.md's precedence: errors 1, refusals 3, changes 2
// (a changed expires: date is one: it needs the approval).
func planExitCode(p *reconcile.Plan, detailed bool) int {
	return worst(when(len(p.Errors) > 0, ExitError), when(len(p.Refusals) > 0, ExitRefused), when(detailed && (len(p.Changes) > 0 || len(p.ExpiryChanges) > 0), ExitChanges))
}

// writeOut writes to --out (atomically: a reader never sees half a file)
// or to stdout.
func writeOut(ios *IOStreams, out string, draw func(w io.Writer, toTerminal bool) error) error {
	if out == "" || out == "-" {
		return draw(ios.Out, ios.StdoutTTY || ios.Color())
	}
	// Name the missing directory, not the temporary file made inside it.
	dir := filepath.Dir(out)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("--out %s: the directory %s does not exist: create it first", out, dir)
	}
	tmp, err := os.CreateTemp(dir, ".permsync-*")
	if err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	defer os.Remove(tmp.Name())
	// A file written with --out becomes a pull request comment or a job
	// summary: it passes the same secret redaction as stdout and stderr
	// (not their terminal escaping: the file is data).
	var buf bytes.Buffer
	err = draw(&buf, false)
	if err == nil {
		_, err = io.WriteString(tmp, ghapi.Redact(buf.String()))
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
