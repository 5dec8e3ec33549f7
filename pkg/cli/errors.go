package cli

import (
	"errors"
	"fmt"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// UsageError is a problem with flags or arguments: exit 2, and the usage
// hint is printed.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef builds a UsageError.
func Usagef(format string, a ...any) error {
	return &UsageError{Err: fmt.Errorf(format, a...)}
}

// InputError is bad input data (a malformed file, an invalid domain): exit 2.
// Its message names what was wrong and where.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Inputf builds an InputError.
func Inputf(format string, a ...any) error {
	return &InputError{Err: fmt.Errorf(format, a...)}
}

// exitStatus carries a non-zero exit code decided from findings; the
// findings were already printed, so nothing more is said.
type exitStatus struct{ code int }

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// hinted attaches "hint:" lines that tell the user what to do next.
type hinted struct {
	err   error
	hints []string
}

func (e *hinted) Error() string { return e.err.Error() }
func (e *hinted) Unwrap() error { return e.err }

// WithHint adds hint lines printed after the error.
func WithHint(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hints: hints}
}

// exitCodeFor maps an error returned by a command to the documented exit
// code. Errors that are neither usage nor input problems mean a check could
// not be completed (network, timeout): exit 3.
func exitCodeFor(err error) int {
	var es exitStatus
	var ue *UsageError
	var ie *InputError
	switch {
	case err == nil:
		return report.ExitOK
	case errors.As(err, &es):
		return es.code
	case errors.As(err, &ue), errors.As(err, &ie):
		return report.ExitUsage
	}
	return report.ExitIncomplete
}

// inRange checks an integer flag, so every command words the error alike.
func inRange(flag string, v, lo, hi int) error {
	if v < lo || v > hi {
		return Usagef("%s must be between %d and %d, got %d", flag, lo, hi, v)
	}
	return nil
}

// firstErr returns the first non-nil error: flag checks run in the order
// the user reads them.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
