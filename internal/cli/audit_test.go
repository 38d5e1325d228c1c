package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
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
)

// auditWorld is a simulated org with one problem of each kind, and a git
// checkout of its permissions files whose last change came through a
// reviewed pull request.
type auditWorld struct {
	srv     *ghsim.Server
	root    string // the checkout
	dir     string // root/permissions
	keyPEM  []byte
	appID   int64
	now     time.Time
	stderr  bytes.Buffer
	merge   string // the commit of the pull request
	cacheID int
}

const auditOrgFile = `required_checks:
  - EasyCLA
  - context: DCO
    app_id: 1861
expected_owners: [svc-bot]
max_admins: 3
`

func newAuditWorld(t *testing.T) *auditWorld {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	// One fixed instant for the files' history, the audit and the
	// simulated GitHub (the App's tokens are signed on its clock).
	w := &auditWorld{srv: ghsimtest.NewServer(t), now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	s := w.srv
	s.Clock().Freeze(w.now)
	s.AddOrg("acme", ghsim.OrgOptions{BaseRole: ghsim.RoleRead})
	for _, o := range []string{"svc-bot", "root-eve"} {
		s.AddUser(o)
		s.AddMember("acme", o, true)
	}
	for _, m := range []string{"alice", "bob", "carol", "dave"} {
		s.AddUser(m)
		s.AddMember("acme", m, false)
	}
	s.AddUser("mallory")
	s.AddTeam("acme", "releng", ghsim.TeamOptions{})
	s.AddTeam("acme", "releng-oncall", ghsim.TeamOptions{Parent: "releng"})
	s.AddTeamMember("acme", "releng", "alice", "member")
	s.AddTeamMember("acme", "releng", "bob", "member")
	s.AddTeamMember("acme", "releng-oncall", "carol", "member")

	s.AddRepo("acme", "widgets", ghsim.RepoOptions{})
	s.SetTeamRepo("acme", "releng", "widgets", ghsim.RoleAdmin)
	s.SetCollaborator("acme", "widgets", "carol", ghsim.RoleWrite)
	s.SetProtection("acme", "widgets", "main", &ghsim.Protection{
		RequiredStatusChecks:       &ghsim.RequiredStatusChecks{Checks: []ghsim.StatusCheck{{Context: "EasyCLA", AppID: -1}, {Context: "DCO", AppID: 1861}}},
		EnforceAdmins:              true,
		RequiredPullRequestReviews: &ghsim.RequiredPullRequestReviews{RequiredApprovingReviewCount: 1},
	})
	s.AddRepo("acme", "permissions", ghsim.RepoOptions{})
	s.SetTeamRepo("acme", "releng", "permissions", ghsim.RoleAdmin)
	s.SetProtection("acme", "permissions", "main", &ghsim.Protection{
		RequiredStatusChecks: &ghsim.RequiredStatusChecks{Checks: []ghsim.StatusCheck{{Context: "EasyCLA", AppID: -1}, {Context: "DCO", AppID: 1861}, {Context: "plan", AppID: 15368}}},
		EnforceAdmins:        true,
		RequiredPullRequestReviews: &ghsim.RequiredPullRequestReviews{RequiredApprovingReviewCount: 1, RequireCodeOwnerReviews: true,
			DismissStaleReviews: true, RequireLastPushApproval: true},
	})
	s.AddRepo("acme", "legacy", ghsim.RepoOptions{DefaultBranch: "master"})
	s.SetCollaborator("acme", "legacy", "mallory", ghsim.RoleAdmin)
	s.AddDeployKey("acme", "legacy", "release-bot", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake", false)
	s.AddRepo("acme", "old", ghsim.RepoOptions{Archived: true})

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	w.keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	perms := ghsim.Permissions{"administration": "write", "members": "read", "metadata": "read", "pull_requests": "read", "organization_administration": "read"}
	w.appID = s.AddApp(ghsim.AppOptions{Slug: "permsync", PublicKey: &key.PublicKey, Permissions: perms})
	s.Install(w.appID, "acme", perms)

	// The checkout: files added by Alice, then carol's write through
	// pull request #1, approved by dave.
	w.root = t.TempDir()
	w.dir = filepath.Join(w.root, "permissions")
	w.git(t, "", "init", "-q", "-b", "main")
	w.write(t, "acme.yaml", auditOrgFile)
	w.write(t, "acme/widgets.yaml", "admin:\n  teams: [releng]\nbranch_protection:\n  main:\n    required_status_checks: [EasyCLA, DCO]\n    enforce_admins: true\n")
	w.commit(t, "Alice <alice@example.org>", "Add widgets", 3)
	w.write(t, "acme/widgets.yaml", "admin:\n  teams: [releng]\nwrite:\n  users: [carol]\nbranch_protection:\n  main:\n    required_status_checks: [EasyCLA, DCO]\n    enforce_admins: true\n")
	w.merge = w.commit(t, "Bob <bob@example.org>", "carol writes widgets (#1)", 2)
	s.AddPull("acme", "permissions", ghsim.PullOptions{Title: "carol writes widgets", Author: "bob", Merged: true, MergeCommitSHA: w.merge,
		Reviews: []ghsim.ReviewOptions{{User: "alice", State: "COMMENTED"}, {User: "dave", State: "APPROVED"}}})
	return w
}

func (w *auditWorld) git(t *testing.T, author string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = w.root
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if author != "" {
		name, email, _ := strings.Cut(author, " <")
		cmd.Env = append(cmd.Env, "GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+strings.TrimSuffix(email, ">"),
			"GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+strings.TrimSuffix(email, ">"))
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

func (w *auditWorld) write(t *testing.T, name, content string) {
	t.Helper()
	p := filepath.Join(w.dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

func (w *auditWorld) commit(t *testing.T, author, msg string, daysAgo int) string {
	t.Helper()
	date := w.now.AddDate(0, 0, -daysAgo).Format(time.RFC3339)
	w.git(t, author, "add", "-A")
	cmd := exec.Command("git", "commit", "-q", "-m", msg)
	cmd.Dir = w.root
	name, email, _ := strings.Cut(author, " <")
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date,
		"GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+strings.TrimSuffix(email, ">"), "GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+strings.TrimSuffix(email, ">"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return w.git(t, "", "rev-parse", "HEAD")
}

// opts are audit options acting as the world's App.
func (w *auditWorld) opts(t *testing.T, out *bytes.Buffer, appID int64, keyPEM []byte) *AuditOptions {
	t.Helper()
	creds, err := ghapi.AppCredentials(appID, keyPEM, 0)
	require.NoError(t, err)
	w.cacheID++
	io := &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: &w.stderr,
		Getenv: func(string) string { return "" }, Now: func() time.Time { return w.now },
		GitHubNow: w.srv.Now, GitHubSleep: func(ctx context.Context, d time.Duration) error { w.srv.Advance(d); return ctx.Err() }}
	g := &GlobalOptions{APIURL: w.srv.URL(), CacheDir: filepath.Join(t.TempDir(), "cache"), ReadConcurrency: 4, credentials: &creds}
	return &AuditOptions{IO: io, Global: g, Dir: w.dir, Format: "markdown", SelfRepo: "acme/permissions"}
}

func readReport(t *testing.T, file string) *audit.Report {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var r audit.Report
	require.NoError(t, json.Unmarshal(data, &r))
	return &r
}

func hasFinding(r *audit.Report, rule audit.Rule, where, subject string) bool {
	for _, f := range r.Findings {
		// A finding about several repositories (one cause) is found from any of them.
		if f.Rule == rule && (f.Where() == where || f.Affects(where)) && (subject == "" || f.Subject == subject) {
			return true
		}
	}
	return false
}

// TestAuditAgainstSimulator runs the audit as the nightly job does, and
// answers release engineering's four questions from its output.
func TestAuditAgainstSimulator(t *testing.T) {
	w := newAuditWorld(t)
	tmp := t.TempDir()
	report, snap := filepath.Join(tmp, "audit.json"), filepath.Join(tmp, "state.json")
	var out bytes.Buffer
	o := w.opts(t, &out, w.appID, w.keyPEM)
	o.Format, o.Out, o.SnapshotOut = "json", report, snap
	o.InactiveDays = 90
	require.NoError(t, auditRun(context.Background(), o), w.stderr.String())
	assert.Empty(t, out.String(), "the report went to --out")
	assert.Contains(t, w.stderr.String(), "report written to "+report)
	r := readReport(t, report)

	for _, f := range []struct {
		rule           audit.Rule
		where, subject string
	}{
		{audit.RuleUnexpectedOwner, "acme", "user:root-eve"},
		{audit.RuleOutsideAdmin, "acme/legacy", "user:mallory"},
		{audit.RuleProtectionMissing, "acme/legacy", "branch:master"},
		{audit.RuleCLANotRequired, "acme/legacy", "check:EasyCLA"},
		{audit.RuleDeployKeyWrite, "acme/legacy", "key:release-bot"},
		{audit.RuleUnmanagedRepo, "acme/legacy", ""},
		{audit.RuleArchivedRepo, "acme/old", ""},
		{audit.RuleAppAdministrationWrite, "acme", "app:permsync"},
		{audit.RuleCheckSpoofable, "acme/widgets", "check:EasyCLA"},
	} {
		assert.True(t, hasFinding(r, f.rule, f.where, f.subject), "no %s on %s %s", f.rule, f.where, f.subject)
	}
	assert.False(t, hasFinding(r, audit.RuleDrift, "acme/widgets", ""), "widgets matches its file")
	// Inactive access is judged from the repositories' events, saying so;
	// Apps and deploy keys are listed beside the people.
	var inactiveNote string
	for _, n := range r.Notes {
		if strings.HasPrefix(n, "Inactive access in acme") {
			inactiveNote = n
		}
	}
	assert.Contains(t, inactiveNote, "in the last 90 days", "the report states the horizon")
	assert.Contains(t, inactiveNote, "Source: GitHub's repository events", "and the source")
	kinds := map[string]bool{}
	for _, nh := range r.Orgs[0].NonHuman {
		kinds[nh.Kind+":"+nh.Name] = true
	}
	assert.True(t, kinds["deploy_key:release-bot"], "%v", kinds)
	assert.True(t, kinds["app:permsync"], "%v", kinds)

	// Who can administer widgets, and why.
	var widgets *audit.Repo
	for _, rep := range r.Orgs[0].Repos {
		if rep.Name == "widgets" {
			widgets = rep
		}
	}
	require.NotNil(t, widgets)
	admins := map[string]string{}
	for _, a := range widgets.Access {
		if a.Role.String() == "admin" {
			admins[a.Login] = a.Sources[0].Kind + " " + a.Sources[0].Team + " " + strings.Join(a.Sources[0].Via, ">")
		}
	}
	assert.Equal(t, map[string]string{"alice": "team releng ", "bob": "team releng ", "carol": "direct  ", "root-eve": "owner  ", "svc-bot": "owner  "}, admins)
	// carol: write directly, admin through releng-oncall, a child of releng.
	for _, a := range widgets.Access {
		if a.Login == "carol" {
			require.Len(t, a.Sources, 3)
			assert.Equal(t, []string{"releng-oncall"}, a.Sources[1].Via)
			require.NotNil(t, a.Sources[0].Trace, "carol's write is traced to the pull request")
			assert.Equal(t, 1, a.Sources[0].Trace.PR)
			assert.Equal(t, []string{"dave"}, a.Sources[0].Trace.Approvers)
		}
	}
	// What changed since D, and who approved it.
	require.True(t, r.History.Available, r.History.Note)
	assert.Equal(t, "ok", r.History.PRLookup)
	require.Len(t, r.History.Entries, 2)
	e := r.History.Entries[0]
	assert.Equal(t, w.merge, e.Commit)
	assert.Equal(t, "Bob", e.AuthorName)
	require.NotNil(t, e.PR)
	assert.Equal(t, 1, e.PR.Number)
	assert.Equal(t, []string{"dave"}, e.PR.Approvers)
	assert.Equal(t, "acme/widgets: user carol granted write", e.Changes[0].Description)
	// Which repositories do not require the CLA check.
	assert.Equal(t, []string{"acme/legacy"}, r.NoCLA)
	// The permissions repository protects itself.
	assert.True(t, r.SelfCheck.Checked, r.SelfCheck.Note)
	assert.True(t, r.SelfCheck.Passed, "%v", r.SelfCheck.Problems)

	// By hand, since the snapshot: dave made admin of widgets.
	w.srv.SetCollaborator("acme", "widgets", "dave", ghsim.RoleAdmin)
	out.Reset()
	o = w.opts(t, &out, w.appID, w.keyPEM)
	o.Compare = snap
	require.NoError(t, auditRun(context.Background(), o), w.stderr.String())
	md := out.String()
	assert.True(t, strings.HasPrefix(md, "<!-- permsync:audit -->\n# permsync audit"))
	assert.Contains(t, md, "| `acme/widgets` | `user_grant` | user dave: direct (none) → admin | **nothing: made by hand** |")
	assert.Contains(t, md, "`hand-made-change`")
	assert.Contains(t, md, "| #1 carol writes widgets | `dave` |")

	// HTML and CSV, to files.
	for _, f := range []string{"html", "csv"} {
		o = w.opts(t, &out, w.appID, w.keyPEM)
		o.Format, o.Out = f, filepath.Join(tmp, "audit."+f)
		require.NoError(t, auditRun(context.Background(), o))
	}
	html, err := os.ReadFile(filepath.Join(tmp, "audit.html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), `id="matrix-table"`)
	csvData, err := os.ReadFile(filepath.Join(tmp, "audit.csv"))
	require.NoError(t, err)
	assert.Contains(t, string(csvData), "acme,widgets,user:carol,admin,team:releng,false,false,admin,releng-oncall,"+w.dir+"/acme/widgets.yaml:2:11,false,true\n")

	// No secret anywhere: not the App's key, not a token.
	keyBody := strings.Split(string(w.keyPEM), "\n")[5]
	for _, f := range []string{report, snap, filepath.Join(tmp, "audit.html"), filepath.Join(tmp, "audit.csv")} {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, s := range []string{"PRIVATE KEY", keyBody, "ghs_", "ghu_", "ghp_", "Bearer", "token"} {
			assert.NotContains(t, string(data), s, "%s holds %q", f, s)
		}
	}
	for _, s := range []string{keyBody, "ghs_", "PRIVATE KEY"} {
		assert.NotContains(t, md, s)
		assert.NotContains(t, w.stderr.String(), s)
	}
}

// An App without Pull requests or Organization administration still
// audits: without the org's Apps and the approvers, and says so.
func TestAuditWithNarrowApp(t *testing.T) {
	w := newAuditWorld(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	perms := ghsim.Permissions{"administration": "read", "members": "read", "metadata": "read"}
	id := w.srv.AddApp(ghsim.AppOptions{Slug: "reader", PublicKey: &key.PublicKey, Permissions: perms})
	w.srv.Install(id, "acme", perms)

	report := filepath.Join(t.TempDir(), "audit.json")
	var out bytes.Buffer
	o := w.opts(t, &out, id, keyPEM)
	o.Format, o.Out = "json", report
	require.NoError(t, auditRun(context.Background(), o), w.stderr.String())
	r := readReport(t, report)
	assert.Nil(t, r.Orgs[0].Apps)
	assert.Contains(t, strings.Join(r.Notes, "\n"), "lacks Organization administration: read")
	assert.True(t, strings.HasPrefix(r.History.PRLookup, "unavailable: "), r.History.PRLookup)
	require.Len(t, r.History.Entries, 2, "commits are shown without their pull requests")
	assert.Equal(t, "PR lookup unavailable", r.History.Entries[0].PRNote)
	assert.True(t, hasFinding(r, audit.RuleOutsideAdmin, "acme/legacy", "user:mallory"))
}

// A permissions directory outside git: the history says so, the rest works.
func TestAuditWithoutGit(t *testing.T) {
	w := newAuditWorld(t)
	dir := filepath.Join(t.TempDir(), "permissions")
	require.NoError(t, os.CopyFS(dir, os.DirFS(w.dir)))
	var out bytes.Buffer
	o := w.opts(t, &out, w.appID, w.keyPEM)
	o.Dir, o.SelfRepo, o.Format = dir, "", "json"
	require.NoError(t, auditRun(context.Background(), o), w.stderr.String())
	var r audit.Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &r))
	assert.False(t, r.History.Available)
	assert.Contains(t, r.History.Note, "is not in a git checkout")
	assert.False(t, r.SelfCheck.Checked)
	assert.Contains(t, r.SelfCheck.Note, "--self-repo")
}

func TestAuditUsageErrors(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	io := &IOStreams{Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }, Now: time.Now}
	for _, tc := range []struct {
		opts AuditOptions
		want string
	}{
		{AuditOptions{Format: "xml"}, `--format must be markdown, text, html, json, csv or findings-csv, not "xml"`},
		{AuditOptions{Format: "json", Since: "last week"}, `--since must be a date as YYYY-MM-DD, not "last week"`},
		{AuditOptions{Format: "json", Since: "2999-01-01"}, "--since 2999-01-01 is in the future"},
		{AuditOptions{Format: "json", InactiveDays: 91}, "--inactive-days must be from 1 to 90 (GitHub's events reach back 90 days), or 0 to skip, not 91"},
		{AuditOptions{Format: "json", Dir: "testdata/validate/valid", Compare: "no-such-snapshot.json"}, "--compare: open no-such-snapshot.json"},
		{AuditOptions{Format: "json", Dir: "testdata/validate/valid", Org: "not an org"}, `--org "not an org" is not a valid GitHub organization name`},
	} {
		o := tc.opts
		o.IO, o.Global = io, &GlobalOptions{}
		if o.Dir == "" {
			o.Dir = "testdata/validate/valid"
		}
		err := auditRun(context.Background(), &o)
		assert.Equal(t, ExitError, exitCode(err))
		assert.ErrorContains(t, err, tc.want)
	}
}

func TestRepoFromRemote(t *testing.T) {
	t.Parallel()
	for remote, want := range map[string]string{
		"https://github.com/AcademySoftwareFoundation/permissions.git": "AcademySoftwareFoundation/permissions",
		"https://x-access-token:secret@github.com/acme/perms":          "acme/perms",
		"git@github.com:acme/perms.git":                                "acme/perms",
		"ssh://git@github.com/acme/perms.git":                          "acme/perms",
		"https://ghe.example.com/acme/perms.git":                       "acme/perms",
		"https://gitlab.com/acme/perms.git":                            "",
		"/srv/git/perms.git":                                           "",
		"https://github.com/acme":                                      "",
		"https://github.com/acme/perms/extra":                          "",
		"":                                                             "",
	} {
		got, ok := repoFromRemote(remote, "https://ghe.example.com/api/v3/")
		assert.Equal(t, want, got, remote)
		assert.Equal(t, want != "", ok, remote)
	}
	_, ok := repoFromRemote("https://ghe.example.com/acme/perms.git", "https://api.github.com/")
	assert.False(t, ok, "another host than the API's")
}

func TestAuditFlags(t *testing.T) {
	t.Parallel()
	var got *AuditOptions
	cmd := newAuditCmd(&IOStreams{}, &GlobalOptions{}, func(o *AuditOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--dir", "d", "--org", "acme", "--format", "html", "--out", "a.html", "--since", "2025-01-02",
		"--snapshot-out", "s.json", "--compare", "p.json", "--self-repo", "acme/perms"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, "d", got.Dir)
	assert.Equal(t, "acme", got.Org)
	assert.Equal(t, "html", got.Format)
	assert.Equal(t, "a.html", got.Out)
	assert.Equal(t, "2025-01-02", got.Since)
	assert.Equal(t, "s.json", got.SnapshotOut)
	assert.Equal(t, "p.json", got.Compare)
	assert.Equal(t, "acme/perms", got.SelfRepo)
	assert.Equal(t, 90, got.InactiveDays, "--inactive-days defaults to 90")
	assert.Contains(t, cmd.Example, "--compare audit-state.json --snapshot-out audit-state.json")
}
