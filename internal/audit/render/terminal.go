package render

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// TextOptions control the terminal rendering.
type TextOptions struct {
	// Width wraps prose at this many columns (default 100).
	Width int
}

// Text draws the report for a terminal: the summary, the findings ranked
// (a finding about many repositories names the first few and a count), who
// administers each repository (an admin no file declares marked), the
// repositories without the CLA check and the rights changes with their
// authors and approvers. Plain text: every name from GitHub or the files
// is stripped of control characters, so none can drive the terminal.
func Text(w io.Writer, r *audit.Report, opts TextOptions) error {
	if opts.Width <= 0 {
		opts.Width = 100
	}
	t := &txt{width: opts.Width}
	var orgs []string
	for _, o := range r.Orgs {
		orgs = append(orgs, o.Name+" ("+string(o.Mode)+")")
	}
	t.line("permsync audit of %s, %s", strings.Join(orgs, ", "), stamp(r.GeneratedAt))
	t.summary(r)
	t.findings(r)
	t.admins(r)
	t.nonHuman(r)
	t.noCLA(r)
	t.history(r)
	if len(r.Notes) > 0 {
		t.head("Notes")
		for _, n := range r.Notes {
			t.wrap("  - ", "    ", n)
		}
	}
	t.line("")
	t.line("The HTML report (--format html) has everything: the role matrix, every person, every repository in detail.")
	_, err := io.WriteString(w, t.String())
	return err
}

type txt struct {
	strings.Builder
	width int
}

// clean drops control characters (terminal escapes) from text that came
// from GitHub or the files.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return '?'
		}
		return r
	}, s)
}

// counted heads a section "title (n)" and reports whether it has anything:
// with nothing, it says none.
func (t *txt) counted(title string, n int, none string) bool {
	t.head(fmt.Sprintf("%s (%d)", title, n))
	if n == 0 {
		t.line("  %s", none)
	}
	return n > 0
}

func (t *txt) line(format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = clean(s)
		}
	}
	fmt.Fprintf(t, format+"\n", args...)
}

func (t *txt) head(title string) {
	t.line("")
	t.line("%s", title)
	t.line("%s", strings.Repeat("=", len([]rune(title))))
}

// wrap writes s after first, continuing lines after rest, at t.width.
func (t *txt) wrap(first, rest, s string) {
	words := strings.Fields(clean(s))
	cur := first
	n := 0
	for _, w := range words {
		if n > 0 && len([]rune(cur))+1+len([]rune(w)) > t.width {
			t.WriteString(strings.TrimRight(cur, " ") + "\n")
			cur, n = rest, 0
		}
		if n > 0 {
			cur += " "
		}
		cur += w
		n++
	}
	t.WriteString(strings.TrimRight(cur, " ") + "\n")
}

func (t *txt) summary(r *audit.Report) {
	s := r.Summary
	t.head("Summary")
	row := func(k, v string) { t.wrap(fmt.Sprintf("  %-24s ", k), strings.Repeat(" ", 27), v) }
	row("Findings", FindingCounts(r))
	row("Repositories", fmt.Sprintf("%d: %d managed, %d unmanaged, %d archived", s.Repositories, s.Managed, s.Unmanaged, s.Archived))
	row("People", fmt.Sprintf("%d, of whom %d outside collaborators with access", s.People, s.OutsideCollaborators))
	row("Without the CLA check", words.Plural(len(r.NoCLA), "repository"))
	row("Drift", fmt.Sprintf("%s pending in %s; %s", words.Plural(s.DriftChanges, "change"), words.Plural(s.DriftRepositories, "repository"), words.Plural(s.Refusals, "refusal")))
	if h := r.History; h != nil && h.Available {
		row("Changes since "+day(h.Since), words.Plural(s.HistoryCommits, "commit")+" (pull requests: "+h.PRLookup+")")
	} else if h != nil {
		row("Rights changes", h.Note)
	}
	if r.Compare.Available {
		row("Changed on GitHub", fmt.Sprintf("%s since %s, %d made by hand", words.Plural(len(r.Compare.Changes), "change"), stamp(r.Compare.SnapshotAt), s.HandMadeChanges))
	}
	sc := r.SelfCheck
	switch {
	case !sc.Checked:
		row("Permissions repository", sc.Note)
	case sc.Passed:
		row("Permissions repository", sc.Repo+": passed")
	default:
		row("Permissions repository", sc.Repo+": "+strings.Join(sc.Problems, "; "))
	}
}

func (t *txt) findings(r *audit.Report) {
	if !t.counted("Findings", len(r.Findings), "none") {
		return
	}
	for _, f := range r.Findings {
		where := f.WhereShort(findingRepos)
		if f.Subject != "" {
			where += "  " + f.Subject
		}
		t.wrap(fmt.Sprintf("  %-9s %s  ", strings.ToUpper(f.Severity.String()), f.Rule), "            ", where)
		msg := f.Message
		if f.Source != "" {
			msg += " (" + f.Source + ")"
		}
		t.wrap("            ", "            ", msg)
		t.wrap("            fix: ", "                 ", strings.ReplaceAll(f.Fix, "`", ""))
	}
}

// admins answers "who can administer repository X, and why".
func (t *txt) admins(r *audit.Report) {
	t.head("Who administers each repository")
	t.line("  Org owners are admin everywhere:%s", ownersText(r))
	t.line("  \"NO FILE DECLARES IT\": made by hand on GitHub (or the repository has no file).")
	for _, o := range r.Orgs {
		for _, rep := range o.Repos {
			var parts []string
			for _, a := range holders(rep, role.Admin) {
				if onlyOwner(a) {
					continue
				}
				p := a.Login + " (" + strings.Join(whyHeld(a), "; ") + ")"
				if a.Undeclared {
					p += " NO FILE DECLARES IT"
				}
				parts = append(parts, p)
			}
			if len(parts) == 0 {
				parts = append(parts, "owners only")
			}
			t.wrap(fmt.Sprintf("  %s [%s]: ", rep.FullName(), repoState(rep)), "      ", strings.Join(parts, ", "))
		}
	}
}

// nonHuman lists the Apps and deploy keys beside the people.
func (t *txt) nonHuman(r *audit.Report) {
	lines := nonHumanLines(r)
	if len(lines) == 0 {
		return
	}
	t.head("Apps and deploy keys")
	for _, l := range lines {
		s := fmt.Sprintf("%s, %s; reaches %s", l.Kind, l.Access, l.Reach)
		if l.Flag != "" {
			s += "; FLAGGED: " + l.Flag
		}
		t.wrap(fmt.Sprintf("  %s %s: ", l.Org, l.Name), "      ", s)
	}
}

func ownersText(r *audit.Report) string {
	var out []string
	for _, o := range r.Orgs {
		for _, ow := range o.Owners {
			s := " " + o.Name + "/" + ow.Login
			if !ow.Expected {
				s += " (NOT expected)"
			}
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return " none"
	}
	return strings.Join(out, ",")
}

func (t *txt) noCLA(r *audit.Report) {
	if !t.counted("Repositories without the CLA check", len(r.NoCLA), "none: every repository requires it where nobody below an org owner can skip it") {
		return
	}
	for _, name := range r.NoCLA {
		rep := findRepo(r, name)
		why := ""
		if rep != nil {
			for _, c := range rep.RequiredChecks {
				if c.CLA {
					why = checkText(c)
				}
			}
		}
		t.wrap("  "+name+": ", "      ", why)
	}
}

// history answers "what changed since D, and who approved it".
func (t *txt) history(r *audit.Report) {
	h := r.History
	if h == nil {
		return
	}
	if !h.Available {
		t.head("Rights changes in the files")
		t.wrap("  ", "  ", h.Note)
		return
	}
	t.head(fmt.Sprintf("Rights changes in the files since %s (%d)", day(h.Since), len(h.Entries)))
	if h.PRLookup != "ok" {
		t.wrap("  pull requests: ", "    ", h.PRLookup)
	}
	for _, e := range h.Entries {
		t.wrap(fmt.Sprintf("  %s %s  ", day(e.Date), short(e.Commit)), "      ", e.Subject)
		t.wrap("      by ", "         ", strings.Join(authorsOf(e), ", "))
		switch {
		case e.PR == nil:
			t.wrap("      ", "      ", e.PRNote)
		case e.PR.ReviewsNote != "":
			t.wrap(fmt.Sprintf("      pull request #%d: ", e.PR.Number), "      ", e.PR.ReviewsNote)
		case len(e.PR.Approvers) == 0:
			t.line("      pull request #%d: NOT APPROVED by anyone", e.PR.Number)
		default:
			t.wrap(fmt.Sprintf("      pull request #%d approved by ", e.PR.Number), "      ", strings.Join(e.PR.Approvers, ", "))
		}
		for _, c := range e.Lines() {
			t.wrap("      - ", "        ", c)
		}
		if e.LoadNote != "" {
			t.wrap("      ", "      ", e.LoadNote)
		}
	}
}
