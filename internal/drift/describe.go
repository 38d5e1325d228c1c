package drift

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/mdsafe"
	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// Event is one thing on GitHub that differs from the files: what was
// changed outside permsync, told as what happened rather than as what
// apply would do about it.
type Event struct {
	Org, Repo string
	What      string
	// When and By are set only where GitHub records them (an invitation's
	// creation and inviter); a grant's author and time are in the org's
	// audit log alone.
	When time.Time
	By   string
}

func (e Event) Where() string { return e.Org + "/" + e.Repo }

// Line is the event with when and by whom, when known.
func (e Event) Line() string {
	s := e.What
	var meta []string
	if e.By != "" {
		meta = append(meta, "by "+e.By)
	}
	if !e.When.IsZero() {
		meta = append(meta, "on "+e.When.UTC().Format("2006-01-02"))
	}
	if len(meta) > 0 {
		s += " (" + strings.Join(meta, ", ") + ")"
	}
	return s
}

// Events lists what changed outside permsync, from a plan and the state it
// was computed from (actual may be nil: then nothing is known of who or
// when). Refused changes are drift too: GitHub differs all the same.
func Events(p *reconcile.Plan, actual map[string]*state.Org) []Event {
	var out []Event
	for _, c := range p.Changes {
		out = append(out, changeEvent(c, invitationOf(actual, c.Org, c.Repo, c.User)))
	}
	for _, n := range p.Notices {
		if n.Kind != reconcile.NoticeUnmanaged && n.Kind != reconcile.NoticeNotLowered {
			continue
		}
		for _, it := range n.Items {
			e := Event{Org: n.Org, Repo: it.Repo, What: n.ItemText(it)}
			if login, ok := strings.CutPrefix(it.Subject, "user:"); ok {
				if inv := invitationOf(actual, n.Org, it.Repo, login); inv != nil && strings.Contains(e.What, "invitation") {
					e.By, e.When = inviter(inv), inv.CreatedAt
				}
			}
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.ToLower(out[i].Where()) < strings.ToLower(out[j].Where())
	})
	return out
}

func changeEvent(c reconcile.Change, inv *state.Invitation) Event {
	e := Event{Org: c.Org, Repo: c.Repo}
	who := func() string {
		if c.Team != "" {
			return "team " + c.Team
		}
		return "user " + c.User
	}
	switch c.Kind {
	case reconcile.UserRemove, reconcile.TeamRemove:
		e.What = fmt.Sprintf("%s was given %s; the file does not list them", who(), c.Before)
	case reconcile.UserAdd, reconcile.TeamAdd:
		e.What = fmt.Sprintf("%s holds nothing; the file gives %s (removed outside permsync, or not applied yet)", who(), c.After)
	case reconcile.UserChange, reconcile.TeamChange:
		verb := "raised"
		if c.Before < c.After {
			verb = "lowered"
		}
		e.What = fmt.Sprintf("%s %s to %s; the file gives %s", who(), verb, c.Before, c.After)
	case reconcile.InvitationCancel:
		e.What = fmt.Sprintf("user %s was invited as %s; the file does not list them", c.User, c.Before)
	case reconcile.InvitationChange:
		e.What = fmt.Sprintf("the invitation of %s was changed to %s; the file gives %s", c.User, c.Before, c.After)
	case reconcile.InvitationResend:
		e.What = fmt.Sprintf("the invitation of %s expired unaccepted; the file gives %s", c.User, c.After)
	case reconcile.ProtectionCreate:
		e.What = fmt.Sprintf("branch %s is not protected; the file protects it", c.Branch)
	case reconcile.ProtectionUpdate:
		var parts []string
		for _, f := range c.ProtectionChanges {
			parts = append(parts, fmt.Sprintf("%s is %s (the file: %s)", f.Field, f.Before, f.After))
		}
		e.What = fmt.Sprintf("protection of %s changed: %s", c.Branch, strings.Join(parts, ", "))
	default:
		e.What = planview.Line(c)
	}
	if inv != nil && (c.Kind == reconcile.InvitationCancel || c.Kind == reconcile.InvitationChange || c.Kind == reconcile.InvitationResend) {
		e.By, e.When = inviter(inv), inv.CreatedAt
	}
	return e
}

func inviter(inv *state.Invitation) string {
	if inv.Inviter == "" {
		return ""
	}
	if inv.InviterBot {
		return inv.Inviter + " (an App)"
	}
	return inv.Inviter
}

func invitationOf(actual map[string]*state.Org, org, repo, login string) *state.Invitation {
	if actual == nil || login == "" {
		return nil
	}
	o := actual[strings.ToLower(org)]
	if o == nil {
		return nil
	}
	r := o.Repo(repo)
	if r == nil {
		return nil
	}
	for i := range r.Invitations {
		if strings.EqualFold(r.Invitations[i].Login, login) {
			return &r.Invitations[i]
		}
	}
	return nil
}

// unknownWhoNote is said once under the events: GitHub's REST API keeps no
// author or time for a grant.
const unknownWhoNote = "GitHub records who made a grant, and when, only in the org's audit log (Settings → Logs → Audit log)."

// WriteText writes drift for a terminal or a log: what changed outside
// permsync first, then what apply would do about it (the plan).
func WriteText(w io.Writer, p *reconcile.Plan, actual map[string]*state.Org, color bool) error {
	events := Events(p, actual)
	if len(events) == 0 {
		fmt.Fprintln(w, "No drift: GitHub matches the permissions files.")
		if len(p.Refusals) == 0 && len(p.Errors) == 0 {
			return nil
		}
		fmt.Fprintln(w)
		return planview.Text(w, p, planview.TextOptions{Color: color})
	}
	fmt.Fprintf(w, "Changed outside permsync (%s in %s):\n", words.Plural(len(events), "difference"), words.Plural(countRepos(events), "repository"))
	last := ""
	for _, e := range events {
		if e.Where() != last {
			fmt.Fprintf(w, "  %s\n", e.Where())
			last = e.Where()
		}
		fmt.Fprintf(w, "    %s\n", e.Line())
	}
	fmt.Fprintf(w, "  %s\n\n", unknownWhoNote)
	fmt.Fprintln(w, "What apply would do:")
	return planview.Text(w, p, planview.TextOptions{Color: color})
}

// markdownEvents is the issue body's first section.
func markdownEvents(b *strings.Builder, events []Event, max int) {
	fmt.Fprintf(b, "## Changed outside permsync\n\n%s in %s:\n\n", words.Plural(len(events), "difference"), words.Plural(countRepos(events), "repository"))
	for i, e := range events {
		if i == max {
			fmt.Fprintf(b, "- …and %d more (the plan below lists every change)\n", len(events)-max)
			break
		}
		fmt.Fprintf(b, "- `%s`: %s\n", mdsafe.Code(e.Where()), mdsafe.Text(e.Line()))
	}
	fmt.Fprintf(b, "\n%s\n\n", unknownWhoNote)
}

func countRepos(events []Event) int {
	seen := map[string]bool{}
	for _, e := range events {
		seen[strings.ToLower(e.Where())] = true
	}
	return len(seen)
}
