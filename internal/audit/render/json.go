package render

import (
	"encoding/json"
	"io"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
)

// JSON writes the report in its documented, versioned form
// (docs/audit-json.md). Characters HTML gives meaning to are escaped
// (\u003c), so the output is safe to embed.
func JSON(w io.Writer, r *audit.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
