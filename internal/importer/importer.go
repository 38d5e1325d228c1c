// Package importer writes permissions files from GitHub's current state, so
// an org can start from what it has: a plan right after an import shows no
// changes.
package importer

import (
	"fmt"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// RepoFile renders one repository's file: its direct user grants, pending
// invitations (which count as the invited role), team grants, and the
// protection of its default branch. Notes explain what was left out.
func RepoFile(org *state.Org, r *state.Repo, policy config.Policy, now time.Time) (data []byte, notes []string) {
	comment := fmt.Sprintf("%s/%s: imported from GitHub by permsync import on %s.\n"+
		"Each role lists direct grants; access through org ownership, the base role\n"+
		"or a parent team is not written here.", org.Name, r.Name, now.UTC().Format("2006-01-02"))

	file := &config.Repo{Org: org.Name, Name: r.Name}
	for _, u := range r.Users {
		if u.Custom() {
			notes = append(notes, fmt.Sprintf("%s/%s: user %s holds the custom role %q, which files cannot express: left out", org.Name, r.Name, u.Login, u.RoleName))
			continue
		}
		file.Grants = append(file.Grants, config.Grant{Principal: config.Principal{Kind: config.User, Name: u.Login}, Role: u.Role, ID: u.ID})
	}
	for _, inv := range r.Invitations {
		if inv.Expired {
			continue // it grants nothing
		}
		if _, direct := r.User(inv.Login); direct {
			continue
		}
		file.Grants = append(file.Grants, config.Grant{Principal: config.Principal{Kind: config.User, Name: inv.Login}, Role: inv.Role, ID: inv.UserID})
	}
	for _, t := range r.Teams {
		if t.RoleName != "" {
			notes = append(notes, fmt.Sprintf("%s/%s: team %s holds the custom role %q, which files cannot express: left out", org.Name, r.Name, t.Slug, t.RoleName))
			continue
		}
		file.Grants = append(file.Grants, config.Grant{Principal: config.Principal{Kind: config.Team, Name: t.Slug}, Role: t.Role})
	}
	if bp, ok := r.Branch(r.DefaultBranch); ok && bp.Protected && bp.Pattern == "" {
		settings, n := protection(org.Name+"/"+r.Name, bp, policy)
		notes = append(notes, n...)
		file.Protection = append(file.Protection, settings)
	}
	return config.EncodeRepo(file, comment), notes
}

// protection is what the file says of a protected branch: GitHub's settings,
// a check any source may post written plain (the file then keeps GitHub's
// pin, which is none).
func protection(where string, bp state.BranchProtection, policy config.Policy) (config.BranchProtection, []string) {
	var notes []string
	out := config.BranchProtection{Branch: bp.Branch}
	out.EnforceAdmins = &bp.EnforceAdmins
	if sc := bp.StatusChecks; sc != nil {
		checks := []config.Check{}
		for _, c := range sc.Checks {
			app := config.Unpinned
			if c.Pinned() {
				app = c.AppID
			}
			checks = append(checks, config.Check{Context: c.Context, AppID: app})
		}
		out.Checks, out.Strict = &checks, &sc.Strict
	}
	switch {
	case bp.Reviews == nil:
		notes = append(notes, fmt.Sprintf("%s: %s does not require pull request reviews; %s left out (GitHub keeps its value)", where, bp.Branch, config.KeyReviewCount))
	case bp.Reviews.Count < policy.MinReviews:
		notes = append(notes, fmt.Sprintf("%s: %s requires %d approving reviews, below %s (%d): left out so the file does not ask for less; add it to raise it", where, bp.Branch, bp.Reviews.Count, config.KeyMinReviews, policy.MinReviews))
	default:
		out.Reviews = &bp.Reviews.Count
	}
	return out, notes
}

// OrgFile renders a starting org file that spells out the defaults.
func OrgFile(org string) []byte { return config.OrgFileTemplate(org) }
