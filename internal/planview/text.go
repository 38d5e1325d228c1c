// Package planview draws plans and apply results: text for terminals and
// logs, markdown for pull request comments and job summaries, JSON for
// tools. It only draws; plans are computed in package reconcile.
package planview

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// ANSI colours, used only when writing to a terminal.
const (
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	red    = "\x1b[31m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	reset  = "\x1b[0m"
)

type painter bool

func (p painter) paint(color, s string) string {
	if !p {
		return s
	}
	return color + s + reset
}

func actionColor(a reconcile.Action) string {
	switch a {
	case reconcile.Add:
		return green
	case reconcile.Remove:
		return red
	case reconcile.Refuse:
		return red + bold
	}
	return yellow
}

// Glyph is the change's diff glyph: ! when refused.
func Glyph(c reconcile.Change) reconcile.Action {
	if c.Refused {
		return reconcile.Refuse
	}
	return c.Kind.Action()
}

func SummaryLine(p *reconcile.Plan) string {
	s := p.Summary()
	if len(p.Changes) == 0 && s.Refused == 0 && s.Errors == 0 {
		return fmt.Sprintf("No changes: GitHub matches the files (%s checked).", words.Plural(len(p.Repos), "repository"))
	}
	line := fmt.Sprintf("Plan: %d to add, %d to change, %d to remove", s.Add, s.Change, s.Remove)
	if s.Refused > 0 {
		line += ", " + words.Plural(s.Refused, "refusal")
		if s.RefusedChanges > s.Refused {
			line += fmt.Sprintf(" of %s", words.Plural(s.RefusedChanges, "change"))
		}
		line += " (apply will change nothing)"
	}
	if s.Errors > 0 {
		line += fmt.Sprintf(", %s", words.Plural(s.Errors, "error"))
	}
	return line + "."
}

type TextOptions struct {
	Color bool
}

// Text draws a plan as a diff for a terminal or a log.
func Text(w io.Writer, p *reconcile.Plan, opts TextOptions) error {
	pt := painter(opts.Color)
	// One write per line to a terminal or a pipe would be a system call
	// each: 50,000 changes are 50,000 lines.
	bw := bufio.NewWriterSize(w, 64<<10)
	ew := &errWriter{w: bw}
	perOrg := map[string]int{}
	for _, r := range p.Repos {
		if org, _, ok := strings.Cut(r, "/"); ok {
			perOrg[strings.ToLower(org)]++
		}
	}
	for _, o := range p.Orgs {
		ew.printf("%s (%s mode): %s planned\n", pt.paint(bold, o.Org), o.Mode, words.Plural(perOrg[strings.ToLower(o.Org)], "repository"))
	}
	for _, g := range groupByRepo(p.Changes) {
		ew.printf("\n%s\n", pt.paint(bold, g.repo))
		for _, c := range g.changes {
			glyph := Glyph(*c)
			ew.printf("  %s %s  %s\n", pt.paint(actionColor(glyph), string(glyph)), pt.paint(actionColor(glyph), Line(*c)), pt.paint(dim, c.Source.String()))
		}
	}
	if len(p.Refusals) > 0 {
		ew.printf("\n%s\n", pt.paint(red+bold, "Refused (apply will change nothing until these are fixed):"))
		for _, r := range p.Refusals {
			ew.printf("  %s %s: %s\n", pt.paint(red+bold, "!"), r.Rule, r.Message)
			if r.RulePos.File != "" {
				ew.printf("      %s\n", pt.paint(dim, "rule set at "+r.RulePos.String()))
			}
			ew.items(pt, r.Org, refusalPlaces(p, r))
		}
	}
	if len(p.EffectiveAccess) > 0 {
		ew.printf("\nEffective access (write and above):\n")
		for _, e := range p.EffectiveAccess {
			ew.printf("  %s on %s/%s: %s → %s  %s\n", e.Login, e.Org, e.Repo, e.Before, e.After, pt.paint(dim, effectVia(e)))
		}
	}
	if len(p.Errors) > 0 {
		ew.printf("\n%s\n", pt.paint(red+bold, "Errors (nothing is planned for these repositories):"))
		for _, e := range p.Errors {
			ew.printf("  %s\n", e.String())
		}
	}
	if len(p.Notices) > 0 {
		ew.printf("\nNotices:\n")
		for _, n := range p.Notices {
			if single(n) {
				ew.printf("  %s\n", noticeLine(n.Items[0].Source, n.Message))
				continue
			}
			head := n.Message
			if n.Severity != "" {
				head = fmt.Sprintf("[%s] %s", n.Severity, head)
			}
			if n.RulePos != nil && n.RulePos.File != "" {
				head += " (rule set at " + n.RulePos.String() + ")"
			}
			ew.printf("  %s\n", head)
			ew.items(pt, n.Org, n.Items)
		}
	}
	ew.printf("\n%s\n", pt.paint(bold, SummaryLine(p)))
	if ew.err != nil {
		return ew.err
	}
	return bw.Flush()
}

// items draws a refusal's or notice's first items, then counts the rest.
func (ew *errWriter) items(pt painter, org string, items []reconcile.Item) {
	for i, it := range items {
		if i == ShownItems {
			ew.printf("      %s\n", moreText(items))
			return
		}
		ew.printf("      %s  %s\n", itemText(org, it), pt.paint(dim, it.Source.String()))
	}
}

func noticeLine(src config.Pos, message string) string {
	if p := src.String(); p != "" {
		return p + ": " + message
	}
	return message
}

// effectVia says through which source an effective role is held now.
func effectVia(e reconcile.Effect) string {
	if len(e.SourcesAfter) == 0 {
		return "(was: " + strings.Join(e.SourcesBefore, ", ") + ")"
	}
	return "(through: " + strings.Join(e.SourcesAfter, ", ") + ")"
}

type repoGroup struct {
	repo    string
	changes []*reconcile.Change // into the plan's: a change is large to copy
}

// groupByRepo groups changes by repository, in the plan's order within
// one, repositories sorted by name regardless of case.
func groupByRepo(cs []reconcile.Change) []repoGroup {
	var out []repoGroup
	var keys []string // lower-cased repo of out[i], computed once for the sort
	index := map[string]int{}
	for ci := range cs {
		c := &cs[ci]
		k := c.Org + "/" + c.Repo
		if c.Repo == "" {
			k = c.Org + " (org)" // an org-level change: the floor ruleset
		}
		lk := strings.ToLower(k)
		i, ok := index[lk]
		if !ok {
			i = len(out)
			index[lk] = i
			out = append(out, repoGroup{repo: k})
			keys = append(keys, lk)
		}
		out[i].changes = append(out[i].changes, c)
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return keys[order[i]] < keys[order[j]] })
	sorted := make([]repoGroup, len(out))
	for i, o := range order {
		sorted[i] = out[o]
	}
	return sorted
}

// errWriter keeps the first write error, so drawing code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
