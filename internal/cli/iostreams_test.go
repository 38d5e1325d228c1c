package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
)

// TestGuardWriter: what passes the output guard cannot start a workflow
// command, move a terminal's cursor, open a hyperlink or show a secret;
// ordinary text, line breaks, tabs and Unicode pass unchanged.
func TestGuardWriter(t *testing.T) {
	t.Parallel()
	ghapi.RegisterSecret("registeredOpaqueSecret123")
	for _, tc := range []struct{ in, want string }{
		{"  + alice (write)\n\tté 日本\n", "  + alice (write)\n\tté 日本\n"},
		{"user evil\n::error::x\n", "user evil\n:\u200b:error::x\n"},
		{"   ::warning file=a::b", "   :\u200b:warning file=a::b"},
		{"a ::not at start", "a ::not at start"},
		// The runner trims every Unicode space before it looks for "::".
		{"x\n\u00a0::error::y", "x\n\u00a0:\u200b:error::y"},
		{"x\n\u3000\u2003::add-mask::y", "x\n\u3000\u2003:\u200b:add-mask::y"},
		{"x\u2028::error::y", `x\u2028:` + "\u200b:error::y"},
		{"x ##[error]y", "x ##\u200b[error]y"},
		{"a\x1b]8;;https://e/\x07b", `a\x1b]8;;https://e/\ab`},
		{"a\rb\x00c\u009bd", `a\rb\x00c\u009bd`},
		{"a\u202eb", `a\u202eb`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"key registeredOpaqueSecret123 and ghp_abcdefghijklmnopqrstuvwxyz0123", "key [REDACTED] and [REDACTED]"},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n", "[REDACTED]\n"},
	} {
		var b bytes.Buffer
		g := &guardWriter{w: &b}
		_, err := g.Write([]byte(tc.in))
		assert.NoError(t, err)
		assert.Equal(t, tc.want, b.String(), "%q", tc.in)
	}
}

// TestGuardWriterAcrossWrites: a workflow command split over writes (a
// name printed by itself after a line break) is still caught, and the
// colour codes permsync uses pass only to a colour terminal.
func TestGuardWriterAcrossWrites(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	g := &guardWriter{w: &b}
	fmt.Fprint(g, "  + ")
	fmt.Fprint(g, "a\n")
	fmt.Fprint(g, "  ")
	fmt.Fprint(g, "::error::x\n")
	assert.Equal(t, "  + a\n  :\u200b:error::x\n", b.String())

	b.Reset()
	g = &guardWriter{w: &b, color: true}
	fmt.Fprint(g, "\x1b[32m+ a\x1b[0m \x1b[2J\x1b[8m")
	assert.Equal(t, "\x1b[32m+ a\x1b[0m \\x1b[2J\\x1b[8m", b.String())
}

// TestAnnotationPasses: permsync's own workflow commands are the only
// lines that start with "::".
func TestAnnotationPasses(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	io := (&IOStreams{Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}).guarded()
	io.Annotation("::error file=a.yaml,line=1::bad")
	fmt.Fprintln(io.Out, "::error::injected")
	io.Annotation("::warning::x\n::error::smuggled")
	assert.Equal(t, "::error file=a.yaml,line=1::bad\n:\u200b:error::injected\n::warning::x\n:\u200b:error::smuggled\n", out.String())
	assert.True(t, strings.HasPrefix(out.String(), "::error"))
}

// A file written with --out (a plan comment, a job summary) passes the same
// secret redaction as what is printed.
func TestOutFileIsRedacted(t *testing.T) {
	ghapi.RegisterSecret("registeredOutSecret456")
	out := filepath.Join(t.TempDir(), "plan.md")
	err := writeOut(&IOStreams{}, out, func(w io.Writer, _ bool) error {
		_, err := io.WriteString(w, "error: registeredOutSecret456 and ghp_abcdefghijklmnopqrstuvwxyz0123\n")
		return err
	})
	require.NoError(t, err)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "error: [REDACTED] and [REDACTED]\n", string(data))
}
