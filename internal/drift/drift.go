// Package drift keeps one tracking issue in step with the drift a plan
// shows: opened when GitHub differs from the files, updated while it does,
// commented on and closed when it no longer does. The issue is found again
// by its label and by its author being permsync's own identity, so a
// person cannot hijack it by adding the label to another issue.
package drift

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Label marks the tracking issue.
const Label = "permsync-drift"

// Issue is what drift needs to know of an issue.
type Issue struct {
	Number int
	Title  string
	Body   string
	State  string // open or closed
	Author string
	URL    string
}

// Tracker is the issue API drift uses (the GitHub adapter implements it).
type Tracker interface {
	// Viewer is the login permsync acts as: its App's bot, or the token's user.
	Viewer(ctx context.Context) (string, error)
	OpenIssues(ctx context.Context, owner, repo, label string) ([]Issue, error)
	CreateIssue(ctx context.Context, owner, repo, title, body string, labels []string) (Issue, error)
	EditIssue(ctx context.Context, owner, repo string, number int, body, state, stateReason string) error
	Comment(ctx context.Context, owner, repo string, number int, body string) error
	EnsureLabel(ctx context.Context, owner, repo, name, color, description string) error
}

// Action is what Sync did to the tracking issue.
type Action string

const (
	Opened  Action = "opened"
	Updated Action = "updated"
	Closed  Action = "closed"
	None    Action = "none" // no drift, no open issue
)

// Result says what Sync did.
type Result struct {
	Action Action
	Issue  Issue
	// Drift reports whether GitHub differs from the files.
	Drift bool
	// Duplicates lists the duplicate tracking issues closed.
	Duplicates []int
}

// Exists reports whether a plan shows drift: changes to make, (in
// additive mode) grants on GitHub the files do not list, or a grant that
// expires within 14 days, so that the tracking issue announces it alone.
func Exists(p *reconcile.Plan) bool {
	if len(p.Changes) > 0 {
		return true
	}
	for _, n := range p.Notices {
		switch n.Kind {
		case reconcile.NoticeUnmanaged, reconcile.NoticeNotLowered, reconcile.NoticeExpiresSoon:
			return true
		}
	}
	return false
}

// Title is the tracking issue's title for the orgs a plan covers.
func Title(p *reconcile.Plan) string {
	var orgs []string
	for _, o := range p.Orgs {
		orgs = append(orgs, o.Org)
	}
	sort.Strings(orgs)
	return "permsync: repository rights drifted from the files (" + strings.Join(orgs, ", ") + ")"
}

// HowToFix is the tracking issue's "how to fix": true of the workflows
// this repository ships, where a push applies only the repositories whose
// files it changed, so drift in any other one stays until a full
// reconciliation is dispatched by hand.
const HowToFix = "**How to fix.** Either put GitHub back as the files say: a push to the default branch applies only the repositories whose files it changed, so run the full reconciliation by hand — Actions → `permissions-apply` → *Run workflow* with `full` checked, or `gh workflow run permissions-apply.yml -f full=true` (it waits for the `permsync-apply` environment's approval; locally: `permsync apply`). Or keep what was changed: write it into the files in a reviewed pull request. This issue is updated by every nightly run and closes itself when GitHub and the files agree."

// maxEvents bounds the issue's list of differences; the plan after it
// lists every change.
const maxEvents = 60

// Body renders the tracking issue's body: what changed outside permsync
// first, then the plan (what apply would do, refusals included), then how
// to fix it. actual, when not nil, says who sent an invitation and when.
func Body(p *reconcile.Plan, actual map[string]*state.Org, now time.Time, runURL string) string {
	var head strings.Builder
	head.WriteString("Repository rights on GitHub differ from the permissions files.\n\n")
	if events := Events(p, actual); len(events) > 0 {
		markdownEvents(&head, events, maxEvents)
	}
	expiring := 0
	for _, n := range p.Notices {
		if n.Kind == reconcile.NoticeExpiresSoon {
			expiring += len(n.Items)
		}
	}
	if expiring > 0 {
		fmt.Fprintf(&head, "%d grants expire within 14 days (see the notices): the daily expiry job removes each on its date; to keep one, change its expires: in a reviewed pull request.\n\n", expiring)
	}
	footer := fmt.Sprintf("_Checked %s by the nightly `permsync drift`", now.UTC().Format("2006-01-02 15:04 UTC"))
	if runURL != "" {
		footer += fmt.Sprintf(" ([run](%s))", runURL)
	}
	footer += "._"
	var body strings.Builder
	_ = planview.Markdown(&body, p, planview.MarkdownOptions{
		Lead:     head.String(),
		NoMarker: true, // the issue is found by its label and author
		Title:    "What apply would do",
		MaxBytes: planview.CommentLimit - 4096,
		Footer:   HowToFix + "\n\n" + footer,
	})
	return body.String()
}

// Sync opens, updates or closes the one tracking issue in owner/repo.
func Sync(ctx context.Context, t Tracker, owner, repo string, p *reconcile.Plan, actual map[string]*state.Org, now time.Time, runURL string) (Result, error) {
	me, err := t.Viewer(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("who am I on GitHub: %w", err)
	}
	open, err := t.OpenIssues(ctx, owner, repo, Label)
	if err != nil {
		return Result{}, fmt.Errorf("listing %s issues of %s/%s: %w", Label, owner, repo, err)
	}
	var mine []Issue
	for _, is := range open {
		if strings.EqualFold(is.Author, me) {
			mine = append(mine, is)
		}
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].Number < mine[j].Number })

	res := Result{Drift: Exists(p), Action: None}
	if len(mine) > 1 {
		// Keep the oldest; a second one can only come from a race.
		for _, dup := range mine[1:] {
			if err := t.Comment(ctx, owner, repo, dup.Number, fmt.Sprintf("Duplicate of #%d, which tracks the drift.", mine[0].Number)); err != nil {
				return res, err
			}
			if err := t.EditIssue(ctx, owner, repo, dup.Number, "", "closed", "not_planned"); err != nil {
				return res, err
			}
			res.Duplicates = append(res.Duplicates, dup.Number)
		}
		mine = mine[:1]
	}

	if !res.Drift {
		if len(mine) == 0 {
			return res, nil
		}
		is := mine[0]
		msg := fmt.Sprintf("No drift any more: GitHub matches the permissions files (checked %s). Closing.", now.UTC().Format("2006-01-02 15:04 UTC"))
		if err := t.Comment(ctx, owner, repo, is.Number, msg); err != nil {
			return res, err
		}
		if err := t.EditIssue(ctx, owner, repo, is.Number, "", "closed", "completed"); err != nil {
			return res, err
		}
		res.Action, res.Issue = Closed, is
		return res, nil
	}

	body := Body(p, actual, now, runURL)
	if len(mine) == 1 {
		is := mine[0]
		if err := t.EditIssue(ctx, owner, repo, is.Number, body, "", ""); err != nil {
			return res, err
		}
		res.Action, res.Issue = Updated, is
		return res, nil
	}
	if err := t.EnsureLabel(ctx, owner, repo, Label, "d93f0b", "Repository rights differ from the permissions files (managed by permsync)"); err != nil {
		return res, err
	}
	is, err := t.CreateIssue(ctx, owner, repo, Title(p), body, []string{Label})
	if err != nil {
		return res, err
	}
	res.Action, res.Issue = Opened, is
	return res, nil
}
