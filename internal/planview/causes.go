package planview

import (
	"fmt"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// ShownItems is how many of a refusal's or notice's items text and
// markdown show; the rest are counted (JSON lists them all).
const ShownItems = 5

// itemText is one item on one line: what is particular to it, prefixed with
// its repository unless the detail already names it.
func itemText(org string, it reconcile.Item) string {
	what := it.Detail
	switch {
	case what == "" && it.Planned != nil:
		what = Line(*it.Planned)
	case what == "":
		what = it.Subject
	}
	full := org + "/" + it.Repo
	switch {
	case it.Repo == "":
		return what
	case what == "":
		return full
	case strings.Contains(what, full):
		return what
	}
	return full + ": " + what
}

// moreText counts the items not shown, and the repositories they span.
func moreText(items []reconcile.Item) string {
	if len(items) <= ShownItems {
		return ""
	}
	rest := len(items) - ShownItems
	return fmt.Sprintf("…and %d more (%s in all; every one is in the JSON plan)", rest, words.Plural(len(reconcile.Repos(items)), "repository"))
}

// single reports whether a notice is about one place whose message already
// says everything (most notices of the diff are).
func single(n reconcile.Notice) bool {
	return len(n.Items) == 1 && n.Items[0].Detail == "" && n.Items[0].Planned == nil
}

// refusalPlaces are a refusal's items; one that is nothing but its change
// (a removal over max_removals) is worded from the change.
func refusalPlaces(p *reconcile.Plan, r reconcile.Refusal) []reconcile.Item {
	out := r.Places()
	for i, it := range r.Items {
		if it.Detail == "" && it.Change >= 0 && it.Change < len(p.Changes) {
			out[i].Detail = Line(p.Changes[it.Change])
		}
	}
	return out
}
