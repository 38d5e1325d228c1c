package audit_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/audit/audittest"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// An admin that no file declares is the highest severity: a direct grant,
// a pending invitation, a team grant made by hand, and a grant the file
// declares at a lower role. A declared admin, and an admin who also holds
// it through a declared team, are not reported.
func TestAdminNotDeclared(t *testing.T) {
	t.Parallel()
	r := audit.Build(audittest.Input())
	for _, tc := range []struct{ where, subject, msg string }{
		{"acme/gadgets", "user:mallory", "mallory holds a direct admin grant on acme/gadgets that no file declares"},
		{"acme/gadgets", "user:erin", "erin holds a direct admin grant on acme/gadgets that no file declares"}, // the file says write
	} {
		f := find(r, audit.RuleAdminNotDeclared, tc.where, tc.subject)
		require.NotNil(t, f, "%s %s", tc.where, tc.subject)
		assert.Equal(t, audit.Critical, f.Severity)
		assert.Contains(t, f.Message, tc.msg)
		assert.Equal(t, "permissions/acme/gadgets.yaml", f.Source)
	}
	assert.Nil(t, find(r, audit.RuleAdminNotDeclared, "acme/gadgets", "user:dave"), "dave's admin is in the file")
	assert.Nil(t, find(r, audit.RuleAdminNotDeclared, "acme/legacy", ""), "an unmanaged repository has unmanaged-repository")
	assert.Nil(t, find(r, audit.RuleAdminNotDeclared, "acme/old", ""), "archived")
	// The first finding of the report is one of them (critical, ranked by org, repository).
	assert.Equal(t, audit.Critical, r.Findings[0].Severity)

	// In the table and the matrix: marked.
	g := repo(t, r, "acme/gadgets")
	marked := map[string]bool{}
	for _, a := range g.Access {
		marked[a.Login] = a.Undeclared
	}
	assert.True(t, marked["mallory"])
	assert.True(t, marked["erin"])
	assert.False(t, marked["dave"])
	assert.False(t, marked["alice"], "admin through the declared team releng")
	assert.False(t, marked["svc-bot"], "an expected owner")
	assert.True(t, marked["root-eve"], "an owner not in expected_owners: no file declares it")
	m := r.Matrix
	col := map[string]int{}
	for i, p := range m.People {
		col[p] = i
	}
	for _, row := range m.Rows {
		require.Len(t, row.Undeclared, len(m.People))
		if row.Repo == "acme/gadgets" {
			assert.True(t, row.Undeclared[col["mallory"]])
			assert.False(t, row.Undeclared[col["dave"]])
		}
	}

	// A team admin grant made by hand is one finding naming its members.
	in := audittest.Input()
	for _, rp := range in.Actual["acme"].Repos {
		if rp.Name == "widgets" {
			rp.Teams = append(rp.Teams, state.TeamGrant{Slug: "devs", Role: role.Admin})
		}
	}
	r = audit.Build(in)
	f := find(r, audit.RuleAdminNotDeclared, "acme/widgets", "team:devs")
	require.NotNil(t, f)
	assert.Contains(t, f.Message, "team devs holds admin on acme/widgets and no file declares it")
}

// One cause, one finding: a check required from any source in twelve
// repositories is one finding listing all twelve; an org ruleset's bypass
// is one finding however many repositories it covers.
func TestFindingsGroupedByCause(t *testing.T) {
	t.Parallel()
	in := audittest.Input()
	acme := in.Actual["acme"]
	var widgets *state.Repo
	for _, rp := range acme.Repos {
		if rp.Name == "widgets" {
			widgets = rp
		}
	}
	orgRuleset := state.Ruleset{ID: 70, Name: "org-floor", Source: "acme", SourceType: "Organization", Enforcement: "active", Target: "branch",
		Include: []string{"~DEFAULT_BRANCH"}, RequiredChecks: []state.Check{{Context: "DCO", AppID: 1861}},
		Bypass: []state.BypassActor{{Kind: "Team", Name: "devs", Mode: "always"}}, BypassRead: true}
	var names []string
	for i := 0; i < 12; i++ {
		c := *widgets
		c.Name = fmt.Sprintf("copy-%02d", i)
		c.Rulesets = []state.Ruleset{orgRuleset}
		acme.Repos = append(acme.Repos, &c)
		names = append(names, c.Name)
	}
	r := audit.Build(in)
	var spoof []audit.Finding
	for _, f := range r.Findings {
		if f.Rule == audit.RuleCheckSpoofable && f.Org == "acme" {
			spoof = append(spoof, f)
		}
	}
	require.Len(t, spoof, 1, "one finding for EasyCLA from any source in acme")
	assert.Len(t, spoof[0].Repos, 13, "all repositories in the JSON")
	assert.Empty(t, spoof[0].Repo, "about several repositories")
	assert.Equal(t, "check:EasyCLA", spoof[0].Subject)
	assert.Contains(t, spoof[0].Message, "EasyCLA is required from any source on the default branch of 13 repositories of acme (copy-00, copy-01, copy-02 and 10 more)")
	assert.Equal(t, "acme (13 repositories): copy-00, copy-01, copy-02 and 10 more", spoof[0].WhereShort(3))

	var bypass []audit.Finding
	for _, f := range r.Findings {
		if f.Rule == audit.RuleRulesetBypass && f.Subject == "ruleset:org-floor" {
			bypass = append(bypass, f)
		}
	}
	require.Len(t, bypass, 1, "an org ruleset's bypass is one finding")
	assert.Equal(t, names, bypass[0].Repos)
	assert.Contains(t, bypass[0].Message, "can be bypassed by Team devs")

	// The guardrails' crossings: one finding per rule and org.
	n := 0
	for _, f := range r.Findings {
		if f.Rule == audit.RuleAdminsOverMax && f.Org == "acme" {
			n++
			assert.Contains(t, f.Repos, "gadgets")
			assert.Contains(t, f.Repos, "copy-11")
			assert.Equal(t, "permissions/acme.yaml:10:1", f.Source, "where max_admins is set")
		}
	}
	assert.Equal(t, 1, n)
}

// An existing admin outside admin_allowed is a finding (what already
// crosses the rule), once per org, listing the repositories.
func TestAdminNotAllowed(t *testing.T) {
	t.Parallel()
	r := audit.Build(audittest.Input()) // admin_allowed: [team:releng, user:dave]
	f := find(r, audit.RuleAdminNotAllowed, "acme/gadgets", "")
	require.NotNil(t, f)
	assert.Equal(t, audit.High, f.Severity)
	assert.Equal(t, []string{"gadgets"}, f.Repos)
	// The plan's words (reconcile.Breaches), one sentence per breach.
	assert.Equal(t, "user:erin holds a direct admin grant on acme/gadgets, and the org's admin_allowed does not list it; "+
		"user:mallory holds a direct admin grant on acme/gadgets, and the org's admin_allowed does not list it", f.Message)
	assert.Contains(t, f.Fix, "Give user:erin maintain instead")
	assert.Contains(t, f.Fix, "Give user:mallory maintain instead")
	assert.Equal(t, "permissions/acme.yaml:7:1", f.Source, "where admin_allowed is set")
}

// "Without the CLA check" never calls a repository covered when EasyCLA is
// required only by a ruleset that someone below an org owner can bypass,
// whose bypass list cannot be read, or that accepts it from another App
// than the one the floor pins (issue #11 item 1, audit side).
func TestCLACoveredOnlyByRulesetsNobodyCanSkip(t *testing.T) {
	t.Parallel()
	owner := []state.BypassActor{{Kind: "OrganizationAdmin", Mode: "always"}}
	for _, tc := range []struct {
		name       string
		pin        int64 // the org file's EasyCLA app_id (0: any source)
		app        int64 // the App the ruleset accepts
		bypass     []state.BypassActor
		read       bool
		enforce    string
		covered    bool
		rule       audit.Rule // the ruleset finding, "" for none
		bypassText string
	}{
		{"owners only", 0, 3000, owner, true, "active", true, "", "nobody below an org owner"},
		{"no bypass actors", 0, 3000, nil, true, "active", true, "", "nobody below an org owner"},
		{"a team may bypass", 0, 3000, []state.BypassActor{{Kind: "Team", Name: "devs", Mode: "always"}}, true, "active", false, audit.RuleRulesetBypass, "Team devs"},
		{"a role may bypass by pull request", 0, 3000, []state.BypassActor{{Kind: "RepositoryRole", Name: "maintain", Mode: "pull_request"}}, true, "active", false, audit.RuleRulesetBypass, "RepositoryRole maintain (pull request)"},
		{"bypass list unreadable", 0, 3000, nil, false, "active", false, audit.RuleRulesetBypassUnread, "unknown: the bypass list cannot be read with these credentials"},
		{"any source where the floor pins the App", 3000, state.AnyApp, owner, true, "active", false, "", "nobody below an org owner"},
		{"pinned as the floor asks", 3000, 3000, owner, true, "active", true, "", "nobody below an org owner"},
		{"evaluate mode blocks nothing", 0, 3000, owner, true, "evaluate", false, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := audittest.Input()
			if tc.pin > 0 {
				for i, c := range in.Orgs[0].Policy.RequiredChecks {
					if c.Context == "EasyCLA" {
						in.Orgs[0].Policy.RequiredChecks[i].AppID = tc.pin
					}
				}
			}
			for _, rp := range in.Actual["acme"].Repos {
				if rp.Name == "ruled" {
					rp.Rulesets[0].RequiredChecks = []state.Check{{Context: "EasyCLA", AppID: tc.app}}
					rp.Rulesets[0].Bypass, rp.Rulesets[0].BypassRead, rp.Rulesets[0].Enforcement = tc.bypass, tc.read, tc.enforce
				}
			}
			r := audit.Build(in)
			ruled := repo(t, r, "acme/ruled")
			assert.Equal(t, tc.covered, ruled.CLARequired)
			assert.Equal(t, !tc.covered, contains(r.NoCLA, "acme/ruled"), "repositories_without_cla")
			assert.Equal(t, !tc.covered, find(r, audit.RuleCLANotRequired, "acme/ruled", "") != nil, "cla-not-required")
			for _, rule := range []audit.Rule{audit.RuleRulesetBypass, audit.RuleRulesetBypassUnread} {
				assert.Equal(t, rule == tc.rule, find(r, rule, "acme/ruled", "ruleset:cla-floor") != nil, rule)
			}
			cs := ruled.RequiredChecks[0]
			require.Equal(t, "EasyCLA", cs.Context)
			if tc.bypassText != "" {
				require.Len(t, cs.By, 1)
				assert.Equal(t, tc.bypassText, cs.By[0].Bypass, "required by a ruleset: shown with who can bypass it")
				assert.Equal(t, tc.covered, cs.By[0].StandsIn)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
