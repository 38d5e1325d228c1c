package planview

import (
	"fmt"
	"io"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/mdsafe"
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

// OutcomeLine is one apply outcome on one line.
func OutcomeLine(o reconcile.Outcome, color bool) string {
	pt := painter(color)
	s := fmt.Sprintf("%s %-8s %s", statusGlyph[o.Status], o.Status, o.Change.Describe())
	if o.Invited && o.Status == reconcile.Done {
		s += " (invitation sent)"
	}
	if o.Message != "" {
		s += ": " + o.Message
	}
	return pt.paint(statusColor[o.Status], s)
}

// ApplySummary is the one-line summary of an apply.
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

// ApplyText draws an apply's outcomes and summary.
func ApplyText(w io.Writer, r *reconcile.Result, color bool) error {
	ew := &errWriter{w: w}
	for _, o := range r.Outcomes {
		ew.write(OutcomeLine(o, color) + "\n")
	}
	ew.write(ApplySummary(r) + "\n")
	return ew.err
}

// ApplyMarkdown draws an apply's outcomes for a pull request comment.
func ApplyMarkdown(w io.Writer, r *reconcile.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## permsync apply\n\n**%s**\n\n", mdsafe.Text(ApplySummary(r)))
	if len(r.Outcomes) > 0 {
		b.WriteString("| | Change | Result |\n|---|---|---|\n")
		for i, o := range r.Outcomes {
			if i >= 500 {
				fmt.Fprintf(&b, "| | …and %d more | |\n", len(r.Outcomes)-i)
				break
			}
			fmt.Fprintf(&b, "| %s | %s | %s %s |\n", statusGlyph[o.Status], mdsafe.Text(o.Change.Describe()), o.Status, mdsafe.Text(o.Message))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
