package history

import (
	"fmt"
	"sort"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// importAt is how many repositories one commit must make managed to read
// as an import: its changes are then one line, not one per grant.
const importAt = 3

// Lines words an entry's changes for people: each change on its own line,
// except that the repositories a commit made managed (an import, or a new
// org folder) are one line per org: "imported N repositories of ORG (M
// grants, K protected branches)". The JSON keeps every change.
func (e Entry) Lines() []string {
	added := map[string]map[string]bool{} // org → repositories made managed
	for _, c := range e.Changes {
		if c.Kind == FileAdd {
			k := strings.ToLower(c.Org)
			if added[k] == nil {
				added[k] = map[string]bool{}
			}
			added[k][strings.ToLower(c.Repo)] = true
		}
	}
	type tally struct {
		org           string
		repos, grants int
		branches      map[string]bool
	}
	imports := map[string]*tally{}
	var orgs []string
	for k, repos := range added {
		if len(repos) >= importAt {
			imports[k] = &tally{repos: len(repos), branches: map[string]bool{}}
			orgs = append(orgs, k)
		}
	}
	var out []string
	for _, c := range e.Changes {
		k := strings.ToLower(c.Org)
		t := imports[k]
		if t == nil || !added[k][strings.ToLower(c.Repo)] {
			out = append(out, c.Description)
			continue
		}
		t.org = c.Org
		switch c.Kind {
		case GrantAdd, GrantChange:
			t.grants++
		case ProtectionChange:
			t.branches[strings.ToLower(c.Repo)+"\x00"+c.Branch] = true
		}
	}
	sort.Strings(orgs)
	var head []string
	for _, k := range orgs {
		t := imports[k]
		s := fmt.Sprintf("imported %d repositories of %s (%s", t.repos, t.org, words.Plural(t.grants, "grant"))
		if n := len(t.branches); n > 0 {
			s += ", " + words.Plural(n, "protected branch")
		}
		head = append(head, s+")")
	}
	return append(head, out...)
}
