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
	"github.com/AcademySoftwareFoundation/permsync/internal/mdsafe"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// code is s as a code span, safe in a table cell.
func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + mdsafe.CodeCell(s) + "`"
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
