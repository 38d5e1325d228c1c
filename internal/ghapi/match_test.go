package ghapi

import (
	"strings"
	"testing"
	"time"
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

// TestFnmatchPathIsNotExponential: a rule pattern with many '*' or "**/"
// (set by any repository admin) against a long branch name (from a pull
// request's file) took seconds at 40 characters and hours at 60 with the
// backtracking matcher, hanging plan and drift.
func TestFnmatchPathIsNotExponential(t *testing.T) {
	t.Parallel()
	start := time.Now()
	for _, n := range []int{40, 100, 255} {
		fnmatchPath(strings.Repeat("*a", 30)+"*b", strings.Repeat("a", n))
		fnmatchPath(strings.Repeat("**/", 30)+"b", strings.Repeat("a/", n/2)+"a")
		fnmatchPath(strings.Repeat("**/*a", 20)+"/b", strings.Repeat("a/", n/2)+"a")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
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
