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
	pr := &rep.Protection
	pr.Branch = def
	bp, ok := r.Branch(def)
	if ok && bp.Protected {
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
				pr.Checks = append(pr.Checks, Check{Context: c.Context, AppID: normApp(c.AppID)})
			}
		}
	}
	floor := co.Policy.RequiredChecks
	for _, rs := range r.Rulesets {
		applies := def != "" && rs.AppliesTo(def, def)
		out := Ruleset{Name: rs.Name, Source: rs.Source, SourceType: rs.SourceType, Enforcement: rs.Enforcement,
			AppliesToDefault: applies, RequiredChecks: []Check{}, Reviews: rs.Reviews, Bypass: rs.Bypass, BypassRead: rs.BypassRead, Incomplete: rs.Incomplete}
		if out.Bypass == nil {
			out.Bypass = []state.BypassActor{}
		}
		for _, c := range rs.RequiredChecks {
			out.RequiredChecks = append(out.RequiredChecks, Check{Context: c.Context, AppID: normApp(c.AppID)})
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
		for _, c := range rs.RequiredChecks {
			pr.Checks = append(pr.Checks, Check{Context: c.Context, AppID: normApp(c.AppID)})
		}
	}
	pr.Protected = pr.BranchProtection || pr.RulesetsApply > 0

	// Each floor check: required, by what, pinned?
	claContexts := 0
	for _, f := range floor {
		cs := CheckStatus{Context: f.Context, WantedApp: normApp(f.AppID), CLA: IsCLA(f.Context), By: []CheckSource{}}
		if cs.CLA {
			claContexts++
		}
		cs.By = checkSources(bp, pr.BranchProtection, r.Rulesets, f.Context, f.AppID, def)
		cs.Required = len(cs.By) > 0
		for _, s := range cs.By {
			cs.Covered = cs.Covered || s.StandsIn
		}
		pinnedToWanted := false
		for _, s := range cs.By {
			if s.AppID > 0 {
				cs.Pinned = true
			}
			if f.AppID > 0 && s.AppID == f.AppID {
				pinnedToWanted = true
			}
		}
		cs.Spoofable = cs.Required && !cs.Pinned
		cs.WrongApp = cs.Required && f.AppID > 0 && !pinnedToWanted
		rep.RequiredChecks = append(rep.RequiredChecks, cs)
	}
	// Without a CLA check in the floor, EasyCLA is still what the question
	// "does it require the CLA?" is about.
	// Covered only where nobody below an org owner can skip it: a ruleset
	// that can be bypassed, or whose bypass list cannot be read, does not
	// count.
	rep.CLARequired = false
	if claContexts > 0 {
		for _, cs := range rep.RequiredChecks {
			if cs.CLA && cs.Covered {
				rep.CLARequired = true
			}
		}
	} else {
		for _, c := range pr.Checks {
			if !IsCLA(c.Context) {
				continue
			}
			for _, s := range checkSources(bp, pr.BranchProtection, r.Rulesets, c.Context, state.AnyApp, def) {
				rep.CLARequired = rep.CLARequired || s.StandsIn
			}
		}
	}

	if r.Archived || rep.ReadError != "" || def == "" {
		return
	}
	if !rep.CLARequired {
		b.rep.NoCLA = append(b.rep.NoCLA, rep.FullName())
	}
	b.protectionFindings(rep, co, r)
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
				out = append(out, CheckSource{Where: "branch protection", AppID: normApp(c.AppID), StandsIn: true})
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
		out = append(out, CheckSource{Where: "ruleset " + rs.Name, AppID: normApp(c.AppID), Bypass: bypassWho(rs), StandsIn: in, Why: why})
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

func normApp(id int64) int64 {
	if id <= 0 {
		return state.AnyApp
	}
	return id
}

func (b *builder) protectionFindings(rep *Repo, co *config.Org, r *state.Repo) {
	pr := rep.Protection
	full := rep.FullName()
	p := co.Policy
	where := func(key string) string { return p.Where(key, co.File).String() }
	fileFix := func(setting string) string {
		if rep.Managed {
			return fmt.Sprintf("Set %s under branch_protection.%s in %s through a reviewed pull request; permsync applies it and never weakens it.", setting, pr.Branch, rep.File)
		}
		return fmt.Sprintf("Import the repository (permsync import --org %s --repo %s) and set %s under branch_protection.%s in its file.", rep.Org, rep.Name, setting, pr.Branch)
	}

	if !pr.Protected {
		b.fs.add(High, RuleProtectionMissing, rep.Org, rep.Name, "branch:"+pr.Branch, fileFix("required_status_checks, enforce_admins and required_approving_review_count"),
			"the default branch %s of %s is not protected: anyone with write access can push to it directly, force-push or delete it", pr.Branch, full)
	}

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
			f.Source = where(config.KeyRequiredChecks)
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
			f.Source = where(config.KeyRequiredChecks)
		case cs.Spoofable:
			f := b.grouped(subject, Medium, RuleCheckSpoofable, rep.Org, rep.Name, subject,
				fmt.Sprintf("Pin it to the App that posts it: in %s write `- context: %s` with `app_id: <the App's id>` under required_checks.", orgFileOr(co), ctx),
				func(repos []string) string {
					if len(repos) == 1 {
						return fmt.Sprintf("%s is required on %s of %s from any source: anyone with write access can post a passing %s status", ctx, pr.Branch, full, ctx)
					}
					return fmt.Sprintf("%s is required from any source on the default branch of %s: anyone with write access can post a passing %s status", ctx, listRepos(rep.Org, repos), ctx)
				})
			f.Source = where(config.KeyRequiredChecks)
		}
	}
	if len(claMissing) > 0 && !rep.CLARequired {
		f := b.fs.add(Critical, RuleCLANotRequired, rep.Org, rep.Name, "check:"+claMissing[0], fileFix("required_status_checks: ["+claMissing[0]+", …]"),
			"the CLA check (%s) is not required on %s of %s%s: contributions can be merged without a signed CLA", strings.Join(claMissing, " or "), pr.Branch, full, skippableText(claSkippable))
		f.Source = where(config.KeyRequiredChecks)
	}

	if pr.BranchProtection && !pr.EnforceAdmins {
		b.fs.add(Medium, RuleEnforceAdminsOff, rep.Org, rep.Name, "branch:"+pr.Branch, fileFix("enforce_admins: true"),
			"the protection of %s on %s does not apply to admins: they can push past reviews and checks", pr.Branch, full)
	}
	if pr.Protected && pr.Reviews < p.MinReviews {
		f := b.fs.add(Medium, RuleReviewsBelowMin, rep.Org, rep.Name, "branch:"+pr.Branch, fileFix(fmt.Sprintf("required_approving_review_count: %d", p.MinReviews)),
			"%s of %s requires %d approving reviews, fewer than min_reviews (%d)", pr.Branch, full, pr.Reviews, p.MinReviews)
		f.Source = where(config.KeyMinReviews)
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
