package audit_test

import (
	"context"
	"strings"
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

// TestCrossingSameWordsInPlanAndAudit: what already crosses an access
// guardrail, with no change making it worse, is a notice in the plan and a
// finding in the audit with the same words and the same severity (issue
// #13). One breach of each kind is seeded in the simulated GitHub and
// declared in the files, so the plan changes nothing and lets each stand.
func TestCrossingSameWordsInPlanAndAudit(t *testing.T) {
	t.Parallel()
	s := ghsimtest.NewServer(t)
	for _, org := range []string{"acme", "beta"} {
		s.AddOrg(org, ghsim.OrgOptions{BaseRole: ghsim.RoleRead})
		s.AddMember(org, "svc-bot", true)
	}
	for _, m := range []string{"alice", "bob", "carol", "dave", "erin"} {
		s.AddMember("acme", m, false)
	}
	s.AddUser("mallory")
	s.AddUser("oscar")
	s.AddTeam("acme", "core", ghsim.TeamOptions{})
	s.AddTeamMember("acme", "core", "dave", "member")
	s.AddTeam("acme", "big", ghsim.TeamOptions{})
	for _, m := range []string{"alice", "bob", "carol"} {
		s.AddTeamMember("acme", "big", m, "member")
	}
	// acme/solo: erin, a member, holds admin that admin_allowed does not list.
	s.AddRepo("acme", "solo", ghsim.RepoOptions{})
	s.SetCollaborator("acme", "solo", "erin", ghsim.RoleAdmin)
	// acme/crowd: three admins through an allowed team, max_admins 2.
	s.AddRepo("acme", "crowd", ghsim.RepoOptions{})
	s.SetTeamRepo("acme", "big", "crowd", ghsim.RoleAdmin)
	// acme/bare: no admin, min_admins 1.
	s.AddRepo("acme", "bare", ghsim.RepoOptions{})
	s.SetTeamRepo("acme", "core", "bare", ghsim.RoleRead)
	// acme/guest: oscar, an outside collaborator, holds maintain (cap: write).
	s.AddRepo("acme", "guest", ghsim.RepoOptions{})
	s.SetTeamRepo("acme", "core", "guest", ghsim.RoleAdmin)
	s.SetCollaborator("acme", "guest", "oscar", ghsim.RoleMaintain)
	// beta/vault: mallory, an outside collaborator, holds admin.
	s.AddRepo("beta", "vault", ghsim.RepoOptions{})
	s.SetCollaborator("beta", "vault", "mallory", ghsim.RoleAdmin)

	files := fstest.MapFS{
		"acme.yaml":       {Data: []byte("admin_allowed: [team:core, team:big]\nmin_admins: 1\nmax_admins: 2\nexpected_owners: [svc-bot]\n")},
		"acme/solo.yaml":  {Data: []byte("admin:\n  users: [erin]\n")},
		"acme/crowd.yaml": {Data: []byte("admin:\n  teams: [big]\n")},
		"acme/bare.yaml":  {Data: []byte("read:\n  teams: [core]\n")},
		"acme/guest.yaml": {Data: []byte("admin:\n  teams: [core]\nmaintain:\n  users: [oscar]\n")},
		"beta.yaml":       {Data: []byte("expected_owners: [svc-bot]\n")},
		"beta/vault.yaml": {Data: []byte("admin:\n  users: [mallory]\n")},
	}
	cfg, diags := config.Load(files, "permissions")
	require.False(t, diags.HasErrors(), "%v", diags)

	c, err := ghapi.New(context.Background(), ghapi.Options{APIURL: s.URL(), Credentials: ghapi.TokenCredentials(s.AddUserToken("svc-bot")), MutationInterval: -1})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	actual := map[string]*state.Org{}
	for _, org := range []string{"acme", "beta"} {
		a, err := c.ReadOrg(ctx, org, ghapi.ReadOptions{Audit: true})
		require.NoError(t, err)
		actual[org] = a
	}
	targets, err := reconcile.Select(cfg, "", nil)
	require.NoError(t, err)
	plan := reconcile.Diff(reconcile.Input{Dir: "permissions", Targets: targets, Actual: actual, Now: s.Now()})
	require.Empty(t, plan.Changes, "the files declare what GitHub holds")
	require.Empty(t, plan.Refusals)
	r := audit.Build(audit.Input{Dir: "permissions", Orgs: cfg.Orgs, Actual: actual, Plan: plan, Now: s.Now()})

	guardrail := map[audit.Rule]bool{audit.RuleAdminNotAllowed: true, audit.RuleAdminsOverMax: true,
		audit.RuleAdminsUnderMin: true, audit.RuleOutsideAboveMax: true, audit.RuleOutsideAdmin: true}
	want := map[reconcile.Rule]audit.Rule{reconcile.RuleAdminAllowed: audit.RuleAdminNotAllowed, reconcile.RuleMaxAdmins: audit.RuleAdminsOverMax,
		reconcile.RuleMinAdmins: audit.RuleAdminsUnderMin}
	matched := map[int]bool{}
	notices := 0
	for _, n := range plan.Notices {
		if n.Kind != reconcile.NoticeCrossed {
			continue
		}
		notices++
		require.Len(t, n.Items, 1, "one breach per rule and org is seeded: %+v", n)
		it := n.Items[0]
		found := false
		for i, f := range r.Findings {
			if !guardrail[f.Rule] || !strings.EqualFold(f.Org, n.Org) || !f.Affects(n.Org+"/"+it.Repo) {
				continue
			}
			if w, ok := want[n.Rule]; ok && f.Rule != w {
				continue
			}
			if f.Message != it.Detail {
				continue
			}
			found, matched[i] = true, true
			assert.Equal(t, string(n.Severity), f.Severity.String(), "same severity for %s", it.Detail)
			assert.Equal(t, n.RulePos.String(), f.Source, "both name where the rule is set")
			assert.Equal(t, it.Subject, f.Subject)
		}
		assert.True(t, found, "no audit finding words the plan's %s notice on %s/%s as %q", n.Rule, n.Org, it.Repo, it.Detail)
	}
	assert.Equal(t, 5, notices, "admin_allowed, max_admins, min_admins and outside_collaborator_max_role twice (member above the cap, outside admin)")
	for i, f := range r.Findings {
		if guardrail[f.Rule] {
			assert.True(t, matched[i], "the audit's %s finding (%s) has no notice in the plan", f.Rule, f.Message)
		}
	}

	// The severities the issue asks for, as both say them.
	sev := map[audit.Rule]audit.Severity{}
	for _, f := range r.Findings {
		if guardrail[f.Rule] {
			sev[f.Rule] = f.Severity
		}
	}
	assert.Equal(t, map[audit.Rule]audit.Severity{audit.RuleAdminNotAllowed: audit.High, audit.RuleAdminsOverMax: audit.High,
		audit.RuleAdminsUnderMin: audit.Medium, audit.RuleOutsideAboveMax: audit.High, audit.RuleOutsideAdmin: audit.Critical}, sev)
}
