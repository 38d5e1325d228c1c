package planview

import (
	"fmt"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/mdsafe"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// maxExpiryLines bounds the markdown list: a pull request comment holds
// 65536 characters at most. The JSON plan holds every one.
const maxExpiryLines = 200

const expiryIntro = "Approving this plan also approves these expires: dates, added or removed since %s (each with its file:line in the commit that holds it). On an entry's date, the daily expiry job removes it without asking again."

func expirySince(p *reconcile.Plan) string {
	if p.ExpiriesSince == "none" {
		return "the start (no approved apply yet)"
	}
	return p.ExpiriesSince
}

// ExpiriesText is the "expires: dates to approve" section of a plan made
// with --expiries-since, or "" when no date changed.
func ExpiriesText(p *reconcile.Plan) string {
	if len(p.ExpiryChanges) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "expires: dates to approve\n"+expiryIntro, expirySince(p))
	for _, c := range p.ExpiryChanges {
		fmt.Fprintf(&b, "\n  %s %s: %s expires %s (%s)", expirySign(c), mdsafe.OneLine(where(c)), mdsafe.OneLine(expiryWho(c)), mdsafe.OneLine(c.Expires), c.Change)
	}
	return b.String()
}

// ExpiriesMarkdown is ExpiriesText for a job summary or a comment.
func ExpiriesMarkdown(p *reconcile.Plan) string {
	if len(p.ExpiryChanges) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n### expires: dates to approve\n\n%s\n\n", mdsafe.Text(fmt.Sprintf(expiryIntro, expirySince(p))))
	for i, c := range p.ExpiryChanges {
		if i == maxExpiryLines {
			fmt.Fprintf(&b, "\nAnd %d more: the JSON plan's expiry_changes lists them all.\n", len(p.ExpiryChanges)-i)
			break
		}
		fmt.Fprintf(&b, "- %s: `%s` `%s` expires `%s`\n", c.Change, mdsafe.Code(where(c)), mdsafe.Code(expiryWho(c)), mdsafe.Code(c.Expires))
	}
	return b.String()
}

func expirySign(c reconcile.ExpiryChange) string {
	if c.Change == reconcile.ExpiryRemoved {
		return "-"
	}
	return "+"
}

func expiryWho(c reconcile.ExpiryChange) string {
	if c.ID != 0 {
		return fmt.Sprintf("%s (id %d)", c.Principal, c.ID)
	}
	return c.Principal
}

func where(c reconcile.ExpiryChange) string {
	return fmt.Sprintf("%s:%d", c.Source.File, c.Source.Line)
}
