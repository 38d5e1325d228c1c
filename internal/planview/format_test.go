package planview

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// TestFormatTable: every format --format accepts is one Render draws, each
// the same as its renderer called alone, and anything else is refused
// with the list.
func TestFormatTable(t *testing.T) {
	assert.Equal(t, "text, markdown or json", FormatNames())
	for _, name := range []string{"text", "markdown", "json"} {
		f, err := ParseFormat(name)
		require.NoError(t, err)
		var got, want bytes.Buffer
		require.NoError(t, Render(&got, samplePlan(), f, Options{}))
		switch f {
		case FormatText:
			require.NoError(t, Text(&want, samplePlan(), TextOptions{}))
		case FormatMarkdown:
			require.NoError(t, Markdown(&want, samplePlan(), MarkdownOptions{}))
		case FormatJSON:
			require.NoError(t, samplePlan().WriteJSON(&want))
		}
		assert.Equal(t, want.String(), got.String(), name)
	}
	for _, bad := range []string{"", "html", "JSON", "md"} {
		_, err := ParseFormat(bad)
		assert.EqualError(t, err, `--format must be text, markdown or json, not "`+bad+`"`)
		assert.Error(t, Render(&bytes.Buffer{}, &reconcile.Plan{}, Format(bad), Options{}))
	}

	var text, md, js bytes.Buffer
	require.NoError(t, Render(&text, samplePlan(), FormatText, Options{Footer: "withheld: 2 repositories"}))
	assert.Contains(t, text.String(), ".\n\nwithheld: 2 repositories\n")
	require.NoError(t, Render(&md, samplePlan(), FormatMarkdown, Options{Footer: "withheld: 2 repositories"}))
	assert.Contains(t, md.String(), "\nwithheld: 2 repositories\n")
	require.NoError(t, Render(&js, samplePlan(), FormatJSON, Options{Footer: "withheld"}))
	assert.NotContains(t, js.String(), "withheld", "a saved plan is the plan alone")
}
