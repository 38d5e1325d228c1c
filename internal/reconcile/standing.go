package reconcile

import (
	"fmt"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/access"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Severity ranks a breach. The names are the audit's severities, so the
// plan's notice and the audit's finding for the same breach agree.
type Severity string

// Severities of breaches.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
)

func (s Severity) rank() int {
	switch s {
	case SeverityCritical:
		return 3
	case SeverityHigh:
		return 2
	case SeverityMedium:
		return 1
	}
	return 0
}

// Breach is one place where a repository, as GitHub holds it, already
// crosses an access guardrail. The plan reports the breaches no change makes
// worse as one rule_already_crossed notice per rule (its items are the
// breaches); the audit reports each as a finding. Both take Message and
// Severity from here, so they say the same thing.
type Breach struct {
	Rule     Rule     `json:"rule"`
	Severity Severity `json:"severity"`
	Org      string   `json:"org"`
	Repo     string   `json:"repo"`
	Subject  string   `json:"subject,omitempty"` // user:x or team:y; empty for an admin count
	// Message is one line, e.g. "acme/widget has 6 admins (…), more than
	// max_admins (5)"; Fix says what to do, in one sentence.
	Message string     `json:"message"`
	Fix     string     `json:"fix"`
	RulePos config.Pos `json:"rule_source"`
}

// Breaches lists the access guardrails r crosses in the state given (as
// read, or as a plan would leave it): direct or team admins and pending admin
// invitations outside admin_allowed, non-members above
// outside_collaborator_max_role (a direct grant or a pending invitation),
// more admins than max_admins and fewer than min_admins (counted by
// access.Org.Admins). Archived, disabled and unreadable repositories have
// none: nothing can be done about them, and nothing is counted from
// incomplete data.
func Breaches(a *state.Org, r *state.Repo, o *config.Org) []Breach {
	if a == nil {
		return nil
	}
	return IndexedBreaches(access.Index(a), r, o)
}

// IndexedBreaches is Breaches on an org indexed once (access.Index), for
// callers that judge many of its repositories: Breaches indexes a per call.
func IndexedBreaches(a *access.Org, r *state.Repo, o *config.Org) []Breach {
	if a == nil || r == nil || !r.Readable() || r.Archived || r.Disabled {
		return nil
	}
	pol := o.Policy
	full := o.Name + "/" + r.Name
	var out []Breach
	add := func(rule Rule, sev Severity, subject, fix, format string, args ...any) {
		out = append(out, Breach{Rule: rule, Severity: sev, Org: o.Name, Repo: r.Name, Subject: subject,
			Message: fmt.Sprintf(format, args...), Fix: fix, RulePos: pol.Where(string(rule), o.File)})
	}
	if pol.AdminAllowed != nil {
		notAllowed := func(pr config.Principal, what string) {
			if !pol.AdminAllowedFor(pr) {
				add(RuleAdminAllowed, SeverityHigh, pr.String(),
					fmt.Sprintf("Give %s maintain instead in the repository's file (permsync then lowers it), or add it to admin_allowed in a reviewed change to the org file.", pr),
					"%s holds %s on %s, and the org's admin_allowed does not list it", pr, what, full)
			}
		}
		for _, u := range r.Users {
			if u.Role == role.Admin {
				notAllowed(state.UserPrincipal(u.Login), "a direct admin grant")
			}
		}
		for _, t := range r.Teams {
			if t.Role == role.Admin {
				notAllowed(state.TeamPrincipal(t.Slug), "an admin grant")
			}
		}
		for _, inv := range r.Invitations {
			if inv.Role == role.Admin && !inv.Expired {
				notAllowed(state.UserPrincipal(inv.Login), "a pending admin invitation")
			}
		}
	}
	max := pol.OutsideCollaboratorMaxRole
	outside := func(login string, held role.Role, what string) {
		if a.IsMember(login) || held <= max {
			return
		}
		sev := SeverityHigh
		if held == role.Admin {
			sev = SeverityCritical
		}
		add(RuleOutsideCollaborator, sev, state.UserPrincipal(login).String(),
			fmt.Sprintf("Lower %s to %s or below in the repository's file, or make them an org member if they need more.", login, max),
			"%s, an outside collaborator (not an org member), holds %s on %s, above outside_collaborator_max_role (%s)", login, what, full, max)
	}
	for _, u := range r.Users {
		outside(u.Login, u.Role, "a direct "+u.Role.String()+" grant")
	}
	for _, inv := range r.Invitations {
		if !inv.Expired {
			outside(inv.Login, inv.Role, "a pending invitation as "+inv.Role.String())
		}
	}
	admins := a.Admins(r, pol.ExpectedOwner)
	if people := admins.ForMax; len(people) > pol.MaxAdmins {
		add(RuleMaxAdmins, SeverityHigh, "",
			"Give the people who do not need admin maintain instead, in the repository's file; admin is for release engineering.",
			"%s has %d admins (%s), more than max_admins (%d)", full, len(people), strings.Join(people, ", "), pol.MaxAdmins)
	}
	if n := len(admins.ForMin); n < pol.MinAdmins {
		add(RuleMinAdmins, SeverityMedium, "",
			"Grant admin to the team that must administer it (e.g. release engineering) in the repository's file.",
			"%s has %d admins through a direct or team grant, fewer than min_admins (%d)", full, n, pol.MinAdmins)
	}
	return out
}

// CrossedSummary is the heading of a rule_already_crossed notice: the rule,
// and why the plan does not refuse what it lists.
func CrossedSummary(rule Rule, pol config.Policy) string {
	const notRefused = "no change in this plan makes it worse, so nothing is refused"
	switch rule {
	case RuleAdminAllowed:
		return "admins outside admin_allowed already hold admin on GitHub: " + notRefused + " (a file that lowers or removes them is applied)"
	case RuleOutsideCollaborator:
		return fmt.Sprintf("outside collaborators already hold more than outside_collaborator_max_role (%s) on GitHub: %s", pol.OutsideCollaboratorMaxRole, notRefused)
	case RuleMaxAdmins:
		return fmt.Sprintf("repositories already have more admins than max_admins (%d): %s", pol.MaxAdmins, notRefused)
	case RuleMinAdmins:
		return fmt.Sprintf("repositories already have fewer admins than min_admins (%d): %s; grant admin to someone the org file allows", pol.MinAdmins, notRefused)
	case RuleMinReviews:
		return fmt.Sprintf("branches keep fewer required approving reviews than min_reviews (%d): the change does not lower them, so it is not refused", pol.MinReviews)
	}
	return string(rule) + ": already crossed; " + notRefused
}

// crossedNotices reports, per org and rule, the breaches that stay after the
// plan's changes (the refused ones left out) and were there before it: what
// the plan lets stand without making it worse.
func crossedNotices(p *Plan, in Input) []Notice {
	in = in.indexed()
	allowed, _ := repoChanges(p.Changes, func(c Change) bool { return !c.Refused })
	// A rule that refuses a change in a repository says so there; a notice
	// that nothing makes it worse would contradict it.
	refused := map[string]bool{}
	for _, r := range p.Refusals {
		for _, it := range r.Items {
			refused[string(r.Rule)+"|"+strings.ToLower(r.Org+"/"+it.Repo)] = true
		}
	}
	var out []Notice
	for _, t := range in.Targets {
		a := in.access(t.Org.Name)
		if a == nil {
			continue
		}
		byRule := map[Rule]*Notice{}
		var order []Rule
		for _, cr := range t.Repos {
			r := a.Repo(cr.Name)
			before := IndexedBreaches(a, r, t.Org)
			if len(before) == 0 {
				continue
			}
			was := map[string]bool{}
			for _, b := range before {
				was[string(b.Rule)+"|"+strings.ToLower(b.Subject)] = true
			}
			for _, b := range IndexedBreaches(a, simulate(r, p.Changes, allowed[strings.ToLower(t.Org.Name+"/"+r.Name)]), t.Org) {
				if !was[string(b.Rule)+"|"+strings.ToLower(b.Subject)] || refused[string(b.Rule)+"|"+strings.ToLower(t.Org.Name+"/"+r.Name)] {
					continue // made or worsened by a change: that change is refused
				}
				n := byRule[b.Rule]
				if n == nil {
					pos := b.RulePos
					n = &Notice{Kind: NoticeCrossed, Rule: b.Rule, Severity: b.Severity, RulePos: &pos, Org: t.Org.Name,
						Message: CrossedSummary(b.Rule, t.Org.Policy)}
					byRule[b.Rule] = n
					order = append(order, b.Rule)
				}
				if b.Severity.rank() > n.Severity.rank() {
					n.Severity = b.Severity
				}
				n.Items = append(n.Items, Item{Repo: r.Name, Subject: b.Subject, Source: grantPos(cr, b.Subject), Detail: b.Message})
			}
		}
		for _, rule := range order {
			out = append(out, *byRule[rule])
		}
	}
	return out
}

// grantPos is the line of cr that grants subject, else cr's file.
func grantPos(cr *config.Repo, subject string) config.Pos {
	for _, g := range cr.Grants {
		if strings.EqualFold(g.Principal.String(), subject) {
			return g.Pos
		}
	}
	return config.Pos{File: cr.File}
}
