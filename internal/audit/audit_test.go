package audit_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/audit/audittest"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

func find(r *audit.Report, rule audit.Rule, where, subject string) *audit.Finding {
	for i, f := range r.Findings {
		// A finding about several repositories (one cause) is found from any of them.
		if f.Rule == rule && (f.Where() == where || f.Affects(where)) && (subject == "" || f.Subject == subject) {
			return &r.Findings[i]
		}
	}
	return nil
}

func repo(t *testing.T, r *audit.Report, full string) *audit.Repo {
	t.Helper()
	for _, o := range r.Orgs {
		for _, rep := range o.Repos {
			if rep.FullName() == full {
				return rep
			}
		}
	}
	t.Fatalf("no repository %s in the report", full)
	return nil
}

func person(t *testing.T, r *audit.Report, org, login string) *audit.Person {
	t.Helper()
	for _, o := range r.Orgs {
		if o.Name != org {
			continue
		}
		for _, p := range o.People {
			if p.Login == login {
				return p
			}
		}
	}
	t.Fatalf("no person %s in %s", login, org)
	return nil
}

// TestFindings: each rule raised by the fixture, where and about what it
// should be, with its severity and a fix.
func TestFindings(t *testing.T) {
	t.Parallel()
	r := audit.Build(audittest.Input())
	cases := []struct {
		rule     audit.Rule
		where    string
		subject  string
		severity audit.Severity
		message  string
	}{
		{audit.RuleCLANotRequired, "acme/gadgets", "check:EasyCLA", audit.Critical, "the CLA check (EasyCLA) is not required on main of acme/gadgets"},
		{audit.RuleCLANotRequired, "acme/legacy", "check:EasyCLA", audit.Critical, "not required on master"},
		{audit.RuleOutsideAdmin, "acme/gadgets", "user:mallory", audit.Critical, "mallory, an outside collaborator (not an org member), holds a direct admin grant"},
		{audit.RuleUnexpectedOwner, "acme", "user:root-eve", audit.High, "root-eve is an owner of acme"},
		{audit.RuleAdminsOverMax, "acme/gadgets", "", audit.High, "acme/gadgets has 6 admins (alice, bob, carol, dave, erin, mallory), more than max_admins (2)"},
		{audit.RuleOutsideAboveMax, "acme/gadgets", "user:oscar", audit.High, "holds a direct maintain grant on acme/gadgets, above outside_collaborator_max_role (write)"},
		{audit.RuleRefusal, "acme/gadgets", "user:olga", audit.High, "refused (outside_collaborator_max_role)"},
		{audit.RulePlanError, "acme/ghost", "", audit.High, "repository acme/ghost does not exist on GitHub"},
		{audit.RuleProtectionMissing, "acme/legacy", "branch:master", audit.High, "the default branch master of acme/legacy is not protected"},
		{audit.RuleCheckWrongApp, "acme/ruled", "check:DCO", audit.High, "DCO is required on main of acme/ruled from ruleset cla-floor (App 999), not from the App 1861"},
		{audit.RuleRulesetBypass, "acme/ruled", "ruleset:cla-floor", audit.High, "can be bypassed by Team releng"},
		{audit.RuleSelfCodeOwners, "acme-admin/permissions", "branch:main", audit.High, "does not require code-owner review"},
		{audit.RuleSelfEnforceAdmins, "acme-admin/permissions", "branch:main", audit.High, "does not apply to admins"},
		{audit.RuleBaseRoleAboveRead, "beta", "", audit.High, "the base role of beta is write: each of its 3 members holds write on every repository"},
		{audit.RuleAppAdministrationWrite, "acme", "app:permsync-writer", audit.Medium, "the App permsync-writer (id 4242) has Administration: write"},
		{audit.RuleHandMadeChange, "acme", "", audit.Medium, "root-eve became org owner"},
		{audit.RuleHandMadeChange, "acme/gadgets", "", audit.Medium, "user mallory: direct (none) → admin; deploy key \"release-bot\" added (read-write)"},
		{audit.RuleDeletionAllowed, "acme/gadgets", "branch:main", audit.Medium, "may be deleted"},
		{audit.RuleForcePushAllowed, "acme/gadgets", "branch:main", audit.Medium, "force pushes are allowed"},
		{audit.RuleDeployKeyWrite, "acme/gadgets", "key:release-bot", audit.Medium, `the deploy key "release-bot" (id 11) can push`},
		{audit.RuleDrift, "acme/gadgets", "", audit.Medium, "5 changes pending (user erin admin → write; remove user mallory (admin); invite user olga as maintain and 2 more)"},
		{audit.RuleEnforceAdminsOff, "acme/gadgets", "branch:main", audit.Medium, "does not apply to admins"},
		{audit.RuleReviewsBelowMin, "acme/gadgets", "branch:main", audit.Medium, "requires 0 approving reviews, fewer than min_reviews (1)"},
		{audit.RuleAdminsUnderMin, "acme/ruled", "", audit.Medium, "0 admins through a direct or team grant, fewer than min_admins (1)"},
		{audit.RuleCheckNotRequired, "acme/legacy", "check:DCO", audit.Low, "DCO is not required on master"},
		{audit.RuleCheckSpoofable, "acme/widgets", "check:EasyCLA", audit.Medium, "from any source"},
		{audit.RuleCheckSpoofable, "beta/tools", "check:DCO", audit.Medium, "from any source"},
		{audit.RuleInvitationExpired, "acme/gadgets", "user:zed", audit.Low, "the invitation of zed to acme/gadgets as read, sent 2025-05-02 by erin, expired unaccepted"},
		{audit.RuleUnmanagedRepo, "acme/legacy", "", audit.Low, "has no permissions file"},
		{audit.RuleUnlistedGrant, "beta/tools", "", audit.Low, "additive mode: kept"},
		{audit.RuleArchivedRepo, "acme/old", "", audit.Info, "acme/old is archived"},
	}
	for _, tc := range cases {
		t.Run(string(tc.rule)+" "+tc.where, func(t *testing.T) {
			f := find(r, tc.rule, tc.where, tc.subject)
			require.NotNil(t, f, "no %s finding on %s %s", tc.rule, tc.where, tc.subject)
			assert.Equal(t, tc.severity, f.Severity)
			assert.Contains(t, f.Message, tc.message)
			assert.NotEmpty(t, f.Fix, "every finding says how to fix it")
		})
	}

	// What must not be reported.
	assert.Nil(t, find(r, audit.RuleCLANotRequired, "acme/widgets", ""), "widgets requires EasyCLA")
	// A ruleset that a team can bypass does not cover the CLA check (issue #11).
	ruled := find(r, audit.RuleCLANotRequired, "acme/ruled", "")
	require.NotNil(t, ruled, "a ruleset that someone below an org owner can bypass does not count")
	assert.Contains(t, ruled.Message, "only ruleset cla-floor can be bypassed by someone below an org owner (bypass: Team releng)")
	assert.Nil(t, find(r, audit.RuleCLANotRequired, "acme/old", ""), "archived repositories are not checked")
	assert.Nil(t, find(r, audit.RuleEnforceAdminsOff, "acme/ruled", ""), "rulesets bind admins unless they bypass")
	assert.Nil(t, find(r, audit.RuleUnmanagedRepo, "acme/old", ""), "archived: info only")
	assert.Nil(t, find(r, audit.RuleRulesetBypass, "beta/tools", ""), "a tag ruleset does not cover the default branch")
	for _, f := range r.Findings {
		assert.NotContains(t, f.Where(), "scratch", "ignore_repos are not reported")
	}
}

// TestFindingsRanked: severity first, then org, repository, rule, subject.
func TestFindingsRanked(t *testing.T) {
	t.Parallel()
	r := audit.Build(audittest.Input())
	for i := 1; i < len(r.Findings); i++ {
		a, b := r.Findings[i-1], r.Findings[i]
		require.GreaterOrEqual(t, a.Severity, b.Severity, "%v before %v", a, b)
		if a.Severity == b.Severity && a.Org == b.Org {
			// A finding about several repositories ranks by the first.
			first := func(f audit.Finding) string {
				if len(f.Repos) == 0 {
					return ""
				}
				return strings.ToLower(f.Repos[0])
			}
			assert.LessOrEqual(t, first(a), first(b))
		}
	}
	// One finding per cause: widgets and gadgets over max_admins are one.
	// Low: 3 files with plain logins (user-not-pinned).
	assert.Equal(t, map[string]int{"critical": 6, "high": 12, "medium": 12, "low": 7, "info": 1}, r.Summary.Findings)
}

// TestEveryRuleDocumentedAndRaised: the rule list is the documentation's
// and each rule is raised by the fixture or a variant in this file.
func TestEveryRuleDocumentedAndRaised(t *testing.T) {
	t.Parallel()
	seen := map[audit.Rule]bool{}
	for _, in := range []audit.Input{audittest.Input(), selfUnprotected(), selfBypass(), orgUnread(), bypassUnread(), inactiveWidgets()} {
		for _, f := range audit.Build(in).Findings {
			seen[f.Rule] = true
		}
	}
	docs := map[audit.Rule]bool{}
	for _, ri := range audit.Rules {
		docs[ri.Rule] = true
		assert.True(t, seen[ri.Rule], "no test raises %s", ri.Rule)
		assert.NotEmpty(t, ri.Meaning)
	}
	for rule := range seen {
		assert.True(t, docs[rule], "%s is raised but not listed in audit.Rules", rule)
	}
}

// inactiveWidgets: the events of widgets show nobody acting in 90 days.
func inactiveWidgets() audit.Input {
	in := audittest.Input()
	in.Activity = map[string]map[string]audit.RepoActivity{"acme": {"widgets": {Since: audittest.Now.AddDate(0, 0, -90)}}}
	return in
}

// bypassUnread: the token cannot read the bypass list of ruled's ruleset.
func bypassUnread() audit.Input {
	in := audittest.Input()
	for _, r := range in.Actual["acme"].Repos {
		for i := range r.Rulesets {
			r.Rulesets[i].Bypass, r.Rulesets[i].BypassRead = nil, false
		}
	}
	return in
}

func selfUnprotected() audit.Input {
	in := audittest.Input()
	in.Self.State = &state.Repo{Org: "acme-admin", Name: "permissions", DefaultBranch: "main", Protection: []state.BranchProtection{{Branch: "main"}}}
	return in
}

func selfBypass() audit.Input {
	in := audittest.Input()
	one := 1
	in.Self.State = &state.Repo{Org: "acme-admin", Name: "permissions", DefaultBranch: "main",
		Protection: []state.BranchProtection{{Branch: "main", Protected: true, EnforceAdmins: true, Reviews: &state.Reviews{Count: 1, CodeOwners: true}}},
		Rulesets: []state.Ruleset{{ID: 1, Name: "main-rules", Enforcement: "active", Target: "branch", Include: []string{"~DEFAULT_BRANCH"}, Reviews: &one,
			Bypass: []state.BypassActor{{Kind: "RepositoryRole", Name: "admin", Mode: "pull_request"}}}}}
	return in
}

func orgUnread() audit.Input {
	in := audittest.Input()
	delete(in.Actual, "beta")
	in.OrgErrors = map[string]string{"beta": "the GitHub App is not installed on the org beta"}
	in.Actual["acme"].Repos[0].ReadError = "invitations: 502 Bad Gateway"
	return in
}

func TestSelfCheck(t *testing.T) {
	t.Parallel()
	r := audit.Build(audittest.Input())
	sc := r.SelfCheck
	assert.True(t, sc.Checked)
	assert.False(t, sc.Passed)
	assert.Equal(t, []string{"code-owner review is not required", "the protection does not apply to admins (enforce_admins off)"}, sc.Problems)

	r = audit.Build(selfUnprotected())
	require.NotNil(t, find(r, audit.RuleSelfUnprotected, "acme-admin/permissions", ""))
	assert.Nil(t, find(r, audit.RuleSelfCodeOwners, "acme-admin/permissions", ""), "unprotected says it all")

	r = audit.Build(selfBypass())
	f := find(r, audit.RuleSelfBypass, "acme-admin/permissions", "")
	require.NotNil(t, f)
	assert.Contains(t, f.Message, "ruleset main-rules: RepositoryRole admin (pull request)")
	assert.Nil(t, find(r, audit.RuleSelfCodeOwners, "acme-admin/permissions", ""))

	// A permissions repository inside an audited org is looked up there.
	in := audittest.Input()
	in.Self = audit.SelfInput{Repo: "acme/widgets"}
	r = audit.Build(in)
	assert.True(t, r.SelfCheck.Checked)
	assert.Equal(t, []string{"code-owner review is not required",
		"who may bypass the required reviews (bypass_pull_request_allowances) could not be read",
		"stale approvals are not dismissed: a push after the approval is merged unreviewed",
		"approval of the most recent push is not required: its author can push after the approval",
		"the \"plan\" check is not required: a rights change can be merged without its plan"}, r.SelfCheck.Problems)

	in.Self = audit.SelfInput{Note: "skipped: not a GitHub checkout"}
	r = audit.Build(in)
	assert.False(t, r.SelfCheck.Checked)
	assert.Equal(t, "skipped: not a GitHub checkout", r.SelfCheck.Note)
	in.Self = audit.SelfInput{Repo: "elsewhere/perms"}
	assert.Equal(t, "skipped: elsewhere/perms could not be read", audit.Build(in).SelfCheck.Note)
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	r := audit.Build(orgUnread())
	f := find(r, audit.RuleReadError, "beta", "")
	require.NotNil(t, f)
	assert.Contains(t, f.Message, "the GitHub App is not installed on the org beta")
	assert.NotNil(t, find(r, audit.RuleReadError, "acme/gadgets", ""), "a partly read repository is said to be")
	assert.Nil(t, find(r, audit.RuleAdminsOverMax, "acme/gadgets", ""), "no count from incomplete data")
}

// TestWhoAdministers answers "who can administer repository X and why".
func TestWhoAdministers(t *testing.T) {
	t.Parallel()
	r := audit.Build(audittest.Input())
	w := repo(t, r, "acme/widgets")
	var admins []string
	for _, a := range w.Access {
		if a.Role == role.Admin {
			admins = append(admins, a.Login)
		}
	}
	assert.Equal(t, []string{"alice", "bob", "carol", "root-eve", "svc-bot"}, admins)
	carol := w.Access[2]
	require.Equal(t, "carol", carol.Login)
	require.Len(t, carol.Sources, 2)
	s := carol.Sources[0]
	assert.Equal(t, audit.SourceTeam, s.Kind)
	assert.Equal(t, "releng", s.Team)
	assert.Equal(t, []string{"releng-oncall"}, s.Via, "nested team resolved")
	assert.Equal(t, "permissions/acme/widgets.yaml:2:11", s.Declared)
	require.NotNil(t, s.Trace)
	assert.Equal(t, "acme/widgets: team releng granted admin", s.Trace.Change)
	assert.Equal(t, audit.SourceBase, carol.Sources[1].Kind)

	// devs' write was traced to the reviewed pull request that made it.
	dave := w.Access[5]
	require.Equal(t, "dave", dave.Login)
	require.NotNil(t, dave.Sources[0].Trace)
	assert.Equal(t, 13, dave.Sources[0].Trace.PR)
	assert.Equal(t, []string{"alice", "bob"}, dave.Sources[0].Trace.Approvers)

	g := repo(t, r, "acme/gadgets")
	assert.Equal(t, []string{"alice", "bob", "carol", "dave", "erin", "mallory"}, g.Admins.People)
	assert.Equal(t, 6, g.Admins.ForMax)
	assert.True(t, g.Admins.OverMax)
	for _, a := range g.Access {
		switch a.Login {
		case "mallory":
			assert.True(t, a.Outside)
			assert.Empty(t, a.Sources[0].Declared, "not in the file")
		case "yan":
			assert.True(t, a.Pending)
			assert.Equal(t, role.Write, a.Role)
		case "zed":
			t.Error("an expired invitation grants nothing")
		}
	}
	assert.Equal(t, 6, g.BaseMembers)
	assert.Len(t, g.Drift, 5)
	assert.Len(t, g.Refusals, 1)
	assert.False(t, g.CLARequired)
	assert.False(t, repo(t, r, "acme/ruled").CLARequired, "its ruleset can be bypassed by team releng")
}

// TestWhatCanPersonDo answers "what can person Y do".
func TestWhatCanPersonDo(t *testing.T) {
	t.Parallel()
	r := audit.Build(audittest.Input())
	erin := person(t, r, "acme", "erin")
	assert.Equal(t, []string{"gadgets", "old"}, erin.Admin)
	assert.Equal(t, []string{"ruled", "widgets"}, erin.Write)
	assert.Equal(t, []string{"devs"}, erin.Teams)
	assert.Equal(t, role.Read, erin.BaseRole)
	assert.True(t, erin.Member)

	owner := person(t, r, "acme", "root-eve")
	assert.True(t, owner.Owner)
	assert.False(t, owner.ExpectedOwner)
	assert.Len(t, owner.Admin, 5, "an owner administers every repository on GitHub")
	assert.Empty(t, owner.Access, "ownership is stated once, not per repository")

	olga := person(t, r, "acme", "olga")
	assert.True(t, olga.Outside)
	require.Len(t, olga.Access, 1)
	assert.Equal(t, "widgets", olga.Access[0].Repo)

	// beta's write base role: every member writes everywhere.
	quinn := person(t, r, "beta", "quinn")
	assert.Equal(t, []string{"tools"}, quinn.Write)
	img := person(t, r, "beta", "<img src=x onerror=alert(1)>")
	assert.Equal(t, []string{"tools"}, img.Write)
}

func TestNoCLAAndChecks(t *testing.T) {
	t.Parallel()
	r := audit.Build(audittest.Input())
	assert.Equal(t, []string{"acme/gadgets", "acme/legacy", "acme/ruled"}, r.NoCLA, "ruled's ruleset can be bypassed by a team")
	w := repo(t, r, "acme/widgets")
	require.Len(t, w.RequiredChecks, 2)
	assert.Equal(t, audit.CheckStatus{Context: "EasyCLA", WantedApp: -1, CLA: true, Required: true,
		By: []audit.CheckSource{{Where: "branch protection", AppID: -1, StandsIn: true}}, Covered: true, Spoofable: true}, w.RequiredChecks[0])
	assert.Equal(t, audit.CheckStatus{Context: "DCO", WantedApp: 1861, Required: true,
		By: []audit.CheckSource{{Where: "branch protection", AppID: 1861, StandsIn: true}}, Covered: true, Pinned: true}, w.RequiredChecks[1])

	for ctx, want := range map[string]bool{"EasyCLA": true, "easycla": true, "cla/linuxfoundation": true, "communitybridge/cla": true,
		"license/cla": true, "DCO": false, "build": false, "clang-format": false, "declared": false} {
		assert.Equal(t, want, audit.IsCLA(ctx), ctx)
	}
}

func TestOwnersAndApps(t *testing.T) {
	t.Parallel()
	r := audit.Build(audittest.Input())
	assert.Equal(t, []audit.Owner{{Login: "root-eve"}, {Login: "svc-bot", Expected: true}}, r.Orgs[0].Owners)
	require.Len(t, r.Orgs[0].Apps, 2)
	assert.True(t, r.Orgs[0].Apps[1].AdministrationWrite)
	assert.Nil(t, r.Orgs[1].Apps, "beta's installations were not read")
	assert.Contains(t, r.Notes[0], "The GitHub Apps installed on beta could not be read")
	assert.Equal(t, []string{"scratch"}, r.Orgs[0].Ignored)
}

func TestCompare(t *testing.T) {
	t.Parallel()
	r := audit.Build(audittest.Input())
	c := r.Compare
	require.True(t, c.Available)
	var lines []string
	for _, ch := range c.Changes {
		lines = append(lines, fmt.Sprintf("%s/%s %s %s: %s → %s [%t] %s", ch.Org, ch.Repo, ch.What, ch.Subject, ch.Before, ch.After, ch.HandMade, ch.Explained))
	}
	assert.Equal(t, []string{
		"acme/ owner user:root-eve: (none) → org owner [true] ",
		"acme/gadgets user_grant user:mallory: (none) → admin [true] ",
		"acme/gadgets deploy_key key:release-bot: (none) → read-write [true] ",
		"acme/widgets team_grant team:devs: read → write [false] the files: commit c0ffee000000 (pull request #13, approved by alice, bob)",
	}, lines)
	assert.Equal(t, 3, r.Summary.HandMadeChanges)

	in := audittest.Input()
	in.Previous, in.PreviousNote = nil, ""
	r = audit.Build(in)
	assert.False(t, r.Compare.Available)
	assert.Contains(t, r.Compare.Note, "no snapshot to compare with")
	assert.Nil(t, find(r, audit.RuleHandMadeChange, "acme", ""))
}

// A change on GitHub that brings a managed repository back to its file is
// explained by the files; one that moves it away is made by hand.
func TestCompareExplainsByFiles(t *testing.T) {
	t.Parallel()
	in := audittest.Input()
	in.History = nil
	prev := audittest.Previous()
	for _, r := range prev.Org("acme").Repos {
		if r.Name == "widgets" {
			r.Users = nil                                                                               // olga added since: the file lists her
			r.Teams = append(r.Teams, state.TeamGrant{Slug: "everyone", Role: role.Admin})              // removed since: the file does not list it
			r.Invitations = []state.Invitation{{ID: 9, Login: "olga", Role: role.Write}}                // accepted since
			r.Protection[0].EnforceAdmins = false                                                       // turned on since: the file asks for it
			r.Protection[0].Reviews = &state.Reviews{Count: 2}                                          // lowered since to the file's 1
			r.DeployKeys = append(r.DeployKeys, state.DeployKey{ID: 99, Title: "old", ReadOnly: false}) // removed by hand
		}
	}
	in.Previous = prev
	r := audit.Build(in)
	got := map[string]string{}
	for _, ch := range r.Compare.Changes {
		if ch.Repo == "widgets" {
			got[ch.What+" "+ch.Subject] = fmt.Sprintf("%t %s", ch.HandMade, ch.Explained)
		}
	}
	assert.Equal(t, map[string]string{
		"user_grant user:olga":                                   "false invitation accepted",
		"invitation user:olga":                                   "false invitation accepted",
		"team_grant team:everyone":                               "false matches the files",
		"team_grant team:devs":                                   "false matches the files",
		"protection branch:main enforce_admins":                  "false matches the files",
		"protection branch:main required_approving_review_count": "false matches the files",
		"deploy_key key:old":                                     "true ",
	}, got)
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	s := audittest.Previous()
	var b bytes.Buffer
	require.NoError(t, audit.WriteSnapshot(&b, s))
	back, err := audit.ReadSnapshot(&b)
	require.NoError(t, err)
	assert.Equal(t, s, back)

	_, err = audit.ReadSnapshot(strings.NewReader(`{"format_version": 1, "orgs": []}`))
	assert.ErrorContains(t, err, "not a permsync audit snapshot")
	_, err = audit.ReadSnapshot(strings.NewReader(`{"kind": "permsync-audit-snapshot", "format_version": 2}`))
	assert.ErrorContains(t, err, "format_version 2 is not supported")
	_, err = audit.ReadSnapshot(strings.NewReader(`{"kind": "permsync-audit-snapshot", "format_version": 1, "orgs": [null]}`))
	assert.ErrorContains(t, err, "an org is null")
	_, err = audit.ReadSnapshot(strings.NewReader(`plan`))
	assert.Error(t, err)
}

func TestMatrix(t *testing.T) {
	t.Parallel()
	r := audit.Build(audittest.Input())
	m := r.Matrix
	assert.Equal(t, []string{"alice", "beta-admin", "bob", "carol", "dave", "erin", "frank", "mallory", "olga", "oscar", "quinn", "root-eve", "svc-bot", "yan"}, m.People)
	require.Len(t, m.Rows, 6, "a repository that is not on GitHub has no row")
	assert.Equal(t, "acme/gadgets", m.Rows[0].Repo)
	assert.Equal(t, role.Admin, m.Rows[0].Roles[0])
	assert.Equal(t, role.None, m.Rows[0].Roles[1], "beta's owner holds nothing in acme")
	assert.Equal(t, role.Read, m.Rows[0].Roles[6], "frank holds the base role")
	assert.False(t, m.Truncated)

	in := audittest.Input()
	in.MatrixPeople, in.MatrixRepos = 3, 2
	m = audit.Build(in).Matrix
	assert.True(t, m.Truncated)
	assert.Len(t, m.People, 3)
	assert.Len(t, m.Rows, 2)
	assert.Contains(t, m.Selection, "Limited to 3 people (those with the most access) and 2 repositories")
}

// TestRulesDocumented: docs/audit-json.md lists every rule with its severity.
func TestRulesDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/audit-json.md")
	require.NoError(t, err)
	for _, ri := range audit.Rules {
		assert.Contains(t, string(doc), fmt.Sprintf("| `%s` | %s |", ri.Rule, ri.Severity), "docs/audit-json.md does not list %s as %s", ri.Rule, ri.Severity)
	}
}
