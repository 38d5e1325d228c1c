package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// The floor ruleset (floor_ruleset in the org file): permsync holds the
// floor in one org ruleset it manages, which repository admins cannot
// change. It always mirrors the org file (required_checks, min_reviews, the
// managed repositories); what it never does is disable it, set it to
// evaluate, add a bypass actor or delete it: those come only from drift,
// which the plan restores.
const (
	FloorRulesetCreate Kind = "floor_ruleset_create"
	FloorRulesetUpdate Kind = "floor_ruleset_update"
)

// RuleFloorRuleset names the guardrail that keeps the floor ruleset whole.
const RuleFloorRuleset Rule = config.KeyFloorRuleset

// NoticeFloorUnverified: the token reads the floor ruleset but not who may
// bypass it (GitHub shows that only to a token that can write it).
const NoticeFloorUnverified = "floor_ruleset_unverified"

// OrgRulesetWriter writes the floor ruleset. It is apart from Writer
// because only orgs with floor_ruleset need it; the GitHub adapter
// implements both.
type OrgRulesetWriter interface {
	// FloorRuleset re-reads the org's floor ruleset (nil when there is none).
	FloorRuleset(ctx context.Context, org string) (*state.OrgRuleset, error)
	CreateOrgRuleset(ctx context.Context, org string, want state.OrgRuleset) error
	UpdateOrgRuleset(ctx context.Context, org string, id int64, want state.OrgRuleset) error
}

// floorPermission is what the writer App needs to read the floor ruleset
// whole (GitHub shows bypass_actors only to a token that can write it) and
// to write it.
const floorPermission = "Organization administration: write"

// desiredFloor is the floor ruleset the org file asks for: the default
// branch of every managed repository that exists, the org's required checks
// (pinned where pinned), min_reviews approvals, bypass only for org owners.
func desiredFloor(org *config.Org, a *state.Org) state.OrgRuleset {
	want := state.OrgRuleset{Ruleset: state.Ruleset{
		Name:        state.FloorRulesetName,
		SourceType:  "Organization",
		Source:      a.Name,
		Enforcement: "active",
		Target:      "branch",
		Include:     []string{"~DEFAULT_BRANCH"},
		Exclude:     []string{},
		Bypass:      []state.BypassActor{{Kind: "OrganizationAdmin", Mode: "always"}},
		BypassRead:  true,
	}}
	seen := map[string]bool{}
	for _, r := range org.Repos {
		name := r.Name
		if ar := a.Repo(name); ar != nil {
			if ar.NotFound {
				continue // nothing to hold; a repository created later is added then
			}
			name = ar.Name
		}
		if !seen[strings.ToLower(name)] {
			seen[strings.ToLower(name)] = true
			want.RepoInclude = append(want.RepoInclude, name)
		}
	}
	slices.SortFunc(want.RepoInclude, func(x, y string) int { return strings.Compare(strings.ToLower(x), strings.ToLower(y)) })
	for _, c := range org.Policy.RequiredChecks {
		app := c.AppID
		if app <= 0 {
			app = state.AnyApp
		}
		want.RequiredChecks = append(want.RequiredChecks, state.Check{Context: c.Context, AppID: app})
	}
	if org.Policy.MinReviews > 0 {
		n := org.Policy.MinReviews
		want.Reviews = &n
	}
	return want
}

// diffFloorRuleset plans the org's floor ruleset: create it, or restore it
// to what the files ask. It plans nothing it cannot see whole.
func diffFloorRuleset(p *Plan, in Input, t Target, a *state.Org) {
	policy := t.Org.Policy
	if !policy.FloorRuleset || in.ExpiriesOnly {
		return
	}
	pos := policy.Where(config.KeyFloorRuleset, t.Org.File)
	fail := func(format string, args ...any) {
		p.Errors = append(p.Errors, RepoError{Org: t.Org.Name, Source: pos, Message: fmt.Sprintf(format, args...)})
	}
	if a.FloorRulesetUnread != "" {
		fail("floor_ruleset: the org's rulesets could not be read (%s): give the writer App %s, or set floor_ruleset: false", a.FloorRulesetUnread, floorPermission)
		return
	}
	want := desiredFloor(t.Org, a)
	cur := a.FloorRuleset
	if a.FloorRulesetReadOnly || cur != nil && !cur.BypassRead {
		p.Notices = append(p.Notices, Notice{Kind: NoticeFloorUnverified, Org: t.Org.Name,
			Message: fmt.Sprintf("this token cannot write org ruleset %q, and GitHub shows who may bypass it only to one that can: apply needs the writer App to hold %s", state.FloorRulesetName, floorPermission),
			Items:   []Item{{Subject: "ruleset:" + state.FloorRulesetName, Source: pos}}})
	}
	if cur != nil && !cur.BypassRead {
		// Compared as far as it can be seen; apply, with a token that can
		// write the ruleset, sees the bypass list and restores it too.
		seen := *cur
		seen.Bypass, seen.BypassRead = want.Bypass, true
		cur = &seen
	}
	c := Change{Kind: FloorRulesetCreate, Org: a.Name, Source: pos, FloorAfter: &want,
		Reason: "floor_ruleset: the floor held in an org ruleset"}
	if cur != nil {
		c.Kind = FloorRulesetUpdate
		// Without its bypass list, which only a token that can write the
		// ruleset sees: a reader's saved plan and the writer's are then
		// the same (apply --plan), and the bypass list is restored anyway.
		before := *a.FloorRuleset
		before.Bypass, before.BypassRead = nil, false
		c.FloorBefore = &before
		c.ProtectionChanges = floorChanges(*cur, want)
		if len(c.ProtectionChanges) == 0 {
			return
		}
		c.Reason = "floor_ruleset: restores the org ruleset to what the files ask"
	} else {
		c.ProtectionChanges = floorChanges(state.OrgRuleset{}, want)
	}
	p.Changes = append(p.Changes, c)
}

// floorChanges lists what differs between the ruleset GitHub holds and the
// one wanted, field by field. A change is marked Weakens when the files
// themselves ask for less (a check dropped from required_checks, fewer
// reviews, a repository no longer managed).
func floorChanges(cur, want state.OrgRuleset) []FieldChange {
	var out []FieldChange
	add := func(field, before, after string, weakens bool) {
		if before != after {
			out = append(out, FieldChange{Field: field, Before: before, After: after, Weakens: weakens})
		}
	}
	none := func(s string) string {
		if s == "" {
			return "none"
		}
		return s
	}
	add("enforcement", none(cur.Enforcement), want.Enforcement, false)
	add("target", none(cur.Target), want.Target, false)
	add("branches", none(strings.Join(cur.Include, ", ")), strings.Join(want.Include, ", "), false)
	add("branches excluded", none(strings.Join(cur.Exclude, ", ")), "none", false)
	add("bypass", bypassText(cur), bypassText(want), false)
	if cur.RepoOther || cur.RepoProtected || len(cur.RepoExclude) > 0 {
		add("repository conditions", "other than names", "names only", false)
	}
	for _, n := range want.RepoInclude {
		if !slices.ContainsFunc(cur.RepoInclude, func(x string) bool { return strings.EqualFold(x, n) }) {
			add("repository "+n, "not covered", "covered", false)
		}
	}
	for _, n := range cur.RepoInclude {
		if !slices.ContainsFunc(want.RepoInclude, func(x string) bool { return strings.EqualFold(x, n) }) {
			add("repository "+n, "covered", "not covered (not managed)", true)
		}
	}
	for _, c := range want.RequiredChecks {
		i := slices.IndexFunc(cur.RequiredChecks, func(x state.Check) bool { return x.Context == c.Context })
		switch {
		case i < 0:
			add("check "+c.Context, "not required", "required from "+appText(c.AppID), false)
		case cur.RequiredChecks[i].AppID != c.AppID:
			add("check "+c.Context, "required from "+appText(cur.RequiredChecks[i].AppID), "required from "+appText(c.AppID), !c.Pinned())
		}
	}
	for _, c := range cur.RequiredChecks {
		if !slices.ContainsFunc(want.RequiredChecks, func(x state.Check) bool { return x.Context == c.Context }) {
			add("check "+c.Context, "required from "+appText(c.AppID), "not required (not in required_checks)", true)
		}
	}
	reviews := func(r *int) string {
		if r == nil {
			return "no pull request rule"
		}
		if *r == 1 {
			return "1 approval"
		}
		return strconv.Itoa(*r) + " approvals"
	}
	weaker := want.Reviews == nil || cur.Reviews != nil && *want.Reviews < *cur.Reviews
	add("reviews", reviews(cur.Reviews), reviews(want.Reviews), weaker && cur.Reviews != nil)
	if cur.Incomplete {
		add("rules", "not all read", "rewritten", false)
	}
	return out
}

func notBypass(fs []FieldChange) []FieldChange {
	return slices.DeleteFunc(slices.Clone(fs), func(f FieldChange) bool { return f.Field == "bypass" })
}

func bypassText(rs state.OrgRuleset) string {
	if len(rs.Bypass) == 0 {
		return "nobody"
	}
	var parts []string
	for _, b := range rs.Bypass {
		s := b.Kind
		if b.Name != "" && b.Kind != "OrganizationAdmin" { // its id is always 1
			s += " " + b.Name
		}
		if b.Mode != "" && b.Mode != "always" {
			s += " (" + b.Mode + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func appText(id int64) string {
	if id > 0 {
		return "App " + strconv.FormatInt(id, 10)
	}
	return "any source"
}

// floorWeakness says how a ruleset to be written falls short of the floor,
// or "" when it holds it: active, bypass only for org owners, on the default
// branch, and at least the org's checks (from the pinned App) and reviews.
func floorWeakness(want state.OrgRuleset, policy config.Policy) string {
	switch {
	case !want.Active():
		return "enforcement would be " + want.Enforcement + ", not active"
	case !want.BypassRead || want.BypassBelowOwner():
		return "someone below an org owner could bypass it (" + bypassText(want) + ")"
	case !slices.Contains(want.Include, "~DEFAULT_BRANCH") && !slices.Contains(want.Include, "~ALL"):
		return "it would not cover the default branch"
	case len(want.Exclude) > 0:
		return "it would exclude branches (" + strings.Join(want.Exclude, ", ") + ")"
	}
	for _, c := range policy.RequiredChecks {
		i := slices.IndexFunc(want.RequiredChecks, func(x state.Check) bool { return x.Context == c.Context })
		if i < 0 {
			return "it would not require " + c.Context
		}
		if c.AppID > 0 && want.RequiredChecks[i].AppID != c.AppID {
			return "it would accept " + c.Context + " from " + appText(want.RequiredChecks[i].AppID) + ", not the pinned " + appText(c.AppID)
		}
	}
	if policy.MinReviews > 0 && (want.Reviews == nil || *want.Reviews < policy.MinReviews) {
		return fmt.Sprintf("it would require fewer than min_reviews (%d) approvals", policy.MinReviews)
	}
	return ""
}

// GuardFloorRuleset: a planned floor ruleset never falls short of the floor
// (disabled, evaluate, a bypass actor below an org owner, a check or review
// count missing). Plans built from the files never do; this holds against
// a change that did not come from them. Nor does it take out a repository
// that still exists, not archived (a deleted file; floorshrink.go).
func GuardFloorRuleset(p *Plan, in Input) []Refusal {
	var out []Refusal
	pols := policies(in)
	for i, c := range p.Changes {
		if c.Kind != FloorRulesetCreate && c.Kind != FloorRulesetUpdate {
			continue
		}
		po, ok := pols[strings.ToLower(c.Org)]
		if !ok || c.FloorAfter == nil {
			continue
		}
		if why := floorWeakness(*c.FloorAfter, po.org.Policy); why != "" {
			out = append(out, refuse(RuleFloorRuleset, i, c, po.rulePos(RuleFloorRuleset),
				"permsync never weakens its floor ruleset: fix the org file, or set floor_ruleset: false in a reviewed change", why))
		}
		out = append(out, guardFloorShrink(i, c, po, in)...)
	}
	return out
}

// applyFloorRuleset re-reads the floor ruleset, and writes it only if GitHub
// still holds what the plan saw.
func applyFloorRuleset(ctx context.Context, w Writer, c Change) Outcome {
	rw, ok := w.(OrgRulesetWriter)
	if !ok || c.FloorAfter == nil {
		return Outcome{Change: c, Status: Failed, Message: "this writer cannot write org rulesets"}
	}
	if why := floorWeakness(*c.FloorAfter, config.Policy{}); why != "" {
		// A saved plan is data: never write a weaker floor than one that is
		// active and bypassable only by org owners, whatever it says.
		return Outcome{Change: c, Status: Failed, Message: "refused: " + why}
	}
	cur, err := rw.FloorRuleset(ctx, c.Org)
	if err != nil {
		return failed(c, fmt.Errorf("re-reading the floor ruleset: %w", err))
	}
	if cur != nil && len(floorChanges(*cur, *c.FloorAfter)) == 0 {
		return Outcome{Change: c, Status: Already}
	}
	switch {
	case c.Kind == FloorRulesetCreate && cur != nil:
		return conflict(c, "ruleset "+cur.Name+" exists")
	case c.Kind == FloorRulesetUpdate && (cur == nil || c.FloorBefore == nil || cur.ID != c.FloorBefore.ID):
		return conflict(c, "the floor ruleset was deleted or replaced")
	}
	// The bypass list is restored whatever it holds, and a plan made by a
	// reader could not see it: it does not make the plan stale.
	if c.Kind == FloorRulesetUpdate && !slices.Equal(notBypass(floorChanges(*cur, *c.FloorAfter)), notBypass(c.ProtectionChanges)) {
		return conflict(c, "the floor ruleset changed")
	}
	if c.Kind == FloorRulesetCreate {
		err = rw.CreateOrgRuleset(ctx, c.Org, *c.FloorAfter)
	} else {
		err = rw.UpdateOrgRuleset(ctx, c.Org, cur.ID, *c.FloorAfter)
	}
	if err != nil {
		return failed(c, err)
	}
	return Outcome{Change: c, Status: Done}
}
