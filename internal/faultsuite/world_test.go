package faultsuite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jwt "github.com/golang-jwt/jwt/v4"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/cli"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/demo"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

const org = "acme"

// outsiders exist on GitHub but are not org members: granting them access
// sends an invitation.
var outsiders = []string{"outsider-one", "outsider-two", "outsider-three"}

// world is a simulated GitHub seeded from testdata/start (with the drift
// internal/demo adds), a proxy in front of it, and a copy of
// testdata/want as the permissions files.
type world struct {
	*demo.World
	proxy *proxy
	dir   string // the wanted permissions files
	cache string
	env   map[string]string
	want  *config.Config
	slept atomic.Int64 // simulated time spent in the client's waits
}

func newWorld(t *testing.T) *world {
	t.Helper()
	start, diags := config.LoadDir("testdata/start")
	require.False(t, diags.HasErrors(), "%v", diags)
	dw, err := demo.Start(start)
	require.NoError(t, err)
	t.Cleanup(dw.Close)
	srv := dw.Server
	for _, u := range outsiders {
		srv.AddUser(u)
	}
	srv.AddTeam(org, "docs", ghsim.TeamOptions{})
	srv.AddUser("docs-writer")
	srv.AddMember(org, "docs-writer", false)
	srv.AddTeamMember(org, "docs", "docs-writer", "member")
	srv.AddBranch(org, "beta", "release")
	// Protection settings the files do not manage, which apply must keep.
	for _, repo := range []string{"alpha", "beta"} {
		p := srv.Protection(org, repo, "main")
		p.RequiredLinearHistory = true
		p.RequiredConversationResolution = true
		p.Restrictions = &ghsim.Restrictions{Users: []string{"amy"}, Teams: []string{}, Apps: []string{}}
		if p.RequiredPullRequestReviews != nil {
			p.RequiredPullRequestReviews.DismissStaleReviews = true
			p.RequiredPullRequestReviews.RequireCodeOwnerReviews = true
		}
		srv.SetProtection(org, repo, "main", p)
	}

	root := t.TempDir()
	dir := filepath.Join(root, "permissions")
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/want")))
	want, diags := config.LoadDir(dir)
	require.False(t, diags.HasErrors(), "%v", diags)
	w := &world{World: dw, dir: dir, cache: filepath.Join(root, "cache"), want: want}
	w.proxy = newProxy(t, srv.RootURL())
	w.env = map[string]string{
		"PERMSYNC_APP_ID":          strconv.FormatInt(dw.AppID, 10),
		"PERMSYNC_APP_PRIVATE_KEY": string(dw.KeyPEM),
		"GITHUB_API_URL":           w.proxy.URL(),
	}
	return w
}

// result is one run of permsync.
type result struct {
	code        int
	out, errOut string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.out, r.errOut)
}

// run runs permsync in this process, as the command line does, with the
// world's App credentials in the environment, no pacing between writes,
// and the GitHub client's clock and waits on the simulator's clock (a
// minute's back-off moves the clock a minute at once).
func (w *world) run(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	srv := w.Server
	ios := &cli.IOStreams{
		In:        strings.NewReader(""),
		Out:       &out,
		ErrOut:    &errOut,
		Getenv:    func(k string) string { return w.env[k] },
		Now:       srv.Now,
		GitHubNow: srv.Now,
		GitHubSleep: func(ctx context.Context, d time.Duration) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if d > 0 {
				srv.Advance(d)
				w.slept.Add(int64(d))
			}
			return nil
		},
	}
	args = append(args, "--dir", w.dir, "--cache-dir", w.cache, "--write-interval", "0s")
	code := cli.Main(args, ios)
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// plan returns the plan of the files against the simulator as it is now.
func (w *world) plan(t *testing.T) *reconcile.Plan {
	t.Helper()
	file := filepath.Join(t.TempDir(), "plan.json")
	r := w.run(t, "plan", "--format", "json", "--out", file)
	require.Contains(t, []int{cli.ExitOK, cli.ExitError}, r.code, "%s", r)
	f, err := os.Open(file)
	require.NoError(t, err, "%s", r)
	defer f.Close()
	p, err := reconcile.ReadPlan(f)
	require.NoError(t, err)
	return p
}

// installationID asks the simulator, as the App, for its installation on
// the org.
func (w *world) installationID(t *testing.T) int64 {
	t.Helper()
	key, err := jwt.ParseRSAPrivateKeyFromPEM(w.KeyPEM)
	require.NoError(t, err)
	now := w.Server.Now()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
		Issuer:    strconv.FormatInt(w.AppID, 10),
		IssuedAt:  jwt.NewNumericDate(now.Add(-30 * time.Second)),
		ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)),
	}).SignedString(key)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodGet, w.Server.URL()+"orgs/"+org+"/installation", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var inst struct {
		ID int64 `json:"id"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&inst))
	require.NotZero(t, inst.ID)
	return inst.ID
}

// key names a grant, an invitation or a branch: repository and principal
// (or branch), lower-case.
type key struct{ repo, name string }

func keyOf(repo, name string) key { return key{strings.ToLower(repo), strings.ToLower(name)} }

// snapshot is the simulator's rights state: what apply may change.
type snapshot struct {
	repos map[string]bool
	users map[key]ghsim.Role
	invs  map[key][]ghsim.Invitation
	teams map[key]ghsim.Role
	prot  map[key]*ghsim.Protection
}

// snap reads the rights of every repository of the org, and the
// protection of every branch the files name (plus main).
func (w *world) snap() snapshot {
	srv := w.Server
	s := snapshot{repos: map[string]bool{}, users: map[key]ghsim.Role{}, invs: map[key][]ghsim.Invitation{},
		teams: map[key]ghsim.Role{}, prot: map[key]*ghsim.Protection{}}
	branches := map[string][]string{}
	for _, o := range w.want.Orgs {
		for _, r := range o.Repos {
			for _, bp := range r.Protection {
				branches[strings.ToLower(r.Name)] = append(branches[strings.ToLower(r.Name)], bp.Branch)
			}
		}
	}
	for _, repo := range srv.Repos(org) {
		s.repos[strings.ToLower(repo)] = true
		for login, r := range srv.Collaborators(org, repo) {
			s.users[keyOf(repo, login)] = r
		}
		for _, inv := range srv.Invitations(org, repo) {
			k := keyOf(repo, inv.Invitee)
			s.invs[k] = append(s.invs[k], inv)
		}
		for slug, r := range srv.TeamRepos(org, repo) {
			s.teams[keyOf(repo, slug)] = r
		}
		for _, b := range append([]string{"main"}, branches[strings.ToLower(repo)]...) {
			if p := srv.Protection(org, repo, b); p != nil {
				s.prot[keyOf(repo, b)] = p
			}
		}
	}
	return s
}

func simRole(r role.Role) ghsim.Role {
	if r == role.None {
		return ghsim.RoleNone
	}
	return ghsim.Role(r.String())
}

// pending returns the invitations that have not expired.
func pending(invs []ghsim.Invitation) []ghsim.Invitation {
	var out []ghsim.Invitation
	for _, inv := range invs {
		if !inv.Expired {
			out = append(out, inv)
		}
	}
	return out
}

// reflected reports whether the state shows change c made.
func reflected(s snapshot, c reconcile.Change) bool {
	if !s.repos[strings.ToLower(c.Repo)] {
		return false
	}
	switch c.Kind {
	case reconcile.UserAdd:
		k := keyOf(c.Repo, c.User)
		if s.users[k] == simRole(c.After) {
			return true
		}
		p := pending(s.invs[k])
		return len(p) == 1 && p[0].Role == simRole(c.After)
	case reconcile.UserChange:
		return s.users[keyOf(c.Repo, c.User)] == simRole(c.After)
	case reconcile.UserRemove:
		_, ok := s.users[keyOf(c.Repo, c.User)]
		return !ok
	case reconcile.InvitationChange, reconcile.InvitationResend:
		p := pending(s.invs[keyOf(c.Repo, c.User)])
		return len(p) == 1 && p[0].Role == simRole(c.After)
	case reconcile.InvitationCancel:
		return len(s.invs[keyOf(c.Repo, c.User)]) == 0
	case reconcile.TeamAdd, reconcile.TeamChange:
		return s.teams[keyOf(c.Repo, c.Team)] == simRole(c.After)
	case reconcile.TeamRemove:
		_, ok := s.teams[keyOf(c.Repo, c.Team)]
		return !ok
	case reconcile.ProtectionCreate, reconcile.ProtectionUpdate:
		p := s.prot[keyOf(c.Repo, c.Branch)]
		return p != nil && protSatisfies(p, *c.ProtectionAfter)
	}
	return false
}

func protSatisfies(p *ghsim.Protection, want state.ProtectionSettings) bool {
	if want.Checks != nil {
		var got []string
		if p.RequiredStatusChecks != nil {
			got = checkList(p.RequiredStatusChecks.Checks)
		}
		var w []string
		for _, c := range *want.Checks {
			w = append(w, checkName(c.Context, c.AppID))
		}
		sort.Strings(w)
		if strings.Join(got, ",") != strings.Join(w, ",") {
			return false
		}
	}
	if want.Strict != nil && (p.RequiredStatusChecks == nil || p.RequiredStatusChecks.Strict != *want.Strict) {
		return false
	}
	if want.EnforceAdmins != nil && p.EnforceAdmins != *want.EnforceAdmins {
		return false
	}
	if want.Reviews != nil && (p.RequiredPullRequestReviews == nil || p.RequiredPullRequestReviews.RequiredApprovingReviewCount != *want.Reviews) {
		return false
	}
	return true
}

func checkName(ctx string, app int64) string {
	if app <= 0 {
		return ctx
	}
	return ctx + "@" + strconv.FormatInt(app, 10)
}

func checkList(cs []ghsim.StatusCheck) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, checkName(c.Context, c.AppID))
	}
	sort.Strings(out)
	return out
}

// unmanaged is a protection without the settings permsync manages
// (required checks and strict, enforce_admins, the approval count):
// apply must leave what remains as it was.
func unmanaged(p *ghsim.Protection) ghsim.Protection {
	if p == nil {
		return ghsim.Protection{}
	}
	u := *p
	u.RequiredStatusChecks = nil
	u.EnforceAdmins = false
	if p.RequiredPullRequestReviews != nil {
		rv := *p.RequiredPullRequestReviews
		rv.RequiredApprovingReviewCount = 0
		u.RequiredPullRequestReviews = &rv
		if reflect.DeepEqual(rv, ghsim.RequiredPullRequestReviews{}) {
			u.RequiredPullRequestReviews = nil
		}
	}
	return u
}

// checkWithinPlan fails the test for any difference between before and
// after that is not a change of the plan made towards its planned value,
// and for any invitee with two invitations to one repository.
func checkWithinPlan(t *testing.T, p *reconcile.Plan, before, after snapshot) {
	t.Helper()
	planned := map[string]reconcile.Change{}
	for _, c := range p.Changes {
		switch c.Kind {
		case reconcile.TeamAdd, reconcile.TeamChange, reconcile.TeamRemove:
			planned["team "+fmt.Sprint(keyOf(c.Repo, c.Team))] = c
		case reconcile.ProtectionCreate, reconcile.ProtectionUpdate:
			planned["branch "+fmt.Sprint(keyOf(c.Repo, c.Branch))] = c
		default:
			planned["user "+fmt.Sprint(keyOf(c.Repo, c.User))] = c
		}
	}
	gone := func(k key) bool { return !after.repos[k.repo] }

	for _, k := range unionKeys(before.users, after.users) {
		b, a := before.users[k], after.users[k]
		if b == a || gone(k) {
			continue
		}
		c, ok := planned["user "+fmt.Sprint(k)]
		if !ok {
			t.Errorf("outside the plan: %s/%s: user %s %q → %q", org, k.repo, k.name, b, a)
			continue
		}
		switch c.Kind {
		case reconcile.UserAdd, reconcile.UserChange, reconcile.UserRemove:
			if a != simRole(c.After) {
				t.Errorf("%s: user %s now %q, planned %s", planview.Describe(c), k.name, a, c.After)
			}
		default:
			t.Errorf("%s: the direct grant of %s changed %q → %q", planview.Describe(c), k.name, b, a)
		}
	}
	for _, k := range unionKeys(before.invs, after.invs) {
		if n := len(after.invs[k]); n > 1 {
			t.Errorf("duplicate invitation: %s/%s: %s holds %d invitations", org, k.repo, k.name, n)
		}
		b, a := invString(before.invs[k]), invString(after.invs[k])
		if b == a || gone(k) {
			continue
		}
		c, ok := planned["user "+fmt.Sprint(k)]
		if !ok {
			t.Errorf("outside the plan: %s/%s: invitation of %s %q → %q", org, k.repo, k.name, b, a)
			continue
		}
		p := pending(after.invs[k])
		switch c.Kind {
		case reconcile.UserAdd, reconcile.InvitationChange, reconcile.InvitationResend:
			if len(p) != 1 || p[0].Role != simRole(c.After) {
				t.Errorf("%s: invitation of %s now %q", planview.Describe(c), k.name, a)
			}
		case reconcile.InvitationCancel:
			if len(after.invs[k]) != 0 {
				t.Errorf("%s: invitation of %s now %q", planview.Describe(c), k.name, a)
			}
		default:
			t.Errorf("%s: the invitation of %s changed %q → %q", planview.Describe(c), k.name, b, a)
		}
	}
	for _, k := range unionKeys(before.teams, after.teams) {
		b, a := before.teams[k], after.teams[k]
		if b == a || gone(k) {
			continue
		}
		c, ok := planned["team "+fmt.Sprint(k)]
		if !ok {
			t.Errorf("outside the plan: %s/%s: team %s %q → %q", org, k.repo, k.name, b, a)
			continue
		}
		if a != simRole(c.After) {
			t.Errorf("%s: team %s now %q, planned %s", planview.Describe(c), k.name, a, c.After)
		}
	}
	for _, k := range unionKeys(before.prot, after.prot) {
		b, a := before.prot[k], after.prot[k]
		if reflect.DeepEqual(b, a) || gone(k) {
			continue
		}
		c, ok := planned["branch "+fmt.Sprint(k)]
		if !ok {
			t.Errorf("outside the plan: %s/%s: protection of %s changed:\n%+v\n→ %+v", org, k.repo, k.name, b, a)
			continue
		}
		if a == nil {
			t.Errorf("%s: the protection of %s was deleted", planview.Describe(c), k.name)
			continue
		}
		if ub, ua := unmanaged(b), unmanaged(a); !reflect.DeepEqual(ub, ua) {
			t.Errorf("%s: settings permsync does not manage changed:\n%+v\n→ %+v", planview.Describe(c), ub, ua)
		}
		checkProtectionFields(t, c, b, a)
	}
}

// checkProtectionFields: each managed setting either kept its value or
// took the planned one (a change that failed half way may have set some).
func checkProtectionFields(t *testing.T, c reconcile.Change, b, a *ghsim.Protection) {
	t.Helper()
	want := *c.ProtectionAfter
	var bChecks, aChecks []string
	var bStrict, aStrict bool
	if b != nil && b.RequiredStatusChecks != nil {
		bChecks, bStrict = checkList(b.RequiredStatusChecks.Checks), b.RequiredStatusChecks.Strict
	}
	if a.RequiredStatusChecks != nil {
		aChecks, aStrict = checkList(a.RequiredStatusChecks.Checks), a.RequiredStatusChecks.Strict
	}
	if strings.Join(aChecks, ",") != strings.Join(bChecks, ",") {
		if want.Checks == nil {
			t.Errorf("%s: required checks changed without being planned: %v → %v", planview.Describe(c), bChecks, aChecks)
		} else {
			var w []string
			for _, ch := range *want.Checks {
				w = append(w, checkName(ch.Context, ch.AppID))
			}
			sort.Strings(w)
			if strings.Join(aChecks, ",") != strings.Join(w, ",") {
				t.Errorf("%s: required checks %v, planned %v", planview.Describe(c), aChecks, w)
			}
		}
	}
	if aStrict != bStrict && (want.Strict == nil || aStrict != *want.Strict) {
		t.Errorf("%s: strict %v → %v, not planned", planview.Describe(c), bStrict, aStrict)
	}
	bEnf := b != nil && b.EnforceAdmins
	if a.EnforceAdmins != bEnf && (want.EnforceAdmins == nil || a.EnforceAdmins != *want.EnforceAdmins) {
		t.Errorf("%s: enforce_admins %v → %v, not planned", planview.Describe(c), bEnf, a.EnforceAdmins)
	}
	bRev, aRev := -1, -1
	if b != nil && b.RequiredPullRequestReviews != nil {
		bRev = b.RequiredPullRequestReviews.RequiredApprovingReviewCount
	}
	if a.RequiredPullRequestReviews != nil {
		aRev = a.RequiredPullRequestReviews.RequiredApprovingReviewCount
	}
	if aRev != bRev && (want.Reviews == nil || aRev != *want.Reviews) {
		t.Errorf("%s: required reviews %d → %d, not planned", planview.Describe(c), bRev, aRev)
	}
}

func invString(invs []ghsim.Invitation) string {
	var parts []string
	for _, inv := range invs {
		s := fmt.Sprintf("#%d %s", inv.ID, inv.Role)
		if inv.Expired {
			s += " expired"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func unionKeys[V any](a, b map[key]V) []key {
	seen := map[key]bool{}
	var out []key
	for _, m := range []map[key]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].repo != out[j].repo {
			return out[i].repo < out[j].repo
		}
		return out[i].name < out[j].name
	})
	return out
}

// notDoneLine matches an apply output line reporting a change as not made.
var notDoneLine = regexp.MustCompile(`(?m)^[✗≠…] (failed|conflict|skipped) +(.*)$`)

// checkReported: every planned change that the state does not show made
// is named in apply's output as failed, conflict or skipped; with exit 0,
// every change was made.
func checkReported(t *testing.T, p *reconcile.Plan, before, after snapshot, r result) {
	t.Helper()
	if r.code == cli.ExitError && r.out == "" && strings.HasPrefix(r.errOut, "permsync: ") && reflect.DeepEqual(before, after) {
		// The run failed before it had a plan (an org-wide read, such as
		// the members list, hit a primary limit that resets too late),
		// said why, and wrote nothing: there is no change of its own to
		// report. Which read fails first depends on the order concurrent
		// reads reach GitHub, so this is not tied to a seed.
		return
	}
	var named []string
	for _, m := range notDoneLine.FindAllStringSubmatch(r.out, -1) {
		named = append(named, m[2])
	}
	for _, c := range p.Changes {
		if reflected(after, c) {
			continue
		}
		if r.code == cli.ExitOK {
			t.Errorf("exit 0, but not made: %s", planview.Describe(c))
			continue
		}
		found := false
		if r.code == cli.ExitError && strings.Contains(r.out+r.errOut, "repository "+c.Org+"/"+c.Repo+" ") {
			// apply planned nothing for a repository it could not read,
			// and said so.
			continue
		}
		for _, line := range named {
			if strings.HasPrefix(line, planview.Describe(c)) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("not made and not reported as failed, conflict or skipped: %s\n%s", planview.Describe(c), r)
		}
	}
}

// checkConverges clears the faults and checks that a second apply exits 0
// and a plan is then empty (changes, refusals and errors).
func (w *world) checkConverges(t *testing.T) {
	t.Helper()
	w.Server.SetFaults(ghsim.Faults{})
	w.proxy.setAfter(nil)
	before := w.snap()
	p := w.plan(t)
	r := w.run(t, "apply", "--yes")
	if r.code != cli.ExitOK {
		t.Fatalf("the apply after the fault did not converge:\n%s", r)
	}
	checkWithinPlan(t, p, before, w.snap())
	checkNoDuplicateInvitations(t, w.snap())
	r = w.run(t, "plan", "--detailed-exitcode")
	if r.code != cli.ExitOK {
		t.Fatalf("a plan after convergence is not empty:\n%s", r)
	}
}

func checkNoDuplicateInvitations(t *testing.T, s snapshot) {
	t.Helper()
	for k, invs := range s.invs {
		if len(invs) > 1 {
			t.Errorf("duplicate invitation: %s/%s: %s holds %d invitations", org, k.repo, k.name, len(invs))
		}
	}
}

// planKinds counts a plan's changes by kind, for a sanity check that the
// world asks for every kind of change.
func planKinds(p *reconcile.Plan) map[reconcile.Kind]int {
	out := map[reconcile.Kind]int{}
	for _, c := range p.Changes {
		out[c.Kind]++
		if c.Kind == reconcile.UserAdd && c.Invite {
			out["invite"]++
		}
	}
	return out
}
