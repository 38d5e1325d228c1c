package ghapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Hostile answers from GitHub (or from whatever answers in its place):
// odd, missing, oversized or mistyped fields must not panic, hang or slip
// a secret into an error. Each target feeds arbitrary bytes to a decode
// path; the end-to-end ones go through the whole client (policy, retries,
// pagination) over an in-memory transport and on to the planner and the
// renderers. Seed corpora under testdata/fuzz/<Target>/ are real answers
// of the simulator: regenerate them with
//
//	PERMSYNC_WRITE_FUZZ_CORPUS=1 go test ./internal/ghapi -run TestWriteFuzzCorpus

// fuzzToken is the token the fuzzed clients send: it must never show in
// an error.
const fuzzToken = "ghp_FuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzz0042"

// fuzzEpoch is when the fuzzed clients think it is (their clock only moves
// when they wait).
var fuzzEpoch = time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)

// fakeClock makes waits instant and keeps time consistent with them.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.t = c.t.Add(d)
	}
	return nil
}

// answer is one HTTP answer.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

func (a answer) response(req *http.Request) *http.Response {
	h := a.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{
		Status:        strconv.Itoa(a.Status) + " " + http.StatusText(a.Status),
		StatusCode:    a.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(a.Body)),
		ContentLength: int64(len(a.Body)),
		Request:       req,
	}
}

var notFoundAnswer = answer{Status: http.StatusNotFound, Header: http.Header{"Content-Type": {"application/json"}},
	Body: []byte(`{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`)}

// reqKey names a request: method, path and query, and a digest of its
// body (GraphQL queries all go to one URL).
func reqKey(req *http.Request, body []byte) string {
	k := req.Method + " " + req.URL.Path
	if req.URL.RawQuery != "" {
		k += "?" + req.URL.RawQuery
	}
	if len(body) > 0 {
		sum := sha256.Sum256(body)
		k += " " + hex.EncodeToString(sum[:6])
	}
	return k
}

func readBody(req *http.Request) []byte {
	if req.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(req.Body)
	_ = req.Body.Close()
	return b
}

// recording is what the simulator answered to one read of an org.
type recording struct {
	apiURL string
	keys   []string // sorted
	byKey  map[string]answer
	opts   ReadOptions
}

// answerRecorder forwards to the simulator and keeps every answer; with noGraphQL
// it answers GraphQL with 404 itself, as a GitHub without GraphQL does,
// so that the client reads through REST.
type answerRecorder struct {
	next      http.RoundTripper
	noGraphQL bool
	mu        sync.Mutex
	byKey     map[string]answer
}

func (r *answerRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body := readBody(req)
	key := reqKey(req, body)
	var a answer
	if r.noGraphQL && strings.HasSuffix(req.URL.Path, "/graphql") {
		a = notFoundAnswer
	} else {
		out := req.Clone(req.Context())
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		resp, err := r.next.RoundTrip(out)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return nil, err
		}
		a = answer{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: b}
		// What the client sees the same way every time.
		for _, h := range []string{"Date", "X-Github-Request-Id", "Etag", "Content-Length"} {
			a.Header.Del(h)
		}
	}
	r.mu.Lock()
	r.byKey[key] = a
	r.mu.Unlock()
	return a.response(req), nil
}

// fuzzWorld is a small simulated org with a bit of everything, and files
// for it.
type fuzzWorld struct {
	srv   *ghsim.Server
	token string
	opts  ReadOptions
	dir   string
}

func newFuzzWorld(tb testing.TB) *fuzzWorld {
	tb.Helper()
	srv := ghsim.NewServer()
	tb.Cleanup(srv.Close)
	gen := ghsim.GenerateOrg(srv, ghsim.GenSpec{Org: "acme", Repos: 4, DirectCollaborators: 3, TeamGrants: 2, Teams: 3,
		Protection: true, Rulesets: true, Seed: 3})
	first := gen.Repos[0]
	srv.AddBranch("acme", first.Name, "release")
	srv.AddRepo("acme", "permissions", ghsim.RepoOptions{})
	// What the calls of FuzzCalls name.
	srv.AddRepo("acme", "widgets", ghsim.RepoOptions{})
	for _, m := range []string{"alice", "bob"} {
		srv.AddMember("acme", m, false)
	}
	srv.AddUser("olga")
	srv.AddTeam("acme", "core", ghsim.TeamOptions{})
	srv.SetCollaborator("acme", "widgets", "bob", ghsim.RoleWrite)
	srv.SetTeamRepo("acme", "core", "widgets", ghsim.RoleWrite)
	srv.AddInvitation("acme", "widgets", "olga", ghsim.RoleRead, ghsim.InvitationOptions{})
	srv.SetProtection("acme", "widgets", "main", &ghsim.Protection{EnforceAdmins: true,
		RequiredStatusChecks:       &ghsim.RequiredStatusChecks{Strict: true, Checks: []ghsim.StatusCheck{{Context: "EasyCLA", AppID: -1}}},
		RequiredPullRequestReviews: &ghsim.RequiredPullRequestReviews{RequiredApprovingReviewCount: 1, DismissStaleReviews: true}})
	owner := gen.Owners[0]
	srv.AddIssue("acme", "permissions", ghsim.IssueOptions{Title: "permsync: drift", Body: "drift <b>@someone</b>", Author: owner, Labels: []string{"permsync-drift"}})
	srv.AddPull("acme", "permissions", ghsim.PullOptions{Title: "grant alice", Author: owner, HeadSHA: strings.Repeat("a", 40),
		Merged: true, MergeCommitSHA: strings.Repeat("b", 40), MergedBy: owner, MergedAt: fuzzEpoch,
		Reviews: []ghsim.ReviewOptions{{User: owner, State: "APPROVED", CommitID: strings.Repeat("a", 40), At: fuzzEpoch}}})
	w := &fuzzWorld{srv: srv, token: srv.AddUserToken(owner), dir: tb.TempDir()}
	var names []string
	for i, r := range gen.Repos {
		names = append(names, r.Name)
		var users []string
		for login := range r.Collaborators {
			users = append(users, login)
		}
		sort.Strings(users)
		file := "write:\n  users: [" + strings.Join(users[:min(2, len(users))], ", ") + "]\n"
		if i%2 == 0 {
			file += "branch_protection:\n  " + r.DefaultBranch + ":\n    required_status_checks: [EasyCLA, build]\n    enforce_admins: true\n    required_approving_review_count: 1\n"
		}
		path := filepath.Join(w.dir, "acme", r.Name+".yaml")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	w.opts = ReadOptions{Repos: append(names, "missing-repo"), Branches: map[string][]string{first.Name: {"release", "gone"}}, Audit: true}
	return w
}

// record reads the org through a answerRecorder.
func (w *fuzzWorld) record(tb testing.TB, noGraphQL bool) *recording {
	tb.Helper()
	rec := &answerRecorder{next: http.DefaultTransport, noGraphQL: noGraphQL, byKey: map[string]answer{}}
	clock := &fakeClock{t: fuzzEpoch}
	c, err := New(context.Background(), Options{APIURL: w.srv.URL(), Credentials: TokenCredentials(w.token), Transport: rec,
		MutationInterval: -1, RESTPointsPerMinute: -1, GraphQLPointsPerMinute: -1, Now: clock.now, Sleep: clock.sleep})
	if err != nil {
		tb.Fatal(err)
	}
	// No deadline: waits run on the fake clock; go test's -timeout is the hang guard.
	if _, err := c.ReadOrg(tb.Context(), "acme", w.opts); err != nil {
		tb.Fatalf("recording a read: %v", err)
	}
	out := &recording{apiURL: w.srv.URL(), byKey: rec.byKey, opts: w.opts}
	for k := range rec.byKey {
		out.keys = append(out.keys, k)
	}
	sort.Strings(out.keys)
	return out
}

// replay answers from a recording, with one answer replaced.
type replay struct {
	rec      *recording
	override string
	status   int
	body     []byte
}

func (r *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	key := reqKey(req, readBody(req))
	a, ok := r.rec.byKey[key]
	switch {
	case key == r.override:
		status := r.status
		if status == 0 {
			status = a.Status
		}
		a = answer{Status: status, Header: a.Header, Body: r.body}
	case !ok:
		a = notFoundAnswer
	}
	return a.response(req), nil
}

// statuses the fuzzers pick from (0: the recorded one).
var fuzzStatuses = []int{0, 200, 201, 204, 304, 400, 401, 403, 404, 409, 410, 422, 429, 500, 501, 502, 503}

func pickStatus(sel uint8) int { return fuzzStatuses[int(sel)%len(fuzzStatuses)] }

// fuzzClient is a token client on transport, with instant waits.
func fuzzClient(t *testing.T, apiURL string, transport http.RoundTripper) *Client {
	clock := &fakeClock{t: fuzzEpoch}
	c, err := New(context.Background(), Options{APIURL: apiURL, Credentials: TokenCredentials(fuzzToken), Transport: transport,
		MutationInterval: -1, RESTPointsPerMinute: -1, GraphQLPointsPerMinute: -1, RequestTimeout: 5 * time.Second,
		Now: clock.now, Sleep: clock.sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkErr: an error is an error — a message, without the token.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if msg == "" {
		t.Fatalf("an error without a message: %#v", err)
	}
	if strings.Contains(msg, fuzzToken) || strings.Contains(fmt.Sprintf("%#v", err), fuzzToken) {
		t.Fatalf("the token in an error: %s", msg)
	}
}

var (
	fuzzOnce    sync.Once
	fuzzRecs    [2]*recording
	fuzzCfg     *config.Config
	fuzzWorldMu sync.Mutex
)

// recordings records the world once per process (GraphQL, then REST).
func recordings(tb testing.TB) ([2]*recording, *config.Config) {
	fuzzWorldMu.Lock()
	defer fuzzWorldMu.Unlock()
	fuzzOnce.Do(func() {
		w := newFuzzWorld(tb)
		fuzzRecs[0] = w.record(tb, false)
		fuzzRecs[1] = w.record(tb, true)
		cfg, diags := config.LoadDir(w.dir)
		if diags.HasErrors() {
			tb.Fatalf("%v", diags)
		}
		fuzzCfg = cfg
	})
	return fuzzRecs, fuzzCfg
}

// FuzzReadOrg reads an org whose every answer is real except one, which
// is the fuzzer's (status and body), through the GraphQL read or the REST
// one; then plans against the files and renders the plan.
func FuzzReadOrg(f *testing.F) {
	recs, cfg := recordings(f)
	for mode, rec := range recs {
		for i := 0; i < len(rec.keys); i += 3 {
			f.Add(mode == 1, uint16(i), uint8(0), rec.byKey[rec.keys[i]].Body)
		}
	}
	targets, err := reconcile.Select(cfg, "", nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, rest bool, which uint16, status uint8, body []byte) {
		rec := recs[0]
		if rest {
			rec = recs[1]
		}
		tr := &replay{rec: rec, override: rec.keys[int(which)%len(rec.keys)], status: pickStatus(status), body: body}
		c := fuzzClient(t, rec.apiURL, tr)
		// A hang guard, not a speed check: every wait is on a fake clock, so
		// only an input that makes the client loop gets anywhere near it.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		o, err := c.ReadOrg(ctx, "acme", rec.opts)
		if ctx.Err() != nil {
			t.Fatalf("ReadOrg did not finish within a minute (answer %q replaced)", tr.override)
		}
		checkErr(t, err)
		if err != nil {
			if o != nil {
				t.Fatal("a state and an error")
			}
			return
		}
		for _, r := range o.Repos {
			if strings.Contains(r.ReadError, fuzzToken) {
				t.Fatalf("the token in a read error: %s", r.ReadError)
			}
		}
		p := reconcile.Diff(reconcile.Input{Dir: cfg.Dir, Targets: targets, Actual: map[string]*state.Org{"acme": o}, Now: fuzzEpoch})
		if err := planview.Text(io.Discard, p, planview.TextOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := planview.Markdown(io.Discard, p, planview.MarkdownOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := planview.JSON(io.Discard, p); err != nil {
			t.Fatal(err)
		}
	})
}

// fuzzCalls are the adapter's calls other than ReadOrg: re-reads before a
// write, writes (whose answers are decoded too), issues, pull requests,
// users.
var fuzzCalls = []func(ctx context.Context, c *Client) error{
	func(ctx context.Context, c *Client) error {
		_, _, err := c.UserGrant(ctx, "acme", "widgets", "alice")
		return err
	},
	func(ctx context.Context, c *Client) error {
		_, err := c.TeamGrant(ctx, "acme", "widgets", "core")
		return err
	},
	func(ctx context.Context, c *Client) error {
		_, err := c.BranchProtection(ctx, "acme", "widgets", "main")
		return err
	},
	func(ctx context.Context, c *Client) error {
		_, err := c.SetUserGrant(ctx, "acme", "widgets", "olga", role.Write)
		return err
	},
	func(ctx context.Context, c *Client) error { return c.RemoveUserGrant(ctx, "acme", "widgets", "bob") },
	func(ctx context.Context, c *Client) error {
		return c.UpdateInvitation(ctx, "acme", "widgets", 7, role.Triage)
	},
	func(ctx context.Context, c *Client) error { return c.DeleteInvitation(ctx, "acme", "widgets", 7) },
	func(ctx context.Context, c *Client) error {
		return c.SetTeamGrant(ctx, "acme", "widgets", "core", role.Maintain)
	},
	func(ctx context.Context, c *Client) error { return c.RemoveTeamGrant(ctx, "acme", "widgets", "core") },
	func(ctx context.Context, c *Client) error {
		return c.CreateProtection(ctx, "acme", "widgets", "main", fuzzProtection())
	},
	func(ctx context.Context, c *Client) error {
		return c.UpdateProtection(ctx, "acme", "widgets", "main", fuzzProtection())
	},
	func(ctx context.Context, c *Client) error {
		_, err := c.ListIssues(ctx, "acme", "permissions", "permsync-drift", "all")
		return err
	},
	func(ctx context.Context, c *Client) error {
		_, err := c.CreateIssue(ctx, "acme", "permissions", "t", "b", []string{"permsync-drift"})
		return err
	},
	func(ctx context.Context, c *Client) error {
		s := "closed"
		_, err := c.UpdateIssue(ctx, "acme", "permissions", 1, IssueUpdate{State: &s})
		return err
	},
	func(ctx context.Context, c *Client) error { return c.CreateComment(ctx, "acme", "permissions", 1, "b") },
	func(ctx context.Context, c *Client) error {
		return c.EnsureLabel(ctx, "acme", "permissions", "permsync-drift", "#ededed", "d")
	},
	func(ctx context.Context, c *Client) error {
		_, err := c.PullsForCommit(ctx, "acme", "permissions", strings.Repeat("b", 40))
		return err
	},
	func(ctx context.Context, c *Client) error {
		_, err := c.PullReviews(ctx, "acme", "permissions", 2)
		return err
	},
	func(ctx context.Context, c *Client) error { _, err := c.Viewer(ctx, "acme"); return err },
	func(ctx context.Context, c *Client) error { _, _, err := c.UserExists(ctx, "alice"); return err },
}

func fuzzProtection() state.ProtectionSettings {
	checks := []state.Check{{Context: "EasyCLA", AppID: state.AnyApp}, {Context: "DCO", AppID: 1861}}
	strict, enforce, reviews := true, true, 2
	return state.ProtectionSettings{Checks: &checks, Strict: &strict, EnforceAdmins: &enforce, Reviews: &reviews}
}

// fuzzHeaders are header sets the fuzzer picks for its answers.
func fuzzHeaders(sel uint8, apiURL string) http.Header {
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	rl := func(remaining int, reset time.Time) {
		h.Set("X-Ratelimit-Limit", "5000")
		h.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		h.Set("X-Ratelimit-Resource", "core")
	}
	switch sel % 8 {
	case 1:
		rl(0, fuzzEpoch.Add(30*time.Second))
	case 2:
		rl(0, fuzzEpoch.Add(2*time.Hour))
	case 3:
		h.Set("Retry-After", "2")
	case 4:
		h.Set("Link", "<"+apiURL+"repos/acme/widgets/invitations?per_page=100&page=2>; rel=\"next\"")
	case 5:
		h.Set("X-Accepted-Github-Permissions", "administration=write")
	case 6:
		h.Del("Content-Type")
	case 7:
		h.Set("Link", "<https://elsewhere.example/steal?page=2>; rel=\"next\"")
	}
	return h
}

// every answers every request with the same answer; a Link to a next
// page is sent on the first answer only (an endless "next" is bounded by
// maxPages, but costs a thousand requests an input).
type every struct {
	a    answer
	sent atomic.Bool
}

func (e *every) RoundTrip(req *http.Request) (*http.Response, error) {
	readBody(req)
	a := e.a
	if e.sent.Swap(true) && a.Header.Get("Link") != "" {
		a.Header = a.Header.Clone()
		a.Header.Del("Link")
	}
	return a.response(req), nil
}

// FuzzCalls answers every request of one adapter call with the fuzzer's
// status, headers and body.
func FuzzCalls(f *testing.F) {
	for op := range fuzzCalls {
		f.Add(uint8(op), uint8(1), uint8(0), []byte(`{}`))
	}
	f.Fuzz(func(t *testing.T, op, status, hdr uint8, body []byte) {
		const apiURL = "http://github.fuzz/api/v3/"
		st := pickStatus(status)
		if st == 0 {
			st = http.StatusOK
		}
		c := fuzzClient(t, apiURL, &every{a: answer{Status: st, Header: fuzzHeaders(hdr, apiURL), Body: body}})
		// A hang guard, not a speed check: every wait is on a fake clock, so
		// only an input that makes the client loop gets anywhere near it.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err := fuzzCalls[int(op)%len(fuzzCalls)](ctx, c)
		if ctx.Err() != nil {
			t.Fatalf("call %d did not finish within a minute", int(op)%len(fuzzCalls))
		}
		checkErr(t, err)
	})
}

// FuzzGraphQLDecoders feeds GraphQL data to the decoders of repositories
// (collaborators with their permission sources, protection rules,
// rulesets), teams, ruleset rules and the answer's envelope and errors.
func FuzzGraphQLDecoders(f *testing.F) {
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		custom := func(name string) (role.Role, bool) { return role.Write, strings.HasPrefix(name, "c") }
		switch sel % 4 {
		case 0:
			var g gqlRepo
			if json.Unmarshal(data, &g) != nil {
				return
			}
			if g.Collaborators != nil {
				for _, e := range g.Collaborators.Edges {
					e.directGrant(custom)
				}
			}
			if g.BranchProtectionRules != nil {
				for _, b := range []string{"main", "release/1.0", "a/b/c"} {
					if r := matchRule(g.BranchProtectionRules.Nodes, b); r != nil {
						bp := r.protection(b)
						_ = bp
					}
				}
			}
			if g.Rulesets != nil {
				for _, h := range g.Rulesets.Nodes {
					if h != nil {
						_ = h.ruleset()
						_ = h.needsRules()
					}
				}
			}
		case 1:
			var data2 struct {
				Teams *struct {
					PageInfo pageInfo   `json:"pageInfo"`
					Nodes    []*gqlTeam `json:"nodes"`
				} `json:"teams"`
			}
			res := &gqlResult{Data: map[string]json.RawMessage{"organization": data}}
			ok, err := res.decodeField("organization", &data2)
			if err != nil && ok {
				t.Fatal("decoded and failed")
			}
			if data2.Teams != nil {
				for _, tm := range data2.Teams.Nodes {
					if tm != nil && tm.Repositories != nil {
						for _, e := range tm.Repositories.Edges {
							if e == nil {
								continue
							}
							if r, ok := role.FromAPI(e.Permission); ok && (r < role.None || r > role.Admin) {
								t.Fatalf("role %d out of range", r)
							}
						}
					}
				}
			}
		case 2:
			var nodes []*gqlRulesetRules
			if json.Unmarshal(data, &nodes) != nil {
				return
			}
			for _, n := range nodes {
				if n != nil {
					rs := state.Ruleset{}
					n.applyRules(&rs)
				}
			}
		case 3:
			var env struct {
				Data   map[string]json.RawMessage `json:"data"`
				Errors []gqlError                 `json:"errors"`
			}
			if json.Unmarshal(data, &env) != nil {
				return
			}
			res := &gqlResult{Data: env.Data, Errors: env.Errors}
			for _, e := range env.Errors {
				_ = e.top()
				_ = e.pathString()
				_ = e.undefined()
				nodeIndex(e.Path)
				_ = res.errorsFor(e.top())
			}
			if len(env.Errors) > 0 {
				checkErr(t, gqlFailure("GraphQL Fuzz", env.Errors))
				allType(env.Errors, "NOT_FOUND")
			}
		}
	})
}

// FuzzRESTDecoders feeds REST answers to the decoders of invitations,
// teams, collaborators' permission hashes, branch protection (and the
// bodies built from it), rulesets, issues and pull requests.
func FuzzRESTDecoders(f *testing.F) {
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		switch sel % 7 {
		case 0:
			var list []restInvitation
			if json.Unmarshal(data, &list) != nil {
				return
			}
			for i := range list {
				_ = list[i].state(fuzzEpoch)
			}
		case 1:
			var list []restTeam
			if json.Unmarshal(data, &list) != nil {
				return
			}
			for _, tm := range list {
				if r := tm.role(); r < role.None || r > role.Admin {
					t.Fatalf("role %d out of range", r)
				}
			}
		case 2:
			var p restProtection
			if json.Unmarshal(data, &p) != nil {
				return
			}
			_ = p.state("main")
			for _, want := range []state.ProtectionSettings{{}, fuzzProtection()} {
				if _, err := json.Marshal(mergeBody(&p, want)); err != nil {
					t.Fatalf("the PUT body cannot be encoded: %v", err)
				}
				if _, err := json.Marshal(createBody(want)); err != nil {
					t.Fatal(err)
				}
			}
		case 3:
			var rs restRuleset
			if json.Unmarshal(data, &rs) != nil {
				return
			}
			_ = rs.state()
		case 4:
			var list []restIssue
			if json.Unmarshal(data, &list) != nil {
				return
			}
			for i := range list {
				_ = list[i].issue()
			}
		case 5:
			var list []restPull
			if json.Unmarshal(data, &list) != nil {
				return
			}
			for _, p := range list {
				p.User.login()
				if p.MergedAt != nil && timeOrZero(*p.MergedAt).Location() != time.UTC {
					t.Fatal("a time not in UTC")
				}
			}
		case 6:
			var list []struct {
				Login       string          `json:"login"`
				RoleName    string          `json:"role_name"`
				Permissions map[string]bool `json:"permissions"`
			}
			if json.Unmarshal(data, &list) != nil {
				return
			}
			for _, u := range list {
				if r := highest(u.Permissions); r < role.None || r > role.Admin {
					t.Fatalf("role %d out of range", r)
				}
				if r, ok := role.FromAPI(u.RoleName); ok && (r < role.None || r > role.Admin) {
					t.Fatalf("role %d out of range", r)
				}
			}
		}
	})
}

// FuzzErrorResponse feeds an answer's status, rate-limit headers, Link
// and body to the rate-limit classification, the error decoding and the
// pagination: no panic, a status kept, no secret in the message.
func FuzzErrorResponse(f *testing.F) {
	f.Add(uint16(403), "0", "1748858400", "", "core", "", "", []byte(`{"message":"API rate limit exceeded for installation ID 1."}`))
	f.Add(uint16(403), "4999", "1748858400", "60", "core", "", "", []byte(`{"message":"You have exceeded a secondary rate limit."}`))
	f.Add(uint16(429), "", "", "Mon, 02 Jun 2025 10:01:00 GMT", "", "", "", []byte(`{"message":"too many"}`))
	f.Add(uint16(404), "", "", "", "", "administration=read", "", []byte(`{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`))
	f.Add(uint16(422), "", "", "", "", "", `<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=9>; rel="last"`,
		[]byte(`{"message":"Validation Failed","errors":[{"resource":"Repository","code":"custom","field":"permission","message":"Cannot assign `+fuzzToken+`"}]}`))
	f.Add(uint16(200), "0", "1748858400", "", "graphql", "", "", []byte(`{"errors":[{"type":"RATE_LIMITED","message":"API rate limit exceeded"}]}`))
	registerSecret(fuzzToken)
	f.Fuzz(func(t *testing.T, status uint16, remaining, reset, retryAfter, resource, accepted, link string, body []byte) {
		st := int(status)
		if st < 100 || st > 999 {
			return
		}
		h := http.Header{"Content-Type": {"application/json"}}
		for k, v := range map[string]string{"X-Ratelimit-Remaining": remaining, "X-Ratelimit-Reset": reset, "Retry-After": retryAfter,
			"X-Ratelimit-Resource": resource, "X-Accepted-Github-Permissions": accepted, "Link": link} {
			if v != "" {
				h.Set(k, v)
			}
		}
		for _, req := range []*http.Request{
			{Method: http.MethodGet, URL: mustURL("https://api.github.com/repos/acme/widgets/invitations"), Header: http.Header{"Authorization": {"Bearer " + fuzzToken}}},
			{Method: http.MethodPost, URL: mustURL("https://api.github.com/graphql"), Header: http.Header{"Authorization": {"Bearer " + fuzzToken}}},
		} {
			resp := answer{Status: st, Header: h, Body: body}.response(req)
			info := classifyLimit(req, resp, fuzzEpoch)
			for n := 0; n < 4; n++ {
				if d := secondaryWait(info, n); info.kind == limitSecondary && !info.hasRetry && d <= 0 {
					t.Fatalf("a secondary limit without Retry-After waits %s", d)
				}
			}
			l := &limiter{exhausted: map[string]time.Time{}}
			l.observe(req, resp, fuzzEpoch)
			l.exhaustedUntil(req, fuzzEpoch)
			parseRetryAfter(retryAfter, fuzzEpoch)
			parseReset(h, fuzzEpoch)
			_ = nextLink(h)

			if st >= 200 && st < 300 {
				continue
			}
			resp = answer{Status: st, Header: h, Body: body}.response(req)
			err := apiError("GET /repos/acme/widgets/invitations", resp, &callInfo{})
			e, ok := err.(*Error)
			if !ok || e.Status != st {
				t.Fatalf("apiError(%d) = %#v", st, err)
			}
			checkErr(t, err)
			if e.NotApplied && st >= 500 {
				t.Fatalf("a %d answer claims the write certainly did not happen", st)
			}
		}
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestWriteFuzzCorpus writes the seed corpora of the fuzz targets from
// the simulator's real answers (only with PERMSYNC_WRITE_FUZZ_CORPUS=1).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("PERMSYNC_WRITE_FUZZ_CORPUS") == "" {
		t.Skip("set PERMSYNC_WRITE_FUZZ_CORPUS=1 to rewrite testdata/fuzz from the simulator")
	}
	w := newFuzzWorld(t)
	recs := [2]*recording{w.record(t, false), w.record(t, true)}
	for _, name := range []string{"FuzzReadOrg", "FuzzCalls", "FuzzGraphQLDecoders", "FuzzRESTDecoders", "FuzzErrorResponse"} {
		dir := filepath.Join("testdata", "fuzz", name)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(target string, values ...any) {
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, v := range values {
			switch x := v.(type) {
			case []byte:
				fmt.Fprintf(&b, "[]byte(%q)\n", x)
			case string:
				fmt.Fprintf(&b, "string(%q)\n", x)
			case bool:
				fmt.Fprintf(&b, "bool(%v)\n", x)
			case uint8:
				fmt.Fprintf(&b, "byte(%q)\n", x)
			case uint16:
				fmt.Fprintf(&b, "uint16(%d)\n", x)
			default:
				t.Fatalf("type %T", v)
			}
		}
		sum := sha256.Sum256([]byte(b.String()))
		if err := os.WriteFile(filepath.Join("testdata", "fuzz", target, hex.EncodeToString(sum[:8])), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for mode, rec := range recs {
		for i, k := range rec.keys {
			a := rec.byKey[k]
			write("FuzzReadOrg", mode == 1, uint16(i), uint8(0), a.Body)
			n++
			path := strings.SplitN(k, " ", 3)[1]
			switch {
			case strings.HasSuffix(path, "/graphql"):
				write("FuzzGraphQLDecoders", uint8(3), a.Body)
				var env struct {
					Data map[string]json.RawMessage `json:"data"`
				}
				if json.Unmarshal(a.Body, &env) == nil {
					for alias, raw := range env.Data {
						switch {
						case strings.HasPrefix(alias, "r") && alias != "rateLimit":
							write("FuzzGraphQLDecoders", uint8(0), []byte(raw))
						case alias == "organization":
							write("FuzzGraphQLDecoders", uint8(1), []byte(raw))
						case alias == "nodes":
							write("FuzzGraphQLDecoders", uint8(2), []byte(raw))
						}
					}
				}
			case strings.Contains(path, "/invitations"):
				write("FuzzRESTDecoders", uint8(0), a.Body)
			case strings.HasSuffix(path, "/teams"):
				write("FuzzRESTDecoders", uint8(1), a.Body)
			case strings.HasSuffix(path, "/protection"):
				write("FuzzRESTDecoders", uint8(2), a.Body)
			case strings.Contains(path, "/rulesets/"):
				write("FuzzRESTDecoders", uint8(3), a.Body)
			case strings.HasSuffix(path, "/collaborators"):
				write("FuzzRESTDecoders", uint8(6), a.Body)
			}
			if a.Status >= 400 {
				write("FuzzErrorResponse", uint16(a.Status), a.Header.Get("X-Ratelimit-Remaining"), a.Header.Get("X-Ratelimit-Reset"),
					a.Header.Get("Retry-After"), a.Header.Get("X-Ratelimit-Resource"), a.Header.Get("X-Accepted-Github-Permissions"), a.Header.Get("Link"), a.Body)
			}
		}
	}
	// Issues, pull requests, reviews and the answers to writes, through
	// the client against the simulator.
	rec := &answerRecorder{next: http.DefaultTransport, byKey: map[string]answer{}}
	clock := &fakeClock{t: fuzzEpoch}
	c, err := New(context.Background(), Options{APIURL: w.srv.URL(), Credentials: TokenCredentials(w.token), Transport: rec,
		MutationInterval: -1, Now: clock.now, Sleep: clock.sleep})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	for op, call := range fuzzCalls {
		rec.mu.Lock()
		rec.byKey = map[string]answer{}
		rec.mu.Unlock()
		_ = call(ctx, c)
		var keys []string
		for k := range rec.byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			a := rec.byKey[k]
			status := uint8(0)
			for i, s := range fuzzStatuses {
				if s == a.Status {
					status = uint8(i)
				}
			}
			write("FuzzCalls", uint8(op), status, uint8(0), a.Body)
			path := strings.SplitN(k, " ", 3)[1]
			switch {
			case strings.HasSuffix(path, "/issues"):
				write("FuzzRESTDecoders", uint8(4), a.Body)
			case strings.HasSuffix(path, "/pulls"):
				write("FuzzRESTDecoders", uint8(5), a.Body)
			}
		}
	}
	t.Logf("%d answers recorded", n)
}
