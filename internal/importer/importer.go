// Package importer writes permissions files from GitHub's current state, so
// an org can start from what it has: a plan right after an import shows no
// changes.
package importer

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// RepoFile renders one repository's file: its direct user grants, pending
// invitations (which count as the invited role), team grants, and the
// protection of its default branch. Notes explain what was left out.
func RepoFile(org *state.Org, r *state.Repo, policy config.Policy, now time.Time) (data []byte, notes []string) {
	doc := &yaml.Node{Kind: yaml.MappingNode}
	doc.HeadComment = fmt.Sprintf("%s/%s: imported from GitHub by permsync import on %s.\n"+
		"Each role lists direct grants; access through org ownership, the base role\n"+
		"or a parent team is not written here.", org.Name, r.Name, now.UTC().Format("2006-01-02"))

	users := map[role.Role][]string{}
	ids := map[string]int64{} // pinned entries where the read gave the account's id
	for _, u := range r.Users {
		ids[strings.ToLower(u.Login)] = u.ID
		if u.Custom() {
			notes = append(notes, fmt.Sprintf("%s/%s: user %s holds the custom role %q, which files cannot express: left out", org.Name, r.Name, u.Login, u.RoleName))
			continue
		}
		users[u.Role] = append(users[u.Role], u.Login)
	}
	for _, inv := range r.Invitations {
		if inv.Expired {
			continue // it grants nothing
		}
		if _, direct := r.User(inv.Login); direct {
			continue
		}
		users[inv.Role] = append(users[inv.Role], inv.Login)
		ids[strings.ToLower(inv.Login)] = inv.UserID
	}
	teams := map[role.Role][]string{}
	for _, t := range r.Teams {
		if t.RoleName != "" {
			notes = append(notes, fmt.Sprintf("%s/%s: team %s holds the custom role %q, which files cannot express: left out", org.Name, r.Name, t.Slug, t.RoleName))
			continue
		}
		teams[t.Role] = append(teams[t.Role], t.Slug)
	}
	for i := len(role.All) - 1; i >= 0; i-- {
		rl := role.All[i]
		if len(users[rl]) == 0 && len(teams[rl]) == 0 {
			continue
		}
		block := &yaml.Node{Kind: yaml.MappingNode}
		if len(users[rl]) > 0 {
			addList(block, "users", users[rl])
			for _, n := range block.Content[len(block.Content)-1].Content {
				*n = *config.UserEntry(n.Value, ids[strings.ToLower(n.Value)])
			}
		}
		if len(teams[rl]) > 0 {
			addList(block, "teams", teams[rl])
		}
		addKey(doc, rl.String(), block)
	}
	if bp, ok := r.Branch(r.DefaultBranch); ok && bp.Protected && bp.Pattern == "" {
		settings, n := protection(org.Name+"/"+r.Name, bp, policy)
		notes = append(notes, n...)
		branches := &yaml.Node{Kind: yaml.MappingNode}
		addKey(branches, bp.Branch, settings)
		addKey(doc, "branch_protection", branches)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if len(doc.Content) == 0 {
		// No direct grants: an empty mapping, so authoritative mode keeps it so.
		doc.Style = yaml.FlowStyle
	}
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}); err != nil {
		panic("importer: " + err.Error()) // only plain nodes are encoded
	}
	return buf.Bytes(), notes
}

func protection(where string, bp state.BranchProtection, policy config.Policy) (*yaml.Node, []string) {
	var notes []string
	m := &yaml.Node{Kind: yaml.MappingNode}
	if bp.StatusChecks != nil {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, c := range bp.StatusChecks.Checks {
			if c.Pinned() {
				entry := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
				addKey(entry, "context", str(c.Context))
				addKey(entry, "app_id", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(c.AppID)})
				seq.Content = append(seq.Content, entry)
			} else {
				seq.Content = append(seq.Content, str(c.Context))
			}
		}
		if len(seq.Content) == 0 {
			seq.Style = yaml.FlowStyle
		}
		addKey(m, "required_status_checks", seq)
		addKey(m, "strict", boolNode(bp.StatusChecks.Strict))
	}
	addKey(m, "enforce_admins", boolNode(bp.EnforceAdmins))
	switch {
	case bp.Reviews == nil:
		notes = append(notes, fmt.Sprintf("%s: %s does not require pull request reviews; required_approving_review_count left out (GitHub keeps its value)", where, bp.Branch))
	case bp.Reviews.Count < policy.MinReviews:
		notes = append(notes, fmt.Sprintf("%s: %s requires %d approving reviews, below min_reviews (%d): left out so the file does not ask for less; add it to raise it", where, bp.Branch, bp.Reviews.Count, policy.MinReviews))
	default:
		addKey(m, "required_approving_review_count", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(bp.Reviews.Count)})
	}
	return m, notes
}

// OrgFile renders a starting org file that spells out the defaults.
func OrgFile(org string) []byte {
	d := config.DefaultPolicy()
	var checks []string
	for _, c := range d.RequiredChecks {
		checks = append(checks, c.Context)
	}
	return []byte(fmt.Sprintf(`# %s: org settings and guardrails for permsync (written by permsync import).
# Every value below is permsync's default; see permissions/README.md.
mode: %s
required_checks: [%s]
min_reviews: %d
outside_collaborator_max_role: %s
min_admins: %d
max_admins: %d
max_removals: %d
# admin_allowed: [team:releng]   # only these may hold direct admin
# expected_owners: []            # org owners that are expected
# ignore_repos: []               # never read or changed
`, org, d.Mode, strings.Join(checks, ", "), d.MinReviews, d.OutsideCollaboratorMaxRole, d.MinAdmins, d.MaxAdmins, d.MaxRemovals))
}

func addKey(m *yaml.Node, key string, val *yaml.Node) {
	m.Content = append(m.Content, str(key), val)
}

func addList(m *yaml.Node, key string, items []string) {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, it := range items {
		seq.Content = append(seq.Content, str(it))
	}
	addKey(m, key, seq)
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func boolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(b)}
}
