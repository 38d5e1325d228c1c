package planview

import (
	"fmt"
	"io"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// Format is an output format of a plan, as --format names it.
type Format string

const (
	FormatText     Format = "text"
	FormatMarkdown Format = "markdown"
	FormatJSON     Format = "json"
)

// Options are what the formats draw besides the plan; each format takes
// what applies to it.
type Options struct {
	Color  bool   // text, to a terminal
	Footer string // text and markdown: appended after the plan
}

// formats is the one table of plan formats: --format is checked against
// it, and a plan is drawn through it.
var formats = []struct {
	name Format
	draw func(w io.Writer, p *reconcile.Plan, o Options) error
}{
	{FormatText, func(w io.Writer, p *reconcile.Plan, o Options) error {
		if err := Text(w, p, TextOptions{Color: o.Color}); err != nil || o.Footer == "" {
			return err
		}
		_, err := io.WriteString(w, "\n"+o.Footer+"\n")
		return err
	}},
	{FormatMarkdown, func(w io.Writer, p *reconcile.Plan, o Options) error {
		return Markdown(w, p, MarkdownOptions{Footer: o.Footer})
	}},
	{FormatJSON, func(w io.Writer, p *reconcile.Plan, _ Options) error { return JSON(w, p) }},
}

// FormatNames lists the formats for a flag's help: "text, markdown or json".
func FormatNames() string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f.name)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range formats {
		if string(f.name) == s {
			return f.name, nil
		}
	}
	return "", fmt.Errorf("--format must be %s, not %q", FormatNames(), s)
}

// Render draws p in format f.
func Render(w io.Writer, p *reconcile.Plan, f Format, o Options) error {
	for _, ff := range formats {
		if ff.name == f {
			return ff.draw(w, p, o)
		}
	}
	_, err := ParseFormat(string(f))
	return err
}
