package config

import (
	"fmt"
	"sort"
	"strings"
)

// Severity separates problems that stop a run from advice.
type Severity int

const (
	SevError Severity = iota
	SevWarning
)

// Diagnostic is one problem found in the files, at a position.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Message  string
}

func (d Diagnostic) String() string {
	prefix := d.Pos.String()
	if prefix != "" {
		prefix += ": "
	}
	if d.Severity == SevWarning {
		prefix += "warning: "
	}
	return prefix + d.Message
}

// Diagnostics collects every problem of a run rather than stopping at the first.
type Diagnostics []Diagnostic

func (ds *Diagnostics) Errorf(pos Pos, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: pos, Severity: SevError, Message: fmt.Sprintf(format, args...)})
}

func (ds *Diagnostics) Warnf(pos Pos, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: pos, Severity: SevWarning, Message: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SevError {
			return true
		}
	}
	return false
}

// Filter returns the diagnostics of one severity.
func (ds Diagnostics) Filter(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// Sort orders by file, line, column, so output is stable.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// MaxPerFile bounds the diagnostics kept for one file: past it a file is
// more likely garbage or hostile than mistyped, and a flood would bury the
// rest of the run (and GitHub's annotations) under one file.
const MaxPerFile = 100

// capPerFile keeps the first MaxPerFile diagnostics of each file of a sorted
// list and replaces the rest with one error that counts them.
func (ds Diagnostics) capPerFile() Diagnostics {
	out := make(Diagnostics, 0, len(ds))
	for i := 0; i < len(ds); {
		j := i
		for j < len(ds) && ds[j].Pos.File == ds[i].Pos.File {
			j++
		}
		if n := j - i; n > MaxPerFile {
			out = append(out, ds[i:i+MaxPerFile]...)
			sev := SevWarning
			if ds[i+MaxPerFile : j].HasErrors() {
				sev = SevError
			}
			out = append(out, Diagnostic{Pos: Pos{File: ds[i].Pos.File}, Severity: sev,
				Message: fmt.Sprintf("%d more problems in this file not shown", n-MaxPerFile)})
		} else {
			out = append(out, ds[i:j]...)
		}
		i = j
	}
	return out
}

// Err returns the errors as one error (nil when there are none).
func (ds Diagnostics) Err() error {
	errs := ds.Filter(SevError)
	if len(errs) == 0 {
		return nil
	}
	return &Error{Diagnostics: errs}
}

// Error is the error value of a failed load: every error of the run.
type Error struct{ Diagnostics Diagnostics }

func (e *Error) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}
