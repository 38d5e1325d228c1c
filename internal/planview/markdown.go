package planview

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/mdsafe"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// CommentLimit is GitHub's limit on an issue or pull request comment body.
const CommentLimit = 65536

// Marker is a hidden line that lets a workflow find and update its own comment.
const Marker = "<!-- permsync:plan -->"

type MarkdownOptions struct {
	// MaxBytes bounds the output; long plans are folded and cut to fit.
	// Zero means a little under CommentLimit.
	MaxBytes int
	// Title heads the comment.
	Title string
	// Footer is appended (e.g. a link to the workflow run).
	Footer string
	// Lead is markdown placed before the title, counted in MaxBytes (the
	// drift issue's account of what changed outside permsync).
	Lead string
	// NoMarker leaves out Marker: a document found by other means (the
	// drift issue, by its label and author) has no use for it mid-body.
	NoMarker bool
}

// Markdown draws a plan for a pull request comment or a job summary:
// summary first, refusals prominent, changes grouped by repository, then
// the effect on effective access.
func Markdown(w io.Writer, p *reconcile.Plan, opts MarkdownOptions) error {
	if opts.MaxBytes == 0 {
		opts.MaxBytes = CommentLimit - 2048
	}
	if opts.Title == "" {
		opts.Title = "permsync plan"
	}
	_, err := io.WriteString(w, newMarkdownDoc(p, opts).render())
	return err
}

// render fits the document to the size limit: if everything is too long,
// it shows fewer repositories and people until it fits. Only sizes are
// tried: each repository's block and each row is drawn once, and only as
// many as could fit.
func (d *markdownDoc) render() string {
	shownRepos, shownEffects := len(d.groups), len(d.p.EffectiveAccess)
	for {
		fits := d.fits(shownRepos, shownEffects)
		if fits || (shownRepos == 0 && shownEffects == 0) {
			out := d.build(shownRepos, shownEffects)
			if !fits {
				out = out[:d.max-40] + "\n\n…(cut to fit GitHub's limit)\n"
			}
			return out
		}
		shownRepos = shownRepos * 3 / 4
		shownEffects = shownEffects * 3 / 4
	}
}

// markdownDoc is a plan's markdown in parts: what is always shown, drawn
// once, and the two lists that shrink to fit, drawn row by row on demand.
type markdownDoc struct {
	p          *reconcile.Plan
	max        int
	head, tail string // before the changes; after the effects
	groups     []repoGroup
	restAfter  []int // restAfter[i]: changes in groups[i:]
	repos      rows
	effects    rows
}

func newMarkdownDoc(p *reconcile.Plan, opts MarkdownOptions) *markdownDoc {
	d := &markdownDoc{p: p, max: opts.MaxBytes, groups: groupByRepo(p.Changes)}
	d.head = markdownHead(p, opts)
	d.tail = markdownTail(p, opts)
	d.restAfter = make([]int, len(d.groups)+1)
	for i := len(d.groups) - 1; i >= 0; i-- {
		d.restAfter[i] = d.restAfter[i+1] + len(d.groups[i].changes)
	}
	fold := len(d.groups) > 5
	d.repos = rows{draw: func(i int) string { return repoBlock(d.groups[i], fold) }}
	d.effects = rows{draw: func(i int) string { return effectRow(p.EffectiveAccess[i]) }}
	return d
}

// fits reports whether the document with the first shownRepos repositories
// and shownEffects rows of effects is within the size limit.
func (d *markdownDoc) fits(shownRepos, shownEffects int) bool {
	before, between, after := d.around(shownRepos, shownEffects)
	n := len(before) + len(between) + len(after)
	r, ok := d.repos.size(shownRepos, d.max-n)
	if !ok {
		return false
	}
	_, ok = d.effects.size(shownEffects, d.max-n-r)
	return ok
}

func (d *markdownDoc) build(shownRepos, shownEffects int) string {
	before, between, after := d.around(shownRepos, shownEffects)
	var b strings.Builder
	b.WriteString(before)
	for _, s := range d.repos.first(shownRepos) {
		b.WriteString(s)
	}
	b.WriteString(between)
	for _, s := range d.effects.first(shownEffects) {
		b.WriteString(s)
	}
	b.WriteString(after)
	return b.String()
}

// around is the text around the two lists: before the repositories,
// between them and the rows of effects (with what the first leaves out),
// and after (with what the second leaves out).
func (d *markdownDoc) around(shownRepos, shownEffects int) (before, between, after string) {
	before = d.head
	if len(d.groups) > 0 {
		before += "### Changes\n\n"
	}
	if rest := len(d.groups) - shownRepos; rest > 0 {
		between = fmt.Sprintf("…and %d more %s with %s, not shown to keep this comment within GitHub's size limit. The full plan is in the run's job summary and `plan.json` artifact.\n\n",
			rest, words.Noun(rest, "repository"), words.Plural(d.restAfter[shownRepos], "change"))
	}
	if effects := len(d.p.EffectiveAccess); effects > 0 {
		between += "### Effective access\n\nWho gains or loses write, maintain or admin:\n\n| Person | Repository | Before | After | Through |\n|---|---|---|---|---|\n"
		if shownEffects < effects {
			after = fmt.Sprintf("| …and %d more | | | | |\n", effects-shownEffects)
		}
		after += "\n"
	}
	return before, between, after + d.tail
}

// rows draws the rows of a list on demand and remembers them, with their
// running length.
type rows struct {
	draw func(i int) string
	done []string
	sum  []int // sum[i]: the length of done[:i]
}

// size is the length of the first n rows, or false once it passes limit
// (rows past the limit are never drawn).
func (r *rows) size(n, limit int) (int, bool) {
	if r.sum == nil {
		r.sum = []int{0}
	}
	for len(r.done) < n {
		if r.sum[len(r.done)] > limit {
			return 0, false
		}
		s := r.draw(len(r.done))
		r.done = append(r.done, s)
		r.sum = append(r.sum, r.sum[len(r.sum)-1]+len(s))
	}
	return r.sum[n], r.sum[n] <= limit
}

// first is the first n rows, drawn.
func (r *rows) first(n int) []string {
	r.size(n, math.MaxInt)
	return r.done[:n]
}

// markdownHead is what comes before the changes and is never cut: title,
// summary, orgs, refusals and errors.
func markdownHead(p *reconcile.Plan, opts MarkdownOptions) string {
	var b strings.Builder
	if !opts.NoMarker {
		b.WriteString(Marker + "\n")
	}
	b.WriteString(opts.Lead)
	fmt.Fprintf(&b, "## %s\n\n**%s**\n\n", mdsafe.Text(opts.Title), mdsafe.Text(SummaryLine(p)))
	if len(p.Orgs) > 0 {
		var orgs []string
		for _, o := range p.Orgs {
			orgs = append(orgs, fmt.Sprintf("`%s` (%s)", mdsafe.Code(o.Org), o.Mode))
		}
		fmt.Fprintf(&b, "Orgs: %s · %s checked\n\n", strings.Join(orgs, ", "), words.Plural(len(p.Repos), "repository"))
	}

	if len(p.Refusals) > 0 {
		fmt.Fprintf(&b, "> [!CAUTION]\n> **%s.** `permsync apply` changes nothing while the plan holds a refusal: fix the files, or the rule in a reviewed change to the org file.\n\n",
			words.Plural(len(p.Refusals), "refusal"))
		b.WriteString("| Rule | Set at | Why | Where |\n|---|---|---|---|\n")
		for _, r := range p.Refusals {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.Rule, posCell(r.RulePos), mdsafe.Text(r.Message), itemsCell(r.Org, refusalPlaces(p, r)))
		}
		b.WriteString("\n")
	}

	if len(p.Errors) > 0 {
		b.WriteString("> [!WARNING]\n> **Errors**: nothing is planned for these repositories.\n\n")
		for _, e := range p.Errors {
			if e.Source.File != "" {
				fmt.Fprintf(&b, "- `%s` %s\n", mdsafe.Code(e.Source.String()), mdsafe.Text(e.Message))
			} else {
				fmt.Fprintf(&b, "- %s\n", mdsafe.Text(e.Message))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// repoBlock is one repository's changes, folded when there are many
// repositories and none of its changes is refused.
func repoBlock(g repoGroup, fold bool) string {
	var b strings.Builder
	open := ""
	if !fold || slices.ContainsFunc(g.changes, func(c *reconcile.Change) bool { return c.Refused }) {
		open = " open"
	}
	fmt.Fprintf(&b, "<details%s><summary><code>%s</code>: %s</summary>\n\n```diff\n", open, mdsafe.HTML(mdsafe.OneLine(g.repo)), words.Plural(len(g.changes), "change"))
	for _, c := range g.changes {
		b.WriteString(string(Glyph(*c)))
		b.WriteByte(' ')
		b.WriteString(mdsafe.Code(Line(*c)))
		if src := c.Source.String(); src != "" {
			b.WriteString("    # ")
			b.WriteString(mdsafe.Code(src))
		}
		b.WriteByte('\n')
	}
	b.WriteString("```\n\n</details>\n\n")
	return b.String()
}

func effectRow(e reconcile.Effect) string {
	return fmt.Sprintf("| `%s` | `%s/%s` | %s | %s | %s |\n", mdsafe.CodeCell(e.Login), mdsafe.CodeCell(e.Org), mdsafe.CodeCell(e.Repo), e.Before, e.After, mdsafe.Text(effectVia(e)))
}

// markdownTail is what comes after the effects: the notices (at most 200)
// and the footer.
func markdownTail(p *reconcile.Plan, opts MarkdownOptions) string {
	var b strings.Builder
	if len(p.Notices) > 0 {
		fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n", words.Plural(len(p.Notices), "notice"))
		for i, n := range p.Notices {
			if i >= 200 {
				fmt.Fprintf(&b, "- …and %d more\n", len(p.Notices)-i)
				break
			}
			if single(n) {
				fmt.Fprintf(&b, "- %s\n", mdsafe.Text(noticeLine(n.Items[0].Source, n.Message)))
				continue
			}
			head := mdsafe.Text(n.Message)
			if n.Severity != "" {
				head = fmt.Sprintf("**%s** %s", n.Severity, head)
			}
			if n.RulePos != nil && n.RulePos.File != "" {
				head += " (rule set at `" + mdsafe.Code(n.RulePos.String()) + "`)"
			}
			fmt.Fprintf(&b, "- %s\n", head)
			for j, it := range n.Items {
				if j == ShownItems {
					fmt.Fprintf(&b, "  - %s\n", mdsafe.Text(moreText(n.Items)))
					break
				}
				fmt.Fprintf(&b, "  - %s%s\n", mdsafe.Text(itemText(n.Org, it)), srcSuffix(it.Source))
			}
		}
		b.WriteString("\n</details>\n\n")
	}
	if opts.Footer != "" {
		b.WriteString(opts.Footer + "\n")
	}
	return b.String()
}

// posCell is a file position as a table cell, or a dash.
func posCell(p config.Pos) string {
	if p.File == "" {
		return "—"
	}
	return "`" + mdsafe.CodeCell(p.String()) + "`"
}

// srcSuffix is " (`file:line`)", or nothing.
func srcSuffix(p config.Pos) string {
	if p.File == "" {
		return ""
	}
	return " (`" + mdsafe.Code(p.String()) + "`)"
}

// itemsCell lists the first items of a refusal in one table cell, then a count.
func itemsCell(org string, items []reconcile.Item) string {
	var parts []string
	for i, it := range items {
		if i == ShownItems {
			parts = append(parts, mdsafe.Text(moreText(items)))
			break
		}
		s := mdsafe.Text(itemText(org, it))
		if it.Source.File != "" {
			s += " (`" + mdsafe.CodeCell(it.Source.String()) + "`)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
