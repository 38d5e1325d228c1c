// Package audittest holds a deterministic audit input that raises every
// finding rule, for the model's tests and the renderers' golden files.
package audittest

import (
	"encoding/json"
	"fmt"
	"testing/fstest"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/history"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Now is the fixture's clock.
var Now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// Files are the fixture's permissions files.
var Files = fstest.MapFS{
	"acme.yaml": {Data: []byte(`mode: authoritative
required_checks:
  - EasyCLA
  - context: DCO
    app_id: 1861
min_reviews: 1
admin_allowed: [team:releng, user:dave]
outside_collaborator_max_role: write
min_admins: 1
max_admins: 2
expected_owners: [svc-bot]
ignore_repos: [scratch]
`)},
	"acme/widgets.yaml": {Data: []byte(`admin:
  teams: [releng]
write:
  teams: [devs]
  users: [olga]
branch_protection:
  main:
    required_status_checks: [EasyCLA, DCO]
    enforce_admins: true
    required_approving_review_count: 1
`)},
	"acme/gadgets.yaml": {Data: []byte(`admin:
  teams: [releng]
  users: [dave]
maintain:
  users: [olga]
write:
  users: [erin]
`)},
	"acme/ruled.yaml": {Data: []byte(`write:
  teams: [devs]
`)},
	"acme/ghost.yaml": {Data: []byte(`read:
  teams: [devs]
`)},
	"beta.yaml": {Data: []byte("mode: additive\nexpected_owners: [beta-admin]\n")},
	"beta/tools.yaml": {Data: []byte(`write:
  users: [quinn]
`)},
}

// Input returns the fixture's audit input: files, state, plan, history, a
// previous snapshot and the permissions repository.
func Input() audit.Input {
	cfg, diags := config.Load(Files, "permissions")
	if diags.HasErrors() {
		panic(fmt.Sprint(diags))
	}
	actual := map[string]*state.Org{"acme": Acme(), "beta": Beta()}
	var targets []reconcile.Target
	for _, o := range cfg.Orgs {
		t, err := reconcile.Select(cfg, o.Name, nil)
		if err != nil {
			panic(err)
		}
		targets = append(targets, t...)
	}
	plan := reconcile.Diff(reconcile.Input{Dir: "permissions", Targets: targets, Actual: actual, Now: Now})
	return audit.Input{
		Dir:      "permissions",
		Orgs:     cfg.Orgs,
		Actual:   actual,
		Plan:     plan,
		History:  History(),
		Previous: Previous(),
		Self:     audit.SelfInput{Repo: "acme-admin/permissions", State: SelfRepo()},
		Now:      Now,
	}
}

func prot(branch string, checks []state.Check, enforce bool, reviews int) state.BranchProtection {
	bp := state.BranchProtection{Branch: branch, Protected: true, EnforceAdmins: enforce}
	if checks != nil {
		bp.StatusChecks = &state.StatusChecks{Strict: true, Checks: checks}
	}
	if reviews >= 0 {
		bp.Reviews = &state.Reviews{Count: reviews}
	}
	return bp
}

// Acme is the main org: one repository per kind of problem.
func Acme() *state.Org {
	one := 1
	o := &state.Org{
		Name:     "acme",
		BaseRole: role.Read,
		Owners:   []string{"root-eve", "svc-bot"},
		Members:  []string{"alice", "bob", "carol", "dave", "erin", "frank", "root-eve", "svc-bot"},
		Teams: []*state.Team{
			{Slug: "devs", Name: "Developers", ID: 3, Members: []string{"dave", "erin"}},
			{Slug: "releng", Name: "Release Engineering", ID: 1, Members: []string{"alice", "bob", "carol"}},
			{Slug: "releng-oncall", Name: "Release on-call", ID: 2, Parent: "releng", Members: []string{"carol"}},
		},
		Installations: []state.Installation{
			{AppSlug: "ci-bot", AppID: 77, Permissions: map[string]string{"checks": "write", "metadata": "read"}, RepositorySelection: "all"},
			{AppSlug: "permsync-writer", AppID: 4242, Permissions: map[string]string{"administration": "write", "members": "read", "metadata": "read"}, RepositorySelection: "all"},
		},
		ReadAt: Now,
	}
	o.Repos = []*state.Repo{
		{ // Managed, in line with its file; EasyCLA from any source.
			Org: "acme", Name: "widgets", DefaultBranch: "main", Visibility: "public",
			Users: []state.UserGrant{{Login: "olga", Role: role.Write}},
			Teams: []state.TeamGrant{{Slug: "devs", Role: role.Write}, {Slug: "releng", Role: role.Admin}},
			Protection: []state.BranchProtection{
				prot("main", []state.Check{{Context: "DCO", AppID: 1861}, {Context: "EasyCLA", AppID: state.AnyApp}}, true, 1),
			},
			DeployKeys: []state.DeployKey{{ID: 10, Title: "docs-publish", ReadOnly: true}},
		},
		{ // Managed, drifted by hand, and weak.
			Org: "acme", Name: "gadgets", DefaultBranch: "main", Visibility: "public",
			Users: []state.UserGrant{
				{Login: "dave", Role: role.Admin}, {Login: "erin", Role: role.Admin},
				{Login: "mallory", Role: role.Admin}, {Login: "oscar", Role: role.Maintain},
			},
			Invitations: []state.Invitation{
				{ID: 501, Login: "yan", Role: role.Write, CreatedAt: Now.Add(-48 * time.Hour), Inviter: "dave"},
				{ID: 502, Login: "zed", Role: role.Read, CreatedAt: Now.Add(-30 * 24 * time.Hour), Expired: true, Inviter: "erin"},
			},
			Teams: []state.TeamGrant{{Slug: "releng", Role: role.Admin}},
			Protection: []state.BranchProtection{func() state.BranchProtection {
				bp := prot("main", []state.Check{{Context: "DCO", AppID: 1861}}, false, 0)
				bp.AllowForcePushes, bp.AllowDeletions = true, true
				return bp
			}()},
			DeployKeys: []state.DeployKey{{ID: 11, Title: "release-bot", ReadOnly: false}},
		},
		{ // Managed; protected by a ruleset alone, with a bypass, DCO pinned to the wrong App.
			Org: "acme", Name: "ruled", DefaultBranch: "main", Visibility: "public",
			Teams: []state.TeamGrant{{Slug: "devs", Role: role.Write}},
			Protection: []state.BranchProtection{
				{Branch: "main"},
			},
			Rulesets: []state.Ruleset{{
				ID: 7, Name: "cla-floor", Source: "acme", SourceType: "Organization", Enforcement: "active", Target: "branch",
				Include:        []string{"~DEFAULT_BRANCH"},
				RequiredChecks: []state.Check{{Context: "EasyCLA", AppID: 3000}, {Context: "DCO", AppID: 999}},
				Reviews:        &one,
				Bypass:         []state.BypassActor{{Kind: "Team", Name: "releng", Mode: "always"}},
				BypassRead:     true,
			}},
			DeployKeys: []state.DeployKey{},
		},
		{ // No file, no protection.
			Org: "acme", Name: "legacy", DefaultBranch: "master", Visibility: "public",
			Users:      []state.UserGrant{{Login: "frank", Role: role.Maintain}},
			Protection: []state.BranchProtection{{Branch: "master"}},
			DeployKeys: []state.DeployKey{},
		},
		{ // Archived, no file.
			Org: "acme", Name: "old", DefaultBranch: "main", Archived: true, Visibility: "public",
			Users:      []state.UserGrant{{Login: "erin", Role: role.Admin}},
			Protection: []state.BranchProtection{{Branch: "main"}},
			DeployKeys: []state.DeployKey{},
		},
		{ // In ignore_repos: never reported.
			Org: "acme", Name: "scratch", DefaultBranch: "main",
			Users:      []state.UserGrant{{Login: "mallory", Role: role.Admin}},
			Protection: []state.BranchProtection{{Branch: "main"}},
		},
	}
	o.Sort()
	return o
}

// Beta is an additive org with a write base role and unreadable Apps.
func Beta() *state.Org {
	o := &state.Org{
		Name: "beta", BaseRole: role.Write,
		Owners:  []string{"beta-admin"},
		Members: []string{"beta-admin", "quinn", "<img src=x onerror=alert(1)>"},
		Teams:   []*state.Team{},
		ReadAt:  Now,
	}
	o.Repos = []*state.Repo{{
		Org: "beta", Name: "tools", DefaultBranch: "main",
		Users: []state.UserGrant{{Login: "quinn", Role: role.Write}, {Login: "=cmd|' /C calc'!A0", Role: role.Triage}},
		Protection: []state.BranchProtection{
			prot("main", []state.Check{{Context: "EasyCLA", AppID: 3000}, {Context: "DCO", AppID: state.AnyApp}}, true, 1),
		},
		Rulesets: []state.Ruleset{{ID: 9, Name: "tags", Enforcement: "active", Target: "tag", Include: []string{"~ALL"},
			Bypass: []state.BypassActor{{Kind: "OrganizationAdmin"}}}},
	}}
	o.Sort()
	return o
}

// SelfRepo is the permissions repository (in an org not audited): its
// protection lacks code-owner review and enforce_admins (and has what else
// makes review bite: stale approvals dismissed, the last push approved, no
// bypass, the plan check from GitHub Actions).
func SelfRepo() *state.Repo {
	bp := prot("main", []state.Check{{Context: "plan", AppID: 15368}}, false, 1)
	bp.Reviews.DismissStale, bp.Reviews.LastPushApprove, bp.Reviews.BypassRead = true, true, true
	return &state.Repo{Org: "acme-admin", Name: "permissions", DefaultBranch: "main", Protection: []state.BranchProtection{bp}}
}

// History is the files' history in the window.
func History() *history.Log {
	return &history.Log{
		Available: true,
		Since:     Now.AddDate(0, 0, -30),
		Until:     Now,
		Path:      "permissions",
		PRLookup:  "ok",
		Entries: []history.Entry{
			{
				Commit: "c0ffee00000000000000000000000000000000c2", Parent: "c0ffee00000000000000000000000000000000c1",
				AuthorName: "Dana <script>", AuthorEmail: "dana@example.org", Committer: "GitHub",
				Date: Now.AddDate(0, 0, -2), Subject: "devs get write on widgets | *bold* (#13)",
				Changes: []history.Change{{Kind: history.GrantChange, Org: "acme", Repo: "widgets", Principal: "team:devs",
					Before: role.Read, After: role.Write, File: "permissions/acme/widgets.yaml",
					Description: "acme/widgets: team devs read → write"}},
				PR: &history.PullRequest{Number: 13, Title: "devs write", URL: "https://github.com/acme-admin/permissions/pull/13",
					Author: "dana", MergedAt: Now.AddDate(0, 0, -2), Approvers: []string{"alice", "bob"}},
			},
			{
				Commit: "c0ffee00000000000000000000000000000000c1", Parent: "c0ffee00000000000000000000000000000000c0",
				AuthorName: "Alice Admin", AuthorEmail: "alice@example.org", Committer: "Alice Admin",
				Date: Now.AddDate(0, 0, -10), Subject: "Release engineering administers widgets",
				Changes: []history.Change{{Kind: history.GrantAdd, Org: "acme", Repo: "widgets", Principal: "team:releng",
					After: role.Admin, File: "permissions/acme/widgets.yaml", Description: "acme/widgets: team releng granted admin"}},
				PRNote: "no pull request found (pushed directly?)",
			},
		},
	}
}

// Previous is a snapshot taken a week before Now: since then, by hand,
// mallory got admin on gadgets, root-eve became an owner and a deploy key
// with write access appeared; through the files, devs went read → write on
// widgets.
func Previous() *audit.Snapshot {
	acme := clone(Acme())
	acme.Owners = []string{"svc-bot"}
	acme.Members = []string{"alice", "bob", "carol", "dave", "erin", "frank", "svc-bot"}
	for _, r := range acme.Repos {
		switch r.Name {
		case "gadgets":
			var keep []state.UserGrant
			for _, u := range r.Users {
				if u.Login != "mallory" {
					keep = append(keep, u)
				}
			}
			r.Users = keep
			r.DeployKeys = []state.DeployKey{}
		case "widgets":
			r.Teams[0].Role = role.Read
		}
	}
	s := audit.NewSnapshot(map[string]*state.Org{"acme": acme, "beta": clone(Beta())}, Now.AddDate(0, 0, -7))
	return s
}

func clone(o *state.Org) *state.Org {
	b, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	var out state.Org
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return &out
}
