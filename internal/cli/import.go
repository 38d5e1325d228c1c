package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

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
		Long: `Read an org from GitHub and write one file per repository: its direct user
grants, pending invitations and team grants by role, and the protection of
its default branch. A plan right after an import shows no changes. An org
file spelling out the defaults is written when there is none. Existing files
are kept unless --force; repositories in ignore_repos are skipped.`,
		Example: `  permsync import --org AcademySoftwareFoundation
  permsync import --org AcademySoftwareFoundation --repo openvdb --force`,
		Args: noArgs,
		RunE: runE(opts, runF, importRun),
	}
	f := cmd.Flags()
	selection{orgHelp: "the org to import (required)", repoHelp: "only these repositories (repeatable)"}.register(f, &opts.Dir, &opts.Org, &opts.Repos)
	f.BoolVar(&opts.Force, "force", false, "overwrite existing files")
	return cmd
}

func importRun(ctx context.Context, opts *ImportOptions) error {
	if opts.Org == "" || !config.ValidLogin(opts.Org) {
		return usageError{errors.New("--org names the org to import, e.g. --org AcademySoftwareFoundation")}
	}
	for _, r := range opts.Repos {
		if !config.ValidRepoName(r) {
			return usageError{fmt.Errorf("--repo %q is not a repository name", r)}
		}
	}
	res, err := opts.Global.env(opts.IO).Import(ctx, operation.ImportInput{Dir: opts.Dir, Org: opts.Org, Repos: opts.Repos, Force: opts.Force})
	if res != nil {
		fmt.Fprintf(opts.IO.Out, "Imported %s: %s written, %s kept", res.Org, words.Plural(res.Wrote, "repository file"), words.Plural(res.Kept, "existing file"))
		if res.Kept > 0 && !opts.Force {
			fmt.Fprint(opts.IO.Out, " (--force overwrites them)")
		}
		orgFile := "kept"
		if res.OrgFileWritten {
			orgFile = "written"
		}
		fmt.Fprintf(opts.IO.Out, "; org file %s.\nNext: permsync validate --dir %s, then permsync plan (it should show no changes).\n", orgFile, opts.Dir)
	}
	if err == nil && res.Failed > 0 {
		return exit(ExitError, nil) // each is said above
	}
	return err
}
