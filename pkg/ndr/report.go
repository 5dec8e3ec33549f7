package ndr

import (
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// ReportData is the JSON "data" of the ndr report: every result with its
// explanations, and the summary the text report shows as tables.
type ReportData struct {
	Results []Result `json:"results"`
	Summary Summary  `json:"summary"`
}

// maxNoteEvidence bounds the sources a note lists: an mbox with thousands
// of unreadable messages needs a few examples, not all of them.
const maxNoteEvidence = 5

// Collector builds the report of one ndr run from results as inputs are
// read, so sections come out in input order without a second pass over the
// inputs. The jsonl format streams results instead and needs no Collector.
type Collector struct {
	sum      *Summarizer
	results  []Result
	sections []report.Section
	findings []report.Finding
	// notes finds the finding that aggregates a file's unparsed or
	// not_bounce inputs, and how many it stands for.
	notes map[noteKey]*noteCount
	// lean drops what the report will not show: the results (kept only
	// for JSON data) and the per-message rows of an mbox (shown with -v).
	leanResults, leanRows bool
	// noSections drops the text sections, for output that renders only
	// the data (JSON), so results are not explained twice.
	noSections bool
	// mbox is the mbox being read message by message.
	mbox *mboxTable
}

// mboxTable collects the messages of one mbox, or the results of one
// mail log. The first is held back until a second one shows the file has
// several.
type mboxTable struct {
	name  string
	log   bool
	n     int
	first *Result
	table *report.Table
}

type noteKey struct{ id, file string }

type noteCount struct{ finding, n int }

// NewCollector returns an empty Collector.
func NewCollector() *Collector {
	return &Collector{sum: NewSummarizer(), notes: map[noteKey]*noteCount{}}
}

// Lean makes the Collector keep only what a report without JSON data
// (results false) or without verbose tables (rows false) shows, so a run
// over a large mbox holds counts, not messages.
func (c *Collector) Lean(results, rows bool) {
	c.leanResults, c.leanRows = !results, !rows
}

// NoSections makes the Collector build no text sections: the output is
// JSON, which shows the data, and the summary and findings are all the
// report needs from the Collector.
func (c *Collector) NoSections() { c.noSections = true }

// Add records an input that stands alone (a file, stdin or a code): it is
// explained in a section of its own.
func (c *Collector) Add(res Result) {
	res = c.record(res, !c.noSections)
	if !c.noSections {
		c.sections = append(c.sections, resultSection(res)...)
	}
}

// AddMbox records the messages of one mbox. They share one table with a row
// per recipient, shown with -v only: an mbox can hold thousands of bounces,
// and the summary tables are what a reader looks at first. A single message
// saved with its envelope line reads like any other message instead.
func (c *Collector) AddMbox(name string, msgs []Result) {
	c.BeginMbox(name)
	for _, res := range msgs {
		c.AddMessage(res)
	}
	c.EndMbox()
}

// BeginMbox starts an mbox whose messages follow with AddMessage, in
// order, and end with EndMbox; AddMbox for one message at a time.
func (c *Collector) BeginMbox(name string) {
	c.mbox = &mboxTable{name: name, table: &report.Table{Header: []string{"#", "Kind", "Recipient", "Status", "Reply", "Reason"}}}
}

// AddMessage records the next message of the mbox.
func (c *Collector) AddMessage(res Result) {
	m := c.mbox
	m.n++
	if m.n == 1 {
		m.first = &res
		return
	}
	if m.first != nil {
		c.addRow(*m.first)
		m.first = nil
	}
	c.addRow(res)
}

func (c *Collector) addRow(res Result) {
	res = c.record(res, false)
	if !c.leanRows {
		c.mbox.table.Rows = append(c.mbox.table.Rows, messageRows(res, c.mbox.log)...)
	}
}

// EndMbox closes the mbox: a single message saved with its envelope line
// reads like any other message.
func (c *Collector) EndMbox() {
	m := c.mbox
	c.mbox = nil
	if m.first != nil {
		c.Add(*m.first)
		return
	}
	c.sections = append(c.sections, report.Section{
		Title:   m.name + ": " + report.Plural(m.n, "message"),
		Table:   m.table,
		Verbose: true,
	})
}

// BeginLog starts a mail log whose results follow with AddMessage, in
// order, and end with EndLog.
func (c *Collector) BeginLog(name string) {
	c.mbox = &mboxTable{name: name, log: true, table: &report.Table{Header: []string{"Line", "Action", "Recipient", "Status", "Reply", "Reason"}}}
}

// EndLog closes a mail log and counts its lines. A log with one failure
// (a line pasted on standard input) reads like a bounce of its own; a
// longer one gets a table of its failures, shown with -v, and a line
// saying what else it held.
func (c *Collector) EndLog(st LogStats) {
	m := c.mbox
	c.mbox = nil
	c.sum.AddLog(st)
	if m.first != nil {
		c.Add(*m.first)
		return
	}
	sec := report.Section{Title: m.name + ": mail log, " + logSummary(st)}
	if len(m.table.Rows) > 0 {
		// The table is for -v; the title alone says what the log held.
		sec.Table, sec.Verbose = m.table, true
	}
	c.sections = append(c.sections, sec)
}

// logSummary says what the lines of a log were, leaving out what it did
// not hold.
func logSummary(st LogStats) string {
	parts := []string{counted(st.Results, "failure or delay", "failures or delays")}
	if st.Delivered > 0 {
		parts = append(parts, counted(st.Delivered, "delivery", "deliveries"))
	}
	if st.Skipped > 0 {
		parts = append(parts, counted(st.Skipped, "other line", "other lines")+" skipped")
	}
	if st.LongLines > 0 {
		parts = append(parts, counted(st.LongLines, "line", "lines")+" over the line limit read in part")
	}
	return counted(st.Lines, "line", "lines") + ": " + strings.Join(parts, ", ")
}

// record counts one result and keeps it, explained, for the JSON data;
// explain asks for the explanations for a section of its own.
func (c *Collector) record(res Result, explain bool) Result {
	c.sum.Add(res)
	if explain || !c.leanResults {
		Annotate(&res)
	}
	if !c.leanResults {
		c.results = append(c.results, res)
	}
	c.note(res)
	return res
}

// note turns inputs that are not bounces into findings, one per input file
// and kind, so an mbox with many of them stays readable.
func (c *Collector) note(res Result) {
	if len(res.Truncated) > 0 {
		c.noteTruncated(res)
	}
	var id string
	sev := report.Info
	switch res.Kind {
	case KindUnparsed:
		id, sev = "ndr.unparsed", report.Warning
	case KindNotBounce:
		id = "ndr.not_bounce"
	default:
		return
	}
	file := inputFile(res.Source)
	key := noteKey{id, file}
	nc := c.notes[key]
	if nc == nil {
		f := report.Finding{ID: id, Severity: sev, Subject: file}
		if res.Kind == KindUnparsed {
			f.Fix = "check that the input is a bounce message, an NDR text or an mbox"
		}
		nc = &noteCount{finding: len(c.findings)}
		c.notes[key] = nc
		c.findings = append(c.findings, f)
	}
	nc.n++
	f := &c.findings[nc.finding]
	if len(f.Evidence) < maxNoteEvidence {
		evidence := res.Source
		if res.Error != "" {
			evidence += ": " + res.Error
		}
		f.Evidence = append(f.Evidence, evidence)
	}
	switch {
	case res.Kind == KindUnparsed:
		f.Message = report.Plural(nc.n, "message") + " could not be parsed"
	case nc.n == 1:
		f.Message = "1 message is not a bounce"
	default:
		f.Message = report.Plural(nc.n, "message") + " are not bounces"
	}
}

// noteTruncated reports an input that a size limit stopped before its
// end, one finding per file.
func (c *Collector) noteTruncated(res Result) {
	file := inputFile(res.Source)
	key := noteKey{"ndr.input_truncated", file}
	nc := c.notes[key]
	if nc == nil {
		nc = &noteCount{finding: len(c.findings)}
		c.notes[key] = nc
		c.findings = append(c.findings, truncatedCheck.Finding(report.Warning, file, ""))
	}
	nc.n++
	f := &c.findings[nc.finding]
	if len(f.Evidence) < maxNoteEvidence {
		for _, t := range res.Truncated {
			f.Evidence = append(f.Evidence, res.Source+": "+t.String())
		}
	}
	f.Message = counted(nc.n, "input was", "inputs were") + " read only in part: a size limit stopped the reading before the end"
}

// inputFile is the file a result came from: its source without the
// message number of an mbox ("box#3") or the line of a log ("mail.log:12").
func inputFile(source string) string {
	if i := strings.LastIndexAny(source, "#:"); i > 0 && i+1 < len(source) && strings.Trim(source[i+1:], "0123456789") == "" {
		return source[:i]
	}
	return source
}

// Report assembles what was collected. targets are the inputs as given on
// the command line; started and took time the run. The summary tables are
// added only for several inputs, where they say more than the one section.
func (c *Collector) Report(targets []string, started time.Time, took time.Duration) *report.Report {
	sum := c.sum.Summary()
	rep := &report.Report{
		Command:  "ndr",
		Targets:  targets,
		Started:  started,
		Duration: took,
		Summary:  summaryLine(sum),
		Sections: c.sections,
		Findings: c.findings,
		Data:     ReportData{Results: c.results, Summary: sum},
	}
	if rep.Findings == nil {
		// JSON readers get "findings": [] rather than null.
		rep.Findings = []report.Finding{}
	}
	if sum.Inputs > 1 {
		rep.Sections = append(rep.Sections, summarySections(sum)...)
	}
	return rep
}
