package cli

import (
	"context"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// IOStreams is what a command reads and writes, injected so tests can run
// commands without a terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	StdinTTY  bool
	StdoutTTY bool
	StderrTTY bool

	Getenv func(string) string
	Now    func() time.Time

	// NoColor is set by --no-color.
	NoColor bool

	// GitHubNow and GitHubSleep, when set, replace the GitHub client's
	// clock and its waits (retry backoff, rate-limit resets): tests drive
	// them on a simulated GitHub's clock. Nil means the wall clock.
	GitHubNow   func() time.Time
	GitHubSleep func(ctx context.Context, d time.Duration) error
}

// System returns the process's own streams and environment.
func System() *IOStreams {
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		StdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		Getenv:    os.Getenv,
		Now:       time.Now,
	}
}

// Color reports whether stdout output may use ANSI colours: --no-color and
// NO_COLOR (no-color.org) say never, CLICOLOR_FORCE (bixense.com/clicolors)
// says even when piped, else only on a terminal that is not dumb.
func (s *IOStreams) Color() bool {
	if s.NoColor || s.Getenv("NO_COLOR") != "" {
		return false
	}
	if f := s.Getenv("CLICOLOR_FORCE"); f != "" && f != "0" {
		return true
	}
	return s.StdoutTTY && s.Getenv("TERM") != "dumb"
}

// Progress reports whether long runs may draw progress on stderr: only for
// a person at a terminal, never into a CI log.
func (s *IOStreams) Progress() bool {
	return s.StderrTTY && s.Getenv("CI") == "" && s.Getenv("TERM") != "dumb"
}

// Interactive reports whether a person can answer a question.
func (s *IOStreams) Interactive() bool { return s.StdinTTY && s.StderrTTY }
