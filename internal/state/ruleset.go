package state

import (
	"regexp"
	"strconv"
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

// BypassBelowOwner reports whether someone below an org owner may bypass the
// ruleset: any bypass actor other than OrganizationAdmin, or a bypass list the
// token could not read. Org owners can change any ruleset anyway.
func (rs Ruleset) BypassBelowOwner() bool {
	if !rs.BypassRead {
		return true
	}
	for _, a := range rs.Bypass {
		if !strings.EqualFold(a.Kind, "OrganizationAdmin") {
			return true
		}
	}
	return false
}

// StandsIn reports whether the ruleset's requirement of a floor check can
// stand in for classic branch protection's on branch: the ruleset is active,
// targets the branch, was read whole, requires the check (from pinnedApp
// when pinnedApp > 0), and nobody below an org owner can bypass it. why says
// what is missing when it cannot.
func (rs Ruleset) StandsIn(context string, pinnedApp int64, branch, defaultBranch string) (ok bool, why string) {
	c, req := rs.RequiresCheck(context, branch, defaultBranch)
	switch {
	case !req:
		return false, "does not require it on " + branch
	case rs.Incomplete:
		return false, "could not be read whole"
	case pinnedApp > 0 && c.AppID != pinnedApp:
		return false, "accepts it from " + appText(c.AppID) + ", not the pinned " + appText(pinnedApp)
	case !rs.BypassRead:
		return false, "has a bypass list the token cannot read"
	case rs.BypassBelowOwner():
		return false, "can be bypassed by someone below an org owner"
	}
	return true, ""
}

// FloorStandIn returns the first ruleset of r that stands in for classic
// protection's requirement of context on branch, if any.
func (r *Repo) FloorStandIn(context string, pinnedApp int64, branch string) (Ruleset, bool) {
	for _, rs := range r.Rulesets {
		if ok, _ := rs.StandsIn(context, pinnedApp, branch, r.DefaultBranch); ok {
			return rs, true
		}
	}
	return Ruleset{}, false
}

func appText(id int64) string {
	if id > 0 {
		return "App " + strconv.FormatInt(id, 10)
	}
	return "any source"
}
