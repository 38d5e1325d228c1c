package reconcile

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/access"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Input is everything a plan is computed from.
type Input struct {
	Dir     string
	Targets []Target
	// Actual holds GitHub's state per org, keyed by lower-case org name.
	Actual map[string]*state.Org
	// UnknownUsers holds lower-case logins GitHub says do not exist
	// (see NeedsLookup).
	UnknownUsers map[string]bool
	Now          time.Time
	// Accounts answers NeedsIdentity's questions about pinned entries.
	Accounts *Accounts
	// ExpiriesOnly keeps only the removals of expired entries: every other
	// pending change is left out of the plan and reported as a notice.
	ExpiriesOnly bool
	// Approved, when set, is the files of the last approved apply: an
	// expired entry is then removed only if they held it with the same
	// date (the expiry job runs unapproved; see expiryapproval.go).
	Approved *Expiries
	// BaseExpiries, when set, is the files of a pull request's base: an
	// entry it adds or changes to a date already past is pointed out.
	BaseExpiries *Expiries
	// Listed is the repositories GitHub lists per org (lower-case org →
	// lower-case name → archived), read only for an org whose floor
	// ruleset covers a repository the files do not (FloorNeedsListing).
	Listed map[string]map[string]bool

	res map[string]*resolved // set by Diff: the files as of Now
	ix  *planIndex           // Actual indexed, and what Diff computes once (see indexed)
}

func (in Input) actual(org string) *state.Org { return in.Actual[strings.ToLower(org)] }

// NeedsLookup lists the logins a plan would add that GitHub does not show
// yet (no direct grant, no invitation): whether they exist must be asked
// before Diff, so a typo is an error at its file line rather than a 404
// half way through apply.
func NeedsLookup(targets []Target, actual map[string]*state.Org) []string {
	seen := map[string]bool{}
	var out []string
	ix := indexOrgs(actual)
	for _, t := range targets {
		a := ix[strings.ToLower(t.Org.Name)]
		if a == nil {
			continue
		}
		for _, r := range t.Repos {
			ar := a.Repo(r.Name)
			if ar == nil || !ar.Readable() {
				continue
			}
			grants := access.IndexGrants(ar)
			for _, g := range r.Users() {
				if g.ID != 0 {
					continue // pinned: NeedsIdentity asks about its account
				}
				_, direct := grants.User(g.Name)
				_, invited := grants.Invitation(g.Name)
				key := strings.ToLower(g.Name)
				// Org members exist: the members list already said so.
				if !direct && !invited && !a.IsMember(g.Name) && !seen[key] {
					seen[key] = true
					out = append(out, g.Name)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// Diff compares the files with GitHub and returns the plan, guardrails
// checked and effective access computed.
func Diff(in Input) *Plan {
	in, in.res = resolve(in)
	p := &Plan{
		FormatVersion:   FormatVersion,
		CreatedAt:       in.Now.UTC(),
		Dir:             in.Dir,
		Changes:         []Change{},
		Refusals:        []Refusal{},
		Errors:          []RepoError{},
		Notices:         []Notice{},
		EffectiveAccess: []Effect{},
		Digests:         []Digest{},
		Repos:           []string{},
	}
	in = in.indexed()
	desired := map[string]bool{}
	for _, t := range in.Targets {
		p.Orgs = append(p.Orgs, OrgMode{Org: t.Org.Name, Mode: t.Org.Policy.Mode})
		a := in.access(t.Org.Name)
		for _, r := range t.Repos {
			p.Repos = append(p.Repos, t.Org.Name+"/"+r.Name)
			if a == nil {
				p.Errors = append(p.Errors, RepoError{Org: t.Org.Name, Repo: r.Name, Source: config.Pos{File: r.File},
					Message: fmt.Sprintf("org %s was not read from GitHub", t.Org.Name)})
				continue
			}
			d := &repoDiff{in: in, org: t.Org, repo: r, actual: a, plan: p, desired: desired}
			d.run()
		}
		if a != nil {
			diffFloorRuleset(p, in, t, a.State)
		}
	}
	sortChanges(p.Changes)
	if in.ExpiriesOnly {
		expiriesOnly(p, in)
	}
	Guard(p, in)
	p.EffectiveAccess = Effects(p, in)
	p.Digests = Digests(p, in)
	return p
}

type repoDiff struct {
	in     Input
	org    *config.Org
	repo   *config.Repo
	actual *access.Org
	ar     *state.Repo
	grants *access.Grants // ar's, indexed
	plan   *Plan
	// desired is scratch space for users, shared by every repository of
	// a Diff (one at a time): a map a repository cost more than the diff.
	desired map[string]bool
}

func (d *repoDiff) filePos() config.Pos { return config.Pos{File: d.repo.File} }

func (d *repoDiff) errorf(pos config.Pos, format string, args ...any) {
	d.plan.Errors = append(d.plan.Errors, RepoError{Org: d.org.Name, Repo: d.repo.Name, Source: pos, Message: fmt.Sprintf(format, args...)})
}

func (d *repoDiff) notice(kind, subject string, pos config.Pos, format string, args ...any) {
	name := d.repo.Name
	if d.ar != nil {
		name = d.ar.Name
	}
	d.plan.Notices = append(d.plan.Notices, Notice{Kind: kind, Org: d.org.Name, Message: fmt.Sprintf(format, args...),
		Items: []Item{{Repo: name, Subject: subject, Source: pos}}})
}

func (d *repoDiff) add(c Change) {
	c.Org, c.Repo = d.org.Name, d.ar.Name
	d.plan.Changes = append(d.plan.Changes, c)
}

func (d *repoDiff) res() *resolved {
	return d.in.res[strings.ToLower(d.org.Name+"/"+d.repo.Name)]
}

// expired returns the expired entry of a principal ("user:x", "team:y")
// that GitHub still holds: it is removed whatever the mode, since the file
// itself says the grant ends.
func (d *repoDiff) expired(kind config.Kind, name string) (config.Grant, bool) {
	res := d.res()
	if res == nil {
		return config.Grant{}, false
	}
	g, ok := res.expired[config.Principal{Kind: kind, Name: name}.Key()]
	return g, ok
}

func (d *repoDiff) authoritative() bool { return d.org.Policy.Mode != config.Additive }

func (d *repoDiff) run() {
	full := d.org.Name + "/" + d.repo.Name
	d.ar = d.actual.Repo(d.repo.Name)
	switch {
	case d.ar == nil || d.ar.NotFound:
		d.errorf(d.filePos(), "repository %s does not exist on GitHub, or the credentials cannot see it; fix the file name or grant the App access", full)
		return
	case d.ar.ReadError != "":
		d.errorf(d.filePos(), "repository %s could not be read (%s); nothing is planned for it", full, d.ar.ReadError)
		return
	case d.ar.Archived:
		d.notice(NoticeArchived, "", d.filePos(), "%s is archived: its rights are reported, not changed", full)
		return
	case d.ar.Disabled:
		// GitHub refuses every write to a disabled repository.
		d.notice(NoticeDisabled, "", d.filePos(), "%s is disabled by GitHub: its rights are reported, not changed", full)
		return
	}
	d.grants = access.IndexGrants(d.ar)
	errorsBefore := len(d.plan.Errors)
	if res := d.res(); res != nil {
		d.plan.Errors = append(d.plan.Errors, res.errors...)
		d.plan.Notices = append(d.plan.Notices, res.notices...)
		if d.in.ExpiriesOnly {
			for _, r := range res.refusals { // nothing is granted by this run
				for _, it := range r.Items {
					d.notice(NoticeNotExpiry, it.Subject, it.Source, "%s", r.Message)
				}
			}
		} else {
			d.plan.Refusals = append(d.plan.Refusals, res.refusals...)
		}
	}
	d.checkPrincipals()
	if len(d.plan.Errors) > errorsBefore {
		// A file naming a user or team GitHub does not know cannot be
		// planned safely: a removal computed next to a typo is a lock-out.
		return
	}
	d.users()
	d.teams()
	d.protection()
}

// checkPrincipals reports users and teams the files name that GitHub does not know.
func (d *repoDiff) checkPrincipals() {
	for _, g := range d.repo.Users() {
		if d.in.UnknownUsers[strings.ToLower(g.Name)] {
			d.errorf(g.Pos, "user %s does not exist on GitHub (renamed or mistyped?)", g.Name)
		}
	}
	for _, g := range d.repo.Teams() {
		if d.actual.Team(g.Name) == nil {
			d.errorf(g.Pos, "team %s does not exist in org %s (team slugs are lowercase, with '-' for spaces)", g.Name, d.org.Name)
		}
	}
}

func (d *repoDiff) users() {
	desired := d.desired
	clear(desired)
	for _, g := range d.repo.Users() {
		desired[strings.ToLower(g.Name)] = true
		cur, direct := d.grants.User(g.Name)
		inv, invited := d.grants.Invitation(g.Name)
		login := g.Name
		switch {
		case direct:
			login = cur.Login
			if cur.Role == g.Role && cur.RoleName == "" {
				continue
			}
			if cur.Ambiguous() && g.Role <= cur.Role {
				// Read through REST alone: the direct role is at most
				// cur.Role and may well be g.Role. Changing it blindly
				// would churn forever; report it instead.
				d.notice(NoticeAmbiguous, state.UserPrincipal(login).String(), g.Pos, "user %s: GitHub's REST API cannot tell whether the direct grant is %s or lower (a team or the base role gives %s); not changed", login, g.Role, cur.Role)
				continue
			}
			if cur.Role > g.Role && !d.authoritative() {
				d.notice(NoticeNotLowered, state.UserPrincipal(login).String(), g.Pos, "user %s holds %s on GitHub, above the file's %s (additive mode: not lowered)", login, roleLabel(cur), g.Role)
				continue
			}
			d.add(Change{Kind: UserChange, User: login, Before: cur.Role, After: g.Role, Source: g.Pos, Reason: "role differs from the file"})
		case invited:
			login = inv.Login
			switch {
			case inv.Expired && inv.InviterBot:
				d.notice(NoticeUnaccepted, state.UserPrincipal(login).String(), g.Pos,
					"the invitation permsync sent to %s on %s expired unaccepted; ask them to accept a new one (remove and re-add the grant) or remove it from the file",
					login, inv.CreatedAt.Format("2006-01-02"))
			case inv.Expired:
				d.add(Change{Kind: InvitationResend, User: login, Before: inv.Role, After: g.Role, InvitationID: inv.ID, Invite: true, Source: g.Pos,
					Reason: "invitation expired unaccepted; re-sent once"})
				d.twoFactor(login, g.Pos)
			case inv.Role == g.Role:
			case inv.Role > g.Role && !d.authoritative():
				d.notice(NoticeNotLowered, state.UserPrincipal(login).String(), g.Pos, "the pending invitation of %s is for %s, above the file's %s (additive mode: not lowered)", login, inv.Role, g.Role)
			default:
				d.add(Change{Kind: InvitationChange, User: login, Before: inv.Role, After: g.Role, InvitationID: inv.ID, Source: g.Pos,
					Reason: "pending invitation's role differs from the file"})
			}
		default:
			invite := !d.actual.IsMember(login)
			d.add(Change{Kind: UserAdd, User: login, Before: role.None, After: g.Role, Invite: invite, Source: g.Pos,
				Reason: "in the file, not on GitHub"})
			if invite {
				d.twoFactor(login, g.Pos)
			}
		}
	}
	for _, u := range d.ar.Users {
		if desired[strings.ToLower(u.Login)] {
			continue
		}
		if g, ok := d.expired(config.User, u.Login); ok && !u.Custom() {
			d.add(Change{Kind: UserRemove, User: u.Login, Before: u.Role, After: role.None, Source: g.Pos, Reason: expiredReason(g), Expiry: g.Expires})
			continue
		}
		if u.Custom() {
			d.notice(NoticeCustomRole, state.UserPrincipal(u.Login).String(), d.filePos(), "user %s holds the custom role %q, which files cannot express: left as it is", u.Login, u.RoleName)
			continue
		}
		if !d.authoritative() {
			d.notice(NoticeUnmanaged, state.UserPrincipal(u.Login).String(), d.filePos(), "user %s holds %s on GitHub but is not in %s (additive mode: kept)", u.Login, roleLabel(u), d.repo.File)
			continue
		}
		d.add(Change{Kind: UserRemove, User: u.Login, Before: u.Role, After: role.None, Source: d.filePos(), Reason: "not in the file"})
	}
	for _, inv := range d.ar.Invitations {
		if desired[strings.ToLower(inv.Login)] {
			continue
		}
		if g, ok := d.expired(config.User, inv.Login); ok && !inv.Expired {
			d.add(Change{Kind: InvitationCancel, User: inv.Login, Before: inv.Role, After: role.None, InvitationID: inv.ID, Source: g.Pos, Reason: expiredReason(g), Expiry: g.Expires})
			continue
		}
		if inv.Expired {
			// It grants nothing; cancelling it would be a change with no
			// effect, and import could never reach an empty plan.
			d.notice(NoticeExpired, state.UserPrincipal(inv.Login).String(), d.filePos(), "an expired invitation of %s (%s) is not in %s; it grants nothing (delete it in GitHub to tidy up)", inv.Login, inv.Role, d.repo.File)
			continue
		}
		if !d.authoritative() {
			d.notice(NoticeUnmanaged, state.UserPrincipal(inv.Login).String(), d.filePos(), "user %s has a pending invitation (%s) but is not in %s (additive mode: kept)", inv.Login, inv.Role, d.repo.File)
			continue
		}
		d.add(Change{Kind: InvitationCancel, User: inv.Login, Before: inv.Role, After: role.None, InvitationID: inv.ID, Source: d.filePos(), Reason: "not in the file"})
	}
}

func (d *repoDiff) teams() {
	desired := map[string]bool{}
	for _, g := range d.repo.Teams() {
		desired[strings.ToLower(g.Name)] = true
		cur, ok := d.grants.Team(g.Name)
		switch {
		case !ok:
			d.add(Change{Kind: TeamAdd, Team: g.Name, Before: role.None, After: g.Role, Source: g.Pos, Reason: "in the file, not on GitHub"})
		case cur.Role == g.Role && cur.RoleName == "":
		case cur.Role > g.Role && !d.authoritative():
			d.notice(NoticeNotLowered, state.TeamPrincipal(cur.Slug).String(), g.Pos, "team %s holds %s on GitHub, above the file's %s (additive mode: not lowered)", cur.Slug, cur.Role, g.Role)
		default:
			d.add(Change{Kind: TeamChange, Team: cur.Slug, Before: cur.Role, After: g.Role, Source: g.Pos, Reason: "role differs from the file"})
		}
	}
	for _, t := range d.ar.Teams {
		if desired[strings.ToLower(t.Slug)] {
			continue
		}
		if g, ok := d.expired(config.Team, t.Slug); ok && t.RoleName == "" {
			if _, inherited := d.inheritedFrom(t); !inherited {
				d.add(Change{Kind: TeamRemove, Team: t.Slug, Before: t.Role, After: role.None, Source: g.Pos, Reason: expiredReason(g), Expiry: g.Expires})
				continue
			}
		}
		if parent, ok := d.inheritedFrom(t); ok {
			// Child teams inherit their parent's access; GitHub may list
			// that as the child's own grant, which no DELETE can remove.
			d.notice(NoticeInherited, state.TeamPrincipal(t.Slug).String(), d.filePos(), "team %s holds %s through its parent team %s: change the parent's grant to change it", t.Slug, t.Role, parent)
			continue
		}
		if t.RoleName != "" {
			d.notice(NoticeCustomRole, state.TeamPrincipal(t.Slug).String(), d.filePos(), "team %s holds the custom role %q, which files cannot express: left as it is", t.Slug, t.RoleName)
			continue
		}
		if !d.authoritative() {
			d.notice(NoticeUnmanaged, state.TeamPrincipal(t.Slug).String(), d.filePos(), "team %s holds %s on GitHub but is not in %s (additive mode: kept)", t.Slug, t.Role, d.repo.File)
			continue
		}
		d.add(Change{Kind: TeamRemove, Team: t.Slug, Before: t.Role, After: role.None, Source: d.filePos(), Reason: "not in the file"})
	}
}

// twoFactor notes an invitation to an org that requires two-factor
// authentication: it holds only once the invitee enables it. The invitation
// is sent once; one the App sent that expires unaccepted is reported
// (NoticeUnaccepted), never re-sent, so a person without 2FA is not
// re-invited run after run.
func (d *repoDiff) twoFactor(login string, pos config.Pos) {
	if tf := d.actual.State.TwoFactorRequired; tf == nil || !*tf {
		return
	}
	d.notice(NoticeTwoFactor, state.UserPrincipal(login).String(), pos,
		"%s requires two-factor authentication: an outside collaborator can accept only with it enabled, and GitHub removes collaborators who turn it off; permsync invites once and reports an invitation that expires unaccepted instead of re-sending it", d.org.Name)
}

// inheritedFrom reports whether a team's grant could be its parent's (or an
// ancestor's) grant on the same repository, inherited.
func (d *repoDiff) inheritedFrom(tg state.TeamGrant) (string, bool) {
	seen := map[string]bool{}
	team := d.actual.Team(tg.Slug)
	for team != nil && team.Parent != "" && !seen[strings.ToLower(team.Parent)] {
		seen[strings.ToLower(team.Parent)] = true
		if g, ok := d.grants.Team(team.Parent); ok && g.Role >= tg.Role {
			return g.Slug, true
		}
		team = d.actual.Team(team.Parent)
	}
	return "", false
}

func roleLabel(u state.UserGrant) string {
	switch {
	case u.Custom():
		return fmt.Sprintf("custom role %q", u.RoleName)
	case u.Ambiguous():
		return "at most " + u.Role.String()
	}
	return u.Role.String()
}

// kindOrder groups a repository's changes for reading: protection, teams,
// users, invitations.
var kindOrder = map[Kind]int{
	ProtectionCreate: 0, ProtectionUpdate: 0,
	TeamAdd: 1, TeamChange: 1, TeamRemove: 1,
	UserAdd: 2, UserChange: 2, UserRemove: 2,
	InvitationChange: 2, InvitationResend: 2, InvitationCancel: 2,
}

func sortChanges(cs []Change) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if x, y := strings.ToLower(a.Org), strings.ToLower(b.Org); x != y {
			return x < y
		}
		if x, y := strings.ToLower(a.Repo), strings.ToLower(b.Repo); x != y {
			return x < y
		}
		if kindOrder[a.Kind] != kindOrder[b.Kind] {
			return kindOrder[a.Kind] < kindOrder[b.Kind]
		}
		if x, y := strings.ToLower(a.Principal()), strings.ToLower(b.Principal()); x != y {
			return x < y
		}
		return a.Kind < b.Kind
	})
}
