package planview

import (
	"fmt"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// floorLine draws a floor ruleset change: what differs, setting by setting.
func floorLine(c reconcile.Change) string {
	verb := "restore"
	if c.Kind == reconcile.FloorRulesetCreate && c.FloorAfter != nil {
		w := c.FloorAfter
		var checks []string
		for _, ch := range w.RequiredChecks {
			if ch.Pinned() {
				checks = append(checks, fmt.Sprintf("%s (App %d)", ch.Context, ch.AppID))
			} else {
				checks = append(checks, ch.Context)
			}
		}
		reviews := "no review rule"
		if w.Reviews != nil {
			reviews = words.Plural(*w.Reviews, "approval")
		}
		return fmt.Sprintf("org ruleset %q: create (repository admins cannot change it): active on the default branch of %s; checks %s; %s; bypass: org owners only",
			state.FloorRulesetName, words.Plural(len(w.RepoInclude), "repository"), strings.Join(checks, ", "), reviews)
	}
	return fmt.Sprintf("org ruleset %q: %s (repository admins cannot change it): %s", state.FloorRulesetName, verb, fieldChanges(c.ProtectionChanges, "no setting"))
}
