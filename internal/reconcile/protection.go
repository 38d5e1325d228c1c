package reconcile

import (
	"fmt"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// protection plans each branch a file names. Only the settings the file
// writes are managed (SPEC.md: a branch's settings not written in the file
// are left as GitHub has them); the org floor bounds what the file may ask
// (guardrails) and pins the checks the file lists. Floor breaches in
// settings the file does not write are for the audit to report.
func (d *repoDiff) protection() {
	policy := d.org.Policy
	for _, bp := range d.repo.Protection {
		if d.ar.ProtectionUnavailable {
			// GitHub answers 403 to every protection write here; planning
			// one would fail at apply, run after run.
			d.notice(NoticeCannotApply, "branch:"+bp.Branch, bp.Pos,
				"GitHub's plan for %s offers no branch protection on a private repository: protection is not planned (make the repository public, upgrade the org's plan, or remove branch_protection from the file)", d.org.Name)
			continue
		}
		cur, ok := d.ar.Branch(bp.Branch)
		switch {
		case !ok:
			d.errorf(bp.Pos, "protection of branch %s was not read from GitHub", bp.Branch)
			continue
		case cur.Missing:
			d.errorf(bp.Pos, "branch %s does not exist in %s/%s; create it or fix the name", bp.Branch, d.org.Name, d.ar.Name)
			continue
		}
		if !cur.Protected {
			want, fields := createSettings(bp, policy)
			d.add(Change{Kind: ProtectionCreate, Branch: bp.Branch, ProtectionBefore: &cur, ProtectionAfter: &want,
				ProtectionChanges: fields, Source: bp.Pos, Reason: "branch not protected on GitHub"})
			continue
		}
		want, fields, src := updateSettings(bp, cur, policy)
		if len(fields) == 0 {
			continue
		}
		if cur.Pattern != "" && cur.Pattern != bp.Branch {
			// Writing protection for this branch would create an exact-name
			// rule that from then on overrides the wildcard one here (and
			// leaves the other branches it covers as they are). Not a
			// refusal: it stops nothing else in the repository.
			d.notice(NoticeCannotApply, "branch:"+bp.Branch, src,
				"branch %s is protected by the wildcard rule %q, which permsync does not manage: writing its protection would create a new rule for %s alone that overrides the wildcard one from then on; not planned (change the wildcard rule on GitHub, or make the file match it)", bp.Branch, cur.Pattern, bp.Branch)
			continue
		}
		d.add(Change{Kind: ProtectionUpdate, Branch: bp.Branch, ProtectionBefore: &cur, ProtectionAfter: &want,
			ProtectionChanges: fields, Source: src, Reason: "protection differs from the file"})
	}
}

// createSettings is what protecting an unprotected branch sets: the file's
// settings, and the org's min_reviews when the file does not say.
func createSettings(bp config.BranchProtection, policy config.Policy) (state.ProtectionSettings, []FieldChange) {
	var want state.ProtectionSettings
	var fields []FieldChange
	if bp.Checks != nil || bp.Strict != nil {
		checks := resolveChecks(bp.Checks, nil, policy)
		strict := bp.Strict != nil && *bp.Strict
		want.Checks, want.Strict = &checks, &strict
		fields = append(fields, FieldChange{Field: "required_status_checks", Before: "none", After: checksString(checks)})
		if strict {
			fields = append(fields, FieldChange{Field: "strict", Before: "false", After: "true"})
		}
	}
	enforce := bp.EnforceAdmins != nil && *bp.EnforceAdmins
	want.EnforceAdmins = &enforce
	if enforce {
		fields = append(fields, FieldChange{Field: "enforce_admins", Before: "false", After: "true"})
	}
	reviews := policy.MinReviews
	if bp.Reviews != nil {
		reviews = *bp.Reviews
	}
	if bp.Reviews != nil || reviews > 0 {
		want.Reviews = &reviews
		fields = append(fields, FieldChange{Field: "required_approving_review_count", Before: "not required", After: fmt.Sprint(reviews)})
	}
	return want, fields
}

// updateSettings compares a protected branch with the file and the floor.
// It returns only the settings that change, and the position that asked for
// the first of them.
func updateSettings(bp config.BranchProtection, cur state.BranchProtection, policy config.Policy) (state.ProtectionSettings, []FieldChange, config.Pos) {
	var want state.ProtectionSettings
	var fields []FieldChange
	var src config.Pos
	asked := func(p config.Pos) {
		if src.File == "" {
			src = p
		}
	}

	var curChecks []state.Check
	curStrict := false
	if cur.StatusChecks != nil {
		curChecks = cur.StatusChecks.Checks
		curStrict = cur.StatusChecks.Strict
	}
	var wantChecks []state.Check
	if bp.Checks != nil {
		wantChecks = resolveChecks(bp.Checks, curChecks, policy)
	}
	if bp.Checks != nil && !sameChecks(wantChecks, curChecks) {
		want.Checks = &wantChecks
		before := "none"
		if cur.StatusChecks != nil {
			before = checksString(curChecks)
		}
		fields = append(fields, FieldChange{Field: "required_status_checks", Before: before, After: checksString(wantChecks),
			Weakens: checksWeaken(curChecks, wantChecks)})
		asked(bp.Where(config.KeyRequiredStatusChecks))
	}
	if bp.Strict != nil && *bp.Strict != curStrict {
		want.Strict = bp.Strict
		fields = append(fields, FieldChange{Field: "strict", Before: fmt.Sprint(curStrict), After: fmt.Sprint(*bp.Strict), Weakens: !*bp.Strict})
		asked(bp.Where(config.KeyStrict))
	}
	if bp.EnforceAdmins != nil && *bp.EnforceAdmins != cur.EnforceAdmins {
		want.EnforceAdmins = bp.EnforceAdmins
		fields = append(fields, FieldChange{Field: "enforce_admins", Before: fmt.Sprint(cur.EnforceAdmins), After: fmt.Sprint(*bp.EnforceAdmins), Weakens: !*bp.EnforceAdmins})
		asked(bp.Where(config.KeyEnforceAdmins))
	}
	curReviews, reviewsBefore := 0, "not required"
	if cur.Reviews != nil {
		curReviews, reviewsBefore = cur.Reviews.Count, fmt.Sprint(cur.Reviews.Count)
	}
	if bp.Reviews != nil && (cur.Reviews == nil || *bp.Reviews != curReviews) {
		want.Reviews = bp.Reviews
		fields = append(fields, FieldChange{Field: "required_approving_review_count", Before: reviewsBefore, After: fmt.Sprint(*bp.Reviews), Weakens: *bp.Reviews < curReviews})
		asked(bp.Where(config.KeyReviewCount))
	}
	return want, fields, src
}

// resolveChecks turns a file's check list into GitHub's: a plain context
// keeps the App GitHub has it pinned to, else takes the floor's pin, else
// any source.
func resolveChecks(file *[]config.Check, cur []state.Check, policy config.Policy) []state.Check {
	out := []state.Check{}
	if file == nil {
		return out
	}
	for _, c := range *file {
		sc := state.Check{Context: c.Context, AppID: c.AppID}
		if c.AppID == config.Unpinned {
			sc.AppID = state.AnyApp
			if fc, ok := floorCheck(policy, c.Context); ok && fc.AppID > 0 {
				sc.AppID = fc.AppID
			} else if gc, ok := findCheck(cur, c.Context); ok {
				sc.AppID = gc.AppID
			}
		}
		out = append(out, sc)
	}
	return out
}

func floorCheck(policy config.Policy, context string) (config.Check, bool) {
	for _, c := range policy.RequiredChecks {
		if c.Context == context {
			return c, true
		}
	}
	return config.Check{}, false
}

func findCheck(list []state.Check, context string) (state.Check, bool) {
	for _, c := range list {
		if c.Context == context {
			return c, true
		}
	}
	return state.Check{}, false
}

func sameChecks(a, b []state.Check) bool {
	if len(a) != len(b) {
		return false
	}
	for _, c := range a {
		o, ok := findCheck(b, c.Context)
		if !ok || state.NormApp(o.AppID) != state.NormApp(c.AppID) {
			return false
		}
	}
	return true
}

// checksWeaken reports whether going from a to b drops a check or loosens a pin.
func checksWeaken(a, b []state.Check) bool {
	for _, c := range a {
		o, ok := findCheck(b, c.Context)
		if !ok || (c.Pinned() && state.NormApp(o.AppID) != c.AppID) {
			return true
		}
	}
	return false
}

func checksString(cs []state.Check) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Context
		if c.Pinned() {
			parts[i] += fmt.Sprintf(" (app %d)", c.AppID)
		}
	}
	return strings.Join(parts, ", ")
}
