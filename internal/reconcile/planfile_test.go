package reconcile

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// TestPlanFileRoundTrip: a saved plan reads back as the same value, a
// left-out change carried typed included; another format version or
// something not a plan is refused with what to do.
func TestPlanFileRoundTrip(t *testing.T) {
	c := Change{Kind: UserAdd, Org: "acme", Repo: "widget", User: "carol", After: role.Write, Source: config.Pos{File: "permissions/acme/widget.yaml", Line: 3, Col: 9}}
	p := &Plan{FormatVersion: FormatVersion, CreatedAt: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), Repos: []string{"acme/widget"},
		Changes: []Change{c},
		Notices: []Notice{{Kind: NoticeNotExpiry, Org: "acme", Message: "not applied by an expiries-only run (not an expiry)",
			Items: []Item{{Repo: "widget", Subject: "user:carol", Source: c.Source, Planned: &c}}}}}
	var buf bytes.Buffer
	require.NoError(t, p.WriteJSON(&buf))
	assert.Contains(t, buf.String(), `"planned": {`)
	back, err := ReadPlan(&buf)
	require.NoError(t, err)
	assert.Equal(t, p, back)

	_, err = ReadPlan(strings.NewReader(`{"format_version": 99}`))
	assert.ErrorContains(t, err, "format_version 99 is not supported by this permsync (it reads 2): make the plan again")
	_, err = ReadPlan(strings.NewReader(`# plan.md`))
	assert.ErrorContains(t, err, "not a permsync JSON plan")
}
