package config_test

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// FuzzWriteRoundTrip builds a repository file and an org file's values from
// the fuzzer's bytes (every value the loader can return), writes them, and
// checks that the loader reads back exactly those values, and that writing
// what it read gives the same bytes:
//
//	load(write(x)) == x and write(load(write(x))) == write(x)
//
//	go test ./internal/config -run '^$' -fuzz FuzzWriteRoundTrip -fuzztime 30s
func FuzzWriteRoundTrip(f *testing.F) {
	f.Add([]byte("seed"))
	f.Add([]byte{3, 0, 5, 'a', 'l', 'i', 'c', 'e', 1, 2, 200, 7, 1, 1, 1, 1})
	f.Add([]byte("\xff\x01\x02\x03true\x00null\x00yes\x00on\x00- x\x00#y\x00'\"\x00: z\x00"))
	f.Fuzz(func(t *testing.T, seed []byte) {
		g := &gen{data: seed}
		repo := g.repo()
		policy := g.policy()
		roundTrip(t, repo, policy)
	})
}

// TestWriteRoundTripValues pins the forms the writer chooses for values a
// YAML reader would otherwise take for something else.
func TestWriteRoundTripValues(t *testing.T) {
	t.Parallel()
	five, yes := 5, true
	checks := []config.Check{{Context: "EasyCLA"}, {Context: "true", AppID: config.AnyApp}, {Context: "build: all", AppID: 15368}}
	repo := &config.Repo{Grants: []config.Grant{
		{Principal: config.Principal{Kind: config.User, Name: "123"}, Role: role.Admin, ID: 42, Expires: "2027-03-01", Reason: "on call: until #12"},
		{Principal: config.Principal{Kind: config.User, Name: "null"}, Role: role.Read},
		{Principal: config.Principal{Kind: config.Team, Name: "yes"}, Role: role.Write, Expires: "2027-01-31"},
	}, Protection: []config.BranchProtection{
		{Branch: "1.0", Settings: state.Settings[config.Check]{Checks: &checks, Strict: &yes, EnforceAdmins: &yes, Reviews: &five}},
		{Branch: "release/x"},
	}}
	policy := config.DefaultPolicy()
	policy.AdminAllowed = []config.Principal{}
	policy.TrustedApps = []int64{7}
	policy.FloorRuleset = true
	data := roundTrip(t, repo, policy)
	assert.Equal(t, `admin:
  users: [{login: "123", id: 42, expires: 2027-03-01, reason: 'on call: until #12'}]
write:
  teams: [{slug: yes, expires: 2027-01-31}]
read:
  users: ["null"]
branch_protection:
  "1.0":
    required_status_checks:
      - EasyCLA
      - {context: "true", app_id: -1}
      - {context: 'build: all', app_id: 15368}
    strict: true
    enforce_admins: true
    required_approving_review_count: 5
  release/x: {}
`, string(data))
}

// TestEncodeRepoEmpty: a repository without grants is an empty mapping,
// which the loader reads as "no direct grants" (not as a missing file).
func TestEncodeRepoEmpty(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "# x\n{}\n", string(config.EncodeRepo(&config.Repo{}, "x")))
}

// roundTrip checks both properties for one pair and returns the repository
// file's bytes.
func roundTrip(t *testing.T, repo *config.Repo, policy config.Policy) []byte {
	t.Helper()
	repoData, orgData := config.EncodeRepo(repo, ""), config.EncodePolicy(policy, "")
	got := load(t, repoData, orgData)
	gotRepo, gotPolicy := got.Repos[0], got.Policy
	want := stripRepo(repo)
	if !assert.Equal(t, want.Grants, stripRepo(gotRepo).Grants, "grants:\n%s", repoData) ||
		!assert.Equal(t, want.Protection, stripRepo(gotRepo).Protection, "protection:\n%s", repoData) ||
		!assert.Equal(t, stripPolicy(policy), stripPolicy(gotPolicy), "policy:\n%s", orgData) {
		t.FailNow()
	}
	require.Equal(t, string(repoData), string(config.EncodeRepo(gotRepo, "")), "write(load(write(x))) == write(x)")
	require.Equal(t, string(orgData), string(config.EncodePolicy(gotPolicy, "")), "write(load(write(x))) == write(x)")
	return repoData
}

func load(t *testing.T, repo, org []byte) *config.Org {
	t.Helper()
	cfg, ds := config.Load(fstest.MapFS{"acme.yaml": {Data: org}, "acme/widgets.yaml": {Data: repo}}, "permissions")
	require.False(t, ds.HasErrors(), "the writer's output does not load: %v\n--- repo\n%s--- org\n%s", ds, repo, org)
	require.Len(t, cfg.Orgs, 1)
	require.Len(t, cfg.Orgs[0].Repos, 1)
	return cfg.Orgs[0]
}

// stripRepo is r without positions, which a round trip cannot keep.
func stripRepo(r *config.Repo) config.Repo {
	out := config.Repo{}
	for _, g := range r.Grants {
		g.Pos = config.Pos{}
		out.Grants = append(out.Grants, g)
	}
	for _, bp := range r.Protection {
		bp.Pos, bp.FieldPos = config.Pos{}, nil
		if bp.Checks != nil {
			cs := stripChecks(*bp.Checks)
			bp.Checks = &cs
		}
		out.Protection = append(out.Protection, bp)
	}
	return out
}

// stripPolicy is p without positions; a list the file leaves out and an
// empty one mean the same (admin_allowed aside: absent allows anybody).
func stripPolicy(p config.Policy) config.Policy {
	p.Pos = nil
	p.RequiredChecks = stripChecks(p.RequiredChecks)
	if len(p.ExpectedOwners) == 0 {
		p.ExpectedOwners = nil
	}
	if len(p.IgnoreRepos) == 0 {
		p.IgnoreRepos = nil
	}
	if len(p.TrustedApps) == 0 {
		p.TrustedApps = nil
	}
	return p
}

func stripChecks(cs []config.Check) []config.Check {
	out := []config.Check{}
	for _, c := range cs {
		c.Pos = config.Pos{}
		out = append(out, c)
	}
	return out
}

// gen draws values the loader accepts from the fuzzer's bytes; past the
// end of the bytes every draw is zero.
type gen struct {
	data []byte
}

func (g *gen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func (g *gen) n(max int) int { return int(g.byte()) % (max + 1) }

// text is a string cut from the bytes (up to a NUL), or one of a few that
// YAML reads as something other than a string.
func (g *gen) text(fallback ...string) string {
	if g.byte()%2 == 0 && len(fallback) > 0 {
		return fallback[g.n(len(fallback)-1)]
	}
	i := bytes.IndexByte(g.data, 0)
	if i < 0 {
		i = len(g.data)
	}
	s := string(g.data[:i])
	g.data = g.data[min(i+1, len(g.data)):]
	return s
}

var tricky = []string{"true", "no", "on", "null", "~", "123", "0x1F", "1e3", "1.0", "2027-03-01", "-", "a: b", "#c", "'q'", "\"d\"", "[x]", "{y}", "*z", "&w", "!t", "%p", "@at", "`b`", "x ", " y", "ünï", "a\u00a0b"}

func (g *gen) name(kind config.Kind) string {
	s := g.text(tricky...)
	if kind == config.Team {
		s = strings.ToLower(s)
		if !config.ValidSlug(s) {
			return fmt.Sprintf("team%d", g.byte())
		}
		return s
	}
	if !config.ValidLogin(s) {
		return fmt.Sprintf("user%d", g.byte())
	}
	return s
}

// line is one line of text the loader keeps as written (a reason, a check).
func (g *gen) line(max int) string {
	s := g.text(tricky...)
	if len(s) > max || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ""
	}
	return s
}

func (g *gen) repo() *config.Repo {
	r := &config.Repo{}
	seen := map[string]bool{}
	for range g.n(8) {
		kind := config.User
		if g.byte()%2 == 1 {
			kind = config.Team
		}
		gr := config.Grant{Principal: config.Principal{Kind: kind, Name: g.name(kind)}, Role: role.All[g.n(4)]}
		if seen[gr.Key()] {
			continue
		}
		seen[gr.Key()] = true
		if kind == config.User && g.byte()%2 == 1 {
			gr.ID = int64(g.byte())<<8 | int64(g.byte()) + 1
			if seen[fmt.Sprint("id:", gr.ID)] {
				gr.ID = 0
			}
			seen[fmt.Sprint("id:", gr.ID)] = true
		}
		if g.byte()%2 == 1 {
			gr.Expires = fmt.Sprintf("20%02d-%02d-%02d", g.n(99), 1+g.n(11), 1+g.n(27))
		}
		gr.Reason = g.line(config.MaxReason)
		r.Grants = append(r.Grants, gr)
	}
	// The loader's order: users, then teams, each by name.
	sort.SliceStable(r.Grants, func(i, j int) bool {
		a, b := r.Grants[i], r.Grants[j]
		if a.Kind != b.Kind {
			return a.Kind == config.User
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	})
	branches := map[string]bool{}
	for range g.n(3) {
		bp := config.BranchProtection{Branch: g.text("main", "1.0", "true", "release/1.x", "v2", "null")}
		if bp.Branch == "" || !validBranch(bp.Branch) || branches[bp.Branch] {
			continue
		}
		branches[bp.Branch] = true
		if g.byte()%2 == 1 {
			cs := g.checks(config.Unpinned)
			bp.Checks = &cs
		}
		if b := g.byte(); b%3 != 0 {
			v := b%3 == 1
			bp.Strict = &v
		}
		if b := g.byte(); b%3 != 0 {
			v := b%3 == 1
			bp.EnforceAdmins = &v
		}
		if g.byte()%2 == 1 {
			v := g.n(config.MaxReviews)
			bp.Reviews = &v
		}
		r.Protection = append(r.Protection, bp)
	}
	return r
}

// validBranch asks the loader, the one judge of a branch name (YAML holds
// only UTF-8).
func validBranch(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	data := config.EncodeRepo(&config.Repo{Protection: []config.BranchProtection{{Branch: name}}}, "")
	_, ds := config.Load(fstest.MapFS{"acme/widgets.yaml": {Data: data}}, "permissions")
	return !ds.HasErrors()
}

// checks is a list of distinct checks; plain is what a plain context means
// in the file (Unpinned in a repository file; the org file has no such pin).
func (g *gen) checks(plain int64) []config.Check {
	out := []config.Check{}
	seen := map[string]bool{}
	for range g.n(4) {
		c := config.Check{Context: g.line(255)}
		if c.Context == "" || strings.TrimSpace(c.Context) != c.Context || seen[c.Context] {
			continue
		}
		seen[c.Context] = true
		switch g.byte() % 3 {
		case 0:
			c.AppID = config.AnyApp
		case 1:
			c.AppID = int64(g.byte()) + 1
		default:
			c.AppID = plain
		}
		out = append(out, c)
	}
	return out
}

func (g *gen) policy() config.Policy {
	p := config.DefaultPolicy()
	if g.byte()%2 == 1 {
		p.Mode = config.Additive
	}
	p.RequiredChecks = g.checks(config.AnyApp)
	p.MinReviews = g.n(config.MaxReviews)
	if g.byte()%2 == 1 {
		p.AdminAllowed = []config.Principal{}
		seen := map[string]bool{}
		for range g.n(3) {
			kind := config.User
			if g.byte()%2 == 1 {
				kind = config.Team
			}
			pr := config.Principal{Kind: kind, Name: g.name(kind)}
			if !seen[pr.Key()] {
				seen[pr.Key()] = true
				p.AdminAllowed = append(p.AdminAllowed, pr)
			}
		}
	}
	p.OutsideCollaboratorMaxRole = role.All[g.n(4)]
	p.MinAdmins = g.n(10)
	p.MaxAdmins = p.MinAdmins + g.n(10)
	p.MaxRemovals = int(g.byte()) * 1000
	seen := map[string]bool{}
	for range g.n(3) {
		if o := g.name(config.User); !seen[strings.ToLower(o)] {
			seen[strings.ToLower(o)] = true
			p.ExpectedOwners = append(p.ExpectedOwners, o)
		}
	}
	for range g.n(3) {
		if r := g.text("docs", ".github", "1.0", "true"); config.ValidRepoName(r) && !strings.EqualFold(r, "widgets") && !seen["repo:"+strings.ToLower(r)] {
			seen["repo:"+strings.ToLower(r)] = true
			p.IgnoreRepos = append(p.IgnoreRepos, r)
		}
	}
	for range g.n(3) {
		if id := int64(g.byte()) + 1; !seen[fmt.Sprint("app:", id)] {
			seen[fmt.Sprint("app:", id)] = true
			p.TrustedApps = append(p.TrustedApps, id)
		}
	}
	p.FloorRuleset = g.byte()%2 == 1
	return p
}
