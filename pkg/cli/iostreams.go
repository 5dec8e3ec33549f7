package cli

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// IOStreams is the one place that knows where output goes and whether a
// person is watching. Commands write results to Out and diagnostics to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	StdinTTY  bool
	StdoutTTY bool
	// StderrTTY says a person watches standard error: progress bars are
	// drawn only then.
	StderrTTY bool
	// Getenv is consulted for NO_COLOR, TERM and MAILFLOW_* variables;
	// tests replace it to stay independent of the developer's shell.
	Getenv func(string) string
}

// System returns streams bound to the process's stdin, stdout and stderr.
func System() *IOStreams {
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		StdinTTY:  isTTY(os.Stdin),
		StdoutTTY: isTTY(os.Stdout),
		StderrTTY: isTTY(os.Stderr),
		Getenv:    os.Getenv,
	}
}

func isTTY(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// ColorEnabled applies --color: "always", "never", or "auto", which means a
// terminal on stdout, NO_COLOR unset or empty (https://no-color.org: only a
// non-empty value turns color off) and TERM not dumb.
func (s *IOStreams) ColorEnabled(mode string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	return s.StdoutTTY && s.Getenv("NO_COLOR") == "" && s.Getenv("TERM") != "dumb"
}
