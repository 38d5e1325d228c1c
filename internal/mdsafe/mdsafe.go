// Package mdsafe escapes names and messages before they are put into
// markdown that GitHub renders: pull request comments, the drift issue, job
// summaries and the audit report. Everything escaped here comes from GitHub
// or from files a pull request can change, so it is treated as hostile: it
// must not inject markup, links (GitHub also links bare https:// URLs,
// www. names and e-mail addresses), images, math ($…$), @-mentions or HTML,
// close a code span or fence, or split a table row.
package mdsafe

import "strings"

// OneLine replaces control characters (C0 and C1), Unicode line separators
// and bidirectional overrides with spaces, so a value cannot start a line of
// its own, carry a terminal escape, or show its text in another order.
func OneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
			return ' '
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c:
			return ' '
		}
		return r
	}, s)
}

// noAutolink breaks what GitHub turns into a link without any markup: a
// scheme's "://" (https://evil.example) and a "www." name get a zero-width
// space, which no URL holds. E-mail addresses are already broken by the
// zero-width space after every '@'.
func noAutolink(s string) string {
	if !strings.Contains(s, "://") && !strings.Contains(strings.ToLower(s), "www.") {
		return s
	}
	s = strings.ReplaceAll(s, "://", ":\u200b//")
	var b strings.Builder
	lower := strings.ToLower(s)
	for {
		i := strings.Index(lower, "www.")
		if i < 0 {
			break
		}
		b.WriteString(s[:i+3])
		b.WriteString("\u200b")
		s, lower = s[i+3:], lower[i+3:]
	}
	b.WriteString(s)
	return b.String()
}

// HTML escapes the characters HTML gives meaning to.
func HTML(s string) string { return htmlEscaper.Replace(s) }

// The replacers are built once: building one costs more than using it.
var (
	htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	cellEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`)
)

var textEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"|", `\|`, "#", `\#`, "~", `\~`, "@", "@\u200b", "!", `\!`, "$", `\$`)

// Text makes s plain text in markdown (also in a table cell): no markup, no
// HTML, no link, no math, no mention (a zero-width space follows every @).
func Text(s string) string { return noAutolink(textEscaper.Replace(HTML(OneLine(s)))) }

// Code makes s safe inside a `code span` or on one line of a fenced code
// block: a backtick could close the span or fence, so it becomes '.
func Code(s string) string { return strings.ReplaceAll(OneLine(s), "`", "'") }

// CodeCell is Code for a code span in a table cell: GitHub splits a row at
// every '|' not escaped by a backslash, code spans included, so pipes (and
// the backslashes that could unescape them) are escaped.
func CodeCell(s string) string {
	return cellEscaper.Replace(Code(s))
}

// Rich is Text for messages permsync writes itself, which mark commands and
// file snippets with backticks: backticked parts become code spans, the
// rest is escaped as text. A name holding a backtick can only move where a
// span starts or ends; every part is escaped either way. Safe in a table cell.
func Rich(s string) string {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		return Text(s) // unbalanced: all text
	}
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i%2 == 0:
			b.WriteString(Text(p))
		case p != "":
			b.WriteString("`" + CodeCell(p) + "`")
		}
	}
	return b.String()
}
