package ghsim

import (
	"slices"
)

// Inspection methods return deep copies: end-state assertions cannot race
// with, or change, the running server.

// Collaborators returns the direct grants on a repository, by canonical login.
func (s *Server) Collaborators(org, repoName string) map[string]Role {
	defer s.rlock()()
	r := s.st.mustRepo(org, repoName)
	out := make(map[string]Role, len(r.collabs))
	for k, role := range r.collabs {
		out[r.collabUsers[k].login] = role
	}
	return out
}

// EffectiveRole returns the user's highest role on the repository from any
// source (direct, team, base role, ownership).
func (s *Server) EffectiveRole(org, repoName, login string) Role {
	defer s.rlock()()
	r := s.st.mustRepo(org, repoName)
	u := s.st.userByLogin(login)
	if u == nil {
		return RoleNone
	}
	role, _ := s.st.access(r, u)
	return role
}

// Invitations returns the repository's invitations, oldest first.
func (s *Server) Invitations(org, repoName string) []Invitation {
	defer s.rlock()()
	r := s.st.mustRepo(org, repoName)
	now := s.clock.Now()
	return each(r.invitations, func(inv *invitation) Invitation {
		return Invitation{ID: inv.id, Invitee: inv.invitee.login, Inviter: inv.inviter.login, Role: inv.role,
			CreatedAt: inv.created, Expired: !now.Before(inv.created.Add(invitationTTL))}
	})
}

// TeamRepos returns the team grants on a repository, by team slug.
func (s *Server) TeamRepos(org, repoName string) map[string]Role {
	defer s.rlock()()
	r := s.st.mustRepo(org, repoName)
	out := map[string]Role{}
	for tid, role := range r.teams {
		out[s.st.teamsByID[tid].slug] = role
	}
	return out
}

// EffectiveTeamRepos returns every team's role on a repository including
// what it inherits from its parent teams (what GitHub's check endpoint
// answers), by slug.
func (s *Server) EffectiveTeamRepos(org, repoName string) map[string]Role {
	defer s.rlock()()
	r := s.st.mustRepo(org, repoName)
	out := map[string]Role{}
	for _, t := range r.org.teamOrder {
		if role := teamRoleOn(t, r); role != RoleNone {
			out[t.slug] = role
		}
	}
	return out
}

// InvitationsSent counts the invitations PUT collaborator sent on a
// repository, a repeated PUT to a pending invitation included (GitHub
// notifies the invitee again).
func (s *Server) InvitationsSent(org, repoName string) int {
	defer s.rlock()()
	return s.st.mustRepo(org, repoName).invitesSent
}

// TeamMembers returns a team's direct members and their team roles.
func (s *Server) TeamMembers(org, slug string) map[string]string {
	defer s.rlock()()
	t := s.st.mustTeam(s.st.mustOrg(org), slug)
	out := map[string]string{}
	for _, u := range t.memberOrder {
		out[u.login] = t.members[lower(u.login)]
	}
	return out
}

// Protection returns a copy of a branch's protection, or nil.
func (s *Server) Protection(org, repoName, branch string) *Protection {
	defer s.rlock()()
	return s.st.mustRepo(org, repoName).protection[branch].clone()
}

// Rulesets returns the rulesets of a repository, or of the org when
// repoName is empty.
func (s *Server) Rulesets(org, repoName string) []Ruleset {
	defer s.rlock()()
	var list []*ruleset
	if repoName == "" {
		list = s.st.mustOrg(org).rulesets
	} else {
		list = s.st.mustRepo(org, repoName).rulesets
	}
	return each(list, func(x *ruleset) Ruleset { return cloneRuleset(x.def) })
}

// Issues returns the repository's issues (not pull requests), by number.
func (s *Server) Issues(org, repoName string) []Issue {
	defer s.rlock()()
	r := s.st.mustRepo(org, repoName)
	var out []Issue
	for _, is := range r.issues {
		if is.pull != nil {
			continue
		}
		x := Issue{Number: is.number, Title: is.title, Body: is.body, State: is.state, StateReason: is.stateReason,
			Labels: slices.Clone(is.labels), Author: is.user.login}
		for _, c := range is.comments {
			x.Comments = append(x.Comments, Comment{ID: c.id, Author: c.user.login, Body: c.body})
		}
		out = append(out, x)
	}
	return out
}

// Members returns org members and whether each is an owner.
func (s *Server) Members(org string) map[string]bool {
	defer s.rlock()()
	o := s.st.mustOrg(org)
	out := map[string]bool{}
	for _, m := range o.members {
		out[m.user.login] = m.owner
	}
	return out
}

// Repos lists the org's repository names in creation order.
func (s *Server) Repos(org string) []string {
	defer s.rlock()()
	return each(s.st.mustOrg(org).repoOrder, func(r *repo) string { return r.name })
}

// DeployKeys lists a repository's deploy keys.
func (s *Server) DeployKeys(org, repoName string) []DeployKey {
	defer s.rlock()()
	return each(s.st.mustRepo(org, repoName).keys, func(k *deployKey) DeployKey {
		return DeployKey{ID: k.id, Title: k.title, Key: k.key, ReadOnly: k.readOnly}
	})
}

// Teams lists an org's team slugs, sorted.
func (s *Server) Teams(org string) []string {
	defer s.rlock()()
	out := each(s.st.mustOrg(org).teamOrder, func(t *team) string { return t.slug })
	slices.Sort(out)
	return out
}
