package history

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// Diff lists what changed from before to after (either may be nil: no
// files): repositories that became managed or unmanaged, grants added,
// removed or changed, protection settings and org settings.
func Diff(before, after *config.Config) []Change {
	out := []Change{}
	bo, ao := orgsByKey(before), orgsByKey(after)
	for _, k := range unionKeys(bo, ao) {
		out = append(out, diffOrg(bo[k], ao[k])...)
	}
	return out
}

func orgsByKey(c *config.Config) map[string]*config.Org {
	m := map[string]*config.Org{}
	if c != nil {
		for _, o := range c.Orgs {
			m[strings.ToLower(o.Name)] = o
		}
	}
	return m
}

func unionKeys[V any](a, b map[string]V) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func diffOrg(b, a *config.Org) []Change {
	var out []Change
	name := ""
	bp, ap := config.DefaultPolicy(), config.DefaultPolicy()
	bFile, aFile := "", ""
	if b != nil {
		name, bp, bFile = b.Name, b.Policy, b.File
	}
	if a != nil {
		name, ap, aFile = a.Name, a.Policy, a.File
	}
	file := aFile
	if file == "" {
		file = bFile
	}
	for _, pc := range diffPolicy(bp, ap) {
		pc.Org, pc.File = name, file
		pc.Description = fmt.Sprintf("%s: %s %s → %s", name, pc.Field, pc.ValueBefore, pc.ValueAfter)
		out = append(out, pc)
	}
	br, ar := reposByKey(b), reposByKey(a)
	for _, k := range unionKeys(br, ar) {
		out = append(out, diffRepo(name, br[k], ar[k])...)
	}
	return out
}

func reposByKey(o *config.Org) map[string]*config.Repo {
	m := map[string]*config.Repo{}
	if o != nil {
		for _, r := range o.Repos {
			m[strings.ToLower(r.Name)] = r
		}
	}
	return m
}

// diffPolicy compares org settings, key by key, as the org file spells them.
func diffPolicy(b, a config.Policy) []Change {
	type kv struct{ key, before, after string }
	pairs := []kv{
		{"mode", string(b.Mode), string(a.Mode)},
		{"required_checks", checksString(b.RequiredChecks), checksString(a.RequiredChecks)},
		{"min_reviews", strconv.Itoa(b.MinReviews), strconv.Itoa(a.MinReviews)},
		{"admin_allowed", principalsString(b.AdminAllowed), principalsString(a.AdminAllowed)},
		{"outside_collaborator_max_role", b.OutsideCollaboratorMaxRole.String(), a.OutsideCollaboratorMaxRole.String()},
		{"min_admins", strconv.Itoa(b.MinAdmins), strconv.Itoa(a.MinAdmins)},
		{"max_admins", strconv.Itoa(b.MaxAdmins), strconv.Itoa(a.MaxAdmins)},
		{"max_removals", strconv.Itoa(b.MaxRemovals), strconv.Itoa(a.MaxRemovals)},
		{"expected_owners", listString(b.ExpectedOwners), listString(a.ExpectedOwners)},
		{"ignore_repos", listString(b.IgnoreRepos), listString(a.IgnoreRepos)},
	}
	var out []Change
	for _, p := range pairs {
		if p.before != p.after {
			out = append(out, Change{Kind: PolicyChange, Field: p.key, ValueBefore: p.before, ValueAfter: p.after})
		}
	}
	return out
}

func checksString(cs []config.Check) string {
	if cs == nil {
		return "(not managed)"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func principalsString(ps []config.Principal) string {
	if ps == nil {
		return "(no restriction)"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func listString(s []string) string { return "[" + strings.Join(s, ", ") + "]" }

func diffRepo(org string, b, a *config.Repo) []Change {
	var out []Change
	var name, file string
	switch {
	case a != nil:
		name, file = a.Name, a.File
	case b != nil:
		name, file = b.Name, b.File
	}
	full := org + "/" + name
	if b == nil {
		out = append(out, Change{Kind: FileAdd, Org: org, Repo: name, File: file,
			Description: fmt.Sprintf("%s is now managed (%s added)", full, file)})
		b = &config.Repo{}
	}
	if a == nil {
		out = append(out, Change{Kind: FileRemove, Org: org, Repo: name, File: file,
			Description: fmt.Sprintf("%s is no longer managed (%s removed; its grants stay on GitHub)", full, file)})
		return out
	}
	bg := map[string]config.Grant{}
	for _, g := range b.Grants {
		bg[g.Key()] = g
	}
	ag := map[string]config.Grant{}
	for _, g := range a.Grants {
		ag[g.Key()] = g
	}
	for _, k := range unionKeys(bg, ag) {
		gb, inB := bg[k]
		ga, inA := ag[k]
		c := Change{Org: org, Repo: name, File: file}
		switch {
		case !inB:
			c.Kind, c.Principal, c.After = GrantAdd, ga.String(), ga.Role
			c.Description = fmt.Sprintf("%s: %s %s granted %s", full, ga.Kind, ga.Name, ga.Role)
		case !inA:
			c.Kind, c.Principal, c.Before = GrantRemove, gb.String(), gb.Role
			c.Description = fmt.Sprintf("%s: %s %s removed (was %s)", full, gb.Kind, gb.Name, gb.Role)
		case gb.Role != ga.Role:
			c.Kind, c.Principal, c.Before, c.After = GrantChange, ga.String(), gb.Role, ga.Role
			c.Description = fmt.Sprintf("%s: %s %s %s → %s", full, ga.Kind, ga.Name, gb.Role, ga.Role)
		default:
			continue
		}
		out = append(out, c)
	}
	out = append(out, diffProtection(org, name, file, b.Protection, a.Protection)...)
	return out
}

func diffProtection(org, repo, file string, b, a []config.BranchProtection) []Change {
	bm, am := map[string]config.BranchProtection{}, map[string]config.BranchProtection{}
	for _, p := range b {
		bm[p.Branch] = p
	}
	for _, p := range a {
		am[p.Branch] = p
	}
	var out []Change
	for _, br := range unionKeys(bm, am) {
		pb, pa := bm[br], am[br]
		fields := []struct{ name, before, after string }{
			{"required_status_checks", checksPtr(pb.Checks), checksPtr(pa.Checks)},
			{"strict", boolPtr(pb.Strict), boolPtr(pa.Strict)},
			{"enforce_admins", boolPtr(pb.EnforceAdmins), boolPtr(pa.EnforceAdmins)},
			{"required_approving_review_count", intPtr(pb.Reviews), intPtr(pa.Reviews)},
		}
		for _, f := range fields {
			if f.before == f.after {
				continue
			}
			out = append(out, Change{Kind: ProtectionChange, Org: org, Repo: repo, File: file, Branch: br, Field: f.name,
				ValueBefore: f.before, ValueAfter: f.after,
				Description: fmt.Sprintf("%s/%s: branch %s %s %s → %s", org, repo, br, f.name, f.before, f.after)})
		}
	}
	return out
}

const unmanaged = "(not managed)"

func checksPtr(p *[]config.Check) string {
	if p == nil {
		return unmanaged
	}
	return checksString(*p)
}

func boolPtr(p *bool) string {
	if p == nil {
		return unmanaged
	}
	return strconv.FormatBool(*p)
}

func intPtr(p *int) string {
	if p == nil {
		return unmanaged
	}
	return strconv.Itoa(*p)
}

// Touches reports whether the change is about principal's grant on repo.
func (c Change) Touches(org, repo, principal string) bool {
	return strings.EqualFold(c.Org, org) && strings.EqualFold(c.Repo, repo) && strings.EqualFold(c.Principal, principal)
}
