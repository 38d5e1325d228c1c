package render

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMdRich(t *testing.T) {
	assert.Equal(t, "Run `permsync plan --repo a/b` to review\\_it", mdRich("Run `permsync plan --repo a/b` to review_it"))
	assert.Equal(t, "write `app_id: <id>` here", mdRich("write `app_id: <id>` here"), "code spans keep their text")
	// A name that smuggles a backtick only moves a span; both sides stay escaped.
	got := mdRich("pin `- context: x` @everyone <b>` now`")
	assert.NotContains(t, got, " @everyone")
	assert.NotContains(t, got, "<b>")
	assert.Equal(t, "odd \\` count", mdRich("odd ` count"))
}
