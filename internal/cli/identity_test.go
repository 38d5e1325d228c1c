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
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim/ghsimtest"
	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// identWorld: two orgs on the simulator, a writer App installed in both,
// and a permissions directory the test writes.
type identWorld struct {
	srv   *ghsim.Server
	creds ghapi.Credentials
	dir   string
	now   time.Time
	out   bytes.Buffer
	err   bytes.Buffer
}

func newIdentWorld(t *testing.T) *identWorld {
	t.Helper()
	srv := ghsimtest.NewServer(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	perms := ghsim.Permissions{"administration": "write", "members": "read", "metadata": "read"}
	appID := srv.AddApp(ghsim.AppOptions{Slug: "permsync", PublicKey: &key.PublicKey, Permissions: perms})
	for _, org := range []string{"acme", "beta"} {
		srv.AddOrg(org, ghsim.OrgOptions{})
		srv.Install(appID, org, perms)
		srv.AddRepo(org, "widget", ghsim.RepoOptions{})
	}
	for _, u := range []string{"alice", "bob", "carol", "boss"} {
		srv.AddUser(u)
	}
	srv.AddMember("acme", "boss", true)
	creds, err := ghapi.AppCredentials(appID, keyPEM, 0)
	require.NoError(t, err)
	return &identWorld{srv: srv, creds: creds, dir: filepath.Join(t.TempDir(), "permissions"),
		now: time.Date(2027, 2, 20, 12, 0, 0, 0, time.UTC)}
}

func (w *identWorld) write(t *testing.T, name, body string) {
	t.Helper()
	p := filepath.Join(w.dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
}

func (w *identWorld) read(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(w.dir, filepath.FromSlash(name)))
	require.NoError(t, err)
	return string(data)
}

func (w *identWorld) ios() *IOStreams {
	w.out.Reset()
	w.err.Reset()
	return &IOStreams{In: strings.NewReader(""), Out: &w.out, ErrOut: &w.err,
		Getenv: func(string) string { return "" }, Now: func() time.Time { return w.now }}
}

func (w *identWorld) global(t *testing.T) *GlobalOptions {
	return &GlobalOptions{APIURL: w.srv.URL(), CacheDir: "off", ReadConcurrency: 2, WriteInterval: 0, credentials: &w.creds}
}

func (w *identWorld) plan(t *testing.T) (*reconcile.Plan, int) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "plan.json")
	err := planRun(context.Background(), &PlanOptions{IO: w.ios(), Global: w.global(t), Dir: w.dir, Format: "json", Out: file})
	data, rerr := os.ReadFile(file)
	require.NoError(t, rerr, w.err.String())
	var p reconcile.Plan
	require.NoError(t, json.Unmarshal(data, &p))
	for _, e := range p.Errors {
		t.Logf("plan error: %s", e)
	}
	return &p, codeOf(err)
}

func (w *identWorld) apply(t *testing.T, args ...string) int {
	t.Helper()
	opts := &ApplyOptions{IO: w.ios(), Global: w.global(t), Dir: w.dir, Yes: true}
	for _, a := range args {
		if a == "--expiries-only" {
			opts.ExpiriesOnly = true
		}
	}
	return codeOf(applyRun(context.Background(), opts))
}

func codeOf(err error) int { return exitCode(err) }

// grantingRequests counts the requests that could give access: adding a
// collaborator or a team, changing an invitation.
func grantingRequests(st ghsim.Stats) int64 {
	var n int64
	for route, c := range st.ByRoute {
		if strings.HasPrefix(route, "PUT /repos/") || strings.HasPrefix(route, "PATCH /repos/") {
			n += c
		}
	}
	return n + st.GraphQLMutations
}

func TestE2EReRegisteredLoginIsRefusedAndNeverGranted(t *testing.T) {
	w := newIdentWorld(t)
	aliceID := w.srv.UserID("alice")
	// alice renames her account, then someone registers "alice".
	w.srv.RenameUser("alice", "alice-old")
	newcomer := w.srv.AddUser("alice")
	require.NotEqual(t, aliceID, newcomer)
	w.write(t, "acme/widget.yaml", fmt.Sprintf("write:\n  users: [{login: alice, id: %d}]\n", aliceID))

	p, code := w.plan(t)
	assert.Equal(t, ExitRefused, code, w.err.String())
	require.Len(t, p.Refusals, 1)
	assert.Equal(t, fmt.Sprintf("login alice now belongs to account %d, not %d: renamed and re-registered? The login is not granted; account %d is now alice-old: write the entry as {login: alice-old, id: %d}",
		newcomer, aliceID, aliceID, aliceID), p.Refusals[0].Message)
	for _, c := range p.Changes {
		assert.NotEqual(t, "alice", c.User, "no change names the newcomer's login")
	}

	w.srv.ResetStats()
	assert.Equal(t, ExitRefused, w.apply(t))
	assert.Zero(t, grantingRequests(w.srv.Stats()), "%v", w.srv.Stats().ByRoute)
	assert.Empty(t, w.srv.Collaborators("acme", "widget"))
}

func TestE2ERenamedAccountKeepsItsAccess(t *testing.T) {
	w := newIdentWorld(t)
	bobID := w.srv.UserID("bob")
	w.srv.SetCollaborator("acme", "widget", "bob", ghsim.RoleWrite)
	carolID := w.srv.UserID("carol")
	w.write(t, "acme/widget.yaml", fmt.Sprintf("write:\n  users:\n    - {login: bob, id: %d}\n    - {login: carol, id: %d}\n", bobID, carolID))
	w.srv.RenameUser("bob", "robert")
	w.srv.RenameUser("carol", "caroline")

	p, code := w.plan(t)
	require.Equal(t, ExitOK, code, w.err.String())
	require.Len(t, p.Changes, 1, "bob keeps his grant under his new login; carol's grant follows her account")
	assert.Equal(t, "caroline", p.Changes[0].User)
	var renamed []string
	for _, n := range p.Notices {
		if n.Kind == reconcile.NoticeRenamed {
			for _, it := range n.Items {
				renamed = append(renamed, it.Source.String())
			}
		}
	}
	assert.Equal(t, []string{w.dir + "/acme/widget.yaml:3:7", w.dir + "/acme/widget.yaml:4:7"}, renamed)

	require.Equal(t, ExitOK, w.apply(t), w.err.String())
	assert.Equal(t, map[string]ghsim.Role{"robert": ghsim.RoleWrite}, onlyDirect(w.srv.Collaborators("acme", "widget")))
}

func onlyDirect(m map[string]ghsim.Role) map[string]ghsim.Role {
	if len(m) == 0 {
		return nil
	}
	return m
}

func TestE2EExpiriesOnlyApply(t *testing.T) {
	w := newIdentWorld(t)
	w.srv.SetCollaborator("acme", "widget", "alice", ghsim.RoleWrite)
	w.srv.SetCollaborator("acme", "widget", "bob", ghsim.RoleWrite)
	w.srv.AddMember("acme", "carol", false)
	// alice's grant ends on 1 March; carol's grant was merged but not yet
	// applied (it waits for its reviewed apply).
	w.write(t, "acme/widget.yaml", "write:\n  users:\n    - {login: alice, expires: 2027-03-01, reason: contract}\n    - bob\n    - carol\n")

	// Before the date: nothing expires, and carol's pending grant is left alone.
	w.srv.ResetStats()
	require.Equal(t, ExitOK, w.apply(t, "--expiries-only"), w.err.String())
	assert.Zero(t, grantingRequests(w.srv.Stats()))
	assert.Contains(t, w.out.String(), "expires on 2027-03-01")
	assert.Equal(t, ghsim.RoleWrite, w.srv.Collaborators("acme", "widget")["alice"])

	// On the date: alice's grant is removed, carol is still not granted.
	w.now = time.Date(2027, 3, 1, 3, 0, 0, 0, time.UTC)
	w.srv.ResetStats()
	require.Equal(t, ExitOK, w.apply(t, "--expiries-only"), w.err.String())
	assert.Zero(t, grantingRequests(w.srv.Stats()), "the pending non-expiry change is not applied: %v", w.srv.Stats().ByRoute)
	got := w.srv.Collaborators("acme", "widget")
	assert.NotContains(t, got, "alice")
	assert.NotContains(t, got, "carol")
	assert.Equal(t, ghsim.RoleWrite, got["bob"])
	assert.Contains(t, w.out.String(), "not applied by an expiries-only run")

	// The ordinary apply then makes the pending change.
	require.Equal(t, ExitOK, w.apply(t), w.err.String())
	assert.Contains(t, w.srv.Collaborators("acme", "widget"), "carol")
}

func TestE2EPin(t *testing.T) {
	w := newIdentWorld(t)
	body := "# widget\nwrite:\n  users: [alice, bob]   # the core pair\n\n  teams: []\nread:\n  users:\n    - carol  # docs\n    - nobody-here\n"
	w.write(t, "acme/widget.yaml", body)
	w.write(t, "beta/widget.yaml", "admin:\n  users: [alice]\n")
	err := pinRun(context.Background(), &PinOptions{IO: w.ios(), Global: w.global(t), Dir: w.dir})
	assert.Equal(t, ExitError, codeOf(err))
	assert.Contains(t, w.err.String(), "acme/widget.yaml:9:7: user nobody-here does not exist on GitHub (renamed or mistyped?); not pinned")
	a, b, c := w.srv.UserID("alice"), w.srv.UserID("bob"), w.srv.UserID("carol")
	assert.Equal(t, fmt.Sprintf("# widget\nwrite:\n  users: [{login: alice, id: %d}, {login: bob, id: %d}]   # the core pair\n\n  teams: []\nread:\n  users:\n    - {login: carol, id: %d}  # docs\n    - nobody-here\n", a, b, c),
		w.read(t, "acme/widget.yaml"))
	assert.Equal(t, fmt.Sprintf("admin:\n  users: [{login: alice, id: %d}]\n", a), w.read(t, "beta/widget.yaml"))
	assert.Contains(t, w.out.String(), "4 entries pinned in 2 files")

	// alice renames her account: --renamed follows it, in both orgs.
	w.srv.RenameUser("alice", "alice-2")
	err = pinRun(context.Background(), &PinOptions{IO: w.ios(), Global: w.global(t), Dir: w.dir, Renamed: true})
	assert.Equal(t, ExitError, codeOf(err), "nobody-here is still reported")
	assert.Equal(t, fmt.Sprintf("admin:\n  users: [{login: alice-2, id: %d}]\n", a), w.read(t, "beta/widget.yaml"))
	assert.Contains(t, w.read(t, "acme/widget.yaml"), fmt.Sprintf("users: [{login: alice-2, id: %d}, {login: bob, id: %d}]   # the core pair", a, b))
	assert.Contains(t, w.out.String(), fmt.Sprintf("acme/widget.yaml:3: account %d renamed from alice to alice-2", a))
}

func TestE2EOffboardAcrossTwoOrgs(t *testing.T) {
	w := newIdentWorld(t)
	aliceID := w.srv.UserID("alice")
	w.srv.AddMember("beta", "alice", false)
	w.srv.AddTeam("beta", "core", ghsim.TeamOptions{})
	w.srv.AddTeamMember("beta", "core", "alice", "member")
	w.srv.SetTeamRepo("beta", "core", "widget", ghsim.RoleWrite)
	w.srv.AddRepo("acme", "unmanaged", ghsim.RepoOptions{})
	w.srv.SetCollaborator("acme", "unmanaged", "alice", ghsim.RoleAdmin)
	w.srv.SetCollaborator("acme", "widget", "alice", ghsim.RoleWrite)

	w.srv.AddRepo("acme", "gadget", ghsim.RepoOptions{})
	w.write(t, "acme/widget.yaml", "# Widget: who may do what.\nmaintain:\n  users: [bob, alice]  # leads\n")
	w.write(t, "acme/gadget.yaml", "write:\n  users:\n    # the docs team\n    - carol\n    - alice\n\n    - bob\n")
	w.write(t, "beta/widget.yaml", fmt.Sprintf("admin:\n  users:\n    - {login: alice, id: %d}   # release manager\n  teams: [core]\n", aliceID))
	w.write(t, "beta/other.yaml", "read:\n  users: [bob]  # not her\n")
	w.srv.AddRepo("beta", "other", ghsim.RepoOptions{})

	require.NoError(t, offboardRun(context.Background(), &OffboardOptions{IO: w.ios(), Global: w.global(t), Dir: w.dir, Login: "Alice"}), w.err.String())
	assert.Equal(t, "# Widget: who may do what.\nmaintain:\n  users: [bob]  # leads\n", w.read(t, "acme/widget.yaml"))
	assert.Equal(t, "write:\n  users:\n    # the docs team\n    - carol\n\n    - bob\n", w.read(t, "acme/gadget.yaml"))
	assert.Equal(t, "admin:\n  users:\n  teams: [core]\n", w.read(t, "beta/widget.yaml"))
	assert.Equal(t, "read:\n  users: [bob]  # not her\n", w.read(t, "beta/other.yaml"))
	out := w.out.String()
	assert.Contains(t, out, "acme/widget.yaml:3: removed alice from maintain (alice)")
	assert.Contains(t, out, "acme/gadget.yaml:5: removed alice from write (alice)")
	assert.Contains(t, out, fmt.Sprintf("beta/widget.yaml:3: removed alice from admin ({login: alice, id: %d})", aliceID))
	assert.Contains(t, out, "3 entries removed")
	assert.Contains(t, out, "acme/unmanaged: direct grant admin (no file manages the repository): remove by hand")
	assert.Contains(t, out, "beta: org member")
	assert.Contains(t, out, "beta: member of team core (widget write): remove from the team")
	assert.NotContains(t, out, "acme/widget: direct grant", "the plan of the edited files removes it")

	// The same from an audit snapshot, read nothing live.
	snap := audit.NewSnapshot(map[string]*state.Org{"acme": {Name: "acme", Owners: []string{"alice"}, Members: []string{"alice"}}}, w.now)
	file := filepath.Join(t.TempDir(), "snap.json")
	f, err := os.Create(file)
	require.NoError(t, err)
	require.NoError(t, audit.WriteSnapshot(f, snap))
	require.NoError(t, f.Close())
	w.srv.ResetStats()
	require.NoError(t, offboardRun(context.Background(), &OffboardOptions{IO: w.ios(), Global: w.global(t), Dir: w.dir, Login: "alice", Snapshot: file}))
	assert.Zero(t, w.srv.Stats().Requests, "a snapshot is read, not GitHub")
	assert.Contains(t, w.out.String(), "alice is in no repository file")
	assert.Contains(t, w.out.String(), "acme: org owner")
}

func TestValidateWarnsOfPastAndComingExpiries(t *testing.T) {
	w := newIdentWorld(t)
	w.write(t, "acme/widget.yaml", "write:\n  users:\n    - {login: alice, expires: 2027-02-01}\n    - {login: bob, expires: 2027-03-01}\n  teams: [{slug: core, expires: 2027-09-01}]\n")
	err := validateRun(&ValidateOptions{IO: w.ios(), Dir: w.dir, Format: "text"})
	require.NoError(t, err, "a date in the past is a warning, not an error")
	assert.Equal(t, w.dir+"/acme/widget.yaml:3:7: warning: user alice expired on 2027-02-01: the plan removes this grant; delete the entry\n"+
		w.dir+"/acme/widget.yaml:4:7: warning: user bob expires on 2027-03-01 (in 9 days)\n", w.err.String())

	w.write(t, "acme/widget.yaml", "write:\n  users: [{login: alice, expires: 2027-02-30}]\n")
	err = validateRun(&ValidateOptions{IO: w.ios(), Dir: w.dir, Format: "text"})
	assert.Equal(t, ExitError, codeOf(err))
	assert.Contains(t, w.err.String(), "acme/widget.yaml:2:35: expires must be a date written YYYY-MM-DD (e.g. 2027-03-01), not \"2027-02-30\"")
}

func TestReadActivityCostsOneCachedRequestPerRepository(t *testing.T) {
	w := newIdentWorld(t)
	for i := 0; i < 5; i++ {
		w.srv.AddRepo("acme", fmt.Sprintf("r%d", i), ghsim.RepoOptions{})
	}
	w.srv.AddEvent("acme", "r1", "alice", "PushEvent", w.srv.Now().AddDate(0, 0, -2))
	g := w.global(t)
	g.CacheDir = t.TempDir()
	ctx := context.Background()
	c, err := g.connect(ctx, w.ios(), operation.ReadPermissions, nil)
	require.NoError(t, err)
	o, err := c.ReadOrg(ctx, "acme", ghapi.ReadOptions{})
	require.NoError(t, err)
	require.Len(t, o.Repos, 6)

	w.srv.ResetStats()
	act := operation.ReadActivity(ctx, c, o)
	assert.Contains(t, act["r1"].Last, "alice")
	assert.EqualValues(t, 6, w.srv.Stats().ByRoute["GET /repos/{owner}/{repo}/events"], "one request per repository")
	operation.ReadActivity(ctx, c, o)
	st := w.srv.Stats()
	assert.EqualValues(t, 12, st.ByRoute["GET /repos/{owner}/{repo}/events"])
	assert.EqualValues(t, 6, st.NotModified, "a second audit is answered from the cache")
}
