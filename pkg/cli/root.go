// Package cli is mailflow's command-line layer: the cobra commands, global
// flags, output streams and the mapping from results to exit codes. Each
// subcommand lives in its own file, parses its flags, calls one capability
// package and hands the result to the renderer. No diagnosis logic lives here.
package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Env carries what every subcommand shares: streams and the global flags.
type Env struct {
	IO *IOStreams

	Format  string
	Color   string
	NoColor bool
	Verbose bool
	FailOn  string

	DNS     []string
	TCP     bool
	Timeout time.Duration
	Retries int

	// Now is the clock for stamps in output; tests pin it, and so does
	// SOURCE_DATE_EPOCH (see sourceDate).
	Now func() time.Time

	// argv is the command line after the program name and cmd the command
	// it ran, for the command line shown in Markdown reports.
	argv []string
	cmd  *cobra.Command
	// config records where each setting came from (config.go).
	config *configState
}

// Main runs mailflow with the process's arguments and streams and returns
// the exit code.
func Main() int {
	return Run(System(), nil)
}

// Run executes mailflow with the given streams and arguments (nil means
// os.Args[1:]) and returns the exit code. Tests call it directly.
func Run(io *IOStreams, args []string) int {
	env := &Env{IO: io, Now: time.Now, argv: args}
	if args == nil {
		env.argv = os.Args[1:]
	}
	root := newTree(env)
	if completing(env.argv) {
		// Only the shell's completion request reads the table, and
		// attaching it builds every command's flag set: about a
		// millisecond at every start that no other run needs.
		_ = registerCompletions(root)
	}
	if args != nil {
		root.SetArgs(args)
	}
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	err := root.Execute()
	if err == nil {
		return report.ExitOK
	}
	var ran *runError
	if !errors.As(err, &ran) {
		// Cobra's own errors: unknown command or flag, wrong arguments.
		err = &UsageError{Err: err}
	}
	code := exitCodeFor(err)
	var es exitStatus
	if !errors.As(err, &es) {
		// Errors quote servers, files and arguments: sanitised like any
		// other output, and one line each.
		fmt.Fprintf(io.ErrOut, "mailflow: %s\n", report.Sanitize(err.Error()))
		var h *hinted
		if errors.As(err, &h) {
			for _, l := range h.hints {
				fmt.Fprintf(io.ErrOut, "hint: %s\n", report.Sanitize(l))
			}
		}
		var ue *UsageError
		if errors.As(err, &ue) {
			fmt.Fprintln(io.ErrOut, "hint: run 'mailflow --help' or 'mailflow COMMAND --help' for usage")
		}
	}
	return code
}

// runError marks errors that come out of a command's own work, as opposed to
// cobra's argument handling.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// runE adapts a command body so its errors are told apart from cobra's.
func runE(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := f(cmd, args); err != nil {
			return &runError{err: err}
		}
		return nil
	}
}

var knownFormats = []string{"text", "json", "jsonl", "markdown", "sarif", "junit"}

// completing reports whether argv is a shell's request for completions
// (cobra's hidden __complete commands).
func completing(argv []string) bool {
	return len(argv) > 0 && (argv[0] == cobra.ShellCompRequestCmd || argv[0] == cobra.ShellCompNoDescRequestCmd)
}

// NewRoot builds the command tree, with shell completion for flag values.
func NewRoot(env *Env) *cobra.Command {
	root := newTree(env)
	// An error here is a completion table out of step with the flags, which
	// TestEveryFlagCompletes reports; completion is then only less helpful.
	_ = registerCompletions(root)
	return root
}

func newTree(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "mailflow",
		Short: "Diagnose mail flow: MX routing, SMTP, block lists, bounces, Exchange connectors",
		Long: `mailflow diagnoses why mail does not flow. It walks MX routing the way a
sending MTA does, runs scripted SMTP sessions, checks DNS block lists with
each list's real semantics, explains non-delivery reports, and lints Exchange
connector configuration. Every command reports findings with a stable ID,
evidence and a fix, as text, JSON or Markdown.

Exit codes: 0 nothing wrong, 1 a problem was found, 2 usage or input error,
3 a check could not be completed (network, timeout).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			env.cmd = cmd
			if err := env.applyConfig(cmd); err != nil {
				return &runError{err: err}
			}
			if !slices.Contains(knownFormats, env.Format) {
				return Usagef("--format %q: want one of %s", env.Format, strings.Join(knownFormats, ", "))
			}
			switch env.Color {
			case "auto", "always", "never":
			default:
				return Usagef("--color %q: want auto, always or never", env.Color)
			}
			if _, err := report.ParseSeverity(env.FailOn); err != nil {
				return Usagef("--fail-on: %v", err)
			}
			if env.Timeout <= 0 {
				return Usagef("--timeout must be positive, got %s", env.Timeout)
			}
			for _, d := range env.DNS {
				if _, err := resolver.ParseServer(d); err != nil {
					return Usagef("--dns: %v", err)
				}
			}
			if env.Retries < 0 {
				return Usagef("--retries must not be negative, got %d", env.Retries)
			}
			return sourceDate(env)
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &UsageError{Err: err} })
	pf := root.PersistentFlags()
	pf.StringVarP(&env.Format, "format", "o", "text", "output format: text, json, jsonl, markdown (lint: sarif; check: junit)")
	pf.StringVar(&env.Color, "color", "auto", "color text output: auto (only on a terminal, never with NO_COLOR), always, never")
	pf.BoolVar(&env.NoColor, "no-color", false, "same as --color never")
	pf.BoolVarP(&env.Verbose, "verbose", "v", false, "show traces, transcripts and passed checks")
	pf.StringVar(&env.FailOn, "fail-on", "error", "lowest severity that makes the exit code 1: error, warning or info")
	pf.StringArrayVar(&env.DNS, "dns", nil, "DNS server ADDR[:PORT] to query (repeatable; default: /etc/resolv.conf)")
	pf.BoolVar(&env.TCP, "tcp", false, "query DNS over TCP only")
	pf.DurationVar(&env.Timeout, "timeout", 5*time.Second, "timeout for each network attempt (DNS query, SMTP reply)")
	pf.IntVar(&env.Retries, "retries", 2, "times a DNS query is sent again to a server that has not answered within its retransmission timeout")

	for _, add := range subcommands {
		root.AddCommand(add(env))
	}
	strictCompletion(root)
	return root
}

// sourceDate pins the clock to SOURCE_DATE_EPOCH when it is set
// (https://reproducible-builds.org/specs/source-date-epoch/): the time
// stamped into Markdown reports is then the same on every run, for
// generated documentation and golden tests.
func sourceDate(env *Env) error {
	v := env.IO.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return nil
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs < 0 {
		return Usagef("SOURCE_DATE_EPOCH %q: want seconds since 1970-01-01 UTC", v)
	}
	t := time.Unix(secs, 0).UTC()
	env.Now = func() time.Time { return t }
	return nil
}

// subcommands is filled by each subcommand file's init, so adding a command
// touches only its own file.
var subcommands []func(*Env) *cobra.Command

func register(f func(*Env) *cobra.Command) { subcommands = append(subcommands, f) }

// RequireFormat rejects output formats a command cannot produce, before any
// work is done.
func (e *Env) RequireFormat(allowed ...string) error {
	if !slices.Contains(allowed, e.Format) {
		return Usagef("--format %s is not available for this command (use %s)", e.Format, strings.Join(allowed, ", "))
	}
	return nil
}

// Resolver builds the shared DNS client from the global flags.
func (e *Env) Resolver() (*resolver.Resolver, error) { return e.resolver(false) }

// resolver builds the DNS client; noCache leaves out the answer cache, for
// runs that never ask the same question twice.
func (e *Env) resolver(noCache bool) (*resolver.Resolver, error) {
	r, err := resolver.New(resolver.Config{
		Servers: e.DNS,
		TCP:     e.TCP,
		Timeout: e.Timeout,
		Retries: e.Retries,
		NoCache: noCache,
	})
	if err != nil {
		return nil, &InputError{Err: err}
	}
	return r, nil
}

// failOn returns the parsed --fail-on threshold (validated in pre-run).
func (e *Env) failOn() report.Severity {
	s, _ := report.ParseSeverity(e.FailOn)
	return s
}

// RenderOptions returns the renderer settings for this run.
func (e *Env) RenderOptions(exit int) report.Options {
	return report.Options{
		Color:    !e.NoColor && e.IO.ColorEnabled(e.Color),
		Verbose:  e.Verbose,
		Version:  Version(),
		Now:      e.Now,
		ExitCode: exit,
		Args:     shownArgs(e.cmd, e.argv),
	}
}

// ExitFor returns the exit code the findings call for under --fail-on.
func (e *Env) ExitFor(findings []report.Finding) int {
	return report.ExitCode(findings, e.failOn())
}

// Render writes the report in the chosen format and turns its findings into
// the exit status.
func (e *Env) Render(r *report.Report) error {
	exit := e.ExitFor(r.Findings)
	if err := report.Write(e.IO.Out, r, report.Format(e.Format), e.RenderOptions(exit)); err != nil {
		return err
	}
	return Exit(exit)
}

// Exit returns the error that makes the process exit with code without
// printing anything more (nil for 0).
func Exit(code int) error {
	if code == report.ExitOK {
		return nil
	}
	return exitStatus{code: code}
}
