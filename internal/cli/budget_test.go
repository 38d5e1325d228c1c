package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim/ghsimtest"
)

// The request budget of issue 7, counted through the real plan path
// (files, token, org reads, batched GraphQL, invitations, user lookups,
// cache) against the simulated GitHub. Counts, not time: no latency, and
// the runs stay under the pacer's minute, so nothing waits.

const budgetRepos = 150

// raceEnabled reports a test binary built with -race, where the simulator
// and the client run about ten times slower: the counts do not depend on
// it, so the large runs are left to the plain go test.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// sized is n repositories, or a few under the race detector.
func sized(n int) int {
	if raceEnabled() {
		return 20
	}
	return n
}

// budgetWorld is a generated org (30 direct collaborators, 3 team grants
// and protection on each repository), its App, and its permission files
// as permsync import writes them, every 10th edited so that the plan
// holds changes and user lookups.
type budgetWorld struct {
	srv    *ghsim.Server
	creds  ghapi.Credentials
	dir    string // edited files
	plain  string // the files as imported: an empty plan
	edited int
}

func newBudgetWorld(t *testing.T, repos int) *budgetWorld {
	t.Helper()
	srv := ghsimtest.NewServer(t)
	ghsim.GenerateOrg(srv, ghsim.GenSpec{Org: "acme", Repos: repos, DirectCollaborators: 30, TeamGrants: 3,
		Teams: 12, Protection: true, Rulesets: true, Seed: 11})
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	perms := ghsim.Permissions{"administration": "write", "members": "read", "metadata": "read"}
	appID := srv.AddApp(ghsim.AppOptions{Slug: "permsync", PublicKey: &key.PublicKey, Permissions: perms})
	srv.Install(appID, "acme", perms)
	creds, err := ghapi.AppCredentials(appID, keyPEM, 0)
	require.NoError(t, err)
	w := &budgetWorld{srv: srv, creds: creds, plain: filepath.Join(t.TempDir(), "plain"), dir: filepath.Join(t.TempDir(), "permissions")}

	var out, errOut bytes.Buffer
	ios := w.ios(&out, &errOut)
	err = importRun(context.Background(), &ImportOptions{IO: ios, Global: w.global(t.TempDir()), Dir: w.plain, Org: "acme"})
	require.NoError(t, err, errOut.String())
	require.NoError(t, os.CopyFS(w.dir, os.DirFS(w.plain)))
	files, err := filepath.Glob(filepath.Join(w.dir, "acme", "repo-*0.yaml"))
	require.NoError(t, err)
	for _, f := range files {
		if editFile(t, f) {
			w.edited++
		}
	}
	require.Positive(t, w.edited)
	return w
}

// editFile asks for one more required review and gives triage to the
// first member the file does not name, as bench/plan.sh does.
func editFile(t *testing.T, path string) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	text := string(data)
	login := ""
	for i := 1; i <= 60; i++ {
		l := fmt.Sprintf("member%03d", i)
		if !regexp.MustCompile(`\b` + l + `\b`).MatchString(text) {
			login = l
			break
		}
	}
	if login == "" {
		return false
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var outLines []string
	done := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.TrimSpace(l) == "triage: {}":
			outLines = append(outLines, "triage:", "  users: ["+login+"]")
			done = true
		case l == "triage:":
			outLines = append(outLines, l)
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "  users: [") {
				i++
				outLines = append(outLines, strings.Replace(lines[i], "[", "["+login+", ", 1))
			} else {
				outLines = append(outLines, "  users: ["+login+"]")
			}
			done = true
		case strings.HasPrefix(l, "    required_approving_review_count: "):
			var n int
			_, err := fmt.Sscanf(strings.TrimSpace(l), "required_approving_review_count: %d", &n)
			require.NoError(t, err)
			outLines = append(outLines, fmt.Sprintf("    required_approving_review_count: %d", n+1))
		default:
			outLines = append(outLines, l)
		}
	}
	if !done {
		outLines = append(outLines, "triage:", "  users: ["+login+"]")
	}
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(outLines, "\n")+"\n"), 0o644))
	return true
}

func (w *budgetWorld) ios(out, errOut *bytes.Buffer) *IOStreams {
	return &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut,
		Getenv: func(string) string { return "" }, Now: func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }}
}

func (w *budgetWorld) global(cacheDir string) *GlobalOptions {
	return &GlobalOptions{APIURL: w.srv.URL(), CacheDir: cacheDir, ReadConcurrency: 4, WriteInterval: time.Second, credentials: &w.creds}
}

// planRun is one permsync plan process: a new client, so a new
// installation token. It returns the JSON plan without created_at, and
// what the simulator saw.
func (w *budgetWorld) plan(t *testing.T, dir string, g *GlobalOptions, args ...string) (string, ghsim.Stats) {
	t.Helper()
	var out, errOut bytes.Buffer
	file := filepath.Join(t.TempDir(), "plan.json")
	opts := &PlanOptions{IO: w.ios(&out, &errOut), Global: g, Dir: dir, Format: "json", Out: file, Repos: args}
	w.srv.ResetStats()
	err := planRun(context.Background(), opts)
	require.NoError(t, err, errOut.String())
	st := w.srv.Stats()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var p map[string]any
	require.NoError(t, json.Unmarshal(data, &p))
	require.Contains(t, p, "created_at")
	delete(p, "created_at")
	norm, err := json.MarshalIndent(p, "", " ")
	require.NoError(t, err)
	return string(norm), st
}

// restRequests are the REST requests of a run (GraphQL queries aside).
func restRequests(st ghsim.Stats) int64 {
	return st.Requests - st.GraphQLQueries - st.GraphQLMutations
}

// TestPlanRequestBudget: a cold plan of an org costs at most 1.2 requests
// per repository, all kinds together; a warm one (a new process and
// installation token, the same cache directory) gets at least 90 % of its
// REST requests answered 304 and costs under 0.1 primary points per
// repository.
func TestPlanRequestBudget(t *testing.T) {
	t.Parallel()
	if raceEnabled() {
		t.Skip("counts, not races: this runs without -race (the adapter's tests cover races)")
	}
	w := newBudgetWorld(t, budgetRepos)
	cache := t.TempDir()
	n := float64(budgetRepos)

	coldPlan, cold := w.plan(t, w.dir, w.global(cache))
	t.Logf("cold: %d requests (%.3f/repo), %d REST, %d GraphQL, primary cost %d; %v", cold.Requests, float64(cold.Requests)/n,
		restRequests(cold), cold.GraphQLQueries, cold.PrimaryCost, cold.ByRoute)
	assert.LessOrEqual(t, float64(cold.Requests)/n, 1.2, "cold requests per repository")
	assert.LessOrEqual(t, float64(cold.PrimaryCost)/n, 1.2, "cold primary points per repository")
	assert.Less(t, float64(cold.GraphQLQueries)/n, 0.1, "GraphQL queries per repository")
	assert.Zero(t, cold.ByRoute["GET /users/{username}"], "the logins it adds are org members: the members list says they exist")
	assert.Equal(t, int64(budgetRepos), cold.ByRoute["GET /repos/{owner}/{repo}/invitations"], "invitations: one call per repository")
	assert.Zero(t, cold.NotModified)
	assert.Contains(t, coldPlan, `"kind": "user_add"`)

	warmPlan, warm := w.plan(t, w.dir, w.global(cache))
	share := float64(warm.NotModified) / float64(restRequests(warm))
	t.Logf("warm: %d requests, %d REST of which %d answered 304 (%.1f %%), primary cost %d (%.3f/repo)", warm.Requests, restRequests(warm),
		warm.NotModified, 100*share, warm.PrimaryCost, float64(warm.PrimaryCost)/n)
	assert.Equal(t, int64(1), warm.ByRoute["POST /app/installations/{installation_id}/access_tokens"], "the warm run has its own installation token")
	assert.GreaterOrEqual(t, share, 0.9, "warm: share of REST requests answered 304")
	assert.Less(t, float64(warm.PrimaryCost)/n, 0.1, "warm: primary points per repository")
	assert.Equal(t, cold.Requests, warm.Requests, "the same requests, answered 304")
	assert.Equal(t, coldPlan, warmPlan, "a warm plan is the cold plan")
	assertNoSecrets(t, cache)
}

// TestPlanRepoReadsOneRepository: plan --repo R reads R and what it
// depends on (the org, its members and teams), not the other
// repositories.
func TestPlanRepoReadsOneRepository(t *testing.T) {
	t.Parallel()
	w := newBudgetWorld(t, sized(budgetRepos))
	_, st := w.plan(t, w.dir, w.global(t.TempDir()), "repo-0010")
	t.Logf("--repo: %d requests: %v", st.Requests, st.ByRoute)
	assert.Equal(t, int64(1), st.ByRoute["GET /repos/{owner}/{repo}/invitations"])
	assert.LessOrEqual(t, st.Requests, int64(15))
}

// TestPlanIsExactWhateverTheCache: the optimisations change what a plan
// costs, never what it says. The same state gives the same plan with no
// cache and one read at a time, with a cold cache, and warm; a change made
// on GitHub between two runs is seen by the warm run as by an uncached
// one; and the REST-only read (a GitHub without GraphQL) plans the same
// changes.
func TestPlanIsExactWhateverTheCache(t *testing.T) {
	t.Parallel()
	// 60 repositories: the REST-only read takes about 5 requests each, and
	// stays under the pacer's minute.
	repos := sized(60)
	w := newBudgetWorld(t, repos)
	plain := w.global("off")
	plain.ReadConcurrency = 1
	base, _ := w.plan(t, w.dir, plain)
	cache := t.TempDir()
	cold, _ := w.plan(t, w.dir, w.global(cache))
	warm, st := w.plan(t, w.dir, w.global(cache))
	require.Positive(t, st.NotModified)
	assert.Equal(t, base, cold, "cold cache")
	assert.Equal(t, base, warm, "warm cache")
	empty, _ := w.plan(t, w.plain, w.global(cache))
	assert.Contains(t, empty, `"changes": []`, "the imported files plan nothing")

	// Changed by hand on GitHub: a stray admin, an invitation accepted, a
	// team grant lowered, protection weakened.
	w.srv.SetCollaborator("acme", "repo-0003", "outside001", ghsim.RoleAdmin)
	accepted := false
	for i := 1; i <= repos && !accepted; i++ {
		name := fmt.Sprintf("repo-%04d", i)
		for _, inv := range w.srv.Invitations("acme", name) {
			w.srv.AcceptInvitation("acme", name, inv.Invitee)
			accepted = true
			break
		}
	}
	require.True(t, accepted, "the generated org has a pending invitation")
	for slug := range w.srv.TeamRepos("acme", "repo-0004") {
		w.srv.SetTeamRepo("acme", slug, "repo-0004", ghsim.RoleRead)
		break
	}
	p := w.srv.Protection("acme", "repo-0005", "main")
	require.NotNil(t, p)
	p.EnforceAdmins = !p.EnforceAdmins
	w.srv.SetProtection("acme", "repo-0005", "main", p)

	changed, _ := w.plan(t, w.dir, plain)
	assert.NotEqual(t, base, changed)
	assert.Contains(t, changed, `"user": "outside001"`, "the stray admin is planned away")
	warmChanged, st := w.plan(t, w.dir, w.global(cache))
	require.Positive(t, st.NotModified)
	assert.Equal(t, changed, warmChanged, "the warm run sees what changed")

	// Through REST alone: the same changes, refusals and errors (a direct
	// role REST cannot tell apart from a team's is reported, not changed:
	// there is none among these changes).
	w.srv.SetFaults(ghsim.Faults{Routes: []ghsim.RouteFault{{Method: "POST", Path: "/graphql", Status: 404, Message: "Not Found"}}})
	rest, st := w.plan(t, w.dir, w.global("off"))
	w.srv.SetFaults(ghsim.Faults{})
	require.Positive(t, st.ByRoute["GET /repos/{owner}/{repo}/collaborators"], "read through REST")
	for _, field := range []string{"changes", "refusals", "errors", "repos"} {
		assert.Equal(t, planField(t, changed, field), planField(t, rest, field), field)
	}
}

func planField(t *testing.T, plan, field string) string {
	t.Helper()
	var p map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(plan), &p))
	return string(p[field])
}

// assertNoSecrets: the cache holds no token, JWT, key or request header.
func assertNoSecrets(t *testing.T, dir string) {
	t.Helper()
	secret := regexp.MustCompile(`ghs_[A-Za-z0-9]{20,}|PRIVATE KEY|eyJhbGciOi|Authorization|Bearer `)
	n := 0
	require.NoError(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		require.NoError(t, err)
		if info.IsDir() {
			return nil
		}
		n++
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.False(t, secret.Match(b), "%s holds a secret", p)
		return nil
	}))
	assert.Positive(t, n)
}
