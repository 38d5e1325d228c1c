package planview

import (
	"fmt"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// Line is the one wording of a change, without its repository: the plan
// draws it after the change's glyph, apply after the outcome, the audit
// and the refusals on their own. It leads with the verb, so it reads the
// same with or without a glyph.
func Line(c reconcile.Change) string {
	switch c.Kind {
	case reconcile.UserAdd:
		if c.Invite {
			return fmt.Sprintf("invite user %s as %s", c.User, c.After)
		}
		return fmt.Sprintf("grant user %s %s", c.User, c.After)
	case reconcile.TeamAdd:
		return fmt.Sprintf("grant team %s %s", c.Team, c.After)
	case reconcile.UserChange:
		return fmt.Sprintf("user %s %s → %s", c.User, c.Before, c.After)
	case reconcile.TeamChange:
		return fmt.Sprintf("team %s %s → %s", c.Team, c.Before, c.After)
	case reconcile.UserRemove:
		return fmt.Sprintf("remove user %s (%s)%s", c.User, c.Before, expiry(c))
	case reconcile.TeamRemove:
		return fmt.Sprintf("remove team %s (%s)%s", c.Team, c.Before, expiry(c))
	case reconcile.InvitationChange:
		return fmt.Sprintf("invitation of %s %s → %s", c.User, c.Before, c.After)
	case reconcile.InvitationCancel:
		return fmt.Sprintf("cancel invitation of %s (%s)%s", c.User, c.Before, expiry(c))
	case reconcile.InvitationResend:
		return fmt.Sprintf("re-send expired invitation of %s as %s", c.User, c.After)
	case reconcile.ProtectionCreate:
		return fmt.Sprintf("protect branch %s: %s", c.Branch, fieldChanges(c.ProtectionChanges, "GitHub's defaults"))
	case reconcile.ProtectionUpdate:
		return fmt.Sprintf("update protection of branch %s: %s", c.Branch, fieldChanges(c.ProtectionChanges, "no setting"))
	case reconcile.FloorRulesetCreate, reconcile.FloorRulesetUpdate:
		return floorLine(c)
	}
	return string(c.Kind) + " " + c.Principal()
}

// Describe is Line prefixed with where the change is made: "org/repo", or
// the org alone for an org-level change (the floor ruleset).
func Describe(c reconcile.Change) string {
	if c.Repo == "" {
		return c.Org + ": " + Line(c)
	}
	return c.Org + "/" + c.Repo + ": " + Line(c)
}

// expiry says why a removal that carries out an expiry is made: the grant
// is still in the file.
func expiry(c reconcile.Change) string {
	if c.Expiry == "" {
		return ""
	}
	return ", expired on " + c.Expiry
}

func fieldChanges(fs []reconcile.FieldChange, none string) string {
	if len(fs) == 0 {
		return none
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s %s → %s", f.Field, f.Before, f.After)
	}
	return strings.Join(parts, "; ")
}
