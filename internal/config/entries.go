package config

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// MaxReason bounds an entry's reason: a sentence for reviewers, not a document.
const MaxReason = 500

// principalEntries reads a users: or teams: list. Each entry is a plain
// login or slug, or a mapping: {login, id, expires, reason} for users,
// {slug, expires, reason} for teams.
func (l *loader) principalEntries(file, what string, kind Kind, n *yaml.Node) []Grant {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.ds.Errorf(at(file, n), "%s must be a list, not %s", what, describe(n))
		return nil
	}
	var out []Grant
	for _, item := range n.Content {
		g := Grant{Principal: Principal{Kind: kind}, Pos: at(file, item)}
		nameNode := item
		switch {
		case item.Kind == yaml.ScalarNode && !isNull(item):
		case item.Kind == yaml.MappingNode:
			var ok bool
			if nameNode, ok = l.entryMapping(file, what, kind, item, &g); !ok {
				continue
			}
		default:
			form := "a login or {login, id, expires, reason}"
			if kind == Team {
				form = "a team slug or {slug, expires, reason}"
			}
			l.ds.Errorf(at(file, item), "%s: each entry must be %s, not %s", what, form, describe(item))
			continue
		}
		g.Name = nameNode.Value
		if !l.validName(file, kind, nameNode) {
			continue
		}
		out = append(out, g)
	}
	return out
}

// entryMapping reads one {login|slug, id, expires, reason} entry into g and
// returns the node holding the name.
func (l *loader) entryMapping(file, what string, kind Kind, item *yaml.Node, g *Grant) (*yaml.Node, bool) {
	allowed, nameKey := userEntryKeys, KeyLogin
	if kind == Team {
		allowed, nameKey = teamEntryKeys, KeySlug
	}
	fields, ok := mapping(item, file, what+" entry", allowed, &l.ds)
	var name *yaml.Node
	for _, f := range fields {
		switch f.key.Value {
		case KeyLogin, KeySlug:
			if _, sok := scalarString(f.val, file, f.key.Value, &l.ds); sok {
				name = f.val
			} else {
				ok = false
			}
		case KeyID:
			id, iok := accountID(f.val, file, &l.ds)
			ok = ok && iok
			g.ID = id
		case KeyExpires:
			d, dok := expiryDate(f.val, file, &l.ds)
			ok = ok && dok
			g.Expires = d
		case KeyReason:
			s, sok := scalarString(f.val, file, KeyReason, &l.ds)
			if sok && (len(s) > MaxReason || hasControl(s)) {
				l.ds.Errorf(at(file, f.val), "reason must be one line of at most %d characters", MaxReason)
				sok = false
			}
			ok = ok && sok
			g.Reason = s
		}
	}
	if name == nil {
		if ok {
			l.ds.Errorf(at(file, item), "%s entry needs a %s (e.g. {%s: %s, ...})", what, nameKey, nameKey, map[Kind]string{User: "alice", Team: "core"}[kind])
		}
		return nil, false
	}
	return name, ok
}

func (l *loader) validName(file string, kind Kind, n *yaml.Node) bool {
	name := n.Value
	switch {
	case kind == User && !ValidLogin(name):
		l.ds.Errorf(at(file, n), "%s is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)", quote(name))
		return false
	case kind == Team && !ValidSlug(name):
		msg := "%s is not a valid team slug (lowercase letters, digits, '-' and '_')"
		if ValidSlug(strings.ToLower(name)) {
			msg += "; did you mean " + quote(strings.ToLower(name)) + "?"
		}
		l.ds.Errorf(at(file, n), msg, quote(name))
		return false
	}
	return true
}

func accountID(n *yaml.Node, file string, ds *Diagnostics) (int64, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		v, err := parseInt64(n.Value)
		if err == nil && v > 0 {
			return v, true
		}
	}
	ds.Errorf(at(file, n), "id must be the account's numeric GitHub id (a positive number; `permsync pin` fills it in), not %s", describe(n))
	return 0, false
}

// expiryDate reads a calendar date, YYYY-MM-DD. YAML reads an unquoted date
// as a timestamp; a quoted one is a string: both are accepted, a time of
// day is not (a grant ends at the start of its date, UTC).
func expiryDate(n *yaml.Node, file string, ds *Diagnostics) (string, bool) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!timestamp" || n.Tag == "!!str") {
		if t, err := time.Parse(DateLayout, n.Value); err == nil && t.Format(DateLayout) == n.Value {
			return n.Value, true
		}
	}
	ds.Errorf(at(file, n), "expires must be a date written YYYY-MM-DD (e.g. 2027-03-01), not %s", describe(n))
	return "", false
}

// ExpiryHorizon is how far ahead the plan announces expiries.
const ExpiryHorizon = 14 * 24 * time.Hour

// ExpiryWarnings are validate's warnings about dates: an entry whose expiry
// date has come (the plan removes it; delete the entry), and one within
// ExpiryHorizon. The loader has no clock: the caller passes now.
func (c *Config) ExpiryWarnings(now time.Time) Diagnostics {
	var ds Diagnostics
	for _, o := range c.Orgs {
		for _, r := range o.Repos {
			for _, g := range r.Grants {
				t, ok := g.ExpiresAt()
				switch {
				case !ok:
				case g.ExpiredAt(now):
					ds.Warnf(g.Pos, "%s %s expired on %s: the plan removes this grant; delete the entry", g.Kind, g.Name, g.Expires)
				case t.Sub(now) <= ExpiryHorizon:
					ds.Warnf(g.Pos, "%s %s expires on %s (in %s)", g.Kind, g.Name, g.Expires, days(t.Sub(now)))
				}
			}
		}
	}
	ds.Sort()
	return ds
}

func days(d time.Duration) string {
	n := int((d + 24*time.Hour - 1) / (24 * time.Hour))
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
