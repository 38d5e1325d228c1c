package operation

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim/ghsimtest"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// world: one org on the simulator with a permsync App installed, and a
// permissions directory the test writes. The Env it gives records what it
// warns and every token it asks for.
type world struct {
	srv      *ghsim.Server
	creds    ghapi.Credentials
	dir      string
	warnings []string
	asked    []map[string]string
}

func newWorld(t *testing.T, perms ghsim.Permissions) *world {
	t.Helper()
	srv := ghsimtest.NewServer(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	appID := srv.AddApp(ghsim.AppOptions{Slug: "permsync", PublicKey: &key.PublicKey, Permissions: perms})
	srv.AddOrg("acme", ghsim.OrgOptions{})
	srv.Install(appID, "acme", perms)
	srv.AddRepo("acme", "widget", ghsim.RepoOptions{})
	srv.AddUser("alice")
	srv.AddMember("acme", "alice", false)
	creds, err := ghapi.AppCredentials(appID, keyPEM, 0)
	require.NoError(t, err)
	return &world{srv: srv, creds: creds, dir: filepath.Join(t.TempDir(), "permissions")}
}

func (w *world) env() Env {
	return Env{
		Connect: func(ctx context.Context, perms map[string]string, repos []string) (*ghapi.Client, error) {
			w.asked = append(w.asked, perms)
			return ghapi.New(ctx, ghapi.Options{APIURL: w.srv.URL(), Credentials: w.creds, Permissions: perms, Repositories: repos,
				MutationInterval: -1, Now: w.srv.Now, Sleep: func(context.Context, time.Duration) error { return nil }})
		},
		Now:    w.srv.Now,
		Getenv: func(string) string { return "" },
		Warn:   func(line string) { w.warnings = append(w.warnings, line) },
	}
}

func (w *world) write(t *testing.T, name, body string) {
	t.Helper()
	p := filepath.Join(w.dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
}

func (w *world) targets(t *testing.T) []reconcile.Target {
	t.Helper()
	cfg, diags := config.LoadDir(w.dir)
	require.False(t, diags.HasErrors(), "%v", diags)
	ts, err := reconcile.Select(cfg, "", nil)
	require.NoError(t, err)
	return ts
}

var writer = ghsim.Permissions{"administration": "write", "members": "read", "metadata": "read"}

func TestPlanApplyAndASavedPlanThatWentStale(t *testing.T) {
	w := newWorld(t, writer)
	w.write(t, "acme/widget.yaml", "write:\n  users: [alice]\n")
	env, ctx := w.env(), context.Background()
	in := PlanInput{Dir: w.dir, Targets: w.targets(t), Perms: WritePermissions}

	first, err := env.Plan(ctx, in)
	require.NoError(t, err)
	require.Len(t, first.Plan.Changes, 1)
	assert.NotNil(t, first.Actual["acme"], "the state the plan was made from comes back with it")
	require.NoError(t, CheckSaved(first.Plan, first.Plan, "plan.json"), "a plan is its own saved plan")

	res, err := env.Apply(ctx, first, nil)
	require.NoError(t, err)
	assert.False(t, res.Partial())
	assert.Equal(t, ghsim.RoleWrite, w.srv.Collaborators("acme", "widget")["alice"])

	again, err := env.Plan(ctx, in)
	require.NoError(t, err)
	assert.Empty(t, again.Plan.Changes, "a re-run converges")
	var stale *StalePlanError
	require.ErrorAs(t, CheckSaved(first.Plan, again.Plan, "plan.json"), &stale, "GitHub changed since the saved plan")
	assert.Equal(t, "GitHub's state of acme/widget changed", stale.Why)
	assert.Empty(t, w.warnings)
}

func TestPlanAsksOnlyForTheTokenItNeeds(t *testing.T) {
	w := newWorld(t, writer)
	w.write(t, "acme/widget.yaml", "read:\n  users: [alice]\n")
	env := w.env()
	in := PlanInput{Dir: w.dir, Targets: w.targets(t), Perms: ReadPermissions}
	_, err := env.Plan(context.Background(), in)
	require.NoError(t, err)
	require.Len(t, w.asked, 1)
	assert.Equal(t, ReadPermissions, w.asked[0], "no write, and no Organization administration without floor_ruleset")
}

func TestLacksPermissionReadsTypedFieldsOnly(t *testing.T) {
	const perm = "organization_administration"
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"the installation was not granted it", &ghapi.Error{Kind: ghapi.KindForbidden, Lacks: []string{"members", perm}}, true},
		{"the endpoint needs it", &ghapi.Error{Kind: ghapi.KindForbidden, Permission: perm + "=read"}, true},
		{"wrapped", errors.Join(errors.New("reading org acme"), &ghapi.Error{Kind: ghapi.KindForbidden, Lacks: []string{perm}}), true},
		// What GitHub, a repository name or a login put in a message decides nothing.
		{"named in the message only", &ghapi.Error{Kind: ghapi.KindForbidden, Message: "no " + perm + " here"}, false},
		{"a plain error naming it", errors.New("403 " + perm), false},
		{"another permission", &ghapi.Error{Kind: ghapi.KindForbidden, Lacks: []string{"members"}}, false},
		{"not a refusal", &ghapi.Error{Kind: ghapi.KindNotFound, Lacks: []string{perm}}, false},
	} {
		assert.Equal(t, c.want, lacksPermission(c.err, perm), c.name)
	}
}

func TestAuditWithoutOrganizationAdministrationReadsAgainWithout(t *testing.T) {
	w := newWorld(t, ghsim.Permissions{"administration": "read", "members": "read", "metadata": "read"})
	w.write(t, "acme/widget.yaml", "read:\n  users: [alice]\n")
	cfg, diags := config.LoadDir(w.dir)
	require.False(t, diags.HasErrors())
	now := w.srv.Now()
	done, err := w.env().Audit(context.Background(), AuditInput{Dir: w.dir, Config: cfg, Orgs: cfg.Orgs,
		SelfNote: "skipped", Since: now.AddDate(0, -1, 0), Now: now})
	require.NoError(t, err)
	assert.Empty(t, done.OrgErrors)
	assert.NotNil(t, done.Actual["acme"])
	require.Len(t, w.asked, 2, "asked with Organization administration, then without")
	assert.Equal(t, "read", w.asked[0]["organization_administration"])
	assert.Equal(t, ReadPermissions, w.asked[1])
	assert.Contains(t, done.Report.Notes, "The App lacks Organization administration: read, so the Apps installed on the orgs could not be listed.")
}

func TestImportIntoADirectoryWithoutOrgFolders(t *testing.T) {
	w := newWorld(t, writer)
	// A checkout's hidden folder is not an org folder: the directory is
	// still a fine place to import into.
	require.NoError(t, os.MkdirAll(filepath.Join(w.dir, ".git"), 0o755))
	res, err := w.env().Import(context.Background(), ImportInput{Dir: w.dir, Org: "acme"})
	require.NoError(t, err)
	assert.Equal(t, &Imported{Org: "acme", Wrote: 1, OrgFileWritten: true}, res)

	// An org file without its folder is an error to fix, not an empty
	// directory (its ignore_repos would go unheeded).
	only := filepath.Join(t.TempDir(), "permissions")
	require.NoError(t, os.MkdirAll(only, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(only, "acme.yaml"), []byte("ignore_repos: [widget]\n"), 0o644))
	w.asked = nil
	_, err = w.env().Import(context.Background(), ImportInput{Dir: only, Org: "acme"})
	var fe *FilesError
	require.ErrorAs(t, err, &fe)
	assert.Empty(t, w.asked, "GitHub is not asked")

	// Broken files are a *FilesError with what to fix, and nothing is read.
	w.write(t, "acme/widget.yaml", "write: [\n")
	w.asked = nil
	_, err = w.env().Import(context.Background(), ImportInput{Dir: w.dir, Org: "acme", Force: true})
	require.ErrorAs(t, err, &fe)
	assert.True(t, strings.HasSuffix(fe.Error(), "has errors: fix them before importing into it"))
	assert.NotEmpty(t, fe.Diags)
	assert.Empty(t, w.asked, "GitHub is not asked")
}
