package ghsim

import (
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// state is the simulated GitHub: every object the API can show. One
// RWMutex guards all of it; handlers hold it for the whole request so a
// response is always a consistent snapshot.
type state struct {
	mu sync.RWMutex

	nextID int64

	users     map[string]*user // by lower-case login
	usersByID map[int64]*user
	orgs      map[string]*org
	reposByID map[int64]*repo
	teamsByID map[int64]*team
	apps      map[int64]*app
	installs  map[int64]*installation
	tokens    map[string]*token
	rulesets  map[int64]*ruleset
	bprByID   map[int64]*bprRef
}

type bprRef struct {
	repo   *repo
	branch string
}

type user struct {
	id    int64
	login string
	typ   string // User or Bot
	name  string
}

type member struct {
	user  *user
	owner bool
}

// role is the org role: admin (an owner) or member.
func (m *member) role() string {
	if m.owner {
		return "admin"
	}
	return "member"
}

type org struct {
	id       int64
	login    string
	name     string
	baseRole Role // RoleNone for "none"
	plan     Plan
	twoFA    bool
	created  time.Time

	members   map[string]*member // by lower-case login
	teams     map[string]*team   // by slug
	teamOrder []*team
	repos     map[string]*repo // by lower-case name
	repoOrder []*repo          // creation order
	rulesets  []*ruleset
	// userTeams indexes the teams a user belongs to directly, so an
	// effective-role lookup does not scan every team of the org.
	userTeams map[string][]*team
	// directGrants counts, per user, the repositories of the org where the
	// user holds a direct grant: outside collaborators are derived from it.
	directGrants map[string]int
}

type team struct {
	id          int64
	slug        string
	name        string
	description string
	privacy     string
	org         *org
	parent      *team
	children    []*team
	members     map[string]string // lower login -> member|maintainer
	memberOrder []*user
	repos       map[int64]Role
	created     time.Time
}

type repo struct {
	id            int64
	name          string
	org           *org
	private       bool
	visibility    string
	archived      bool
	disabled      bool
	description   string
	defaultBranch string
	branches      []string
	branchSHA     map[string]string
	created       time.Time
	updated       time.Time

	collabs     map[string]Role // direct grants by lower login
	collabUsers map[string]*user
	teams       map[int64]Role
	invitations []*invitation
	inviteLog   []time.Time
	invitesSent int // invitation e-mails sent by PUT collaborator (re-sends included)
	protection  map[string]*Protection
	protIDs     map[string]int64
	rulesets    []*ruleset
	issues      []*issue // index = number-1 (pulls share the sequence)
	labels      []*label
	keys        []*deployKey
	checkSource map[string]int64 // context -> app that last set it
	events      []*event         // oldest first (rest_events.go)
}

type invitation struct {
	id      int64
	invitee *user
	inviter *user
	role    Role
	created time.Time
}

type label struct {
	id          int64
	name        string
	color       string
	description string
}

type issue struct {
	number      int64
	id          int64
	title       string
	body        string
	state       string
	stateReason string
	labels      []string
	user        *user
	app         *app
	comments    []*comment
	created     time.Time
	updated     time.Time
	closed      *time.Time
	pull        *pull
}

type comment struct {
	id      int64
	body    string
	user    *user
	created time.Time
	updated time.Time
}

type pull struct {
	id       int64
	headSHA  string
	headRef  string
	baseRef  string
	mergeSHA string
	commits  []string
	merged   bool
	mergedAt *time.Time
	mergedBy *user
	reviews  []*review
}

type review struct {
	id        int64
	user      *user
	state     string
	body      string
	commitID  string
	submitted time.Time
}

type deployKey struct {
	id       int64
	title    string
	key      string
	readOnly bool
	created  time.Time
}

type app struct {
	id     int64
	slug   string
	name   string
	key    *rsa.PublicKey
	perms  Permissions
	bot    *user
	owner  *org
	create time.Time
}

type installation struct {
	id        int64
	app       *app
	org       *org
	perms     Permissions
	selection string // all | selected
	repos     map[int64]bool
	created   time.Time
}

type tokenKind int

const (
	tokenInstallation tokenKind = iota + 1
	tokenUser
)

type token struct {
	kind    tokenKind
	inst    *installation
	user    *user
	perms   Permissions
	repos   map[int64]bool // nil: every repository the installation reaches
	expires time.Time      // zero: never
}

func newState() *state {
	return &state{
		nextID:    1000,
		users:     map[string]*user{},
		usersByID: map[int64]*user{},
		orgs:      map[string]*org{},
		reposByID: map[int64]*repo{},
		teamsByID: map[int64]*team{},
		apps:      map[int64]*app{},
		installs:  map[int64]*installation{},
		tokens:    map[string]*token{},
		rulesets:  map[int64]*ruleset{},
		bprByID:   map[int64]*bprRef{},
	}
}

func (s *state) id() int64 {
	s.nextID++
	return s.nextID
}

func lower(s string) string { return strings.ToLower(s) }

// nodeID builds GitHub's legacy global id: base64 of "<len>:<Type><id>",
// e.g. "MDQ6VXNlcjE=" for User 1. Query.node decodes it.
func nodeID(typ string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%02d:%s%d", len(typ), typ, id)))
}

func parseNodeID(s string) (typ string, id int64, ok bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", 0, false
	}
	var n int
	str := string(b)
	i := strings.IndexByte(str, ':')
	if i < 0 {
		return "", 0, false
	}
	if _, err := fmt.Sscanf(str[:i], "%d", &n); err != nil || len(str) < i+1+n {
		return "", 0, false
	}
	typ = str[i+1 : i+1+n]
	if _, err := fmt.Sscanf(str[i+1+n:], "%d", &id); err != nil {
		return "", 0, false
	}
	return typ, id, true
}

func (s *state) userByLogin(login string) *user { return s.users[lower(login)] }

func (s *state) org(login string) *org { return s.orgs[lower(login)] }

func (s *state) repo(owner, name string) *repo {
	o := s.org(owner)
	if o == nil {
		return nil
	}
	return o.repos[lower(name)]
}

func (o *org) member(login string) *member { return o.members[lower(login)] }

// teamsOf returns every team whose repository access the user holds: the
// teams they belong to and all their ancestors, since a child team inherits
// its parent's repository access.
func (o *org) teamsOf(login string) []*team {
	direct := o.userTeams[lower(login)]
	if len(direct) == 0 {
		return nil
	}
	seen := map[*team]bool{}
	var out []*team
	for _, t := range direct {
		for a := t; a != nil; a = a.parent {
			if seen[a] {
				break
			}
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// accessSource is one reason a user holds a role on a repository.
type accessSource struct {
	kind string // repository | team | organization
	team *team
	role Role
}

// access returns the user's effective role on the repository (the highest
// of every source) and the sources themselves.
func (s *state) access(r *repo, u *user) (Role, []accessSource) {
	var best Role
	var src []accessSource
	k := lower(u.login)
	if role, ok := r.collabs[k]; ok {
		best = maxRole(best, role)
		src = append(src, accessSource{kind: "repository", role: role})
	}
	o := r.org
	for _, t := range o.teamsOf(u.login) {
		if role, ok := r.teams[t.id]; ok {
			best = maxRole(best, role)
			src = append(src, accessSource{kind: "team", team: t, role: role})
		}
	}
	if m := o.member(u.login); m != nil {
		role := o.baseRole
		if m.owner {
			role = RoleAdmin
		}
		if role != RoleNone {
			best = maxRole(best, role)
			src = append(src, accessSource{kind: "organization", role: role})
		}
	}
	return best, src
}

// repoUsers lists every user with any access to the repository, in user id
// order (GitHub pages collaborators in a stable order).
func (s *state) repoUsers(r *repo, affiliation string) []*user {
	set := map[*user]bool{}
	for k := range r.collabs {
		u := r.collabUsers[k]
		if affiliation == "outside" && r.org.member(u.login) != nil {
			continue
		}
		set[u] = true
	}
	if affiliation == "all" {
		for tid := range r.teams {
			t := s.teamsByID[tid]
			for _, u := range t.allMembers() {
				set[u] = true
			}
		}
		for _, m := range r.org.members {
			if m.owner || r.org.baseRole != RoleNone {
				set[m.user] = true
			}
		}
	}
	out := slices.Collect(maps.Keys(set))
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// allMembers returns the team's members and those of every descendant, as
// GitHub's team member listing documents.
func (t *team) allMembers() []*user {
	seen := map[*user]bool{}
	var out []*user
	var walk func(*team)
	walk = func(x *team) {
		for _, u := range x.memberOrder {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(t)
	return out
}

// teamRole reports a member's role in a team, looking through child teams
// for inherited members (who count as plain members).
func (t *team) roleOf(login string) (string, bool) {
	if r, ok := t.members[lower(login)]; ok {
		return r, true
	}
	for _, c := range t.children {
		if _, ok := c.roleOf(login); ok {
			return "member", true
		}
	}
	return "", false
}

func (s *state) setGrant(r *repo, u *user, role Role) {
	k := lower(u.login)
	if _, had := r.collabs[k]; !had {
		r.org.directGrants[k]++
	}
	r.collabs[k] = role
	r.collabUsers[k] = u
}

func (s *state) removeGrant(r *repo, u *user) bool {
	k := lower(u.login)
	if _, had := r.collabs[k]; !had {
		return false
	}
	delete(r.collabs, k)
	delete(r.collabUsers, k)
	r.org.directGrants[k]--
	if r.org.directGrants[k] <= 0 {
		delete(r.org.directGrants, k)
	}
	return true
}

// find is the first item of list that keep accepts, or nil.
func find[T any](list []*T, keep func(*T) bool) *T {
	if i := slices.IndexFunc(list, keep); i >= 0 {
		return list[i]
	}
	return nil
}

func (r *repo) invitationFor(u *user) *invitation {
	return find(r.invitations, func(inv *invitation) bool { return inv.invitee == u })
}

func (r *repo) hasBranch(b string) bool { return slices.Contains(r.branches, b) }

func (r *repo) fullName() string { return r.org.login + "/" + r.name }

func (r *repo) label(name string) *label {
	return find(r.labels, func(l *label) bool { return strings.EqualFold(l.name, name) })
}

// labelOrNew is the label, created grey when missing (as GitHub does for an
// issue naming one).
func (r *repo) labelOrNew(st *state, name string) *label {
	if l := r.label(name); l != nil {
		return l
	}
	l := &label{id: st.id(), name: name, color: "ededed"}
	r.labels = append(r.labels, l)
	return l
}

func (r *repo) deleteFromState(s *state) {
	o := r.org
	for k := range r.collabs {
		s.removeGrant(r, r.collabUsers[k])
	}
	for tid := range r.teams {
		if t := s.teamsByID[tid]; t != nil {
			delete(t.repos, r.id)
		}
	}
	delete(o.repos, lower(r.name))
	// A copy: a listing being paged may still hold the old slice.
	o.repoOrder = slices.DeleteFunc(slices.Clone(o.repoOrder), func(x *repo) bool { return x == r })
	for _, rs := range r.rulesets {
		delete(s.rulesets, rs.id)
	}
	for _, id := range r.protIDs {
		delete(s.bprByID, id)
	}
	delete(s.reposByID, r.id)
}

func fakeSHA(seed string) string {
	h := fnv64(seed)
	return fmt.Sprintf("%016x%016x%08x", h, fnv64(seed+"#"), uint32(h>>7))
}

func fnv64(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}
