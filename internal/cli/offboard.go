package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

type OffboardOptions struct {
	IO       *IOStreams
	Global   *GlobalOptions
	Dir      string
	Login    string
	Snapshot string // an audit snapshot to read GitHub's state from, instead of a live read
	Offline  bool   // edit the files only
}

func newOffboardCmd(io *IOStreams, g *GlobalOptions, runF func(*OffboardOptions) error) *cobra.Command {
	opts := &OffboardOptions{IO: io, Global: g}
	cmd := &cobra.Command{
		Use:   "offboard LOGIN",
		Short: "Remove a person from every repository file",
		Long: `Edit the files to remove LOGIN from every repository file of every org in the
directory (entries pinned to the same account under an older login too),
keeping comments and layout, and print what was removed. Commit the result as
an ordinary pull request: its plan shows the removals, and apply makes them.

Then list where the person still holds access that no file grants, and that
the pull request therefore does not remove: org ownership and membership,
team memberships, direct grants on repositories without a file, pending
invitations. This is read from an audit snapshot (--snapshot, written by
permsync audit --snapshot-out) or, without one, from GitHub.

Exit codes: 0 done, 1 error.`,
		Example: `  permsync offboard alice
  permsync offboard alice --snapshot audit-snapshot.json
  permsync offboard alice --offline     # edit the files, read nothing`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("offboard takes one argument: the person's GitHub login")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Login = args[0]
			if runF != nil {
				return runF(opts)
			}
			return offboardRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	selection{}.register(f, &opts.Dir, nil, nil)
	f.StringVar(&opts.Snapshot, "snapshot", "", "read where the person still holds access from this audit snapshot (JSON) instead of GitHub")
	f.BoolVar(&opts.Offline, "offline", false, "only edit the files; do not list the access they do not grant")
	return cmd
}

func offboardRun(ctx context.Context, opts *OffboardOptions) error {
	if !config.ValidLogin(opts.Login) {
		return usageError{fmt.Errorf("%q is not a valid GitHub login", printable(opts.Login))}
	}
	if opts.Offline && opts.Snapshot != "" {
		return usageError{errors.New("--offline reads nothing: do not combine it with --snapshot")}
	}
	cfg, err := loadConfig(opts.IO, opts.Dir)
	if err != nil {
		return err
	}
	// The accounts the files pin under this login: their entries under an
	// older login (a rename not yet written) go too.
	ids := map[int64]bool{}
	for _, o := range cfg.Orgs {
		for _, r := range o.Repos {
			for _, g := range r.Users() {
				if g.ID != 0 && strings.EqualFold(g.Name, opts.Login) {
					ids[g.ID] = true
				}
			}
		}
	}
	removed := 0
	for _, o := range cfg.Orgs {
		for _, r := range o.Repos {
			done, err := rewriteFile(r.File, func(data []byte) ([]byte, []config.EditedEntry, error) {
				out, done, err := config.RemoveUser(r.File, data, opts.Login, 0)
				for id := range ids {
					if err != nil {
						break
					}
					var more []config.EditedEntry
					out, more, err = config.RemoveUser(r.File, out, opts.Login, id)
					done = append(done, more...)
				}
				return out, done, err
			})
			if err != nil {
				return err
			}
			for _, e := range done {
				fmt.Fprintf(opts.IO.Out, "%s:%d: removed %s from %s (%s)\n", printable(r.File), e.Line, printable(e.Name), e.Role, printable(e.Entry))
			}
			removed += len(done)
		}
	}
	if removed == 0 {
		fmt.Fprintf(opts.IO.Out, "%s is in no repository file of %s\n", printable(opts.Login), printable(opts.Dir))
	} else {
		fmt.Fprintf(opts.IO.Out, "%s removed: open a pull request with these changes; its plan shows the removals\n", words.Plural(removed, "entry"))
	}
	if opts.Offline {
		return nil
	}

	orgs, source, err := offboardState(ctx, opts, cfg)
	if err != nil {
		return err
	}
	left := stillHeld(cfg, orgs, opts.Login)
	if len(left) == 0 {
		fmt.Fprintf(opts.IO.Out, "\n%s holds no other access in %s (%s)\n", printable(opts.Login), orgNamesOf(cfg), source)
		return nil
	}
	fmt.Fprintf(opts.IO.Out, "\nAccess no file grants, which this change does not remove (%s):\n", source)
	for _, l := range left {
		fmt.Fprintf(opts.IO.Out, "  %s\n", printable(l))
	}
	return nil
}

// offboardState is GitHub's state of the directory's orgs: from the
// snapshot, else read live (every repository, not only the managed ones).
func offboardState(ctx context.Context, opts *OffboardOptions, cfg *config.Config) ([]*state.Org, string, error) {
	var out []*state.Org
	if opts.Snapshot != "" {
		snap, err := readFile("--snapshot", opts.Snapshot, audit.ReadSnapshot)
		if err != nil {
			return nil, "", err
		}
		for _, o := range cfg.Orgs {
			if so := snap.Org(o.Name); so != nil {
				out = append(out, so)
			}
		}
		return out, fmt.Sprintf("from the snapshot of %s", snap.TakenAt.Format("2006-01-02 15:04 MST")), nil
	}
	client, err := opts.Global.connect(ctx, opts.IO, operation.ReadPermissions, nil)
	if err != nil {
		return nil, "", err
	}
	for _, o := range cfg.Orgs {
		so, err := client.ReadOrg(ctx, o.Name, ghapi.ReadOptions{})
		if err != nil {
			return nil, "", fmt.Errorf("reading org %s from GitHub: %w", o.Name, err)
		}
		out = append(out, so)
	}
	return out, "read from GitHub now", nil
}

// stillHeld lists the access login holds that no file grants once the
// files are edited: ownership, membership, teams, direct grants and
// invitations on repositories without a file (or kept by additive mode).
func stillHeld(cfg *config.Config, orgs []*state.Org, login string) []string {
	var out []string
	for _, o := range orgs {
		co := cfg.Org(o.Name)
		additive := co != nil && co.Policy.Mode == config.Additive
		switch {
		case o.IsOwner(login):
			out = append(out, fmt.Sprintf("%s: org owner (admin on every repository): remove in the org's People settings", o.Name))
		case o.IsMember(login):
			out = append(out, fmt.Sprintf("%s: org member (the base role %s on every repository): remove in the org's People settings", o.Name, o.BaseRole))
		}
		for _, t := range o.Teams {
			if !slices.ContainsFunc(t.Members, func(m string) bool { return strings.EqualFold(m, login) }) {
				continue
			}
			var repos []string
			for _, r := range o.Repos {
				if g, ok := r.Team(t.Slug); ok {
					repos = append(repos, fmt.Sprintf("%s %s", r.Name, g.Role))
				}
			}
			where := cmp.Or(strings.Join(repos, ", "), "no repository")
			out = append(out, fmt.Sprintf("%s: member of team %s (%s): remove from the team", o.Name, t.Slug, where))
		}
		for _, r := range o.Repos {
			managed := co != nil && co.Repo(r.Name) != nil && !co.Ignored(r.Name)
			why := "no file manages the repository"
			if managed && additive {
				why = "the org is in additive mode, which keeps grants the files lack"
			}
			if managed && !additive {
				continue // the plan of the edited files removes it
			}
			if u, ok := r.User(login); ok {
				out = append(out, fmt.Sprintf("%s/%s: direct grant %s (%s): remove by hand", o.Name, r.Name, roleLabelOf(u), why))
			}
			if inv, ok := r.Invitation(login); ok && !inv.Expired {
				out = append(out, fmt.Sprintf("%s/%s: pending invitation %s (%s): cancel by hand", o.Name, r.Name, inv.Role, why))
			}
		}
	}
	return out
}

func roleLabelOf(u state.UserGrant) string {
	if u.Custom() {
		return fmt.Sprintf("custom role %q", u.RoleName)
	}
	return u.Role.String()
}

func orgNamesOf(cfg *config.Config) string {
	var names []string
	for _, o := range cfg.Orgs {
		names = append(names, o.Name)
	}
	return strings.Join(names, ", ")
}
