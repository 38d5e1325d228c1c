package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/drift"
	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
)

type DriftOptions struct {
	IO        *IOStreams
	Global    *GlobalOptions
	Dir       string
	Org       string
	IssueRepo string
}

func newDriftCmd(io *IOStreams, g *GlobalOptions, runF func(*DriftOptions) error) *cobra.Command {
	opts := &DriftOptions{IO: io, Global: g}
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Report rights changed by hand on GitHub in one tracking issue",
		Long: `Plan every managed repository and report the drift: first what was changed
on GitHub outside permsync (and by whom and when, where GitHub records it),
then what apply would do about it. In additive mode the grants the files do
not list are drift too. With --issue-repo, one tracking issue in that repository is opened,
updated with the current plan, or commented on and closed when the drift is
gone. The issue is found by its label (permsync-drift) and by its author
being permsync's own App, so nobody can redirect it.

Exit codes: 0 no drift, 1 error, 2 drift (3 if the plan also holds changes
permsync refuses to make).`,
		Example: `  permsync drift
  permsync drift --issue-repo AcademySoftwareFoundation/permissions`,
		Args: noArgs,
		RunE: runE(opts, runF, driftRun),
	}
	f := cmd.Flags()
	selection{}.register(f, &opts.Dir, &opts.Org, nil)
	f.StringVar(&opts.IssueRepo, "issue-repo", "", "OWNER/REPO holding the tracking issue")
	return cmd
}

func driftRun(ctx context.Context, opts *DriftOptions) error {
	var owner, repo string
	if opts.IssueRepo != "" {
		var ok bool
		owner, repo, ok = strings.Cut(opts.IssueRepo, "/")
		if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
			return usageError{fmt.Errorf("--issue-repo must be OWNER/REPO, not %q", opts.IssueRepo)}
		}
	}
	_, targets, err := selectTargets(opts.IO, opts.Dir, opts.Org, nil)
	if err != nil {
		return err
	}
	in := operation.PlanInput{Dir: opts.Dir, Targets: targets, Perms: operation.ReadPermissions}
	if owner != "" {
		in.Perms = operation.WithPermission(in.Perms, "issues", "write")
		in.Repos = []string{owner + "/" + repo}
	}
	env := opts.Global.env(opts.IO)
	planned, err := env.Plan(ctx, in)
	if err != nil {
		return err
	}
	p := planned.Plan
	if err := drift.WriteText(opts.IO.Out, p, planned.Actual, opts.IO.Color()); err != nil {
		return err
	}
	code := worst(planExitCode(p, false), when(drift.Exists(p), ExitChanges))
	if owner == "" {
		return exit(code, nil)
	}
	res, err := env.SyncIssue(ctx, planned, owner, repo, runURL(opts.IO.Getenv))
	if err != nil {
		return fmt.Errorf("tracking issue in %s: %w", opts.IssueRepo, err)
	}
	switch res.Action {
	case drift.None:
		fmt.Fprintf(opts.IO.Out, "No drift, and no tracking issue open in %s.\n", opts.IssueRepo)
	default:
		fmt.Fprintf(opts.IO.Out, "Tracking issue %s: #%d %s\n", res.Action, res.Issue.Number, res.Issue.URL)
	}
	for _, n := range res.Duplicates {
		fmt.Fprintf(opts.IO.Out, "Closed #%d as a duplicate.\n", n)
	}
	return exit(code, nil)
}

// runURL links the GitHub Actions run, when permsync runs in one.
func runURL(getenv func(string) string) string {
	server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return fmt.Sprintf("%s/%s/actions/runs/%s", server, repo, id)
}
