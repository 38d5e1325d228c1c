package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// selfCheck checks the permissions repository: every rights change must be
// a pull request reviewed by the rights' owners, which only holds if its
// default branch requires code-owner review, binds admins and has no bypass.
func (b *builder) selfCheck() SelfCheck {
	sc := SelfCheck{Repo: b.in.Self.Repo, Bypass: []string{}, Problems: []string{}}
	st, note := b.selfState()
	if st == nil {
		sc.Note = note
		return sc
	}
	sc.Checked = true
	bp, classic := selfProtection(&sc, st)
	b.selfFindings(&sc, st, bp, classic)
	sc.Passed = len(sc.Problems) == 0
	return sc
}

// selfState is the permissions repository as read, or nil and why not.
func (b *builder) selfState() (*state.Repo, string) {
	in := b.in.Self
	if in.Repo == "" {
		return nil, cmp.Or(in.Note, "skipped: the permissions repository is not known (pass --self-repo OWNER/REPO)")
	}
	owner, name, _ := strings.Cut(in.Repo, "/")
	st := in.State
	if a := b.actual(owner); st == nil && a != nil {
		st = a.Repo(name)
	}
	if st != nil && st.Readable() {
		return st, ""
	}
	why := "skipped: " + in.Repo + " could not be read"
	if st != nil && st.ReadError != "" {
		why += " (" + st.ReadError + ")"
	}
	return nil, cmp.Or(in.Note, why)
}

// selfProtection reads the default branch's protection and the rulesets
// that apply to it into sc; it returns the branch protection rule and
// whether one applies.
func selfProtection(sc *SelfCheck, st *state.Repo) (bp state.BranchProtection, classic bool) {
	def := st.DefaultBranch
	sc.Branch = def
	bp, _ = st.Branch(def)
	classic = bp.Protected
	rulesets := 0
	for _, rs := range st.Rulesets {
		if !rs.AppliesTo(def, def) {
			continue
		}
		rulesets++
		if rs.Reviews != nil && *rs.Reviews > sc.Reviews {
			sc.Reviews = *rs.Reviews
		}
		for _, a := range rs.Bypass {
			sc.Bypass = append(sc.Bypass, fmt.Sprintf("ruleset %s: %s", rs.Name, BypassText([]state.BypassActor{a})))
		}
	}
	sc.Protected = classic || rulesets > 0
	if classic {
		sc.EnforceAdmins = bp.EnforceAdmins
		if bp.Reviews != nil {
			sc.CodeOwnerReviews = bp.Reviews.CodeOwners
			if bp.Reviews.Count > sc.Reviews {
				sc.Reviews = bp.Reviews.Count
			}
		}
	} else {
		// Rulesets bind admins unless they are bypass actors (checked below).
		sc.EnforceAdmins = rulesets > 0
	}
	return bp, classic
}

// selfFindings reports what lets a rights change through unreviewed.
func (b *builder) selfFindings(sc *SelfCheck, st *state.Repo, bp state.BranchProtection, classic bool) {
	in, def := b.in.Self, st.DefaultBranch
	org, repo, _ := strings.Cut(in.Repo, "/")
	fixProt := fmt.Sprintf("In %s's settings, protect %s: require pull request reviews with review from Code Owners, include administrators, and allow no bypass.", in.Repo, def)
	if !sc.Protected {
		sc.Problems = append(sc.Problems, "the default branch "+def+" is not protected")
		b.fs.add(Critical, RuleSelfUnprotected, org, repo, "branch:"+def, fixProt,
			"the permissions repository %s does not protect %s: anyone with write access can change every repository's rights without review", in.Repo, def)
	} else {
		if !sc.CodeOwnerReviews {
			msg := "code-owner review is not required"
			if !classic {
				msg += " by branch protection (a ruleset's code-owner setting is not read)"
			}
			sc.Problems = append(sc.Problems, msg)
			b.fs.add(High, RuleSelfCodeOwners, org, repo, "branch:"+def, fixProt,
				"the permissions repository %s does not require code-owner review on %s: a rights change need not be approved by the owners of those rights", in.Repo, def)
		}
		if !sc.EnforceAdmins {
			sc.Problems = append(sc.Problems, "the protection does not apply to admins (enforce_admins off)")
			b.fs.add(High, RuleSelfEnforceAdmins, org, repo, "branch:"+def, fixProt,
				"the protection of %s on the permissions repository %s does not apply to admins: an admin can merge a rights change unreviewed", def, in.Repo)
		}
		if len(sc.Bypass) > 0 {
			sc.Problems = append(sc.Problems, "bypass allowed: "+strings.Join(sc.Bypass, "; "))
			b.fs.add(High, RuleSelfBypass, org, repo, "branch:"+def, fixProt,
				"the rules of %s on the permissions repository %s can be bypassed (%s)", def, in.Repo, strings.Join(sc.Bypass, "; "))
		}
		fixReview := fmt.Sprintf("In %s's settings, protect %s: require pull request reviews, dismiss stale approvals, require approval of the most recent push, allow nobody to bypass them, and require the status check %q from GitHub Actions.", in.Repo, def, planCheck)
		for _, weak := range reviewWeaknesses(st, bp, classic, def) {
			sc.Problems = append(sc.Problems, weak)
			b.fs.add(High, RuleSelfReview, org, repo, "branch:"+def, fixReview,
				"on the permissions repository %s, review of %s can be made not to bite: %s", in.Repo, def, weak)
		}
	}
}

const (
	// planCheck is the check the pull request workflow's plan job reports:
	// the approver reads its comment, so only that workflow may post it.
	planCheck = "plan"
	// actionsAppID is GitHub Actions' App, the one that posts a workflow
	// job's check run.
	actionsAppID = 15368
)

// reviewWeaknesses says what lets a rights change be merged with a review
// that did not see it: approvals kept across new pushes, the last push
// approved by its own author, people or Apps that may skip the reviews,
// and a plan check that anyone with write access can post. One line each.
func reviewWeaknesses(st *state.Repo, bp state.BranchProtection, classic bool, def string) []string {
	var out []string
	if classic {
		switch rv := bp.Reviews; {
		case rv == nil:
			out = append(out, "pull request reviews are not required")
		default:
			switch {
			case !rv.BypassRead:
				out = append(out, "who may bypass the required reviews (bypass_pull_request_allowances) could not be read")
			case len(rv.Bypass) > 0:
				out = append(out, "bypass allowances for pull requests: "+strings.Join(rv.Bypass, ", ")+" may merge without the reviews")
			}
			if !rv.DismissStale {
				out = append(out, "stale approvals are not dismissed: a push after the approval is merged unreviewed")
			}
			if !rv.LastPushApprove {
				out = append(out, "approval of the most recent push is not required: its author can push after the approval")
			}
		}
	} else {
		out = append(out, "only rulesets protect "+def+": their dismissal of stale approvals, approval of the last push and code-owner settings are not read; protect it with branch protection too")
	}
	var from []int64
	if classic && bp.StatusChecks != nil {
		for _, c := range bp.StatusChecks.Checks {
			if c.Context == planCheck {
				from = append(from, c.AppID)
			}
		}
	}
	for _, rs := range st.Rulesets {
		if !rs.AppliesTo(def, def) {
			continue
		}
		for _, c := range rs.RequiredChecks {
			if c.Context == planCheck {
				from = append(from, c.AppID)
			}
		}
	}
	switch {
	case slices.Contains(from, actionsAppID):
	case len(from) == 0:
		out = append(out, fmt.Sprintf("the %q check is not required: a rights change can be merged without its plan", planCheck))
	default:
		out = append(out, fmt.Sprintf("the %q check is not required from GitHub Actions (app id %d): anyone with write access can post a passing %q status", planCheck, actionsAppID, planCheck))
	}
	return out
}
