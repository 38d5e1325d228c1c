package cli

import (
	"context"
	"fmt"

	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// approvedExpiries reads the files of apply --approved-ref from git's
// objects (as plan --git-tree does): the expiry job removes only the
// expired entries those files held with the same date. Any failure removes
// nothing.
func approvedExpiries(ctx context.Context, gitDir, ref, dir string) (*reconcile.Expiries, error) {
	return expiriesAt(ctx, gitDir, ref, dir, func(format string, args ...any) error {
		return fmt.Errorf("--approved-ref %s: %s; nothing was removed", ref, fmt.Sprintf(format, args...))
	})
}
