package access

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// compareKey must order exactly as comparing Key(a) and Key(b) does, for
// ASCII and for anything else.
func TestCompareKeyIsKeyOrder(t *testing.T) {
	alphabet := []string{"a", "B", "z", "-", "_", "0", "İ", "ß", "é", "K", "k", "\u212a"}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		var b strings.Builder
		for n := rng.IntN(5); n >= 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for range 20000 {
		a, b := word(), word()
		require.Equal(t, strings.Compare(Key(a), Key(b)), compareKey(a, b), "%q %q", a, b)
	}
}

// A sorted list is searched, an unsorted one mapped, a short one scanned:
// all three find what a scan of the list finds, the first of equal keys.
func TestGrantsFindAsAScanWould(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	logins := []string{"alice", "Alice", "bob", "BOB", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia"}
	for round := range 300 {
		n := rng.IntN(len(logins) + 1)
		r := &state.Repo{}
		for i := range n {
			r.Users = append(r.Users, state.UserGrant{Login: logins[rng.IntN(len(logins))], ID: int64(i)})
		}
		if round%2 == 0 {
			r.Sort()
		}
		g := IndexGrants(r)
		for _, q := range append(slices.Clone(logins), "zed", "ALICE", "") {
			want, wantOK := state.UserGrant{}, false
			for _, u := range r.Users {
				if strings.EqualFold(u.Login, q) {
					want, wantOK = u, true
					break
				}
			}
			got, ok := g.User(q)
			assert.Equal(t, wantOK, ok, "round %d %q", round, q)
			assert.Equal(t, want, got, "round %d %q", round, q)
		}
	}
}
