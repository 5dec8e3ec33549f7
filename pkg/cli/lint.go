package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/lint"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

type lintOptions struct {
	listRules bool
	live      bool
	compare   string
	port      int
	caFile    string
	skip      []string
	maxInput  int
	client    *tlsClientFlags
}

// lintData is the "data" member of lint JSON output: the files read.
type lintData struct {
	Inputs []lint.Input `json:"inputs"`
}

func init() {
	register(func(e *Env) *cobra.Command {
		o := lintOptions{client: &tlsClientFlags{prefix: "with --live: "}}
		cmd := &cobra.Command{
			Use:   "lint FILE...",
			Short: "Find Exchange connector settings that break mail flow, in exported configuration",
			Long: `Lint Exchange transport configuration exported by an administrator and
report settings that cause NDRs, loops, queues or open relays.

Give every file at once: many problems are contradictions between objects
(a send connector and the receive connector it lands on, an accepted domain
and a connector). Each file may be, detected automatically:

  Format-List text   Get-SendConnector | Format-List * (also fl, Out-File,
                     UTF-16 or UTF-8, pasted with the PS prompt line)
  Export-Clixml XML  Get-ReceiveConnector | Export-Clixml recv.xml
  ConvertTo-Json     Get-AcceptedDomain | ConvertTo-Json
  legacy YAML        Exchange 2003 virtual servers, SMTP connectors,
                     recipient policies and routing groups (docs/lint.md)

Supported cmdlets: Get-SendConnector, Get-ReceiveConnector,
Get-AcceptedDomain, Get-TransportService, Get-ExchangeServer,
Get-ADPermission (relay rights on receive connectors), and Exchange
Online's Get-InboundConnector and Get-OutboundConnector. Set
$FormatEnumerationLimit = -1 before Format-List, or long lists are cut.

Credentials in the input are never printed. "-" reads standard input.
Files are read as streams; one larger than --max-input (64 MiB unless
raised) is refused with exit code 2.

--live also checks the network: smart hosts resolve (through --dns, and the
same through --compare for split DNS), answer SMTP, offer STARTTLS and
present a certificate for the configured name; relay domains' MX records do
not point back at the organization's own servers.

Exit codes: 0 clean, 1 an error finding (or --fail-on), 2 unreadable input,
3 a check could not be completed (truncated list, --live lookup failure).`,
			Example: `  mailflow lint send.txt receive.xml domains.json
  mailflow lint --format sarif exports/*.txt > lint.sarif
  mailflow lint --list-rules
  mailflow lint --live --dns 10.0.0.53 --compare 192.0.2.53 send.txt`,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				return runLint(cmd, e, o, args)
			}),
		}
		f := cmd.Flags()
		f.BoolVar(&o.listRules, "list-rules", false, "describe every rule (ID, severity, what it checks, what it prevents, the fix) and exit")
		f.BoolVar(&o.live, "live", false, "also check smart hosts and MX records over the network")
		f.StringVar(&o.compare, "compare", "", "with --live: external DNS server ADDR[:PORT] whose answers for smart hosts must match --dns")
		f.IntVar(&o.port, "port", 0, "with --live: connect to smart hosts on this port instead of each connector's Port")
		f.StringVar(&o.caFile, "ca-file", "", "with --live: PEM file of CA certificates to verify smart host certificates with (default: system roots)")
		o.client.register(cmd, false)
		f.StringArrayVar(&o.skip, "skip", nil, "rule ID not to run (repeatable)")
		f.IntVar(&o.maxInput, "max-input", lint.DefaultMaxInput>>20, "largest input file to read, in MiB")
		return cmd
	})
}

func runLint(cmd *cobra.Command, e *Env, o lintOptions, args []string) error {
	if o.listRules {
		if err := e.RequireFormat("text", "json", "markdown"); err != nil {
			return err
		}
		return lint.WriteRules(e.IO.Out, e.Format)
	}
	if err := e.RequireFormat("text", "json", "markdown", "sarif"); err != nil {
		return err
	}
	if len(args) == 0 {
		return Usagef("lint needs at least one exported file (or --list-rules)")
	}
	if !o.live && (o.compare != "" || o.port != 0 || o.caFile != "" || o.client.given(cmd)) {
		return Usagef("--compare, --port, --ca-file and the TLS client flags (--tls-*, -4/-6, --source) only apply with --live")
	}
	if o.port < 0 || o.port > 65535 {
		return Usagef("--port %d: want 1-65535", o.port)
	}
	if err := inRange("--max-input", o.maxInput, 1, maxInputMiB); err != nil {
		return err
	}
	for _, id := range o.skip {
		if lint.Lookup(id) == nil {
			return Usagef("--skip %q: no such rule (see mailflow lint --list-rules)", id)
		}
	}
	started := e.Now()
	stdinUsed := false
	for _, path := range args {
		if path == "-" {
			if stdinUsed {
				return Usagef("\"-\" (standard input) given more than once")
			}
			stdinUsed = true
		}
	}
	limit := int64(o.maxInput) << 20
	srcs, err := lint.OpenSources(args, e.IO.In, limit)
	if err != nil {
		return inputError(err)
	}
	cfg, err := lint.Load(srcs, lint.LoadOptions{MaxInput: limit})
	if err != nil {
		return inputError(err)
	}
	rep := &report.Report{Command: "lint", Targets: args, Started: started}
	opts := lint.Options{Skip: o.skip}
	if o.live {
		live, desc, err := runLive(cmd, e, o, cfg)
		if err != nil {
			return err
		}
		opts.Live, rep.Resolver = live, desc
		rep.Sections = append(rep.Sections, report.Section{Title: "Live checks", Lines: live.Lines()})
	}
	rep.Findings = lint.Check(cfg, opts)
	rep.Sections = append(lint.ObjectSections(rep.Findings), rep.Sections...)
	rep.Summary = fmt.Sprintf("Checked %s from %s.", report.Plural(len(cfg.Objects), "object"), report.Plural(len(cfg.Inputs), "file"))
	rep.Data = lintData{Inputs: cfg.Inputs}
	rep.Duration = e.Now().Sub(started)
	if e.Format == "sarif" {
		if err := report.WriteSARIF(e.IO.Out, rep, lint.SARIFRules(), Version()); err != nil {
			return err
		}
		return Exit(e.ExitFor(rep.Findings))
	}
	return e.Render(rep)
}

// inputError turns unreadable input into exit 2 with the file (and line)
// named; other failures stay errors (exit 3).
func inputError(err error) error {
	var pe *lint.ParseError
	var pathErr *fs.PathError
	var big *lint.TooLargeError
	switch {
	case errors.As(err, &big):
		return WithHint(&InputError{Err: err}, tooLargeHint(big))
	case errors.As(err, &pe):
		return &InputError{Err: err}
	case errors.As(err, &pathErr):
		return Inputf("%s: %v", pathErr.Path, pathErr.Err)
	}
	return err
}

// maxInputMiB caps --max-input: past a few GiB a file is not an export,
// and the shift to bytes must not overflow.
const maxInputMiB = 1 << 14

// tooLargeHint says how to read a file past the limit, with a value that
// is enough when the size is known.
func tooLargeHint(e *lint.TooLargeError) string {
	if e.Size > 0 {
		need := (e.Size + 1<<20 - 1) >> 20
		return fmt.Sprintf("if this really is an export (%d MiB), read it with --max-input %d", need, need)
	}
	return fmt.Sprintf("if this really is an export, raise the limit with --max-input MiB (now %d)", e.Limit>>20)
}

func runLive(cmd *cobra.Command, e *Env, o lintOptions, cfg *lint.Config) (*lint.LiveResult, string, error) {
	internal, err := e.Resolver()
	if err != nil {
		return nil, "", err
	}
	lo := lint.LiveOptions{Internal: internal, Port: o.port, Timeout: e.Timeout}
	if lo.Client, err = o.client.controls(e); err != nil {
		return nil, "", err
	}
	desc := internal.String()
	if o.compare != "" {
		ext, err := resolver.New(resolver.Config{Servers: []string{o.compare}, TCP: e.TCP, Timeout: e.Timeout, Retries: e.Retries})
		if err != nil {
			return nil, "", Usagef("--compare: %v", err)
		}
		lo.External = ext
		desc += "; compared with " + ext.String()
	}
	if o.caFile != "" {
		if lo.RootCAs, err = certPool(e, "--ca-file", o.caFile); err != nil {
			return nil, "", err
		}
	}
	// Every session step has its own timeout; this bounds the whole run
	// against a configuration with very many smart hosts.
	ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Minute)
	defer cancel()
	live, err := lint.Live(ctx, cfg, lo)
	if err != nil {
		return nil, "", err
	}
	return live, desc, nil
}
