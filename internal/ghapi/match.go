package ghapi

import (
	"sort"
	"strings"
)

// Which branch protection rule applies to a branch, as GitHub documents it
// ("About protected branches"): a rule naming the branch exactly wins;
// otherwise rules with wildcards apply in the order they were created, the
// oldest first. Patterns are File.fnmatch patterns with FNM_PATHNAME: '*'
// and '?' do not cross '/', "**/" spans directories.

// hasWildcard reports whether a pattern holds fnmatch special characters.
func hasWildcard(p string) bool { return strings.ContainsAny(p, "*?[]\\") }

// matchRule returns the rule protecting branch, or nil. Rules are ordered
// by creation through their database ids.
func matchRule(rules []*gqlRule, branch string) *gqlRule {
	for _, r := range rules {
		if r != nil && !hasWildcard(r.Pattern) && r.Pattern == branch {
			return r
		}
	}
	var wild []*gqlRule
	for _, r := range rules {
		if r != nil && hasWildcard(r.Pattern) && fnmatchPath(r.Pattern, branch) {
			wild = append(wild, r)
		}
	}
	if len(wild) == 0 {
		return nil
	}
	sort.SliceStable(wild, func(i, j int) bool { return wild[i].DatabaseID < wild[j].DatabaseID })
	return wild[0]
}

// fnmatchPath matches name against pattern like Ruby's File.fnmatch with
// FNM_PATHNAME.
func fnmatchPath(pattern, name string) bool {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" && len(pat) > 1 {
			// "**/" matches zero or more whole directories.
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 || !fnmatchSeg(pat[0], name[0]) {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// fnmatchSeg matches one path segment: '*' any run, '?' one character,
// [...] a class ([!...] or [^...] negated), '\' escapes.
func fnmatchSeg(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			if len(p) == 0 {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if fnmatchSeg(p, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if len(s) == 0 {
				return false
			}
			p, s = p[1:], s[1:]
		case '[':
			if len(s) == 0 {
				return false
			}
			end := strings.IndexByte(p[1:], ']')
			if end < 0 {
				if s[0] != '[' {
					return false
				}
				p, s = p[1:], s[1:]
				continue
			}
			class := p[1 : end+1]
			neg := false
			if strings.HasPrefix(class, "!") || strings.HasPrefix(class, "^") {
				neg, class = true, class[1:]
			}
			if classMatch(class, s[0]) == neg {
				return false
			}
			p, s = p[end+2:], s[1:]
		case '\\':
			if len(p) > 1 {
				p = p[1:]
			}
			fallthrough
		default:
			if len(s) == 0 || s[0] != p[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return len(s) == 0
}

func classMatch(class string, c byte) bool {
	for i := 0; i < len(class); i++ {
		if i+2 < len(class) && class[i+1] == '-' {
			if class[i] <= c && c <= class[i+2] {
				return true
			}
			i += 2
			continue
		}
		if class[i] == c {
			return true
		}
	}
	return false
}
