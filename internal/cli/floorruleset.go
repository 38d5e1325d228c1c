package cli

import (
	"context"
	"fmt"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// floorOrgs lists the target orgs whose org file sets floor_ruleset.
func floorOrgs(targets []reconcile.Target) []string {
	var out []string
	for _, t := range targets {
		if t.Org.Policy.FloorRuleset {
			out = append(out, t.Org.Name)
		}
	}
	return out
}

// connectFloor is connect, plus Organization administration: write when an
// org holds its floor in a ruleset: GitHub shows a ruleset's bypass list
// only to a token that can write it, and apply writes it. When the App
// lacks that permission the run goes on without it, and the plan says, at
// floor_ruleset, which permission to grant.
func (g *GlobalOptions) connectFloor(ctx context.Context, io *IOStreams, perms map[string]string, repos []string, targets []reconcile.Target) (*ghapi.Client, error) {
	orgs := floorOrgs(targets)
	if len(orgs) == 0 {
		return g.connect(ctx, io, perms, repos)
	}
	c, err := g.connect(ctx, io, withPermission(perms, "organization_administration", "write"), repos)
	if err != nil {
		return nil, err
	}
	for _, org := range orgs {
		err := c.CheckAccess(ctx, org)
		if err == nil {
			continue
		}
		if lacksPermission(err, "organization_administration") {
			fmt.Fprintf(io.ErrOut, "permsync: %v\n", err)
			return g.connect(ctx, io, perms, repos)
		}
		return nil, err
	}
	return c, nil
}

// readFloorRuleset reads the org's floor ruleset when its file asks for one.
func readFloorRuleset(ctx context.Context, c *ghapi.Client, t reconcile.Target, o *state.Org) error {
	if !t.Org.Policy.FloorRuleset {
		return nil
	}
	if err := c.ReadFloorRuleset(ctx, o); err != nil {
		return fmt.Errorf("reading the floor ruleset of %s: %w", t.Org.Name, err)
	}
	return nil
}
