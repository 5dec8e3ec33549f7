package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fatih/color"
)

// Format is an output format name as given to --format.
type Format string

const (
	FormatText     Format = "text"
	FormatJSON     Format = "json"
	FormatJSONL    Format = "jsonl"
	FormatMarkdown Format = "markdown"
)

// Options control rendering.
type Options struct {
	Color   bool
	Verbose bool
	Version string
	// Now is stamped into Markdown output; tests pin it.
	Now func() time.Time
	// ExitCode is the code the process will exit with, shown in summaries.
	ExitCode int
}

// Styler colors words when color is on. fatih/color's global NoColor switch
// is not used: tests render to buffers with color forced either way.
type Styler struct{ on bool }

func NewStyler(on bool) Styler { return Styler{on: on} }

func (s Styler) paint(attrs []color.Attribute, text string) string {
	if !s.on {
		return text
	}
	c := color.New(attrs...)
	c.EnableColor()
	return c.Sprint(text)
}

func (s Styler) Bold(t string) string  { return s.paint([]color.Attribute{color.Bold}, t) }
func (s Styler) Faint(t string) string { return s.paint([]color.Attribute{color.Faint}, t) }

// Severity paints a severity word in its traffic-light color.
func (s Styler) Severity(sev Severity, text string) string {
	switch sev {
	case Error:
		return s.paint([]color.Attribute{color.FgRed, color.Bold}, text)
	case Warning:
		return s.paint([]color.Attribute{color.FgYellow, color.Bold}, text)
	case Info:
		return s.paint([]color.Attribute{color.FgCyan}, text)
	}
	return s.paint([]color.Attribute{color.FgGreen}, text)
}

// WriteText renders the report for a terminal or a plain-text ticket.
func WriteText(w io.Writer, r *Report, o Options) error {
	bw := bufio.NewWriter(w)
	st := NewStyler(o.Color)
	for _, s := range r.Sections {
		if s.Verbose && !o.Verbose {
			continue
		}
		if s.Title != "" {
			fmt.Fprintln(bw, st.Bold(s.Title))
		}
		if s.Table != nil {
			writeTextTable(bw, s.Table, "  ")
		}
		for _, l := range s.Lines {
			fmt.Fprintln(bw, "  "+l)
		}
		fmt.Fprintln(bw)
	}
	fs := append([]Finding(nil), r.Findings...)
	SortFindings(fs)
	if len(fs) > 0 {
		fmt.Fprintln(bw, st.Bold("Findings"))
	}
	for _, f := range fs {
		if f.Severity == OK && !o.Verbose {
			continue
		}
		label := strings.ToUpper(f.Severity.String())
		if f.Incomplete {
			label = "UNCHECKED"
		}
		head := fmt.Sprintf("  %s %s", st.Severity(f.Severity, fmt.Sprintf("%-9s", label)), st.Bold(f.ID))
		if f.Subject != "" {
			head += " " + f.Subject
		}
		fmt.Fprintln(bw, head)
		writeWrapped(bw, "            ", f.Message)
		for _, e := range f.Evidence {
			fmt.Fprintln(bw, "            "+st.Faint("| "+e))
		}
		if f.Fix != "" {
			writeWrapped(bw, "            fix: ", f.Fix)
		}
		if f.Ref != "" {
			fmt.Fprintln(bw, "            "+st.Faint("see: "+f.Ref))
		}
	}
	if len(fs) > 0 {
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw, summaryLine(r, o.ExitCode, st))
	return bw.Flush()
}

func summaryLine(r *Report, exit int, st Styler) string {
	c := Counts(r.Findings)
	var parts []string
	for _, s := range []Severity{Error, Warning, Info} {
		if c[s] > 0 {
			parts = append(parts, st.Severity(s, Plural(c[s], s.String())))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, st.Severity(OK, "no problems found"))
	}
	line := "Result: " + strings.Join(parts, ", ")
	if r.Summary != "" {
		line = r.Summary + "\n" + line
	}
	return fmt.Sprintf("%s (exit %d, %s)", line, exit, StatusName(exit))
}

// Plural counts n of word in English: "1 error", "3 errors", "2 addresses".
// Words with an irregular plural need their own wording.
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	for _, end := range []string{"s", "x", "z", "ch", "sh"} {
		if strings.HasSuffix(word, end) {
			return fmt.Sprintf("%d %ses", n, word)
		}
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Width is the line width text output wraps prose at: readable in an
// 80-column terminal at a glance and in ticket systems.
const Width = 100

// Wrap breaks text into lines of at most Width runes, the first starting
// with prefix and the rest indented under it.
func Wrap(prefix, text string) []string {
	indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	var out []string
	line := prefix
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > Width {
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

func writeWrapped(w io.Writer, prefix, text string) {
	for _, l := range Wrap(prefix, text) {
		fmt.Fprintln(w, l)
	}
}

// WriteTable writes t aligned, each line prefixed by indent.
func WriteTable(w io.Writer, t *Table, indent string) { writeTextTable(w, t, indent) }

func writeTextTable(w io.Writer, t *Table, indent string) {
	widths := make([]int, len(t.Header))
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
	measure(t.Header)
	for _, r := range t.Rows {
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
	if len(t.Header) > 0 {
		line(t.Header)
	}
	for _, r := range t.Rows {
		line(r)
	}
}

// WriteJSON renders the report as one JSON document.
func WriteJSON(w io.Writer, r *Report, o Options) error {
	b, err := r.MarshalJSONDoc(o.Version, o.ExitCode)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteJSONLine writes v as one compact JSON line, for bulk runs where each
// target is a record.
func WriteJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteMarkdown renders the report for pasting into a ticket: headings,
// tables, fenced transcripts, and the tool version, resolver and UTC time so
// the reader knows what produced it.
func WriteMarkdown(w io.Writer, r *Report, o Options) error {
	bw := bufio.NewWriter(w)
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	title := "mailflow " + r.Command
	if len(r.Targets) > 0 {
		title += " " + strings.Join(r.Targets, " ")
	}
	fmt.Fprintf(bw, "## %s\n\n", mdEscape(title))
	meta := fmt.Sprintf("mailflow %s, %s UTC", o.Version, now().UTC().Format("2006-01-02 15:04:05"))
	if r.Resolver != "" {
		meta += ", resolver " + r.Resolver
	}
	fmt.Fprintf(bw, "_%s_\n\n", mdEscape(meta))
	fmt.Fprintf(bw, "**%s**\n\n", mdEscape(strings.ReplaceAll(summaryLine(r, o.ExitCode, Styler{}), "\n", " ")))
	for _, s := range r.Sections {
		if s.Verbose && !o.Verbose {
			continue
		}
		if s.Title != "" {
			fmt.Fprintf(bw, "### %s\n\n", mdEscape(s.Title))
		}
		if s.Table != nil {
			writeMDTable(bw, s.Table)
			fmt.Fprintln(bw)
		}
		if len(s.Lines) > 0 {
			fence := "```"
			for _, l := range s.Lines {
				for strings.Contains(l, fence) {
					fence += "`"
				}
			}
			fmt.Fprintln(bw, fence)
			for _, l := range s.Lines {
				fmt.Fprintln(bw, l)
			}
			fmt.Fprintln(bw, fence)
			fmt.Fprintln(bw)
		}
	}
	fs := append([]Finding(nil), r.Findings...)
	SortFindings(fs)
	if len(fs) > 0 {
		fmt.Fprintln(bw, "### Findings")
		fmt.Fprintln(bw)
		writeMDTable(bw, findingsTable(fs, o.Verbose))
		fmt.Fprintln(bw)
		for _, f := range fs {
			if f.Severity == OK || (len(f.Evidence) == 0 && f.Fix == "") {
				continue
			}
			fmt.Fprintf(bw, "#### `%s` %s\n\n", f.ID, mdEscape(f.Subject))
			fmt.Fprintf(bw, "%s\n\n", mdEscape(f.Message))
			if len(f.Evidence) > 0 {
				fmt.Fprintln(bw, "```")
				for _, e := range f.Evidence {
					fmt.Fprintln(bw, strings.ReplaceAll(e, "```", "'''"))
				}
				fmt.Fprintln(bw, "```")
				fmt.Fprintln(bw)
			}
			if f.Fix != "" {
				fmt.Fprintf(bw, "**Fix:** %s\n\n", mdEscape(f.Fix))
			}
			if f.Ref != "" {
				fmt.Fprintf(bw, "_See: %s_\n\n", mdEscape(f.Ref))
			}
		}
	}
	return bw.Flush()
}

func findingsTable(fs []Finding, verbose bool) *Table {
	t := &Table{Header: []string{"Severity", "Check", "Subject", "Message"}}
	for _, f := range fs {
		if f.Severity == OK && !verbose {
			continue
		}
		sev := f.Severity.String()
		if f.Incomplete {
			sev = "unchecked"
		}
		t.Rows = append(t.Rows, []string{sev, f.ID, f.Subject, f.Message})
	}
	return t
}

func writeMDTable(w io.Writer, t *Table) {
	row := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = strings.ReplaceAll(strings.ReplaceAll(mdEscape(c), "|", `\|`), "\n", " ")
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(esc, " | "))
	}
	row(t.Header)
	sep := make([]string, len(t.Header))
	for i := range sep {
		sep[i] = "---"
	}
	row(sep)
	for _, r := range t.Rows {
		row(r)
	}
}

// mdEscape neutralizes characters that would turn data (domain names with
// underscores, addresses with asterisks) into Markdown formatting.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// Write renders r in the given format. JSONL is rendered as one compact
// document here; bulk commands that stream records use WriteJSONLine.
func Write(w io.Writer, r *Report, f Format, o Options) error {
	switch f {
	case FormatJSON:
		return WriteJSON(w, r, o)
	case FormatJSONL:
		return WriteJSONLine(w, r.jsonDoc(o.Version, o.ExitCode))
	case FormatMarkdown:
		return WriteMarkdown(w, r, o)
	case FormatText, "":
		return WriteText(w, r, o)
	}
	return fmt.Errorf("unknown format %q", f)
}
