package audit_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/audit/audittest"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// identityInput: one repository whose file pins alice's account (id 42) as
// admin, and GitHub's state given by users.
func identityInput(t *testing.T, file string, users []state.UserGrant, members []string) audit.Input {
	t.Helper()
	cfg, diags := config.Load(fstest.MapFS{
		"acme.yaml":   {Data: []byte("expected_owners: [root]\n")},
		"acme/r.yaml": {Data: []byte(file)},
	}, "permissions")
	require.False(t, diags.HasErrors(), "%v", diags)
	a := &state.Org{Name: "acme", BaseRole: role.Read, Owners: []string{"root"}, Members: append([]string{"root"}, members...), ReadAt: audittest.Now,
		Repos: []*state.Repo{{Org: "acme", Name: "r", DefaultBranch: "main", Users: users}}}
	actual := map[string]*state.Org{"acme": a}
	targets, err := reconcile.Select(cfg, "", nil)
	require.NoError(t, err)
	plan := reconcile.Diff(reconcile.Input{Dir: "permissions", Targets: targets, Actual: actual, Now: audittest.Now})
	return audit.Input{Dir: "permissions", Orgs: cfg.Orgs, Actual: actual, Plan: plan, Now: audittest.Now}
}

// A renamed person is one person: the pinned entry declares the account's
// grant under its new login, and the report has one row for them.
func TestRenamedAccountIsOnePersonAndDeclared(t *testing.T) {
	t.Parallel()
	in := identityInput(t, "admin:\n  users: [{login: alice-old, id: 42}]\n",
		[]state.UserGrant{{Login: "alice-new", ID: 42, Role: role.Admin}}, []string{"alice-new"})
	r := audit.Build(in)
	acc := repo(t, r, "acme/r").Access
	require.Len(t, acc, 2, "alice-new and the owner")
	var alice audit.Access
	for _, a := range acc {
		if a.Login == "alice-new" {
			alice = a
		}
	}
	assert.False(t, alice.Undeclared, "the pinned entry declares the account's grant")
	assert.Equal(t, "permissions/acme/r.yaml:2:11", alice.Sources[0].Declared)
	assert.Nil(t, find(r, audit.RuleAdminNotDeclared, "acme/r", ""))
	var logins []string
	for _, p := range r.Orgs[0].People {
		logins = append(logins, p.Login)
	}
	assert.Equal(t, []string{"alice-new", "root"}, logins, "one row, under the login GitHub shows")

	// Since a snapshot taken before the rename: nothing changed.
	before := identityInput(t, "admin:\n  users: [{login: alice-old, id: 42}]\n",
		[]state.UserGrant{{Login: "alice-old", ID: 42, Role: role.Admin}}, []string{"alice-old"})
	in.Previous = audit.NewSnapshot(before.Actual, audittest.Now.Add(-24*time.Hour))
	r = audit.Build(in)
	for _, c := range r.Compare.Changes {
		assert.NotEqual(t, audit.WhatUserGrant, c.What, "a rename is not a grant removed and another added: %s", c.Description)
	}
}

// The attacker's case: alice's login, registered again by someone else
// (account 99), holds admin. The pinned entry does not declare it.
func TestReRegisteredLoginIsNotDeclared(t *testing.T) {
	t.Parallel()
	r := audit.Build(identityInput(t, "admin:\n  users: [{login: alice, id: 42}]\n",
		[]state.UserGrant{{Login: "alice", ID: 99, Role: role.Admin}}, []string{"alice"}))
	f := find(r, audit.RuleAdminNotDeclared, "acme/r", "user:alice")
	require.NotNil(t, f, "a login held by another account than the pinned one is made by hand")
	assert.Equal(t, audit.Critical, f.Severity)
	// Without the account id read, logins are compared, as before.
	r = audit.Build(identityInput(t, "admin:\n  users: [{login: alice, id: 42}]\n",
		[]state.UserGrant{{Login: "alice", Role: role.Admin}}, []string{"alice"}))
	assert.Nil(t, find(r, audit.RuleAdminNotDeclared, "acme/r", "user:alice"))
}

// Issue #14's audit pieces, wired: trusted Apps are not flagged, plain
// logins are a low finding per file, non-human access is listed (never
// what ignore_repos hides), and inactive access is judged from the
// activity given, its source and horizon said in the notes.
func TestIdentityPiecesInTheReport(t *testing.T) {
	t.Parallel()
	in := audittest.Input()
	require.NotNil(t, find(audit.Build(in), audit.RuleAppAdministrationWrite, "acme", "app:permsync-writer"))
	in.Orgs[0].Policy.TrustedApps = []int64{4242}
	for _, rp := range in.Actual["acme"].Repos {
		if rp.Name == "widgets" {
			rp.Users = []state.UserGrant{{Login: "olga", Role: role.Write}, {Login: "dave", Role: role.Write}}
		}
	}
	in.Actual["acme"].Repos = append(in.Actual["acme"].Repos, &state.Repo{Org: "acme", Name: "scratch", DefaultBranch: "main",
		DeployKeys: []state.DeployKey{{ID: 99, Title: "hidden", ReadOnly: false}}})
	in.Activity = map[string]map[string]audit.RepoActivity{"acme": {
		"widgets": {Since: audittest.Now.AddDate(0, 0, -90), Last: map[string]time.Time{"olga": audittest.Now.AddDate(0, 0, -3)}},
	}}
	in.InactiveHorizon = 30 * 24 * time.Hour
	r := audit.Build(in)

	assert.Nil(t, find(r, audit.RuleAppAdministrationWrite, "acme", "app:permsync-writer"), "trusted_apps lists 4242")
	o := r.Orgs[0]
	var names []string
	for _, nh := range o.NonHuman {
		names = append(names, nh.Kind+":"+nh.Name+":"+nh.Flag)
	}
	assert.Equal(t, []string{"app:ci-bot:", "app:permsync-writer:", "deploy_key:docs-publish:", "deploy_key:release-bot:a write deploy key can push"}, names,
		"Apps and keys beside the people; scratch is in ignore_repos")
	for _, a := range o.Apps {
		assert.Equal(t, a.ID == 4242, a.Trusted, a.Slug)
	}

	np := find(r, audit.RuleNotPinned, "acme/gadgets", "")
	require.NotNil(t, np)
	assert.Equal(t, audit.Low, np.Severity)

	var inactive []string
	for _, f := range r.Findings {
		if f.Rule == audit.RuleInactiveAccess {
			inactive = append(inactive, f.Where()+" "+f.Subject)
		}
	}
	// widgets: releng (alice, bob, carol) admin, devs (dave, erin) write, olga
	// and dave direct write; only olga acted in the last 30 days.
	assert.Equal(t, []string{"acme/widgets user:alice", "acme/widgets user:bob", "acme/widgets user:carol", "acme/widgets user:dave", "acme/widgets user:erin"}, inactive)
	var note string
	for _, n := range r.Notes {
		if strings.HasPrefix(n, "Inactive access in acme") {
			note = n
		}
	}
	assert.Contains(t, note, "in the last 30 days, since 2025-05-02")
	assert.Contains(t, note, "Source: GitHub's repository events")
	for _, ri := range audit.Rules {
		if ri.Rule == audit.RuleNotPinned || ri.Rule == audit.RuleInactiveAccess {
			assert.Equal(t, audit.Low, ri.Severity)
		}
	}
}
