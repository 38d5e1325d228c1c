package reconcile

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// The scheduled expiry job applies without a reviewer's approval. So that a
// merged date the approved apply never saw (an entry added already
// expired, a date moved forward) cannot remove anyone unapproved, that run
// removes an expired entry only if the files of the last approved apply
// held the same entry with the same expires: date.

// Notice kinds of this file.
const (
	NoticeExpiryUnapproved = "expiry_not_approved" // an expired entry the expiry run leaves alone
	NoticeExpiredOnArrival = "expired_on_arrival"  // a pull request adds or changes an entry already expired
)

// Expiries is the expiring entries of the files of one commit: the last
// approved apply's (Input.Approved) or a pull request's base
// (Input.BaseExpiries).
type Expiries struct {
	Ref     string // the commit, as the caller names it
	entries map[string]ExpiryChange
}

// NewExpiries indexes the expiring entries of cfg, the files of commit ref.
func NewExpiries(ref string, cfg *config.Config) *Expiries {
	a := &Expiries{Ref: ref, entries: map[string]ExpiryChange{}}
	if cfg == nil {
		return a
	}
	for _, o := range cfg.Orgs {
		for _, r := range o.Repos {
			for _, g := range r.Grants {
				if g.Expires != "" {
					a.entries[expiryKey(o.Name, r.Name, g)] = ExpiryChange{Org: o.Name, Repo: r.Name,
						Principal: g.Principal.String(), ID: g.ID, Expires: g.Expires, Source: config.Pos{File: g.Pos.File, Line: g.Pos.Line}}
				}
			}
		}
	}
	return a
}

// expiryKey names an entry by its repository, its principal (the account
// id where pinned: a renamed login is the same entry) and its date.
func expiryKey(org, repo string, g config.Grant) string {
	who := g.Key()
	if g.Kind == config.User && g.ID != 0 {
		who = "user#" + strconv.FormatInt(g.ID, 10)
	}
	return strings.ToLower(org+"/"+repo) + "|" + who + "|" + g.Expires
}

// holds reports whether the files held this entry, with the same date.
func (a *Expiries) holds(org, repo string, g config.Grant) bool {
	_, ok := a.entries[expiryKey(org, repo, g)]
	return ok
}

// ExpiryChange is an expiring entry the files hold that an earlier
// commit's did not (Change "added"), or the reverse ("removed"): compared
// by meaning (repository, principal or pinned account id, date), not by
// line, so that no spelling YAML allows (an escaped key or date, a quoted
// value continued over lines, a login swapped under an unchanged date line)
// hides a date from the approver. Source is where the entry is, in the
// commit that holds it.
type ExpiryChange struct {
	Change    string     `json:"change"` // ExpiryAdded or ExpiryRemoved
	Org       string     `json:"org"`
	Repo      string     `json:"repo"`
	Principal string     `json:"principal"`    // "user:alice", "team:core"
	ID        int64      `json:"id,omitempty"` // a pinned user's account id
	Expires   string     `json:"expires"`      // YYYY-MM-DD
	Source    config.Pos `json:"source"`       // file and line (no column)
}

// ExpiryChange.Change values.
const (
	ExpiryAdded   = "added"
	ExpiryRemoved = "removed"
)

// Diff lists the expiring entries a holds and since does not (added), and
// those since holds and a does not (removed), in the order of their
// repository, date, principal, removed before added. A nil since holds
// nothing: every entry of a is added.
func (a *Expiries) Diff(since *Expiries) []ExpiryChange {
	var out []ExpiryChange
	for k, e := range a.entries {
		if since == nil || !since.has(k) {
			e.Change = ExpiryAdded
			out = append(out, e)
		}
	}
	if since != nil {
		for k, e := range since.entries {
			if !a.has(k) {
				e.Change = ExpiryRemoved
				out = append(out, e)
			}
		}
	}
	slices.SortFunc(out, func(x, y ExpiryChange) int {
		return cmp.Or(cmp.Compare(strings.ToLower(x.Org+"/"+x.Repo), strings.ToLower(y.Org+"/"+y.Repo)),
			cmp.Compare(x.Expires, y.Expires), cmp.Compare(x.Principal, y.Principal), cmp.Compare(x.ID, y.ID),
			-cmp.Compare(x.Change, y.Change), cmp.Compare(x.Source.File, y.Source.File), cmp.Compare(x.Source.Line, y.Source.Line))
	})
	return out
}

func (a *Expiries) has(key string) bool {
	if a == nil {
		return false
	}
	_, ok := a.entries[key]
	return ok
}

// unapprovedNotice says why an expired entry is not removed by this run.
func (a *Expiries) unapprovedNotice(org, repo string, g config.Grant) Notice {
	return Notice{Kind: NoticeExpiryUnapproved, Org: org,
		Message: fmt.Sprintf("not removed by the expiry run: the files of the last approved apply (%s) do not hold this entry with this expires: date; the reviewed apply of permissions-apply.yml removes it", shortRef(a.Ref)),
		Items:   []Item{{Repo: repo, Subject: g.Principal.String(), Source: g.Pos, Detail: "expired on " + g.Expires}}}
}

// arrivalNotice: a pull request adds an entry, or changes its date, to a
// date already past. SPEC: the entry counts as absent, so the plan removes
// the grant, through the merge's reviewed apply (the expiry job does not,
// see Input.Approved); an entry that never grants is noise in the file.
func arrivalNotice(org, repo string, g config.Grant) Notice {
	return Notice{Kind: NoticeExpiredOnArrival, Org: org,
		Message: "this pull request adds or changes an entry whose expires: date has already passed: it grants nothing, and the merge's reviewed apply removes the grant; remove the entry instead",
		Items:   []Item{{Repo: repo, Subject: g.Principal.String(), Source: g.Pos, Detail: "expires " + g.Expires}}}
}

func shortRef(ref string) string {
	if len(ref) == 40 {
		return ref[:12]
	}
	return ref
}
