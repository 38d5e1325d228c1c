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
// FNM_PATHNAME. Patterns come from GitHub and names from the files, so the
// matching takes time polynomial in their lengths whatever they hold (a
// backtracking matcher is exponential in the number of '*' and "**/").
func fnmatchPath(pattern, name string) bool {
	ok, _ := fnmatchPathSteps(pattern, name)
	return ok
}

// fnmatchPathSteps is fnmatchPath with the number of steps it took (segment
// pairs tried plus characters compared), which the tests bound instead of
// timing the matcher.
func fnmatchPathSteps(pattern, name string) (bool, int) {
	var steps int
	ok := matchSegs(strings.Split(pattern, "/"), strings.Split(name, "/"), &steps)
	return ok, steps
}

// matchSegs matches path segments; "**" (not last) matches zero or more
// whole segments. Each (pattern, name) position is tried once.
func matchSegs(pat, name []string, steps *int) bool {
	failed := map[[2]int]bool{}
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(pat) {
			*steps++
			if pat[i] == "**" && i+1 < len(pat) {
				if failed[[2]int{i, j}] {
					return false
				}
				for k := j; k <= len(name); k++ {
					if match(i+1, k) {
						return true
					}
				}
				failed[[2]int{i, j}] = true
				return false
			}
			if j == len(name) || !fnmatchSeg(pat[i], name[j], steps) {
				return false
			}
			i, j = i+1, j+1
		}
		return j == len(name)
	}
	return match(0, 0)
}

// fnmatchSeg matches one path segment: '*' any run, '?' one character,
// [...] a class ([!...] or [^...] negated), '\' escapes. Backtracking
// returns only to the last '*', which is enough for these patterns and
// keeps the time within len(p)*len(s) steps.
func fnmatchSeg(p, s string, steps *int) bool {
	pi, si := 0, 0
	star, mark := -1, 0 // after the last '*' seen: pattern and name positions
	for si < len(s) {
		*steps++
		if pi < len(p) && p[pi] == '*' {
			for pi < len(p) && p[pi] == '*' {
				pi++
			}
			star, mark = pi, si
			continue
		}
		if pi < len(p) {
			if n, ok := matchToken(p, pi, s[si]); ok {
				pi, si = pi+n, si+1
				continue
			}
		}
		if star < 0 {
			return false
		}
		mark++
		pi, si = star, mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchToken matches character c against the pattern token at p[i] (not
// '*'): it returns the token's length and whether c matches it. A '['
// without a closing ']' is a plain '['; a '\' escapes the next character.
func matchToken(p string, i int, c byte) (int, bool) {
	switch p[i] {
	case '?':
		return 1, true
	case '[':
		end := strings.IndexByte(p[i+1:], ']')
		if end < 0 {
			return 1, c == '['
		}
		class := p[i+1 : i+1+end]
		neg := false
		if strings.HasPrefix(class, "!") || strings.HasPrefix(class, "^") {
			neg, class = true, class[1:]
		}
		return end + 2, classMatch(class, c) != neg
	case '\\':
		if i+1 < len(p) {
			return 2, c == p[i+1]
		}
	}
	return 1, c == p[i]
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
