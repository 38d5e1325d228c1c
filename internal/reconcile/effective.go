package reconcile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Access is one person's effective role on a repository and every source of it.
type Access struct {
	Login   string
	Role    role.Role
	Sources []Source
}

// Source is one road to access: a direct grant, a pending invitation, a
// team, org ownership or the org base role.
type Source struct {
	Kind string    `json:"kind"` // direct, invitation, team, owner, base
	Team string    `json:"team,omitempty"`
	Role role.Role `json:"role"`
}

func (s Source) String() string {
	switch s.Kind {
	case "team":
		return fmt.Sprintf("team %s (%s)", s.Team, s.Role)
	case "owner":
		return "org owner (admin)"
	case "base":
		return fmt.Sprintf("org base role (%s)", s.Role)
	case "invitation":
		return fmt.Sprintf("pending invitation (%s)", s.Role)
	}
	return fmt.Sprintf("direct (%s)", s.Role)
}

// EffectiveAccess computes, for every person with access to r, their highest
// role and its sources. Pending invitations count as holding the invited
// role, as they do throughout a plan. Keys are lower-case logins.
func EffectiveAccess(a *state.Org, r *state.Repo) map[string]*Access {
	out := map[string]*Access{}
	add := func(login string, s Source) {
		k := strings.ToLower(login)
		acc := out[k]
		if acc == nil {
			acc = &Access{Login: login}
			out[k] = acc
		}
		acc.Sources = append(acc.Sources, s)
		if s.Role > acc.Role {
			acc.Role = s.Role
		}
	}
	for _, u := range r.Users {
		add(u.Login, Source{Kind: "direct", Role: u.Role})
	}
	for _, inv := range r.Invitations {
		if !inv.Expired {
			add(inv.Login, Source{Kind: "invitation", Role: inv.Role})
		}
	}
	for _, t := range r.Teams {
		if team := a.Team(t.Slug); team != nil {
			for _, m := range team.Members {
				add(m, Source{Kind: "team", Team: t.Slug, Role: t.Role})
			}
		}
	}
	for _, o := range a.Owners {
		add(o, Source{Kind: "owner", Role: role.Admin})
	}
	if a.BaseRole != role.None {
		for _, m := range a.Members {
			if !a.IsOwner(m) {
				add(m, Source{Kind: "base", Role: a.BaseRole})
			}
		}
	}
	return out
}

// simulate returns r as it would be after the plan's grant changes to it.
func simulate(a *state.Org, r *state.Repo, changes []Change, org, repo string) *state.Repo {
	after := *r
	after.Users = append([]state.UserGrant(nil), r.Users...)
	after.Invitations = append([]state.Invitation(nil), r.Invitations...)
	after.Teams = append([]state.TeamGrant(nil), r.Teams...)
	for _, c := range changes {
		if !sameRepo(c, org, repo) {
			continue
		}
		switch c.Kind {
		case UserAdd:
			if c.Invite {
				after.Invitations = append(after.Invitations, state.Invitation{Login: c.User, Role: c.After})
			} else {
				after.Users = append(after.Users, state.UserGrant{Login: c.User, Role: c.After})
			}
		case UserChange:
			for i := range after.Users {
				if strings.EqualFold(after.Users[i].Login, c.User) {
					after.Users[i].Role, after.Users[i].RoleName = c.After, ""
				}
			}
		case UserRemove:
			after.Users = dropUser(after.Users, c.User)
		case InvitationChange, InvitationResend:
			for i := range after.Invitations {
				if after.Invitations[i].ID == c.InvitationID {
					after.Invitations[i].Role, after.Invitations[i].Expired = c.After, false
				}
			}
		case InvitationCancel:
			var keep []state.Invitation
			for _, inv := range after.Invitations {
				if inv.ID != c.InvitationID {
					keep = append(keep, inv)
				}
			}
			after.Invitations = keep
		case TeamAdd:
			after.Teams = append(after.Teams, state.TeamGrant{Slug: c.Team, Role: c.After})
		case TeamChange:
			for i := range after.Teams {
				if strings.EqualFold(after.Teams[i].Slug, c.Team) {
					after.Teams[i].Role, after.Teams[i].RoleName = c.After, ""
				}
			}
		case TeamRemove:
			var keep []state.TeamGrant
			for _, t := range after.Teams {
				if !strings.EqualFold(t.Slug, c.Team) {
					keep = append(keep, t)
				}
			}
			after.Teams = keep
		}
	}
	return &after
}

func dropUser(us []state.UserGrant, login string) []state.UserGrant {
	var keep []state.UserGrant
	for _, u := range us {
		if !strings.EqualFold(u.Login, login) {
			keep = append(keep, u)
		}
	}
	return keep
}

// Effects lists who gains or loses write, maintain or admin on each
// repository the plan touches, and through which source.
func Effects(p *Plan, in Input) []Effect {
	out := []Effect{}
	for _, key := range touchedRepos(p) {
		org, repo, _ := strings.Cut(key, "/")
		a := in.actual(org)
		r := repoOf(in, org, repo)
		if a == nil || r == nil {
			continue
		}
		before := EffectiveAccess(a, r)
		after := EffectiveAccess(a, simulate(a, r, p.Changes, org, repo))
		logins := map[string]bool{}
		for k := range before {
			logins[k] = true
		}
		for k := range after {
			logins[k] = true
		}
		keys := make([]string, 0, len(logins))
		for k := range logins {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b, aft := before[k], after[k]
			var br, ar role.Role
			login := k
			if b != nil {
				br, login = b.Role, b.Login
			}
			if aft != nil {
				ar, login = aft.Role, aft.Login
			}
			if br == ar || (br < role.Write && ar < role.Write) {
				continue
			}
			out = append(out, Effect{Org: org, Repo: r.Name, Login: login, Before: br, After: ar,
				SourcesBefore: sourceStrings(b), SourcesAfter: sourceStrings(aft)})
		}
	}
	return out
}

func sourceStrings(a *Access) []string {
	out := []string{}
	if a == nil {
		return out
	}
	for _, s := range a.Sources {
		out = append(out, s.String())
	}
	return out
}
