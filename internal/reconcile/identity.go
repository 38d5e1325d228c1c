package reconcile

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Identity and time (SPEC.md "Identity and time"). Before diffing, the
// files' grants are resolved to what they ask at in.Now: a grant past its
// expiry date is absent; a pinned user entry names an account, so it is
// addressed by the account's current login, and a login now held by
// another account is never granted.

// Rule and notice kinds of this file.
const (
	RulePinnedAccount Rule = "pinned_account" // a pinned login now belongs to another account

	NoticeExpiresSoon = "expires_soon"    // an entry's expiry date is within ExpiryHorizon
	NoticeRenamed     = "account_renamed" // a pinned account's login changed: update the file
	NoticeNotExpiry   = "not_an_expiry"   // a pending change an expiries-only run leaves alone
)

// ExpiryHorizon is how long before its date an expiry is announced.
const ExpiryHorizon = config.ExpiryHorizon

// Accounts is what GitHub answered about pinned entries that the state read
// does not show (see NeedsIdentity).
type Accounts struct {
	// ByLogin: lower-case login → the id of the account holding it; 0
	// when no account has that login.
	ByLogin map[string]int64
	// ByID: account id → its login now; "" when the account is gone.
	ByID map[int64]string
}

// Pin is a pinned entry whose account GitHub must be asked about.
type Pin struct {
	Login string
	ID    int64
	// LoginKnown and LoginID: the state read already says who holds Login.
	LoginKnown bool
	LoginID    int64
}

// accountIndex joins what the state read shows (direct grants and
// invitations carry account ids) with what was looked up.
type accountIndex struct {
	byLogin map[string]int64
	byID    map[int64]string
}

func newAccountIndex(in Input) accountIndex {
	ix := accountIndex{byLogin: map[string]int64{}, byID: map[int64]string{}}
	orgs := make([]string, 0, len(in.Actual))
	for k := range in.Actual {
		orgs = append(orgs, k)
	}
	sort.Strings(orgs)
	for _, k := range orgs {
		for _, r := range in.Actual[k].Repos {
			for _, u := range r.Users {
				ix.note(u.Login, u.ID)
			}
			for _, inv := range r.Invitations {
				ix.note(inv.Login, inv.UserID)
			}
		}
	}
	if in.Accounts != nil {
		for l, id := range in.Accounts.ByLogin {
			ix.byLogin[strings.ToLower(l)] = id
		}
		for id, l := range in.Accounts.ByID {
			ix.byID[id] = l
		}
	}
	return ix
}

func (ix accountIndex) note(login string, id int64) {
	if id > 0 && login != "" {
		ix.byLogin[strings.ToLower(login)] = id
		ix.byID[id] = login
	}
}

func (ix accountIndex) holder(login string) (int64, bool) {
	id, ok := ix.byLogin[strings.ToLower(login)]
	return id, ok
}

// NeedsIdentity lists the pinned entries (not expired at now) whose login is
// not shown by the state read as held by the pinned account: GitHub must be
// asked who holds the login (GET /users/{login}) and, when that is not the
// pinned account, where the account is now (GET /user/{id}).
func NeedsIdentity(targets []Target, actual map[string]*state.Org, now time.Time) []Pin {
	ix := newAccountIndex(Input{Actual: actual})
	seen := map[string]bool{}
	var out []Pin
	for _, t := range targets {
		for _, r := range t.Repos {
			for _, g := range r.Users() {
				if g.ID == 0 || g.ExpiredAt(now) {
					continue
				}
				key := fmt.Sprintf("%s|%d", strings.ToLower(g.Name), g.ID)
				holder, known := ix.holder(g.Name)
				if seen[key] || (known && holder == g.ID) {
					continue
				}
				if _, idKnown := ix.byID[g.ID]; idKnown && known {
					continue
				}
				seen[key] = true
				out = append(out, Pin{Login: g.Name, ID: g.ID, LoginKnown: known, LoginID: holder})
			}
		}
	}
	return out
}

// asksIdentityOrTime: a grant carries an expiry or a pinned account, which
// resolve must apply.
func asksIdentityOrTime(grants []config.Grant) bool {
	for _, g := range grants {
		if g.Expires != "" || (g.Kind == config.User && g.ID != 0) {
			return true
		}
	}
	return false
}

// resolved is what a repository's files ask once identity and time are
// applied: the grants to plan for, and what was set aside and why.
type resolved struct {
	expired map[string]config.Grant // by principal key (current login)
	// unapproved: expired entries an expiry run may not remove (see
	// Input.Approved), by principal key.
	unapproved map[string]bool
	errors     []RepoError
	notices    []Notice
	refusals   []Refusal
}

// resolve rewrites in.Targets as of in.Now: expired grants dropped, pinned
// users addressed by their account's current login, a login held by another
// account dropped (and refused). The returned map is keyed by org/repo.
func resolve(in Input) (Input, map[string]*resolved) {
	ix := newAccountIndex(in)
	out := map[string]*resolved{}
	targets := make([]Target, len(in.Targets))
	for ti, t := range in.Targets {
		nt := Target{Org: t.Org}
		for _, r := range t.Repos {
			res := &resolved{}
			out[strings.ToLower(t.Org.Name+"/"+r.Name)] = res
			if !asksIdentityOrTime(r.Grants) {
				// Most files: no expiry, no pinned account; the grants
				// stand as written, and are not copied.
				nt.Repos = append(nt.Repos, r)
				continue
			}
			res.expired, res.unapproved = map[string]config.Grant{}, map[string]bool{}
			nr := *r
			nr.Grants = make([]config.Grant, 0, len(r.Grants))
			for _, g := range r.Grants {
				if g.ExpiredAt(in.Now) {
					if in.BaseExpiries != nil && !in.BaseExpiries.holds(t.Org.Name, r.Name, g) {
						res.notices = append(res.notices, arrivalNotice(t.Org.Name, r.Name, g))
					}
					if in.Approved != nil && !in.Approved.holds(t.Org.Name, r.Name, g) {
						res.notices = append(res.notices, in.Approved.unapprovedNotice(t.Org.Name, r.Name, g))
						if g, ok := expiredAccount(ix, g); ok {
							res.unapproved[g.Key()] = true
						}
						continue
					}
					if g, ok := expiredAccount(ix, g); ok {
						res.expired[g.Key()] = g
					}
					continue
				}
				if at, ok := g.ExpiresAt(); ok && at.Sub(in.Now) <= ExpiryHorizon {
					res.notices = append(res.notices, Notice{Kind: NoticeExpiresSoon, Org: t.Org.Name,
						Message: fmt.Sprintf("%s %s's %s grant expires on %s%s", g.Kind, g.Name, g.Role, g.Expires, because(g.Reason)),
						Items:   []Item{{Repo: r.Name, Subject: g.Principal.String(), Source: g.Pos}}})
				}
				if g.Kind == config.User && g.ID != 0 {
					var keep bool
					if g, keep = res.pinned(ix, t.Org.Name, r, g); !keep {
						continue
					}
				}
				nr.Grants = append(nr.Grants, g)
			}
			// An expired entry and a live one for the same principal (a
			// rename written beside the old entry): the live one wins. Two
			// live entries for one account (a renamed login and its new
			// name) cannot both be planned.
			seen := make(map[string]int, len(nr.Grants)) // key → line
			for _, g := range nr.Grants {
				key := g.Key()
				delete(res.expired, key)
				delete(res.unapproved, key)
				if line, dup := seen[key]; dup {
					res.errors = append(res.errors, RepoError{Org: t.Org.Name, Repo: r.Name, Source: g.Pos,
						Message: fmt.Sprintf("%s is listed twice once renames are followed (also at line %d): keep one entry", g.Principal, line)})
				}
				seen[key] = g.Pos.Line
			}
			nt.Repos = append(nt.Repos, &nr)
		}
		targets[ti] = nt
	}
	in.Targets = targets
	return in, out
}

// expiredAccount addresses an expired entry: a pinned one by its account,
// under the login GitHub shows for it now (a renamed account must not keep
// a grant that has expired). ok is false when the login now belongs to
// another account: nothing of the pinned account is there to remove.
func expiredAccount(ix accountIndex, g config.Grant) (config.Grant, bool) {
	if g.Kind != config.User || g.ID == 0 {
		return g, true
	}
	if now, ok := ix.byID[g.ID]; ok && now != "" {
		g.Name = now
		return g, true
	}
	if holder, known := ix.holder(g.Name); known && holder != g.ID {
		return g, false
	}
	return g, true
}

// pinned resolves one pinned user entry; keep is false when the entry must
// not be planned (refused or in error).
func (res *resolved) pinned(ix accountIndex, org string, r *config.Repo, g config.Grant) (config.Grant, bool) {
	holder, loginKnown := ix.holder(g.Name)
	now, idKnown := ix.byID[g.ID]
	entry := fmt.Sprintf("{login: %s, id: %d}", g.Name, g.ID)
	switch {
	case loginKnown && holder == g.ID:
		return g, true
	case loginKnown && holder != 0:
		msg := fmt.Sprintf("login %s now belongs to account %d, not %d: renamed and re-registered? The login is not granted", g.Name, holder, g.ID)
		keep := false
		if idKnown && now != "" {
			// The grant follows the account, under its new login.
			msg += fmt.Sprintf("; account %d is now %s: write the entry as {login: %s, id: %d}", g.ID, now, now, g.ID)
			keep = true
		} else if idKnown {
			msg += fmt.Sprintf("; account %d no longer exists: remove the entry", g.ID)
		}
		res.refusals = append(res.refusals, Refusal{Rule: RulePinnedAccount, Org: org, Message: msg,
			Items: []RefusedItem{{Item: Item{Repo: r.Name, Subject: "user:" + g.Name, Source: g.Pos}, Change: -1}}})
		g.Name = now
		return g, keep
	case idKnown && now != "":
		res.notices = append(res.notices, Notice{Kind: NoticeRenamed, Org: org, Items: []Item{{Repo: r.Name, Subject: "user:" + now, Source: g.Pos}},
			Message: fmt.Sprintf("account %d was renamed from %s to %s: its access follows the account; write the entry as {login: %s, id: %d}", g.ID, g.Name, now, now, g.ID)})
		g.Name = now
		return g, true
	case idKnown || (loginKnown && holder == 0):
		res.errors = append(res.errors, RepoError{Org: org, Repo: r.Name, Source: g.Pos,
			Message: fmt.Sprintf("user %s (account %d) no longer exists on GitHub; remove %s", g.Name, g.ID, entry)})
		return g, false
	}
	res.errors = append(res.errors, RepoError{Org: org, Repo: r.Name, Source: g.Pos,
		Message: fmt.Sprintf("the account of %s could not be checked against GitHub; nothing is planned for %s", entry, r.Name)})
	return g, false
}

func because(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}

// expiredReason is a removal's reason when its entry has expired.
func expiredReason(g config.Grant) string { return "expired on " + g.Expires }

// expiriesOnly keeps a plan's expiry removals and turns every other change
// into a notice: the scheduled expiry run must not apply a change pending
// from a merge (that waits for its own reviewed apply).
func expiriesOnly(p *Plan, in Input) {
	kept := p.Changes[:0:0]
	for _, c := range p.Changes {
		if c.Expiry != "" {
			kept = append(kept, c)
			continue
		}
		if res := in.res[strings.ToLower(c.Org+"/"+c.Repo)]; res != nil && res.unapproved[strings.ToLower(c.Principal())] {
			continue // its own notice says why (NoticeExpiryUnapproved)
		}
		p.Notices = append(p.Notices, Notice{Kind: NoticeNotExpiry, Org: c.Org,
			Message: "not applied by an expiries-only run (not an expiry)",
			Items:   []Item{{Repo: c.Repo, Subject: c.Principal(), Source: c.Source, Planned: &c}}})
	}
	p.Changes = kept
}
