package reconcile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// maxPlanFile bounds what ReadPlan reads: a saved plan of 10,000
// repositories, every one changed, is about 33 MB.
const maxPlanFile = 256 << 20

// WriteJSON writes the plan in its documented, versioned form
// (docs/plan-json.md): what plan --json-out saves and apply --plan reads.
func (p *Plan) WriteJSON(w io.Writer) error {
	var compact bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return err
	}
	out := bufio.NewWriterSize(w, 64<<10)
	indentJSON(out, bytes.TrimSuffix(compact.Bytes(), []byte("\n")))
	return out.Flush()
}

// ReadPlan reads a saved plan, refusing a format version it does not know.
func ReadPlan(r io.Reader) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(io.LimitReader(r, maxPlanFile))
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not a permsync JSON plan: %w", err)
	}
	if p.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("plan format_version %d is not supported by this permsync (it reads %d): make the plan again", p.FormatVersion, FormatVersion)
	}
	return &p, nil
}
