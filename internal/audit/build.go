package audit

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/access"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/history"
	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// Input is everything an audit is built from.
type Input struct {
	// Dir is the permissions directory, as given.
	Dir string
	// Orgs are the orgs audited, with their files and policy. An org with
	// no files is audited against the default policy (every repository
	// unmanaged).
	Orgs []*config.Org
	// Actual is the state read from GitHub, keyed by lower-case org name:
	// every repository of each org.
	Actual map[string]*state.Org
	// OrgErrors says why an org is missing from Actual.
	OrgErrors map[string]string
	// Plan is the plan computed from Actual for the managed repositories.
	Plan *reconcile.Plan
	// History is the files' history in the window (nil: not read).
	History *history.Log
	// Previous is the snapshot to compare with (nil: none; PreviousNote
	// says why, e.g. it could not be read).
	Previous     *Snapshot
	PreviousNote string
	// Self is the permissions repository, for its self-check.
	Self SelfInput
	// Notes are remarks about the run to carry into the report (what
	// could not be read, and why).
	Notes []string
	Now   time.Time
	// MatrixPeople and MatrixRepos bound the matrix (defaults 150 and 2000).
	MatrixPeople, MatrixRepos int
	// Activity is each org's repository events (lower-case org, then
	// repository), for the inactive-access rule; an org without an entry
	// is not judged. InactiveHorizon is how long without an event makes
	// access inactive (default DefaultInactiveHorizon).
	Activity        map[string]map[string]RepoActivity
	InactiveHorizon time.Duration
}

// SelfInput names the permissions repository and its state.
type SelfInput struct {
	// Repo is "owner/name"; "" skips the self-check (Note says why).
	Repo string
	// State is the repository as read; nil when Repo is in an audited org
	// (it is looked up there) or could not be read (Note says why).
	State *state.Repo
	Note  string
}

// Build makes the report. It does no I/O.
func Build(in Input) *Report {
	b := &builder{in: in, rep: &Report{
		FormatVersion: FormatVersion,
		GeneratedAt:   in.Now.UTC(),
		Dir:           in.Dir,
		Findings:      []Finding{},
		Orgs:          []*Org{},
		NoCLA:         []string{},
		Notes:         append([]string{}, in.Notes...),
	}}
	for _, co := range in.Orgs {
		b.org(co)
	}
	b.rep.History = in.History
	if b.rep.History == nil {
		b.rep.History = &history.Log{Note: "the history of the files was not read", Entries: []history.Entry{}}
	}
	b.rep.Matrix = buildMatrix(b.rep.Orgs, in.MatrixPeople, in.MatrixRepos)
	b.rep.Compare = b.compare()
	b.rep.SelfCheck = b.selfCheck()
	b.finishFindings()
	b.rep.Findings = b.fs
	sortFindings(b.rep.Findings)
	b.summary()
	return b.rep
}

type builder struct {
	in     Input
	rep    *Report
	fs     findings
	causes map[string]*cause
	// crossItems: per org and finding rule, the breaches gathered.
	crossItems map[string]*crossed
	// indexes: each org's access index, built once (admin counting is
	// the guardrails' own, through it).
	indexes map[*state.Org]*access.Org
}

// index returns a's access index, building it on first use.
func (b *builder) index(a *state.Org) *access.Org {
	if a == nil {
		return nil
	}
	if b.indexes == nil {
		b.indexes = map[*state.Org]*access.Org{}
	}
	x := b.indexes[a]
	if x == nil {
		x = access.Index(a)
		b.indexes[a] = x
	}
	return x
}

func (b *builder) actual(org string) *state.Org { return b.in.Actual[strings.ToLower(org)] }

func policyOf(p config.Policy) Policy {
	out := Policy{
		RequiredChecks:             []Check{},
		MinReviews:                 p.MinReviews,
		OutsideCollaboratorMaxRole: p.OutsideCollaboratorMaxRole,
		MinAdmins:                  p.MinAdmins,
		MaxAdmins:                  p.MaxAdmins,
		ExpectedOwners:             append([]string{}, p.ExpectedOwners...),
	}
	for _, c := range p.RequiredChecks {
		out.RequiredChecks = append(out.RequiredChecks, Check{Context: c.Context, AppID: c.AppID})
	}
	if p.AdminAllowed != nil {
		out.AdminAllowed = []string{}
		for _, a := range p.AdminAllowed {
			out.AdminAllowed = append(out.AdminAllowed, a.String())
		}
	}
	return out
}

func orgFileOr(co *config.Org) string {
	if co.File != "" {
		return co.File
	}
	return "the org file (" + co.Name + ".yaml)"
}

func (b *builder) org(co *config.Org) {
	o := &Org{Name: co.Name, Mode: co.Policy.Mode, File: co.File, Policy: policyOf(co.Policy),
		Owners: []Owner{}, Teams: []Team{}, Repos: []*Repo{}, People: []*Person{}, Ignored: []string{}}
	b.rep.Orgs = append(b.rep.Orgs, o)
	a := b.actual(co.Name)
	if a == nil {
		o.ReadError = b.in.OrgErrors[strings.ToLower(co.Name)]
		if o.ReadError == "" {
			o.ReadError = "the org was not read from GitHub"
		}
		b.fs.add(High, RuleReadError, co.Name, "", "", "Check that the App is installed on the org with the read permissions, then run the audit again.",
			"org %s could not be read: %s", co.Name, o.ReadError)
		return
	}
	if a.Name != "" {
		o.Name = a.Name
	}
	o.ReadAt, o.BaseRole, o.Members = a.ReadAt.UTC(), a.BaseRole, len(a.Members)
	b.owners(o, co, a)
	for _, t := range a.Teams {
		o.Teams = append(o.Teams, Team{Slug: t.Slug, Name: t.Name, Parent: t.Parent, Members: nonNil(t.Members)})
	}
	b.apps(o, co, a)
	b.repos(o, co, a)
	o.People = people(o, b.index(a))
	o.NonHuman = NonHumanAccess(a, co)
	b.fs = append(b.fs, NotPinnedFindings(co)...)
	b.inactive(o, co, a)
}

// owners lists the org's owners, and reports those not expected and a base
// role above read.
func (b *builder) owners(o *Org, co *config.Org, a *state.Org) {
	for _, login := range a.Owners {
		exp := co.Policy.ExpectedOwner(login)
		o.Owners = append(o.Owners, Owner{Login: login, Expected: exp})
		if !exp {
			f := b.fs.add(High, RuleUnexpectedOwner, o.Name, "", "user:"+login,
				fmt.Sprintf("If %s must stay an owner, add them to expected_owners in %s through a reviewed pull request; otherwise change their org role to member.", login, orgFileOr(co)),
				"%s is an owner of %s (admin on every repository, can change every setting) and is not in expected_owners", login, o.Name)
			f.Source = co.Policy.Where(config.KeyExpectedOwners, co.File).String()
		}
	}
	if a.BaseRole > role.Read {
		sev := High
		if a.BaseRole == role.Admin {
			sev = Critical
		}
		b.fs.add(sev, RuleBaseRoleAboveRead, o.Name, "", "", "Set the org's base permission to Read (or No permission) in the org's member privileges, and grant write per repository in the files.",
			"the base role of %s is %s: each of its %d members holds %s on every repository", o.Name, a.BaseRole, len(a.Members), a.BaseRole)
	}
}

// apps lists the org's App installations, and reports those with
// Administration write that trusted_apps does not list.
func (b *builder) apps(o *Org, co *config.Org, a *state.Org) {
	if a.Installations == nil {
		b.rep.Notes = append(b.rep.Notes, fmt.Sprintf("The GitHub Apps installed on %s could not be read (the App needs Organization administration: read): Apps with Administration write are not reported.", o.Name))
	} else {
		o.Apps = []App{}
		for _, in := range a.Installations {
			app := App{Slug: in.AppSlug, ID: in.AppID, Permissions: in.Permissions, RepositorySelection: in.RepositorySelection,
				AdministrationWrite: in.Permissions["administration"] == "write", Trusted: co.Policy.TrustedApp(in.AppID)}
			if app.Permissions == nil {
				app.Permissions = map[string]string{}
			}
			o.Apps = append(o.Apps, app)
			if app.AdministrationWrite && !app.Trusted {
				f := b.fs.add(Medium, RuleAppAdministrationWrite, o.Name, "", "app:"+in.AppSlug,
					fmt.Sprintf("If you trust this App with admin (e.g. permsync's writer App, whose key only reviewed merges reach), add %d to trusted_apps in %s through a reviewed pull request; otherwise reduce its permissions or uninstall it.", in.AppID, orgFileOr(co)),
					"the App %s (id %d) has Administration: write on %s repositories and is not in trusted_apps: it can change rights and protection, and delete repositories", in.AppSlug, in.AppID, selectionWord(in.RepositorySelection))
				f.Source = co.Policy.Where(config.KeyTrustedApps, co.File).String()
			}
		}
	}
}

// repos reports each repository of the org, and those the files name that
// GitHub does not have.
func (b *builder) repos(o *Org, co *config.Org, a *state.Org) {
	seen := map[string]bool{}
	deployKeysUnread := 0
	for _, r := range a.Repos {
		if co.Ignored(r.Name) {
			o.Ignored = append(o.Ignored, r.Name)
			continue
		}
		seen[strings.ToLower(r.Name)] = true
		rep := b.repo(o, co, a, r)
		if rep.DeployKeys == nil && rep.ReadError == "" {
			deployKeysUnread++
		}
	}
	if deployKeysUnread > 0 {
		b.rep.Notes = append(b.rep.Notes, fmt.Sprintf("The deploy keys of %s of %s could not be read: deploy keys with write access are not reported there.", words.Plural(deployKeysUnread, "repository"), o.Name))
	}
	// Files naming repositories GitHub does not have.
	for _, cr := range co.Repos {
		if seen[strings.ToLower(cr.Name)] || co.Ignored(cr.Name) {
			continue
		}
		rep := &Repo{Org: o.Name, Name: cr.Name, Managed: true, File: cr.File,
			ReadError: "the repository does not exist on GitHub, or the credentials cannot see it"}
		initRepo(rep)
		b.planFor(rep)
		o.Repos = append(o.Repos, rep)
	}
	sort.Slice(o.Repos, func(i, j int) bool { return state.LessFold(o.Repos[i].Name, o.Repos[j].Name) })
}

// inactive reports inactive access where the org's activity was read.
func (b *builder) inactive(o *Org, co *config.Org, a *state.Org) {
	act, ok := b.in.Activity[strings.ToLower(co.Name)]
	if !ok {
		return
	}
	horizon := b.in.InactiveHorizon
	if horizon <= 0 {
		horizon = DefaultInactiveHorizon
	}
	b.rep.Notes = append(b.rep.Notes, fmt.Sprintf("Inactive access in %s: write or above (a direct grant or a team) with no event in the repository's events in the last %d days, since %s. Source: GitHub's repository events (the newest 100 per repository, which reach back at most 90 days); %d of %s read.",
		o.Name, int(horizon/(24*time.Hour)), b.in.Now.Add(-horizon).UTC().Format("2006-01-02"), len(act), words.Plural(len(a.Repos), "repository")))
	fs, notes := InactiveFindings(b.index(a), co, act, b.in.Now, horizon)
	b.fs = append(b.fs, fs...)
	b.rep.Notes = append(b.rep.Notes, notes...)
}

func selectionWord(s string) string {
	if s == "selected" {
		return "selected"
	}
	return "all"
}

func initRepo(rep *Repo) {
	rep.Access = []Access{}
	rep.Teams = []TeamGrant{}
	rep.Invitations = []Invitation{}
	rep.RequiredChecks = []CheckStatus{}
	rep.Rulesets = []Ruleset{}
	rep.Admins.People = []string{}
	rep.Protection.Checks = []Check{}
	rep.Drift = []Drift{}
	rep.Refusals = []Refusal{}
	rep.Errors = []string{}
	rep.Notices = []string{}
}

func (b *builder) repo(o *Org, co *config.Org, a *state.Org, r *state.Repo) *Repo {
	cr := co.Repo(r.Name)
	rep := &Repo{Org: o.Name, Name: r.Name, Managed: cr != nil, Archived: r.Archived, Private: r.Private,
		Visibility: r.Visibility, DefaultBranch: r.DefaultBranch, BaseRole: a.BaseRole}
	initRepo(rep)
	if cr != nil {
		rep.File = cr.File
	}
	o.Repos = append(o.Repos, rep)
	full := rep.FullName()
	switch {
	case r.NotFound:
		rep.ReadError = "the repository disappeared, or the credentials cannot see it"
	case r.ReadError != "":
		rep.ReadError = r.ReadError
	}
	if rep.ReadError != "" {
		b.fs.add(High, RuleReadError, o.Name, r.Name, "", "Run the audit again; if it persists, check the App's access to this repository.",
			"%s could not be read completely (%s): what the report shows for it may be incomplete", full, rep.ReadError)
	}

	b.access(rep, co, a, r, cr)
	if r.DeployKeys != nil {
		rep.DeployKeys = []DeployKey{}
		for _, k := range r.DeployKeys {
			rep.DeployKeys = append(rep.DeployKeys, DeployKey{ID: k.ID, Title: k.Title, ReadOnly: k.ReadOnly})
			if !k.ReadOnly && !r.Archived {
				b.fs.add(Medium, RuleDeployKeyWrite, o.Name, r.Name, "key:"+k.Title,
					"Make the key read-only (re-add it without write access) unless a deployment must push; protection with enforce_admins keeps it from pushing to the default branch.",
					"the deploy key %q (id %d) can push to %s", k.Title, k.ID, full)
			}
		}
	}
	b.protection(rep, co, r)
	b.admins(rep, co, a, r)
	b.planFor(rep)

	switch {
	case r.Archived:
		b.grouped("", Info, RuleArchivedRepo, o.Name, r.Name, "", "Nothing to do; unarchive it only to change its rights.",
			func(repos []string) string {
				if len(repos) == 1 {
					return fmt.Sprintf("%s is archived: read-only, its rights are reported and not changed", full)
				}
				return fmt.Sprintf("%s are archived: read-only, their rights are reported and not changed", listRepos(o.Name, repos))
			})
	case !rep.Managed && rep.ReadError == "":
		org := o.Name
		b.grouped("", Low, RuleUnmanagedRepo, org, r.Name, "",
			fmt.Sprintf("Run `permsync import --org %s` (or `--repo NAME` for each) and merge the files through a reviewed pull request, or list them in ignore_repos.", org),
			func(repos []string) string {
				if len(repos) == 1 {
					return fmt.Sprintf("%s has no permissions file: its rights are not reviewed as code", full)
				}
				return fmt.Sprintf("%s have no permissions file: their rights are not reviewed as code", listRepos(org, repos))
			})
	}
	return rep
}

// access fills the repository's access, team grants and invitations. Who
// holds what through which source is the access model's (access.Holders);
// the audit adds where the files declare each grant and the change that made
// it. A person holding the repository through the base role only is counted
// in BaseMembers, not listed.
func (b *builder) access(rep *Repo, co *config.Org, a *state.Org, r *state.Repo, cr *config.Repo) {
	x := b.index(a)
	b.invitations(rep, a, r)
	teams := b.teamGrants(rep, x, r, cr)
	// A person's sources come in the order of r's lists: each takes the
	// next grant of theirs.
	users, invs := map[string][]state.UserGrant{}, map[string][]state.Invitation{}
	for _, u := range r.Users {
		users[access.Key(u.Login)] = append(users[access.Key(u.Login)], u)
	}
	for _, inv := range r.Invitations {
		if !inv.Expired {
			invs[access.Key(inv.Login)] = append(invs[access.Key(inv.Login)], inv)
		}
	}
	for _, h := range x.Holders(r) {
		k := access.Key(h.Login)
		acc := Access{Login: h.Login, Outside: !x.IsMember(h.Login), Pending: true, Sources: []Source{}}
		nth := map[string]int{} // team sources met, by Key(slug)
		for _, hs := range h.Sources {
			s := Source{Kind: hs.Kind, Role: hs.Role}
			switch hs.Kind {
			case access.Direct:
				u := pop(users, k)
				s.RoleName = u.RoleName
				b.declare(&s, rep, cr, config.Principal{Kind: config.User, Name: u.Login}, u.ID, u.Role, u.RoleName)
			case access.Invitation:
				inv := pop(invs, k)
				b.declare(&s, rep, cr, config.Principal{Kind: config.User, Name: inv.Login}, inv.UserID, inv.Role, "")
			case access.ViaTeam:
				ts := access.Key(hs.Team)
				t := teams[ts][nth[ts]]
				nth[ts]++
				if t == nil {
					continue // an inherited grant: its members hold it through the ancestor team, listed with it
				}
				s = *t
				s.Via = x.Via(hs.Team, h.Login)
			case access.Base:
				if len(acc.Sources) == 0 {
					continue
				}
			}
			acc.Sources = append(acc.Sources, s)
			acc.Role = max(acc.Role, s.Role)
			acc.Pending = acc.Pending && s.Kind == SourceInvitation
		}
		if len(acc.Sources) > 0 {
			acc.Undeclared = undeclared(&acc, co)
			rep.Access = append(rep.Access, acc)
		}
	}
	for _, m := range a.Members {
		if a.BaseRole != role.None && !x.IsOwner(m) {
			rep.BaseMembers++
		}
	}
	sort.Slice(rep.Access, func(i, j int) bool {
		if rep.Access[i].Role != rep.Access[j].Role {
			return rep.Access[i].Role > rep.Access[j].Role
		}
		return state.LessFold(rep.Access[i].Login, rep.Access[j].Login)
	})
	if rep.Managed && !r.Archived && rep.ReadError == "" {
		b.undeclaredAdmins(rep)
	}
}

// pop takes the first of q[k].
func pop[T any](q map[string][]T, k string) T {
	v := q[k][0]
	q[k] = q[k][1:]
	return v
}

// invitations lists r's invitations, and reports the expired ones.
func (b *builder) invitations(rep *Repo, a *state.Org, r *state.Repo) {
	for _, inv := range r.Invitations {
		rep.Invitations = append(rep.Invitations, Invitation{Login: inv.Login, Role: inv.Role, Expired: inv.Expired,
			CreatedAt: inv.CreatedAt.UTC(), Inviter: inv.Inviter, Outside: !b.index(a).IsMember(inv.Login)})
		if inv.Expired && !r.Archived {
			b.fs.add(Low, RuleInvitationExpired, rep.Org, rep.Name, "user:"+inv.Login,
				"Delete the invitation in the repository's Collaborators settings, or remove and re-add the grant in the file so that a new one is sent.",
				"the invitation of %s to %s as %s, sent %s%s, expired unaccepted", inv.Login, rep.FullName(), inv.Role, inv.CreatedAt.UTC().Format("2006-01-02"), byWhom(inv.Inviter))
		}
	}
}

// teamGrants lists r's team grants (not the inherited ones: the ancestor's
// grant is listed), and returns, by Key(slug) in r's order, the source each
// gives its members (nil for an inherited one).
func (b *builder) teamGrants(rep *Repo, x *access.Org, r *state.Repo, cr *config.Repo) map[string][]*Source {
	out := map[string][]*Source{}
	for _, t := range r.Teams {
		k := access.Key(t.Slug)
		if t.Inherited != "" {
			out[k] = append(out[k], nil)
			continue
		}
		s := &Source{Kind: SourceTeam, Role: t.Role, RoleName: t.RoleName, Team: t.Slug}
		b.declare(s, rep, cr, config.Principal{Kind: config.Team, Name: t.Slug}, 0, t.Role, t.RoleName)
		out[k] = append(out[k], s)
		tg := TeamGrant{Slug: t.Slug, Role: t.Role, RoleName: t.RoleName, Members: []string{}, Declared: s.Declared}
		if team := x.Team(t.Slug); team != nil {
			tg.Members = nonNil(team.Members)
		}
		rep.Teams = append(rep.Teams, tg)
	}
	return out
}

// undeclared reports whether no file declares the role a person holds:
// none of the sources giving it is a grant the files list, an expected
// owner or the org base role.
func undeclared(acc *Access, co *config.Org) bool {
	for _, s := range acc.Sources {
		if s.Role < acc.Role {
			continue
		}
		switch s.Kind {
		case SourceBase:
			return false
		case SourceOwner:
			if co.Policy.ExpectedOwner(acc.Login) {
				return false
			}
		default:
			if s.Declared != "" {
				return false
			}
		}
	}
	return true
}

// undeclaredAdmins reports admins of a managed repository that no file
// declares: the highest severity, as that is what permsync exists to
// prevent. A team grant is one finding, naming its members; a person, one
// finding per grant (ownership is unexpected-owner's).
func (b *builder) undeclaredAdmins(rep *Repo) {
	fix := fmt.Sprintf("If the grant must stay, declare it in %s through a reviewed pull request; otherwise remove it: `permsync plan --repo %s/%s` shows the removal and apply makes it (authoritative mode). Then find out who made it (GitHub's audit log).", fileOr(rep), rep.Org, rep.Name)
	teamAdmins := map[string][]string{}
	for _, acc := range rep.Access {
		if acc.Role != role.Admin || !acc.Undeclared {
			continue
		}
		for _, s := range acc.Sources {
			if s.Role != role.Admin {
				continue
			}
			switch s.Kind {
			case SourceDirect, SourceInvitation:
				how := "a direct admin grant"
				if s.Kind == SourceInvitation {
					how = "a pending admin invitation"
				}
				f := b.fs.add(Critical, RuleAdminNotDeclared, rep.Org, rep.Name, "user:"+acc.Login, fix,
					"%s holds %s on %s that no file declares: made by hand on GitHub", acc.Login, how, rep.FullName())
				f.Source = rep.File
			case SourceTeam:
				teamAdmins[s.Team] = append(teamAdmins[s.Team], acc.Login)
			}
		}
	}
	for _, t := range rep.Teams {
		people := teamAdmins[t.Slug]
		if t.Role != role.Admin || len(people) == 0 {
			continue
		}
		f := b.fs.add(Critical, RuleAdminNotDeclared, rep.Org, rep.Name, "team:"+t.Slug, fix,
			"team %s holds admin on %s and no file declares it (made by hand on GitHub): %s administer it through the team (%s)",
			t.Slug, rep.FullName(), words.Plural(len(people), "person"), strings.Join(people, ", "))
		f.Source = rep.File
	}
}

func byWhom(inviter string) string {
	if inviter == "" {
		return ""
	}
	return " by " + inviter
}

func fileOr(rep *Repo) string {
	if rep.File != "" {
		return rep.File
	}
	return "the repository's file (create it with permsync import)"
}

// declare sets where the files grant what GitHub holds, and the change in
// the history window that made it so. A user is matched by account (id,
// GitHub's account id or 0 when not read): see sameAccount. An entry past
// its expires: date declares nothing.
func (b *builder) declare(s *Source, rep *Repo, cr *config.Repo, p config.Principal, id int64, held role.Role, roleName string) {
	if cr == nil {
		return
	}
	for _, g := range cr.Grants {
		if sameAccount(g, p, id) && g.Role == held && roleName == "" && !g.ExpiredAt(b.in.Now) {
			s.Declared = g.Pos.String()
			s.Trace = b.trace(rep, g.Principal.String(), held)
			return
		}
	}
}

// trace finds the newest commit in the window that granted p role on rep.
func (b *builder) trace(rep *Repo, principal string, held role.Role) *Trace {
	h := b.in.History
	if h == nil {
		return nil
	}
	for _, e := range h.Entries { // newest first
		for _, c := range e.Changes {
			if (c.Kind == history.GrantAdd || c.Kind == history.GrantChange) && c.After == held && c.Touches(rep.Org, rep.Name, principal) {
				t := &Trace{Commit: e.Commit, Date: e.Date, Author: e.AuthorName, Change: c.Description, Approvers: []string{}}
				if e.PR != nil {
					t.PR, t.PRURL, t.Approvers = e.PR.Number, e.PR.URL, nonNil(e.PR.Approvers)
				}
				return t
			}
		}
	}
	return nil
}

// admins counts the repository's admins as the guardrails do (the
// access model), and reports what already crosses them.
func (b *builder) admins(rep *Repo, co *config.Org, a *state.Org, r *state.Repo) {
	p := co.Policy
	adm := b.index(a).Admins(r, p.ExpectedOwner)
	rep.Admins.People = append(rep.Admins.People, adm.All...)
	state.SortFold(rep.Admins.People)
	rep.Admins.ForMax, rep.Admins.ForMin = len(adm.ForMax), len(adm.ForMin)
	rep.Admins.Min, rep.Admins.Max = p.MinAdmins, p.MaxAdmins
	rep.Admins.OwnersToo = len(a.Owners)
	b.breaches(rep, co, a, r)
}

// planFor copies the plan's drift, refusals, errors and notices of rep.
func (b *builder) planFor(rep *Repo) {
	p := b.in.Plan
	if p == nil {
		return
	}
	same := func(org, repo string) bool {
		return strings.EqualFold(org, rep.Org) && strings.EqualFold(repo, rep.Name)
	}
	var lines []string
	for _, c := range p.Changes {
		if !same(c.Org, c.Repo) {
			continue
		}
		d := Drift{Kind: string(c.Kind), Subject: c.Principal(), Before: c.Before, After: c.After, Description: planview.Describe(c), Source: c.Source.String(), Refused: c.Refused}
		rep.Drift = append(rep.Drift, d)
		lines = append(lines, strings.TrimPrefix(d.Description, rep.FullName()+": "))
	}
	if len(rep.Drift) > 0 {
		b.fs.add(Medium, RuleDrift, rep.Org, rep.Name, "",
			fmt.Sprintf("Run `permsync plan --repo %s/%s` to review, then apply it (the default branch's workflow does), or change %s through a reviewed pull request if what was changed on GitHub should stay.", rep.Org, rep.Name, fileOr(rep)),
			"GitHub differs from the files on %s: %s", rep.FullName(), words.Plural(len(rep.Drift), "change")+" pending ("+few(lines, "; ", 3, 3, " and %d more")+")")
	}
	for _, r := range p.Refusals {
		for _, it := range r.Items {
			if !same(r.Org, it.Repo) {
				continue
			}
			msg := it.Text(r.Message)
			rep.Refusals = append(rep.Refusals, Refusal{Rule: string(r.Rule), Subject: it.Subject, Message: msg, Source: it.Source.String()})
			f := b.fs.add(High, RuleRefusal, rep.Org, rep.Name, it.Subject,
				"Fix the file at the position given, or change the rule in the org file through a reviewed pull request; apply changes nothing while a refusal stands.",
				"refused (%s): %s", r.Rule, msg)
			f.Source = it.Source.String()
		}
	}
	for _, e := range p.Errors {
		if !same(e.Org, e.Repo) {
			continue
		}
		rep.Errors = append(rep.Errors, e.String())
		f := b.fs.add(High, RulePlanError, rep.Org, rep.Name, "", "Fix the file or the App's access; nothing is planned for this repository until then.", "%s", e.Message)
		f.Source = e.Source.String()
	}
	for _, n := range p.Notices {
		if n.Kind == reconcile.NoticeArchived {
			continue
		}
		for _, it := range n.Items {
			if !same(n.Org, it.Repo) {
				continue
			}
			rep.Notices = append(rep.Notices, n.ItemText(it))
			if n.Kind == reconcile.NoticeUnmanaged {
				f := b.fs.add(Low, RuleUnlistedGrant, rep.Org, rep.Name, it.Subject,
					fmt.Sprintf("Add the grant to %s if it should stay, or remove it on GitHub.", fileOr(rep)), "%s", n.Message)
				f.Source = it.Source.String()
			}
		}
	}
}

// people builds each person's view of the org from the repositories' access.
func people(o *Org, x *access.Org) []*Person {
	a := x.State
	byLogin := map[string]*Person{}
	get := func(login string) *Person {
		k := strings.ToLower(login)
		p := byLogin[k]
		if p == nil {
			p = &Person{Login: login, Member: x.IsMember(login), Owner: x.IsOwner(login),
				Teams: []string{}, Access: []PersonAccess{}, Admin: []string{}, Maintain: []string{}, Write: []string{}}
			p.Outside = !p.Member
			if p.Member && !p.Owner {
				p.BaseRole = a.BaseRole
			}
			for _, ow := range o.Owners {
				if strings.EqualFold(ow.Login, login) {
					p.ExpectedOwner = ow.Expected
				}
			}
			byLogin[k] = p
		}
		return p
	}
	for _, m := range a.Members {
		get(m)
	}
	for _, t := range a.Teams {
		for _, m := range t.Members {
			p := get(m)
			p.Teams = append(p.Teams, t.Slug)
		}
	}
	for _, rep := range o.Repos {
		listed := map[string]bool{}
		for _, acc := range rep.Access {
			p := get(acc.Login)
			listed[strings.ToLower(acc.Login)] = true
			if slices.ContainsFunc(acc.Sources, func(s Source) bool { return s.Kind != SourceOwner && s.Kind != SourceBase }) {
				p.Access = append(p.Access, PersonAccess{Repo: rep.Name, Role: acc.Role, Pending: acc.Pending, Sources: acc.Sources})
			}
			p.addTier(rep.Name, acc.Role)
		}
		if rep.BaseRole >= role.Write {
			for _, m := range a.Members {
				if !listed[strings.ToLower(m)] && !x.IsOwner(m) {
					get(m).addTier(rep.Name, rep.BaseRole)
				}
			}
		}
	}
	out := make([]*Person, 0, len(byLogin))
	for _, p := range byLogin {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return state.LessFold(out[i].Login, out[j].Login) })
	return out
}

func (p *Person) addTier(repo string, r role.Role) {
	switch r {
	case role.Admin:
		p.Admin = append(p.Admin, repo)
	case role.Maintain:
		p.Maintain = append(p.Maintain, repo)
	case role.Write:
		p.Write = append(p.Write, repo)
	}
}

func (b *builder) summary() {
	s := &b.rep.Summary
	s.Findings = map[string]int{}
	for _, sev := range Severities {
		s.Findings[sev.String()] = 0
	}
	for _, f := range b.rep.Findings {
		s.Findings[f.Severity.String()]++
	}
	people, outside := map[string]bool{}, map[string]bool{}
	for _, o := range b.rep.Orgs {
		s.Orgs++
		s.Ignored += len(o.Ignored)
		for _, r := range o.Repos {
			s.Repositories++
			switch {
			case r.Archived:
				s.Archived++
			case r.Managed:
				s.Managed++
			default:
				s.Unmanaged++
			}
			if len(r.Drift) > 0 {
				s.DriftRepositories++
				s.DriftChanges += len(r.Drift)
			}
			s.Refusals += len(r.Refusals)
		}
		for _, p := range o.People {
			people[strings.ToLower(p.Login)] = true
			if p.Outside && len(p.Access) > 0 {
				outside[strings.ToLower(p.Login)] = true
			}
		}
	}
	s.People, s.OutsideCollaborators = len(people), len(outside)
	if b.rep.History != nil {
		s.HistoryCommits = len(b.rep.History.Entries)
	}
	for _, c := range b.rep.Compare.Changes {
		if c.HandMade {
			s.HandMadeChanges++
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return append([]string{}, s...)
}
