package audit

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// Default bounds of the matrix.
const (
	DefaultMatrixPeople = 150
	DefaultMatrixRepos  = 2000
)

// buildMatrix selects the people who hold write or above somewhere through
// something other than the base role, and shows each one's effective role
// on every repository.
func buildMatrix(orgs []*Org, maxPeople, maxRepos int) Matrix {
	if maxPeople <= 0 {
		maxPeople = DefaultMatrixPeople
	}
	if maxRepos <= 0 {
		maxRepos = DefaultMatrixRepos
	}
	repos, weight, spelling, everyone := matrixCandidates(orgs)
	m := Matrix{People: []string{}, Rows: []Row{}, TotalPeople: everyone, TotalRepos: len(repos)}
	keys := slices.Collect(maps.Keys(weight))
	if len(keys) > maxPeople {
		sort.Slice(keys, func(i, j int) bool {
			if weight[keys[i]] != weight[keys[j]] {
				return weight[keys[i]] > weight[keys[j]]
			}
			return keys[i] < keys[j]
		})
		keys = keys[:maxPeople]
		m.Truncated = true
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.People = append(m.People, spelling[k])
	}
	sort.SliceStable(repos, func(i, j int) bool { return state.LessFold(repos[i].FullName(), repos[j].FullName()) })
	if len(repos) > maxRepos {
		repos = repos[:maxRepos]
		m.Truncated = true
	}
	members := map[string]map[string]bool{} // org → members below owner
	for _, o := range orgs {
		set := map[string]bool{}
		for _, p := range o.People {
			if p.Member && !p.Owner {
				set[strings.ToLower(p.Login)] = true
			}
		}
		members[strings.ToLower(o.Name)] = set
	}
	for _, r := range repos {
		m.Rows = append(m.Rows, matrixRow(r, keys, members[strings.ToLower(r.Org)]))
	}
	m.Selection = fmt.Sprintf("%d of %s: those who hold write, maintain or admin on at least one repository through a direct grant, an invitation, a team or org ownership; %d of %s.",
		len(m.People), words.Plural(m.TotalPeople, "person"), len(m.Rows), words.Plural(m.TotalRepos, "repository"))
	if m.Truncated {
		m.Selection += fmt.Sprintf(" Limited to %d people (those with the most access) and %d repositories: the per-person and per-repository tables list everyone.", maxPeople, maxRepos)
	}
	return m
}

// matrixCandidates are the repositories to show, and the people who hold
// write or above beyond the base role somewhere, weighted by how much (by
// lower-case login, with their spelling); everyone counts every person.
func matrixCandidates(orgs []*Org) (repos []*Repo, weight map[string]int, spelling map[string]string, everyone int) {
	weight, spelling = map[string]int{}, map[string]string{}
	all := map[string]bool{}
	for _, o := range orgs {
		for _, p := range o.People {
			all[strings.ToLower(p.Login)] = true
		}
		for _, r := range o.Repos {
			if r.ReadError != "" && len(r.Access) == 0 {
				continue // not on GitHub: nothing to show
			}
			repos = append(repos, r)
			for _, a := range r.Access {
				if a.Role < role.Write || !beyondBase(a) {
					continue
				}
				k := strings.ToLower(a.Login)
				spelling[k] = a.Login
				weight[k] += int(a.Role - role.Triage) // write 1, maintain 2, admin 3
			}
		}
	}
	return repos, weight, spelling, len(all)
}

// matrixRow is r's roles for the people keys (lower-case logins); members
// are the org's members below owner, who hold the base role.
func matrixRow(r *Repo, keys []string, members map[string]bool) Row {
	row := Row{Repo: r.FullName(), Roles: make([]role.Role, len(keys)), Undeclared: make([]bool, len(keys))}
	held := map[string]Access{}
	for _, a := range r.Access {
		held[strings.ToLower(a.Login)] = a
	}
	for i, k := range keys {
		a, ok := held[k]
		row.Roles[i] = a.Role
		if !ok && members[k] {
			row.Roles[i] = r.BaseRole
		}
		row.Undeclared[i] = ok && a.Undeclared
	}
	return row
}

func beyondBase(a Access) bool {
	for _, s := range a.Sources {
		if s.Kind != SourceBase {
			return true
		}
	}
	return false
}
