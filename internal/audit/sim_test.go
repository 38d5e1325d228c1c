package audit_test

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim/ghsimtest"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// TestFindingsFromSimulator builds the report from state read through the
// adapter from the simulated GitHub, one problem of each kind seeded, and
// checks each finding: what the model sees is what ghapi reads.
func TestFindingsFromSimulator(t *testing.T) {
	t.Parallel()
	srv := ghsimtest.NewServer(t)
	s := srv
	s.AddOrg("acme", ghsim.OrgOptions{BaseRole: ghsim.RoleRead})
	for _, o := range []string{"svc-bot", "root-eve"} {
		s.AddMember("acme", o, true)
	}
	for _, m := range []string{"alice", "bob", "carol", "dave", "erin"} {
		s.AddMember("acme", m, false)
	}
	s.AddUser("mallory")
	s.AddUser("oscar")
	relengID := s.AddTeam("acme", "releng", ghsim.TeamOptions{})
	s.AddTeam("acme", "releng-oncall", ghsim.TeamOptions{Parent: "releng"})
	s.AddTeamMember("acme", "releng", "alice", "member")
	s.AddTeamMember("acme", "releng", "bob", "member")
	s.AddTeamMember("acme", "releng-oncall", "carol", "member")

	// widgets: managed and in line, EasyCLA from any source.
	s.AddRepo("acme", "widgets", ghsim.RepoOptions{})
	s.SetTeamRepo("acme", "releng", "widgets", ghsim.RoleAdmin)
	s.SetProtection("acme", "widgets", "main", &ghsim.Protection{
		RequiredStatusChecks:       &ghsim.RequiredStatusChecks{Checks: []ghsim.StatusCheck{{Context: "EasyCLA", AppID: -1}, {Context: "DCO", AppID: 1861}}},
		EnforceAdmins:              true,
		RequiredPullRequestReviews: &ghsim.RequiredPullRequestReviews{RequiredApprovingReviewCount: 1},
	})
	// gadgets: managed, drifted and weak.
	s.AddRepo("acme", "gadgets", ghsim.RepoOptions{})
	s.SetTeamRepo("acme", "releng", "gadgets", ghsim.RoleAdmin)
	s.SetCollaborator("acme", "gadgets", "dave", ghsim.RoleAdmin)
	s.SetCollaborator("acme", "gadgets", "mallory", ghsim.RoleAdmin)
	s.SetCollaborator("acme", "gadgets", "oscar", ghsim.RoleMaintain)
	s.AddInvitation("acme", "gadgets", "zed", ghsim.RoleRead, ghsim.InvitationOptions{Inviter: "erin", CreatedAt: srv.Now().AddDate(0, 0, -30)})
	s.SetProtection("acme", "gadgets", "main", &ghsim.Protection{
		RequiredStatusChecks:       &ghsim.RequiredStatusChecks{Checks: []ghsim.StatusCheck{{Context: "DCO", AppID: 1861}}},
		RequiredPullRequestReviews: &ghsim.RequiredPullRequestReviews{RequiredApprovingReviewCount: 0},
		AllowForcePushes:           true,
		AllowDeletions:             true,
	})
	s.AddDeployKey("acme", "gadgets", "release-bot", "ssh-ed25519 AAAAFake", false)
	// ruled: protected by a ruleset alone, with a bypass; DCO from the wrong App.
	s.AddRepo("acme", "ruled", ghsim.RepoOptions{})
	s.AddRuleset("acme", "ruled", ghsim.Ruleset{Name: "cla-floor", Include: []string{"~DEFAULT_BRANCH"},
		BypassActors: []ghsim.BypassActor{{ActorID: relengID, ActorType: "Team", BypassMode: "always"}},
		Rules: []ghsim.Rule{
			ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA", AppID: 3000}, ghsim.StatusCheck{Context: "DCO", AppID: 999}),
			ghsim.PullRequestRule(1, false, false),
		}})
	// legacy: no file, no protection; old: archived.
	s.AddRepo("acme", "legacy", ghsim.RepoOptions{DefaultBranch: "master"})
	s.SetCollaborator("acme", "legacy", "erin", ghsim.RoleMaintain)
	s.AddRepo("acme", "old", ghsim.RepoOptions{Archived: true})
	appID := s.AddApp(ghsim.AppOptions{Slug: "permsync-writer", Permissions: ghsim.Permissions{"administration": "write", "members": "read"}})
	s.Install(appID, "acme", nil)

	files := fstest.MapFS{
		"acme.yaml":         orgFileFixture(),
		"acme/widgets.yaml": {Data: []byte("admin:\n  teams: [releng]\n")},
		"acme/gadgets.yaml": {Data: []byte("admin:\n  teams: [releng]\n  users: [dave]\nmaintain:\n  users: [olga]\n")},
		"acme/ruled.yaml":   {Data: []byte("{}\n")},
	}
	cfg, diags := config.Load(files, "permissions")
	require.False(t, diags.HasErrors(), "%v", diags)

	c, err := ghapi.New(context.Background(), ghapi.Options{APIURL: srv.URL(), Credentials: ghapi.TokenCredentials(srv.AddUserToken("svc-bot")), MutationInterval: -1,
		Now: srv.Now, Sleep: func(ctx context.Context, d time.Duration) error { srv.Advance(d); return ctx.Err() }})
	require.NoError(t, err)
	// No deadline of its own (30 s failed reads under load); go test's
	// -timeout is the hang guard.
	a, err := c.ReadOrg(t.Context(), "acme", ghapi.ReadOptions{Audit: true})
	require.NoError(t, err)
	actual := map[string]*state.Org{"acme": a}
	targets, err := reconcile.Select(cfg, "", nil)
	require.NoError(t, err)
	plan := reconcile.Diff(reconcile.Input{Dir: "permissions", Targets: targets, Actual: actual, Now: srv.Now()})
	r := audit.Build(audit.Input{Dir: "permissions", Orgs: cfg.Orgs, Actual: actual, Plan: plan, Now: srv.Now(),
		Self: audit.SelfInput{Repo: "acme/widgets"}})

	for _, tc := range []struct {
		rule           audit.Rule
		where, subject string
	}{
		{audit.RuleCLANotRequired, "acme/gadgets", "check:EasyCLA"},
		{audit.RuleCLANotRequired, "acme/legacy", "check:EasyCLA"},
		{audit.RuleOutsideAdmin, "acme/gadgets", "user:mallory"},
		{audit.RuleOutsideAboveMax, "acme/gadgets", "user:oscar"},
		{audit.RuleUnexpectedOwner, "acme", "user:root-eve"},
		{audit.RuleAdminsOverMax, "acme/gadgets", ""},
		{audit.RuleAdminsUnderMin, "acme/ruled", ""},
		{audit.RuleProtectionMissing, "acme/legacy", "branch:master"},
		{audit.RuleCheckNotRequired, "acme/legacy", "check:DCO"},
		{audit.RuleCheckWrongApp, "acme/ruled", "check:DCO"},
		{audit.RuleCLANotRequired, "acme/ruled", "check:EasyCLA"}, // its ruleset can be bypassed
		{audit.RuleCheckSpoofable, "acme/widgets", "check:EasyCLA"},
		{audit.RuleEnforceAdminsOff, "acme/gadgets", "branch:main"},
		{audit.RuleReviewsBelowMin, "acme/gadgets", "branch:main"},
		{audit.RuleForcePushAllowed, "acme/gadgets", "branch:main"},
		{audit.RuleDeletionAllowed, "acme/gadgets", "branch:main"},
		{audit.RuleDeployKeyWrite, "acme/gadgets", "key:release-bot"},
		{audit.RuleAppAdministrationWrite, "acme", "app:permsync-writer"},
		{audit.RuleInvitationExpired, "acme/gadgets", "user:zed"},
		{audit.RuleDrift, "acme/gadgets", ""},
		{audit.RuleRefusal, "acme/gadgets", "user:olga"},
		{audit.RuleUnmanagedRepo, "acme/legacy", ""},
		{audit.RuleArchivedRepo, "acme/old", ""},
		{audit.RuleSelfCodeOwners, "acme/widgets", "branch:main"},
	} {
		assert.NotNil(t, find(r, tc.rule, tc.where, tc.subject), "no %s on %s %s", tc.rule, tc.where, tc.subject)
	}
	// A team may bypass ruled's ruleset: a finding either way, never "no
	// bypass": ruleset-bypass where the adapter read the list, else
	// ruleset-bypass-unreadable ("cannot verify").
	rs0 := repo(t, r, "acme/ruled").Rulesets
	require.Len(t, rs0, 1)
	if rs0[0].BypassRead {
		assert.NotNil(t, find(r, audit.RuleRulesetBypass, "acme/ruled", "ruleset:cla-floor"))
	} else {
		assert.NotNil(t, find(r, audit.RuleRulesetBypassUnread, "acme/ruled", "ruleset:cla-floor"))
	}
	assert.False(t, repo(t, r, "acme/ruled").CLARequired, "a bypassable ruleset does not cover the CLA check")

	// Who administers gadgets and why, as read from the simulator.
	g := repo(t, r, "acme/gadgets")
	why := map[string]string{}
	for _, acc := range g.Access {
		if acc.Role.String() == "admin" {
			why[acc.Login] = acc.Sources[0].Kind + ":" + acc.Sources[0].Team
		}
	}
	assert.Equal(t, map[string]string{"alice": "team:releng", "bob": "team:releng", "carol": "team:releng", "dave": "direct:",
		"mallory": "direct:", "root-eve": "owner:", "svc-bot": "owner:"}, why)
	rs := repo(t, r, "acme/ruled").Rulesets
	require.Len(t, rs, 1)
	assert.Equal(t, "Team", rs[0].Bypass[0].Kind)
}

func orgFileFixture() *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(`required_checks:
  - EasyCLA
  - context: DCO
    app_id: 1861
min_admins: 1
max_admins: 3
expected_owners: [svc-bot]
`)}
}
