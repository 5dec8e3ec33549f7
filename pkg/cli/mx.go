package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

type mxOptions struct {
	file        string
	self        []string
	compare     string
	security    bool
	ptr         bool
	concurrency int
	seed        uint64
	stsFetch    bool
	stsPort     int
	caFile      string
}

// mxData is the "data" member of mx JSON output.
type mxData struct {
	Results  []*mx.Result         `json:"results"`
	BadLines []report.ErrorRecord `json:"bad_lines,omitempty"`
	Totals   *mx.Totals           `json:"totals,omitempty"`
}

func init() {
	register(func(e *Env) *cobra.Command {
		o := &mxOptions{}
		cmd := &cobra.Command{
			Use:   "mx [DOMAIN...]",
			Short: "Resolve a domain's mail route the way a sending MTA does and report what breaks it",
			Long: `Resolve where mail for DOMAIN goes, as a sending MTA does (RFC 5321 §5.1):
MX records first (following a CNAME at the domain), sorted by preference with
equal preferences shuffled, the implicit MX only when there is no MX at all,
then A and AAAA for every target at once, with reverse DNS per address.

It reports null MX, alias and IP-literal targets, targets without addresses
(NXDOMAIN, NODATA and SERVFAIL told apart), private or reserved addresses,
duplicate targets, a single address behind every target, missing IPv6, low
TTLs, and a route that loops back to this server (--self). It reports the
DNSSEC state of every answer on the route (secure, insecure, signed but not
validated, bogus), the DANE TLSA records, and validates MTA-STS and TLS-RPT:
when the domain publishes an MTA-STS record, the policy is fetched over
HTTPS (one request, beside the DNS lookups) and every MX host is matched
against it. --compare resolves everything again through a second server and
lists every difference (split DNS). -v prints every DNS query and answer,
and what the resolver learned about each DNS server (round trip,
retransmission timer, window; queries sent, resent, answered, lost).

--file reads one domain a line ("-" for stdin, # starts a comment) and checks
them concurrently: one line per domain and totals, or JSON lines with
--format jsonl. Bad lines are reported with their number, the rest are
checked, and the exit code is then 2.

Exit codes: 0 fine, 1 a problem (an error finding; see --fail-on), 2 usage
or input error, 3 a lookup got no answer and nothing worse was found.`,
			Example: `  mailflow mx example.com
  mailflow mx -v example.com --self mail.example.com
  mailflow mx example.com --dns 10.0.0.53 --compare 9.9.9.9
  mailflow mx --file tenants.txt --concurrency 64 --format jsonl`,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				return runMX(cmd.Context(), e, o, args)
			}),
		}
		f := cmd.Flags()
		f.StringVarP(&o.file, "file", "f", "", "read domains from FILE, one a line (- for stdin)")
		f.StringArrayVar(&o.self, "self", nil, "a NAME or IP that is this MTA, for loop detection (repeatable; default: this machine's hostname and addresses)")
		f.StringVar(&o.compare, "compare", "", "resolve again through DNS server ADDR[:PORT] and report every difference (split DNS)")
		f.BoolVar(&o.security, "security", true, "look up DANE TLSA, MTA-STS and TLS-RPT records")
		addMTASTSFlags(f, &o.stsFetch, &o.stsPort)
		f.StringVar(&o.caFile, "ca-file", "", "PEM FILE of CA certificates to verify the MTA-STS policy host with (default: system roots)")
		f.BoolVar(&o.ptr, "ptr", true, "look up reverse DNS for every target address")
		f.IntVar(&o.concurrency, "concurrency", mx.DefaultConcurrency, fmt.Sprintf("domains resolved at once with --file (1-%d)", mx.MaxConcurrency))
		f.Uint64Var(&o.seed, "seed", 0, "shuffle equal-preference targets with this seed, for reproducible output (0: random)")
		return cmd
	})
}

func runMX(ctx context.Context, e *Env, o *mxOptions, args []string) error {
	if err := e.RequireFormat("text", "json", "jsonl", "markdown"); err != nil {
		return err
	}
	switch {
	case o.file == "" && len(args) == 0:
		return Usagef("give a DOMAIN or --file FILE")
	case o.file != "" && len(args) > 0:
		return Usagef("give DOMAIN arguments or --file, not both")
	}
	if err := firstErr(inRange("--concurrency", o.concurrency, 1, mx.MaxConcurrency), inRange("--mta-sts-port", o.stsPort, 1, 65535)); err != nil {
		return err
	}
	if err := mx.ValidateSelf(o.self); err != nil {
		return Usagef("%v", err)
	}
	names := make([]string, len(args))
	for i, a := range args {
		n, err := mx.ParseDomain(a)
		if err != nil {
			return Inputf("%v", err)
		}
		names[i] = n.ASCII
	}
	opts := mx.Options{Self: o.self, Security: o.security, PTR: o.ptr, Seed: o.seed, Trace: e.Verbose && o.file == ""}
	if o.stsFetch {
		var err error
		if opts.MTASTS, err = mtastsOptions(e, o.stsPort, o.caFile); err != nil {
			return err
		}
	}
	if o.compare != "" {
		other, err := resolver.New(resolver.Config{Servers: []string{o.compare}, TCP: e.TCP, Timeout: e.Timeout, Retries: e.Retries})
		if err != nil {
			return Usagef("--compare: %v", err)
		}
		opts.Compare = other
	}
	r, err := e.Resolver()
	if err != nil {
		return err
	}
	if o.file != "" {
		return runMXBulk(ctx, e, o, r, opts)
	}
	return runMXDomains(ctx, e, r, opts, args, names)
}

// runMXDomains routes the domains given as arguments, all at once.
func runMXDomains(ctx context.Context, e *Env, r *resolver.Resolver, opts mx.Options, args, names []string) error {
	started := time.Now()
	results := make([]*mx.Result, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() { results[i], _ = mx.Route(ctx, r, n, opts) })
	}
	wg.Wait()

	if e.Format == "jsonl" {
		tally := newBulkTally(e, "mx")
		out := newBulkWriter(e.IO.Out)
		for i, res := range results {
			tally.result(res.Verdict(), res.Findings)
			if err := out.record(mx.Item{Input: args[i], Result: res}); err != nil {
				return err
			}
		}
		if err := cmp.Or(tally.writeSummary(out), out.Flush()); err != nil {
			return err
		}
		return Exit(tally.exitCode())
	}
	rep := &report.Report{Command: "mx", Targets: names, Started: started, Resolver: r.String(), Data: mxData{Results: results}}
	var summary []string
	for _, res := range results {
		rep.Sections = append(rep.Sections, res.Sections()...)
		rep.Findings = append(rep.Findings, mxQualified(res, len(results) > 1)...)
		summary = append(summary, res.Domain.String()+": "+res.Brief())
	}
	rep.Sections = append(rep.Sections, dnsServersSection(r, opts.Compare))
	rep.Summary = strings.Join(summary, "\n")
	rep.Duration = time.Since(started)
	return e.Render(rep)
}

// mxQualified returns the findings of res; with several domains in one
// report, each subject names its domain.
func mxQualified(res *mx.Result, several bool) []report.Finding {
	if !several {
		return res.Findings
	}
	out := make([]report.Finding, len(res.Findings))
	for i, f := range res.Findings {
		if !strings.HasSuffix(f.Subject, res.Domain.ASCII) {
			f.Subject = res.Domain.ASCII + ": " + f.Subject
		}
		out[i] = f
	}
	return out
}

// runMXBulk routes every domain of a list. Text and JSON lines stream one
// record per line of the list as results come in, in list order; JSON and
// Markdown collect everything into one report.
func runMXBulk(ctx context.Context, e *Env, o *mxOptions, r *resolver.Resolver, opts mx.Options) error {
	source := inputName("", o.file)
	in, done, err := openInput(e, "--file", o.file)
	if err != nil {
		return err
	}
	defer done()
	started := time.Now()
	rec := &mxReadRecorder{r: in}
	tally := newBulkTally(e, "mx")
	var bar *progress
	if e.progressShown() {
		bar = e.newProgress("mx", "domains", countListLines(o.file), false)
	}
	out := newBulkWriter(bar.out(e.IO.Out))
	doc := newDocStream(out)
	var findings []report.Finding
	data := mxData{Results: []*mx.Result{}}
	emit := func(it mx.Item) error {
		if it.Result == nil {
			tally.badInput()
		} else {
			tally.result(it.Result.Verdict(), it.Result.Findings)
		}
		switch {
		case e.Format == "text":
			_, err := fmt.Fprintln(out, report.Sanitize(mx.BulkLine(it)))
			return err
		case e.Format == "jsonl":
			return out.record(it)
		case e.Format == "json" && it.Result != nil:
			return cmp.Or(doc.result(it.Result), doc.findings(mxQualified(it.Result, true)))
		}
		if it.Result != nil {
			findings = append(findings, mxQualified(it.Result, true)...)
			data.Results = append(data.Results, it.Result)
		} else {
			data.BadLines = append(data.BadLines, it.BadLine())
		}
		return nil
	}
	totals, err := mx.Bulk(ctx, r, rec, mx.BulkOptions{Options: opts, Concurrency: o.concurrency, Source: o.file, Done: func() { bar.add(1) }}, emit)
	bar.done()
	tally.reordered = totals.Reordered
	switch {
	case rec.err != nil:
		return Inputf("reading %s: %v", source, rec.err)
	case err != nil:
		return err
	case totals.Domains == 0 && totals.BadLines == 0:
		return Inputf("%s: no domains to check (the list is empty or holds only comments and blank lines)", source)
	}
	exit := tally.exitCode()
	servers := dnsServersSection(r, opts.Compare)
	switch e.Format {
	case "text":
		if e.Verbose {
			fmt.Fprintf(out, "\n%s\n", servers.Title)
			report.WriteTable(out, servers.Table, "  ")
			fmt.Fprintln(out)
		}
		fmt.Fprintf(out, "Totals: %s (exit %d, %s)\n", totals, exit, report.StatusText(exit))
	case "jsonl":
		err = tally.writeSummary(out)
	case "json":
		// The results went out as they came; the bad lines and totals
		// close the data.
		rep := &report.Report{Command: "mx", Targets: []string{source}, Started: started, Duration: time.Since(started),
			Resolver: r.String(), Summary: "Totals: " + totals.String()}
		err = doc.finish(rep, mxData{BadLines: data.BadLines, Totals: &totals}, exit)
	case "markdown":
		data.Totals = &totals
		rep := &report.Report{Command: "mx", Targets: []string{source}, Started: started, Duration: time.Since(started),
			Resolver: r.String(), Summary: "Totals: " + totals.String(), Findings: findings, Data: data}
		rep.Sections = []report.Section{mxBulkTable(data), servers}
		err = report.Write(out, rep, report.Format(e.Format), e.RenderOptions(exit))
	}
	if err := cmp.Or(err, out.Flush()); err != nil {
		return err
	}
	if totals.BadLines > 0 {
		return Inputf("%s: %d of %d lines with content are not domains; the other domains were checked", source, totals.BadLines, totals.BadLines+totals.Domains)
	}
	return Exit(exit)
}

func mxBulkTable(d mxData) report.Section {
	t := &report.Table{Header: []string{"Verdict", "Domain", "Route"}}
	for _, res := range d.Results {
		t.Rows = append(t.Rows, []string{res.Verdict(), res.Domain.String(), res.Brief()})
	}
	for _, it := range d.BadLines {
		t.Rows = append(t.Rows, []string{"bad", it.Source, it.Error})
	}
	return report.Section{Title: "Domains", Table: t}
}

// mxReadRecorder remembers a read error of the domain list, which is bad
// input (a directory, an unreadable file) rather than a failed check.
type mxReadRecorder struct {
	r   io.Reader
	err error
}

func (rr *mxReadRecorder) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if err != nil && err != io.EOF {
		rr.err = err
	}
	return n, err
}
