package audit

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// claWord matches "cla" as a word in a check context (e.g. "cla/check").
var claWord = regexp.MustCompile(`(?i)(^|[^a-z])cla([^a-z]|$)`)

// IsCLA reports whether a check context is a CLA check: EasyCLA, a legacy
// Linux Foundation CLA context, or a context with "cla" as a word in it.
func IsCLA(context string) bool {
	if strings.EqualFold(context, "EasyCLA") || claWord.MatchString(context) {
		return true
	}
	for _, l := range config.LegacyCLAContexts {
		if strings.EqualFold(context, l) {
			return true
		}
	}
	return false
}

// protection reads the default branch's protection and rulesets, and
// checks them against the org's floor.
func (b *builder) protection(rep *Repo, co *config.Org, r *state.Repo) {
	def := r.DefaultBranch
	rep.Protection.Branch = def
	bp, ok := r.Branch(def)
	if ok && bp.Protected {
		classicProtection(&rep.Protection, bp)
	}
	rulesets(rep, r, co.Policy.RequiredChecks)
	rep.Protection.Protected = rep.Protection.BranchProtection || rep.Protection.RulesetsApply > 0
	claInFloor := floorChecks(rep, r, bp, co.Policy.RequiredChecks)
	rep.CLARequired = claRequired(rep, r, bp, claInFloor)
	if r.Archived || rep.ReadError != "" || def == "" {
		return
	}
	if !rep.CLARequired {
		b.rep.NoCLA = append(b.rep.NoCLA, rep.FullName())
	}
	b.protectionFindings(rep, co, r)
}

// classicProtection copies a branch protection rule into pr.
func classicProtection(pr *Protection, bp state.BranchProtection) {
	pr.BranchProtection = true
	pr.Pattern = bp.Pattern
	pr.EnforceAdmins = bp.EnforceAdmins
	pr.AllowForcePushes = bp.AllowForcePushes
	pr.AllowDeletions = bp.AllowDeletions
	if bp.Reviews != nil {
		pr.Reviews = bp.Reviews.Count
		pr.CodeOwnerReviews = bp.Reviews.CodeOwners
		pr.DismissStaleReviews = bp.Reviews.DismissStale
	}
	if bp.StatusChecks != nil {
		pr.StrictChecks = bp.StatusChecks.Strict
		for _, c := range bp.StatusChecks.Checks {
			pr.Checks = append(pr.Checks, Check{Context: c.Context, AppID: state.NormApp(c.AppID)})
		}
	}
}

// rulesets lists r's rulesets, and adds what those that apply to the
// default branch require to its protection.
func rulesets(rep *Repo, r *state.Repo, floor []config.Check) {
	def, pr := r.DefaultBranch, &rep.Protection
	for _, rs := range r.Rulesets {
		applies := def != "" && rs.AppliesTo(def, def)
		out := Ruleset{Name: rs.Name, Source: rs.Source, SourceType: rs.SourceType, Enforcement: rs.Enforcement,
			AppliesToDefault: applies, RequiredChecks: []Check{}, Reviews: rs.Reviews, Bypass: rs.Bypass, BypassRead: rs.BypassRead, Incomplete: rs.Incomplete}
		if out.Bypass == nil {
			out.Bypass = []state.BypassActor{}
		}
		for _, c := range rs.RequiredChecks {
			out.RequiredChecks = append(out.RequiredChecks, Check{Context: c.Context, AppID: state.NormApp(c.AppID)})
			for _, f := range floor {
				if f.Context == c.Context {
					out.RequiresFloorCheck = true
				}
			}
		}
		rep.Rulesets = append(rep.Rulesets, out)
		if !applies {
			continue
		}
		pr.RulesetsApply++
		if rs.Reviews != nil && *rs.Reviews > pr.Reviews {
			pr.Reviews = *rs.Reviews
		}
		if rs.StrictChecks {
			pr.StrictChecks = true
		}
		pr.Checks = append(pr.Checks, out.RequiredChecks...)
	}
}

// floorChecks says of each floor check whether it is required, by what, and
// pinned to which App; it reports whether the floor has a CLA check.
func floorChecks(rep *Repo, r *state.Repo, bp state.BranchProtection, floor []config.Check) (cla bool) {
	for _, f := range floor {
		cs := CheckStatus{Context: f.Context, WantedApp: state.NormApp(f.AppID), CLA: IsCLA(f.Context), By: []CheckSource{}}
		cla = cla || cs.CLA
		cs.By = checkSources(bp, rep.Protection.BranchProtection, r.Rulesets, f.Context, f.AppID, r.DefaultBranch)
		cs.Required = len(cs.By) > 0
		pinnedToWanted := false
		for _, s := range cs.By {
			cs.Covered = cs.Covered || s.StandsIn
			cs.Pinned = cs.Pinned || s.AppID > 0
			pinnedToWanted = pinnedToWanted || (f.AppID > 0 && s.AppID == f.AppID)
		}
		cs.Spoofable = cs.Required && !cs.Pinned
		cs.WrongApp = cs.Required && f.AppID > 0 && !pinnedToWanted
		rep.RequiredChecks = append(rep.RequiredChecks, cs)
	}
	return cla
}

// claRequired reports whether the default branch requires the CLA where
// nobody below an org owner can skip it: a ruleset that can be bypassed, or
// whose bypass list cannot be read, does not count. Without a CLA check in
// the floor, EasyCLA is still what the question is about.
func claRequired(rep *Repo, r *state.Repo, bp state.BranchProtection, claInFloor bool) bool {
	if claInFloor {
		for _, cs := range rep.RequiredChecks {
			if cs.CLA && cs.Covered {
				return true
			}
		}
		return false
	}
	for _, c := range rep.Protection.Checks {
		if !IsCLA(c.Context) {
			continue
		}
		for _, s := range checkSources(bp, rep.Protection.BranchProtection, r.Rulesets, c.Context, state.AnyApp, r.DefaultBranch) {
			if s.StandsIn {
				return true
			}
		}
	}
	return false
}

// checkSources lists what requires context on the default branch: branch
// protection (which admins cannot skip once enforce_admins is on, and
// which permsync keeps), and each active ruleset, with who may bypass it
// and whether it stands in (state.Ruleset.StandsIn: from the pinned App,
// read whole, bypassable by nobody below an org owner).
func checkSources(bp state.BranchProtection, classic bool, rulesets []state.Ruleset, context string, pinned int64, def string) []CheckSource {
	out := []CheckSource{}
	if classic && bp.StatusChecks != nil {
		for _, c := range bp.StatusChecks.Checks {
			if c.Context == context {
				out = append(out, CheckSource{Where: "branch protection", AppID: state.NormApp(c.AppID), StandsIn: true})
			}
		}
	}
	if def == "" {
		return out
	}
	for _, rs := range rulesets {
		c, ok := rs.RequiresCheck(context, def, def)
		if !ok {
			continue
		}
		in, why := rs.StandsIn(context, pinned, def, def)
		out = append(out, CheckSource{Where: "ruleset " + rs.Name, AppID: state.NormApp(c.AppID), Bypass: bypassWho(rs), StandsIn: in, Why: why})
	}
	return out
}

// bypassWho says who may skip a ruleset, never "nobody" for a list that
// could not be read.
func bypassWho(rs state.Ruleset) string {
	switch {
	case !rs.BypassRead:
		return "unknown: the bypass list cannot be read with these credentials"
	case !rs.BypassBelowOwner():
		return "nobody below an org owner"
	}
	return BypassText(rs.Bypass)
}

func (b *builder) protectionFindings(rep *Repo, co *config.Org, r *state.Repo) {
	b.checkFindings(rep, co)
	b.branchFindings(rep, co)
	b.rulesetFindings(rep, co, r)
}

// fileFix says how to set a protection setting of rep's default branch.
func fileFix(rep *Repo, setting string) string {
	if rep.Managed {
		return fmt.Sprintf("Set %s under branch_protection.%s in %s through a reviewed pull request; permsync applies it and never weakens it.", setting, rep.Protection.Branch, rep.File)
	}
	return fmt.Sprintf("Import the repository (permsync import --org %s --repo %s) and set %s under branch_protection.%s in its file.", rep.Org, rep.Name, setting, rep.Protection.Branch)
}

// checkFindings reports the floor's checks that are not required, required
// from any App or the wrong one, and a CLA check that is not required.
func (b *builder) checkFindings(rep *Repo, co *config.Org) {
	pr, full := rep.Protection, rep.FullName()
	where := co.Policy.Where(config.KeyRequiredChecks, co.File).String()
	var claMissing []string
	var claSkippable []CheckSource
	for _, cs := range rep.RequiredChecks {
		subject := "check:" + cs.Context
		ctx := cs.Context
		switch {
		case cs.CLA && !cs.Covered:
			claMissing = append(claMissing, cs.Context)
			claSkippable = append(claSkippable, cs.By...)
		case !cs.Required:
			f := b.grouped(subject, Low, RuleCheckNotRequired, rep.Org, rep.Name, subject,
				fmt.Sprintf("Add it to the default branch's required_status_checks in each repository's file (`required_status_checks: [%s, …]` under branch_protection) through a reviewed pull request; permsync applies it and never weakens it.", ctx),
				func(repos []string) string {
					if len(repos) == 1 {
						return fmt.Sprintf("%s is not required on %s of %s (required_checks lists it)", ctx, pr.Branch, full)
					}
					return fmt.Sprintf("%s is not required on the default branch of %s (required_checks lists it)", ctx, listRepos(rep.Org, repos))
				})
			f.Source = where
		}
		switch {
		case !cs.Required:
		case cs.WrongApp:
			want := cs.WantedApp
			f := b.grouped(subject, High, RuleCheckWrongApp, rep.Org, rep.Name, subject,
				fmt.Sprintf("Run permsync plan and apply: it pins %s to App %d as the org file asks.", ctx, want),
				func(repos []string) string {
					if len(repos) == 1 {
						return fmt.Sprintf("%s is required on %s of %s from %s, not from the App %d the org file pins it to", ctx, pr.Branch, full, sourcesText(cs.By), want)
					}
					return fmt.Sprintf("%s is required on the default branch of %s from another App or any source, not from the App %d the org file pins it to", ctx, listRepos(rep.Org, repos), want)
				})
			f.Source = where
		case cs.Spoofable:
			f := b.grouped(subject, Medium, RuleCheckSpoofable, rep.Org, rep.Name, subject,
				fmt.Sprintf("Pin it to the App that posts it: in %s write `- context: %s` with `app_id: <the App's id>` under required_checks.", orgFileOr(co), ctx),
				func(repos []string) string {
					if len(repos) == 1 {
						return fmt.Sprintf("%s is required on %s of %s from any source: anyone with write access can post a passing %s status", ctx, pr.Branch, full, ctx)
					}
					return fmt.Sprintf("%s is required from any source on the default branch of %s: anyone with write access can post a passing %s status", ctx, listRepos(rep.Org, repos), ctx)
				})
			f.Source = where
		}
	}
	if len(claMissing) > 0 && !rep.CLARequired {
		f := b.fs.add(Critical, RuleCLANotRequired, rep.Org, rep.Name, "check:"+claMissing[0], fileFix(rep, "required_status_checks: ["+claMissing[0]+", …]"),
			"the CLA check (%s) is not required on %s of %s%s: contributions can be merged without a signed CLA", strings.Join(claMissing, " or "), pr.Branch, full, skippableText(claSkippable))
		f.Source = where
	}
}

// branchFindings reports the default branch's protection settings below
// the floor.
func (b *builder) branchFindings(rep *Repo, co *config.Org) {
	pr, full, p := rep.Protection, rep.FullName(), co.Policy
	if !pr.Protected {
		b.fs.add(High, RuleProtectionMissing, rep.Org, rep.Name, "branch:"+pr.Branch, fileFix(rep, "required_status_checks, enforce_admins and required_approving_review_count"),
			"the default branch %s of %s is not protected: anyone with write access can push to it directly, force-push or delete it", pr.Branch, full)
	}
	if pr.BranchProtection && !pr.EnforceAdmins {
		b.fs.add(Medium, RuleEnforceAdminsOff, rep.Org, rep.Name, "branch:"+pr.Branch, fileFix(rep, "enforce_admins: true"),
			"the protection of %s on %s does not apply to admins: they can push past reviews and checks", pr.Branch, full)
	}
	if pr.Protected && pr.Reviews < p.MinReviews {
		f := b.fs.add(Medium, RuleReviewsBelowMin, rep.Org, rep.Name, "branch:"+pr.Branch, fileFix(rep, fmt.Sprintf("required_approving_review_count: %d", p.MinReviews)),
			"%s of %s requires %d approving reviews, fewer than min_reviews (%d)", pr.Branch, full, pr.Reviews, p.MinReviews)
		f.Source = p.Where(config.KeyMinReviews, co.File).String()
	}
	if pr.BranchProtection && pr.AllowForcePushes {
		b.fs.add(Medium, RuleForcePushAllowed, rep.Org, rep.Name, "branch:"+pr.Branch,
			"Turn off \"Allow force pushes\" in the branch's protection rule (permsync does not manage this setting).",
			"force pushes are allowed on %s of %s: history can be rewritten", pr.Branch, full)
	}
	if pr.BranchProtection && pr.AllowDeletions {
		b.fs.add(Medium, RuleDeletionAllowed, rep.Org, rep.Name, "branch:"+pr.Branch,
			"Turn off \"Allow deletions\" in the branch's protection rule (permsync does not manage this setting).",
			"%s of %s may be deleted by anyone with push access", pr.Branch, full)
	}
}

// rulesetFindings reports the rulesets requiring a floor check that can be
// bypassed, or whose bypass list cannot be read.
func (b *builder) rulesetFindings(rep *Repo, co *config.Org, r *state.Repo) {
	pr := rep.Protection
	for _, rs := range r.Rulesets {
		if !rs.AppliesTo(pr.Branch, pr.Branch) || !requiresFloor(rs, co.Policy.RequiredChecks) {
			continue
		}
		rs := rs
		// An org ruleset is one cause however many repositories it covers.
		key := "ruleset:" + rs.SourceType + "/" + rs.Source + "/" + rs.Name
		if !strings.EqualFold(rs.SourceType, "Organization") {
			key += "/" + rep.Name
		}
		what := fmt.Sprintf("the ruleset %s (%s)", rs.Name, rs.Source)
		switch {
		case !rs.BypassRead:
			b.grouped(key, High, RuleRulesetBypassUnread, rep.Org, rep.Name, "ruleset:"+rs.Name,
				"Give the reader App write access to rulesets (Administration: write for repository rulesets, Organization administration: write for org rulesets) only if you accept that, or have an org owner check the bypass list in the ruleset's settings; until then permsync counts the ruleset as bypassable.",
				func(repos []string) string {
					return fmt.Sprintf("cannot verify %s, which requires a required_checks entry on the default branch of %s: its bypass list cannot be read with these credentials (GitHub shows it only to credentials that can edit the ruleset), so anyone may be able to skip it", what, listRepos(rep.Org, repos))
				})
		case rs.BypassBelowOwner():
			b.grouped(key, High, RuleRulesetBypass, rep.Org, rep.Name, "ruleset:"+rs.Name,
				fmt.Sprintf("Remove the bypass list of the ruleset %s (%s), or keep only org owners (OrganizationAdmin).", rs.Name, rs.Source),
				func(repos []string) string {
					return fmt.Sprintf("%s, which requires a required_checks entry on the default branch of %s, can be bypassed by %s", what, listRepos(rep.Org, repos), BypassText(rs.Bypass))
				})
		}
	}
}

func requiresFloor(rs state.Ruleset, floor []config.Check) bool {
	for _, c := range rs.RequiredChecks {
		for _, f := range floor {
			if f.Context == c.Context {
				return true
			}
		}
	}
	return false
}

// skippableText says why rulesets that require a check do not count.
func skippableText(by []CheckSource) string {
	var parts []string
	for _, s := range by {
		if !s.StandsIn {
			parts = append(parts, s.Where+" "+s.Why+" (bypass: "+s.Bypass+")")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " in a way nobody can skip: only " + strings.Join(parts, "; ")
}

func sourcesText(by []CheckSource) string {
	var parts []string
	for _, s := range by {
		if s.AppID > 0 {
			parts = append(parts, fmt.Sprintf("%s (App %d)", s.Where, s.AppID))
		} else {
			parts = append(parts, s.Where+" (any source)")
		}
	}
	return strings.Join(parts, " and ")
}

// BypassText describes bypass actors in a few words.
func BypassText(bs []state.BypassActor) string {
	var parts []string
	for _, b := range bs {
		s := b.Kind
		if b.Name != "" {
			s += " " + b.Name
		}
		if b.Mode != "" && b.Mode != "always" {
			s += " (" + strings.ReplaceAll(b.Mode, "_", " ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
