// Package render draws an audit report as markdown (a GitHub issue or job
// summary), one self-contained HTML file, versioned JSON, or CSV. Renderers
// only draw: everything they show is computed by package audit.
//
// Every name comes from GitHub or the files and is treated as hostile:
// markdown escapes it (no markup, no @-mentions), HTML goes through
// html/template, and CSV cells that a spreadsheet would run as a formula
// are defused.
package render

import (
	"fmt"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// mdText escapes text for markdown outside code: HTML and the characters
// markdown gives meaning to, so a name cannot inject markup or mentions.
func mdText(s string) string {
	s = oneLine(s)
	s = htmlText(s)
	r := strings.NewReplacer(
		`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
		"|", `\|`, "#", `\#`, "~", `\~`, "@", "@\u200b", "!", `\!`)
	return r.Replace(s)
}

// mdRich is mdText for text we wrote that marks commands and file snippets
// with backticks: backticked parts become code spans (escaped as code), the
// rest is escaped as text. A name holding a backtick can only move where a
// span starts or ends; every part is escaped either way.
func mdRich(s string) string {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		return mdText(s) // unbalanced: treat it all as text
	}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString(code(p))
		} else {
			b.WriteString(mdText(p))
		}
	}
	return b.String()
}

// mdCode makes s safe inside a `code span` (also in a table cell).
func mdCode(s string) string {
	s = strings.ReplaceAll(oneLine(s), "`", "'")
	return strings.ReplaceAll(s, "|", `\|`)
}

// code is s as a code span.
func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + mdCode(s) + "`"
}

func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
}

// letter is a role's one-letter mark in the matrix.
func letter(r role.Role) string {
	switch r {
	case role.Admin:
		return "A"
	case role.Maintain:
		return "M"
	case role.Write:
		return "W"
	case role.Triage:
		return "T"
	case role.Read:
		return "R"
	}
	return ""
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case noun == "person":
		return fmt.Sprintf("%d people", n)
	case strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
