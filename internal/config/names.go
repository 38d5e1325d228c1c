package config

import (
	"fmt"
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
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(strings.ToLower(got), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
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
