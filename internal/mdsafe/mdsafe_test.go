package mdsafe

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestText(t *testing.T) {
	got := Text("<img src=x onerror=alert(1)> @everyone [link](http://x) *b* a|b\nnext")
	assert.NotContains(t, got, "<img")
	assert.NotContains(t, got, "@everyone")
	assert.NotContains(t, got, "[link](")
	assert.NotContains(t, got, "\n")
	assert.Contains(t, got, `a\|b`)
}

func TestCode(t *testing.T) {
	assert.Equal(t, "x''' y", Code("x```\ny"))
	assert.Equal(t, `a\\\|b`, CodeCell(`a\|b`))
	assert.Equal(t, "a\u2028b", strings.ReplaceAll(OneLine("a\u2028b"), " ", "\u2028"))
}

func TestRich(t *testing.T) {
	assert.Equal(t, "Run `permsync plan --repo a/b` to review\\_it", Rich("Run `permsync plan --repo a/b` to review_it"))
	assert.Equal(t, "write `app_id: <id>` here", Rich("write `app_id: <id>` here"), "code spans keep their text")
	got := Rich("pin `- context: x` @everyone <b>` now`")
	assert.NotContains(t, got, " @everyone")
	assert.NotContains(t, got, "<b>")
	assert.Equal(t, "odd \\` count", Rich("odd ` count"))
}

// TestTextNoLinkNoMath: names and messages render as text: no bare-URL or
// www. autolink, no math, no control characters or bidi overrides.
func TestTextNoLinkNoMath(t *testing.T) {
	for _, in := range []string{"https://evil.example/x.png", "see www.evil.example now", "WWW.EVIL.EXAMPLE", "HTTP://x", "$x^2$", "$$\\sqrt 2$$"} {
		got := Text(in)
		assert.NotRegexp(t, `(?i)://|\bwww\.`, got, "%q", in)
		assert.NotRegexp(t, `(^|[^\\])\$`, got, "%q", in)
	}
	assert.Equal(t, "a b c d", OneLine("a\u009bb\u202ec\x1bd"))
	assert.Equal(t, "https:\u200b//x", Text("https://x"), "the text still reads the same")
}
