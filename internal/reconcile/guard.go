package reconcile

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// InvitationsPerDay is GitHub's limit of invitations to one repository in 24 hours.
const InvitationsPerDay = 50

// Guardrail checks one rule over a plan and returns what it refuses. Each is
// a pure function of the plan, the actual state and the policy, and runs
// before the first write.
type Guardrail func(p *Plan, in Input) []Refusal

// Guardrails lists every rule, in the order their refusals are reported.
var Guardrails = []Guardrail{
	GuardProtection,
	GuardFloorRuleset,
	GuardAdminAllowed,
	GuardOutsideCollaborators,
	GuardBaseRole,
	GuardAdminCount,
	GuardInvitationRate,
	GuardMaxRemovals,
}

// Guard runs every guardrail and records its refusals on the plan, one per
// cause, then notes what the guardrails let through but release engineering
// should know.
func Guard(p *Plan, in Input) {
	in = in.indexed()
	var all []Refusal
	for _, g := range Guardrails {
		all = append(all, g(p, in)...)
	}
	p.Refusals = append(p.Refusals, groupRefusals(all)...)
	for _, r := range p.Refusals {
		for _, it := range r.Items {
			if it.Change >= 0 { // -1: about what a file asks, not one change
				p.Changes[it.Change].Refused = true
			}
		}
	}
	p.Notices = append(p.Notices, guardNotices(p, in)...)
	p.Notices = append(p.Notices, crossedNotices(p, in)...)
	p.Notices = groupNotices(p.Notices)
}

// groupRefusals merges refusals of the same cause (rule, org, where the rule
// is set, message) into one, keeping the order of first appearance.
func groupRefusals(rs []Refusal) []Refusal {
	out := []Refusal{}
	index := map[string]int{}
	for _, r := range rs {
		k := strings.Join([]string{string(r.Rule), strings.ToLower(r.Org), r.RulePos.String(), r.Message}, "\x00")
		if i, ok := index[k]; ok {
			out[i].Items = append(out[i].Items, r.Items...)
			continue
		}
		index[k] = len(out)
		out = append(out, r)
	}
	return out
}

// groupNotices merges notices of the same cause (kind, rule, org, message),
// keeping the order of first appearance.
func groupNotices(ns []Notice) []Notice {
	out := []Notice{}
	index := map[string]int{}
	for _, n := range ns {
		rulePos := ""
		if n.RulePos != nil {
			rulePos = n.RulePos.String()
		}
		k := strings.Join([]string{n.Kind, string(n.Rule), strings.ToLower(n.Org), rulePos, n.Message}, "\x00")
		if i, ok := index[k]; ok {
			out[i].Items = append(out[i].Items, n.Items...)
			continue
		}
		index[k] = len(out)
		out = append(out, n)
	}
	return out
}

// guardNotices reports floor checks a file drops from protection that an
// active ruleset still requires, protection changes that leave reviews below
// min_reviews without lowering them, and member grants the base-role guard
// could not judge.
func guardNotices(p *Plan, in Input) []Notice {
	in = in.indexed()
	var out []Notice
	pols := policies(in)
	for _, c := range p.Changes {
		if c.Kind != ProtectionUpdate && c.Kind != ProtectionCreate {
			continue
		}
		po := pols[strings.ToLower(c.Org)]
		policy := po.org.Policy
		if want := c.ProtectionAfter.Reviews; want != nil && *want < policy.MinReviews && !c.Refused {
			out = append(out, Notice{Kind: NoticeCrossed, Rule: RuleMinReviews, Severity: SeverityMedium, RulePos: ptr(po.rulePos(RuleMinReviews)), Org: c.Org,
				Message: CrossedSummary(RuleMinReviews, policy),
				Items:   []Item{{Repo: c.Repo, Subject: c.Principal(), Source: c.Source, Detail: fmt.Sprintf("branch %s: %d", c.Branch, *want)}}})
		}
		if c.Kind != ProtectionUpdate || c.ProtectionAfter.Checks == nil || c.ProtectionBefore.StatusChecks == nil {
			continue
		}
		for _, fc := range policy.RequiredChecks {
			was, had := findCheck(c.ProtectionBefore.StatusChecks.Checks, fc.Context)
			_, kept := findCheck(*c.ProtectionAfter.Checks, fc.Context)
			if !had || kept {
				continue
			}
			if rs, ok := rulesetStandsIn(repoOf(in, c.Org, c.Repo), fc, was, c.Branch); ok {
				out = append(out, Notice{Kind: NoticeRuleProtects, Org: c.Org,
					Message: fmt.Sprintf("%s leaves the protection of %s but stays required there by the active %s, which nobody below an org owner can bypass", fc.Context, c.Branch, rulesetLabel(rs)),
					Items:   []Item{{Repo: c.Repo, Subject: c.Principal(), Source: c.Source}}})
			}
		}
	}
	for _, c := range p.Changes {
		a := in.access(c.Org)
		if a == nil || !a.State.BaseRoleUnread || c.User == "" || c.Invite || c.After == role.Admin || (c.Kind != UserAdd && c.Kind != UserChange) || !a.IsMember(c.User) {
			continue
		}
		out = append(out, Notice{Kind: NoticeGuardNotRun, Rule: RuleBelowBaseRole, Org: c.Org,
			Message: fmt.Sprintf("the base role of %s could not be read with these credentials, so the base-role guard did not run: GitHub refuses (422) a member's direct grant below the base role, and apply would fail on those", c.Org),
			Items:   []Item{{Repo: c.Repo, Subject: c.Principal(), Source: c.Source, Detail: fmt.Sprintf("user:%s as %s", c.User, c.After)}}})
	}
	return out
}

func rulesetLabel(rs state.Ruleset) string {
	owner := "repository"
	if strings.EqualFold(rs.SourceType, "Organization") {
		owner = "org"
	}
	if rs.Source != "" {
		owner += " " + rs.Source
	}
	return fmt.Sprintf("ruleset %q (%s)", rs.Name, owner)
}

func ptr[T any](v T) *T { return &v }

type policyOf struct {
	org  *config.Org
	file string
}

func policies(in Input) map[string]policyOf {
	out := map[string]policyOf{}
	for _, t := range in.Targets {
		out[strings.ToLower(t.Org.Name)] = policyOf{org: t.Org, file: t.Org.File}
	}
	return out
}

func (po policyOf) rulePos(r Rule) config.Pos { return po.org.Policy.Where(string(r), po.file) }

// refuse builds a refusal of change i. message is the cause, the same for
// every change it refuses (so they group); detail is what is particular to c.
func refuse(rule Rule, i int, c Change, rulePos config.Pos, message, detail string) Refusal {
	return Refusal{Rule: rule, Org: c.Org, RulePos: rulePos, Message: message,
		Items: []RefusedItem{{Item: Item{Repo: c.Repo, Subject: c.Principal(), Source: c.Source, Detail: detail}, Change: i}}}
}

// GuardProtection: never turn off enforce_admins, never lower required
// reviews below min_reviews, never stop requiring a floor check where it is
// required (unless a ruleset stands in for it) and never unpin one. A change
// that raises reviews, even to a count still below min_reviews, is not a
// lowering and is not refused (a notice says so).
func GuardProtection(p *Plan, in Input) []Refusal {
	in = in.indexed()
	pols := policies(in)
	var out []Refusal
	for i, c := range p.Changes {
		if c.Kind != ProtectionCreate && c.Kind != ProtectionUpdate {
			continue
		}
		po := pols[strings.ToLower(c.Org)]
		policy := po.org.Policy
		cur := c.ProtectionBefore
		want := c.ProtectionAfter
		if want.EnforceAdmins != nil && !*want.EnforceAdmins && cur != nil && cur.Protected && cur.EnforceAdmins {
			out = append(out, refuse(RuleEnforceAdmins, i, c, config.Pos{},
				"turning off enforce_admins would let admins bypass the branch's protection: permsync never does (keep enforce_admins: true)", "branch "+c.Branch))
		}
		curReviews := 0
		if cur != nil && cur.Protected && cur.Reviews != nil {
			curReviews = cur.Reviews.Count
		}
		if want.Reviews != nil && *want.Reviews < policy.MinReviews && *want.Reviews < curReviews {
			out = append(out, refuse(RuleMinReviews, i, c, po.rulePos(RuleMinReviews),
				fmt.Sprintf("required approving reviews may not be lowered below the org's min_reviews (%d)", policy.MinReviews),
				fmt.Sprintf("branch %s: %d → %d", c.Branch, curReviews, *want.Reviews)))
		}
		if want.Checks == nil || cur == nil || !cur.Protected || cur.StatusChecks == nil {
			continue
		}
		ar := repoOf(in, c.Org, c.Repo)
		for _, fc := range policy.RequiredChecks {
			had, required := findCheck(cur.StatusChecks.Checks, fc.Context)
			if !required {
				continue
			}
			got, kept := findCheck(*want.Checks, fc.Context)
			switch {
			case !kept:
				if _, ok := rulesetStandsIn(ar, fc, had, c.Branch); ok {
					// Still required by a ruleset nobody below an owner can
					// bypass, from the pinned App: not a weakening.
					continue
				}
				out = append(out, refuse(RuleRequiredChecks, i, c, fc.Pos,
					fmt.Sprintf("%s is in the org's required_checks: where it is required it cannot stop being required (add it back to the file's required_status_checks)", fc.Context),
					"branch "+c.Branch+rulesetsCannotStandIn(ar, fc, had, c.Branch)))
			case had.Pinned() && state.NormApp(got.AppID) != had.AppID && !(fc.AppID > 0 && got.AppID == fc.AppID):
				out = append(out, refuse(RuleRequiredChecks, i, c, fc.Pos,
					fmt.Sprintf("%s is pinned to a GitHub App where it is required: permsync never unpins or re-pins a required check (write it as a plain name to keep the pin)", fc.Context),
					fmt.Sprintf("branch %s: pinned to App %d", c.Branch, had.AppID)))
			case fc.AppID > 0 && got.AppID != fc.AppID:
				out = append(out, refuse(RuleRequiredChecks, i, c, fc.Pos,
					fmt.Sprintf("%s must be posted by GitHub App %d per the org's required_checks", fc.Context, fc.AppID),
					fmt.Sprintf("branch %s: the file asks for %s", c.Branch, appLabel(got.AppID))))
			}
		}
	}
	return out
}

func appLabel(id int64) string {
	if id > 0 {
		return fmt.Sprintf("App %d", id)
	}
	return "any source"
}

// floorPin is the App a ruleset must require a floor check from to stand in
// for classic protection: the floor's pin, else the App classic protection
// pinned it to.
func floorPin(fc config.Check, classic state.Check) int64 {
	if fc.AppID <= 0 && classic.Pinned() {
		return classic.AppID
	}
	return fc.AppID
}

// rulesetStandsIn returns the active ruleset of r that keeps requiring the
// floor check fc on branch as strongly as classic protection did: from the
// pinned App, and with nobody below an org owner able to bypass it.
func rulesetStandsIn(r *state.Repo, fc config.Check, classic state.Check, branch string) (state.Ruleset, bool) {
	if r == nil {
		return state.Ruleset{}, false
	}
	return r.FloorStandIn(fc.Context, floorPin(fc, classic), branch)
}

// rulesetsCannotStandIn says, for each ruleset of r that requires fc on
// branch but cannot stand in for classic protection, why not.
func rulesetsCannotStandIn(r *state.Repo, fc config.Check, classic state.Check, branch string) string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	for _, rs := range r.Rulesets {
		if _, req := rs.RequiresCheck(fc.Context, branch, r.DefaultBranch); !req {
			continue
		}
		if ok, why := rs.StandsIn(fc.Context, floorPin(fc, classic), branch, r.DefaultBranch); !ok {
			fmt.Fprintf(&b, "; the %s requires it too but cannot stand in: it %s", rulesetLabel(rs), why)
		}
	}
	return b.String()
}

func repoOf(in Input, org, repo string) *state.Repo {
	a := in.access(org)
	if a == nil {
		return nil
	}
	return a.Repo(repo)
}

// grantsAdminNewly reports whether c gives admin to a principal that does not
// hold it: an add, a raise, or re-sending an expired admin invitation (an
// expired invitation grants nothing).
func grantsAdminNewly(c Change) bool {
	if (c.User == "" && c.Team == "") || c.Kind.IsRemoval() || c.After != role.Admin {
		return false
	}
	return c.Before != role.Admin || c.Kind == InvitationResend
}

// GuardAdminAllowed: when admin_allowed is set, a change may not give admin
// to a principal it does not list. Admins that already hold it are not
// refused (lowering or removing them must stay possible); the plan reports
// them in a rule_already_crossed notice.
func GuardAdminAllowed(p *Plan, in Input) []Refusal {
	var out []Refusal
	pols := policies(in)
	for i, c := range p.Changes {
		if !grantsAdminNewly(c) {
			continue
		}
		po := pols[strings.ToLower(c.Org)]
		pr := principalOf(c)
		if po.org.Policy.AdminAllowedFor(pr) {
			continue
		}
		out = append(out, refuse(RuleAdminAllowed, i, c, po.rulePos(RuleAdminAllowed),
			"only the principals the org's admin_allowed lists may be given admin: grant maintain instead, or add it to admin_allowed in a reviewed change to the org file",
			pr.String()+" would become admin"))
	}
	return out
}

func principalOf(c Change) config.Principal {
	if c.Team != "" {
		return config.Principal{Kind: config.Team, Name: c.Team}
	}
	return config.Principal{Kind: config.User, Name: c.User}
}

// GuardOutsideCollaborators: a change may not raise a user who is not an org
// member above outside_collaborator_max_role (an add, an invitation or a
// raise). Lowering one who is above it is allowed, even when the new role is
// still above it.
func GuardOutsideCollaborators(p *Plan, in Input) []Refusal {
	in = in.indexed()
	var out []Refusal
	pols := policies(in)
	for i, c := range p.Changes {
		if c.User == "" || c.Kind.IsRemoval() {
			continue
		}
		a := in.access(c.Org)
		po := pols[strings.ToLower(c.Org)]
		max := po.org.Policy.OutsideCollaboratorMaxRole
		raises := c.After > c.Before || c.Kind == UserAdd || c.Kind == InvitationResend
		if a == nil || a.IsMember(c.User) || c.After <= max || !raises {
			continue
		}
		out = append(out, refuse(RuleOutsideCollaborator, i, c, po.rulePos(RuleOutsideCollaborator),
			fmt.Sprintf("an outside collaborator (not an org member) may be given at most %s: grant %s or less, or make them an org member", max, max),
			fmt.Sprintf("user:%s would get %s", c.User, c.After)))
	}
	return out
}

// GuardBaseRole: GitHub rejects a member's direct grant below the org's base
// role; catch it at plan time. When the base role could not be read, this
// guard cannot run; guardNotices says so.
func GuardBaseRole(p *Plan, in Input) []Refusal {
	in = in.indexed()
	var out []Refusal
	for i, c := range p.Changes {
		if c.User == "" || c.Kind.IsRemoval() || c.Kind == InvitationChange {
			continue
		}
		x := in.access(c.Org)
		if x == nil || !x.IsMember(c.User) || x.State.BaseRole == role.None || c.After >= x.State.BaseRole {
			continue
		}
		a := x.State
		out = append(out, refuse(RuleBelowBaseRole, i, c, config.Pos{},
			fmt.Sprintf("the base role of %s is %s and GitHub refuses a member's direct grant below it: grant %s or more, or remove the line", c.Org, a.BaseRole, a.BaseRole),
			fmt.Sprintf("user:%s as %s", c.User, c.After)))
	}
	return out
}

// GuardInvitationRate: GitHub allows 50 invitations to a repository in 24
// hours. Invitations created in the last day count against it.
func GuardInvitationRate(p *Plan, in Input) []Refusal {
	in = in.indexed()
	var out []Refusal
	used := map[string]int{}
	counted := map[string]bool{}
	for i, c := range p.Changes {
		if !(c.Kind == UserAdd && c.Invite) && c.Kind != InvitationResend {
			continue
		}
		key := strings.ToLower(c.Org + "/" + c.Repo)
		if !counted[key] {
			counted[key] = true
			if r := repoOf(in, c.Org, c.Repo); r != nil {
				for _, inv := range r.Invitations {
					if in.Now.Sub(inv.CreatedAt) < 24*time.Hour {
						used[key]++
					}
				}
			}
		}
		used[key]++
		if used[key] > InvitationsPerDay {
			out = append(out, refuse(RuleInvitationRate, i, c, config.Pos{},
				fmt.Sprintf("GitHub allows %d invitations to a repository in 24 hours: split the change over several days", InvitationsPerDay),
				fmt.Sprintf("user:%s: invitation number %d", c.User, used[key])))
		}
	}
	return out
}

// GuardMaxRemovals: a run that would remove more grants than max_removals
// (per org) is refused: every removal of that org is, as one refusal.
func GuardMaxRemovals(p *Plan, in Input) []Refusal {
	count := map[string][]int{}
	for i, c := range p.Changes {
		if c.Kind.IsRemoval() {
			k := strings.ToLower(c.Org)
			count[k] = append(count[k], i)
		}
	}
	var out []Refusal
	pols := policies(in)
	orgs := make([]string, 0, len(count))
	for k := range count {
		orgs = append(orgs, k)
	}
	sort.Strings(orgs)
	for _, k := range orgs {
		idx := count[k]
		po := pols[k]
		if len(idx) <= po.org.Policy.MaxRemovals {
			continue
		}
		msg := fmt.Sprintf("this run would remove %d grants in %s, more than max_removals (%d): raise it for this change in a reviewed pull request, or remove fewer at a time",
			len(idx), po.org.Name, po.org.Policy.MaxRemovals)
		for _, i := range idx {
			// Nothing but the change is particular to an item: views word it
			// from the item's change index.
			out = append(out, refuse(RuleMaxRemovals, i, p.Changes[i], po.rulePos(RuleMaxRemovals), msg, ""))
		}
	}
	return out
}

// GuardAdminCount: no change may take a repository below min_admins or
// (further) above max_admins, counted in distinct people by Admins. A
// repository already outside the range is reported, and only the changes
// that make it worse are refused: adds and raises past the maximum, lowers
// and removals below the minimum.
func GuardAdminCount(p *Plan, in Input) []Refusal {
	in = in.indexed()
	var out []Refusal
	pols := policies(in)
	byRepo, touched := repoChanges(p.Changes, nil)
	for _, key := range touched {
		org, repo, _ := strings.Cut(key, "/")
		x := in.access(org)
		if x == nil || x.Repo(repo) == nil {
			continue
		}
		r, idx := x.Repo(repo), byRepo[strings.ToLower(key)]
		po := pols[strings.ToLower(org)]
		policy := po.org.Policy
		before, after := x.Admins(r, policy.ExpectedOwner), x.Admins(in.afterPlan(strings.ToLower(key), r, p, idx), policy.ExpectedOwner)
		if len(after.ForMax) > policy.MaxAdmins && len(after.ForMax) > len(before.ForMax) {
			for _, i := range idx {
				if c := p.Changes[i]; grantsAdminNewly(c) {
					out = append(out, refuse(RuleMaxAdmins, i, c, po.rulePos(RuleMaxAdmins),
						fmt.Sprintf("no change may take a repository above max_admins (%d) or further above it: give maintain instead, or raise max_admins in a reviewed change to the org file", policy.MaxAdmins),
						fmt.Sprintf("%s/%s would have %d admins (%s)", org, repo, len(after.ForMax), strings.Join(after.ForMax, ", "))))
				}
			}
		}
		if len(after.ForMin) < policy.MinAdmins && len(after.ForMin) < len(before.ForMin) {
			for _, i := range idx {
				if c := p.Changes[i]; revokesAdmin(c) {
					out = append(out, refuse(RuleMinAdmins, i, c, po.rulePos(RuleMinAdmins),
						fmt.Sprintf("no change may take a repository below min_admins (%d) or further below it: grant admin to another first, or keep this one", policy.MinAdmins),
						fmt.Sprintf("%s/%s would have %d admins", org, repo, len(after.ForMin))))
				}
			}
		}
	}
	return out
}

func revokesAdmin(c Change) bool {
	return (c.User != "" || c.Team != "") && c.Before == role.Admin && c.After != role.Admin
}
