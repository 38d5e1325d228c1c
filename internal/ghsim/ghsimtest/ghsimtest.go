// Package ghsimtest holds the simulated GitHub's helpers for tests, so that
// the simulator itself (internal/ghsim, shipped in demo and ghsim) does not
// link the testing packages.
package ghsimtest

import (
	"testing"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// NewServer starts a simulator and closes it when the test ends.
func NewServer(tb testing.TB, opts ...ghsim.Option) *ghsim.Server {
	tb.Helper()
	s := ghsim.NewServer(opts...)
	tb.Cleanup(s.Close)
	return s
}
