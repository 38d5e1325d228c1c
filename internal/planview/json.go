package planview

import (
	"io"

	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// JSON draws the plan as its saved form: the same bytes apply --plan reads
// (reconcile.ReadPlan), so a tool reads one format.
func JSON(w io.Writer, p *reconcile.Plan) error { return p.WriteJSON(w) }
