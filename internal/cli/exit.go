package cli

import (
	"errors"
	"fmt"

	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
)

// Exit codes (SPEC.md "Exit codes"). Where several hold, the first in the
// order 1, 4, 3, 2 wins: see worst.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitChanges = 2
	ExitRefused = 3
	ExitPartial = 4
)

// exitError carries an exit code that no error type gives (changes
// pending, done in part) up to Main. A nil err means the command already
// said everything it had to.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exit returns an error that makes permsync exit with code; err may be nil.
func exit(code int, err error) error {
	if code == ExitOK && err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// exitCode maps an error to the process exit code: the one its type
// carries, else 1 (bad input, a file that does not load, an unreachable
// API, a stale plan). Commands return errors as they are.
func exitCode(err error) int {
	var ee *exitError
	var refused *operation.RefusedError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &refused):
		return planExitCode(refused.Plan, false) // 1 if it also holds errors
	}
	return ExitError
}

// when is code if cond holds, else ExitOK.
func when(cond bool, code int) int {
	if cond {
		return code
	}
	return ExitOK
}

// worst combines exit codes by SPEC.md's precedence: 1, then 4, then 3, then 2.
func worst(codes ...int) int {
	rank := map[int]int{ExitError: 4, ExitPartial: 3, ExitRefused: 2, ExitChanges: 1, ExitOK: 0}
	best := ExitOK
	for _, c := range codes {
		if rank[c] > rank[best] {
			best = c
		}
	}
	return best
}
