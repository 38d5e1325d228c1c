package state

import (
	"slices"
	"strings"
)

// FloorRulesetName names the one org ruleset permsync manages when the org
// file sets floor_ruleset. permsync finds it by this name, and never
// touches another.
const FloorRulesetName = "permsync floor"

// OrgRuleset is an org ruleset read whole (GET /orgs/{org}/rulesets/{id}):
// a Ruleset plus the repository conditions that say where it applies.
type OrgRuleset struct {
	Ruleset
	// RepoInclude and RepoExclude are the repository_name conditions
	// (fnmatch patterns or ~ALL). RepoOther: the ruleset selects
	// repositories another way (repository_id, properties), which permsync
	// does not read: it then counts as targeting none.
	RepoInclude   []string `json:"repo_include"`
	RepoExclude   []string `json:"repo_exclude,omitempty"`
	RepoProtected bool     `json:"repo_protected,omitempty"`
	RepoOther     bool     `json:"repo_other,omitempty"`
}

// TargetsRepo reports whether the ruleset's repository conditions select
// the repository name (case-insensitive, as GitHub matches names).
func (rs OrgRuleset) TargetsRepo(name string) bool {
	if rs.RepoOther {
		return false
	}
	m := func(p string) bool {
		return p == "~ALL" || refPattern("refs/heads/"+strings.ToLower(p)).MatchString("refs/heads/"+strings.ToLower(name))
	}
	return slices.ContainsFunc(rs.RepoInclude, m) && !slices.ContainsFunc(rs.RepoExclude, m)
}
