package audit

import (
	"fmt"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// What already crosses one of the access guardrails, with no change making
// it worse, is a notice in the plan and a finding here: the same words and
// the same severity in both (SPEC: "Guardrails judge changes, not the
// state they start from"), one entry per rule and org listing the
// repositories. reconcile.Breaches words and ranks every breach; this file
// only groups them, so the two cannot drift apart.

// auditRule is the finding rule of a breach. An outside collaborator
// holding admin is its own, critical, rule; reconcile ranks that breach
// critical too.
func auditRule(br reconcile.Breach) Rule {
	switch br.Rule {
	case reconcile.RuleAdminAllowed:
		return RuleAdminNotAllowed
	case reconcile.RuleMaxAdmins:
		return RuleAdminsOverMax
	case reconcile.RuleMinAdmins:
		return RuleAdminsUnderMin
	case reconcile.RuleOutsideCollaborator:
		if br.Severity == reconcile.SeverityCritical {
			return RuleOutsideAdmin
		}
		return RuleOutsideAboveMax
	}
	return Rule(br.Rule)
}

// crossingSeverity is the breach's severity, as the plan's notice gives it.
func crossingSeverity(br reconcile.Breach) Severity {
	if s, ok := severityOf[br.Severity]; ok {
		return s
	}
	return Low
}

var severityOf = map[reconcile.Severity]Severity{reconcile.SeverityCritical: Critical, reconcile.SeverityHigh: High, reconcile.SeverityMedium: Medium}

// crossingWords joins the breaches' messages (each one the plan's item
// detail, word for word), the first few when there are many.
func crossingWords(items []string) string {
	return few(items, "; ", 5, 3, "; and %d more (the report's repository list has them all)")
}

// crossingFix joins the distinct fixes of a finding's breaches (a fix
// names the principal, so several principals give several sentences).
func crossingFix(fixes []string) string {
	return few(fixes, " ", 5, 3, " And the same for %d more.")
}

// few joins items with sep: all of them up to most, else the first show
// and, in moreFormat, how many more.
func few(items []string, sep string, most, show int, moreFormat string) string {
	if len(items) <= most {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:show], sep) + fmt.Sprintf(moreFormat, len(items)-show)
}

// crossed is what one finding of the guardrails has gathered.
type crossed struct {
	messages, fixes []string
	seenFix         map[string]bool
}

// breaches reports the access guardrails r crosses as GitHub holds it.
// admin_allowed is judged on managed repositories only: the files declare
// admins there; an unmanaged repository's admins are its own finding.
func (b *builder) breaches(rep *Repo, co *config.Org, a *state.Org, r *state.Repo) {
	for _, br := range reconcile.IndexedBreaches(b.index(a), r, co) {
		if br.Rule == reconcile.RuleAdminAllowed && !rep.Managed {
			continue
		}
		switch br.Rule {
		case reconcile.RuleMaxAdmins:
			rep.Admins.OverMax = true
		case reconcile.RuleMinAdmins:
			rep.Admins.UnderMin = true
		}
		b.crossing(rep, br)
	}
}

// crossing records one breach: one finding per finding rule and org, its
// message and fix built from every breach it gathers.
func (b *builder) crossing(rep *Repo, br reconcile.Breach) *Finding {
	rule := auditRule(br)
	if b.crossItems == nil {
		b.crossItems = map[string]*crossed{}
	}
	key := strings.ToLower(rep.Org + "\x00" + string(rule))
	c := b.crossItems[key]
	if c == nil {
		c = &crossed{seenFix: map[string]bool{}}
		b.crossItems[key] = c
	}
	c.messages = append(c.messages, br.Message)
	if !c.seenFix[br.Fix] {
		c.seenFix[br.Fix] = true
		c.fixes = append(c.fixes, br.Fix)
	}
	sev := crossingSeverity(br)
	f := b.grouped(string(br.Rule), sev, rule, rep.Org, rep.Name, br.Subject, "",
		func([]string) string { return crossingWords(c.messages) })
	if sev > f.Severity {
		f.Severity = sev
	}
	f.Fix = crossingFix(c.fixes)
	f.Source = br.RulePos.String()
	return f
}
