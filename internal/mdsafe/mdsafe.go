// Package mdsafe escapes names and messages before they are put into
// markdown that GitHub renders: pull request comments, the drift issue, job
// summaries and the audit report. Everything escaped here comes from GitHub
// or from files a pull request can change, so it is treated as hostile: it
// must not inject markup, links, images, @-mentions or HTML, close a code
// span or fence, or split a table row.
package mdsafe

import "strings"

// OneLine replaces control characters and Unicode line separators with
// spaces, so a value cannot start a line of its own.
func OneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
}

// HTML escapes the characters HTML gives meaning to.
func HTML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

var textEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"|", `\|`, "#", `\#`, "~", `\~`, "@", "@\u200b", "!", `\!`)

// Text makes s plain text in markdown (also in a table cell): no markup, no
// HTML, no mention (a zero-width space follows every @).
func Text(s string) string { return textEscaper.Replace(HTML(OneLine(s))) }

// Code makes s safe inside a `code span` or on one line of a fenced code
// block: a backtick could close the span or fence, so it becomes '.
func Code(s string) string { return strings.ReplaceAll(OneLine(s), "`", "'") }

// CodeCell is Code for a code span in a table cell: GitHub splits a row at
// every '|' not escaped by a backslash, code spans included, so pipes (and
// the backslashes that could unescape them) are escaped.
func CodeCell(s string) string {
	return strings.NewReplacer(`\`, `\\`, "|", `\|`).Replace(Code(s))
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
