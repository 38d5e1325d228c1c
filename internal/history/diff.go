package history

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/pairs"
)

// Diff lists what changed from before to after (either may be nil: no
// files): repositories that became managed or unmanaged, grants added,
// removed or changed, protection settings and org settings.
func Diff(before, after *config.Config) []Change {
	out := []Change{}
	for _, p := range pairs.Of(orgs(before), orgs(after), func(o *config.Org) string { return strings.ToLower(o.Name) }) {
		out = append(out, diffOrg(p.Old, p.New)...)
	}
	return out
}

func orgs(c *config.Config) []*config.Org {
	if c == nil {
		return nil
	}
	return c.Orgs
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
	var br, ar []*config.Repo
	if b != nil {
		br = b.Repos
	}
	if a != nil {
		ar = a.Repos
	}
	for _, p := range pairs.Of(br, ar, func(r *config.Repo) string { return strings.ToLower(r.Name) }) {
		out = append(out, diffRepo(name, p.Old, p.New)...)
	}
	return out
}

// diffPolicy compares org settings, key by key, as the org file spells them.
func diffPolicy(b, a config.Policy) []Change {
	type kv struct{ key, before, after string }
	pairs := []kv{
		{"mode", string(b.Mode), string(a.Mode)},
		{"required_checks", listText(b.RequiredChecks, unmanaged), listText(a.RequiredChecks, unmanaged)},
		{"min_reviews", strconv.Itoa(b.MinReviews), strconv.Itoa(a.MinReviews)},
		{"admin_allowed", listText(b.AdminAllowed, "(no restriction)"), listText(a.AdminAllowed, "(no restriction)")},
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

// listText is items as the org file lists them, or ifNil where the key
// is not set.
func listText[T fmt.Stringer](items []T, ifNil string) string {
	if items == nil {
		return ifNil
	}
	parts := make([]string, len(items))
	for i, x := range items {
		parts[i] = x.String()
	}
	return listString(parts)
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
	for _, p := range pairs.Of(b.Grants, a.Grants, config.Grant.Key) {
		gb, inB, ga, inA := p.Old, p.InOld, p.New, p.InNew
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
	var out []Change
	for _, p := range pairs.Of(b, a, func(p config.BranchProtection) string { return p.Branch }) {
		br, pb, pa := p.Key, p.Old, p.New
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
	return listText(*p, unmanaged)
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
