package render

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// CSVHeader is the CSV form's header row (docs/audit-json.md, "CSV").
var CSVHeader = []string{"org", "repository", "principal", "role", "source", "outside_collaborator", "pending",
	"effective_role", "via", "declared", "archived", "managed"}

// CSV writes one row per repository × principal × role × source: each
// person's every source (user:<login>), each team's own grant
// (team:<slug>, source "grant"), and the org base role once per repository
// (org:<org>, source "base": every member holds it). Cells a spreadsheet
// would read as a formula get a leading apostrophe.
func CSV(w io.Writer, r *audit.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	b := strconv.FormatBool
	for _, o := range r.Orgs {
		for _, rep := range o.Repos {
			row := func(principal string, rl role.Role, source string, outside, pending bool, effective role.Role, via, declared string) error {
				return cw.Write(defuse([]string{o.Name, rep.Name, principal, rl.String(), source, b(outside), b(pending),
					effective.String(), via, declared, b(rep.Archived), b(rep.Managed)}))
			}
			for _, a := range rep.Access {
				for _, s := range a.Sources {
					source := s.Kind
					if s.Kind == audit.SourceTeam {
						source = "team:" + s.Team
					}
					if err := row("user:"+a.Login, s.Role, source, a.Outside, s.Kind == audit.SourceInvitation, a.Role, strings.Join(s.Via, ">"), s.Declared); err != nil {
						return err
					}
				}
			}
			for _, t := range rep.Teams {
				if err := row("team:"+t.Slug, t.Role, "grant", false, false, t.Role, "", t.Declared); err != nil {
					return err
				}
			}
			if rep.BaseRole != role.None && rep.ReadError == "" {
				if err := row("org:"+o.Name, rep.BaseRole, "base", false, false, rep.BaseRole, "", ""); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuse keeps spreadsheets from running a cell as a formula (CSV
// injection): a cell starting with = + - @ (or a tab or carriage return)
// gets a leading apostrophe.
func defuse(cells []string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

// FindingsCSVHeader is the header row of the findings CSV
// (docs/audit-json.md, "CSV").
var FindingsCSVHeader = []string{"severity", "rule", "org", "repository", "subject", "message", "fix", "source"}

// FindingsCSV writes one row per finding and repository it affects: a
// finding grouped by cause (one org rule across many repositories) is one
// row per repository here, so that a spreadsheet can filter by repository.
// A finding about the org as a whole has one row with no repository.
func FindingsCSV(w io.Writer, r *audit.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(FindingsCSVHeader); err != nil {
		return err
	}
	for _, f := range r.Findings {
		repos := f.Repos
		if len(repos) == 0 {
			repos = []string{f.Repo}
		}
		for _, repo := range repos {
			if err := cw.Write(defuse([]string{f.Severity.String(), string(f.Rule), f.Org, repo, f.Subject, f.Message, f.Fix, f.Source})); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
