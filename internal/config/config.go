// Package config loads the permissions directory: the desired state.
//
// Layout (SPEC.md "Files"):
//
//	permissions/
//	  <org>.yaml          org settings and guardrails (optional)
//	  <org>/<repo>.yaml   one file per managed repository
//
// The loader is strict: every unknown key, bad value or contradiction is
// reported with its file:line:col, and all of a run's problems are reported
// together. It reads through an fs.FS confined to the directory, so neither
// file names nor symbolic links can reach outside it.
package config

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Pos is a position in a permissions file. Line and Col are 1-based; a zero
// Line means the whole file.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"column,omitempty"`
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Config is every org found in a permissions directory.
type Config struct {
	Dir  string
	Orgs []*Org // sorted by name, case-insensitively
}

// Org is one GitHub organization: its policy and its managed repositories.
type Org struct {
	Name   string
	File   string // the org file, or "" when absent (defaults apply)
	Policy Policy
	Repos  []*Repo // sorted by name, case-insensitively

	repoIndex state.NameIndex[Repo]
}

// Repo returns the managed repository of that name (case-insensitive), or nil.
func (o *Org) Repo(name string) *Repo { return o.repoIndex.Find(o.Repos, name, repoName) }

func repoName(r *Repo) string { return r.Name }

// Ignored reports whether the org file's ignore_repos names repo.
func (o *Org) Ignored(repo string) bool {
	for _, n := range o.Policy.IgnoreRepos {
		if strings.EqualFold(n, repo) {
			return true
		}
	}
	return false
}

// Org returns the org of that name (case-insensitive), or nil.
func (c *Config) Org(name string) *Org {
	for _, o := range c.Orgs {
		if strings.EqualFold(o.Name, name) {
			return o
		}
	}
	return nil
}

// Mode says what happens to grants on GitHub that the files do not list.
type Mode string

const (
	// Authoritative removes direct grants the files do not list.
	Authoritative Mode = "authoritative"
	// Additive only adds and raises; unlisted grants are reported.
	Additive Mode = "additive"
)

// Check is a required status check. AppID pins it to the GitHub App that must
// post it: AnyApp accepts any source; Unpinned (only in repository files)
// means "keep whatever pin GitHub has".
type Check struct {
	Context string `json:"context"`
	AppID   int64  `json:"app_id,omitempty"`
	Pos     Pos    `json:"-"`
}

const (
	// Unpinned: a plain context in a repository file; GitHub's pin, if any, is kept.
	Unpinned int64 = 0
	// AnyApp: explicitly any source (GitHub's app_id -1).
	AnyApp = state.AnyApp
)

func (c Check) String() string {
	if c.AppID > 0 {
		return fmt.Sprintf("%s (app %d)", c.Context, c.AppID)
	}
	return c.Context
}

// LegacyCLAContexts are CLA status contexts superseded by EasyCLA.
var LegacyCLAContexts = []string{"communitybridge/cla", "cla/linuxfoundation"}

// Policy is an org file: settings and guardrails. Positions name the line
// that set each value, so refusals can point at it.
type Policy struct {
	Mode                       Mode
	RequiredChecks             []Check
	MinReviews                 int
	AdminAllowed               []Principal // nil: no restriction
	OutsideCollaboratorMaxRole role.Role
	MinAdmins                  int
	MaxAdmins                  int
	MaxRemovals                int
	ExpectedOwners             []string
	IgnoreRepos                []string
	// TrustedApps are the GitHub App ids allowed to hold Administration:
	// write; the audit reports any other App that does.
	TrustedApps []int64
	// FloorRuleset: permsync also holds the floor (required_checks,
	// min_reviews) in one org ruleset it manages, which repository admins
	// cannot change.
	FloorRuleset bool

	// Pos maps an org-file key to where it was set; absent keys are defaults.
	Pos map[string]Pos
}

// DefaultPolicy is what applies when an org has no org file, and for every
// key an org file leaves out.
func DefaultPolicy() Policy {
	return Policy{
		Mode:                       Authoritative,
		RequiredChecks:             []Check{{Context: "EasyCLA", AppID: AnyApp}, {Context: "DCO", AppID: AnyApp}},
		MinReviews:                 1,
		OutsideCollaboratorMaxRole: role.Write,
		MinAdmins:                  0,
		MaxAdmins:                  5,
		MaxRemovals:                20,
		Pos:                        map[string]Pos{},
	}
}

// Where returns the position that set key, or the org file itself when the
// value is a default.
func (p Policy) Where(key string, orgFile string) Pos {
	if pos, ok := p.Pos[key]; ok {
		return pos
	}
	return Pos{File: orgFile}
}

// AdminAllowedFor reports whether a principal may hold direct admin.
func (p Policy) AdminAllowedFor(pr Principal) bool {
	if p.AdminAllowed == nil {
		return true
	}
	for _, a := range p.AdminAllowed {
		if a.Equal(pr) {
			return true
		}
	}
	return false
}

// TrustedApp reports whether trusted_apps lists the App.
func (p Policy) TrustedApp(id int64) bool {
	for _, a := range p.TrustedApps {
		if a == id {
			return true
		}
	}
	return false
}

// ExpectedOwner reports whether login is listed in expected_owners.
func (p Policy) ExpectedOwner(login string) bool {
	for _, o := range p.ExpectedOwners {
		if strings.EqualFold(o, login) {
			return true
		}
	}
	return false
}

// Kind and Principal are state's: one type and one "kind:name" form for
// files, plans, audits and GitHub's answers. Files name users and teams.
type (
	Kind      = state.Kind
	Principal = state.Principal
)

const (
	User = state.KindUser
	Team = state.KindTeam
)

// Grant is one principal holding one role on a repository, as a file says.
type Grant struct {
	Principal
	Role role.Role `json:"role"`
	Pos  Pos       `json:"-"`
	// ID pins a user entry to the GitHub account ({login, id}); 0 is a
	// plain login. A login can be renamed and then registered by someone
	// else: the id is what the grant belongs to.
	ID int64 `json:"id,omitempty"`
	// Expires is the date (YYYY-MM-DD, UTC) from which the grant counts as
	// absent; "" never. Reason says why it was given, for reviewers.
	Expires string `json:"expires,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// DateLayout is how an expiry date is written.
const DateLayout = "2006-01-02"

// ExpiresAt is the start (00:00 UTC) of the expiry date; ok is false when
// the grant does not expire.
func (g Grant) ExpiresAt() (t time.Time, ok bool) {
	if g.Expires == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(DateLayout, g.Expires)
	return t, err == nil
}

// ExpiredAt reports whether the grant counts as absent at now: on and after
// its expiry date (UTC).
func (g Grant) ExpiredAt(now time.Time) bool {
	t, ok := g.ExpiresAt()
	return ok && !now.IsZero() && !now.Before(t)
}

// Repo is one repository file.
type Repo struct {
	Org        string
	Name       string
	File       string
	Grants     []Grant // users then teams, each sorted by name
	Protection []BranchProtection
}

// Users returns the user grants. Like Teams, it may share r.Grants' array
// (plans call both per repository): read it, do not modify it.
func (r *Repo) Users() []Grant { return r.byKind(User) }

// Teams returns the team grants.
func (r *Repo) Teams() []Grant { return r.byKind(Team) }

func (r *Repo) byKind(k Kind) []Grant {
	first, n, runs := -1, 0, 0
	for i, g := range r.Grants {
		if g.Kind == k {
			if i == 0 || r.Grants[i-1].Kind != k {
				runs++
			}
			if first < 0 {
				first = i
			}
			n++
		}
	}
	switch {
	case n == 0:
		return nil
	case runs == 1: // one run, as the loader sorts them: no copy
		return r.Grants[first : first+n : first+n]
	}
	out := make([]Grant, 0, n)
	for _, g := range r.Grants {
		if g.Kind == k {
			out = append(out, g)
		}
	}
	return out
}

// BranchProtection is what a file asks of one branch. A nil field is not
// managed: GitHub's value is left as it is.
type BranchProtection struct {
	Branch string
	Pos    Pos
	state.Settings[Check]
	// FieldPos maps a setting name to where it was written.
	FieldPos map[string]Pos
}

// Where returns the position of a setting, or of the branch entry.
func (b BranchProtection) Where(field string) Pos {
	if p, ok := b.FieldPos[field]; ok {
		return p
	}
	return b.Pos
}

// Counts sums up a config for the one-line summary.
func (c *Config) Counts() (orgs, repos, grants int) {
	for _, o := range c.Orgs {
		orgs++
		for _, r := range o.Repos {
			repos++
			grants += len(r.Grants)
		}
	}
	return
}

func sortRepos(rs []*Repo) {
	sort.Slice(rs, func(i, j int) bool {
		return strings.ToLower(rs[i].Name) < strings.ToLower(rs[j].Name)
	})
}

func sortGrants(gs []Grant) {
	sort.SliceStable(gs, func(i, j int) bool {
		if gs[i].Kind != gs[j].Kind {
			return gs[i].Kind == User
		}
		return strings.ToLower(gs[i].Name) < strings.ToLower(gs[j].Name)
	})
}
