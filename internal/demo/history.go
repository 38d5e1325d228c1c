package demo

import (
	"slices"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/history"
)

// Reviewer approves every pull request of the demo's permissions repository.
const Reviewer = "releng-reviewer"

// SeedPullRequests makes the permissions repository org/name on the
// simulator, protected as docs/setup.md asks, with a merged pull request
// for each commit of the files' history (authored by the commit's author,
// approved by Reviewer), so that the audit shows who approved each change.
func (w *World) SeedPullRequests(o *config.Org, name string, entries []history.Entry) {
	srv, org := w.Server, o.Name
	if !slices.ContainsFunc(srv.Repos(org), func(r string) bool { return strings.EqualFold(r, name) }) {
		srv.AddRepo(org, name, ghsim.RepoOptions{})
	}
	// The plan check posted by GitHub Actions' App (15368) is what makes a
	// rights change wait for its plan; the floor's checks come after it.
	checks := &ghsim.RequiredStatusChecks{Strict: true, Checks: []ghsim.StatusCheck{{Context: "plan", AppID: 15368}}}
	for _, c := range o.Policy.RequiredChecks {
		app := c.AppID
		if app <= 0 {
			app = -1
		}
		checks.Checks = append(checks.Checks, ghsim.StatusCheck{Context: c.Context, AppID: app})
	}
	srv.SetProtection(org, name, "main", &ghsim.Protection{
		RequiredStatusChecks: checks,
		EnforceAdmins:        true,
		RequiredPullRequestReviews: &ghsim.RequiredPullRequestReviews{RequiredApprovingReviewCount: 1, RequireCodeOwnerReviews: true,
			DismissStaleReviews: true, RequireLastPushApproval: true},
	})
	for _, p := range o.Policy.AdminAllowed {
		if p.Kind == config.Team { // release engineering administers it
			srv.SetTeamRepo(org, p.Name, name, ghsim.RoleAdmin)
		}
	}
	srv.AddUser(Reviewer)
	srv.AddMember(org, Reviewer, false)
	for i := len(entries) - 1; i >= 0; i-- { // oldest first, as they were merged
		e := entries[i]
		author := loginOf(e.AuthorName)
		srv.AddUser(author)
		srv.AddPull(org, name, ghsim.PullOptions{Title: e.Subject, Author: author, Merged: true, MergeCommitSHA: e.Commit,
			MergedAt: e.Date, MergedBy: author, Reviews: []ghsim.ReviewOptions{{User: Reviewer, State: "APPROVED", At: e.Date}}})
	}
}

// loginOf makes a valid login from a git author name.
func loginOf(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	l := strings.Trim(b.String(), "-")
	if l == "" {
		l = "someone"
	}
	if len(l) > 39 {
		l = strings.Trim(l[:39], "-")
	}
	return l
}
