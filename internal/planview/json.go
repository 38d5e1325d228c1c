package planview

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// JSON writes the plan in its documented, versioned form (docs/plan-json.md).
func JSON(w io.Writer, p *reconcile.Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// ReadJSON reads a saved plan, refusing a format version it does not know.
func ReadJSON(r io.Reader) (*reconcile.Plan, error) {
	var p reconcile.Plan
	dec := json.NewDecoder(io.LimitReader(r, 256<<20))
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not a permsync JSON plan: %w", err)
	}
	if p.FormatVersion != reconcile.FormatVersion {
		return nil, fmt.Errorf("plan format_version %d is not supported by this permsync (it reads %d): make the plan again", p.FormatVersion, reconcile.FormatVersion)
	}
	return &p, nil
}
