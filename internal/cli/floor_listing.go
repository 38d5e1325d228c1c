package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// floorListers holds, for each client connectFloor returned, the client
// that lists an org's repositories whole: the run's token is narrowed to
// its repositories, and GitHub lists a private repository outside them to
// no one, so a narrowed listing would call a living repository gone. The
// lister's token holds Metadata: read alone, on the whole installation,
// and is asked for only when a listing is needed.
var floorListers sync.Map // *ghapi.Client → func(context.Context) (*ghapi.Client, error)

// registerFloorLister remembers how to make c's lister.
func (g *GlobalOptions) registerFloorLister(c *ghapi.Client, io *IOStreams) {
	var once sync.Once
	var lister *ghapi.Client
	var err error
	floorListers.Store(c, func(ctx context.Context) (*ghapi.Client, error) {
		once.Do(func() { lister, err = g.connect(ctx, io, map[string]string{"metadata": "read"}, nil) })
		return lister, err
	})
}

// listFloorRepos lists the repositories of each org whose floor ruleset
// covers one the files no longer manage (a deleted file): taking it out is
// refused unless GitHub lists it as archived or gone. Orgs with nothing
// dropped cost no request.
func listFloorRepos(ctx context.Context, c *ghapi.Client, targets []reconcile.Target, actual map[string]*state.Org) (map[string]map[string]bool, error) {
	orgs := reconcile.FloorNeedsListing(targets, actual)
	if len(orgs) == 0 {
		return nil, nil
	}
	lister := c
	if mk, ok := floorListers.Load(c); ok {
		l, err := mk.(func(context.Context) (*ghapi.Client, error))(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the repositories of %s (its floor ruleset covers one the files no longer manage): %w", strings.Join(orgs, ", "), err)
		}
		lister = l
	}
	out := map[string]map[string]bool{}
	for _, org := range orgs {
		list, err := lister.ListRepos(ctx, org)
		if err != nil {
			return nil, fmt.Errorf("listing the repositories of %s (its floor ruleset covers one the files no longer manage): %w", org, err)
		}
		m := map[string]bool{}
		for _, r := range list {
			m[strings.ToLower(r.Name)] = r.Archived
		}
		out[strings.ToLower(org)] = m
	}
	return out, nil
}
