package reconcile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// Target is one org and the repositories of it to plan for.
type Target struct {
	Org   *config.Org
	Repos []*config.Repo
}

// Select picks the orgs and repositories a run covers. org filters by org
// name; repos by "repo" or "org/repo" (case-insensitive). A name that has no
// file is an error, so a typo never silently plans nothing. Repositories in
// ignore_repos are never selected.
func Select(cfg *config.Config, org string, repos []string) ([]Target, error) {
	if org != "" && cfg.Org(org) == nil {
		return nil, fmt.Errorf("--org %s: no such org in %s (it has: %s)", org, cfg.Dir, orgNames(cfg))
	}
	wanted := map[string]bool{} // "org/repo" or "*/repo", lower-case
	for _, r := range repos {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		o, name, ok := strings.Cut(r, "/")
		if !ok {
			o, name = "*", r
		}
		if o != "*" && org != "" && !strings.EqualFold(o, org) {
			return nil, fmt.Errorf("--repo %s is not in --org %s", r, org)
		}
		found := false
		for _, co := range cfg.Orgs {
			if (o == "*" || strings.EqualFold(co.Name, o)) && (org == "" || strings.EqualFold(co.Name, org)) && co.Repo(name) != nil {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("--repo %s: no file %s/<org>/%s.yaml; the repository is not managed%s", r, cfg.Dir, name, nearRepo(cfg, org, name))
		}
		wanted[strings.ToLower(o+"/"+name)] = true
	}
	var out []Target
	for _, co := range cfg.Orgs {
		if org != "" && !strings.EqualFold(co.Name, org) {
			continue
		}
		t := Target{Org: co}
		for _, r := range co.Repos {
			if co.Ignored(r.Name) {
				continue
			}
			if len(wanted) > 0 && !wanted[strings.ToLower(co.Name+"/"+r.Name)] && !wanted[strings.ToLower("*/"+r.Name)] {
				continue
			}
			t.Repos = append(t.Repos, r)
		}
		if len(t.Repos) > 0 || len(wanted) == 0 {
			out = append(out, t)
		}
	}
	return out, nil
}

func orgNames(cfg *config.Config) string {
	var names []string
	for _, o := range cfg.Orgs {
		names = append(names, o.Name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Branches returns, per repository of t, the branches whose protection the
// files manage: what the adapter must read besides the default branch.
func (t Target) Branches() map[string][]string {
	out := map[string][]string{}
	for _, r := range t.Repos {
		for _, bp := range r.Protection {
			out[r.Name] = append(out[r.Name], bp.Branch)
		}
	}
	return out
}

// RepoNames lists t's repositories.
func (t Target) RepoNames() []string {
	var out []string
	for _, r := range t.Repos {
		out = append(out, r.Name)
	}
	return out
}

// nearRepo returns ` (did you mean "x"?)` for a managed repository whose
// name is within two edits of name, or "".
func nearRepo(cfg *config.Config, org, name string) string {
	var names, full []string
	for _, co := range cfg.Orgs {
		if org != "" && !strings.EqualFold(co.Name, org) {
			continue
		}
		for _, r := range co.Repos {
			names = append(names, r.Name)
			full = append(full, co.Name+"/"+r.Name)
		}
	}
	return config.Suggest(name, names, full)
}
