package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

type PinOptions struct {
	IO     *IOStreams
	Global *GlobalOptions
	Dir    string
	Org    string
	// Renamed also rewrites the login of pinned entries whose account was
	// renamed (one request per pinned account).
	Renamed bool
}

func newPinCmd(io *IOStreams, g *GlobalOptions, runF func(*PinOptions) error) *cobra.Command {
	opts := &PinOptions{IO: io, Global: g}
	cmd := &cobra.Command{
		Use:   "pin",
		Short: "Pin plain user logins in the files to their GitHub accounts",
		Long: `Look up the account of every plain user login in the repository files and
rewrite those entries as {login: alice, id: 583231}, changing nothing else in
the files (comments and layout are kept). A pinned entry's grant belongs to
the account: if the login is renamed, the access follows the account; if the
login is then registered by someone else, they are refused, never granted.

Exit codes: 0 done (files changed or not), 1 error (a login that does not
exist is reported with its file:line and left as it is).`,
		Example: `  permsync pin
  permsync pin --org AcademySoftwareFoundation && git diff`,
		Args: noArgs,
		RunE: runE(opts, runF, pinRun),
	}
	selection{}.register(cmd.Flags(), &opts.Dir, &opts.Org, nil)
	cmd.Flags().BoolVar(&opts.Renamed, "renamed", false, "also rewrite pinned entries whose account was renamed to the account's login now")
	return cmd
}

func pinRun(ctx context.Context, opts *PinOptions) error {
	_, targets, err := selectTargets(opts.IO, opts.Dir, opts.Org, nil)
	if err != nil {
		return err
	}
	client, err := opts.Global.connect(ctx, opts.IO, map[string]string{"metadata": "read"}, nil)
	if err != nil {
		return err
	}
	failed, pinned, files := 0, 0, 0
	for _, t := range targets {
		// One lookup per login of the org, whatever the number of files.
		ids := map[string]int64{}
		var missing []config.Grant
		for _, r := range t.Repos {
			for _, g := range r.Users() {
				key := strings.ToLower(g.Name)
				if g.ID != 0 {
					continue
				}
				id, seen := ids[key]
				if !seen {
					id, _, err = client.AccountByLogin(ctx, t.Org.Name, g.Name)
					if err != nil {
						return fmt.Errorf("looking up user %s: %w", g.Name, err)
					}
					ids[key] = id
				}
				if id == 0 {
					missing = append(missing, g)
				}
			}
		}
		maps.DeleteFunc(ids, func(_ string, id int64) bool { return id == 0 })
		for _, g := range missing {
			fmt.Fprintf(opts.IO.ErrOut, "%s: user %s does not exist on GitHub (renamed or mistyped?); not pinned\n", printable(g.Pos.String()), printable(g.Name))
			failed++
		}
		if opts.Renamed {
			n, err := renamePinned(ctx, opts, client, t)
			if err != nil {
				return err
			}
			pinned += n
		}
		if len(ids) == 0 {
			continue
		}
		for _, r := range t.Repos {
			done, err := rewriteFile(r.File, func(data []byte) ([]byte, []config.EditedEntry, error) {
				return config.PinUsers(r.File, data, ids)
			})
			if err != nil {
				return err
			}
			for _, e := range done {
				fmt.Fprintf(opts.IO.Out, "%s:%d: pinned %s to account %d\n", printable(r.File), e.Line, printable(e.Name), ids[strings.ToLower(e.Name)])
			}
			if len(done) > 0 {
				files++
			}
			pinned += len(done)
		}
	}
	fmt.Fprintf(opts.IO.Out, "%s pinned in %s\n", words.Plural(pinned, "entry"), words.Plural(files, "file"))
	if failed > 0 {
		return fmt.Errorf("%s not found on GitHub: fix or remove them", words.Plural(failed, "login"))
	}
	return nil
}

// renamePinned rewrites the login of every pinned entry whose account now
// has another login; an account that no longer exists is reported.
func renamePinned(ctx context.Context, opts *PinOptions, client *ghapi.Client, t reconcile.Target) (int, error) {
	logins := map[int64]string{}
	n := 0
	for _, r := range t.Repos {
		for _, g := range r.Users() {
			if g.ID == 0 {
				continue
			}
			now, seen := logins[g.ID]
			if !seen {
				var err error
				if now, err = client.AccountByID(ctx, t.Org.Name, g.ID); err != nil {
					return n, fmt.Errorf("looking up account %d: %w", g.ID, err)
				}
				logins[g.ID] = now
			}
			switch {
			case now == "":
				fmt.Fprintf(opts.IO.ErrOut, "%s: account %d (%s) no longer exists on GitHub; remove the entry\n", printable(g.Pos.String()), g.ID, printable(g.Name))
				continue
			case strings.EqualFold(now, g.Name):
				continue
			}
			done, err := rewriteFile(r.File, func(data []byte) ([]byte, []config.EditedEntry, error) {
				return config.RenameUser(r.File, data, g.ID, now)
			})
			if err != nil {
				return n, err
			}
			for _, e := range done {
				fmt.Fprintf(opts.IO.Out, "%s:%d: account %d renamed from %s to %s\n", printable(r.File), e.Line, g.ID, printable(e.Name), printable(now))
			}
			n += len(done)
		}
	}
	return n, nil
}

// rewriteFile rewrites one file through edit, atomically, keeping its mode;
// the file is not touched when edit changes nothing.
func rewriteFile(path string, edit func([]byte) ([]byte, []config.EditedEntry, error)) ([]config.EditedEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out, done, err := edit(data)
	if err != nil || len(done) == 0 {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	// Through writeOut's temporary file: an interrupted edit never leaves half a file.
	if err := writeOut(&IOStreams{}, path, func(w io.Writer, _ bool) error {
		_, err := w.Write(out)
		return err
	}); err != nil {
		return nil, err
	}
	return done, os.Chmod(path, st.Mode().Perm())
}
