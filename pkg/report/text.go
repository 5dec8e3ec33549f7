package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteText renders the report for a terminal or a plain-text ticket. Every
// string from the report is sanitised here, before it is styled, so data
// cannot carry escape sequences while the renderer's own colors survive.
func WriteText(w io.Writer, r *Report, o Options) error {
	bw := bufio.NewWriter(w)
	st := NewStyler(o.Color)
	for _, s := range r.Sections {
		if s.Verbose && !o.Verbose {
			continue
		}
		if s.Title != "" {
			fmt.Fprintln(bw, st.Bold(Sanitize(s.Title)))
		}
		if s.Table != nil {
			writeTextTable(bw, s.Table, "  ")
		}
		for _, l := range s.Lines {
			for _, sl := range SanitizeLines(l) {
				fmt.Fprintln(bw, "  "+sl)
			}
		}
		fmt.Fprintln(bw)
	}
	fs := shownFindings(r.Findings, o.Verbose)
	if len(fs) > 0 {
		fmt.Fprintln(bw, st.Bold("Findings"))
	}
	for _, f := range fs {
		head := fmt.Sprintf("  %s %s", st.finding(f, fmt.Sprintf("%-9s", strings.ToUpper(label(f)))), st.Bold(Sanitize(f.ID)))
		if f.Subject != "" {
			head += " " + Sanitize(f.Subject)
		}
		fmt.Fprintln(bw, head)
		writeWrapped(bw, "            ", f.Message)
		for _, e := range f.Evidence {
			for _, l := range SanitizeLines(e) {
				fmt.Fprintln(bw, "            "+st.Faint("| "+l))
			}
		}
		if f.Fix != "" {
			writeWrapped(bw, "            fix: ", f.Fix)
		}
		if f.Ref != "" {
			fmt.Fprintln(bw, "            "+st.Faint("see: "+Sanitize(f.Ref)))
		}
	}
	if len(fs) > 0 {
		fmt.Fprintln(bw)
	}
	if r.Summary != "" {
		for _, l := range SanitizeLines(r.Summary) {
			fmt.Fprintln(bw, l)
		}
	}
	fmt.Fprintln(bw, resultLine(r.Findings, o.ExitCode, st))
	return bw.Flush()
}

// shownFindings returns the findings worst first, without the passed checks
// unless verbose.
func shownFindings(findings []Finding, verbose bool) []Finding {
	var fs []Finding
	for _, f := range findings {
		if f.Severity != OK || f.Incomplete || verbose {
			fs = append(fs, f)
		}
	}
	SortFindings(fs)
	return fs
}

// label is the word a finding is shown with: its severity, or "unchecked"
// for a check that could not be carried out, whatever its severity.
func label(f Finding) string {
	if f.Incomplete {
		return "unchecked"
	}
	return f.Severity.String()
}

// resultLine is the verdict: what was found, counted, and the exit status
// in words, e.g. "Result: 1 error, 1 unchecked (exit 1, problem)". Text and
// Markdown share it, so both say the same thing.
func resultLine(findings []Finding, exit int, st Styler) string {
	parts := countWords(findings, st)
	switch {
	case len(parts) == 0 && exit == ExitUsage:
		// Some input was refused; what could be read was fine.
		parts = append(parts, "no problems found in the valid input")
	case len(parts) == 0:
		parts = append(parts, st.Severity(OK, "no problems found"))
	}
	return fmt.Sprintf("Result: %s (exit %d, %s)", strings.Join(parts, ", "), exit, StatusText(exit))
}

// CountText counts findings in the words of the result line ("1 error,
// 2 unchecked"), or "no problems found", for places that show a verdict
// without an exit status.
func CountText(findings []Finding) string {
	if parts := countWords(findings, Styler{}); len(parts) > 0 {
		return strings.Join(parts, ", ")
	}
	return "no problems found"
}

func countWords(findings []Finding, st Styler) []string {
	t := Count(findings)
	var parts []string
	for _, s := range []Severity{Error, Warning} {
		if t.Severity[s] > 0 {
			parts = append(parts, st.Severity(s, Plural(t.Severity[s], s.String())))
		}
	}
	if t.Unchecked > 0 {
		parts = append(parts, st.Unchecked(fmt.Sprintf("%d unchecked", t.Unchecked)))
	}
	if t.Severity[Info] > 0 {
		parts = append(parts, st.Severity(Info, Plural(t.Severity[Info], Info.String())))
	}
	return parts
}

// writeWrapped writes text sanitised and wrapped at Width.
func writeWrapped(w io.Writer, prefix, text string) {
	for _, l := range Wrap(prefix, Sanitize(text)) {
		fmt.Fprintln(w, l)
	}
}

// WriteTable writes t aligned, each line prefixed by indent, with every
// cell sanitised.
func WriteTable(w io.Writer, t *Table, indent string) { writeTextTable(w, t, indent) }

func writeTextTable(w io.Writer, t *Table, indent string) {
	header := sanitizeRow(t.Header)
	rows := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = sanitizeRow(r)
	}
	widths := make([]int, len(header))
	measure := func(row []string) {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			if n := utf8.RuneCountInString(c); n > widths[i] {
				widths[i] = n
			}
		}
	}
	measure(header)
	for _, r := range rows {
		measure(r)
	}
	line := func(row []string) {
		var b strings.Builder
		b.WriteString(indent)
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	if len(header) > 0 {
		line(header)
	}
	for _, r := range rows {
		line(r)
	}
}

// sanitizeRow sanitises table cells as one-line fields: a newline in a
// cell would break the table's rows apart.
func sanitizeRow(row []string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = Sanitize(c)
	}
	return out
}
