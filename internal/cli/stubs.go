package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func notBuilt(name string) error {
	return exit(ExitError, fmt.Errorf("permsync %s is not built yet in this version; only validate works so far", name))
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
