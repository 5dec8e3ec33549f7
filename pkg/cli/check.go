package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/check"
	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

type checkOptions struct {
	spec        string
	port        int
	caFile      string
	ehlo        string
	self        []string
	zones       []string
	dnsblDNS    string
	relayTest   bool
	concurrency int
	stsFetch    bool
	stsPort     int
	client      tlsClientFlags
	tlsGrade    bool
}

// checkData is the "data" member of check JSON output.
type checkData struct {
	Results    []*check.Result   `json:"results"`
	Spec       string            `json:"spec,omitempty"`
	Assertions []check.Assertion `json:"assertions,omitempty"`
}

func init() {
	register(func(e *Env) *cobra.Command {
		o := &checkOptions{}
		cmd := &cobra.Command{
			Use:   "check [DOMAIN...]",
			Short: "Check a domain's whole mail flow: MX, SMTP/TLS, block lists, SPF, DMARC; assert it in CI with --spec",
			Long: `Check everything a sender meets on the way to DOMAIN, the way an
administrator would by hand: the MX route (as mailflow mx), then for every
MX address at once an SMTP session that ends after EHLO and STARTTLS (as
mailflow smtp, nothing is sent), the address's reverse DNS and block-list
status (as mailflow dnsbl), the domain's SPF (every include counted as
receivers count it) and DMARC (with the organizational domain's fallback,
subdomain policies and report authorization), the DNSSEC state of the
route, DANE, TLS-RPT and MTA-STS: the policy is fetched over HTTPS and
every MX is checked against it, including whether its TLS would satisfy
senders that enforce it. A summary table comes first, the details and
every finding with its fix below.

The check looks from the outside: no MX host counts as "us" unless --self
names it. Without --zone the default block lists of the catalog are used
(mailflow dnsbl --list-catalog); --dnsbl-dns sends the block-list queries to
a server of their own, such as a local rbldnsd. --relay-test also asks
every MX, unauthenticated, to relay between reserved domains.

--spec FILE asserts an expected state for one or many domains (docs/check.md):
MX hosts, STARTTLS, minimum TLS version, certificate margin, block lists,
no open relay, no AUTH before TLS on submission, SPF and DMARC. Every
assertion is one JSON entry and, with --format junit, one JUnit test case.
With a spec only the assertions decide the exit code.

Exit codes: 0 fine, 1 a problem (an error finding or a failed assertion;
see --fail-on), 2 usage error or a bad spec, 3 something could not be
checked and nothing worse was found.`,
			Example: `  mailflow check example.org
  mailflow check example.org --zone zen --relay-test -v
  mailflow check --spec mailflow.yaml --format junit > mailflow.xml
  mailflow check --spec mailflow.yaml --format json`,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				return runCheck(cmd.Context(), e, o, args)
			}),
		}
		f := cmd.Flags()
		f.StringVar(&o.spec, "spec", "", "YAML FILE of assertions about one or many domains (docs/check.md)")
		f.IntVar(&o.port, "port", 25, "SMTP port of the MX hosts")
		f.StringVar(&o.caFile, "ca-file", "", "PEM FILE of CA certificates to verify server and MTA-STS policy host certificates with (default: system roots)")
		f.StringVar(&o.ehlo, "ehlo", "", "NAME to send in EHLO (default: this machine's name when fully qualified)")
		f.StringArrayVar(&o.self, "self", nil, "a NAME or IP that is this MTA, for loop detection (repeatable; default: none)")
		f.StringArrayVar(&o.zones, "zone", nil, "block list to check the MX addresses on, as for mailflow dnsbl (repeatable; default: the catalog's default set)")
		f.StringVar(&o.dnsblDNS, "dnsbl-dns", "", "send the block-list queries to DNS server ADDR[:PORT] instead of --dns")
		f.BoolVar(&o.relayTest, "relay-test", false, "ask every MX to relay between reserved domains, unauthenticated (no message is sent)")
		f.IntVar(&o.concurrency, "concurrency", check.DefaultConcurrency, fmt.Sprintf("SMTP sessions at once (1-%d)", check.MaxConcurrency))
		addMTASTSFlags(f, &o.stsFetch, &o.stsPort)
		f.BoolVar(&o.tlsGrade, "tls-grade", false, "grade each MX's TLS against NCSC-NL's TLS guidelines: versions, weak suites, key exchange, certificate key and signature (8 more short sessions per MX)")
		o.client.register(cmd, true)
		return cmd
	})
}

func runCheck(ctx context.Context, e *Env, o *checkOptions, args []string) error {
	if err := e.RequireFormat("text", "json", "markdown", "junit"); err != nil {
		return err
	}
	switch {
	case o.spec == "" && len(args) == 0:
		return Usagef("give a DOMAIN or --spec FILE")
	case o.spec != "" && len(args) > 0:
		return Usagef("give DOMAIN arguments or --spec, not both")
	}
	if err := firstErr(inRange("--concurrency", o.concurrency, 1, check.MaxConcurrency), inRange("--port", o.port, 1, 65535),
		inRange("--mta-sts-port", o.stsPort, 1, 65535)); err != nil {
		return err
	}
	if err := mx.ValidateSelf(o.self); err != nil {
		return Usagef("%v", err)
	}
	var spec *check.Spec
	var targets []check.Target
	if o.spec != "" {
		var err error
		if spec, err = loadCheckSpec(e, o); err != nil {
			return err
		}
		for _, d := range spec.Domains {
			targets = append(targets, check.Target{Domain: d.Domain, Submission: d.NoAuthBeforeTLS})
		}
	}
	for _, a := range args {
		n, err := mx.ParseDomain(a)
		if err != nil {
			return Inputf("%v", err)
		}
		targets = append(targets, check.Target{Domain: n.ASCII})
	}
	opts, err := checkRunOptions(e, o, spec)
	if err != nil {
		return err
	}
	r, err := e.Resolver()
	if err != nil {
		return err
	}
	started := time.Now()
	results, err := check.Run(ctx, r, targets, opts)
	if err != nil {
		return Inputf("%v", err)
	}
	rep := &report.Report{Command: "check", Targets: args, Started: started, Duration: time.Since(started), Resolver: r.String()}
	if opts.DNSBL != nil {
		rep.Resolver += "; block lists via " + opts.DNSBL.String()
	}
	rep.Sections = []report.Section{{Title: "Summary", Table: check.SummaryTable(results)}}
	data := checkData{Results: results}
	var perDomain [][]report.Finding
	var summary []string
	if spec != nil {
		rep.Targets = []string{"--spec " + spec.File}
		var t *report.Table
		perDomain, summary, data.Assertions, t = checkAssertions(spec, results)
		data.Spec = spec.File
		rep.Sections = append(rep.Sections, report.Section{Title: "Assertions of " + spec.File, Table: t})
	} else {
		rep.Findings = dnsbl.Advice(opts.Lists)
		for _, res := range results {
			perDomain = append(perDomain, qualify(res.Findings, res.Domain, len(results) > 1))
			summary = append(summary, res.Domain+": "+res.Verdict())
		}
	}
	for i, res := range results {
		rep.Findings = append(rep.Findings, perDomain[i]...)
		for _, s := range res.Sections() {
			// With a spec the assertions are the report; the details
			// behind them are there on request.
			s.Verbose = s.Verbose || spec != nil
			rep.Sections = append(rep.Sections, s)
		}
	}
	rep.Summary = strings.Join(summary, "\n")
	rep.Data = data
	if e.Format == "junit" {
		suites := make([]report.TestSuite, len(results))
		for i, res := range results {
			suites[i] = check.Suite(res.Domain, perDomain[i], e.failOn())
		}
		if err := report.WriteJUnit(e.IO.Out, "mailflow check", suites); err != nil {
			return err
		}
		return Exit(e.ExitFor(rep.Findings))
	}
	return e.Render(rep)
}

// checkAssertions evaluates the spec: per domain the assertions as
// findings and a count line, and all of them as entries and as a table.
func checkAssertions(spec *check.Spec, results []*check.Result) (perDomain [][]report.Finding, summary []string, all []check.Assertion, t *report.Table) {
	t = &report.Table{Header: []string{"Domain", "Assertion", "Subject", "Want", "Got", "Result"}}
	perDomain = make([][]report.Finding, len(results))
	for i, d := range spec.Domains {
		counts := map[string]int{}
		for _, a := range d.Evaluate(results[i]) {
			all = append(all, a)
			perDomain[i] = append(perDomain[i], a.Finding())
			t.Rows = append(t.Rows, []string{a.Domain, a.Name, a.Subject, a.Want, a.Got, assertionResult(a)})
			counts[assertionResult(a)]++
		}
		summary = append(summary, fmt.Sprintf("%s: %d passed, %d failed, %d skipped", d.Domain, counts["pass"], counts["FAIL"], counts["skipped"]))
	}
	return perDomain, summary, all, t
}

func assertionResult(a check.Assertion) string {
	switch {
	case a.Pass:
		return "pass"
	case a.Skipped != "":
		return "skipped"
	}
	return "FAIL"
}

// qualify prefixes subjects with their domain when one report holds
// several domains, unless the subject already names it.
func qualify(fs []report.Finding, domain string, several bool) []report.Finding {
	if !several {
		return fs
	}
	out := slices.Clone(fs)
	for i := range out {
		if !strings.Contains(out[i].Subject, domain) {
			out[i].Subject = domain + ": " + out[i].Subject
		}
	}
	return out
}

// loadCheckSpec reads and parses --spec, bounded in size.
func loadCheckSpec(e *Env, o *checkOptions) (*check.Spec, error) {
	data, err := readInput(e, "--spec", o.spec, check.MaxSpecBytes)
	if err != nil {
		return nil, err
	}
	name := o.spec
	if name == "-" {
		name = "stdin"
	}
	spec, err := check.LoadSpec(name, data)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	if where := spec.NeedsRelayTest(); where != "" && !o.relayTest {
		return nil, WithHint(Usagef("%s: no_open_relay needs --relay-test", where),
			"the relay test asks each MX to relay between reserved domains; add --relay-test to allow it")
	}
	return spec, nil
}

// checkRunOptions turns the flags (and the spec's lists) into check
// options.
func checkRunOptions(e *Env, o *checkOptions, spec *check.Spec) (check.Options, error) {
	opts := check.Options{
		Self: o.self, Port: o.port, Concurrency: o.concurrency, Trace: e.Verbose,
		Probe: smtpprobe.Options{EHLO: o.ehlo, RelayTest: o.relayTest, DialTimeout: e.Timeout, ReplyTimeout: e.Timeout, TLSGrade: o.tlsGrade},
		// Public lists block resolvers that query too fast; a check of
		// a few domains stays far below this.
		Limiter: dnsbl.NewLimiter(20),
	}
	var fromFlags []dnsbl.List
	if len(o.zones) > 0 {
		// Read --zone exactly as mailflow dnsbl does.
		var err error
		if fromFlags, err = dnsblLists(e, &dnsblOptions{zones: o.zones}); err != nil {
			return opts, err
		}
	}
	var fromSpec []dnsbl.List
	if spec != nil {
		var err error
		if fromSpec, err = spec.Lists(); err != nil {
			return opts, &InputError{Err: err}
		}
		// A list named both ways is checked once, with the --zone rule.
		fromSpec = slices.DeleteFunc(fromSpec, func(l dnsbl.List) bool {
			return slices.ContainsFunc(fromFlags, func(f dnsbl.List) bool { return f.Zone == l.Zone })
		})
	}
	lists, err := dnsbl.Merge(fromFlags, fromSpec)
	if err != nil {
		return opts, Usagef("%v", err)
	}
	switch {
	case len(lists) > 0:
		opts.Lists = lists
	case spec != nil:
		// A spec queries only the lists it asserts about: CI runners
		// often sit behind public resolvers that the big lists refuse.
		opts.Lists = []dnsbl.List{}
	default:
		opts.Lists = dnsbl.DefaultLists()
	}
	if o.dnsblDNS != "" {
		r, err := resolver.New(resolver.Config{Servers: []string{o.dnsblDNS}, TCP: e.TCP, Timeout: e.Timeout, Retries: e.Retries})
		if err != nil {
			return opts, Usagef("--dnsbl-dns: %v", err)
		}
		opts.DNSBL = r
	}
	if opts.Probe.Client, err = o.client.controls(e); err != nil {
		return opts, err
	}
	if opts.Probe.Connect, err = o.client.connectMap(opts.Probe.Client); err != nil {
		return opts, err
	}
	if o.caFile != "" {
		pool, err := certPool(e, "--ca-file", o.caFile)
		if err != nil {
			return opts, err
		}
		opts.Probe.RootCAs = pool
	}
	if o.stsFetch {
		sts, err := mtastsOptions(e, o.stsPort, "")
		if err != nil {
			return opts, err
		}
		sts.RootCAs = opts.Probe.RootCAs
		opts.MTASTS = sts
	}
	return opts, nil
}
