package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// ApplyOptions are the inputs of "permsync apply".
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

	hidePlan bool // the demo has just shown it
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return applyRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Dir, "dir", "permissions", "permissions directory")
	f.StringVar(&opts.Org, "org", "", "only this org")
	f.StringSliceVar(&opts.Repos, "repo", nil, "only this repository, as REPO or ORG/REPO (repeatable)")
	f.BoolVar(&opts.Yes, "yes", false, "apply without asking (required when not run from a terminal)")
	f.StringVar(&opts.PlanFile, "plan", "", "apply only if the plan of --dir/--org/--repo is exactly this saved JSON plan")
	f.BoolVar(&opts.ExpiriesOnly, "expiries-only", false, "apply only the removals of entries whose expires: date has come; leave every other change pending")
	return cmd
}

func applyRun(ctx context.Context, opts *ApplyOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if !opts.Yes && !opts.IO.Interactive() {
		return exit(ExitError, errors.New("apply changes GitHub: pass --yes to confirm when not running at a terminal"))
	}
	var saved *reconcile.Plan
	if opts.ExpiriesOnly && opts.PlanFile != "" {
		return exit(ExitError, usageError{errors.New("--expiries-only computes its own plan: do not combine it with --plan")})
	}
	if opts.PlanFile != "" {
		f, err := os.Open(opts.PlanFile)
		if err != nil {
			return exit(ExitError, fmt.Errorf("--plan: %w", err))
		}
		saved, err = reconcile.ReadPlan(f)
		f.Close()
		if err != nil {
			return exit(ExitError, fmt.Errorf("--plan %s: %w", opts.PlanFile, err))
		}
		// Nothing in the file decides what is planned: the directory, the
		// orgs and the repositories are this command's own (a crafted file
		// could otherwise point the apply at files nobody reviewed). The file
		// is only what the apply must match.
	}
	cfg, err := loadConfig(opts.IO, opts.Dir)
	if err != nil {
		return err
	}
	targets, err := reconcile.Select(cfg, opts.Org, opts.Repos)
	if err != nil {
		return exit(ExitError, usageError{err})
	}
	client, err := opts.Global.connectFloor(ctx, opts.IO, writePermissions, targetRepos(targets), targets)
	if err != nil {
		return exit(ExitError, err)
	}
	in, err := planInput(ctx, opts.IO, client, opts.Dir, targets)
	opts.Global.progress.done()
	if err != nil {
		return exit(ExitError, err)
	}
	in.ExpiriesOnly = opts.ExpiriesOnly
	p := reconcile.Diff(in)
	if saved != nil {
		why := staleness(saved, p)
		if why == "" {
			why = planDiffers(saved, p)
		}
		if why != "" {
			return exit(ExitError, fmt.Errorf("stale plan: %s since %s was made; run permsync plan again (with the same --dir, --org and --repo) and have it approved again", why, opts.PlanFile))
		}
	}
	color := opts.IO.Color()
	if !opts.hidePlan {
		if err := planview.Text(opts.IO.Out, p, planview.TextOptions{Color: color}); err != nil {
			return exit(ExitError, err)
		}
	}
	if len(p.Refusals) > 0 {
		fmt.Fprintln(opts.IO.ErrOut, "permsync: the plan holds refused changes: nothing was changed on GitHub")
		return exit(worst(planExitCode(p, false)), nil)
	}
	if len(p.Changes) == 0 {
		return exit(planExitCode(p, false), nil)
	}
	if !opts.Yes {
		fmt.Fprintf(opts.IO.ErrOut, "\nApply these %s to GitHub? Only 'yes' is accepted: ", plural(len(p.Changes), "change"))
		answer, _ := bufio.NewReader(opts.IO.In).ReadString('\n')
		if strings.TrimSpace(answer) != "yes" {
			return exit(ExitError, errors.New("apply cancelled: nothing was changed"))
		}
	}
	if !opts.hidePlan {
		fmt.Fprintln(opts.IO.Out)
	}
	res, err := reconcile.Apply(ctx, p, client, func(o reconcile.Outcome) {
		fmt.Fprintln(opts.IO.Out, planview.OutcomeLine(o, color))
	})
	if err != nil {
		return exit(ExitError, err)
	}
	fmt.Fprintln(opts.IO.Out, planview.ApplySummary(res))
	codes := []int{planExitCode(p, false)}
	if res.Partial() {
		codes = append(codes, ExitPartial)
	}
	return exit(worst(codes...), nil)
}

// staleness says why a saved plan no longer holds, or "".
func staleness(saved, now *reconcile.Plan) string {
	cur := map[string]reconcile.Digest{}
	for _, d := range now.Digests {
		cur[strings.ToLower(d.Org+"/"+d.Repo)] = d
	}
	for _, d := range saved.Digests {
		n, ok := cur[strings.ToLower(d.Org+"/"+d.Repo)]
		switch {
		case !ok:
			return fmt.Sprintf("%s/%s is no longer in the files", d.Org, d.Repo)
		case n.Files != d.Files:
			return fmt.Sprintf("the files for %s/%s changed", d.Org, d.Repo)
		case n.State != d.State:
			return fmt.Sprintf("GitHub's state of %s/%s changed", d.Org, d.Repo)
		}
	}
	return ""
}

// planDiffers says how a saved plan differs from the plan just made of the
// same files, or "". The approver saw the saved plan; only that may run.
func planDiffers(saved, now *reconcile.Plan) string {
	var buf bytes.Buffer
	if err := now.WriteJSON(&buf); err != nil {
		return "the new plan cannot be compared: " + err.Error()
	}
	// Through JSON, as the saved plan came, so that both are compared alike.
	cur, err := reconcile.ReadPlan(&buf)
	if err != nil {
		return "the new plan cannot be compared: " + err.Error()
	}
	norm := func(repos []string) []string {
		out := make([]string, len(repos))
		for i, r := range repos {
			out[i] = strings.ToLower(r)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(norm(saved.Repos), norm(cur.Repos)) {
		return fmt.Sprintf("the repositories planned (%s) are not the saved plan's (%s)", strings.Join(cur.Repos, ", "), strings.Join(saved.Repos, ", "))
	}
	for _, part := range []struct {
		what      string
		old, next any
	}{
		{"orgs' modes", saved.Orgs, cur.Orgs},
		{"changes", saved.Changes, cur.Changes},
		{"refusals", saved.Refusals, cur.Refusals},
		{"file and GitHub digests", saved.Digests, cur.Digests},
	} {
		a, _ := json.Marshal(part.old)
		b, _ := json.Marshal(part.next)
		if !bytes.Equal(a, b) {
			return "the " + part.what + " planned now are not the saved plan's"
		}
	}
	return ""
}
