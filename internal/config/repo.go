package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// MaxReviews is the most required approving reviews GitHub accepts.
const MaxReviews = 6

func (l *loader) repo(r *Repo, root *yaml.Node) {
	entries, _ := mapping(root, r.File, "a repository file", nil, &l.ds)
	held := map[string]Grant{}
	for _, e := range entries {
		k := e.key.Value
		if k == KeyBranchProtection {
			r.Protection = l.protection(r.File, e.val)
			continue
		}
		rl, err := role.Parse(k)
		if err != nil {
			if strings.HasPrefix(err.Error(), "unknown role") && contains([]string{"pull", "push"}, k) {
				l.ds.Errorf(at(r.File, e.key), "%v", err)
			} else {
				l.ds.Errorf(at(r.File, e.key), "unknown key %s%s (expected a role: read, triage, write, maintain, admin; or branch_protection)", quote(k), suggest(k, repoKeys))
			}
			continue
		}
		l.roleBlock(r, rl, e.val, held)
	}
	sortGrants(r.Grants)
}

func (l *loader) roleBlock(r *Repo, rl role.Role, n *yaml.Node, held map[string]Grant) {
	what := "role " + rl.String()
	if n.Kind == yaml.SequenceNode || (n.Kind == yaml.ScalarNode && !isNull(n)) {
		// The common slip is "write: [alice]": say what goes there.
		l.ds.Errorf(at(r.File, n), "%s must hold users: and teams: lists (e.g. %s: {users: [alice], teams: [core]}), not %s", what, rl, describe(n))
		return
	}
	entries, _ := mapping(n, r.File, what, principalKeys, &l.ds)
	for _, e := range entries {
		kind := User
		if e.key.Value == KeyTeams {
			kind = Team
		}
		for _, g := range l.principalEntries(r.File, rl.String()+"."+e.key.Value, kind, e.val) {
			g.Role = rl
			pos, name := g.Pos, g.Name
			if prev, dup := held[g.Key()]; dup {
				if prev.Role == rl {
					l.ds.Errorf(pos, "duplicate %s %s (already listed at line %d)", kind, quote(name), prev.Pos.Line)
				} else {
					l.ds.Errorf(pos, "%s %s is already granted %s at line %d: a principal holds one role per repository", kind, quote(name), prev.Role, prev.Pos.Line)
				}
				continue
			}
			if g.ID != 0 {
				// One account under two logins: a rename written half way.
				idKey := fmt.Sprintf("id:%d", g.ID)
				if prev, dup := held[idKey]; dup {
					l.ds.Errorf(pos, "account %d is already listed as %s at line %d: one account, one entry", g.ID, quote(prev.Name), prev.Pos.Line)
					continue
				}
				held[idKey] = g
			}
			held[g.Key()] = g
			r.Grants = append(r.Grants, g)
		}
	}
}

func (l *loader) protection(file string, n *yaml.Node) []BranchProtection {
	branches, _ := mapping(n, file, KeyBranchProtection, nil, &l.ds)
	var out []BranchProtection
	for _, b := range branches {
		bp := BranchProtection{Branch: b.key.Value, Pos: at(file, b.key), FieldPos: map[string]Pos{}}
		if msg := branchProblem(bp.Branch); msg != "" {
			l.ds.Errorf(bp.Pos, "branch %s: %s", quote(bp.Branch), msg)
			continue
		}
		settings, _ := mapping(b.val, file, KeyBranchProtection+"."+bp.Branch, protectionKeys, &l.ds)
		for _, s := range settings {
			bp.FieldPos[s.key.Value] = at(file, s.key)
			what := s.key.Value
			switch what {
			case KeyRequiredStatusChecks:
				if checks, ok := l.checks(file, what, s.val, Unpinned); ok {
					bp.Checks = &checks
				}
			case KeyStrict:
				if v, ok := scalarBool(s.val, file, what, &l.ds); ok {
					bp.Strict = &v
				}
			case KeyEnforceAdmins:
				if v, ok := scalarBool(s.val, file, what, &l.ds); ok {
					bp.EnforceAdmins = &v
				}
			case KeyReviewCount:
				if v, ok := scalarInt(s.val, file, what, 0, MaxReviews, &l.ds); ok {
					bp.Reviews = &v
				}
			}
		}
		out = append(out, bp)
	}
	return out
}

// checks reads a list of status checks: plain contexts or {context, app_id}.
// plain is the AppID a plain context gets.
func (l *loader) checks(file, what string, n *yaml.Node, plain int64) ([]Check, bool) {
	out := []Check{}
	if isNull(n) {
		return out, true
	}
	if n.Kind != yaml.SequenceNode {
		l.ds.Errorf(at(file, n), "%s must be a list of check names, not %s", what, describe(n))
		return nil, false
	}
	ok := true
	seen := map[string]int{}
	for _, item := range n.Content {
		c := Check{AppID: plain, Pos: at(file, item)}
		switch {
		case item.Kind == yaml.ScalarNode && !isNull(item):
			c.Context = item.Value
		case item.Kind == yaml.MappingNode:
			fields, fok := mapping(item, file, what+" entry", checkKeys, &l.ds)
			ok = ok && fok
			hasContext, cok := false, false
			for _, f := range fields {
				switch f.key.Value {
				case KeyContext:
					hasContext = true
					c.Context, cok = scalarString(f.val, file, KeyContext, &l.ds)
				case KeyAppID:
					id, iok := appID(f.val, file, &l.ds)
					ok = ok && iok
					c.AppID = id
				}
			}
			if !hasContext {
				l.ds.Errorf(at(file, item), "%s entry needs a context", what)
			}
			if !cok {
				ok = false // reported above: one message per mistake
				continue
			}
		default:
			l.ds.Errorf(at(file, item), "%s: each entry is a check name or {context, app_id}, not %s", what, describe(item))
			ok = false
			continue
		}
		if strings.TrimSpace(c.Context) != c.Context || c.Context == "" || len(c.Context) > 255 || hasControl(c.Context) {
			l.ds.Errorf(c.Pos, "%s: %s is not a usable check name", what, quote(c.Context))
			ok = false
			continue
		}
		if line, dup := seen[c.Context]; dup {
			l.ds.Errorf(c.Pos, "duplicate check %s (already listed at line %d)", quote(c.Context), line)
			ok = false
			continue
		}
		seen[c.Context] = c.Pos.Line
		for _, legacy := range LegacyCLAContexts {
			if strings.EqualFold(c.Context, legacy) {
				l.ds.Warnf(c.Pos, "%s is a legacy CLA check; the Linux Foundation's current CLA check is EasyCLA", quote(c.Context))
			}
		}
		out = append(out, c)
	}
	return out, ok
}

func appID(n *yaml.Node, file string, ds *Diagnostics) (int64, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		v, err := parseInt64(n.Value)
		if err == nil && (v > 0 || v == AnyApp) {
			return v, true
		}
	}
	ds.Errorf(at(file, n), "app_id must be a GitHub App id (a positive number), or -1 for any source; not %s", describe(n))
	return 0, false
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}
