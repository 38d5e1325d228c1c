package audit

import (
	"fmt"
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
	weight := map[string]int{}
	spelling := map[string]string{}
	everyone := map[string]bool{}
	var repos []*Repo
	for _, o := range orgs {
		for _, p := range o.People {
			everyone[strings.ToLower(p.Login)] = true
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
	keys := make([]string, 0, len(weight))
	for k := range weight {
		keys = append(keys, k)
	}
	m := Matrix{People: []string{}, Rows: []Row{}, TotalPeople: len(everyone), TotalRepos: len(repos)}
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
	members := map[string]map[string]bool{} // org → members
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
		row := Row{Repo: r.FullName(), Roles: make([]role.Role, len(keys)), Undeclared: make([]bool, len(keys))}
		held := map[string]role.Role{}
		undeclared := map[string]bool{}
		for _, a := range r.Access {
			held[strings.ToLower(a.Login)] = a.Role
			undeclared[strings.ToLower(a.Login)] = a.Undeclared
		}
		for i, k := range keys {
			rl, ok := held[k]
			if !ok && members[strings.ToLower(r.Org)][k] {
				rl = r.BaseRole
			}
			row.Roles[i] = rl
			row.Undeclared[i] = ok && undeclared[k]
		}
		m.Rows = append(m.Rows, row)
	}
	m.Selection = fmt.Sprintf("%d of %s: those who hold write, maintain or admin on at least one repository through a direct grant, an invitation, a team or org ownership; %d of %s.",
		len(m.People), words.Plural(m.TotalPeople, "person"), len(m.Rows), words.Plural(m.TotalRepos, "repository"))
	if m.Truncated {
		m.Selection += fmt.Sprintf(" Limited to %d people (those with the most access) and %d repositories: the per-person and per-repository tables list everyone.", maxPeople, maxRepos)
	}
	return m
}

func beyondBase(a Access) bool {
	for _, s := range a.Sources {
		if s.Kind != SourceBase {
			return true
		}
	}
	return false
}
