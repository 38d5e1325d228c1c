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
	GuardAdminAllowed,
	GuardOutsideCollaborators,
	GuardBaseRole,
	GuardAdminCount,
	GuardInvitationRate,
	GuardMaxRemovals,
}

// Guard runs every guardrail and records its refusals on the plan, then
// notes what the guardrails let through but release engineering should know.
func Guard(p *Plan, in Input) {
	for _, g := range Guardrails {
		for _, r := range g(p, in) {
			if r.Change >= 0 {
				p.Changes[r.Change].Refused = true
			}
			p.Refusals = append(p.Refusals, r)
		}
	}
	p.Notices = append(p.Notices, guardNotices(p, in)...)
}

// guardNotices reports repositories already outside min/max admins that the
// plan does not make worse, and floor checks a file drops from protection
// that an active ruleset still requires.
func guardNotices(p *Plan, in Input) []Notice {
	var out []Notice
	pols := policies(in)
	for _, t := range in.Targets {
		a := in.actual(t.Org.Name)
		if a == nil {
			continue
		}
		policy := t.Org.Policy
		for _, cr := range t.Repos {
			r := a.Repo(cr.Name)
			if r == nil || !r.Readable() || r.Archived {
				continue
			}
			after := simulate(a, r, p.Changes, t.Org.Name, r.Name)
			pos := config.Pos{File: cr.File}
			if n := len(admins(a, after, policy, true)); n > policy.MaxAdmins {
				out = append(out, Notice{Kind: NoticeAdminCount, Org: t.Org.Name, Repo: r.Name, Source: pos,
					Message: fmt.Sprintf("%s/%s has %d admins, more than max_admins (%d); the plan does not add any", t.Org.Name, r.Name, n, policy.MaxAdmins)})
			}
			if n := len(admins(a, after, policy, false)); n < policy.MinAdmins {
				out = append(out, Notice{Kind: NoticeAdminCount, Org: t.Org.Name, Repo: r.Name, Source: pos,
					Message: fmt.Sprintf("%s/%s has %d admins, fewer than min_admins (%d); grant admin to someone the org file allows", t.Org.Name, r.Name, n, policy.MinAdmins)})
			}
		}
	}
	for _, c := range p.Changes {
		if c.Kind != ProtectionUpdate || c.ProtectionAfter.Checks == nil || c.ProtectionBefore.StatusChecks == nil {
			continue
		}
		po := pols[strings.ToLower(c.Org)]
		for _, fc := range po.org.Policy.RequiredChecks {
			was, had := findCheck(c.ProtectionBefore.StatusChecks.Checks, fc.Context)
			_, kept := findCheck(*c.ProtectionAfter.Checks, fc.Context)
			if had && !kept && rulesetStandsIn(repoOf(in, c.Org, c.Repo), fc, was, c.Branch) {
				out = append(out, Notice{Kind: NoticeRuleProtects, Org: c.Org, Repo: c.Repo, Subject: "branch:" + c.Branch, Source: c.Source,
					Message: fmt.Sprintf("%s leaves the protection of %s but stays required there by an active ruleset", fc.Context, c.Branch)})
			}
		}
	}
	return out
}

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

func (po policyOf) rulePos(key string) config.Pos { return po.org.Policy.Where(key, po.file) }

func refuse(rule Rule, i int, c Change, rulePos config.Pos, format string, args ...any) Refusal {
	return Refusal{Rule: rule, Org: c.Org, Repo: c.Repo, Subject: c.Principal(), Source: c.Source, RulePos: rulePos,
		Change: i, Message: fmt.Sprintf(format, args...)}
}

// GuardProtection: never turn off enforce_admins, never lower required
// reviews below min_reviews, never stop requiring a floor check where it is
// required (unless an active ruleset still requires it) and never unpin one.
func GuardProtection(p *Plan, in Input) []Refusal {
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
			out = append(out, refuse(RuleEnforceAdmins, i, c, config.Pos{}, "turning off enforce_admins on %s would let admins bypass the branch's protection", c.Branch))
		}
		if want.Reviews != nil && *want.Reviews < policy.MinReviews {
			out = append(out, refuse(RuleMinReviews, i, c, po.rulePos("min_reviews"),
				"%d required approving reviews on %s is below the org's min_reviews of %d", *want.Reviews, c.Branch, policy.MinReviews))
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
			case !kept && rulesetStandsIn(ar, fc, had, c.Branch):
				// Still required by a ruleset nobody below an owner can
				// bypass, from the pinned App: not a weakening.
			case !kept:
				out = append(out, refuse(RuleRequiredChecks, i, c, fc.Pos,
					"%s is required on %s and is in the org's required_checks: it cannot stop being required (add it back to the file's required_status_checks)", fc.Context, c.Branch))
			case had.Pinned() && normApp(got.AppID) != had.AppID && !(fc.AppID > 0 && got.AppID == fc.AppID):
				out = append(out, refuse(RuleRequiredChecks, i, c, fc.Pos,
					"%s on %s is pinned to GitHub App %d: permsync never unpins or re-pins a required check (write it as a plain name to keep the pin)", fc.Context, c.Branch, had.AppID))
			case fc.AppID > 0 && got.AppID != fc.AppID:
				out = append(out, refuse(RuleRequiredChecks, i, c, fc.Pos,
					"%s must be posted by GitHub App %d per the org's required_checks; the file asks for %s", fc.Context, fc.AppID, appLabel(got.AppID)))
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

// rulesetStandsIn reports whether an active ruleset of r keeps requiring the
// floor check fc on branch as strongly as classic protection did: from the
// App the floor pins (or, when the floor does not pin, the App classic
// protection pinned it to), and with nobody below an org owner able to
// bypass it.
func rulesetStandsIn(r *state.Repo, fc config.Check, classic state.Check, branch string) bool {
	if r == nil {
		return false
	}
	pin := fc.AppID
	if pin <= 0 && classic.Pinned() {
		pin = classic.AppID
	}
	_, ok := r.FloorStandIn(fc.Context, pin, branch)
	return ok
}

func repoOf(in Input, org, repo string) *state.Repo {
	a := in.actual(org)
	if a == nil {
		return nil
	}
	return a.Repo(repo)
}

// GuardAdminAllowed: when admin_allowed is set, only the principals it lists
// may hold direct admin. A file asking for another admin is refused whether
// or not GitHub already has it.
func GuardAdminAllowed(p *Plan, in Input) []Refusal {
	var out []Refusal
	refused := map[string]bool{}
	for i, c := range p.Changes {
		if (c.User == "" && c.Team == "") || c.After != role.Admin || c.Kind.IsRemoval() {
			continue
		}
		po := policies(in)[strings.ToLower(c.Org)]
		pr := principalOf(c)
		if po.org.Policy.AdminAllowedFor(pr) {
			continue
		}
		refused[strings.ToLower(c.Org+"/"+c.Repo)+"|"+pr.Key()] = true
		out = append(out, refuse(RuleAdminAllowed, i, c, po.rulePos("admin_allowed"),
			"%s may not hold admin: the org's admin_allowed does not list it (grant maintain instead)", pr))
	}
	for _, t := range in.Targets {
		for _, r := range t.Repos {
			for _, g := range r.Grants {
				if g.Role != role.Admin || t.Org.Policy.AdminAllowedFor(g.Principal) || refused[strings.ToLower(t.Org.Name+"/"+r.Name)+"|"+g.Key()] {
					continue
				}
				out = append(out, Refusal{Rule: RuleAdminAllowed, Org: t.Org.Name, Repo: r.Name, Subject: g.Principal.String(), Source: g.Pos,
					RulePos: t.Org.Policy.Where("admin_allowed", t.Org.File), Change: -1,
					Message: fmt.Sprintf("%s may not hold admin: the org's admin_allowed does not list it (grant maintain instead)", g.Principal)})
			}
		}
	}
	return out
}

func principalOf(c Change) config.Principal {
	if c.Team != "" {
		return config.Principal{Kind: config.Team, Name: c.Team}
	}
	return config.Principal{Kind: config.User, Name: c.User}
}

// GuardOutsideCollaborators: a user who is not an org member may not be
// given a role above outside_collaborator_max_role.
func GuardOutsideCollaborators(p *Plan, in Input) []Refusal {
	var out []Refusal
	for i, c := range p.Changes {
		if c.User == "" || c.Kind.IsRemoval() {
			continue
		}
		a := in.actual(c.Org)
		po := policies(in)[strings.ToLower(c.Org)]
		max := po.org.Policy.OutsideCollaboratorMaxRole
		if a == nil || a.IsMember(c.User) || c.After <= max {
			continue
		}
		out = append(out, refuse(RuleOutsideCollaborator, i, c, po.rulePos("outside_collaborator_max_role"),
			"%s is not a member of %s: an outside collaborator may hold at most %s, not %s", c.User, c.Org, max, c.After))
	}
	return out
}

// GuardBaseRole: GitHub rejects a member's direct grant below the org's base
// role; catch it at plan time.
func GuardBaseRole(p *Plan, in Input) []Refusal {
	var out []Refusal
	for i, c := range p.Changes {
		if c.User == "" || c.Kind.IsRemoval() || c.Kind == InvitationChange {
			continue
		}
		a := in.actual(c.Org)
		if a == nil || !a.IsMember(c.User) || a.BaseRole == role.None || c.After >= a.BaseRole {
			continue
		}
		out = append(out, refuse(RuleBelowBaseRole, i, c, config.Pos{},
			"%s is a member of %s, whose base role is %s: GitHub refuses a direct grant below it (grant %s or more, or remove the line)", c.User, c.Org, a.BaseRole, a.BaseRole))
	}
	return out
}

// GuardInvitationRate: GitHub allows 50 invitations to a repository in 24
// hours. Invitations created in the last day count against it.
func GuardInvitationRate(p *Plan, in Input) []Refusal {
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
				"GitHub allows %d invitations to a repository in 24 hours and this would be number %d: split the change over several days", InvitationsPerDay, used[key]))
		}
	}
	return out
}

// GuardMaxRemovals: a run that would remove more grants than max_removals
// (per org) is refused: every removal of that org is.
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
		for _, i := range idx {
			out = append(out, refuse(RuleMaxRemovals, i, p.Changes[i], po.rulePos("max_removals"),
				"this run would remove %d grants in %s, more than max_removals (%d): raise it for this change in a reviewed pull request, or remove fewer at a time", len(idx), po.org.Name, po.org.Policy.MaxRemovals))
		}
	}
	return out
}

// GuardAdminCount: no repository may fall below min_admins or rise above
// max_admins, counted in distinct people (team members included, pending
// admin invitations included for the maximum, expected owners not counted).
// A repository already outside the range is reported, and only changes that
// make it worse are refused.
func GuardAdminCount(p *Plan, in Input) []Refusal {
	var out []Refusal
	pols := policies(in)
	for _, key := range touchedRepos(p) {
		org, repo, _ := strings.Cut(key, "/")
		a := in.actual(org)
		r := repoOf(in, org, repo)
		if a == nil || r == nil {
			continue
		}
		po := pols[strings.ToLower(org)]
		policy := po.org.Policy
		after := simulate(a, r, p.Changes, org, repo)
		beforeMax, afterMax := admins(a, r, policy, true), admins(a, after, policy, true)
		beforeMin, afterMin := admins(a, r, policy, false), admins(a, after, policy, false)
		if len(afterMax) > policy.MaxAdmins && len(afterMax) > len(beforeMax) {
			for i, c := range p.Changes {
				if sameRepo(c, org, repo) && grantsAdmin(c) {
					out = append(out, refuse(RuleMaxAdmins, i, c, po.rulePos("max_admins"),
						"%s/%s would have %d admins (%s), more than max_admins (%d)", org, repo, len(afterMax), strings.Join(afterMax, ", "), policy.MaxAdmins))
				}
			}
		}
		if len(afterMin) < policy.MinAdmins && len(afterMin) < len(beforeMin) {
			for i, c := range p.Changes {
				if sameRepo(c, org, repo) && revokesAdmin(c) {
					out = append(out, refuse(RuleMinAdmins, i, c, po.rulePos("min_admins"),
						"%s/%s would have %d admins, fewer than min_admins (%d)", org, repo, len(afterMin), policy.MinAdmins))
				}
			}
		}
	}
	return out
}

func touchedRepos(p *Plan) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range p.Changes {
		k := c.Org + "/" + c.Repo
		if !seen[strings.ToLower(k)] {
			seen[strings.ToLower(k)] = true
			out = append(out, k)
		}
	}
	return out
}

func sameRepo(c Change, org, repo string) bool {
	return strings.EqualFold(c.Org, org) && strings.EqualFold(c.Repo, repo)
}

func grantsAdmin(c Change) bool {
	return (c.User != "" || c.Team != "") && c.After == role.Admin && c.Before != role.Admin
}

func revokesAdmin(c Change) bool {
	return (c.User != "" || c.Team != "") && c.Before == role.Admin && c.After != role.Admin
}

// admins lists the distinct people holding direct or team admin on r. For
// the maximum, pending admin invitations count and expected owners do not.
func admins(a *state.Org, r *state.Repo, policy config.Policy, forMax bool) []string {
	set := map[string]string{}
	addPerson := func(login string) {
		if forMax && policy.ExpectedOwner(login) {
			return
		}
		set[strings.ToLower(login)] = login
	}
	for _, u := range r.Users {
		if u.Role == role.Admin {
			addPerson(u.Login)
		}
	}
	for _, t := range r.Teams {
		if t.Role != role.Admin {
			continue
		}
		if team := a.Team(t.Slug); team != nil {
			for _, m := range team.Members {
				addPerson(m)
			}
		}
	}
	if forMax {
		for _, inv := range r.Invitations {
			if inv.Role == role.Admin && !inv.Expired {
				addPerson(inv.Login)
			}
		}
	}
	out := make([]string, 0, len(set))
	for _, v := range set {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out
}
