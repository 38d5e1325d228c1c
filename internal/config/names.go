package config

import (
	"fmt"
	"github.com/agnivade/levenshtein"
	"regexp"
	"strings"
	"unicode/utf8"
)

// GitHub logins (users and orgs): letters, digits and hyphens, no leading or
// trailing hyphen, at most 39 characters. Some old accounts have double
// hyphens, so those pass.
var loginRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$`)

// Team slugs are lowercase: GitHub derives them from the team name.
var slugRE = regexp.MustCompile(`^[a-z0-9_](?:[a-z0-9_-]{0,253}[a-z0-9_])?$`)

var repoRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// ValidLogin reports whether s can be a GitHub user or org login.
func ValidLogin(s string) bool { return loginRE.MatchString(s) }

// ValidSlug reports whether s can be a team slug.
func ValidSlug(s string) bool { return slugRE.MatchString(s) }

// repoNameProblem explains why s cannot be a repository name, or returns "".
func repoNameProblem(s string) string {
	switch {
	case s == "":
		return "the repository name is empty"
	case s == "." || s == "..":
		return "not a repository name"
	case !repoRE.MatchString(s):
		return "a repository name has at most 100 letters, digits, '.', '-' or '_'"
	case strings.HasSuffix(strings.ToLower(s), ".git"):
		return "GitHub drops a trailing .git from repository names; name the file without it"
	}
	return ""
}

// ValidRepoName reports whether s can be a repository name.
func ValidRepoName(s string) bool { return repoNameProblem(s) == "" }

// branchProblem explains why s cannot be an exact branch name (git's
// check-ref-format rules, plus no wildcards: protection here names branches).
func branchProblem(s string) string {
	switch {
	case s == "":
		return "empty branch name"
	case len(s) > 255:
		return "branch name too long"
	case strings.ContainsAny(s, "*?["):
		return "wildcards are not supported: name the exact branch"
	case strings.ContainsAny(s, " ~^:\\") || strings.Contains(s, "..") || strings.Contains(s, "@{") || strings.Contains(s, "//") || s == "@":
		return "not a valid git branch name"
	case strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.HasSuffix(s, ".") || strings.HasPrefix(s, "-"):
		return "not a valid git branch name"
	case strings.HasPrefix(s, "refs/"):
		return "write the branch name without refs/heads/"
	}
	// git refuses a path component that begins with "." or ends in ".lock".
	for _, c := range strings.Split(s, "/") {
		if strings.HasPrefix(c, ".") || strings.HasSuffix(c, ".lock") {
			return "not a valid git branch name"
		}
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "control characters are not allowed in branch names"
		}
	}
	return ""
}

// suggest returns ` (did you mean "x"?)` for a near miss, or "".
func suggest(got string, known []string) string {
	return Suggest(got, known, known)
}

// Suggest returns ` (did you mean "x"?)` for the show[i] whose known[i] is
// within two edits of got (case-insensitive), or "". known and show are
// the same length: what is compared, and what is printed for it.
func Suggest(got string, known, show []string) string {
	best, bestD := "", 3
	got = strings.ToLower(got)
	for i, k := range known {
		if d := levenshtein.ComputeDistance(got, strings.ToLower(k)); d < bestD {
			best, bestD = show[i], d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// quote makes a user-supplied name safe to echo in a one-line message:
// escaped, and cut short (on a character boundary) when long.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}
