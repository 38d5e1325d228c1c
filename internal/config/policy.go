package config

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// maxLimit bounds numeric limits to something sane for a person to write.
const maxLimit = 1_000_000

func (l *loader) policy(root *yaml.Node, file string) Policy {
	p := DefaultPolicy()
	entries, _ := mapping(root, file, "an org file", policyKeys, &l.ds)
	for _, e := range entries {
		k := e.key.Value
		p.Pos[k] = at(file, e.key)
		switch k {
		case KeyMode:
			if s, ok := scalarString(e.val, file, k, &l.ds); ok {
				switch Mode(s) {
				case Authoritative, Additive:
					p.Mode = Mode(s)
				default:
					l.ds.Errorf(at(file, e.val), "mode must be authoritative or additive, not %s%s", quote(s), suggest(s, []string{string(Authoritative), string(Additive)}))
				}
			}
		case KeyRequiredChecks:
			if checks, ok := l.checks(file, k, e.val, AnyApp); ok {
				p.RequiredChecks = checks
			}
		case KeyMinReviews:
			if v, ok := scalarInt(e.val, file, k, 0, MaxReviews, &l.ds); ok {
				p.MinReviews = v
			}
		case KeyAdminAllowed:
			p.AdminAllowed = l.principals(file, e.val)
		case KeyOutsideCollaboratorMaxRole:
			if s, ok := scalarString(e.val, file, k, &l.ds); ok {
				r, err := role.Parse(s)
				if err != nil {
					l.ds.Errorf(at(file, e.val), "%s: %v", k, err)
				} else {
					p.OutsideCollaboratorMaxRole = r
				}
			}
		case KeyMinAdmins:
			p.MinAdmins, _ = scalarInt(e.val, file, k, 0, maxLimit, &l.ds)
		case KeyMaxAdmins:
			if v, ok := scalarInt(e.val, file, k, 0, maxLimit, &l.ds); ok {
				p.MaxAdmins = v
			}
		case KeyMaxRemovals:
			if v, ok := scalarInt(e.val, file, k, 0, maxLimit, &l.ds); ok {
				p.MaxRemovals = v
			}
		case KeyExpectedOwners:
			p.ExpectedOwners = l.logins(file, k, e.val)
		case KeyTrustedApps:
			p.TrustedApps = l.appIDs(file, k, e.val)
		case KeyFloorRuleset:
			p.FloorRuleset, _ = scalarBool(e.val, file, k, &l.ds)
		case KeyIgnoreRepos:
			items, _ := scalarList(e.val, file, k, &l.ds)
			seen := map[string]int{}
			for _, it := range items {
				if msg := repoNameProblem(it.Value); msg != "" {
					l.ds.Errorf(at(file, it), "ignore_repos: %s: %s", quote(it.Value), msg)
					continue
				}
				if line, dup := seen[strings.ToLower(it.Value)]; dup {
					l.ds.Errorf(at(file, it), "duplicate repository %s (already listed at line %d)", quote(it.Value), line)
					continue
				}
				seen[strings.ToLower(it.Value)] = it.Line
				p.IgnoreRepos = append(p.IgnoreRepos, it.Value)
			}
		}
	}
	if p.MinAdmins > p.MaxAdmins {
		l.ds.Errorf(p.Where(KeyMinAdmins, file), "min_admins (%d) is greater than max_admins (%d): no repository could satisfy both", p.MinAdmins, p.MaxAdmins)
	}
	return p
}

// principals reads admin_allowed entries: "team:<slug>" or "user:<login>".
func (l *loader) principals(file string, n *yaml.Node) []Principal {
	items, _ := scalarList(n, file, KeyAdminAllowed, &l.ds)
	out := []Principal{} // non-nil: an empty list allows no direct admin at all
	seen := map[string]int{}
	for _, it := range items {
		pr, err := state.ParsePrincipal(it.Value)
		switch {
		case err == nil && pr.Kind == User && ValidLogin(pr.Name):
		case err == nil && pr.Kind == Team && ValidSlug(pr.Name):
		default:
			hint := ""
			switch {
			case err == nil && pr.Kind == Team && ValidSlug(strings.ToLower(pr.Name)):
				hint = "; did you mean " + quote(state.TeamPrincipal(strings.ToLower(pr.Name)).String()) + "?"
			case !strings.Contains(it.Value, ":") && ValidLogin(it.Value):
				hint = " (say which: " + state.TeamPrincipal(it.Value).String() + " or " + state.UserPrincipal(it.Value).String() + ")"
			}
			l.ds.Errorf(at(file, it), "admin_allowed: %s must be team:<slug> or user:<login>%s", quote(it.Value), hint)
			continue
		}
		if line, dup := seen[pr.Key()]; dup {
			l.ds.Errorf(at(file, it), "duplicate %s (already listed at line %d)", quote(it.Value), line)
			continue
		}
		seen[pr.Key()] = it.Line
		out = append(out, pr)
	}
	return out
}

func (l *loader) logins(file, what string, n *yaml.Node) []string {
	items, _ := scalarList(n, file, what, &l.ds)
	var out []string
	seen := map[string]int{}
	for _, it := range items {
		if !ValidLogin(it.Value) {
			l.ds.Errorf(at(file, it), "%s: %s is not a valid GitHub login", what, quote(it.Value))
			continue
		}
		if line, dup := seen[strings.ToLower(it.Value)]; dup {
			l.ds.Errorf(at(file, it), "duplicate login %s (already listed at line %d)", quote(it.Value), line)
			continue
		}
		seen[strings.ToLower(it.Value)] = it.Line
		out = append(out, it.Value)
	}
	return out
}

// appIDs reads a list of GitHub App ids (trusted_apps).
func (l *loader) appIDs(file, what string, n *yaml.Node) []int64 {
	items, _ := scalarList(n, file, what, &l.ds)
	out := []int64{}
	seen := map[int64]int{}
	for _, it := range items {
		v, err := parseInt64(it.Value)
		if it.Tag != "!!int" || err != nil || v <= 0 {
			l.ds.Errorf(at(file, it), "%s: %s is not a GitHub App id (a positive number, as on the App's settings page)", what, quote(it.Value))
			continue
		}
		if line, dup := seen[v]; dup {
			l.ds.Errorf(at(file, it), "duplicate App id %d (already listed at line %d)", v, line)
			continue
		}
		seen[v] = it.Line
		out = append(out, v)
	}
	return out
}

func parseInt64(s string) (int64, error) { return strconv.ParseInt(s, 0, 64) }
