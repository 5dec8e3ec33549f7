package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/ndr"
	"github.com/mailflowkit/mailflow/pkg/report"
)

type ndrOptions struct {
	workers int
}

// mxLoopbackNDR is the Exchange hosting-mode loop the demo explains.
const mxLoopbackNDR = "#554 5.4.4 SMTPSEND.DNS.MxLoopback; DNS records for this domain are configured in a loop ##"

func init() {
	register(func(e *Env) *cobra.Command {
		o := &ndrOptions{}
		cmd := &cobra.Command{
			Use:   "ndr [INPUT...]",
			Short: "Explain bounces: a status code, an NDR text, an .eml bounce or an mbox of them",
			Long: `Explain why mail bounced. Each INPUT is one of:

  a status code or reply line   5.4.4, "550 5.7.1", "#554 5.4.4 SMTPSEND.DNS.MxLoopback; ... ##"
  a file                        a bounce message (.eml), a pasted NDR text, or an mbox of bounces
  -                             standard input (paste, then Ctrl-D); the default when stdin is a pipe

For every recipient it reports the enhanced status, the reply code, a reason
(Sisimai's vocabulary: userunknown, mailboxfull, blocked, ...), whether the
bounce is hard, what the code means, the likely cause and what to check.
With several inputs or an mbox it adds a summary by reason, status and
recipient domain. --format jsonl writes one line per input or mbox message.

Exit codes: 0 when the inputs were read (a bounce is not a failure of the
tool), 2 when an input cannot be read or is neither a file nor a code.`,
			Example: `  mailflow ndr 5.7.1
  mailflow ndr '#554 5.4.4 SMTPSEND.DNS.MxLoopback; DNS records for this domain are configured in a loop ##'
  mailflow ndr bounce.eml
  mailflow ndr --format jsonl bounces.mbox > bounces.jsonl`,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				if err := e.RequireFormat("text", "json", "jsonl", "markdown"); err != nil {
					return err
				}
				if o.workers < 0 {
					return Usagef("--workers must not be negative, got %d", o.workers)
				}
				if len(args) == 0 {
					if e.IO.StdinTTY {
						return WithHint(Usagef("ndr needs an input: a status code, a file, or - for standard input"),
							"paste an NDR with 'mailflow ndr -', then press Ctrl-D")
					}
					args = []string{"-"}
				}
				return runNDR(e, o, args)
			}),
		}
		cmd.Flags().IntVar(&o.workers, "workers", 0, "goroutines parsing mbox messages (0: one per CPU)")
		return cmd
	})
	lab.Register(lab.Scenario{
		Order: 400,
		Title: "ndr: explain an Exchange MxLoopback non-delivery report",
		Args:  func(*lab.Lab) []string { return []string{"ndr", mxLoopbackNDR} },
	})
}

// ndrInput is one resolved command-line input.
type ndrInput struct {
	arg  string
	code *ndr.Result // set when arg is a bare code
}

// resolveInputs checks every input before any output is written, so a typo
// in the third argument does not leave half a report behind.
func resolveInputs(args []string) ([]ndrInput, error) {
	var out []ndrInput
	stdin := false
	for _, a := range args {
		if a == "-" {
			if stdin {
				return nil, Usagef("standard input (-) can be given only once")
			}
			stdin = true
			out = append(out, ndrInput{arg: a})
			continue
		}
		st, err := os.Stat(a)
		switch {
		case err == nil && st.IsDir():
			return nil, Inputf("%s: is a directory; give the bounce files or an mbox", a)
		case err == nil:
			out = append(out, ndrInput{arg: a})
			continue
		case !errors.Is(err, os.ErrNotExist):
			return nil, Inputf("%s: %v", a, unwrapPathError(err))
		}
		if r, ok := ndr.ParseCode(a); ok {
			out = append(out, ndrInput{arg: a, code: &r})
			continue
		}
		return nil, Inputf("%s: no such file, and not a status code or SMTP reply line", a)
	}
	return out, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ndrRun gathers the results of one invocation.
type ndrRun struct {
	e       *Env
	o       *ndrOptions
	sum     *ndr.Summarizer
	results []ndr.Result // kept for json, text and markdown
	// sections and findings build the text and Markdown report as inputs
	// are read.
	sections []report.Section
	findings []report.Finding
	stream   bool // jsonl: write each result as it comes
	noted    map[string]int
}

func runNDR(e *Env, o *ndrOptions, args []string) error {
	started := e.Now()
	inputs, err := resolveInputs(args)
	if err != nil {
		return err
	}
	run := &ndrRun{e: e, o: o, sum: ndr.NewSummarizer(), stream: e.Format == "jsonl", noted: map[string]int{}}
	for _, in := range inputs {
		if err := run.read(in); err != nil {
			return err
		}
	}
	if run.stream {
		return nil
	}
	return e.Render(run.report(args, started))
}

// read parses one input and records its results.
func (run *ndrRun) read(in ndrInput) error {
	if in.code != nil {
		run.add(*in.code, true)
		return nil
	}
	var r io.Reader
	name := in.arg
	if in.arg == "-" {
		r, name = run.e.IO.In, "stdin"
	} else {
		f, err := os.Open(in.arg)
		if err != nil {
			return Inputf("%s: %v", in.arg, unwrapPathError(err))
		}
		defer f.Close()
		r = f
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Inputf("%s: %v", name, err)
	}
	if ndr.IsMbox(head) {
		return run.readMbox(br, name)
	}
	data, err := io.ReadAll(io.LimitReader(br, ndr.DefaultMaxMessageBytes+1))
	if err != nil {
		return Inputf("%s: %v", name, err)
	}
	run.add(ndr.Parse(data, name), true)
	return nil
}

func (run *ndrRun) readMbox(r io.Reader, name string) error {
	var first *ndr.Result
	table := &report.Table{Header: []string{"#", "Kind", "Recipient", "Status", "Reply", "Reason"}}
	n, err := ndr.ParseMbox(r, name, run.o.workers, func(res ndr.Result) error {
		if first == nil {
			first = &res
		}
		if run.stream {
			return run.add(res, false)
		}
		run.add(res, false)
		table.Rows = append(table.Rows, messageRows(res)...)
		return nil
	})
	if err != nil {
		var werr writeError
		if errors.As(err, &werr) {
			return werr.err
		}
		return Inputf("%s: %v", name, err)
	}
	if run.stream {
		return nil
	}
	if n == 1 && first != nil {
		// A single message saved with its envelope line reads like any
		// other message.
		run.sections = append(run.sections, resultSection(*first)...)
		return nil
	}
	run.sections = append(run.sections, report.Section{
		Title:   fmt.Sprintf("%s: %d messages", name, n),
		Table:   table,
		Verbose: true,
	})
	return nil
}

// writeError marks an output failure while streaming, which is not the
// input's fault.
type writeError struct{ err error }

func (w writeError) Error() string { return w.err.Error() }

// add records one result; detail says whether it gets its own section.
func (run *ndrRun) add(res ndr.Result, detail bool) error {
	run.sum.Add(res)
	if run.stream {
		if err := report.WriteJSONLine(run.e.IO.Out, res); err != nil {
			return writeError{err}
		}
		return nil
	}
	ndr.Annotate(&res)
	run.results = append(run.results, res)
	run.note(res)
	if detail {
		run.sections = append(run.sections, resultSection(res)...)
	}
	return nil
}

// note turns inputs that are not bounces into findings, one per input file
// and kind, so an mbox with many of them stays readable.
func (run *ndrRun) note(res ndr.Result) {
	var id string
	sev := report.Info
	switch res.Kind {
	case ndr.KindUnparsed:
		id, sev = "ndr.unparsed", report.Warning
	case ndr.KindNotBounce:
		id = "ndr.not-bounce"
	default:
		return
	}
	file, _, _ := strings.Cut(res.Source, "#")
	evidence := res.Source
	if res.Error != "" {
		evidence += ": " + res.Error
	}
	var f *report.Finding
	for i := range run.findings {
		if run.findings[i].ID == id && run.findings[i].Subject == file {
			f = &run.findings[i]
		}
	}
	if f == nil {
		run.findings = append(run.findings, report.Finding{ID: id, Severity: sev, Subject: file})
		f = &run.findings[len(run.findings)-1]
		if res.Kind == ndr.KindUnparsed {
			f.Fix = "check that the input is a bounce message, an NDR text or an mbox"
		}
	}
	if len(f.Evidence) < 5 {
		f.Evidence = append(f.Evidence, evidence)
	}
	run.noted[id+"\x00"+file]++
	n := run.noted[id+"\x00"+file]
	switch {
	case res.Kind == ndr.KindUnparsed && n == 1:
		f.Message = "1 message could not be parsed"
	case res.Kind == ndr.KindUnparsed:
		f.Message = fmt.Sprintf("%d messages could not be parsed", n)
	case n == 1:
		f.Message = "1 message is not a bounce"
	default:
		f.Message = fmt.Sprintf("%d messages are not bounces", n)
	}
}

// ndrData is the JSON "data" of the ndr command.
type ndrData struct {
	Results []ndr.Result `json:"results"`
	Summary ndr.Summary  `json:"summary"`
}

func (run *ndrRun) report(args []string, started time.Time) *report.Report {
	sum := run.sum.Summary()
	rep := &report.Report{
		Command:  "ndr",
		Targets:  args,
		Started:  started,
		Duration: run.e.Now().Sub(started),
		Summary:  summaryLine(sum),
		Sections: run.sections,
		Findings: run.findings,
		Data:     ndrData{Results: run.results, Summary: sum},
	}
	if rep.Findings == nil {
		rep.Findings = []report.Finding{}
	}
	if sum.Inputs > 1 {
		rep.Sections = append(rep.Sections, summarySections(sum)...)
	}
	return rep
}

func summaryLine(s ndr.Summary) string {
	var parts []string
	for _, c := range s.ByReason {
		parts = append(parts, fmt.Sprintf("%d %s", c.Count, c.Key))
	}
	line := fmt.Sprintf("%s, %s", report.Plural(s.Inputs, "input"), report.Plural(s.Recipients, "recipient"))
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	return line
}

func summarySections(s ndr.Summary) []report.Section {
	table := func(title, key string, rows []ndr.Count) report.Section {
		t := &report.Table{Header: []string{key, "Recipients"}}
		for _, c := range rows {
			t.Rows = append(t.Rows, []string{c.Key, strconv.Itoa(c.Count)})
		}
		return report.Section{Title: title, Table: t}
	}
	out := []report.Section{
		table("Summary by reason", "Reason", s.ByReason),
		table("Summary by status", "Status", s.ByStatus),
	}
	dom := table("Summary by recipient domain", "Domain", s.ByDomain)
	if s.Domains > len(s.ByDomain) {
		dom.Title = fmt.Sprintf("Summary by recipient domain (top %d of %d)", len(s.ByDomain), s.Domains)
	}
	kinds := &report.Table{Header: []string{"Kind", "Inputs"}}
	for _, k := range []ndr.Kind{ndr.KindBounce, ndr.KindFeedback, ndr.KindAutoReply, ndr.KindCode, ndr.KindNotBounce, ndr.KindUnparsed} {
		if n := s.ByKind[string(k)]; n > 0 {
			kinds.Rows = append(kinds.Rows, []string{string(k), strconv.Itoa(n)})
		}
	}
	return append(out, dom, report.Section{Title: "Inputs by kind", Table: kinds})
}

// messageRows is one mbox message in the per-message table.
func messageRows(res ndr.Result) [][]string {
	idx := res.Source[strings.LastIndexByte(res.Source, '#')+1:]
	if len(res.Recipients) == 0 {
		what := string(res.Kind)
		if res.Error != "" {
			what += ": " + res.Error
		}
		return [][]string{{idx, what, "", "", "", ""}}
	}
	var rows [][]string
	for _, r := range res.Recipients {
		rows = append(rows, []string{idx, string(res.Kind), r.Address, dash(r.Status), replyText(r.ReplyCode), r.Reason})
	}
	return rows
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func replyText(code int) string {
	if code == 0 {
		return "-"
	}
	return strconv.Itoa(code)
}

// resultSection renders one input in detail: where the bounce came from,
// the returned message, and per recipient what failed, what it means and
// what to do.
func resultSection(res ndr.Result) []report.Section {
	title := res.Source
	var lines []string
	switch res.Kind {
	case ndr.KindUnparsed:
		return []report.Section{{Title: title + ": could not be parsed", Lines: []string{res.Error}}}
	case ndr.KindNotBounce:
		return []report.Section{{Title: title + ": not a bounce", Lines: []string{"no failed or delayed recipient found"}}}
	case ndr.KindCode:
		title = "Code " + res.Source
	default:
		desc := string(res.Kind)
		if res.Layout != "" {
			desc = res.Layout + " " + desc
		}
		if res.ReportingMTA != "" {
			desc += " from " + res.ReportingMTA
		}
		title = fmt.Sprintf("%s: %s, %s", res.Source, desc, report.Plural(len(res.Recipients), "recipient"))
		if o := res.Original; o != nil {
			lines = append(lines, wrapField("original msg  ", originalLine(o))...)
		}
	}
	for _, r := range res.Recipients {
		lines = append(lines, recipientLines(r, res.Kind)...)
	}
	return []report.Section{{Title: title, Lines: lines}}
}

func originalLine(o *ndr.Original) string {
	var parts []string
	if o.Subject != "" {
		parts = append(parts, strconv.Quote(o.Subject))
	}
	if o.From != "" {
		parts = append(parts, "from "+o.From)
	}
	if o.To != "" {
		parts = append(parts, "to "+o.To)
	}
	if o.Date != "" {
		parts = append(parts, "sent "+o.Date)
	}
	if o.MessageID != "" {
		parts = append(parts, "Message-ID "+o.MessageID)
	}
	return strings.Join(parts, ", ")
}

const ndrWrap = 96

func recipientLines(r ndr.Recipient, kind ndr.Kind) []string {
	var l []string
	field := func(name, value string) {
		if value != "" {
			l = append(l, wrapField(fmt.Sprintf("%-14s", name), value)...)
		}
	}
	if kind != ndr.KindCode {
		addr := r.Address
		if addr == "" {
			addr = "(not named in the report)"
		}
		field("recipient", addr)
	}
	x := r.Explanation
	if r.Status != "" {
		s := r.Status
		if x != nil && x.Title != "" && x.Code == r.Status {
			s += "  " + x.Title
		}
		field("status", s)
	}
	if r.ReplyCode != 0 {
		field("reply code", strconv.Itoa(r.ReplyCode))
	}
	outcome := r.Reason
	if r.HardBounce {
		outcome += " (hard bounce: retrying will not help)"
	} else if kind == ndr.KindBounce && r.Reason != "delivered" {
		outcome += " (soft bounce)"
	}
	field("reason", outcome)
	if kind != ndr.KindCode {
		field("action", r.Action)
		remote := r.RemoteMTA
		if r.Command != "" {
			remote = strings.TrimSpace(remote + " (rejected at " + r.Command + ")")
		}
		field("remote MTA", remote)
		field("diagnostic", r.Diagnostic)
	}
	if x == nil {
		return l
	}
	field("meaning", x.Meaning)
	field("reason means", x.Reason)
	if len(x.Causes) > 0 {
		l = append(l, "likely causes")
		for _, c := range x.Causes {
			l = append(l, wrapField("  - ", c)...)
		}
	}
	if len(x.Checks) > 0 {
		l = append(l, "check and fix")
		for _, c := range x.Checks {
			l = append(l, wrapField("  - ", c)...)
		}
	}
	return l
}

// wrapField wraps text to the report width, indenting continuation lines
// under the first.
func wrapField(prefix, text string) []string {
	indent := strings.Repeat(" ", len(prefix))
	var out []string
	line := prefix
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && len(line)+1+len(word) > ndrWrap {
			out = append(out, line)
			line, empty = indent, true
		}
		if empty {
			line += word
		} else {
			line += " " + word
		}
		empty = false
	}
	if !empty {
		out = append(out, line)
	}
	return out
}
