package config

import (
	"bytes"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// The writer is the loader's other direction: it renders a Repo or a
// Policy as the canonical file the loader reads back to the same value
// (positions aside). Import writes every file through it; the round trip
// is fuzzed in write_test.go. Editing an existing file keeps its layout
// and goes through edit.go instead.

// EncodeRepo renders a repository file: the role blocks from admin down,
// each with its users then its teams as flow lists, then branch_protection.
// comment, when not empty, heads the file (one "# " line per line).
func EncodeRepo(r *Repo, comment string) []byte {
	doc := &yaml.Node{Kind: yaml.MappingNode, HeadComment: comment}
	for i := len(role.All) - 1; i >= 0; i-- {
		rl := role.All[i]
		block := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range []Kind{User, Team} {
			seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, g := range r.Grants {
				if g.Role == rl && g.Kind == k {
					seq.Content = append(seq.Content, grantNode(g))
				}
			}
			if len(seq.Content) > 0 {
				addKey(block, map[Kind]string{User: KeyUsers, Team: KeyTeams}[k], seq)
			}
		}
		if len(block.Content) > 0 {
			addKey(doc, rl.String(), block)
		}
	}
	if len(r.Protection) > 0 {
		branches := &yaml.Node{Kind: yaml.MappingNode}
		for _, bp := range r.Protection {
			addKey(branches, bp.Branch, protectionNode(bp))
		}
		addKey(doc, KeyBranchProtection, branches)
	}
	if len(doc.Content) == 0 {
		// No grant at all: an empty mapping, which authoritative mode
		// keeps so (an empty file would be the same, but says less).
		doc.Style = yaml.FlowStyle
	}
	return encode(doc)
}

// grantNode is a plain login or slug, or the mapping form when the entry
// carries more than its name.
func grantNode(g Grant) *yaml.Node {
	if g.ID == 0 && g.Expires == "" && g.Reason == "" {
		return str(g.Name)
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	if g.Kind == Team {
		addKey(m, KeySlug, str(g.Name))
	} else {
		addKey(m, KeyLogin, str(g.Name))
	}
	if g.ID != 0 {
		addKey(m, KeyID, intNode(g.ID))
	}
	if g.Expires != "" {
		// A plain date, as people write it (the loader takes either form).
		addKey(m, KeyExpires, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: g.Expires})
	}
	if g.Reason != "" {
		addKey(m, KeyReason, str(g.Reason))
	}
	return m
}

func protectionNode(bp BranchProtection) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	if bp.Checks != nil {
		seq := checksNode(*bp.Checks, Unpinned)
		seq.Style = 0 // one check a line: pins make entries long
		if len(seq.Content) == 0 {
			seq.Style = yaml.FlowStyle
		}
		addKey(m, KeyRequiredStatusChecks, seq)
	}
	if bp.Strict != nil {
		addKey(m, KeyStrict, boolNode(*bp.Strict))
	}
	if bp.EnforceAdmins != nil {
		addKey(m, KeyEnforceAdmins, boolNode(*bp.EnforceAdmins))
	}
	if bp.Reviews != nil {
		addKey(m, KeyReviewCount, intNode(int64(*bp.Reviews)))
	}
	if len(m.Content) == 0 {
		m.Style = yaml.FlowStyle
	}
	return m
}

// checksNode is a flow list of checks: a plain context where AppID is
// plain (what a plain context means in that file), else {context, app_id}.
func checksNode(checks []Check, plain int64) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, c := range checks {
		if c.AppID == plain {
			seq.Content = append(seq.Content, str(c.Context))
			continue
		}
		entry := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		addKey(entry, KeyContext, str(c.Context))
		addKey(entry, KeyAppID, intNode(c.AppID))
		seq.Content = append(seq.Content, entry)
	}
	return seq
}

// EncodePolicy renders an org file that states every setting of p: the
// limits always, the lists when they hold something (admin_allowed also
// when empty: an empty list allows no direct admin, an absent one anybody).
func EncodePolicy(p Policy, comment string) []byte {
	doc := &yaml.Node{Kind: yaml.MappingNode, HeadComment: comment}
	addKey(doc, KeyMode, str(string(p.Mode)))
	addKey(doc, KeyRequiredChecks, checksNode(p.RequiredChecks, AnyApp))
	addKey(doc, KeyMinReviews, intNode(int64(p.MinReviews)))
	if p.AdminAllowed != nil {
		var names []string
		for _, a := range p.AdminAllowed {
			names = append(names, a.String())
		}
		addKey(doc, KeyAdminAllowed, strList(names))
	}
	addKey(doc, KeyOutsideCollaboratorMaxRole, str(p.OutsideCollaboratorMaxRole.String()))
	addKey(doc, KeyMinAdmins, intNode(int64(p.MinAdmins)))
	addKey(doc, KeyMaxAdmins, intNode(int64(p.MaxAdmins)))
	addKey(doc, KeyMaxRemovals, intNode(int64(p.MaxRemovals)))
	if len(p.ExpectedOwners) > 0 {
		addKey(doc, KeyExpectedOwners, strList(p.ExpectedOwners))
	}
	if len(p.IgnoreRepos) > 0 {
		addKey(doc, KeyIgnoreRepos, strList(p.IgnoreRepos))
	}
	if len(p.TrustedApps) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, id := range p.TrustedApps {
			seq.Content = append(seq.Content, intNode(id))
		}
		addKey(doc, KeyTrustedApps, seq)
	}
	if p.FloorRuleset {
		addKey(doc, KeyFloorRuleset, boolNode(true))
	}
	return encode(doc)
}

// OrgFileTemplate is the org file import starts an org with: the defaults
// spelled out, and the optional guardrails as commented examples.
func OrgFileTemplate(org string) []byte {
	head := fmt.Sprintf("%s: org settings and guardrails for permsync (written by permsync import).\n"+
		"Every value below is permsync's default; see permissions/README.md.", org)
	out := EncodePolicy(DefaultPolicy(), head)
	return fmt.Appendf(out, "# %s: [team:releng]   # only these may hold direct admin\n"+
		"# %s: []            # org owners that are expected\n"+
		"# %s: []               # never read or changed\n", KeyAdminAllowed, KeyExpectedOwners, KeyIgnoreRepos)
}

func encode(doc *yaml.Node) []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}); err != nil {
		panic("config: encoding a file: " + err.Error()) // only plain nodes are encoded
	}
	return buf.Bytes()
}

func addKey(m *yaml.Node, key string, val *yaml.Node) {
	m.Content = append(m.Content, str(key), val)
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func strList(items []string) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, it := range items {
		seq.Content = append(seq.Content, str(it))
	}
	return seq
}

func intNode(v int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v, 10)}
}

func boolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}
