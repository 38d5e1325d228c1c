package audit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/audit/audittest"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// What makes review of the permissions repository bite, each item taken
// away in turn from a repository that has them all: the self-check names
// the one missing, and only it.
func TestSelfCheckReviewBites(t *testing.T) {
	t.Parallel()
	strong := func() *state.Repo {
		return &state.Repo{Org: "acme-admin", Name: "permissions", DefaultBranch: "main",
			Protection: []state.BranchProtection{{Branch: "main", Protected: true, EnforceAdmins: true,
				Reviews:      &state.Reviews{Count: 1, CodeOwners: true, DismissStale: true, LastPushApprove: true, BypassRead: true},
				StatusChecks: &state.StatusChecks{Checks: []state.Check{{Context: "validate", AppID: 15368}, {Context: "plan", AppID: 15368}}}}}}
	}
	build := func(r *state.Repo) *audit.Report {
		in := audittest.Input()
		in.Self = audit.SelfInput{Repo: "acme-admin/permissions", State: r}
		return audit.Build(in)
	}
	rep := build(strong())
	require.True(t, rep.SelfCheck.Checked)
	assert.Empty(t, rep.SelfCheck.Problems)
	assert.True(t, rep.SelfCheck.Passed)

	for _, tc := range []struct {
		name   string
		weaken func(r *state.Repo)
		want   string
	}{
		{"a pull request bypass allowance", func(r *state.Repo) { r.Protection[0].Reviews.Bypass = []string{"user:mallory", "app:helper"} },
			"bypass allowances for pull requests: user:mallory, app:helper may merge without the reviews"},
		{"bypass allowances not read", func(r *state.Repo) { r.Protection[0].Reviews.BypassRead = false },
			"who may bypass the required reviews (bypass_pull_request_allowances) could not be read"},
		{"stale approvals kept", func(r *state.Repo) { r.Protection[0].Reviews.DismissStale = false },
			"stale approvals are not dismissed: a push after the approval is merged unreviewed"},
		{"last push not approved", func(r *state.Repo) { r.Protection[0].Reviews.LastPushApprove = false },
			"approval of the most recent push is not required: its author can push after the approval"},
		{"no reviews", func(r *state.Repo) { r.Protection[0].Reviews = nil },
			"pull request reviews are not required"},
		{"plan from any source", func(r *state.Repo) { r.Protection[0].StatusChecks.Checks[1].AppID = state.AnyApp },
			`the "plan" check is not required from GitHub Actions (app id 15368): anyone with write access can post a passing "plan" status`},
		{"plan from another App", func(r *state.Repo) { r.Protection[0].StatusChecks.Checks[1].AppID = 99 },
			`the "plan" check is not required from GitHub Actions (app id 15368)`},
		{"plan not required", func(r *state.Repo) { r.Protection[0].StatusChecks.Checks = r.Protection[0].StatusChecks.Checks[:1] },
			`the "plan" check is not required: a rights change can be merged without its plan`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := strong()
			tc.weaken(r)
			rep := build(r)
			assert.False(t, rep.SelfCheck.Passed)
			var review []string
			for _, p := range rep.SelfCheck.Problems {
				if p != "code-owner review is not required" { // no reviews at all also means no code-owner review
					review = append(review, p)
				}
			}
			require.Len(t, review, 1, "%v", rep.SelfCheck.Problems)
			assert.Contains(t, review[0], tc.want)
			var f *audit.Finding
			for i := range rep.Findings {
				if rep.Findings[i].Rule == audit.RuleSelfReview {
					f = &rep.Findings[i]
				}
			}
			require.NotNil(t, f)
			assert.Equal(t, audit.High, f.Severity)
			assert.Contains(t, f.Message, tc.want)
		})
	}

	// The plan check required by an active ruleset, from Actions, counts.
	r := strong()
	r.Protection[0].StatusChecks = nil
	r.Rulesets = []state.Ruleset{{ID: 1, Name: "checks", Enforcement: "active", Target: "branch", Include: []string{"~DEFAULT_BRANCH"}, BypassRead: true,
		RequiredChecks: []state.Check{{Context: "plan", AppID: 15368}}}}
	assert.Empty(t, build(r).SelfCheck.Problems)
}
