package state

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrincipalForm: one text form, read back to the same principal; the
// forms a hand-written list gets wrong are refused, not guessed.
func TestPrincipalForm(t *testing.T) {
	t.Parallel()
	for _, p := range []Principal{UserPrincipal("Alice"), TeamPrincipal("core"), {Kind: KindApp, Name: "renovate"}, UserPrincipal("a:b")} {
		got, err := ParsePrincipal(p.String())
		require.NoError(t, err, "%s", p)
		assert.Equal(t, p, got)
	}
	for _, s := range []string{"alice", "user:", ":alice", "users:alice", "User:alice", "org:acme", ""} {
		_, err := ParsePrincipal(s)
		assert.Error(t, err, "%q", s)
	}
	assert.True(t, UserPrincipal("Alice").Equal(UserPrincipal("alice")))
	assert.False(t, UserPrincipal("core").Equal(TeamPrincipal("core")), "a user and a team of one name are two principals")
}
