package ghapi

import (
	"strings"
	"testing"
)

// backtrackMatch is the straightforward recursive matcher fnmatchPath
// replaced (exponential in the number of '*' and "**/"): the reference
// its answers must agree with.
func backtrackMatch(pattern, name string) bool {
	return backtrackSegs(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func backtrackSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" && len(pat) > 1 {
			for i := 0; i <= len(name); i++ {
				if backtrackSegs(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 || !backtrackSeg(pat[0], name[0]) {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

func backtrackSeg(p, s string) bool {
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
				if backtrackSeg(p, s[i:]) {
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

func TestFnmatchPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"main", "main", true},
		{"main", "master", false},
		{"release/*", "release/1.0", true},
		{"release/*", "release/1.0/hotfix", false},
		{"release/**/*", "release/1.0/hotfix", true},
		{"release/**/*", "release/1.0", true},
		{"**/*", "a/b/c", true},
		{"v?.*", "v1.2", true},
		{"v[0-9].x", "v7.x", true},
		{"v[!0-9].x", "v7.x", false},
		{"v[^a-c]", "vd", true},
		{"[abc", "[abc", true},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{`a\`, `a\`, true},
		{"*", "", true},
		{"?", "", false},
		{"a*b*c", "abxbyc", true},
		{"a*b*c", "abxbyd", false},
		{"*a*a*a*b", "aaaaaaaa", false},
	}
	for _, c := range cases {
		if got := fnmatchPath(c.pattern, c.name); got != c.want {
			t.Errorf("fnmatchPath(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
		if ref := backtrackMatch(c.pattern, c.name); ref != c.want {
			t.Errorf("reference(%q, %q) = %v, want %v", c.pattern, c.name, ref, c.want)
		}
	}
}

// hostilePatterns: rule patterns with many '*' or "**/" (set by any
// repository admin) against long branch names (from a pull request's file).
// They took seconds at 40 characters and hours at 60 with the backtracking
// matcher, hanging plan and drift.
func hostilePatterns(n int) [][2]string {
	return [][2]string{
		{strings.Repeat("*a", 30) + "*b", strings.Repeat("a", n)},
		{strings.Repeat("**/", 30) + "b", strings.Repeat("a/", n/2) + "a"},
		{strings.Repeat("**/*a", 20) + "/b", strings.Repeat("a/", n/2) + "a"},
	}
}

// TestFnmatchPathIsNotExponential bounds the matcher's steps (segment pairs
// tried and characters compared), not its time: each pair of pattern and
// name segment positions is tried once, with at most N+1 continuations for
// a "**", so at most P*(N+1)^2 segment steps (P, N: segments of pattern and
// name) plus len(pattern)*len(name) character steps — where a backtracking
// matcher takes about C(n, 30) steps (10^8 at n = 40). Speed is
// BenchmarkFnmatchPathHostile's.
func TestFnmatchPathIsNotExponential(t *testing.T) {
	t.Parallel()
	for _, n := range []int{40, 100, 255} {
		for _, c := range hostilePatterns(n) {
			ok, steps := fnmatchPathSteps(c[0], c[1])
			if ok {
				t.Errorf("%q matched %q", c[0], c[1])
			}
			p, n := strings.Count(c[0], "/")+1, strings.Count(c[1], "/")+1
			if bound := p*(n+1)*(n+1) + len(c[0])*len(c[1]); steps > bound {
				t.Errorf("%d steps for %q against %d characters, over %d", steps, c[0], len(c[1]), bound)
			}
		}
	}
}

func BenchmarkFnmatchPathHostile(b *testing.B) {
	cases := hostilePatterns(255)
	for b.Loop() {
		for _, c := range cases {
			fnmatchPath(c[0], c[1])
		}
	}
}

// FuzzFnmatch: the matcher agrees with the reference on short inputs
// (where the reference is fast enough).
func FuzzFnmatch(f *testing.F) {
	for _, s := range [][2]string{{"release/*", "release/1.0"}, {"**/*", "a/b/c"}, {"v[!0-9]?*x", "vab7x"}, {`a\*b`, "a*b"}, {"[abc", "[abc"}, {"*a*a*b", "aaab"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if len(pattern) > 24 || len(name) > 24 || strings.Count(pattern, "*") > 6 {
			return
		}
		if got, want := fnmatchPath(pattern, name), backtrackMatch(pattern, name); got != want {
			t.Fatalf("fnmatchPath(%q, %q) = %v, the reference says %v", pattern, name, got, want)
		}
	})
}
