package audit

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/history"
	"github.com/AcademySoftwareFoundation/permsync/internal/pairs"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// What a StateChange is about.
const (
	WhatBaseRole      = "base_role"
	WhatOwner         = "owner"
	WhatMember        = "member"
	WhatTeam          = "team"
	WhatTeamMember    = "team_member"
	WhatApp           = "app"
	WhatRepository    = "repository"
	WhatArchived      = "archived"
	WhatDefaultBranch = "default_branch"
	WhatUserGrant     = "user_grant"
	WhatInvitation    = "invitation"
	WhatTeamGrant     = "team_grant"
	WhatProtection    = "protection"
	WhatRuleset       = "ruleset"
	WhatDeployKey     = "deploy_key"
)

const absent = "(none)"

// compare reports what changed on GitHub since the previous snapshot, and
// which of it no file explains.
func (b *builder) compare() Comparison {
	c := Comparison{Changes: []StateChange{}}
	prev := b.in.Previous
	if prev == nil {
		c.Note = b.in.PreviousNote
		if c.Note == "" {
			c.Note = "no snapshot to compare with (audit --compare FILE, with a file written by audit --snapshot-out)"
		}
		return c
	}
	c.Available, c.SnapshotAt = true, prev.TakenAt.UTC()
	for _, co := range b.in.Orgs {
		cur := b.actual(co.Name)
		old := prev.Org(co.Name)
		if cur == nil {
			continue
		}
		if old == nil {
			b.rep.Notes = append(b.rep.Notes, fmt.Sprintf("The snapshot holds no state of %s: nothing to compare it with.", co.Name))
			continue
		}
		cmp := &comparer{b: b, co: co, org: cur.Name, since: prev}
		cmp.compareOrg(old, cur)
		c.Changes = append(c.Changes, cmp.out...)
	}
	b.handMadeFindings(c)
	return c
}

type comparer struct {
	b     *builder
	co    *config.Org
	org   string
	since *Snapshot
	out   []StateChange
}

func (c *comparer) add(repo, what, subject, before, after, explained, desc string) {
	c.out = append(c.out, StateChange{Org: c.org, Repo: repo, What: what, Subject: subject, Before: before, After: after,
		HandMade: explained == "", Explained: explained, Description: desc})
}

func (c *comparer) compareOrg(old, cur *state.Org) {
	if old.BaseRole != cur.BaseRole {
		c.add("", WhatBaseRole, "", old.BaseRole.String(), cur.BaseRole.String(), "", fmt.Sprintf("base role %s → %s", old.BaseRole, cur.BaseRole))
	}
	c.sets("", WhatOwner, "user:", old.Owners, cur.Owners, "org owner")
	// An owner is a member too: their membership change is their ownership's.
	isOwner := func(m string) bool { return state.ContainsFold(old.Owners, m) || state.ContainsFold(cur.Owners, m) }
	c.sets("", WhatMember, "user:", without(old.Members, isOwner), without(cur.Members, isOwner), "org member")
	for _, p := range pairs.Of(old.Teams, cur.Teams, func(t *state.Team) string { return strings.ToLower(t.Slug) }) {
		o, n := p.Old, p.New
		switch {
		case o == nil:
			c.add("", WhatTeam, "team:"+n.Slug, absent, "created", "", "team "+n.Slug+" created")
			c.sets("", WhatTeamMember, "team:"+n.Slug+" user:", nil, n.Members, "member of team "+n.Slug)
		case n == nil:
			c.add("", WhatTeam, "team:"+o.Slug, "existed", absent, "", "team "+o.Slug+" deleted")
		default:
			c.sets("", WhatTeamMember, "team:"+n.Slug+" user:", o.Members, n.Members, "member of team "+n.Slug)
		}
	}
	if old.Installations != nil && cur.Installations != nil {
		for _, p := range pairs.Of(old.Installations, cur.Installations, func(i state.Installation) string { return strings.ToLower(i.AppSlug) }) {
			o, okO, n, okN := p.Old, p.InOld, p.New, p.InNew
			switch {
			case !okO:
				c.add("", WhatApp, "app:"+n.AppSlug, absent, permsText(n.Permissions), "", "App "+n.AppSlug+" installed ("+permsText(n.Permissions)+")")
			case !okN:
				c.add("", WhatApp, "app:"+o.AppSlug, permsText(o.Permissions), absent, "", "App "+o.AppSlug+" uninstalled")
			case permsText(o.Permissions) != permsText(n.Permissions):
				c.add("", WhatApp, "app:"+n.AppSlug, permsText(o.Permissions), permsText(n.Permissions), "", "App "+n.AppSlug+" permissions changed")
			}
		}
	}
	ignored := func(r *state.Repo) bool { return c.co.Ignored(r.Name) }
	for _, p := range pairs.Of(without(old.Repos, ignored), without(cur.Repos, ignored), func(r *state.Repo) string { return strings.ToLower(r.Name) }) {
		o, n := p.Old, p.New
		switch {
		case o == nil || o.NotFound:
			if n.NotFound {
				continue
			}
			c.add(n.Name, WhatRepository, "", absent, "created", "", "repository "+n.Name+" created (or made visible to the App)")
			o = &state.Repo{Name: n.Name, DefaultBranch: n.DefaultBranch}
		case n == nil || n.NotFound:
			c.add(o.Name, WhatRepository, "", "existed", absent, "", "repository "+o.Name+" deleted (or hidden from the App)")
			continue
		}
		if !o.Readable() || !n.Readable() {
			continue
		}
		c.repo(o, n)
	}
}

func permsText(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+": "+m[k])
	}
	return strings.Join(parts, ", ")
}

// sets reports logins added to and removed from a list.
func (c *comparer) sets(repo, what, prefix string, old, cur []string, noun string) {
	for _, p := range pairs.Of(old, cur, strings.ToLower) {
		switch {
		case !p.InOld:
			c.add(repo, what, prefix+p.New, absent, noun, "", p.New+" became "+noun)
		case !p.InNew:
			c.add(repo, what, prefix+p.Old, noun, absent, "", p.Old+" is no longer "+noun)
		}
	}
}

// without is s less what drop says.
func without[T any](s []T, drop func(T) bool) []T {
	return slices.DeleteFunc(slices.Clone(s), drop)
}

func (c *comparer) repo(o, n *state.Repo) {
	cr := c.co.Repo(n.Name)
	if o.Archived != n.Archived {
		c.add(n.Name, WhatArchived, "", strconv.FormatBool(o.Archived), strconv.FormatBool(n.Archived), "", fmt.Sprintf("archived %t → %t", o.Archived, n.Archived))
	}
	if o.DefaultBranch != n.DefaultBranch && o.DefaultBranch != "" {
		c.add(n.Name, WhatDefaultBranch, "", o.DefaultBranch, n.DefaultBranch, "", "default branch "+o.DefaultBranch+" → "+n.DefaultBranch)
	}
	c.userGrants(o, n, cr)
	c.invitations(o, n, cr)
	c.teamGrants(o, n, cr)
	c.protection(o, n, cr)
	c.rulesets(o, n)
	c.deployKeys(o, n)
}

// userGrants reports direct grants added, removed or changed. People are
// joined by account where either side knows the id: a renamed person is one
// person whose grant did not change.
func (c *comparer) userGrants(o, n *state.Repo, cr *config.Repo) {
	ids := map[string]int64{}
	for _, u := range append(slices.Clone(o.Users), n.Users...) {
		if u.ID > 0 {
			ids[strings.ToLower(u.Login)] = u.ID
		}
	}
	userKey := func(u state.UserGrant) string {
		id := u.ID
		if id == 0 {
			id = ids[strings.ToLower(u.Login)]
		}
		if id > 0 {
			return "#" + strconv.FormatInt(id, 10)
		}
		return strings.ToLower(u.Login)
	}
	for _, p := range pairs.Of(o.Users, n.Users, userKey) {
		before, after, login := p.Old.Role, p.New.Role, p.Latest().Login
		if before == after && p.Old.RoleName == p.New.RoleName {
			continue
		}
		expl := c.explainGrant(n.Name, cr, config.Principal{Kind: config.User, Name: login}, p.Latest().ID, after)
		if !p.InOld {
			if inv, ok := o.Invitation(login); ok && inv.Role == after {
				if _, still := n.Invitation(login); !still {
					expl = "invitation accepted"
				}
			}
		}
		c.add(n.Name, WhatUserGrant, "user:"+login, roleText(before), roleText(after), expl,
			fmt.Sprintf("user %s: direct %s → %s", login, roleText(before), roleText(after)))
	}
}

// invitations reports invitations sent, answered, changed or expired.
func (c *comparer) invitations(o, n *state.Repo, cr *config.Repo) {
	for _, p := range pairs.Of(o.Invitations, n.Invitations, func(i state.Invitation) string { return strings.ToLower(i.Login) }) {
		a, z, login := p.Old, p.New, p.Latest().Login
		pr := config.Principal{Kind: config.User, Name: login}
		switch {
		case !p.InOld:
			c.add(n.Name, WhatInvitation, "user:"+login, absent, z.Role.String(), c.explainGrant(n.Name, cr, pr, z.UserID, z.Role),
				fmt.Sprintf("invitation of %s as %s sent%s", login, z.Role, byWhom(z.Inviter)))
		case !p.InNew:
			expl := c.explainGrant(n.Name, cr, pr, a.UserID, role.None)
			if u, ok := n.User(login); ok && u.Role == a.Role {
				expl = "invitation accepted"
			}
			if expl == "" && a.Expired {
				expl = "an expired invitation was deleted"
			}
			c.add(n.Name, WhatInvitation, "user:"+login, a.Role.String(), absent, expl, fmt.Sprintf("invitation of %s (%s) withdrawn or answered", login, a.Role))
		case a.Role != z.Role:
			c.add(n.Name, WhatInvitation, "user:"+login, a.Role.String(), z.Role.String(), c.explainGrant(n.Name, cr, pr, z.UserID, z.Role),
				fmt.Sprintf("invitation of %s %s → %s", login, a.Role, z.Role))
		case a.Expired != z.Expired:
			// Expiry is GitHub's doing, not a person's.
			c.add(n.Name, WhatInvitation, "user:"+login, "pending", "expired", "expired after 7 days", fmt.Sprintf("invitation of %s expired", login))
		}
	}
}

// teamGrants reports team grants added, removed or changed.
func (c *comparer) teamGrants(o, n *state.Repo, cr *config.Repo) {
	for _, p := range pairs.Of(o.Teams, n.Teams, func(t state.TeamGrant) string { return strings.ToLower(t.Slug) }) {
		before, after, slug := p.Old.Role, p.New.Role, p.Latest().Slug
		if before == after && p.Old.RoleName == p.New.RoleName {
			continue
		}
		c.add(n.Name, WhatTeamGrant, "team:"+slug, roleText(before), roleText(after), c.explainGrant(n.Name, cr, config.Principal{Kind: config.Team, Name: slug}, 0, after),
			fmt.Sprintf("team %s: %s → %s", slug, roleText(before), roleText(after)))
	}
}

// deployKeys reports deploy keys added, removed or changed, where both
// sides could read them.
func (c *comparer) deployKeys(o, n *state.Repo) {
	if o.DeployKeys == nil || n.DeployKeys == nil {
		return
	}
	for _, p := range pairs.Of(o.DeployKeys, n.DeployKeys, func(k state.DeployKey) string { return strconv.FormatInt(k.ID, 10) }) {
		a, z := p.Old, p.New
		switch {
		case !p.InOld:
			c.add(n.Name, WhatDeployKey, "key:"+z.Title, absent, keyAccess(z), "", fmt.Sprintf("deploy key %q added (%s)", z.Title, keyAccess(z)))
		case !p.InNew:
			c.add(n.Name, WhatDeployKey, "key:"+a.Title, keyAccess(a), absent, "", fmt.Sprintf("deploy key %q removed", a.Title))
		case a.ReadOnly != z.ReadOnly:
			c.add(n.Name, WhatDeployKey, "key:"+z.Title, keyAccess(a), keyAccess(z), "", fmt.Sprintf("deploy key %q %s → %s", z.Title, keyAccess(a), keyAccess(z)))
		}
	}
}

func keyAccess(k state.DeployKey) string {
	if k.ReadOnly {
		return "read-only"
	}
	return "read-write"
}

func roleText(r role.Role) string {
	if r == role.None {
		return absent
	}
	return r.String()
}

// explainGrant says what in the files explains principal now holding after
// on repo ("" when nothing does: a hand-made change).
func (c *comparer) explainGrant(repo string, cr *config.Repo, p config.Principal, id int64, after role.Role) string {
	if cr == nil {
		return ""
	}
	var want role.Role
	listed := false
	for _, g := range cr.Grants {
		if sameAccount(g, p, id) {
			want, listed, p = g.Role, true, g.Principal
		}
	}
	switch {
	case listed && want == after:
	case !listed && after == role.None && c.co.Policy.Mode == config.Authoritative:
	default:
		return ""
	}
	if e := c.commitSince(repo, p.String()); e != nil {
		s := "the files: commit " + e.ShortCommit()
		if e.PR != nil {
			s += fmt.Sprintf(" (pull request #%d", e.PR.Number)
			if len(e.PR.Approvers) > 0 {
				s += ", approved by " + strings.Join(e.PR.Approvers, ", ")
			}
			s += ")"
		}
		return s
	}
	return "matches the files"
}

// commitSince is the newest history entry after the snapshot that changed
// principal's grant on repo.
func (c *comparer) commitSince(repo, principal string) *history.Entry {
	h := c.b.in.History
	if h == nil {
		return nil
	}
	for i := range h.Entries {
		e := &h.Entries[i]
		if e.Date.Before(c.since.TakenAt) {
			continue
		}
		for _, ch := range e.Changes {
			if ch.Touches(c.org, repo, principal) {
				return e
			}
		}
	}
	return nil
}

func (c *comparer) protection(o, n *state.Repo, cr *config.Repo) {
	def := n.DefaultBranch
	ob, _ := o.Branch(def)
	nb, _ := n.Branch(def)
	var want *config.BranchProtection
	if cr != nil {
		for i := range cr.Protection {
			if cr.Protection[i].Branch == def {
				want = &cr.Protection[i]
			}
		}
	}
	type field struct {
		name, before, after, wanted string
	}
	checks := func(b state.BranchProtection) string {
		if !b.Protected || b.StatusChecks == nil {
			return "[]"
		}
		var parts []string
		for _, ch := range b.StatusChecks.Checks {
			parts = append(parts, checkText(ch.Context, ch.AppID))
		}
		sort.Strings(parts)
		return "[" + strings.Join(parts, ", ") + "]"
	}
	reviews := func(b state.BranchProtection) string {
		if !b.Protected || b.Reviews == nil {
			return "0"
		}
		return strconv.Itoa(b.Reviews.Count)
	}
	fields := []field{
		{name: "protected", before: strconv.FormatBool(ob.Protected), after: strconv.FormatBool(nb.Protected)},
		{name: "enforce_admins", before: strconv.FormatBool(ob.Protected && ob.EnforceAdmins), after: strconv.FormatBool(nb.Protected && nb.EnforceAdmins)},
		{name: "required_approving_review_count", before: reviews(ob), after: reviews(nb)},
		{name: "required_status_checks", before: checks(ob), after: checks(nb)},
		{name: "allow_force_pushes", before: strconv.FormatBool(ob.AllowForcePushes), after: strconv.FormatBool(nb.AllowForcePushes)},
		{name: "allow_deletions", before: strconv.FormatBool(ob.AllowDeletions), after: strconv.FormatBool(nb.AllowDeletions)},
	}
	if want != nil {
		fields[0].wanted = "true"
		if want.EnforceAdmins != nil {
			fields[1].wanted = strconv.FormatBool(*want.EnforceAdmins)
		}
		if want.Reviews != nil {
			fields[2].wanted = strconv.Itoa(*want.Reviews)
		}
	}
	for _, f := range fields {
		if f.before == f.after {
			continue
		}
		expl := ""
		if f.wanted != "" && f.wanted == f.after {
			expl = "matches the files"
		}
		c.add(n.Name, WhatProtection, "branch:"+def+" "+f.name, f.before, f.after, expl,
			fmt.Sprintf("branch %s %s %s → %s", def, f.name, f.before, f.after))
	}
}

func checkText(context string, app int64) string {
	if app > 0 {
		return fmt.Sprintf("%s (app %d)", context, app)
	}
	return context
}

func (c *comparer) rulesets(o, n *state.Repo) {
	desc := func(r state.Ruleset) string {
		var parts []string
		for _, ch := range r.RequiredChecks {
			parts = append(parts, checkText(ch.Context, ch.AppID))
		}
		return fmt.Sprintf("%s; checks [%s]; bypass [%s]", r.Enforcement, strings.Join(parts, ", "), BypassText(r.Bypass))
	}
	for _, p := range pairs.Of(o.Rulesets, n.Rulesets, func(r state.Ruleset) string { return strconv.FormatInt(r.ID, 10) }) {
		a, z := p.Old, p.New
		switch {
		case !p.InOld:
			c.add(n.Name, WhatRuleset, "ruleset:"+z.Name, absent, desc(z), "", "ruleset "+z.Name+" added ("+desc(z)+")")
		case !p.InNew:
			c.add(n.Name, WhatRuleset, "ruleset:"+a.Name, desc(a), absent, "", "ruleset "+a.Name+" removed")
		case desc(a) != desc(z):
			c.add(n.Name, WhatRuleset, "ruleset:"+z.Name, desc(a), desc(z), "", "ruleset "+z.Name+" changed")
		}
	}
}

// handMadeFindings reports, per repository (or org), the changes no file explains.
func (b *builder) handMadeFindings(c Comparison) {
	type key struct{ org, repo string }
	groups := map[key][]string{}
	var order []key
	for _, ch := range c.Changes {
		if !ch.HandMade {
			continue
		}
		k := key{ch.Org, ch.Repo}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], ch.Description)
	}
	for _, k := range order {
		lines := groups[k]
		where := k.org
		if k.repo != "" {
			where += "/" + k.repo
		}
		b.fs.add(Medium, RuleHandMadeChange, k.org, k.repo, "",
			"See who made them in the org's audit log; put the ones to keep in the files through a reviewed pull request (permsync apply reverts hand-made grants on managed repositories).",
			"%s changed on GitHub since the snapshot of %s without a file saying so: %s", words.Plural(len(lines), "thing")+" on "+where, c.SnapshotAt.Format("2006-01-02 15:04 MST"), few(lines, "; ", 3, 3, " and %d more"))
	}
}
