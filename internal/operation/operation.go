// Package operation runs permsync's operations on given inputs: plan,
// apply, drift, audit and import read GitHub through a client the caller
// builds, decide, and return results. Commands (package cli) only parse
// flags, build an Env and render what comes back (terraform's command →
// operation split; gh's Factory is the Env).
package operation

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Env is what every operation takes from its caller.
type Env struct {
	// Connect builds a GitHub client whose token is narrowed to perms
	// (GitHub App permission → level) and repos ("org/repo"; nil: all).
	Connect func(ctx context.Context, perms map[string]string, repos []string) (*ghapi.Client, error)
	Now     func() time.Time
	Getenv  func(string) string
	// Warn takes one line for stderr: something the run goes on without.
	Warn func(line string)
}

// The GitHub App permissions each operation needs: its installation token
// is narrowed to these (SPEC.md "Credentials").
var (
	ReadPermissions = map[string]string{"administration": "read", "members": "read", "metadata": "read"}
	// apply re-reads before each write, so it reads as well.
	WritePermissions = map[string]string{"administration": "write", "members": "read", "metadata": "read"}
	// An audit also lists the org's App installations when it may; pull
	// requests are looked up with a token of their own.
	auditPermissions = WithPermission(ReadPermissions, "organization_administration", "read")
	pullPermissions  = map[string]string{"pull_requests": "read", "metadata": "read"}
)

func WithPermission(base map[string]string, name, level string) map[string]string {
	out := maps.Clone(base)
	out[name] = level
	return out
}

// FilesError: the permissions files do not load. Diags say where (the
// caller prints them); the error says what to do.
type FilesError struct {
	Diags config.Diagnostics
	Msg   string
}

func (e *FilesError) Error() string { return e.Msg }

// Planned is a plan, the state of GitHub it was made from (drift tells
// who sent an invitation, and when, from it) and the client that read it
// (apply writes through it).
type Planned struct {
	Plan   *reconcile.Plan
	Actual map[string]*state.Org
	Client *ghapi.Client
}

// PlanInput is what a plan covers and how it may act.
type PlanInput struct {
	Dir     string
	Targets []reconcile.Target
	// Perms is ReadPermissions, or WritePermissions for apply.
	Perms map[string]string
	// Repos the token also needs beyond the targets' (drift's issue repository).
	Repos        []string
	ExpiriesOnly bool
	// Approved: with ExpiriesOnly, the expiries the last approved apply's
	// files held; only those are carried out (nil: every expired entry).
	Approved *reconcile.Expiries
	// BaseExpiries: a pull request's base, for the entries it adds or
	// moves to a date already past.
	BaseExpiries *reconcile.Expiries
}

// Plan reads GitHub for the targets and computes the plan.
func (e Env) Plan(ctx context.Context, pi PlanInput) (*Planned, error) {
	c, err := e.connectFloor(ctx, pi.Perms, append(targetRepos(pi.Targets), pi.Repos...), pi.Targets)
	if err != nil {
		return nil, err
	}
	actual, err := readActual(ctx, c, pi.Targets)
	if err != nil {
		return nil, err
	}
	in, err := e.lookupInput(ctx, c, pi.Dir, pi.Targets, actual, e.Now())
	if err != nil {
		return nil, err
	}
	in.ExpiriesOnly, in.Approved, in.BaseExpiries = pi.ExpiriesOnly, pi.Approved, pi.BaseExpiries
	return &Planned{Plan: reconcile.Diff(in), Actual: actual, Client: c}, nil
}

// targetRepos names every repository of the targets as ORG/REPO.
func targetRepos(targets []reconcile.Target) []string {
	var out []string
	for _, t := range targets {
		for _, r := range t.Repos {
			out = append(out, t.Org.Name+"/"+r.Name)
		}
	}
	return out
}

// connectFloor is Connect, plus Organization administration when an org
// holds its floor in a ruleset: write where the App holds it (GitHub shows
// a ruleset's bypass list only to a token that can write it, and apply
// writes it), else read (a reader App: the plan compares what it can see
// and says what it cannot), else neither (the plan then names the
// permission at floor_ruleset, and nothing of the ruleset is written).
func (e Env) connectFloor(ctx context.Context, perms map[string]string, repos []string, targets []reconcile.Target) (*ghapi.Client, error) {
	var orgs []string
	for _, t := range targets {
		if t.Org.Policy.FloorRuleset {
			orgs = append(orgs, t.Org.Name)
		}
	}
	if len(orgs) == 0 {
		return e.Connect(ctx, perms, repos)
	}
	for _, level := range []string{"write", "read"} {
		c, err := e.Connect(ctx, WithPermission(perms, "organization_administration", level), repos)
		if err != nil {
			return nil, err
		}
		for _, org := range orgs {
			if err = c.CheckAccess(ctx, org); err != nil {
				break
			}
		}
		if err == nil {
			return c, nil
		}
		if !lacksPermission(err, "organization_administration") {
			return nil, err
		}
		if level == "write" && perms["administration"] == "write" {
			// apply: the floor ruleset cannot be written; say so at once.
			e.Warn(fmt.Sprintf("permsync: %v", err))
		}
	}
	return e.Connect(ctx, perms, repos)
}

// lacksPermission: GitHub refused for want of perm, by the installation's
// grant or by the endpoint's X-Accepted-GitHub-Permissions.
func lacksPermission(err error, perm string) bool {
	var ge *ghapi.Error
	return errors.As(err, &ge) && ge.Kind == ghapi.KindForbidden &&
		(slices.Contains(ge.Lacks, perm) || strings.Contains(ge.Permission, perm+"="))
}

func readActual(ctx context.Context, c *ghapi.Client, targets []reconcile.Target) (map[string]*state.Org, error) {
	actual := map[string]*state.Org{}
	for _, t := range targets {
		// Narrow: a plan of a few repositories reads only what they
		// depend on (a pull request's plan costs about one request per
		// repository, whatever the org's size).
		ro := ghapi.ReadOptions{Repos: t.RepoNames(), Branches: t.Branches(), Narrow: true}
		for _, r := range t.Repos {
			for _, g := range r.Grants {
				if g.Kind == config.Team {
					ro.Teams = append(ro.Teams, g.Name)
				} else {
					ro.Logins = append(ro.Logins, g.Name)
				}
			}
		}
		o, err := c.ReadOrg(ctx, t.Org.Name, ro)
		if err != nil {
			return nil, fmt.Errorf("reading org %s from GitHub: %w", t.Org.Name, err)
		}
		if t.Org.Policy.FloorRuleset {
			if err := c.ReadFloorRuleset(ctx, o); err != nil {
				return nil, fmt.Errorf("reading the floor ruleset of %s: %w", t.Org.Name, err)
			}
		}
		actual[strings.ToLower(t.Org.Name)] = o
	}
	return actual, nil
}

// lookupInput asks what the files' logins and pinned accounts are now, for
// state already read (the audit reads GitHub once), and lists the orgs
// whose floor ruleset would lose a repository. On an error, the input
// holds what was learnt before it.
func (e Env) lookupInput(ctx context.Context, c *ghapi.Client, dir string, targets []reconcile.Target, actual map[string]*state.Org, now time.Time) (reconcile.Input, error) {
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
	if in.Listed, err = e.listFloorRepos(ctx, targets, actual); err != nil {
		return in, err
	}
	return in, nil
}

// listFloorRepos lists the repositories of each org whose floor ruleset
// covers one the files no longer manage (a deleted file): taking it out is
// refused unless GitHub lists it as archived or gone. The run's token is
// narrowed to its repositories, and GitHub lists a private repository
// outside them to no one, so a narrowed listing would call a living
// repository gone: the listing has a token of its own, Metadata: read on
// the whole installation. Orgs with nothing dropped cost no request.
func (e Env) listFloorRepos(ctx context.Context, targets []reconcile.Target, actual map[string]*state.Org) (map[string]map[string]bool, error) {
	orgs := reconcile.FloorNeedsListing(targets, actual)
	if len(orgs) == 0 {
		return nil, nil
	}
	why := func(org string, err error) error {
		return fmt.Errorf("listing the repositories of %s (its floor ruleset covers one the files no longer manage): %w", org, err)
	}
	lister, err := e.Connect(ctx, map[string]string{"metadata": "read"}, nil)
	if err != nil {
		return nil, why(strings.Join(orgs, ", "), err)
	}
	out := map[string]map[string]bool{}
	for _, org := range orgs {
		list, err := lister.ListRepos(ctx, org)
		if err != nil {
			return nil, why(org, err)
		}
		m := map[string]bool{}
		for _, r := range list {
			m[strings.ToLower(r.Name)] = r.Archived
		}
		out[strings.ToLower(org)] = m
	}
	return out, nil
}

// lookupUsers asks GitHub which of the logins a plan would add exist.
func lookupUsers(ctx context.Context, c *ghapi.Client, logins []string) (map[string]bool, error) {
	unknown := map[string]bool{}
	for _, l := range logins {
		_, ok, err := c.UserExists(ctx, l)
		if err != nil {
			return nil, fmt.Errorf("looking up user %s: %w", l, err)
		}
		if !ok {
			unknown[strings.ToLower(l)] = true
		}
	}
	return unknown, nil
}

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
