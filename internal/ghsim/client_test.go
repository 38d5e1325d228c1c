package ghsim_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v58/github"
	gh88 "github.com/google/go-github/v88/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim/ghsimtest"
)

// TestRealClients drives the simulator with the clients permsync uses:
// ghinstallation (App JWT, installation lookup, narrowed tokens) and
// go-github v58 against the Enterprise Server URL layout.
func TestRealClients(t *testing.T) {
	ctx := context.Background()
	srv := ghsimtest.NewServer(t)
	srv.AddOrg("acme", ghsim.OrgOptions{BaseRole: ghsim.RoleRead})
	srv.AddMember("acme", "root", true)
	srv.AddMember("acme", "alice", false)
	srv.AddUser("olga")
	srv.AddRepo("acme", "widgets", ghsim.RepoOptions{})
	srv.AddRepo("acme", "other", ghsim.RepoOptions{})
	srv.AddTeam("acme", "core", ghsim.TeamOptions{})
	for i := range 120 {
		srv.SetCollaborator("acme", "widgets", fmt.Sprintf("user%03d", i), ghsim.RoleTriage)
	}
	srv.AddRuleset("acme", "widgets", ghsim.Ruleset{Name: "mq", Include: []string{"~DEFAULT_BRANCH"},
		Rules: []ghsim.Rule{ghsim.RequiredStatusChecksRule(true, ghsim.StatusCheck{Context: "EasyCLA"}), ghsim.MergeQueueRule()}})

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	appID := srv.AddApp(ghsim.AppOptions{Slug: "permsync", PublicKey: &key.PublicKey,
		Permissions: ghsim.Permissions{"administration": "write", "members": "read", "issues": "write"}})
	instID := srv.Install(appID, "acme", nil)

	base := strings.TrimSuffix(srv.URL(), "/")
	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, appID, pemKey)
	require.NoError(t, err)
	atr.BaseURL = base
	appClient, err := github.NewClient(&http.Client{Transport: atr}).WithEnterpriseURLs(srv.URL(), srv.URL())
	require.NoError(t, err)
	inst, _, err := appClient.Apps.FindOrganizationInstallation(ctx, "acme")
	require.NoError(t, err)
	assert.Equal(t, instID, inst.GetID())
	_, res, err := appClient.Apps.FindOrganizationInstallation(ctx, "nowhere")
	require.Error(t, err)
	assert.Equal(t, 404, res.StatusCode)

	itr := ghinstallation.NewFromAppsTransport(atr, inst.GetID())
	itr.InstallationTokenOptions = &gh88.InstallationTokenOptions{
		Repositories: []string{"widgets"},
		Permissions:  &gh88.InstallationPermissions{Administration: gh88.Ptr("write"), Members: gh88.Ptr("read"), Issues: gh88.Ptr("write")},
	}
	c, err := github.NewClient(&http.Client{Transport: itr}).WithEnterpriseURLs(srv.URL(), srv.URL())
	require.NoError(t, err)

	// Paging with NextPage.
	var all []*github.User
	opt := &github.ListCollaboratorsOptions{Affiliation: "direct", ListOptions: github.ListOptions{PerPage: 50}}
	for {
		page, res, err := c.Repositories.ListCollaborators(ctx, "acme", "widgets", opt)
		require.NoError(t, err)
		all = append(all, page...)
		if res.NextPage == 0 {
			break
		}
		opt.Page = res.NextPage
	}
	require.Len(t, all, 120)
	assert.Equal(t, "triage", all[0].GetRoleName())
	assert.True(t, all[0].GetPermissions()["triage"])

	// 201 with an invitation for a non-member, 204 for a member.
	invite, res, err := c.Repositories.AddCollaborator(ctx, "acme", "widgets", "olga", &github.RepositoryAddCollaboratorOptions{Permission: "push"})
	require.NoError(t, err)
	assert.Equal(t, 201, res.StatusCode)
	assert.Equal(t, "write", invite.GetPermissions())
	assert.Equal(t, "permsync[bot]", invite.GetInviter().GetLogin())
	_, res, err = c.Repositories.AddCollaborator(ctx, "acme", "widgets", "alice", &github.RepositoryAddCollaboratorOptions{Permission: "maintain"})
	require.NoError(t, err)
	assert.Equal(t, 204, res.StatusCode)
	lvl, _, err := c.Repositories.GetPermissionLevel(ctx, "acme", "widgets", "alice")
	require.NoError(t, err)
	assert.Equal(t, "write", lvl.GetPermission())
	assert.Equal(t, "maintain", lvl.GetUser().GetRoleName())
	invs, _, err := c.Repositories.ListInvitations(ctx, "acme", "widgets", nil)
	require.NoError(t, err)
	require.Len(t, invs, 1)
	upd, _, err := c.Repositories.UpdateInvitation(ctx, "acme", "widgets", invs[0].GetID(), "triage")
	require.NoError(t, err)
	assert.Equal(t, "triage", upd.GetPermissions())
	_, err = c.Repositories.DeleteInvitation(ctx, "acme", "widgets", invs[0].GetID())
	require.NoError(t, err)

	// The token was narrowed to widgets.
	_, res, err = c.Repositories.Get(ctx, "acme", "other")
	require.Error(t, err)
	assert.Equal(t, 404, res.StatusCode)

	// Teams.
	_, err = c.Teams.AddTeamRepoBySlug(ctx, "acme", "core", "acme", "widgets", &github.TeamAddTeamRepoOptions{Permission: "maintain"})
	require.NoError(t, err)
	repo, _, err := c.Teams.IsTeamRepoBySlug(ctx, "acme", "core", "acme", "widgets")
	require.NoError(t, err)
	assert.Equal(t, "maintain", repo.GetRoleName())

	// Branch protection: go-github's request and response shapes.
	_, _, err = c.Repositories.GetBranchProtection(ctx, "acme", "widgets", "main")
	assert.ErrorIs(t, err, github.ErrBranchNotProtected)
	prot, _, err := c.Repositories.UpdateBranchProtection(ctx, "acme", "widgets", "main", &github.ProtectionRequest{
		RequiredStatusChecks:       &github.RequiredStatusChecks{Strict: true, Checks: []*github.RequiredStatusCheck{{Context: "EasyCLA", AppID: github.Int64(-1)}, {Context: "DCO", AppID: github.Int64(1861)}}},
		EnforceAdmins:              true,
		RequiredPullRequestReviews: &github.PullRequestReviewsEnforcementRequest{RequiredApprovingReviewCount: 1},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"EasyCLA", "DCO"}, prot.GetRequiredStatusChecks().Contexts)
	got, _, err := c.Repositories.GetBranchProtection(ctx, "acme", "widgets", "main")
	require.NoError(t, err)
	assert.True(t, got.GetEnforceAdmins().Enabled)
	checks := got.GetRequiredStatusChecks().Checks
	require.Len(t, checks, 2)
	assert.Nil(t, checks[0].AppID)
	assert.Equal(t, int64(1861), checks[1].GetAppID())
	assert.Equal(t, 1, got.GetRequiredPullRequestReviews().RequiredApprovingReviewCount)

	// go-github v58 cannot decode merge_queue rules (as GITHUB.md warns).
	_, _, err = c.Repositories.GetRulesForBranch(ctx, "acme", "widgets", "main")
	assert.Error(t, err)

	// Issues are authored by the App's bot.
	is, _, err := c.Issues.Create(ctx, "acme", "widgets", &github.IssueRequest{Title: github.String("Drift"), Labels: &[]string{"permsync"}})
	require.NoError(t, err)
	assert.Equal(t, "permsync[bot]", is.GetUser().GetLogin())
	assert.Equal(t, "Bot", is.GetUser().GetType())

	// Conditional requests through go-github: the second read is a 304 and free.
	req, err := c.NewRequest("GET", "repos/acme/widgets", nil)
	require.NoError(t, err)
	res, err = c.Do(ctx, req, nil)
	require.NoError(t, err)
	etag := res.Header.Get("ETag")
	req.Header.Set("If-None-Match", etag)
	res, err = c.Do(ctx, req, nil)
	assert.Equal(t, 304, res.StatusCode)
	_ = err
}
