package ghsim

import (
	"cmp"
	"crypto/rsa"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Seeding methods build the simulated world. They panic on a reference to
// something that does not exist (an unknown org, repository, team or user):
// that is a bug in the test, not a condition to handle.

func (s *Server) lock() func() {
	s.st.mu.Lock()
	return s.st.mu.Unlock
}

func (s *Server) rlock() func() {
	s.st.mu.RLock()
	return s.st.mu.RUnlock
}

// must returns v, or panics naming what is unknown.
func must[T any](v *T, format string, args ...any) *T {
	if v == nil {
		panic(fmt.Sprintf("ghsim: unknown "+format, args...))
	}
	return v
}

func (st *state) mustUser(login string) *user { return must(st.userByLogin(login), "user %q", login) }

func (st *state) mustOrg(login string) *org { return must(st.org(login), "org %q", login) }

func (st *state) mustRepo(owner, name string) *repo {
	return must(st.repo(owner, name), "repository %s/%s", owner, name)
}

func (st *state) mustTeam(o *org, slug string) *team {
	return must(o.teams[lower(slug)], "team %s/%s", o.login, slug)
}

func (st *state) addUser(login, typ string) *user {
	if u := st.userByLogin(login); u != nil {
		return u
	}
	u := &user{id: st.id(), login: login, typ: typ}
	st.users[lower(login)] = u
	st.usersByID[u.id] = u
	return u
}

// AddUser creates a user (a no-op returning the existing id when the login
// exists, in any case) and returns its id.
func (s *Server) AddUser(login string) int64 {
	defer s.lock()()
	return s.st.addUser(login, "User").id
}

// AddOrg creates an organization and returns its id.
func (s *Server) AddOrg(login string, o OrgOptions) int64 {
	defer s.lock()()
	st := s.st
	if st.org(login) != nil {
		panic("ghsim: org exists: " + login)
	}
	base := o.BaseRole
	switch base {
	case RoleNone:
		base = RoleRead
	case BaseRoleNone:
		base = RoleNone
	case RoleRead, RoleWrite, RoleAdmin:
	default:
		panic("ghsim: an org base role is read, write, admin or none")
	}
	plan := cmp.Or(o.Plan, PlanTeam)
	g := &org{
		id: st.id(), login: login, name: o.Name, baseRole: base, plan: plan, twoFA: o.TwoFactorRequired, created: s.clock.Now(),
		members: map[string]*member{}, teams: map[string]*team{}, repos: map[string]*repo{},
		userTeams: map[string][]*team{}, directGrants: map[string]int{},
	}
	st.orgs[lower(login)] = g
	return g.id
}

// SetBaseRole changes an org's default_repository_permission; RoleNone
// and BaseRoleNone both mean none.
func (s *Server) SetBaseRole(org string, role Role) {
	defer s.lock()()
	if role == BaseRoleNone {
		role = RoleNone
	}
	s.st.mustOrg(org).baseRole = role
}

// AddMember makes a user (created if needed) a member, or an owner, of org.
func (s *Server) AddMember(org, login string, owner bool) {
	defer s.lock()()
	o := s.st.mustOrg(org)
	u := s.st.addUser(login, "User")
	o.members[lower(login)] = &member{user: u, owner: owner}
}

// RemoveMember removes a user from an org (and its teams).
func (s *Server) RemoveMember(org, login string) {
	defer s.lock()()
	o := s.st.mustOrg(org)
	delete(o.members, lower(login))
	for _, t := range o.userTeams[lower(login)] {
		delete(t.members, lower(login))
		t.memberOrder = slices.DeleteFunc(t.memberOrder, func(u *user) bool { return strings.EqualFold(u.login, login) })
	}
	delete(o.userTeams, lower(login))
}

// AddTeam creates a team and returns its id.
func (s *Server) AddTeam(org, slug string, o TeamOptions) int64 {
	defer s.lock()()
	st := s.st
	g := st.mustOrg(org)
	if g.teams[lower(slug)] != nil {
		panic("ghsim: team exists: " + slug)
	}
	t := &team{id: st.id(), slug: slug, name: o.Name, description: o.Description, privacy: o.Privacy, org: g,
		members: map[string]string{}, repos: map[int64]Role{}, created: s.clock.Now()}
	t.name = cmp.Or(t.name, slug)
	t.privacy = cmp.Or(t.privacy, "closed")
	if o.Parent != "" {
		p := st.mustTeam(g, o.Parent)
		t.parent = p
		p.children = append(p.children, t)
	}
	g.teams[lower(slug)] = t
	g.teamOrder = append(g.teamOrder, t)
	st.teamsByID[t.id] = t
	return t.id
}

// AddTeamMember adds a user (who must be an org member) to a team with
// role "member" or "maintainer" ("" means member).
func (s *Server) AddTeamMember(org, slug, login, role string) {
	defer s.lock()()
	st := s.st
	g := st.mustOrg(org)
	t := st.mustTeam(g, slug)
	m := g.member(login)
	if m == nil {
		panic(fmt.Sprintf("ghsim: %s is not a member of %s", login, org))
	}
	role = cmp.Or(role, "member")
	k := lower(login)
	if _, ok := t.members[k]; !ok {
		t.memberOrder = append(t.memberOrder, m.user)
		g.userTeams[k] = append(g.userTeams[k], t)
	}
	t.members[k] = role
}

// AddRepo creates a repository and returns its id.
func (s *Server) AddRepo(org, name string, o RepoOptions) int64 {
	defer s.lock()()
	st := s.st
	g := st.mustOrg(org)
	if g.repos[lower(name)] != nil {
		panic("ghsim: repository exists: " + org + "/" + name)
	}
	def := cmp.Or(o.DefaultBranch, "main")
	now := s.clock.Now()
	r := &repo{
		id: st.id(), name: name, org: g, private: o.Private, archived: o.Archived, disabled: o.Disabled, description: o.Description,
		defaultBranch: def, created: now, updated: now,
		collabs: map[string]Role{}, collabUsers: map[string]*user{}, teams: map[int64]Role{},
		protection: map[string]*Protection{}, protIDs: map[string]int64{}, branchSHA: map[string]string{},
		checkSource: map[string]int64{},
	}
	r.visibility = "public"
	if o.Private {
		r.visibility = "private"
	}
	for _, b := range append([]string{def}, o.Branches...) {
		r.addBranch(b)
	}
	g.repos[lower(name)] = r
	g.repoOrder = append(g.repoOrder, r)
	st.reposByID[r.id] = r
	return r.id
}

// SetArchived archives or unarchives a repository.
func (s *Server) SetArchived(org, name string, archived bool) {
	defer s.lock()()
	s.st.mustRepo(org, name).archived = archived
}

// AddBranch adds a branch to a repository.
func (s *Server) AddBranch(org, name, branch string) {
	defer s.lock()()
	s.st.mustRepo(org, name).addBranch(branch)
}

func (r *repo) addBranch(b string) {
	if !r.hasBranch(b) {
		r.branches = append(r.branches, b)
		r.branchSHA[b] = fakeSHA(r.fullName() + "@" + b)
	}
}

// SetCollaborator sets a direct grant (the user is created if needed).
// RoleNone removes it.
func (s *Server) SetCollaborator(org, repoName, login string, role Role) {
	defer s.lock()()
	r := s.st.mustRepo(org, repoName)
	u := s.st.addUser(login, "User")
	if role == RoleNone {
		s.st.removeGrant(r, u)
		return
	}
	s.st.setGrant(r, u, role)
}

// AddInvitation seeds a pending repository invitation and returns its id.
func (s *Server) AddInvitation(org, repoName, login string, role Role, o InvitationOptions) int64 {
	defer s.lock()()
	st := s.st
	r := st.mustRepo(org, repoName)
	u := st.addUser(login, "User")
	inviter := cmp.Or(firstOwner(r.org), u)
	if o.Inviter != "" {
		inviter = st.addUser(o.Inviter, "User")
	}
	created := orTime(o.CreatedAt, s.clock.Now())
	inv := &invitation{id: st.id(), invitee: u, inviter: inviter, role: role, created: created}
	r.invitations = append(r.invitations, inv)
	// It counts toward the 50 invitations a day, as a real one would.
	r.inviteLog = append(r.inviteLog, created)
	return inv.id
}

// AcceptInvitation turns the user's invitation to the repository into a
// direct grant, as the invitee accepting it would.
func (s *Server) AcceptInvitation(org, repoName, login string) {
	defer s.lock()()
	st := s.st
	r := st.mustRepo(org, repoName)
	u := st.mustUser(login)
	inv := r.invitationFor(u)
	if inv == nil {
		panic("ghsim: no invitation for " + login + " on " + r.fullName())
	}
	st.setGrant(r, u, inv.role)
	r.invitations = slices.DeleteFunc(r.invitations, func(x *invitation) bool { return x == inv })
}

// SetTeamRepo grants a team a role on a repository (RoleNone removes it).
func (s *Server) SetTeamRepo(org, slug, repoName string, role Role) {
	defer s.lock()()
	st := s.st
	g := st.mustOrg(org)
	t := st.mustTeam(g, slug)
	r := st.mustRepo(org, repoName)
	if role == RoleNone {
		delete(t.repos, r.id)
		delete(r.teams, t.id)
		return
	}
	t.repos[r.id] = role
	r.teams[t.id] = role
}

// SetProtection replaces a branch's protection (nil removes it). The
// branch is created when missing.
func (s *Server) SetProtection(org, repoName, branch string, p *Protection) {
	defer s.lock()()
	r := s.st.mustRepo(org, repoName)
	r.addBranch(branch)
	s.st.setProtection(r, branch, p.clone())
}

func (st *state) setProtection(r *repo, branch string, p *Protection) {
	if p == nil {
		delete(r.protection, branch)
		if id, ok := r.protIDs[branch]; ok {
			delete(st.bprByID, id)
			delete(r.protIDs, branch)
		}
		return
	}
	if p.RequiredStatusChecks != nil {
		for i := range p.RequiredStatusChecks.Checks {
			if p.RequiredStatusChecks.Checks[i].AppID < 0 {
				p.RequiredStatusChecks.Checks[i].AppID = 0
			}
		}
	}
	r.protection[branch] = p
	if _, ok := r.protIDs[branch]; !ok {
		id := st.id()
		r.protIDs[branch] = id
		st.bprByID[id] = &bprRef{repo: r, branch: branch}
	}
}

// SetCheckSource records that a GitHub App most recently set a status
// context on a repository: a required check added without app_id is then
// pinned to that App, as GitHub does.
func (s *Server) SetCheckSource(org, repoName, context string, appID int64) {
	defer s.lock()()
	s.st.mustRepo(org, repoName).checkSource[context] = appID
}

// AddRuleset adds a ruleset to a repository, or to the org when repoName
// is empty, and returns its id.
func (s *Server) AddRuleset(org, repoName string, rs Ruleset) int64 {
	defer s.lock()()
	st := s.st
	g := st.mustOrg(org)
	x := &ruleset{id: st.id(), def: cloneRuleset(rs), org: g, created: s.clock.Now()}
	x.def.Target = cmp.Or(x.def.Target, "branch")
	x.def.Enforcement = cmp.Or(x.def.Enforcement, "active")
	x.def.ID = x.id
	if repoName != "" {
		r := st.mustRepo(org, repoName)
		x.repo = r
		r.rulesets = append(r.rulesets, x)
	} else {
		g.rulesets = append(g.rulesets, x)
	}
	st.rulesets[x.id] = x
	return x.id
}

// AddLabel creates a repository label.
func (s *Server) AddLabel(org, repoName, name, color string) {
	defer s.lock()()
	r := s.st.mustRepo(org, repoName)
	if r.label(name) == nil {
		r.labels = append(r.labels, &label{id: s.st.id(), name: name, color: color})
	}
}

// AddIssue creates an issue and returns its number.
func (s *Server) AddIssue(org, repoName string, o IssueOptions) int64 {
	defer s.lock()()
	st := s.st
	r := st.mustRepo(org, repoName)
	author := st.defaultAuthor(r, o.Author)
	now := s.clock.Now()
	is := &issue{number: int64(len(r.issues) + 1), id: st.id(), title: o.Title, body: o.Body, state: "open",
		user: author, created: now, updated: now}
	for _, l := range o.Labels {
		is.labels = append(is.labels, r.labelOrNew(st, l).name)
	}
	if o.Closed {
		is.state = "closed"
		is.stateReason = "completed"
		is.closed = &now
	}
	r.issues = append(r.issues, is)
	return is.number
}

// AddIssueComment adds a comment to an issue and returns its id.
func (s *Server) AddIssueComment(org, repoName string, number int64, author, body string) int64 {
	defer s.lock()()
	st := s.st
	r := st.mustRepo(org, repoName)
	if number < 1 || int(number) > len(r.issues) {
		panic("ghsim: unknown issue")
	}
	now := s.clock.Now()
	cm := &comment{id: st.id(), body: body, user: st.defaultAuthor(r, author), created: now, updated: now}
	is := r.issues[number-1]
	is.comments = append(is.comments, cm)
	return cm.id
}

func (st *state) defaultAuthor(r *repo, login string) *user {
	if login != "" {
		return st.addUser(login, "User")
	}
	if u := firstOwner(r.org); u != nil {
		return u
	}
	return st.addUser("ghost", "User")
}

// firstOwner is the org's earliest owner, or nil.
func firstOwner(o *org) *user {
	if m := find(sortedMembers(o), func(m *member) bool { return m.owner }); m != nil {
		return m.user
	}
	return nil
}

// AddPull creates a pull request (with its reviews) and returns its number.
func (s *Server) AddPull(org, repoName string, o PullOptions) int64 {
	defer s.lock()()
	st := s.st
	r := st.mustRepo(org, repoName)
	now := s.clock.Now()
	n := int64(len(r.issues) + 1)
	p := &pull{id: st.id(), headSHA: o.HeadSHA, headRef: o.Head, baseRef: o.Base, commits: slices.Clone(o.Commits),
		merged: o.Merged, mergeSHA: o.MergeCommitSHA}
	p.baseRef = cmp.Or(p.baseRef, r.defaultBranch)
	p.headRef = cmp.Or(p.headRef, fmt.Sprintf("patch-%d", n))
	p.headSHA = cmp.Or(p.headSHA, fakeSHA(fmt.Sprintf("%s#%d", r.fullName(), n)))
	is := &issue{number: n, id: st.id(), title: o.Title, state: "open", user: st.defaultAuthor(r, o.Author),
		created: now, updated: now, pull: p}
	if o.Merged {
		at := orTime(o.MergedAt, now)
		p.mergedAt = &at
		is.state = "closed"
		is.closed = &at
		if o.MergedBy != "" {
			p.mergedBy = st.addUser(o.MergedBy, "User")
		}
	}
	for _, rv := range o.Reviews {
		at := orTime(rv.At, now)
		commit := cmp.Or(rv.CommitID, p.headSHA)
		state := cmp.Or(rv.State, "APPROVED")
		p.reviews = append(p.reviews, &review{id: st.id(), user: st.addUser(rv.User, "User"), state: state, body: rv.Body, commitID: commit, submitted: at})
	}
	r.issues = append(r.issues, is)
	return n
}

// AddDeployKey adds a deploy key and returns its id.
func (s *Server) AddDeployKey(org, repoName, title, key string, readOnly bool) int64 {
	defer s.lock()()
	r := s.st.mustRepo(org, repoName)
	k := &deployKey{id: s.st.id(), title: title, key: key, readOnly: readOnly, created: s.clock.Now()}
	r.keys = append(r.keys, k)
	return k.id
}

// AddApp registers a GitHub App (and its bot user "<slug>[bot]"); it
// returns the App id.
func (s *Server) AddApp(o AppOptions) int64 {
	defer s.lock()()
	st := s.st
	id := o.ID
	if id == 0 {
		id = st.id() // only when not given: ids are a sequence
	}
	if st.apps[id] != nil {
		panic(fmt.Sprintf("ghsim: app %d exists", id))
	}
	slug := cmp.Or(o.Slug, fmt.Sprintf("app-%d", id))
	name := cmp.Or(o.Name, slug)
	a := &app{id: id, slug: slug, name: name, key: o.PublicKey, perms: o.Permissions.clone(), create: s.clock.Now()}
	a.bot = st.addUser(slug+"[bot]", "Bot")
	st.apps[id] = a
	return id
}

// SetAppKey replaces an App's public key.
func (s *Server) SetAppKey(appID int64, key *rsa.PublicKey) {
	defer s.lock()()
	a := s.st.apps[appID]
	if a == nil {
		panic("ghsim: unknown app")
	}
	a.key = key
}

// Install installs an App on an org with the given permissions (nil: the
// App's own) on all repositories, or only on repos when some are named.
// It returns the installation id.
func (s *Server) Install(appID int64, org string, perms Permissions, repos ...string) int64 {
	defer s.lock()()
	st := s.st
	a := st.apps[appID]
	if a == nil {
		panic(fmt.Sprintf("ghsim: unknown app %d", appID))
	}
	g := st.mustOrg(org)
	if perms == nil {
		perms = a.perms
	}
	in := &installation{id: st.id(), app: a, org: g, perms: perms.withMetadata(), selection: "all", created: s.clock.Now()}
	if len(repos) > 0 {
		in.selection = "selected"
		in.repos = map[int64]bool{}
		for _, name := range repos {
			in.repos[st.mustRepo(org, name).id] = true
		}
	}
	st.installs[in.id] = in
	return in.id
}

// AddUserToken returns a new token acting as the user (like a personal
// access token or an Actions GITHUB_TOKEN): it sees what the user can see.
func (s *Server) AddUserToken(login string) string {
	defer s.lock()()
	u := s.st.mustUser(login)
	v := newTokenValue("ghp_")
	s.st.tokens[v] = &token{kind: tokenUser, user: u}
	return v
}

// InstallationToken mints an installation token directly (no JWT round
// trip), narrowed like the access_tokens endpoint when perms or repos are
// given. It expires in one hour on the simulator clock.
func (s *Server) InstallationToken(installationID int64, perms Permissions, repos ...string) string {
	defer s.lock()()
	in := s.st.installs[installationID]
	if in == nil {
		panic("ghsim: unknown installation")
	}
	t := &token{kind: tokenInstallation, inst: in, perms: in.perms.clone(), expires: s.clock.Now().Add(time.Hour)}
	if perms != nil {
		t.perms = perms.withMetadata()
	}
	if len(repos) > 0 {
		t.repos = map[int64]bool{}
		for _, name := range repos {
			t.repos[s.st.mustRepo(in.org.login, name).id] = true
		}
	}
	v := newTokenValue("ghs_")
	s.st.tokens[v] = t
	return v
}

// RevokeToken makes a token unknown (its next use gets 401).
func (s *Server) RevokeToken(tok string) {
	defer s.lock()()
	delete(s.st.tokens, tok)
}

func sortedMembers(o *org) []*member {
	return slices.SortedFunc(maps.Values(o.members), func(a, b *member) int { return cmp.Compare(a.user.id, b.user.id) })
}

// orTime is t, or def when t is zero.
func orTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}
