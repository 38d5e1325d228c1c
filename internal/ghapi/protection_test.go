package ghapi

import (
	"encoding/json"
	"testing"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

func TestCreateProtection(t *testing.T) {
	t.Parallel()
	srv := world(t)
	c, _, _ := appClient(t, srv)
	ctx := ctxT(t)

	// Checks, one pinned to an App, strict, admins, one review.
	want := state.ProtectionSettings{
		Checks:        &[]state.Check{{Context: "EasyCLA", AppID: state.AnyApp}, {Context: "DCO", AppID: 1861}},
		Strict:        ptr(true),
		EnforceAdmins: ptr(true),
		Reviews:       ptr(1),
	}
	require.NoError(t, c.CreateProtection(ctx, "acme", "widgets", "main", want))
	p := srv.Protection("acme", "widgets", "main")
	require.NotNil(t, p)
	require.NotNil(t, p.RequiredStatusChecks)
	assert.True(t, p.RequiredStatusChecks.Strict)
	assert.ElementsMatch(t, []ghsim.StatusCheck{{Context: "EasyCLA"}, {Context: "DCO", AppID: 1861}}, p.RequiredStatusChecks.Checks)
	assert.True(t, p.EnforceAdmins)
	require.NotNil(t, p.RequiredPullRequestReviews)
	assert.Equal(t, 1, p.RequiredPullRequestReviews.RequiredApprovingReviewCount)
	assert.Nil(t, p.Restrictions)

	bp, err := c.BranchProtection(ctx, "acme", "widgets", "main")
	require.NoError(t, err)
	assert.Equal(t, state.BranchProtection{Branch: "main", Protected: true,
		StatusChecks:  &state.StatusChecks{Strict: true, Checks: []state.Check{{Context: "EasyCLA", AppID: state.AnyApp}, {Context: "DCO", AppID: 1861}}},
		EnforceAdmins: true, Reviews: &state.Reviews{Count: 1}}, bp)

	// Without checks: required_status_checks is null.
	require.NoError(t, c.CreateProtection(ctx, "acme", "widgets", "dev", state.ProtectionSettings{Reviews: ptr(2)}))
	p = srv.Protection("acme", "widgets", "dev")
	require.NotNil(t, p)
	assert.Nil(t, p.RequiredStatusChecks)
	assert.False(t, p.EnforceAdmins)
	assert.Equal(t, 2, p.RequiredPullRequestReviews.RequiredApprovingReviewCount)

	// Strict with no checks sends an empty list, which GitHub takes.
	srv.AddBranch("acme", "widgets", "next")
	require.NoError(t, c.CreateProtection(ctx, "acme", "widgets", "next", state.ProtectionSettings{Strict: ptr(true), Checks: &[]state.Check{}}))
	p = srv.Protection("acme", "widgets", "next")
	require.NotNil(t, p.RequiredStatusChecks)
	assert.True(t, p.RequiredStatusChecks.Strict)
	assert.Empty(t, p.RequiredStatusChecks.Checks)

	// A branch that does not exist.
	err = c.CreateProtection(ctx, "acme", "widgets", "nope", want)
	require.Error(t, err)
	bp, err = c.BranchProtection(ctx, "acme", "widgets", "nope")
	require.NoError(t, err)
	assert.True(t, bp.Missing)
	bp, err = c.BranchProtection(ctx, "acme", "widgets", "dev")
	require.NoError(t, err)
	assert.True(t, bp.Protected)
}

// unmanaged is protection with everything permsync does not manage set.
func unmanaged() *ghsim.Protection {
	return &ghsim.Protection{
		RequiredStatusChecks: &ghsim.RequiredStatusChecks{Checks: []ghsim.StatusCheck{{Context: "lint"}}},
		RequiredPullRequestReviews: &ghsim.RequiredPullRequestReviews{
			RequiredApprovingReviewCount: 1, DismissStaleReviews: true, RequireCodeOwnerReviews: true, RequireLastPushApproval: true,
			DismissalRestrictions: &ghsim.Restrictions{Users: []string{"alice"}, Teams: []string{"core"}},
			BypassAllowances:      &ghsim.Restrictions{Users: []string{"bob"}},
		},
		Restrictions:                   &ghsim.Restrictions{Users: []string{"root"}, Teams: []string{"core"}},
		RequiredLinearHistory:          true,
		AllowForcePushes:               false,
		AllowDeletions:                 false,
		BlockCreations:                 true,
		RequiredConversationResolution: true,
		RequiredSignatures:             true,
		AllowForkSyncing:               true,
	}
}

func TestUpdateProtectionKeepsUnmanagedSettings(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddTeam("acme", "core", ghsim.TeamOptions{})
	srv.SetTeamRepo("acme", "core", "widgets", ghsim.RoleWrite)
	srv.SetProtection("acme", "widgets", "main", unmanaged())
	c, _, _ := appClient(t, srv)
	ctx := ctxT(t)

	want := state.ProtectionSettings{
		Checks:        &[]state.Check{{Context: "lint", AppID: state.AnyApp}, {Context: "EasyCLA", AppID: state.AnyApp}, {Context: "DCO", AppID: 1861}},
		Strict:        ptr(true),
		EnforceAdmins: ptr(true),
		Reviews:       ptr(2),
	}
	before := srv.Stats()
	require.NoError(t, c.UpdateProtection(ctx, "acme", "widgets", "main", want))
	routes := srv.Stats().ByRoute
	assert.Equal(t, int64(1), routes["PATCH /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks"]-before.ByRoute["PATCH /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks"])
	assert.Zero(t, routes["PUT /repos/{owner}/{repo}/branches/{branch}/protection"], "strengthened through the sub-resources")

	got := srv.Protection("acme", "widgets", "main")
	exp := unmanaged()
	exp.RequiredStatusChecks = &ghsim.RequiredStatusChecks{Strict: true, Checks: []ghsim.StatusCheck{{Context: "lint"}, {Context: "EasyCLA"}, {Context: "DCO", AppID: 1861}}}
	exp.EnforceAdmins = true
	exp.RequiredPullRequestReviews.RequiredApprovingReviewCount = 2
	assertProtection(t, exp, got)
}

func TestUpdateProtectionFallsBackToOnePut(t *testing.T) {
	t.Parallel()
	srv := world(t)
	srv.AddTeam("acme", "core", ghsim.TeamOptions{})
	srv.SetTeamRepo("acme", "core", "widgets", ghsim.RoleWrite)
	start := unmanaged()
	start.RequiredStatusChecks = nil // not enabled: its sub-resource answers 404
	start.RequiredPullRequestReviews.RequiredApprovingReviewCount = 1
	srv.SetProtection("acme", "widgets", "main", start)
	c, _, _ := appClient(t, srv)

	want := state.ProtectionSettings{Checks: &[]state.Check{{Context: "EasyCLA", AppID: state.AnyApp}}, Reviews: ptr(2)}
	require.NoError(t, c.UpdateProtection(ctxT(t), "acme", "widgets", "main", want))
	routes := srv.Stats().ByRoute
	assert.Equal(t, int64(1), routes["PUT /repos/{owner}/{repo}/branches/{branch}/protection"])

	got := srv.Protection("acme", "widgets", "main")
	exp := unmanaged()
	exp.RequiredStatusChecks = &ghsim.RequiredStatusChecks{Checks: []ghsim.StatusCheck{{Context: "EasyCLA"}}}
	exp.RequiredPullRequestReviews.RequiredApprovingReviewCount = 2
	assertProtection(t, exp, got)

	// Create on a branch protected meanwhile keeps what is there too.
	require.NoError(t, c.CreateProtection(ctxT(t), "acme", "widgets", "main", state.ProtectionSettings{EnforceAdmins: ptr(true)}))
	exp.EnforceAdmins = true
	assertProtection(t, exp, srv.Protection("acme", "widgets", "main"))
}

func assertProtection(t *testing.T, want, got *ghsim.Protection) {
	t.Helper()
	require.NotNil(t, got)
	// Empty and absent lists mean the same.
	norm := func(r *ghsim.Restrictions) {
		if r == nil {
			return
		}
		for _, l := range []*[]string{&r.Users, &r.Teams, &r.Apps} {
			if len(*l) == 0 {
				*l = nil
			}
		}
	}
	for _, p := range []*ghsim.Protection{want, got} {
		norm(p.Restrictions)
		if p.RequiredPullRequestReviews != nil {
			norm(p.RequiredPullRequestReviews.DismissalRestrictions)
			norm(p.RequiredPullRequestReviews.BypassAllowances)
		}
	}
	w, _ := json.MarshalIndent(want, "", " ")
	g, _ := json.MarshalIndent(got, "", " ")
	assert.JSONEq(t, string(w), string(g))
}

func TestProtectionBodies(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(createBody(state.ProtectionSettings{}))
	require.NoError(t, err)
	assert.JSONEq(t, `{"required_status_checks":null,"enforce_admins":false,"required_pull_request_reviews":null,"restrictions":null}`, string(b))
	b, _ = json.Marshal(createBody(state.ProtectionSettings{Checks: &[]state.Check{{Context: "DCO", AppID: 1861}, {Context: "build"}}, Reviews: ptr(0)}))
	assert.JSONEq(t, `{"required_status_checks":{"strict":false,"checks":[{"context":"DCO","app_id":1861},{"context":"build","app_id":-1}]},
		"enforce_admins":false,"required_pull_request_reviews":{"required_approving_review_count":0},"restrictions":null}`, string(b))
	assert.NotContains(t, string(b), "contexts")
}
