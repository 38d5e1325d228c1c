// Package drift keeps one tracking issue in step with the drift a plan
// shows: opened when GitHub differs from the files, updated while it does,
// commented on and closed when it no longer does. The issue is found again
// by its label and by its author being permsync's own identity, so a
// person cannot hijack it by adding the label to another issue.
package drift

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
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
	// Closed lists duplicate tracking issues that were closed.
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

// Body renders the tracking issue's body from a plan.
func Body(p *reconcile.Plan, now time.Time, runURL string) string {
	var b bytes.Buffer
	extras, expiring := 0, 0
	for _, n := range p.Notices {
		switch n.Kind {
		case reconcile.NoticeUnmanaged, reconcile.NoticeNotLowered:
			extras++
		case reconcile.NoticeExpiresSoon:
			expiring++
		}
	}
	footer := fmt.Sprintf("_Checked %s by the nightly `permsync drift`", now.UTC().Format("2006-01-02 15:04 UTC"))
	if runURL != "" {
		footer += fmt.Sprintf(" ([run](%s))", runURL)
	}
	footer += ". Fix the drift by changing GitHub back (run `permsync apply`) or by changing the files in a reviewed pull request; this issue closes itself when they agree._"
	intro := ""
	if extras > 0 {
		intro = fmt.Sprintf("%d grants on GitHub are not in the files (additive mode keeps them): see the notices.\n\n", extras)
	}
	if expiring > 0 {
		intro += fmt.Sprintf("%d grants expire within 14 days (see the notices): the daily expiry job removes each on its date; to keep one, change its expires: in a reviewed pull request.\n\n", expiring)
	}
	_ = planview.Markdown(&b, p, planview.MarkdownOptions{
		Title:    "Rights drift: GitHub differs from the permissions files",
		MaxBytes: planview.CommentLimit - 4096 - len(intro),
		Footer:   footer,
	})
	out := b.String()
	if intro != "" {
		// After the summary line: the marker, the heading, the summary.
		parts := strings.SplitN(out, "\n\n", 3)
		if len(parts) == 3 {
			out = parts[0] + "\n\n" + parts[1] + "\n\n" + intro + parts[2]
		}
	}
	return out
}

// Sync opens, updates or closes the one tracking issue in owner/repo.
func Sync(ctx context.Context, t Tracker, owner, repo string, p *reconcile.Plan, now time.Time, runURL string) (Result, error) {
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

	body := Body(p, now, runURL)
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
