package planview

import (
	"fmt"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

var statusGlyph = map[reconcile.Status]string{
	reconcile.Done:     "✓",
	reconcile.Already:  "=",
	reconcile.Failed:   "✗",
	reconcile.Conflict: "≠",
	reconcile.Skipped:  "…",
}

var statusColor = map[reconcile.Status]string{
	reconcile.Done:     green,
	reconcile.Already:  dim,
	reconcile.Failed:   red,
	reconcile.Conflict: yellow,
	reconcile.Skipped:  yellow,
}

func OutcomeLine(o reconcile.Outcome, color bool) string {
	pt := painter(color)
	s := fmt.Sprintf("%s %-8s %s", statusGlyph[o.Status], o.Status, Describe(o.Change))
	if o.Invited && o.Status == reconcile.Done {
		s += " (invitation sent)"
	}
	if o.Message != "" {
		s += ": " + o.Message
	}
	return pt.paint(statusColor[o.Status], s)
}

func ApplySummary(r *reconcile.Result) string {
	if len(r.Outcomes) == 0 {
		return "Apply: nothing to do."
	}
	parts := []string{}
	for _, s := range []reconcile.Status{reconcile.Done, reconcile.Already, reconcile.Failed, reconcile.Conflict, reconcile.Skipped} {
		if n := r.Count(s); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	line := "Apply: " + strings.Join(parts, ", ") + "."
	if r.Partial() {
		line += " Done in part: run permsync plan, then apply again."
	}
	return line
}
