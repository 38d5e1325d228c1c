package planview

import (
	"fmt"
	"slices"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/mdsafe"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// Withheld is one repository whose details a redacted plan leaves out, with
// how much it leaves out.
type Withheld struct {
	Org, Repo string
	Why       string // why it is withheld, in a few words
	Changes   int
	Refusals  int
	Errors    int
}

// Redact returns a copy of p without the details of the repositories
// withhold names (it returns the reason, or ""): their changes, refusals,
// errors, notices and effect on access are gone, because each of those can
// name a login, team or member that is on GitHub, not in the files. What
// the copy withholds is listed, with counts only. Org-wide entries (no
// repository) are kept: they come from the files. p is not changed; exit
// codes are to be taken from p, not from the copy.
func Redact(p *reconcile.Plan, withhold func(org, repo string) string) (*reconcile.Plan, []Withheld) {
	type key struct{ org, repo string }
	why := map[key]string{}
	hidden := func(org, repo string) bool {
		if repo == "" {
			return false
		}
		k := key{strings.ToLower(org), strings.ToLower(repo)}
		w, seen := why[k]
		if !seen {
			w = withhold(org, repo)
			why[k] = w
		}
		return w != ""
	}
	counts := map[key]*Withheld{}
	count := func(org, repo string) *Withheld {
		k := key{strings.ToLower(org), strings.ToLower(repo)}
		if counts[k] == nil {
			counts[k] = &Withheld{Org: org, Repo: repo, Why: why[k]}
		}
		return counts[k]
	}

	out := *p
	out.Changes, out.Refusals, out.Errors, out.Notices, out.EffectiveAccess = nil, nil, nil, nil, nil
	index := make([]int, len(p.Changes)) // old change index → new, -1 if withheld
	for i, c := range p.Changes {
		if hidden(c.Org, c.Repo) {
			index[i] = -1
			count(c.Org, c.Repo).Changes++
			continue
		}
		index[i] = len(out.Changes)
		out.Changes = append(out.Changes, c)
	}
	// A refusal or notice groups one cause's items across repositories:
	// keep the cause, drop the items of withheld repositories, and drop
	// the entry when none is left.
	for _, r := range p.Refusals {
		var kept []reconcile.RefusedItem
		for _, it := range r.Items {
			if hidden(r.Org, it.Repo) {
				count(r.Org, it.Repo).Refusals++
				continue
			}
			if it.Change >= 0 && it.Change < len(index) {
				it.Change = index[it.Change]
			}
			kept = append(kept, it)
		}
		if len(kept) > 0 || len(r.Items) == 0 {
			r.Items = kept
			out.Refusals = append(out.Refusals, r)
		}
	}
	for _, e := range p.Errors {
		if hidden(e.Org, e.Repo) {
			count(e.Org, e.Repo).Errors++
			continue
		}
		out.Errors = append(out.Errors, e)
	}
	for _, n := range p.Notices {
		var kept []reconcile.Item
		for _, it := range n.Items {
			if !hidden(n.Org, it.Repo) {
				kept = append(kept, it)
			}
		}
		if len(kept) > 0 || len(n.Items) == 0 {
			n.Items = kept
			out.Notices = append(out.Notices, n)
		}
	}
	for _, e := range p.EffectiveAccess {
		if !hidden(e.Org, e.Repo) {
			out.EffectiveAccess = append(out.EffectiveAccess, e)
		}
	}
	// A repository planned with nothing to report is withheld too: that it
	// has no changes says that the file matches who has access.
	for _, r := range p.Repos {
		org, repo, _ := strings.Cut(r, "/")
		if hidden(org, repo) {
			count(org, repo)
		}
	}
	var list []Withheld
	for _, w := range counts {
		list = append(list, *w)
	}
	slices.SortFunc(list, func(a, b Withheld) int {
		return strings.Compare(strings.ToLower(a.Org+"/"+a.Repo), strings.ToLower(b.Org+"/"+b.Repo))
	})
	return &out, list
}

// WithoutTeamEffects drops the effects on access that come through a team
// (its members are listed there), keeping direct grants' effects.
func WithoutTeamEffects(effects []reconcile.Effect) []reconcile.Effect {
	var out []reconcile.Effect
	for _, e := range effects {
		if !viaTeam(e.SourcesBefore) && !viaTeam(e.SourcesAfter) {
			out = append(out, e)
		}
	}
	return out
}

func viaTeam(sources []string) bool {
	for _, s := range sources {
		if strings.HasPrefix(s, "team ") {
			return true
		}
	}
	return false
}

// WithheldMarkdown says what a redacted plan withholds and where the full
// plan is seen ("" when nothing is withheld).
func WithheldMarkdown(list []Withheld, where string) string {
	if len(list) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Withheld from this comment\n\n")
	b.WriteString("The author of this pull request could not see who has access to these repositories, so this comment names no one there:\n\n")
	for _, w := range list {
		// No counts: how many changes a withheld repository has would
		// tell, push after push, who already holds what there.
		fmt.Fprintf(&b, "- `%s/%s` (%s)\n", mdsafe.Code(w.Org), mdsafe.Code(w.Repo), mdsafe.Text(w.Why))
	}
	if where != "" {
		b.WriteString("\n" + where + "\n")
	}
	return b.String()
}
