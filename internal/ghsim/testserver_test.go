package ghsim

import "testing"

// newTestServer starts a simulator and closes it when the test ends (the
// package's own tests cannot import ghsimtest, which imports this package).
func newTestServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := NewServer(opts...)
	tb.Cleanup(s.Close)
	return s
}
