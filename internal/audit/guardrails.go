package audit

import (
	"fmt"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// What already crosses one of the access guardrails, with no change making
// it worse, is a notice in the plan and a finding here: the same words and
// the same severity in both (SPEC: "Guardrails judge changes, not the
// state they start from"), one entry per rule and org listing the
// repositories.
//
// crossingWords and crossingSeverity are the only places that word and
// rank it. When internal/reconcile exports the plan's wording, each
// becomes a one-line call to it.

// crossingRule names the org file key of an access guardrail.
type crossingRule string

const (
	crossAdminAllowed crossingRule = "admin_allowed"
	crossMaxAdmins    crossingRule = "max_admins"
	crossMinAdmins    crossingRule = "min_admins"
	crossOutsideMax   crossingRule = "outside_collaborator_max_role"
)

// auditRule is the finding rule id of each guardrail.
var auditRule = map[crossingRule]Rule{
	crossAdminAllowed: RuleAdminNotAllowed,
	crossMaxAdmins:    RuleAdminsOverMax,
	crossMinAdmins:    RuleAdminsUnderMin,
	crossOutsideMax:   RuleOutsideAboveMax,
}

// crossingSeverity ranks what already crosses a guardrail.
func crossingSeverity(rule crossingRule) Severity {
	if rule == crossMinAdmins {
		return Medium
	}
	return High
}

// crossingWords words the state that crosses rule, one sentence per
// repository (items), the first few when there are many.
func crossingWords(rule crossingRule, org string, items []string) string {
	shown, more := items, ""
	if len(shown) > 5 {
		shown, more = shown[:3], fmt.Sprintf("; and %d more (the report's repository list has them all)", len(items)-3)
	}
	return strings.Join(shown, "; ") + more
}

// crossing records one repository's crossing of rule: one finding per
// rule and org, its message built from every repository's sentence.
func (b *builder) crossing(rule crossingRule, co *config.Org, org, repo, subject, fix, item string) *Finding {
	if b.crossItems == nil {
		b.crossItems = map[string]*[]string{}
	}
	key := strings.ToLower(org + "\x00" + string(rule))
	items := b.crossItems[key]
	if items == nil {
		items = &[]string{}
		b.crossItems[key] = items
	}
	*items = append(*items, item)
	f := b.grouped(string(rule), crossingSeverity(rule), auditRule[rule], org, repo, subject, fix,
		func([]string) string { return crossingWords(rule, org, *items) })
	f.Source = co.Policy.Where(string(rule), co.File).String()
	return f
}
