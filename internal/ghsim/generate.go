package ghsim

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
)

// GenSpec sizes a generated organization. Zero fields take the defaults.
type GenSpec struct {
	Org                 string // default "acme"
	Repos               int    // default 10
	DirectCollaborators int    // direct user grants per repository, default 5
	TeamGrants          int    // team grants per repository, default 2
	Teams               int    // default 8
	Protection          bool   // protect every default branch (required checks)
	Rulesets            bool   // one org ruleset and a repository ruleset on some repositories
	Seed                uint64
}

// GenOrg describes what GenerateOrg built, so a benchmark or demo can
// write matching permission files and assert on the end state.
type GenOrg struct {
	Org      string
	BaseRole Role
	Owners   []string
	Members  []string // non-owner members
	Outside  []string // users who are not members (outside collaborators when granted)
	Teams    []GenTeam
	Repos    []GenRepo
	Rulesets []int64 // ids of the rulesets created (org first)
}

// GenTeam is a generated team.
type GenTeam struct {
	Slug    string
	Parent  string
	Members map[string]string // login -> member|maintainer
}

// GenRepo is a generated repository.
type GenRepo struct {
	Name          string
	DefaultBranch string
	Private       bool
	Archived      bool
	Collaborators map[string]Role // direct grants
	Teams         map[string]Role // team grants by slug
	Invitations   map[string]Role // pending invitations
	Protection    *Protection     // on the default branch, or nil
}

// GenerateOrg builds a realistic organization in srv: owners, members,
// outside collaborators, nested teams, direct grants of all five roles,
// team grants, pending invitations, optional protection and rulesets. The
// result is the same for the same spec and seed.
func GenerateOrg(srv *Server, spec GenSpec) *GenOrg {
	spec.Org = cmp.Or(spec.Org, "acme")
	spec.Repos = cmp.Or(spec.Repos, 10)
	spec.DirectCollaborators = cmp.Or(spec.DirectCollaborators, 5)
	spec.TeamGrants = cmp.Or(spec.TeamGrants, 2)
	spec.Teams = cmp.Or(spec.Teams, 8)
	spec.TeamGrants = min(spec.TeamGrants, spec.Teams)
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15))
	g := &GenOrg{Org: spec.Org, BaseRole: RoleRead}

	nMembers := max(20, spec.DirectCollaborators*2)
	nOutside := max(5, spec.DirectCollaborators/2)
	srv.AddOrg(spec.Org, OrgOptions{BaseRole: RoleRead, Plan: PlanTeam})
	for i := range 2 {
		login := fmt.Sprintf("%s-owner%d", spec.Org, i+1)
		srv.AddMember(spec.Org, login, true)
		g.Owners = append(g.Owners, login)
	}
	for i := range nMembers {
		login := fmt.Sprintf("member%03d", i+1)
		srv.AddMember(spec.Org, login, false)
		g.Members = append(g.Members, login)
	}
	for i := range nOutside {
		login := fmt.Sprintf("outside%03d", i+1)
		srv.AddUser(login)
		g.Outside = append(g.Outside, login)
	}

	// Teams: every third team nests under an earlier one.
	for i := range spec.Teams {
		t := GenTeam{Slug: fmt.Sprintf("team-%02d", i+1), Members: map[string]string{}}
		if i%3 == 2 {
			t.Parent = g.Teams[rng.IntN(i)].Slug
		}
		srv.AddTeam(spec.Org, t.Slug, TeamOptions{Parent: t.Parent, Name: fmt.Sprintf("Team %02d", i+1)})
		for _, j := range rng.Perm(nMembers)[:3+rng.IntN(6)] {
			role := "member"
			if rng.IntN(5) == 0 {
				role = "maintainer"
			}
			srv.AddTeamMember(spec.Org, t.Slug, g.Members[j], role)
			t.Members[g.Members[j]] = role
		}
		g.Teams = append(g.Teams, t)
	}

	roles := []Role{RoleRead, RoleRead, RoleTriage, RoleWrite, RoleWrite, RoleWrite, RoleMaintain, RoleAdmin}
	people := slices.Concat(g.Members, g.Outside)
	for i := range spec.Repos {
		r := GenRepo{
			Name: fmt.Sprintf("repo-%04d", i+1), DefaultBranch: "main",
			Private: rng.IntN(10) < 3, Archived: rng.IntN(20) == 0,
			Collaborators: map[string]Role{}, Teams: map[string]Role{}, Invitations: map[string]Role{},
		}
		if rng.IntN(10) == 0 {
			r.DefaultBranch = "master"
		}
		srv.AddRepo(spec.Org, r.Name, RepoOptions{DefaultBranch: r.DefaultBranch, Branches: []string{"dev"}, Private: r.Private, Archived: r.Archived})
		for _, j := range rng.Perm(len(people))[:min(spec.DirectCollaborators, len(people))] {
			role := roles[rng.IntN(len(roles))]
			if j >= len(g.Members) && role == RoleAdmin {
				role = RoleWrite // outsiders rarely hold admin
			}
			r.Collaborators[people[j]] = role
		}
		for _, j := range rng.Perm(spec.Teams)[:spec.TeamGrants] {
			r.Teams[g.Teams[j].Slug] = roles[rng.IntN(len(roles))]
		}
		// Order the writes so the run is deterministic.
		for _, login := range sortedKeys(r.Collaborators) {
			srv.SetCollaborator(spec.Org, r.Name, login, r.Collaborators[login])
		}
		for _, slug := range sortedKeys(r.Teams) {
			srv.SetTeamRepo(spec.Org, slug, r.Name, r.Teams[slug])
		}
		if rng.IntN(25) == 0 {
			for _, o := range g.Outside {
				if _, has := r.Collaborators[o]; !has {
					r.Invitations[o] = RoleWrite
					srv.AddInvitation(spec.Org, r.Name, o, RoleWrite, InvitationOptions{Inviter: g.Owners[0]})
					break
				}
			}
		}
		if spec.Protection {
			p := &Protection{
				RequiredStatusChecks: &RequiredStatusChecks{Strict: rng.IntN(2) == 0, Checks: []StatusCheck{
					{Context: "EasyCLA"}, {Context: "DCO", AppID: 1861}, {Context: "build"},
				}},
				EnforceAdmins:              rng.IntN(2) == 0,
				RequiredPullRequestReviews: &RequiredPullRequestReviews{RequiredApprovingReviewCount: 1 + rng.IntN(2), DismissStaleReviews: rng.IntN(2) == 0},
			}
			srv.SetProtection(spec.Org, r.Name, r.DefaultBranch, p)
			r.Protection = p.clone()
		}
		g.Repos = append(g.Repos, r)
	}
	if spec.Rulesets {
		g.Rulesets = append(g.Rulesets, srv.AddRuleset(spec.Org, "", Ruleset{
			Name: "cla-everywhere", Include: []string{"~DEFAULT_BRANCH"}, RepoInclude: []string{"~ALL"},
			Rules:        []Rule{RequiredStatusChecksRule(false, StatusCheck{Context: "EasyCLA"})},
			BypassActors: []BypassActor{{ActorType: "OrganizationAdmin", BypassMode: "always"}},
		}))
		for i := 0; i < len(g.Repos); i += 10 {
			g.Rulesets = append(g.Rulesets, srv.AddRuleset(spec.Org, g.Repos[i].Name, Ruleset{
				Name: "release-branches", Include: []string{"refs/heads/release/*"},
				Rules: []Rule{PullRequestRule(1, true, true), MergeQueueRule()},
			}))
		}
	}
	return g
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
