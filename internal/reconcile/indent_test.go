package reconcile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzIndentJSON: the plan's indenter writes exactly what json.Encoder
// with SetIndent("", "  ") writes, whatever the strings hold (quotes,
// backslashes, brackets, braces, commas, colons, escapes).
func FuzzIndentJSON(f *testing.F) {
	for _, s := range []string{"", `"`, `\`, `\\"`, `a\"b`, "{}[],:", `{"a":[1,{}]}`, "\u2028<&>", "\x00\x1f", "é ✓ 🙂", `\u0041`} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		v := map[string]any{
			s:       []any{s, n, nil, true, 1.5, map[string]any{}, []any{}, map[string]any{s: []any{map[string]any{"k": s}}}},
			"empty": map[string]any{"list": []string{}, "obj": struct{}{}, "nested": [][]int{{}, {1, 2}}},
			"plan":  &Plan{FormatVersion: FormatVersion, Repos: []string{s}, Changes: []Change{{Kind: UserAdd, Org: s, Repo: s, User: s}}},
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(v))

		var compact bytes.Buffer
		enc = json.NewEncoder(&compact)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(v))
		var got bytes.Buffer
		w := bufio.NewWriter(&got)
		indentJSON(w, bytes.TrimSuffix(compact.Bytes(), []byte("\n")))
		require.NoError(t, w.Flush())
		assert.Equal(t, want.String(), got.String())
	})
}
