package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func notBuilt(name string) error {
	return exit(ExitError, fmt.Errorf("permsync %s is not built yet in this version; only validate works so far", name))
}

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
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notBuilt("plan")
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Dir, "dir", "permissions", "permissions directory")
	f.StringVar(&opts.Org, "org", "", "only this org")
	f.StringSliceVar(&opts.Repos, "repo", nil, "only these repositories (repeatable)")
	f.StringVar(&opts.Format, "format", "text", "output format: text, markdown or json")
	f.StringVar(&opts.Out, "out", "", "write the plan to this file instead of stdout")
	f.BoolVar(&opts.DetailedExitCode, "detailed-exitcode", false, "exit 2 when there are changes, 0 when none")
	return cmd
}

// ApplyOptions are the inputs of "permsync apply".
type ApplyOptions struct {
	IO       *IOStreams
	Global   *GlobalOptions
	Dir      string
	Org      string
	Repos    []string
	Yes      bool
	PlanFile string
}

func newApplyCmd(io *IOStreams, g *GlobalOptions, runF func(*ApplyOptions) error) *cobra.Command {
	opts := &ApplyOptions{IO: io, Global: g}
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Change GitHub to match the files",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notBuilt("apply")
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Dir, "dir", "permissions", "permissions directory")
	f.StringVar(&opts.Org, "org", "", "only this org")
	f.StringSliceVar(&opts.Repos, "repo", nil, "only these repositories (repeatable)")
	f.BoolVar(&opts.Yes, "yes", false, "apply without asking")
	f.StringVar(&opts.PlanFile, "plan", "", "apply this saved JSON plan, if it is not stale")
	return cmd
}

// DriftOptions are the inputs of "permsync drift".
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
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notBuilt("drift")
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Dir, "dir", "permissions", "permissions directory")
	f.StringVar(&opts.Org, "org", "", "only this org")
	f.StringVar(&opts.IssueRepo, "issue-repo", "", "OWNER/REPO holding the tracking issue")
	return cmd
}

// AuditOptions are the inputs of "permsync audit".
type AuditOptions struct {
	IO          *IOStreams
	Global      *GlobalOptions
	Dir         string
	Org         string
	Format      string
	Out         string
	Since       string
	SnapshotOut string
	Compare     string
}

func newAuditCmd(io *IOStreams, g *GlobalOptions, runF func(*AuditOptions) error) *cobra.Command {
	opts := &AuditOptions{IO: io, Global: g}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Report who can do what, everywhere, and what changed",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notBuilt("audit")
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Dir, "dir", "permissions", "permissions directory")
	f.StringVar(&opts.Org, "org", "", "only this org")
	f.StringVar(&opts.Format, "format", "markdown", "output format: markdown, html, json or csv")
	f.StringVar(&opts.Out, "out", "", "write the report to this file instead of stdout")
	f.StringVar(&opts.Since, "since", "", "history window start (YYYY-MM-DD)")
	f.StringVar(&opts.SnapshotOut, "snapshot-out", "", "store the state read in this file (no secrets)")
	f.StringVar(&opts.Compare, "compare", "", "report what changed on GitHub since this snapshot")
	return cmd
}

// ImportOptions are the inputs of "permsync import".
type ImportOptions struct {
	IO     *IOStreams
	Global *GlobalOptions
	Dir    string
	Org    string
	Repos  []string
	Force  bool
}

func newImportCmd(io *IOStreams, g *GlobalOptions, runF func(*ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{IO: io, Global: g}
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Write permissions files from GitHub's current state",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notBuilt("import")
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Dir, "dir", "permissions", "permissions directory")
	f.StringVar(&opts.Org, "org", "", "the org to import (required)")
	f.StringSliceVar(&opts.Repos, "repo", nil, "only these repositories (repeatable)")
	f.BoolVar(&opts.Force, "force", false, "overwrite existing files")
	return cmd
}

// DemoOptions are the inputs of "permsync demo".
type DemoOptions struct {
	IO *IOStreams
}

func newDemoCmd(io *IOStreams, runF func(*DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{IO: io}
	return &cobra.Command{
		Use:   "demo",
		Short: "Run the whole loop on a built-in simulated org (no credentials, no network)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notBuilt("demo")
		},
	}
}
