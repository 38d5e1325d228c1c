package cli

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/gittree"
	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// noApproved is the --expiries-since value for "no approved apply yet":
// every date of the files is new.
const noApproved = "none"

// expiriesAt reads the expiring entries of the files of --dir at ref from
// git's objects (as plan --git-tree does: no attribute, symlink or
// submodule redirects a file), every org's. fail words each error.
func expiriesAt(ctx context.Context, gitDir, ref, dir string, fail func(format string, args ...any) error) (*reconcile.Expiries, error) {
	treeDir := dir
	if filepath.IsAbs(dir) {
		// A directory named absolutely is found under the repository's top.
		top, err := filepath.Abs(gitDir)
		if err != nil {
			return nil, fail("%v", err)
		}
		if filepath.Base(top) == ".git" {
			top = filepath.Dir(top)
		}
		if treeDir, err = filepath.Rel(top, dir); err != nil || strings.HasPrefix(treeDir, "..") {
			return nil, fail("%s is not inside the git repository %s", dir, top)
		}
	}
	treeDir = strings.Trim(path.Clean(filepath.ToSlash(treeDir)), "/")
	tree, err := gittree.Repo{GitDir: gitDir}.Read(ctx, ref, treeDir)
	if err != nil {
		return nil, fail("%v", err)
	}
	cfg, diags := config.Load(tree.FS(), treeDir)
	if diags.HasErrors() {
		n := len(diags.Filter(config.SevError))
		return nil, &operation.FilesError{Diags: diags, Msg: fail("the files at %s do not load (%s)", short(tree.Commit), words.Plural(n, "error")).Error()}
	}
	return reconcile.NewExpiries(tree.Commit, cfg), nil
}

// addExpiryChanges puts into p the expires: dates cfg (every org's files,
// not only the repositories planned) adds or removes since the commit
// --expiries-since names. The daily expiry job carries out, without a
// reviewer, only the dates an approved apply's files held: what changed
// since is for the approver to see, compared by meaning, never by line.
func addExpiryChanges(ctx context.Context, opts *PlanOptions, cfg *config.Config, p *reconcile.Plan) error {
	var since *reconcile.Expiries
	if opts.ExpiriesSince != noApproved {
		var err error
		since, err = expiriesAt(ctx, opts.GitDir, opts.ExpiriesSince, opts.Dir, func(format string, args ...any) error {
			return fmt.Errorf("--expiries-since %s: %s; the dates to approve cannot be listed: fetch that commit (with fetch-depth: 0), or pass --expiries-since none to list every date", opts.ExpiriesSince, fmt.Sprintf(format, args...))
		})
		if err != nil {
			return err
		}
		p.ExpiriesSince = since.Ref
	} else {
		p.ExpiriesSince = noApproved
	}
	p.ExpiryChanges = reconcile.NewExpiries("", cfg).Diff(since)
	return nil
}
