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

// connectFloor is connect, plus Organization administration when an org
// holds its floor in a ruleset: write where the App holds it (GitHub shows
// a ruleset's bypass list only to a token that can write it, and apply
// writes it), else read (a reader App: the plan compares what it can see
// and says what it cannot), else neither (the plan then names the
// permission at floor_ruleset, and nothing of the ruleset is written).
func (g *GlobalOptions) connectFloor(ctx context.Context, io *IOStreams, perms map[string]string, repos []string, targets []reconcile.Target) (*ghapi.Client, error) {
	orgs := floorOrgs(targets)
	if len(orgs) == 0 {
		return g.connect(ctx, io, perms, repos)
	}
	for _, level := range []string{"write", "read"} {
		c, err := g.connect(ctx, io, withPermission(perms, "organization_administration", level), repos)
		if err != nil {
			return nil, err
		}
		err = checkAccess(ctx, c, orgs)
		if err == nil {
			g.registerFloorLister(c, io)
			return c, nil
		}
		if !lacksPermission(err, "organization_administration") {
			return nil, err
		}
		if level == "write" && perms["administration"] == "write" {
			// apply: the floor ruleset cannot be written; say so at once.
			fmt.Fprintf(io.ErrOut, "permsync: %v\n", err)
		}
	}
	c, err := g.connect(ctx, io, perms, repos)
	if err == nil {
		g.registerFloorLister(c, io)
	}
	return c, err
}

func checkAccess(ctx context.Context, c *ghapi.Client, orgs []string) error {
	for _, org := range orgs {
		if err := c.CheckAccess(ctx, org); err != nil {
			return err
		}
	}
	return nil
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
