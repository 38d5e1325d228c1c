package reconcile

import (
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/access"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// grantChange is what c does to its repository's grants, if anything.
func (c Change) grantChange() (access.Change, bool) {
	g := access.Change{Role: c.After, InvitationID: c.InvitationID, Name: c.User}
	switch c.Kind {
	case UserAdd:
		g.Op = access.AddUser
		if c.Invite {
			g.Op = access.InviteUser
		}
	case UserChange:
		g.Op = access.SetUser
	case UserRemove:
		g.Op = access.RemoveUser
	case InvitationChange, InvitationResend:
		g.Op = access.SetInvitation
	case InvitationCancel:
		g.Op = access.CancelInvitation
	case TeamAdd:
		g.Op, g.Name = access.AddTeam, c.Team
	case TeamChange:
		g.Op, g.Name = access.SetTeam, c.Team
	case TeamRemove:
		g.Op, g.Name = access.RemoveTeam, c.Team
	default:
		return access.Change{}, false
	}
	return g, true
}

// grantChanges is what the changes p.Changes[idx] (one repository's) do
// to its grants.
func grantChanges(changes []Change, idx []int) []access.Change {
	gs := make([]access.Change, 0, len(idx))
	for _, i := range idx {
		if g, ok := changes[i].grantChange(); ok {
			gs = append(gs, g)
		}
	}
	return gs
}

// simulate returns r as it would be after the grant changes among
// p.Changes[idx] (one repository's).
func simulate(r *state.Repo, changes []Change, idx []int) *state.Repo {
	return access.After(r, grantChanges(changes, idx))
}

// repoChanges groups the indexes of changes by repository (lower-case
// "org/repo"), in the plan's order, and lists the repositories in the order
// they first appear.
func repoChanges(changes []Change, keep func(Change) bool) (byRepo map[string][]int, order []string) {
	byRepo = map[string][]int{}
	for i, c := range changes {
		if keep != nil && !keep(c) {
			continue
		}
		k := strings.ToLower(c.Org + "/" + c.Repo)
		if _, ok := byRepo[k]; !ok {
			order = append(order, c.Org+"/"+c.Repo)
		}
		byRepo[k] = append(byRepo[k], i)
	}
	return byRepo, order
}

// Effects lists who gains or loses write, maintain or admin on each
// repository the plan touches, and through which source.
func Effects(p *Plan, in Input) []Effect {
	in = in.indexed()
	out := []Effect{}
	byRepo, touched := repoChanges(p.Changes, nil)
	for _, key := range touched {
		org, repo, _ := strings.Cut(key, "/")
		x := in.access(org)
		if x == nil || x.Repo(repo) == nil {
			continue
		}
		r := x.Repo(repo)
		k, idx := strings.ToLower(key), byRepo[strings.ToLower(key)]
		for _, d := range x.Changed(r, in.afterPlan(k, r, p, idx), grantChanges(p.Changes, idx)) {
			var br, ar role.Role
			if d.Before != nil {
				br = d.Before.Role
			}
			if d.After != nil {
				ar = d.After.Role
			}
			if br < role.Write && ar < role.Write {
				continue
			}
			out = append(out, Effect{Org: org, Repo: r.Name, Login: d.Login, Before: br, After: ar,
				SourcesBefore: sourceStrings(d.Before), SourcesAfter: sourceStrings(d.After)})
		}
	}
	return out
}

func sourceStrings(a *access.Access) []string {
	out := []string{}
	if a == nil {
		return out
	}
	for _, s := range a.Sources {
		out = append(out, s.String())
	}
	return out
}
