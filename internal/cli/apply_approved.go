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

// approvedExpiries reads the files of apply --approved-ref from git's
// objects (as plan --git-tree does): the expiry job removes only the
// expired entries those files held with the same date. Any failure removes
// nothing.
func approvedExpiries(ctx context.Context, gitDir, ref, dir string) (*reconcile.Expiries, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("--approved-ref %s: %s; nothing was removed", ref, fmt.Sprintf(format, args...))
	}
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
