package cli

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

type ApplyOptions struct {
	IO       *IOStreams
	Global   *GlobalOptions
	Dir      string
	Org      string
	Repos    []string
	Yes      bool
	PlanFile string
	// ExpiriesOnly applies the removals of expired entries and nothing
	// else (the scheduled expiry job).
	ExpiriesOnly bool
	// ApprovedRef: with ExpiriesOnly, the commit of the last approved
	// apply; only the expired entries its files held, same date, are
	// removed (apply_approved.go).
	ApprovedRef string

	hidePlan bool   // the demo has just shown it
	gitDir   string // for ApprovedRef; ".git" if empty
}

func newApplyCmd(io *IOStreams, g *GlobalOptions, runF func(*ApplyOptions) error) *cobra.Command {
	opts := &ApplyOptions{IO: io, Global: g}
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Change GitHub to match the files",
		Long: `Read GitHub again, compute the plan again, check every guardrail again, then
make the changes: adds and raises first, then lowers and removals. Each grant
is re-read just before it is written, so a change made by hand or by another
run in between is never overwritten blindly. If the plan holds any refused
change, nothing at all is changed (exit 3).

With --plan, the files in --dir (with --org and --repo, as given to this
command: never taken from the saved file) are planned again, and the changes
are made only if that plan is the saved one: the same repositories, the same
changes and refusals, and neither the files nor GitHub changed for any
repository ("stale plan", exit 1: plan again, and have it approved again).

Exit codes: 0 done, 1 error or stale plan, 3 refused, 4 done in part (the
output says which changes failed; run it again to converge).`,
		Example: `  permsync apply            # asks before changing anything
  permsync apply --yes      # in CI
  permsync apply --repo openvdb --yes
  permsync plan --repo openvdb --format json --out plan.json
  permsync apply --repo openvdb --plan plan.json --yes`,
		Args: noArgs,
		RunE: runE(opts, runF, applyRun),
	}
	f := cmd.Flags()
	selection{}.register(f, &opts.Dir, &opts.Org, &opts.Repos)
	f.BoolVar(&opts.Yes, "yes", false, "apply without asking (required when not run from a terminal)")
	f.StringVar(&opts.PlanFile, "plan", "", "apply only if the plan of --dir/--org/--repo is exactly this saved JSON plan")
	f.BoolVar(&opts.ExpiriesOnly, "expiries-only", false, "apply only the removals of entries whose expires: date has come; leave every other change pending")
	f.StringVar(&opts.ApprovedRef, "approved-ref", "", "with --expiries-only: the commit of the last approved apply (read from .git); only entries its files held with the same expires: date are removed")
	return cmd
}

func applyRun(ctx context.Context, opts *ApplyOptions) error {
	if !opts.Yes && !opts.IO.Interactive() {
		return errors.New("apply changes GitHub: pass --yes to confirm when not running at a terminal")
	}
	if opts.ExpiriesOnly && opts.PlanFile != "" {
		return usageError{errors.New("--expiries-only computes its own plan: do not combine it with --plan")}
	}
	if opts.ApprovedRef != "" && !opts.ExpiriesOnly {
		return usageError{errors.New("--approved-ref goes with --expiries-only")}
	}
	var saved *reconcile.Plan
	if opts.PlanFile != "" {
		var err error
		if saved, err = readFile("--plan", opts.PlanFile, reconcile.ReadPlan); err != nil {
			return err
		}
		// Nothing in the file decides what is planned: the directory, the
		// orgs and the repositories are this command's own (a crafted file
		// could otherwise point the apply at files nobody reviewed). The file
		// is only what the apply must match.
	}
	_, targets, err := selectTargets(opts.IO, opts.Dir, opts.Org, opts.Repos)
	if err != nil {
		return err
	}
	var approved *reconcile.Expiries
	if opts.ApprovedRef != "" {
		if approved, err = approvedExpiries(ctx, cmp.Or(opts.gitDir, ".git"), opts.ApprovedRef, opts.Dir); err != nil {
			return err
		}
	}
	env := opts.Global.env(opts.IO)
	planned, err := env.Plan(ctx, operation.PlanInput{Dir: opts.Dir, Targets: targets, Perms: operation.WritePermissions,
		ExpiriesOnly: opts.ExpiriesOnly, Approved: approved})
	if err != nil {
		return err
	}
	p := planned.Plan
	if saved != nil {
		if err := operation.CheckSaved(saved, p, opts.PlanFile); err != nil {
			return err
		}
	}
	color := opts.IO.Color()
	if !opts.hidePlan {
		if err := planview.Text(opts.IO.Out, p, planview.TextOptions{Color: color}); err != nil {
			return err
		}
	}
	if len(p.Refusals) > 0 {
		return &operation.RefusedError{Plan: p}
	}
	if len(p.Changes) == 0 {
		return exit(planExitCode(p, false), nil)
	}
	if !opts.Yes {
		fmt.Fprintf(opts.IO.ErrOut, "\nApply these %s to GitHub? Only 'yes' is accepted: ", words.Plural(len(p.Changes), "change"))
		answer, _ := bufio.NewReader(opts.IO.In).ReadString('\n')
		if strings.TrimSpace(answer) != "yes" {
			return errors.New("apply cancelled: nothing was changed")
		}
	}
	if !opts.hidePlan {
		fmt.Fprintln(opts.IO.Out)
	}
	res, err := env.Apply(ctx, planned, func(o reconcile.Outcome) {
		fmt.Fprintln(opts.IO.Out, planview.OutcomeLine(o, color))
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out, planview.ApplySummary(res))
	return exit(worst(planExitCode(p, false), when(res.Partial(), ExitPartial)), nil)
}
