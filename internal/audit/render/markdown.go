package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/mdsafe"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// Marker is a hidden line that lets a workflow find its own issue or comment.
const Marker = "<!-- permsync:audit -->"

// JobSummaryLimit is GitHub's limit on one step's job summary.
const JobSummaryLimit = 1 << 20

// MarkdownOptions control the markdown rendering.
type MarkdownOptions struct {
	// SummaryOnly draws the summary and the top findings only.
	SummaryOnly bool
	// TopFindings bounds the findings drawn with SummaryOnly (default 10).
	TopFindings int
	// History adds the rights changes and their approvers to SummaryOnly.
	History bool
	// MaxBytes bounds the output (0: no bound). Sections are dropped,
	// details first, until it fits, and the reader is told where the rest is.
	MaxBytes int
}

// Markdown draws the report for a GitHub issue or job summary: summary,
// findings, then detail.
func Markdown(w io.Writer, r *audit.Report, opts MarkdownOptions) error {
	if opts.TopFindings <= 0 {
		opts.TopFindings = 10
	}
	m := &md{r: r}
	if opts.SummaryOnly {
		m.header()
		m.summary()
		m.findings(opts.TopFindings)
		if opts.History {
			m.history()
		}
		_, err := io.WriteString(w, m.String())
		return err
	}
	// Sections from most to least needed; the later ones go first when
	// the output must shrink.
	sections := []func(){
		m.header, m.summary, func() { m.findings(0) }, m.noCLA, m.owners, m.admins, m.people, m.nonHuman,
		m.history, m.compare, m.selfCheck, m.notes, m.details,
	}
	keep := len(sections)
	for {
		m.Reset()
		for _, s := range sections[:keep] {
			s()
		}
		if keep < len(sections) {
			fmt.Fprintf(m, "\n> [!NOTE]\n> %s left out to stay within %d KiB: the HTML and JSON reports hold everything.\n",
				words.Plural(len(sections)-keep, "section"), opts.MaxBytes>>10)
		}
		out := m.String()
		if opts.MaxBytes <= 0 || len(out) <= opts.MaxBytes || keep <= 3 {
			if opts.MaxBytes > 0 && len(out) > opts.MaxBytes {
				out = cutUTF8(out, opts.MaxBytes-80) + "\n\n…(cut to fit; the HTML and JSON reports hold everything)\n"
			}
			_, err := io.WriteString(w, out)
			return err
		}
		keep--
	}
}

func cutUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

type md struct {
	strings.Builder
	r *audit.Report
}

func (m *md) p(format string, args ...any) { fmt.Fprintf(m, format, args...) }

func (m *md) header() {
	r := m.r
	m.p("%s\n# permsync audit\n\n", Marker)
	var orgs []string
	for _, o := range r.Orgs {
		orgs = append(orgs, fmt.Sprintf("%s (%s)", code(o.Name), o.Mode))
	}
	m.p("Generated %s from %s for %s.\n\n", stamp(r.GeneratedAt), code(r.Dir), strings.Join(orgs, ", "))
}

func (m *md) summary() {
	r := m.r
	s := r.Summary
	m.p("## Summary\n\n| | |\n|---|---|\n")
	m.p("| Findings | **%s** |\n", FindingCounts(r))
	m.p("| Repositories | %d: %d managed, %d unmanaged, %d archived", s.Repositories, s.Managed, s.Unmanaged, s.Archived)
	if s.Ignored > 0 {
		m.p("; %d ignored (ignore_repos)", s.Ignored)
	}
	m.p(" |\n")
	m.p("| People | %d, of whom %d outside collaborators with access |\n", s.People, s.OutsideCollaborators)
	var owners []string
	for _, o := range r.Orgs {
		unexpected := 0
		for _, ow := range o.Owners {
			if !ow.Expected {
				unexpected++
			}
		}
		owners = append(owners, fmt.Sprintf("%s: %d (%d unexpected)", code(o.Name), len(o.Owners), unexpected))
	}
	m.p("| Org owners | %s |\n", strings.Join(owners, "; "))
	m.p("| Without the CLA check | %s |\n", words.Plural(len(r.NoCLA), "repository"))
	m.p("| Drift | %s pending in %s; %s |\n", words.Plural(s.DriftChanges, "change"), words.Plural(s.DriftRepositories, "repository"), words.Plural(s.Refusals, "refusal"))
	switch {
	case r.History != nil && r.History.Available:
		m.p("| Rights changes since %s | %s (PR lookup: %s) |\n", sinceText(r), words.Plural(s.HistoryCommits, "commit"), mdsafe.Text(r.History.PRLookup))
	case r.History != nil:
		m.p("| Rights changes | %s |\n", mdsafe.Text(r.History.Note))
	}
	if r.Compare.Available {
		m.p("| Changed on GitHub since the snapshot of %s | %s, %d without a file saying so |\n", stamp(r.Compare.SnapshotAt), words.Plural(len(r.Compare.Changes), "change"), s.HandMadeChanges)
	} else {
		m.p("| Changed on GitHub since a snapshot | %s |\n", mdsafe.Text(r.Compare.Note))
	}
	m.p("| Permissions repository | %s |\n\n", selfLine(r.SelfCheck))
}

func selfLine(sc audit.SelfCheck) string {
	switch {
	case !sc.Checked:
		return mdsafe.Text(sc.Note)
	case sc.Passed:
		return code(sc.Repo) + ": passed (code-owner review, enforce_admins, no bypass)"
	}
	return code(sc.Repo) + ": **" + words.Plural(len(sc.Problems), "problem") + "**: " + mdsafe.Text(strings.Join(sc.Problems, "; "))
}

func (m *md) findings(limit int) {
	r := m.r
	m.p("## Findings\n\n")
	if len(r.Findings) == 0 {
		m.p("No findings.\n\n")
		return
	}
	m.p("| Severity | Rule | Where | Finding | Fix |\n|---|---|---|---|---|\n")
	for i, f := range r.Findings {
		if limit > 0 && i >= limit {
			m.p("\n…and %d more findings in the full report.\n", len(r.Findings)-i)
			break
		}
		sev := f.Severity.String()
		if f.Severity >= audit.High {
			sev = "**" + sev + "**"
		}
		where := code(f.Where())
		if len(f.Repos) > 1 {
			where = code(f.Org) + ": " + each(firstN(f.Repos, findingRepos), code, ", ")
			if len(f.Repos) > findingRepos {
				where += fmt.Sprintf(" and %d more", len(f.Repos)-findingRepos)
			}
		}
		if f.Subject != "" {
			where += " " + code(f.Subject)
		}
		msg := mdsafe.Text(f.Message)
		if f.Source != "" {
			msg += " (" + code(f.Source) + ")"
		}
		m.p("| %s | %s | %s | %s | %s |\n", sev, code(string(f.Rule)), where, msg, mdsafe.Rich(f.Fix))
	}
	m.p("\n")
}

func (m *md) noCLA() {
	r := m.r
	m.p("## Repositories that do not require the CLA check\n\n")
	if len(r.NoCLA) == 0 {
		m.p("Every repository requires a CLA check on its default branch (archived ones left out).\n\n")
		return
	}
	for _, name := range r.NoCLA {
		branch := ""
		if rep := findRepo(r, name); rep != nil {
			branch = " on " + code(rep.DefaultBranch)
		}
		m.p("- %s%s\n", code(name), branch)
	}
	m.p("\n")
}

func findRepo(r *audit.Report, full string) *audit.Repo {
	for _, o := range r.Orgs {
		for _, rep := range o.Repos {
			if strings.EqualFold(rep.FullName(), full) {
				return rep
			}
		}
	}
	return nil
}

func (m *md) owners() {
	m.p("## Org owners\n\nOwners are admin on every repository.\n\n| Org | Owner | |\n|---|---|---|\n")
	for _, o := range m.r.Orgs {
		for _, ow := range o.Owners {
			note := ownerNote(ow)
			if !ow.Expected {
				note = "**" + note + "**"
			}
			m.p("| %s | %s | %s |\n", code(o.Name), code(ow.Login), note)
		}
	}
	m.p("\n")
}

// admins answers "who can administer repository X and why".
func (m *md) admins() {
	m.p("## Who can administer and maintain each repository\n\nOrg owners (above) are admin everywhere and are not repeated. Each person is listed with every source of the role; an admin **in bold** holds it through nothing a file declares (made by hand on GitHub).\n\n")
	m.p("| Repository | | Admin | Maintain | Default branch | CLA |\n|---|---|---|---|---|---|\n")
	for _, o := range m.r.Orgs {
		for _, rep := range o.Repos {
			var admins, maints []string
			for _, a := range holders(rep, role.Admin) {
				if onlyOwner(a) {
					continue
				}
				line := mdsafe.Text(accessLine(a))
				if a.Undeclared {
					line = "**" + line + ": no file declares it**"
				}
				admins = append(admins, line)
			}
			for _, a := range holders(rep, role.Maintain) {
				maints = append(maints, mdsafe.Text(accessLine(a)))
			}
			if rep.BaseRole == role.Admin {
				admins = append(admins, fmt.Sprintf("every org member (%d, base role)", rep.BaseMembers))
			}
			cla := "yes"
			if !rep.CLARequired {
				cla = "**no**"
			}
			if rep.Archived || rep.ReadError != "" {
				cla = "—"
			}
			m.p("| %s | %s | %s | %s | %s | %s |\n", code(rep.FullName()), repoState(rep), strings.Join(admins, "<br>"), strings.Join(maints, "<br>"), mdsafe.Text(protectionText(rep)), cla)
		}
	}
	m.p("\n")
}

func onlyOwner(a audit.Access) bool {
	for _, s := range a.Sources {
		if s.Kind != audit.SourceOwner && s.Kind != audit.SourceBase {
			return false
		}
	}
	return true
}

// people answers "what can person Y do".
func (m *md) people() {
	m.p("## What each person can administer, maintain and write\n\nEffective roles from every source. Members also hold the org base role on every repository.\n\n")
	m.p("| Org | Person | | Admin | Maintain | Write | Teams |\n|---|---|---|---|---|---|---|\n")
	for _, o := range m.r.Orgs {
		for _, p := range o.People {
			if len(p.Admin)+len(p.Maintain)+len(p.Write) == 0 && !p.Owner {
				continue
			}
			kind := "member"
			switch {
			case p.Owner:
				kind = "**owner**"
				if p.ExpectedOwner {
					kind = "owner (expected)"
				}
			case p.Outside:
				kind = "outside collaborator"
			}
			admin := each(p.Admin, code, ", ")
			if p.Owner {
				admin = fmt.Sprintf("every repository (%d, org owner)", len(p.Admin))
			}
			m.p("| %s | %s | %s | %s | %s | %s | %s |\n", code(o.Name), code(p.Login), kind, admin, each(p.Maintain, code, ", "), each(p.Write, code, ", "), each(p.Teams, code, ", "))
		}
	}
	m.p("\nPeople holding only read or triage are in the HTML and JSON reports.\n\n")
}

// nonHuman lists the Apps and deploy keys beside the people.
func (m *md) nonHuman() {
	lines := nonHumanLines(m.r)
	if len(lines) == 0 {
		return
	}
	m.p("## Apps and deploy keys\n\nNon-human access: each App installed on the org and each deploy key, with what it reaches.\n\n")
	m.p("| Org | Kind | Name | Reaches | Access | Flag |\n|---|---|---|---|---|---|\n")
	for _, l := range lines {
		flag := ""
		if l.Flag != "" {
			flag = "**" + mdsafe.Text(l.Flag) + "**"
		}
		m.p("| %s | %s | %s | %s | %s | %s |\n", code(l.Org), l.Kind, code(l.Name), mdsafe.Text(l.Reach), mdsafe.Text(l.Access), flag)
	}
	m.p("\n")
}

// each joins f of every item with sep.
func each(items []string, f func(string) string, sep string) string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = f(x)
	}
	return strings.Join(out, sep)
}

// history answers "what changed since date D and who approved it".
func (m *md) history() {
	h := m.r.History
	if h == nil {
		return
	}
	if !h.Available {
		m.p("## Rights changes in the files\n\n%s\n\n", mdsafe.Text(h.Note))
		return
	}
	m.p("## Rights changes in the files since %s\n\n", day(h.Since))
	if h.PRLookup != "ok" {
		m.p("Pull requests: %s.\n\n", mdsafe.Text(h.PRLookup))
	}
	for _, w := range h.Warnings {
		m.p("> %s\n\n", mdsafe.Text(w))
	}
	if len(h.Entries) == 0 {
		m.p("No commit changed %s in the window.\n\n", code(m.r.Dir))
		return
	}
	m.p("| Date | Commit | Author(s) | What changed | Pull request | Approved by |\n|---|---|---|---|---|---|\n")
	for _, e := range h.Entries {
		var changes []string
		for _, c := range e.Lines() {
			changes = append(changes, mdsafe.Text(c))
		}
		if e.LoadNote != "" {
			changes = append(changes, "_"+mdsafe.Text(e.LoadNote)+"_")
		}
		if len(changes) == 0 {
			changes = append(changes, "no rights changed")
		}
		pr, approvers := mdsafe.Text(e.PRNote), ""
		if e.PR != nil {
			pr = fmt.Sprintf("#%d %s", e.PR.Number, mdsafe.Text(e.PR.Title))
			if e.PR.URL != "" && strings.HasPrefix(e.PR.URL, "https://") {
				pr = fmt.Sprintf("[#%d](%s) %s", e.PR.Number, mdURL(e.PR.URL), mdsafe.Text(e.PR.Title))
			}
			approvers = each(e.PR.Approvers, code, ", ")
			if len(e.PR.Approvers) == 0 {
				approvers = "**none**"
			}
			if e.PR.ReviewsNote != "" {
				approvers = mdsafe.Text(e.PR.ReviewsNote)
			}
		}
		m.p("| %s | %s | %s | %s | %s | %s |\n", day(e.Date), code(short(e.Commit)), mdsafe.Text(strings.Join(authorsOf(e), ", ")), strings.Join(changes, "<br>"), pr, approvers)
	}
	m.p("\n")
}

// mdURL keeps a URL from closing the link it is in.
func mdURL(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "|", "%7C", "<", "%3C", ">", "%3E", "\n", "", "\r", "").Replace(u)
}

func (m *md) compare() {
	c := m.r.Compare
	if !c.Available {
		return
	}
	m.p("## Changed on GitHub since the snapshot of %s\n\n", stamp(c.SnapshotAt))
	if len(c.Changes) == 0 {
		m.p("Nothing changed.\n\n")
		return
	}
	m.p("| Where | What | Change | Explained by |\n|---|---|---|---|\n")
	for _, ch := range c.Changes {
		where := ch.Org
		if ch.Repo != "" {
			where += "/" + ch.Repo
		}
		expl := mdsafe.Text(ch.Explained)
		if ch.HandMade {
			expl = "**nothing: made by hand**"
		}
		m.p("| %s | %s | %s | %s |\n", code(where), code(ch.What), mdsafe.Text(ch.Description), expl)
	}
	m.p("\n")
}

func (m *md) selfCheck() {
	sc := m.r.SelfCheck
	m.p("## Permissions repository self-check\n\n")
	if !sc.Checked {
		m.p("%s\n\n", mdsafe.Text(sc.Note))
		return
	}
	m.p("%s, branch %s:\n\n", code(sc.Repo), code(sc.Branch))
	m.p("- protected: %s\n- code-owner review required: %s\n- enforce_admins: %s\n- required approving reviews: %d\n- bypass: %s\n\n",
		yesNo(sc.Protected), yesNo(sc.CodeOwnerReviews), yesNo(sc.EnforceAdmins), sc.Reviews, noneOr(sc.Bypass))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

func noneOr(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return "**" + mdsafe.Text(strings.Join(s, "; ")) + "**"
}

func (m *md) notes() {
	if len(m.r.Notes) == 0 {
		return
	}
	m.p("## Notes\n\n")
	for _, n := range m.r.Notes {
		m.p("- %s\n", mdsafe.Text(n))
	}
	m.p("\n")
}

// details draws each repository in full, folded.
func (m *md) details() {
	m.p("## Repositories in detail\n\n")
	for _, o := range m.r.Orgs {
		if o.ReadError != "" {
			m.p("%s could not be read: %s\n\n", code(o.Name), mdsafe.Text(o.ReadError))
			continue
		}
		for _, rep := range o.Repos {
			m.repo(rep)
		}
	}
}

func (m *md) repo(rep *audit.Repo) {
	m.p("<details><summary><code>%s</code>: %s</summary>\n\n", mdsafe.HTML(mdsafe.OneLine(rep.FullName())), mdsafe.HTML(repoState(rep)))
	if rep.File != "" {
		m.p("File: %s\n\n", code(rep.File))
	}
	if rep.ReadError != "" {
		m.p("Read error: %s\n\n", mdsafe.Text(rep.ReadError))
	}
	if len(rep.Access) > 0 {
		m.p("| Person | Role | Through | Declared in the files | Last change |\n|---|---|---|---|---|\n")
		for _, a := range rep.Access {
			through, decl, trace := sourceColumns(a, mdsafe.Text, code)
			who := code(a.Login)
			if a.Outside {
				who += " (outside)"
			}
			if a.Pending {
				who += " (pending)"
			}
			m.p("| %s | %s | %s | %s | %s |\n", who, a.Role, strings.Join(through, "<br>"), strings.Join(decl, "<br>"), strings.Join(trace, "<br>"))
		}
		m.p("\n")
	}
	if rep.BaseRole != role.None && rep.BaseMembers > 0 {
		m.p("Every other org member (%d) holds %s through the base role.\n\n", rep.BaseMembers, rep.BaseRole)
	}
	for _, inv := range rep.Invitations {
		if inv.Expired {
			m.p("- expired invitation: %s as %s, sent %s\n", code(inv.Login), inv.Role, day(inv.CreatedAt))
		}
	}
	m.p("- protection: %s\n", mdsafe.Text(protectionText(rep)))
	for _, c := range rep.RequiredChecks {
		m.p("- %s\n", mdsafe.Text(checkText(c)))
	}
	for _, rs := range rep.Rulesets {
		applies := "does not apply to the default branch"
		if rs.AppliesToDefault {
			applies = "applies to the default branch"
		}
		from := mdsafe.Text(rs.Enforcement)
		if rs.Source != "" {
			from = mdsafe.Text(rs.Source) + ", " + from
		}
		m.p("- ruleset %s (%s): %s; bypass: %s\n", code(rs.Name), from, applies, mdsafe.Text(bypassOr(rs)))
	}
	m.p("- admins counted: %d for max_admins (%d), %d for min_admins (%d)\n", rep.Admins.ForMax, rep.Admins.Max, rep.Admins.ForMin, rep.Admins.Min)
	for _, k := range rep.DeployKeys {
		access := "read-only"
		if !k.ReadOnly {
			access = "**read-write**"
		}
		m.p("- deploy key %s: %s\n", code(k.Title), access)
	}
	for _, d := range rep.Drift {
		refused := ""
		if d.Refused {
			refused = " (refused)"
		}
		m.p("- drift: %s%s\n", mdsafe.Text(strings.TrimPrefix(d.Description, rep.FullName()+": ")), refused)
	}
	for _, e := range rep.Errors {
		m.p("- error: %s\n", mdsafe.Text(e))
	}
	for _, n := range rep.Notices {
		m.p("- notice: %s\n", mdsafe.Text(n))
	}
	m.p("\n</details>\n\n")
}

// bypassOr says who may bypass a ruleset: never "none" for a list the
// credentials could not read.
func bypassOr(rs audit.Ruleset) string {
	switch {
	case !rs.BypassRead:
		return "unknown: the bypass list cannot be read with these credentials (counted as bypassable)"
	case len(rs.Bypass) == 0:
		return "none"
	}
	return audit.BypassText(rs.Bypass)
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
