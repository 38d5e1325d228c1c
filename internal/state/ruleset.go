package state

import (
	"regexp"
	"strings"
)

// Active reports whether GitHub enforces the ruleset (evaluate mode only
// reports, disabled does nothing).
func (rs Ruleset) Active() bool { return strings.EqualFold(rs.Enforcement, "active") }

// AppliesTo reports whether an active branch ruleset's ref_name condition
// covers branch. Patterns are fnmatch-style on refs/heads/<branch>, with
// ~ALL and ~DEFAULT_BRANCH as GitHub documents.
func (rs Ruleset) AppliesTo(branch, defaultBranch string) bool {
	if !rs.Active() || (rs.Target != "" && !strings.EqualFold(rs.Target, "branch")) {
		return false
	}
	ref := "refs/heads/" + branch
	matches := func(patterns []string) bool {
		for _, p := range patterns {
			switch {
			case p == "~ALL":
				return true
			case p == "~DEFAULT_BRANCH":
				if branch == defaultBranch {
					return true
				}
			case refPattern(p).MatchString(ref):
				return true
			}
		}
		return false
	}
	return matches(rs.Include) && !matches(rs.Exclude)
}

// RequiresCheck reports whether the ruleset requires context on branch.
func (rs Ruleset) RequiresCheck(context, branch, defaultBranch string) (Check, bool) {
	if !rs.AppliesTo(branch, defaultBranch) {
		return Check{}, false
	}
	for _, c := range rs.RequiredChecks {
		if c.Context == context {
			return c, true
		}
	}
	return Check{}, false
}

// refPattern turns an fnmatch pattern into a regexp: ** crosses '/', * and ?
// do not. A pattern without "refs/" is taken relative to refs/heads/.
func refPattern(p string) *regexp.Regexp {
	if !strings.HasPrefix(p, "refs/") {
		p = "refs/heads/" + p
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := p[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return regexp.MustCompile(`^` + regexp.QuoteMeta(p) + `$`)
	}
	return re
}
