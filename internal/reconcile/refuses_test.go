package reconcile

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// What GitHub would refuse or undo is said at plan time, at the line that
// asks for it, and apply does not try (issue 11, item 4).

func noticesOf(p *Plan, kind string) []Notice {
	var out []Notice
	for _, n := range p.Notices {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

func protectionWrites(gh *memGitHub) []string {
	var out []string
	for _, w := range gh.writes {
		if strings.Contains(w, "protection") {
			out = append(out, w)
		}
	}
	return out
}

// A branch covered only by a wildcard rule: writing its protection would
// create an exact rule overriding the wildcard one. It is not planned, and
// it does not stop the repository's other changes (no refusal), even when
// the file would weaken the floor there.
func TestWildcardProtectedBranchIsNotWritten(t *testing.T) {
	for _, file := range []string{
		"    enforce_admins: true\n",
		"    required_status_checks: [build]\n", // drops EasyCLA: a weakening, still not a refusal
	} {
		t.Run(strings.TrimSpace(file), func(t *testing.T) {
			repo := &state.Repo{Name: "widget", Users: []state.UserGrant{{Login: "stray", Role: role.Write}},
				Protection: []state.BranchProtection{{Branch: "main", Protected: true, Pattern: "ma*",
					StatusChecks: &state.StatusChecks{Checks: []state.Check{{Context: "EasyCLA", AppID: state.AnyApp}}}}}}
			f := newFixture(t, "", map[string]string{"widget": "branch_protection:\n  main:\n" + file}, baseOrg(repo))
			p := f.plan()
			assert.Empty(t, p.Refusals)
			assert.Empty(t, p.Errors)
			assert.Equal(t, []string{"- acme/widget: remove user stray (write)"}, summary(p))
			ns := noticesOf(p, NoticeCannotApply)
			require.Len(t, ns, 1)
			assert.Contains(t, ns[0].Message, `branch main is protected by the wildcard rule "ma*"`)
			assert.Equal(t, "permissions/acme/widget.yaml:3:5", ns[0].Items[0].Source.String(), "at the line that asks")
			assert.Equal(t, "branch:main", ns[0].Items[0].Subject)

			res := f.apply(p)
			assert.Equal(t, 1, res.Count(Done))
			assert.Empty(t, protectionWrites(f.gh), "apply never writes it")
			assert.Empty(t, f.plan().Changes, "and the plan does not come back every run")
		})
	}
}

// A branch with its own exact rule is written as before.
func TestExactRuleIsWritten(t *testing.T) {
	repo := &state.Repo{Name: "widget", Protection: []state.BranchProtection{{Branch: "main", Protected: true, Pattern: "main"}}}
	f := newFixture(t, "", map[string]string{"widget": "branch_protection:\n  main:\n    enforce_admins: true\n"}, baseOrg(repo))
	p := f.plan()
	require.Len(t, p.Changes, 1)
	assert.Empty(t, noticesOf(p, NoticeCannotApply))
}

// Protection on a private repository whose org plan does not offer it: said
// at each branch's line, never planned; the grants go on.
func TestProtectionUnavailableIsNotPlanned(t *testing.T) {
	repo := &state.Repo{Name: "widget", Private: true, ProtectionUnavailable: true}
	f := newFixture(t, "", map[string]string{"widget": "write:\n  users: [alice]\nbranch_protection:\n  main:\n    enforce_admins: true\n  dev:\n    enforce_admins: true\n"}, baseOrg(repo))
	p := f.plan()
	assert.Empty(t, p.Errors, "not an error: nothing can be read or written there")
	assert.Equal(t, []string{"+ acme/widget: grant user alice write"}, summary(p))
	ns := noticesOf(p, NoticeCannotApply)
	require.Len(t, ns, 1, "one cause")
	require.Len(t, ns[0].Items, 2, "two lines")
	assert.Equal(t, "permissions/acme/widget.yaml:4:3", ns[0].Items[0].Source.String())
	assert.Contains(t, ns[0].Message, "offers no branch protection on a private repository")
	f.apply(p)
	assert.Empty(t, protectionWrites(f.gh))
}

// A disabled repository is treated like an archived one: reported, never changed.
func TestDisabledRepositoryIsNotChanged(t *testing.T) {
	repo := &state.Repo{Name: "widget", Disabled: true, Users: []state.UserGrant{{Login: "stray", Role: role.Admin}}}
	f := newFixture(t, "min_admins: 1", map[string]string{"widget": "write:\n  users: [alice]\n"}, baseOrg(repo))
	p := f.plan()
	assert.Empty(t, p.Changes)
	assert.Empty(t, p.Refusals)
	require.Len(t, p.Notices, 1, "and no guardrail notice about it: %+v", p.Notices)
	assert.Equal(t, NoticeDisabled, p.Notices[0].Kind)
}

// In an org that requires two-factor authentication, an outside
// collaborator is invited once and the plan says the invitation holds only
// with 2FA; an invitation that then expires is reported, not re-sent.
func TestTwoFactorOrgInvitesOnceAndReports(t *testing.T) {
	yes := true
	a := &state.Repo{Name: "a"}
	b := &state.Repo{Name: "b"}
	org := baseOrg(a, b)
	org.TwoFactorRequired = &yes
	f := newFixture(t, "", map[string]string{"a": "write:\n  users: [outsider, alice]\n", "b": "read:\n  users: [guest]\n"}, org)
	p := f.plan()
	assert.Len(t, p.Changes, 3)
	ns := noticesOf(p, NoticeTwoFactor)
	require.Len(t, ns, 1, "one notice for the org")
	assert.Equal(t, []string{"a", "b"}, Repos(ns[0].Items))
	assert.Equal(t, "user:outsider", ns[0].Items[0].Subject)
	assert.Equal(t, "permissions/acme/a.yaml:2:11", ns[0].Items[0].Source.String())

	f.apply(p)
	again := f.plan()
	assert.Empty(t, again.Changes, "pending invitations hold the role")
	assert.Empty(t, noticesOf(again, NoticeTwoFactor))
	for _, r := range f.gh.org.Repos {
		for i := range r.Invitations {
			r.Invitations[i].Expired = true // never accepted: no 2FA
		}
	}
	third := f.plan()
	assert.Empty(t, third.Changes, "not re-invited every run")
	assert.Len(t, noticesOf(third, NoticeUnaccepted), 2)
}

func TestNoTwoFactorNoticeWithoutTheRequirement(t *testing.T) {
	no := false
	org := baseOrg(&state.Repo{Name: "a"})
	org.TwoFactorRequired = &no
	f := newFixture(t, "", map[string]string{"a": "write:\n  users: [outsider]\n"}, org)
	assert.Empty(t, noticesOf(f.plan(), NoticeTwoFactor))
}

// When the base role cannot be read, the base-role guard cannot run: the
// plan says so for each member grant it could not judge, rather than leaving
// a 422 for apply to find.
func TestBaseRoleUnreadSaysTheGuardDidNotRun(t *testing.T) {
	org := baseOrg(&state.Repo{Name: "a"})
	org.BaseRole, org.BaseRoleUnread = role.None, true
	f := newFixture(t, "", map[string]string{"a": "read:\n  users: [alice, outsider]\nadmin:\n  users: [bob]\n"}, org)
	p := f.plan()
	assert.Empty(t, p.Refusals)
	ns := noticesOf(p, NoticeGuardNotRun)
	require.Len(t, ns, 1)
	assert.Equal(t, RuleBelowBaseRole, ns[0].Rule)
	require.Len(t, ns[0].Items, 1, "not the outsider (invited, no base role), not an admin grant")
	assert.Equal(t, "user:alice", ns[0].Items[0].Subject)
	assert.Contains(t, ns[0].Message, "the base-role guard did not run")

	org.BaseRoleUnread, org.BaseRole = false, role.Write
	p = f.plan()
	assert.Empty(t, noticesOf(p, NoticeGuardNotRun))
	assert.Equal(t, []string{"base_role user:alice"}, rulesOf(p), "read, the base role guards again")
}

// A ruleset that requires the floor check but lets a maintainer bypass it
// cannot stand in, and the refusal says so.
func TestRefusalSaysWhyARulesetCannotStandIn(t *testing.T) {
	repo := &state.Repo{Name: "widget", DefaultBranch: "main",
		Protection: []state.BranchProtection{{Branch: "main", Protected: true,
			StatusChecks: &state.StatusChecks{Checks: []state.Check{{Context: "EasyCLA", AppID: 1003}}}}},
		Rulesets: []state.Ruleset{{ID: 7, Name: "cla-everywhere", Source: "acme", SourceType: "Organization", Enforcement: "active", Target: "branch",
			Include: []string{"~ALL"}, RequiredChecks: []state.Check{{Context: "EasyCLA", AppID: 1003}}, BypassRead: true,
			Bypass: []state.BypassActor{{Kind: "RepositoryRole", Name: "maintain", Mode: "always"}}}}}
	f := newFixture(t, "", map[string]string{"widget": "branch_protection:\n  main:\n    required_status_checks: []\n"}, baseOrg(repo))
	p := f.plan()
	require.Len(t, p.Refusals, 1)
	r := p.Refusals[0]
	assert.Equal(t, "EasyCLA is in the org's required_checks: where it is required it cannot stop being required (add it back to the file's required_status_checks)", r.Message)
	assert.Equal(t, `branch main; the ruleset "cla-everywhere" (org acme) requires it too but cannot stand in: it can be bypassed by someone below an org owner`, r.Items[0].Detail)
}

// Reviews raised but still below min_reviews: not a lowering, so not
// refused; the plan says the branch stays below the floor.
func TestReviewsRaisedBelowTheFloorAreNotRefused(t *testing.T) {
	repo := &state.Repo{Name: "widget", Protection: []state.BranchProtection{{Branch: "main", Protected: true, Reviews: &state.Reviews{Count: 0}}}}
	f := newFixture(t, "min_reviews: 2", map[string]string{"widget": "branch_protection:\n  main:\n    required_approving_review_count: 1\n"}, baseOrg(repo))
	p := f.plan()
	assert.Empty(t, p.Refusals)
	assert.Equal(t, []string{"min_reviews widget branch:main"}, crossedOf(p))

	repo.Protection[0].Reviews.Count = 3
	p = f.plan()
	assert.Equal(t, []string{"min_reviews branch:main"}, rulesOf(p), "lowering 3 → 1 crosses min_reviews: refused")
	assert.Empty(t, crossedOf(p))
}

// An expired invitation a person sent is re-sent once in a 2FA org too, and
// the plan says it holds only with 2FA.
func TestTwoFactorOrgResendIsReported(t *testing.T) {
	yes := true
	repo := &state.Repo{Name: "a", Invitations: []state.Invitation{{ID: 4, Login: "outsider", Role: role.Write, Expired: true, Inviter: "a-person"}}}
	org := baseOrg(repo)
	org.TwoFactorRequired = &yes
	f := newFixture(t, "", map[string]string{"a": "write:\n  users: [outsider]\n"}, org)
	p := f.plan()
	assert.Equal(t, []string{"~ acme/a: re-send expired invitation of outsider as write"}, summary(p))
	require.Len(t, noticesOf(p, NoticeTwoFactor), 1)
}
