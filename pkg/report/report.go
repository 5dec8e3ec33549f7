// Package report is the one result model every mailflow command returns,
// and the renderers that turn it into text, JSON, JSON lines or Markdown.
//
// A command produces a Report: findings (stable check ID, severity, message,
// evidence, fix), human-oriented sections (tables, traces, transcripts) and a
// command-specific Data value for machine readers. The package decides nothing
// about terminals: callers say whether color is wanted. It does not know any
// mail protocol.
package report

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// SchemaVersion is bumped whenever the JSON shape changes incompatibly.
const SchemaVersion = 2

// Severity orders findings from harmless to delivery-breaking.
type Severity int

const (
	OK Severity = iota
	Info
	Warning
	Error
)

var severityNames = [...]string{"ok", "info", "warning", "error"}

func (s Severity) String() string {
	if s < OK || s > Error {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity accepts the lower-case names used in JSON and on the command line.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return OK, fmt.Errorf("unknown severity %q (want ok, info, warning or error)", s)
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Finding is one observation about the thing under test.
type Finding struct {
	// ID is stable across releases (for example "mx.loopback"): CI jobs and
	// suppressions key on it.
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	// Subject names what the finding is about: a domain, host, address,
	// connector or file.
	Subject  string   `json:"subject,omitempty"`
	Message  string   `json:"message"`
	Evidence []string `json:"evidence,omitempty"`
	Fix      string   `json:"fix,omitempty"`
	// Ref points at the standard or document behind the finding.
	Ref string `json:"ref,omitempty"`
	// Location points into an input file (lint findings, parsed NDRs), so
	// SARIF consumers can annotate the line.
	Location *Location `json:"location,omitempty"`
	// Incomplete marks a check that could not be carried out (timeout,
	// SERVFAIL, refused). Such findings never count as "clean" and lead to
	// exit code 3 when nothing worse was found.
	Incomplete bool `json:"incomplete,omitempty"`
}

// Location is a place in an input file; Line is 1-based, 0 when unknown.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
}

// Table is a small grid rendered aligned in text and as a Markdown table.
type Table struct {
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
}

// Section is a titled block of human-oriented output: a table, or
// preformatted lines such as a DNS trace or an SMTP transcript.
type Section struct {
	Title string
	Table *Table
	Lines []string
	// Verbose sections are shown only when the user asked for detail (-v).
	Verbose bool
}

// Report is what one command run produces.
type Report struct {
	Command  string
	Targets  []string
	Started  time.Time
	Duration time.Duration
	// Resolver describes the DNS servers used, for the record in tickets.
	Resolver string
	Summary  string
	Sections []Section
	Findings []Finding
	// Data is the command's structured result, emitted under "data" in JSON.
	Data any
}

// Add appends a finding.
func (r *Report) Add(f Finding) { r.Findings = append(r.Findings, f) }

// Worst returns the highest severity among findings, OK when there are none.
func (r *Report) Worst() Severity {
	w := OK
	for _, f := range r.Findings {
		if f.Severity > w {
			w = f.Severity
		}
	}
	return w
}

// Exit codes, the contract with scripts and CI (docs/exit-codes.md).
const (
	ExitOK         = 0 // nothing at or above the failure threshold
	ExitProblem    = 1 // a finding at or above the threshold (default: error)
	ExitUsage      = 2 // bad flags or input
	ExitIncomplete = 3 // a check could not be completed and nothing worse was found
)

// ExitCode maps findings to the documented exit code. failOn is the lowest
// severity that counts as a problem (Error by default; --fail-on warning or
// info tightens it). OK findings never count.
func ExitCode(findings []Finding, failOn Severity) int {
	incomplete := false
	for _, f := range findings {
		if f.Incomplete {
			incomplete = true
			continue
		}
		if f.Severity >= failOn && f.Severity > OK {
			return ExitProblem
		}
	}
	if incomplete {
		return ExitIncomplete
	}
	return ExitOK
}

// Verdict sums up the findings about one target in one word: error,
// unchecked (a check could not be made and nothing worse was found),
// warning, or ok. Bulk runs count targets by it.
func Verdict(findings []Finding) string {
	worst, incomplete := OK, false
	for _, f := range findings {
		if f.Incomplete {
			incomplete = true
		} else if f.Severity > worst {
			worst = f.Severity
		}
	}
	switch {
	case worst == Error:
		return "error"
	case incomplete:
		return "unchecked"
	case worst == Warning:
		return "warning"
	}
	return "ok"
}

// Tally is what a summary counts: findings that were checked, per
// severity, and findings that could not be checked (Incomplete), apart
// from their severity: a lookup that timed out is not "1 error".
type Tally struct {
	Severity  map[Severity]int
	Unchecked int
}

// Count tallies findings for summaries and the JSON counts.
func Count(findings []Finding) Tally {
	t := Tally{Severity: map[Severity]int{}}
	for _, f := range findings {
		if f.Incomplete {
			t.Unchecked++
			continue
		}
		t.Severity[f.Severity]++
	}
	return t
}

// SortFindings orders findings worst first, keeping the producer's order
// among equals so related findings stay together.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity > fs[j].Severity })
}

// jsonDoc is the documented JSON shape (docs/json.md).
type jsonDoc struct {
	SchemaVersion int            `json:"schema_version"`
	Tool          string         `json:"tool"`
	Version       string         `json:"version"`
	Command       string         `json:"command"`
	Targets       []string       `json:"targets,omitempty"`
	Started       string         `json:"started_at,omitempty"`
	DurationMS    float64        `json:"duration_ms"`
	Resolver      string         `json:"resolver,omitempty"`
	Status        string         `json:"status"`
	ExitCode      int            `json:"exit_code"`
	Counts        map[string]int `json:"counts"`
	Summary       string         `json:"summary,omitempty"`
	Findings      []Finding      `json:"findings"`
	Data          any            `json:"data,omitempty"`
}

// StatusName is the machine word for an exit code: the JSON "status".
func StatusName(code int) string {
	switch code {
	case ExitOK:
		return "ok"
	case ExitProblem:
		return "problem"
	case ExitUsage:
		return "bad_input"
	case ExitIncomplete:
		return "incomplete"
	}
	return "error"
}

// StatusText is the word for an exit code in text and Markdown result
// lines: the JSON word, written for people ("bad input").
func StatusText(code int) string {
	return strings.ReplaceAll(StatusName(code), "_", " ")
}

// MS converts a duration to fractional milliseconds, the JSON unit.
func MS(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

func (r *Report) jsonDoc(version string, exit int) jsonDoc {
	tally := Count(r.Findings)
	counts := map[string]int{}
	for s, n := range tally.Severity {
		counts[s.String()] = n
	}
	if tally.Unchecked > 0 {
		counts["unchecked"] = tally.Unchecked
	}
	fs := r.Findings
	if fs == nil {
		fs = []Finding{}
	}
	d := jsonDoc{
		SchemaVersion: SchemaVersion,
		Tool:          "mailflow",
		Version:       version,
		Command:       r.Command,
		Targets:       r.Targets,
		DurationMS:    MS(r.Duration),
		Resolver:      r.Resolver,
		Status:        StatusName(exit),
		ExitCode:      exit,
		Counts:        counts,
		Summary:       r.Summary,
		Findings:      fs,
		Data:          r.Data,
	}
	if !r.Started.IsZero() {
		d.Started = r.Started.UTC().Format(time.RFC3339)
	}
	return d
}

// MarshalJSONDoc renders the report as one indented JSON document.
func (r *Report) MarshalJSONDoc(version string, exit int) ([]byte, error) {
	b, err := MarshalJSONIndent(r.jsonDoc(version, exit), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
