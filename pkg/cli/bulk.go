package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"time"

	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/ndr"
	"github.com/mailflowkit/mailflow/pkg/report"
)

// Every bulk run (mx --file, dnsbl over a list or range, ndr over an mbox
// or several files, smtp --all-mx) writes JSON lines of one contract
// (docs/json.md): "result" records, "error" records for inputs that could
// not be used, and one "summary" record at the end. bulkTally keeps the
// counts for that summary as results are written, so nothing but counts
// outlives a result.
type bulkTally struct {
	e       *Env
	command string
	started time.Time

	results   int
	errors    int
	verdicts  map[string]int
	counts    map[string]int
	unchecked int
	reordered int
	// exit is the code the findings written so far call for.
	exit int
	// findings are the run's own findings (a DNSBL selftest), not a
	// target's; they go into the summary record, with the selftest.
	findings []report.Finding
	selftest []dnsbl.Health
	// totals are command-specific totals (ndr: recipients by reason).
	totals *ndr.Summary
}

// newBulkTally starts the counts of a run, and its clock (Env.Now, which
// SOURCE_DATE_EPOCH pins for reproducible output).
func newBulkTally(e *Env, command string) *bulkTally {
	return &bulkTally{e: e, command: command, started: e.Now(), verdicts: map[string]int{}, counts: map[string]int{}}
}

// result counts one target's result: its verdict word and findings.
func (t *bulkTally) result(verdict string, fs []report.Finding) {
	t.results++
	if verdict != "" {
		t.verdicts[verdict]++
	}
	t.add(fs)
}

// runFindings records findings about the run rather than one target.
func (t *bulkTally) runFindings(fs []report.Finding) {
	t.findings = append(t.findings, fs...)
	t.add(fs)
}

// add counts findings as the document's counts do.
func (t *bulkTally) add(fs []report.Finding) {
	t.unchecked += addCounts(t.counts, fs)
	t.exit = worseExit(t.exit, t.e.ExitFor(fs))
}

// badInput counts an input that could not be used (an "error" record).
func (t *bulkTally) badInput() { t.errors++ }

// exitCode is 2 when any input could not be used: the list needs fixing
// before the run can be trusted, even though the rest was checked.
func (t *bulkTally) exitCode() int {
	if t.errors > 0 {
		return report.ExitUsage
	}
	return t.exit
}

// bulkSummary is the last record of a bulk JSON-lines run (docs/json.md).
type bulkSummary struct {
	Type          string `json:"type" jsonschema:"enum=summary"`
	SchemaVersion int    `json:"schema_version"`
	Tool          string `json:"tool" jsonschema:"enum=mailflow"`
	Version       string `json:"version"`
	Command       string `json:"command"`
	// Results and Errors count the "result" and "error" records.
	Results int `json:"results"`
	Errors  int `json:"errors"`
	// Verdicts counts results per verdict word.
	Verdicts map[string]int `json:"verdicts,omitempty"`
	// Counts are the findings of the run per severity, and those that
	// could not be checked under "unchecked", as in the document.
	Counts map[string]int `json:"counts"`
	// Unchecked is the number of findings that could not be checked.
	Unchecked int `json:"unchecked"`
	// Reordered counts results written ahead of a slower earlier input.
	Reordered  int     `json:"reordered,omitempty"`
	DurationMS float64 `json:"duration_ms"`
	Status     string  `json:"status" jsonschema:"enum=ok,enum=problem,enum=incomplete,enum=bad_input"`
	ExitCode   int     `json:"exit_code"`
	// Findings are about the run rather than one target.
	Findings []report.Finding `json:"findings,omitempty"`
	// SelfTest is dnsbl's list health (--selftest).
	SelfTest []dnsbl.Health `json:"selftest,omitempty"`
	// Totals are ndr's recipients by reason, status and domain.
	Totals *ndr.Summary `json:"totals,omitempty"`
}

// writeSummary writes the summary record.
func (t *bulkTally) writeSummary(w *bulkWriter) error {
	return w.record(bulkSummary{
		Type: "summary", SchemaVersion: report.SchemaVersion, Tool: "mailflow", Version: Version(),
		Command: t.command, Results: t.results, Errors: t.errors, Verdicts: t.verdicts,
		Counts: t.counts, Unchecked: t.unchecked, Reordered: t.reordered,
		DurationMS: report.MS(t.e.Now().Sub(t.started)), Status: report.StatusName(t.exitCode()), ExitCode: t.exitCode(),
		Findings: t.findings, SelfTest: t.selftest, Totals: t.totals,
	})
}

// addCounts adds findings to counts keyed as the JSON document's: checked
// findings per severity, the others under "unchecked". It returns how
// many could not be checked.
func addCounts(counts map[string]int, fs []report.Finding) int {
	tally := report.Count(fs)
	for sev, n := range tally.Severity {
		counts[sev.String()] += n
	}
	if tally.Unchecked > 0 {
		counts["unchecked"] += tally.Unchecked
	}
	return tally.Unchecked
}

// worseExit combines two exit codes of checks: a problem beats an
// incomplete check, which beats a clean one.
func worseExit(a, b int) int {
	switch {
	case a == report.ExitProblem || b == report.ExitProblem:
		return report.ExitProblem
	case a == report.ExitIncomplete || b == report.ExitIncomplete:
		return report.ExitIncomplete
	}
	return report.ExitOK
}

// bulkWriter buffers a bulk run's output, which would otherwise cost a
// system call per record, and still flushes at least every flushEvery so
// a reader at the other end of a pipe (jq, tail -f) sees records as they
// come.
type bulkWriter struct {
	bw   *bufio.Writer
	last time.Time
}

const flushEvery = 200 * time.Millisecond

func newBulkWriter(w io.Writer) *bulkWriter {
	return &bulkWriter{bw: bufio.NewWriterSize(w, 64<<10), last: time.Now()}
}

func (w *bulkWriter) Write(p []byte) (int, error) {
	n, err := w.bw.Write(p)
	if err == nil && time.Since(w.last) >= flushEvery {
		err = w.Flush()
	}
	return n, err
}

// record writes v as one JSON line. A value with its own MarshalJSON is
// asked directly: through json.Marshal its output would be checked and
// compacted a second time, a cost per record a bulk run can do without.
func (w *bulkWriter) record(v any) error {
	var b []byte
	var err error
	if m, ok := v.(json.Marshaler); ok {
		b, err = m.MarshalJSON()
	} else {
		b, err = report.MarshalJSON(v)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Flush writes what is buffered.
func (w *bulkWriter) Flush() error {
	w.last = time.Now()
	return w.bw.Flush()
}

// countListLines counts the lines with content of a list file (not a
// comment, not blank), the total a progress bar shows. It returns -1 for
// standard input, which cannot be read twice, and for anything unreadable:
// the run itself reports that.
func countListLines(path string) int64 {
	if path == "-" {
		return -1
	}
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var n int64
	for {
		line, isPrefix, err := br.ReadLine()
		if err != nil {
			if err == io.EOF {
				return n
			}
			return -1
		}
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			n++
		}
		for isPrefix && err == nil {
			_, isPrefix, err = br.ReadLine()
		}
	}
}
