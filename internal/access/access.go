// Package access owns who holds what on a repository and through which
// source: the holders of a repository (a direct grant, a pending invitation,
// a team, org ownership, the org base role), the admins the min_admins and
// max_admins rules count, and a repository as a set of grant changes would
// leave it. Plans (effects, guardrails, standing breaches) and the audit
// compute access through it, so they cannot disagree.
//
// An Org indexes a state.Org by identity once (lower-cased logins and slugs,
// members as a set, repositories by name), so a plan of N repositories costs
// O(N), not a scan of every list per repository and change. It is pure and
// read-only once built: safe for concurrent use. It describes the state.Org
// as it was when Index was called.
package access

import (
	"fmt"
	"sort"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Key is the identity of a login, slug or repository name: GitHub compares
// them case-insensitively.
func Key(s string) string { return strings.ToLower(s) }

// Org is a state.Org indexed by identity.
type Org struct {
	State   *state.Org
	repos   map[string]*state.Repo
	teams   map[string]*state.Team
	members map[string]bool // owners included
	owners  map[string]bool
	// orgWide spells, by Key, everyone who holds every repository of the
	// org (an owner, or a member when there is a base role) as Holders
	// first meets them.
	orgWide map[string]string
	// teamMembers holds each team's members as a set (children's members
	// included, as state.Team.Members has them), built on first need.
	teamMembers map[string]map[string]bool
	children    map[string][]*state.Team // child teams by Key(parent slug), by slug
}

// Index indexes o. Where a list holds the same identity twice, the first
// entry wins, as a scan would find it.
func Index(o *state.Org) *Org {
	x := &Org{State: o, repos: make(map[string]*state.Repo, len(o.Repos)), teams: make(map[string]*state.Team, len(o.Teams)),
		members: make(map[string]bool, len(o.Members)+len(o.Owners)), owners: make(map[string]bool, len(o.Owners)),
		teamMembers: make(map[string]map[string]bool, len(o.Teams))}
	for _, r := range o.Repos {
		if k := Key(r.Name); x.repos[k] == nil {
			x.repos[k] = r
		}
	}
	for _, t := range o.Teams {
		k := Key(t.Slug)
		if x.teams[k] != nil {
			continue
		}
		x.teams[k] = t
		set := make(map[string]bool, len(t.Members))
		for _, m := range t.Members {
			set[Key(m)] = true
		}
		x.teamMembers[k] = set
	}
	x.children = map[string][]*state.Team{}
	for _, t := range o.Teams {
		if t.Parent != "" {
			x.children[Key(t.Parent)] = append(x.children[Key(t.Parent)], t)
		}
	}
	for _, cs := range x.children {
		sort.Slice(cs, func(i, j int) bool { return state.LessFold(cs[i].Slug, cs[j].Slug) })
	}
	for _, m := range o.Members {
		x.members[Key(m)] = true
	}
	x.orgWide = map[string]string{}
	for _, m := range o.Owners {
		x.owners[Key(m)] = true
		x.members[Key(m)] = true
		if _, ok := x.orgWide[Key(m)]; !ok {
			x.orgWide[Key(m)] = m
		}
	}
	if o.BaseRole != role.None {
		for _, m := range o.Members {
			if _, ok := x.orgWide[Key(m)]; !ok {
				x.orgWide[Key(m)] = m
			}
		}
	}
	return x
}

// Repo returns the repository of that name, or nil.
func (x *Org) Repo(name string) *state.Repo { return x.repos[Key(name)] }

// Team returns the team with that slug, or nil.
func (x *Org) Team(slug string) *state.Team { return x.teams[Key(slug)] }

// IsMember reports whether login is an org member (owners are members).
func (x *Org) IsMember(login string) bool { return x.members[Key(login)] }

// IsOwner reports whether login is an org owner.
func (x *Org) IsOwner(login string) bool { return x.owners[Key(login)] }

// InTeam reports whether login is a member of the team slug (directly or
// through a child team).
func (x *Org) InTeam(slug, login string) bool { return x.teamMembers[Key(slug)][Key(login)] }

// Via is the chain of child teams through which login is a member of the
// team slug, outermost first (nil when they are in it directly, as far as
// GitHub shows). Where two children hold them, the first by slug is taken.
func (x *Org) Via(slug, login string) []string {
	var chain []string
	seen := map[string]bool{}
	for cur := Key(slug); !seen[cur]; {
		seen[cur] = true
		next := ""
		for _, c := range x.children[cur] {
			if x.InTeam(c.Slug, login) {
				next = c.Slug
				break
			}
		}
		if next == "" {
			break
		}
		chain = append(chain, next)
		cur = Key(next)
	}
	return chain
}

// Source kinds.
const (
	Direct     = "direct"
	Invitation = "invitation"
	ViaTeam    = "team"
	Owner      = "owner"
	Base       = "base"
)

// Source is one road to access.
type Source struct {
	Kind string    `json:"kind"` // Direct, Invitation, ViaTeam, Owner, Base
	Team string    `json:"team,omitempty"`
	Role role.Role `json:"role"`
}

func (s Source) String() string {
	switch s.Kind {
	case ViaTeam:
		return fmt.Sprintf("team %s (%s)", s.Team, s.Role)
	case Owner:
		return "org owner (admin)"
	case Base:
		return fmt.Sprintf("org base role (%s)", s.Role)
	case Invitation:
		return fmt.Sprintf("pending invitation (%s)", s.Role)
	}
	return fmt.Sprintf("direct (%s)", s.Role)
}

// Access is one person's effective role on a repository and every source
// of it, in the order: direct, invitations, teams (as the repository lists
// them), ownership, base role.
type Access struct {
	Login   string
	Role    role.Role
	Sources []Source
}

func (a *Access) add(s Source) {
	a.Sources = append(a.Sources, s)
	if s.Role > a.Role {
		a.Role = s.Role
	}
}

// Holders computes, for every person with access to r, their highest role
// and its sources. Pending invitations count as holding the invited role
// (expired ones grant nothing). Keys are Key(login).
func (x *Org) Holders(r *state.Repo) map[string]*Access {
	out := x.grantHolders(r, nil)
	person := func(login string) *Access {
		acc := out[Key(login)]
		if acc == nil {
			acc = &Access{Login: login}
			out[Key(login)] = acc
		}
		return acc
	}
	for _, o := range x.State.Owners {
		person(o).add(Source{Kind: Owner, Role: role.Admin})
	}
	if x.State.BaseRole != role.None {
		for _, m := range x.State.Members {
			if !x.IsOwner(m) {
				person(m).add(Source{Kind: Base, Role: x.State.BaseRole})
			}
		}
	}
	return out
}

// grantHolders is Holders through the repository's own grants only:
// direct, invitation and team; when among is not nil, only of the people
// (Keys) it holds.
func (x *Org) grantHolders(r *state.Repo, among map[string]bool) map[string]*Access {
	out := map[string]*Access{}
	add := func(login string, s Source) {
		k := Key(login)
		if among != nil && !among[k] {
			return
		}
		acc := out[k]
		if acc == nil {
			acc = &Access{Login: login}
			out[k] = acc
		}
		acc.add(s)
	}
	for _, u := range r.Users {
		add(u.Login, Source{Kind: Direct, Role: u.Role})
	}
	for _, inv := range r.Invitations {
		if !inv.Expired {
			add(inv.Login, Source{Kind: Invitation, Role: inv.Role})
		}
	}
	for _, t := range r.Teams {
		if team := x.Team(t.Slug); team != nil {
			for _, m := range team.Members {
				add(m, Source{Kind: ViaTeam, Team: t.Slug, Role: t.Role})
			}
		}
	}
	return out
}

// addOrgSources adds to acc (the person Key k) the sources that hold on
// every repository of the org: ownership, else the base role.
func (x *Org) addOrgSources(acc *Access, k string) {
	switch {
	case x.owners[k]:
		acc.add(Source{Kind: Owner, Role: role.Admin})
	case x.members[k] && x.State.BaseRole != role.None:
		acc.add(Source{Kind: Base, Role: x.State.BaseRole})
	}
}

// Delta is one person whose role differs between two states of a
// repository; Before or After is nil where they hold nothing.
type Delta struct {
	Login         string
	Before, After *Access
}

// Changed lists, by Key(login), the people whose effective role differs
// between before and after, two states of one repository of x where after
// is After(before, changes). Ownership and the base role are the same in
// both, and a change can only move the people it names or the members of the
// team it names: only they are compared, so the cost is that of the changes
// and the repository's grants, not of the org's members.
func (x *Org) Changed(before, after *state.Repo, changes []Change) []Delta {
	among := map[string]bool{}
	ids := map[int64]bool{}
	for _, c := range changes {
		switch c.Op {
		case AddTeam, SetTeam, RemoveTeam:
			for m := range x.teamMembers[Key(c.Name)] {
				among[m] = true
			}
		case SetInvitation, CancelInvitation:
			ids[c.InvitationID] = true
			among[Key(c.Name)] = true
		default:
			among[Key(c.Name)] = true
		}
	}
	for _, inv := range before.Invitations {
		if ids[inv.ID] {
			among[Key(inv.Login)] = true
		}
	}
	if len(among) == 0 {
		return nil
	}
	b, a := x.grantHolders(before, among), x.grantHolders(after, among)
	keys := make([]string, 0, len(among))
	for k := range among {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Delta
	for _, k := range keys {
		bk, ak := b[k], a[k]
		if login, ok := x.orgWide[k]; ok {
			// They hold the repository through the org on both sides.
			if bk == nil {
				bk = &Access{Login: login}
			}
			if ak == nil {
				ak = &Access{Login: login}
			}
		}
		for _, acc := range []*Access{bk, ak} {
			if acc != nil {
				x.addOrgSources(acc, k)
			}
		}
		var br, ar role.Role
		login := k
		if bk != nil {
			br, login = bk.Role, bk.Login
		}
		if ak != nil {
			ar, login = ak.Role, ak.Login
		}
		if br != ar {
			out = append(out, Delta{Login: login, Before: bk, After: ak})
		}
	}
	return out
}

// Admins are the distinct people holding admin on a repository through a
// grant, as the min_admins and max_admins rules count them. Org owners are
// not counted unless they hold such a grant. Each list is sorted by Key.
type Admins struct {
	// All: direct admins, members of admin teams and pending admin invitees.
	All []string
	// ForMax: All but the expected owners (max_admins).
	ForMax []string
	// ForMin: direct admins and members of admin teams, pending invitations
	// left out (min_admins).
	ForMin []string
}

// Admins counts r's admins; expectedOwner says whom the org file lists in
// expected_owners (nil: nobody).
func (x *Org) Admins(r *state.Repo, expectedOwner func(login string) bool) Admins {
	// The spelling kept is the last seen, per list.
	type person struct {
		login, grantedLogin string
		notExpected         bool
	}
	set := map[string]*person{}
	var order []string
	add := func(login string, granted bool) {
		k := Key(login)
		p := set[k]
		if p == nil {
			p = &person{notExpected: expectedOwner == nil || !expectedOwner(login)}
			set[k] = p
			order = append(order, k)
		}
		p.login = login
		if granted {
			p.grantedLogin = login
		}
	}
	for _, u := range r.Users {
		if u.Role == role.Admin {
			add(u.Login, true)
		}
	}
	for _, t := range r.Teams {
		if t.Role != role.Admin {
			continue
		}
		if team := x.Team(t.Slug); team != nil {
			for _, m := range team.Members {
				add(m, true)
			}
		}
	}
	for _, inv := range r.Invitations {
		if inv.Role == role.Admin && !inv.Expired {
			add(inv.Login, false)
		}
	}
	sort.Strings(order)
	out := Admins{All: make([]string, 0, len(order)), ForMax: []string{}, ForMin: []string{}}
	for _, k := range order {
		p := set[k]
		out.All = append(out.All, p.login)
		if p.notExpected {
			out.ForMax = append(out.ForMax, p.login)
		}
		if p.grantedLogin != "" {
			out.ForMin = append(out.ForMin, p.grantedLogin)
		}
	}
	return out
}
