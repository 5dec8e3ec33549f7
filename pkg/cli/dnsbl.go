package cli

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

type dnsblOptions struct {
	zones       []string
	zonesFile   string
	file        string
	selftest    bool
	listCatalog bool
	yesLarge    bool
	rate        string
	concurrency int
	txt         string
}

// dnsblDetailTargets is how many targets get their own table and a DNS
// trace; larger runs get the summary table (details with -v).
const dnsblDetailTargets = 10

// maxBadLinesShown bounds the list of unusable lines in text output; JSON
// has them all.
const maxBadLinesShown = 100

func init() {
	register(func(e *Env) *cobra.Command {
		o := &dnsblOptions{}
		cmd := &cobra.Command{
			Use:   "dnsbl [TARGET...]",
			Short: "Check addresses, hosts and domains against DNS block lists and allow-lists",
			Long: `Check IP addresses, CIDR ranges, host names (their addresses) and domains
against DNS block lists, reading each list's answers with its real semantics:
which codes mean listed, which bits of a bitmask list are set, and which
answers are the list refusing to serve you (Spamhaus 127.255.255.254, URIBL
127.0.0.1, DNSWL 127.0.0.255). Refusals, timeouts and answers outside
127.0.0.0/8 are reported as could-not-check, never as clean.

Without --zone the default set of the built-in catalog is used (see
--list-catalog). --zone NAME picks a catalog list by ID or zone, or adds any
other zone; a rule after the name mirrors an MTA's setting:

  --zone bl.example.net:any                     any answer counts (Exchange AnyMatch)
  --zone bl.example.net:exact=127.0.0.2,127.0.0.[4..7]
                                                only these codes (IPAddressesMatch, Postfix)
  --zone bl.example.net:bitmask=0.0.0.4         answers with bit 4 set (BitmaskMatch)
  --zone dbl.example.net:domain                 a domain list; :allow for an allow-list
  --zone bl.example.net:errors=127.255.255.254  answers that mean "refused", not "listed"

--zones-file reads the same from YAML (docs/dnsbl.md). --selftest looks up the
RFC 5782 test entries first and reports lists that are down, refuse you or
list everything; broken lists are then left out. -v adds the per-target
details, the DNS trace (up to 10 targets) and what the resolver learned about
each DNS server (round trip, retransmission timer, window; queries sent,
resent, answered, lost).

Exit codes: 0 clean on every list, 1 listed on a block list (allow-lists are
good news), 2 bad input, 3 not listed anywhere but some list could not be
checked.`,
			Example: `  mailflow dnsbl 192.0.2.25
  mailflow dnsbl mail.example.com --zone zen --zone bl.spamcop.net
  mailflow dnsbl --file senders.txt --rate 10/s --format jsonl
  mailflow dnsbl 192.0.2.0/24 --yes-large --zone zen
  mailflow dnsbl --selftest`,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				return runDNSBL(cmd.Context(), e, o, args)
			}),
		}
		f := cmd.Flags()
		f.StringArrayVar(&o.zones, "zone", nil, "list to check: catalog ID or zone, optionally :any, :exact=CODES, :bitmask=MASK, :domain, :allow, :errors=CODES (repeatable)")
		f.StringVar(&o.zonesFile, "zones-file", "", "YAML file defining lists and their rules")
		f.StringVar(&o.file, "file", "", "read targets from FILE, one per line (- for stdin)")
		f.BoolVar(&o.selftest, "selftest", false, "check the lists' health with their RFC 5782 test entries first")
		f.BoolVar(&o.listCatalog, "list-catalog", false, "print the built-in catalog of lists and exit")
		f.BoolVar(&o.yesLarge, "yes-large", false, fmt.Sprintf("allow CIDR ranges of more than %d addresses in total (at most %d)", dnsbl.ConfirmRange, dnsbl.MaxRange))
		f.StringVar(&o.rate, "rate", "20/s", "most DNS queries per second (N/s, N/m; 0 for no limit): public lists block resolvers that query too fast")
		f.IntVar(&o.concurrency, "concurrency", 16, "targets checked at the same time")
		f.StringVar(&o.txt, "txt", "listed", "ask for the lists' TXT records (their stated reasons): listed (only after a listing), always, never")
		return cmd
	})
}

func runDNSBL(ctx context.Context, e *Env, o *dnsblOptions, args []string) error {
	if err := e.RequireFormat("text", "json", "jsonl", "markdown"); err != nil {
		return err
	}
	if o.listCatalog {
		if len(args) > 0 || o.file != "" || o.selftest || len(o.zones) > 0 || o.zonesFile != "" {
			return Usagef("--list-catalog takes no targets or other dnsbl options")
		}
		return e.Render(dnsblCatalogReport())
	}
	if len(args) == 0 && o.file == "" && !o.selftest {
		return Usagef("give a TARGET, --file FILE or --selftest")
	}
	rate, err := dnsbl.ParseRate(o.rate)
	if err != nil {
		return Usagef("--rate: %v", err)
	}
	if err := inRange("--concurrency", o.concurrency, 1, 1024); err != nil {
		return err
	}
	txt, err := dnsbl.ParseTXTMode(o.txt)
	if err != nil {
		return Usagef("--txt %v", err)
	}
	lists, err := dnsblLists(e, o)
	if err != nil {
		return err
	}
	targets, err := dnsblTargets(e, o, args)
	if err != nil {
		return err
	}
	// Each list query is asked once per run, so caching the answers would
	// only hold memory in proportion to the targets.
	r, err := e.resolver(true)
	if err != nil {
		return err
	}
	run := &dnsblRun{e: e, r: r, lists: lists, targets: targets, started: time.Now(),
		opts: dnsbl.Options{Lists: lists, Concurrency: o.concurrency, Limiter: dnsbl.NewLimiter(rate), TXT: txt}}
	run.rep = &report.Report{Command: "dnsbl", Targets: args, Started: run.started, Resolver: r.String()}
	if o.file != "" {
		run.rep.Targets = append(run.rep.Targets, "--file "+o.file)
	}
	run.rep.Findings = append(run.rep.Findings, dnsbl.Advice(lists)...)
	if targets.total <= dnsblDetailTargets {
		run.trace = &resolver.Trace{}
		ctx = resolver.WithTrace(ctx, run.trace)
	}
	if o.selftest {
		if err := run.selftest(ctx); err != nil {
			return err
		}
	}
	switch e.Format {
	case "jsonl":
		return run.streamJSONL(ctx)
	case "json":
		return run.streamJSON(ctx)
	}
	return run.render(ctx)
}

// dnsblLists gathers --zone and --zones-file lists; none means the
// catalog's default set.
func dnsblLists(e *Env, o *dnsblOptions) ([]dnsbl.List, error) {
	var fromFlags []dnsbl.List
	for _, spec := range o.zones {
		l, err := dnsbl.ParseZoneSpec(spec)
		if err != nil {
			return nil, Usagef("--zone: %v", err)
		}
		fromFlags = append(fromFlags, l)
	}
	var fromFile []dnsbl.List
	if o.zonesFile != "" {
		data, err := readInput(e, "--zones-file", o.zonesFile, dnsbl.MaxZonesFile)
		if err != nil {
			return nil, err
		}
		if fromFile, err = dnsbl.LoadZonesFile(o.zonesFile, data); err != nil {
			return nil, &InputError{Err: err}
		}
	}
	lists, err := dnsbl.Merge(fromFlags, fromFile)
	if err != nil {
		return nil, Usagef("%v", err)
	}
	if len(lists) == 0 {
		lists = dnsbl.DefaultLists()
	}
	return lists, nil
}

// dnsblTargetSet is what a run checks: the arguments, parsed and expanded
// before anything is looked up (a bad one stops the run), and the lines of
// --file, parsed as they are checked (a bad one is reported in place).
type dnsblTargetSet struct {
	args  []dnsbl.Target
	list  *dnsbl.TargetList
	total int
}

// inputs yields the arguments, then the list.
func (ts *dnsblTargetSet) inputs() iter.Seq[dnsbl.Input] {
	return func(yield func(dnsbl.Input) bool) {
		for in := range dnsbl.TargetInputs(ts.args) {
			if !yield(in) {
				return
			}
		}
		if ts.list == nil {
			return
		}
		for in := range ts.list.Inputs() {
			if !yield(in) {
				return
			}
		}
	}
}

func dnsblTargets(e *Env, o *dnsblOptions, args []string) (*dnsblTargetSet, error) {
	var ts []dnsbl.Target
	budget := dnsbl.RangeBudget{Large: o.yesLarge}
	for _, a := range args {
		t, err := dnsbl.ParseTarget(a)
		if err != nil {
			return nil, Inputf("target %v", err)
		}
		if err := budget.Take(t); err != nil {
			return nil, &InputError{Err: err}
		}
		ts = append(ts, t)
	}
	expanded, err := dnsbl.Expand(ts, o.yesLarge)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	set := &dnsblTargetSet{args: expanded, total: len(expanded)}
	if o.file == "" {
		return set, nil
	}
	r, done, err := openInput(e, "--file", o.file)
	if err != nil {
		return nil, err
	}
	defer done()
	if set.list, err = dnsbl.ReadTargetList(o.file, r, budget); err != nil {
		return nil, &InputError{Err: err}
	}
	if set.list.Targets == 0 && set.list.Bad == 0 {
		return nil, Inputf("%s: no targets in the file", o.file)
	}
	set.total += int(set.list.Targets)
	return set, nil
}

type dnsblRun struct {
	e       *Env
	r       *resolver.Resolver
	lists   []dnsbl.List
	targets *dnsblTargetSet
	opts    dnsbl.Options
	started time.Time
	trace   *resolver.Trace
	rep     *report.Report
	health  []dnsbl.Health
}

// dnsblData is the "data" member of the JSON report: the lists used, their
// selftest, one result per target (streamed first, see docStream), the
// lines of --file that are not targets, and the counts. --list-catalog
// fills Lists only.
type dnsblData struct {
	Lists    []dnsbl.List         `json:"lists"`
	SelfTest []dnsbl.Health       `json:"selftest,omitempty"`
	Results  []*dnsbl.Result      `json:"results,omitempty"`
	Errors   []report.ErrorRecord `json:"errors,omitempty"`
	Summary  *dnsblSummaryData    `json:"summary,omitempty"`
}

// dnsblSummaryData counts the targets by verdict.
type dnsblSummaryData struct {
	Targets    int `json:"targets"`
	Listed     int `json:"listed"`
	Clean      int `json:"clean"`
	Incomplete int `json:"incomplete"`
	// Reordered counts results written ahead of a slower earlier target.
	Reordered int `json:"reordered,omitempty"`
}

func (s *dnsblSummaryData) add(res *dnsbl.Result) {
	s.Targets++
	switch res.Verdict {
	case dnsbl.VerdictListed:
		s.Listed++
	case dnsbl.VerdictIncomplete:
		s.Incomplete++
	default:
		s.Clean++
	}
}

// dnsblResultRecord is the "result" line of --format jsonl.
type dnsblResultRecord struct {
	Type string `json:"type" jsonschema:"enum=result"`
	*dnsbl.Result
}

// selftest checks the lists and leaves out those whose answers mean
// nothing (listing everything, bogus answers). JSON lines carry the
// health in the summary record.
func (run *dnsblRun) selftest(ctx context.Context) error {
	run.health = dnsbl.SelfTest(ctx, run.r, run.opts)
	run.opts.Skip = map[string]string{}
	t := &report.Table{Header: []string{"List", "Kind", "Must be listed", "Must not be listed", "Health"}}
	for _, h := range run.health {
		run.rep.Findings = append(run.rep.Findings, h.Finding)
		if h.Status.Broken() {
			run.opts.Skip[h.Zone] = "the selftest found it " + h.Status.String()
		}
		kind := ""
		for i := range run.lists {
			if run.lists[i].Zone == h.Zone {
				kind = run.lists[i].KindLabel()
			}
		}
		t.Rows = append(t.Rows, []string{h.Zone, kind, dnsblHealthCell(h.Listed), dnsblHealthCell(h.Clean), h.Status.String()})
	}
	run.rep.Sections = append(run.rep.Sections, report.Section{Title: "List health (RFC 5782 test entries)", Table: t})
	return nil
}

func dnsblHealthCell(lr dnsbl.ListResult) string {
	return lr.Checked() + ": " + dnsblAnswerCell(lr)
}

// dnsblAnswerCell is what a lookup returned: the codes, NXDOMAIN or the error.
func dnsblAnswerCell(lr dnsbl.ListResult) string {
	var parts []string
	for _, c := range lr.Codes {
		parts = append(parts, c.String())
	}
	parts = append(parts, lr.Ignored...)
	switch {
	case len(parts) > 0:
		return strings.Join(parts, " ")
	case lr.Status == dnsbl.StatusError || lr.Status == dnsbl.StatusUnchecked:
		return lr.Err
	}
	return "not listed"
}

func dnsblStatusCell(lr dnsbl.ListResult) string {
	switch {
	case lr.Status == dnsbl.StatusListed && lr.Allow:
		return "allow-listed"
	case lr.Status == dnsbl.StatusListed:
		return "LISTED"
	case lr.Status == dnsbl.StatusError:
		return "could not check"
	case lr.Status == dnsbl.StatusUnchecked:
		return "skipped"
	case len(lr.Codes) > 0:
		return "not counted"
	}
	return "clean"
}

// newDNSBLError is the "error" record of a list line that could not be
// used.
func newDNSBLError(in dnsbl.Input) report.ErrorRecord {
	return report.ErrorRecord{Type: "error", Source: in.Source, Target: in.Text, Error: in.Err.Error()}
}

// check runs the targets with a progress bar, calling emit per outcome,
// and returns how many went out ahead of a slower one.
func (run *dnsblRun) check(ctx context.Context, emit func(dnsbl.Outcome) error) (int, error) {
	bar := run.e.newProgress("dnsbl", "targets", int64(run.targets.total), false)
	defer bar.done()
	o := run.opts
	o.Done = func() { bar.add(1) }
	return dnsbl.CheckAll(ctx, run.r, run.targets.inputs(), o, emit)
}

// streamJSONL writes one record per target as it is done, then a summary
// record with the run-level findings; nothing is held back for the end.
func (run *dnsblRun) streamJSONL(ctx context.Context) error {
	tally := newBulkTally(run.e, "dnsbl")
	tally.runFindings(run.rep.Findings)
	tally.selftest = run.health
	out := newBulkWriter(run.e.IO.Out)
	reordered, err := run.check(ctx, func(oc dnsbl.Outcome) error {
		if oc.Result == nil {
			tally.badInput()
			return out.record(newDNSBLError(oc.Input))
		}
		res := oc.Result
		tally.result(res.Verdict.String(), res.Findings)
		return out.record(dnsblResultRecord{"result", res})
	})
	tally.reordered = reordered
	if err == nil {
		err = tally.writeSummary(out)
	}
	if err := cmp.Or(err, out.Flush()); err != nil {
		return err
	}
	return run.exit(tally.errors, tally.exitCode())
}

// exit ends a run whose list had lines that could not be used with exit
// 2 and a message; otherwise with the findings' code.
func (run *dnsblRun) exit(bad, code int) error {
	if bad > 0 {
		return Inputf("%s: %d of %d lines with content are not targets; the other targets were checked",
			run.targets.list.Name(), bad, run.targets.list.Lines)
	}
	return Exit(code)
}

// streamJSON writes the JSON document as the targets are done: the
// results under data.results, then the rest (see docStream).
func (run *dnsblRun) streamJSON(ctx context.Context) error {
	out := newBulkWriter(run.e.IO.Out)
	doc := newDocStream(out)
	tally := newBulkTally(run.e, "dnsbl")
	data := &dnsblData{Lists: run.lists, SelfTest: run.health, Summary: &dnsblSummaryData{}}
	tally.runFindings(run.rep.Findings)
	err := doc.findings(run.rep.Findings)
	if err == nil {
		data.Summary.Reordered, err = run.check(ctx, func(oc dnsbl.Outcome) error {
			if oc.Result == nil {
				tally.badInput()
				data.Errors = append(data.Errors, newDNSBLError(oc.Input))
				return nil
			}
			res := oc.Result
			data.Summary.add(res)
			tally.result(res.Verdict.String(), res.Findings)
			if err := doc.findings(res.Findings); err != nil {
				return err
			}
			// The findings are in the document's list; the data keeps the rest.
			res.Findings = nil
			return doc.result(res)
		})
	}
	if err != nil {
		return err
	}
	rep := *run.rep
	rep.Findings = nil
	rep.Duration = time.Since(run.started)
	rep.Summary = dnsblSummaryLine(*data.Summary, len(run.lists), run.opts.Limiter != nil)
	if err := cmp.Or(doc.finish(&rep, data, tally.exitCode()), out.Flush()); err != nil {
		return err
	}
	return run.exit(tally.errors, tally.exitCode())
}

// render writes text or Markdown. A big run keeps what it shows, not every
// result: the per-target tables only with -v, the rows of clean targets
// only with -v.
func (run *dnsblRun) render(ctx context.Context) error {
	data := &dnsblData{Lists: run.lists, SelfTest: run.health, Summary: &dnsblSummaryData{}}
	many := run.targets.total > 1
	big := run.targets.total > dnsblDetailTargets
	verbose := run.e.Verbose
	keepSections := !big || verbose
	summary := &report.Table{Header: []string{"Target", "Verdict", "Listed on", "Could not check"}}
	var bad []report.ErrorRecord
	clean := 0
	reordered, err := run.check(ctx, func(oc dnsbl.Outcome) error {
		if oc.Result == nil {
			bad = append(bad, newDNSBLError(oc.Input))
			return nil
		}
		res := oc.Result
		data.Summary.add(res)
		for _, f := range res.Findings {
			if f.Severity > report.OK || verbose {
				run.rep.Findings = append(run.rep.Findings, f)
			}
		}
		if big && !verbose && res.Verdict == dnsbl.VerdictClean {
			clean++
		} else {
			summary.Rows = append(summary.Rows, []string{res.Target, res.Verdict.String(),
				strings.Join(res.ListedOn(), ", "), strings.Join(res.Unchecked(), ", ")})
		}
		if keepSections {
			run.rep.Sections = append(run.rep.Sections, report.Section{
				Title: dnsblResultTitle(res), Table: dnsblResultTable(res),
				Verbose: many && (big || res.Verdict == dnsbl.VerdictClean),
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if clean > 0 {
		summary.Rows = append(summary.Rows, []string{fmt.Sprintf("(%s not shown; -v lists them)", report.Plural(clean, "clean target")), "", "", ""})
	}
	if many {
		run.rep.Sections = append(run.rep.Sections, report.Section{Title: "Summary", Table: summary})
	}
	if len(bad) > 0 {
		var lines []string
		for i, b := range bad {
			if i == maxBadLinesShown {
				lines = append(lines, fmt.Sprintf("... %d more", len(bad)-i))
				break
			}
			lines = append(lines, b.Source+": "+b.Error)
		}
		run.rep.Sections = append(run.rep.Sections, report.Section{Title: "Lines that are not targets (not checked)", Lines: lines})
	}
	if run.trace != nil {
		run.rep.Sections = append(run.rep.Sections, report.Section{Title: "DNS trace", Lines: run.trace.Lines(), Verbose: true})
	}
	run.rep.Sections = append(run.rep.Sections, report.Section{Title: "Lists", Table: dnsblListsTable(run.lists), Verbose: true},
		dnsServersSection(run.r))
	run.rep.Data = data
	run.rep.Duration = time.Since(run.started)
	run.rep.Summary = dnsblSummaryLine(*data.Summary, len(run.lists), run.opts.Limiter != nil)
	if reordered > 0 {
		run.rep.Summary += fmt.Sprintf("; %d written out of input order behind slow targets", reordered)
	}
	if len(bad) == 0 {
		return run.e.Render(run.rep)
	}
	if err := report.Write(run.e.IO.Out, run.rep, report.Format(run.e.Format), run.e.RenderOptions(report.ExitUsage)); err != nil {
		return err
	}
	return run.exit(len(bad), report.ExitUsage)
}

func dnsblResultTitle(res *dnsbl.Result) string {
	t := res.Target
	if len(res.Addresses) > 0 {
		addrs := make([]string, len(res.Addresses))
		for i, a := range res.Addresses {
			addrs[i] = a.String()
		}
		t += " (" + strings.Join(addrs, ", ") + ")"
	}
	return t + ": " + res.Verdict.String()
}

func dnsblResultTable(res *dnsbl.Result) *report.Table {
	t := &report.Table{Header: []string{"List", "Checked", "Status", "Answer", "Meaning"}}
	for _, lr := range res.Lists {
		var meanings []string
		for _, c := range lr.Codes {
			if c.Meaning != "" {
				meanings = append(meanings, c.Meaning)
			}
		}
		t.Rows = append(t.Rows, []string{lr.Zone, lr.Checked(), dnsblStatusCell(lr), dnsblAnswerCell(lr), strings.Join(meanings, "; ")})
	}
	return t
}

func dnsblListsTable(lists []dnsbl.List) *report.Table {
	t := &report.Table{Header: []string{"Zone", "Name", "Kind", "Rule", "From"}}
	for i := range lists {
		l := &lists[i]
		from := l.Source
		if from == "" {
			from = "catalog"
		}
		t.Rows = append(t.Rows, []string{l.Zone, l.Name, l.KindLabel(), l.Rule(), from})
	}
	return t
}

func dnsblSummaryLine(s dnsblSummaryData, lists int, limited bool) string {
	if s.Targets == 0 {
		return dnsblPlural(lists, "list") + " tested"
	}
	line := fmt.Sprintf("%s on %s: %d listed, %d clean, %d could not be fully checked",
		dnsblPlural(s.Targets, "target"), dnsblPlural(lists, "list"), s.Listed, s.Clean, s.Incomplete)
	if !limited {
		line += " (no rate limit)"
	}
	return line
}

func dnsblPlural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// dnsblCatalogReport lists the built-in lists for --list-catalog.
func dnsblCatalogReport() *report.Report {
	cat := dnsbl.Catalog()
	t := &report.Table{Header: []string{"ID", "Zone", "Name", "Kind", "Rule", "Default", "Note"}}
	for i := range cat {
		l := &cat[i]
		def := "no"
		switch {
		case l.Dead:
			def = "DEAD"
		case l.Default:
			def = "yes"
		}
		t.Rows = append(t.Rows, []string{l.ID, l.Zone, l.Name, l.KindLabel(), l.Rule(), def, l.Note})
	}
	return &report.Report{
		Command:  "dnsbl",
		Targets:  []string{"--list-catalog"},
		Summary:  fmt.Sprintf("%d lists in the catalog, %d checked by default", len(cat), len(dnsbl.DefaultLists())),
		Sections: []report.Section{{Title: "Catalog", Table: t}},
		Data:     &dnsblData{Lists: cat},
	}
}
