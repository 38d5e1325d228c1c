package reconcile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// The scheduled expiry job applies without a reviewer's approval. So that a
// merged date the approved apply never saw (an entry added already
// expired, a date moved forward) cannot remove anyone unapproved, that run
// removes an expired entry only if the files of the last approved apply
// held the same entry with the same expires: date.

// NoticeExpiryUnapproved: an expired entry the expiry run leaves alone.
const NoticeExpiryUnapproved = "expiry_not_approved"

// ApprovedExpiries is the expiring entries of the files an approved apply
// ran on (Input.Approved).
type ApprovedExpiries struct {
	Ref     string // the commit, as the caller names it
	entries map[string]bool
}

// NewApprovedExpiries indexes the expiring entries of cfg, the files of
// the approved apply's commit ref.
func NewApprovedExpiries(ref string, cfg *config.Config) *ApprovedExpiries {
	a := &ApprovedExpiries{Ref: ref, entries: map[string]bool{}}
	if cfg == nil {
		return a
	}
	for _, o := range cfg.Orgs {
		for _, r := range o.Repos {
			for _, g := range r.Grants {
				if g.Expires != "" {
					a.entries[expiryKey(o.Name, r.Name, g)] = true
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

// approves reports whether the approved files held this entry, same date.
func (a *ApprovedExpiries) approves(org, repo string, g config.Grant) bool {
	return a.entries[expiryKey(org, repo, g)]
}

// unapprovedNotice says why an expired entry is not removed by this run.
func (a *ApprovedExpiries) unapprovedNotice(org, repo string, g config.Grant) Notice {
	return Notice{Kind: NoticeExpiryUnapproved, Org: org,
		Message: fmt.Sprintf("not removed by the expiry run: the files of the last approved apply (%s) do not hold this entry with this expires: date; the reviewed apply of permissions-apply.yml removes it", shortRef(a.Ref)),
		Items:   []Item{{Repo: repo, Subject: g.Principal.String(), Source: g.Pos, Detail: "expired on " + g.Expires}}}
}

func shortRef(ref string) string {
	if len(ref) == 40 {
		return ref[:12]
	}
	return ref
}
