package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
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

	// progress is the line a long read draws on a terminal's stderr
	// (before the guard: it draws with escapes of its own). Set by
	// guarded; any output clears it first, so no command clears it by hand.
	progress *progressLine
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

// guarded returns s with stdout and stderr passing through the output
// guard (guardWriter). Main calls it, so every byte a command prints does.
func (s *IOStreams) guarded() *IOStreams {
	if _, ok := s.Out.(*guardWriter); ok {
		return s
	}
	g := *s
	if s.Getenv != nil && s.Progress() {
		g.progress = &progressLine{w: s.ErrOut}
	}
	g.Out = &guardWriter{w: s.Out, color: s.Getenv != nil && s.Color(), progress: g.progress}
	g.ErrOut = &guardWriter{w: s.ErrOut, progress: g.progress}
	return &g
}

// Annotation writes one GitHub Actions workflow command (e.g.
// "::error file=…::message", its values escaped by the caller) on a line
// of its own to stdout. It is the only way such a line gets out: the
// guard neutralises every other line that starts with "::".
func (s *IOStreams) Annotation(line string) {
	if g, ok := s.Out.(*guardWriter); ok {
		g.write(line+"\n", true)
		return
	}
	fmt.Fprintln(s.Out, line)
}

// guardWriter is the one place all of permsync's text output passes
// (stdout and stderr, every command, every format), so that what GitHub
// or a pull request supplied — a login, a team name, an error message —
// cannot act on whoever reads it:
//   - secrets are removed (ghapi.Redact: every credential the process
//     loaded, and anything shaped like a token or a PEM key);
//   - control characters other than newline and tab, C1 controls, bidi
//     overrides and invalid UTF-8 are written as Go escapes (\x1b, \r…),
//     so no terminal escape sequence (colours, cursor moves, OSC 8 links,
//     title changes) gets through; on a colour terminal the few colour
//     codes permsync itself uses pass;
//   - a line that starts with "::" (a GitHub Actions workflow command:
//     ::error, ::add-mask, ::stop-commands…) or holds "##[" (the legacy
//     form) is broken with a zero-width space, unless written with
//     IOStreams.Annotation.
//
// Each Write is handled whole (a secret split across two writes is not
// seen; permsync writes a message in one call).
type guardWriter struct {
	w        io.Writer
	color    bool
	progress *progressLine // cleared before each write

	mu        sync.Mutex
	lineStart bool // the next byte begins a line (leading blanks aside)
	started   bool
}

func (g *guardWriter) Write(p []byte) (int, error) {
	if err := g.write(string(p), false); err != nil {
		return 0, err
	}
	return len(p), nil
}

// sgr matches the colour codes permsync's text output uses.
var sgr = regexp.MustCompile(`^\x1b\[(0|1|2|31|32|33)m`)

const zwsp = "\u200b"

func (g *guardWriter) write(s string, command bool) error {
	s = ghapi.Redact(s)
	if p := g.progress; p != nil {
		// Held while writing, so that no progress update lands mid-line.
		p.mu.Lock()
		defer p.mu.Unlock()
		p.clear()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.started {
		g.started, g.lineStart = true, true
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteByte('\n')
			g.lineStart = true
			i += size
			continue
		case r == '\u2028' || r == '\u2029':
			// Line and paragraph separators end a line for some readers:
			// escaped, so that they cannot start one.
			fmt.Fprintf(&b, `\u%04x`, r)
			g.lineStart = true
			i += size
			continue
		case r == ' ' || r == '\t' || (unicode.IsSpace(r) && !isControl(r)):
			b.WriteRune(r)
			i += size
			continue // leading blanks, any Unicode space (the runner trims them all), keep a line's start
		case r == 0x1b && g.color && sgr.MatchString(s[i:]):
			m := sgr.FindString(s[i:])
			b.WriteString(m)
			i += len(m)
			continue
		case isControl(r):
			b.WriteString(escapeControls(string(r), false))
		case isBidi(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		case r == ':' && g.lineStart && !(command && i == 0) && (i+1 == len(s) || s[i+1] == ':'):
			b.WriteString(":" + zwsp)
		case r == '#' && strings.HasPrefix(s[i:], "##["):
			b.WriteString("##" + zwsp)
			i += 2
			g.lineStart = false
			continue
		default:
			b.WriteRune(r)
		}
		g.lineStart = false
		i += size
	}
	_, err := io.WriteString(g.w, b.String())
	return err
}

// isBidi reports the Unicode bidirectional overrides and isolates, which
// can make a terminal show text in another order than it is written.
func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}
