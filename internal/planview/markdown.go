package planview

import (
	"fmt"
	"io"
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

// MarkdownOptions control the markdown rendering.
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
	groups := groupByRepo(p.Changes)
	// Render everything; if too long, show fewer repositories and people
	// until it fits.
	shownRepos, shownEffects := len(groups), len(p.EffectiveAccess)
	for {
		out := markdown(p, opts, groups, shownRepos, shownEffects)
		if len(out) <= opts.MaxBytes || (shownRepos == 0 && shownEffects == 0) {
			if len(out) > opts.MaxBytes {
				out = out[:opts.MaxBytes-40] + "\n\n…(cut to fit GitHub's limit)\n"
			}
			_, err := io.WriteString(w, out)
			return err
		}
		shownRepos = shownRepos * 3 / 4
		shownEffects = shownEffects * 3 / 4
	}
}

func markdown(p *reconcile.Plan, opts MarkdownOptions, groups []repoGroup, shownRepos, shownEffects int) string {
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

	if len(groups) > 0 {
		b.WriteString("### Changes\n\n")
		fold := len(groups) > 5
		for i, g := range groups {
			if i >= shownRepos {
				rest, n := len(groups)-i, 0
				for _, gg := range groups[i:] {
					n += len(gg.changes)
				}
				fmt.Fprintf(&b, "…and %d more %s with %s, not shown to keep this comment within GitHub's size limit. The full plan is in the run's job summary and `plan.json` artifact.\n\n",
					rest, words.Noun(rest, "repository"), words.Plural(n, "change"))
				break
			}
			open := ""
			if !fold || hasRefused(g.changes) {
				open = " open"
			}
			fmt.Fprintf(&b, "<details%s><summary><code>%s</code>: %s</summary>\n\n```diff\n", open, mdsafe.HTML(mdsafe.OneLine(g.repo)), words.Plural(len(g.changes), "change"))
			for _, c := range g.changes {
				line := string(Glyph(c)) + " " + mdsafe.Code(Line(c))
				if src := c.Source.String(); src != "" {
					line += "    # " + mdsafe.Code(src)
				}
				b.WriteString(line + "\n")
			}
			b.WriteString("```\n\n</details>\n\n")
		}
	}

	if len(p.EffectiveAccess) > 0 {
		b.WriteString("### Effective access\n\nWho gains or loses write, maintain or admin:\n\n| Person | Repository | Before | After | Through |\n|---|---|---|---|---|\n")
		for i, e := range p.EffectiveAccess {
			if i >= shownEffects {
				fmt.Fprintf(&b, "| …and %d more | | | | |\n", len(p.EffectiveAccess)-i)
				break
			}
			fmt.Fprintf(&b, "| `%s` | `%s/%s` | %s | %s | %s |\n", mdsafe.CodeCell(e.Login), mdsafe.CodeCell(e.Org), mdsafe.CodeCell(e.Repo), e.Before, e.After, mdsafe.Text(effectVia(e)))
		}
		b.WriteString("\n")
	}

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

func hasRefused(cs []reconcile.Change) bool {
	for _, c := range cs {
		if c.Refused {
			return true
		}
	}
	return false
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
