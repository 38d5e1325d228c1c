package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// lookupAccounts asks GitHub about the pinned entries the state read does
// not answer: who holds the login (one request), and only when that is not
// the pinned account, where the account is now (one more).
func lookupAccounts(ctx context.Context, c *ghapi.Client, pins []reconcile.Pin) (*reconcile.Accounts, error) {
	acc := &reconcile.Accounts{ByLogin: map[string]int64{}, ByID: map[int64]string{}}
	for _, p := range pins {
		holder, known := p.LoginID, p.LoginKnown
		if h, ok := acc.ByLogin[strings.ToLower(p.Login)]; ok {
			holder, known = h, true
		}
		if !known {
			id, _, err := c.AccountByLogin(ctx, "", p.Login)
			if err != nil {
				return nil, fmt.Errorf("looking up user %s: %w", p.Login, err)
			}
			acc.ByLogin[strings.ToLower(p.Login)] = id
			holder = id
		}
		if _, done := acc.ByID[p.ID]; holder == p.ID || done {
			continue
		}
		login, err := c.AccountByID(ctx, "", p.ID)
		if err != nil {
			return nil, fmt.Errorf("looking up account %d (pinned as %s): %w", p.ID, p.Login, err)
		}
		acc.ByID[p.ID] = login
	}
	return acc, nil
}

// planInput reads GitHub for the targets and asks what the files' logins
// and pinned accounts are now: everything reconcile.Diff needs.
func planInput(ctx context.Context, io *IOStreams, c *ghapi.Client, dir string, targets []reconcile.Target) (reconcile.Input, error) {
	actual, err := readActual(ctx, c, targets)
	if err != nil {
		return reconcile.Input{}, err
	}
	return lookupInput(ctx, c, dir, targets, actual, io.Now())
}

// lookupInput asks what the files' logins and pinned accounts are now, for
// state already read (the audit reads GitHub once). On an error, the input
// holds what was learnt before it.
func lookupInput(ctx context.Context, c *ghapi.Client, dir string, targets []reconcile.Target, actual map[string]*state.Org, now time.Time) (reconcile.Input, error) {
	in := reconcile.Input{Dir: dir, Targets: targets, Actual: actual, Now: now}
	unknown, err := lookupUsers(ctx, c, reconcile.NeedsLookup(targets, actual))
	if err != nil {
		return in, err
	}
	in.UnknownUsers = unknown
	accounts, err := lookupAccounts(ctx, c, reconcile.NeedsIdentity(targets, actual, now))
	if err != nil {
		return in, err
	}
	in.Accounts = accounts
	if in.Listed, err = listFloorRepos(ctx, c, targets, actual); err != nil {
		return in, err
	}
	return in, nil
}

// readActivity reads each repository's events once (one request per
// repository; 304 from the cache when nothing happened) for the audit's
// inactive-access rule. A repository whose events cannot be read is left
// out (it is then not judged).
func readActivity(ctx context.Context, c *ghapi.Client, o *state.Org) map[string]audit.RepoActivity {
	out := map[string]audit.RepoActivity{}
	for _, r := range o.Repos {
		if r.Archived || !r.Readable() {
			continue
		}
		act, err := c.RepoActivity(ctx, o.Name, r.Name)
		if err != nil {
			continue
		}
		out[strings.ToLower(r.Name)] = audit.RepoActivity{Last: act.Last, Since: act.Since}
	}
	return out
}
