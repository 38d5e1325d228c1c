package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/importer"
)

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
		Long: `Read an org from GitHub and write one file per repository: its direct user
grants, pending invitations and team grants by role, and the protection of
its default branch. A plan right after an import shows no changes. An org
file spelling out the defaults is written when there is none. Existing files
are kept unless --force; repositories in ignore_repos are skipped.`,
		Example: `  permsync import --org AcademySoftwareFoundation
  permsync import --org AcademySoftwareFoundation --repo openvdb --force`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return importRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	selection{orgHelp: "the org to import (required)", repoHelp: "only these repositories (repeatable)"}.register(f, &opts.Dir, &opts.Org, &opts.Repos)
	f.BoolVar(&opts.Force, "force", false, "overwrite existing files")
	return cmd
}

func importRun(ctx context.Context, opts *ImportOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.Org == "" || !config.ValidLogin(opts.Org) {
		return usageError{errors.New("--org names the org to import, e.g. --org AcademySoftwareFoundation")}
	}
	for _, r := range opts.Repos {
		if !config.ValidRepoName(r) {
			return usageError{fmt.Errorf("--repo %q is not a repository name", r)}
		}
	}
	policy := config.DefaultPolicy()
	orgName := opts.Org
	if existing, err := existingOrg(opts.IO, opts.Dir, opts.Org); err != nil {
		return err
	} else if existing != nil {
		policy, orgName = existing.Policy, existing.Name
	}

	var narrow []string
	for _, r := range opts.Repos {
		narrow = append(narrow, orgName+"/"+r)
	}
	client, err := opts.Global.connect(ctx, opts.IO, readPermissions, narrow)
	if err != nil {
		return err
	}
	actual, err := client.ReadOrg(ctx, orgName, ghapi.ReadOptions{Repos: opts.Repos})
	if err != nil {
		return fmt.Errorf("reading org %s from GitHub: %w", orgName, err)
	}
	// Names below come from GitHub: every write goes through an os.Root
	// at --dir, and a name that is not a repository name is refused.
	dir, err := importer.OpenDir(opts.Dir)
	if err != nil {
		return err
	}
	defer dir.Close()
	existingFiles, err := dir.OrgFiles(orgName)
	if err != nil {
		return err
	}

	var wrote, kept, failed int
	for _, r := range actual.Repos {
		switch {
		case r.NotFound:
			fmt.Fprintf(opts.IO.ErrOut, "permsync: %s/%s: no such repository, or the credentials cannot see it\n", orgName, r.Name)
			failed++
			continue
		case r.ReadError != "":
			fmt.Fprintf(opts.IO.ErrOut, "permsync: %s/%s could not be read (%s): not imported\n", orgName, r.Name, r.ReadError)
			failed++
			continue
		case policy.IgnoreRepos != nil && contains(policy.IgnoreRepos, r.Name):
			continue
		}
		rel, err := importer.FileName(orgName, r.Name)
		if err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "permsync: %s: %v\n", orgName, err)
			failed++
			continue
		}
		if prev, ok := existingFiles[strings.ToLower(r.Name)]; ok {
			if !opts.Force {
				kept++
				continue
			}
			rel = orgName + "/" + prev
		}
		data, notes := importer.RepoFile(actual, r, policy, opts.IO.Now())
		for _, n := range notes {
			fmt.Fprintf(opts.IO.ErrOut, "note: %s\n", n)
		}
		if err := dir.WriteFile(rel, data); err != nil {
			return err
		}
		wrote++
	}
	orgFileNote := "kept"
	if !dir.Exists(orgName+".yaml") && !dir.Exists(orgName+".yml") {
		if err := dir.WriteFile(orgName+".yaml", importer.OrgFile(orgName)); err != nil {
			return err
		}
		orgFileNote = "written"
	}
	fmt.Fprintf(opts.IO.Out, "Imported %s: %s written, %s kept", orgName, plural(wrote, "repository file"), plural(kept, "existing file"))
	if kept > 0 && !opts.Force {
		fmt.Fprint(opts.IO.Out, " (--force overwrites them)")
	}
	fmt.Fprintf(opts.IO.Out, "; org file %s.\nNext: permsync validate --dir %s, then permsync plan (it should show no changes).\n", orgFileNote, opts.Dir)
	if _, diags := config.LoadDir(opts.Dir); diags.HasErrors() {
		for _, d := range diags.Filter(config.SevError) {
			fmt.Fprintln(opts.IO.ErrOut, printable(d.String()))
		}
		return errors.New("the imported files do not validate: please report this")
	}
	if failed > 0 {
		return exit(ExitError, nil)
	}
	return nil
}

// existingOrg returns the org as the directory already defines it, or nil
// when the directory or the org is not there yet.
func existingOrg(ios *IOStreams, dir, org string) (*config.Org, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !slices.ContainsFunc(entries, isOrgFolder)) {
		return nil, nil // an empty directory is a fine place to import into
	}
	cfg, diags := config.LoadDir(dir)
	if cfg == nil {
		for _, d := range diags {
			fmt.Fprintln(ios.ErrOut, printable(d.String()))
		}
		return nil, fmt.Errorf("%s has errors: fix them before importing into it", dir)
	}
	return cfg.Org(org), nil
}

func isOrgFolder(e fs.DirEntry) bool { return e.IsDir() && !strings.HasPrefix(e.Name(), ".") }

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
