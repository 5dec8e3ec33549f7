package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteMarkdown renders the report for pasting into a ticket (GitHub,
// GitLab, Jira) in the order a reader needs it: the command line that
// produced it, the verdict, the findings with their evidence and fix, and
// then the tables, traces and transcripts, each folded into a
// <details> block. GitHub and GitLab fold those blocks; where HTML is not
// rendered the tags show as text and the fenced content below them still
// reads as it should.
//
// Every string from the report is sanitised, then escaped for Markdown
// (or HTML inside <summary>), so data can neither format the ticket nor
// smuggle control characters into it.
func WriteMarkdown(w io.Writer, r *Report, o Options) error {
	bw := bufio.NewWriter(w)
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	fmt.Fprintf(bw, "## %s\n\n", codeSpan(mdCommandLine(r, o)))
	fmt.Fprintf(bw, "**%s**\n\n", mdEscape(resultLine(r.Findings, o.ExitCode, Styler{})))
	if r.Summary != "" {
		lines := SanitizeLines(r.Summary)
		if len(lines) == 1 {
			fmt.Fprintf(bw, "%s\n\n", mdParagraph(lines[0]))
		} else {
			for _, l := range lines {
				fmt.Fprintf(bw, "- %s\n", mdParagraph(l))
			}
			fmt.Fprintln(bw)
		}
	}
	meta := fmt.Sprintf("mailflow %s, %s UTC", o.Version, now().UTC().Format("2006-01-02 15:04:05"))
	if r.Resolver != "" {
		meta += ", resolver " + r.Resolver
	}
	fmt.Fprintf(bw, "_%s_\n\n", mdEscape(Sanitize(meta)))

	if fs := shownFindings(r.Findings, o.Verbose); len(fs) > 0 {
		writeMDFindings(bw, fs)
	}
	for _, s := range r.Sections {
		if s.Verbose && !o.Verbose {
			continue
		}
		writeMDSection(bw, s)
	}
	return bw.Flush()
}

// mdCommandLine is the heading: the command line as run, or, for a report
// rendered without one, the command and its targets.
func mdCommandLine(r *Report, o Options) string {
	if len(o.Args) > 0 {
		return "mailflow " + ShellJoin(o.Args)
	}
	return strings.Join(append([]string{"mailflow", r.Command}, r.Targets...), " ")
}

func writeMDFindings(w io.Writer, fs []Finding) {
	fmt.Fprintln(w, "### Findings")
	fmt.Fprintln(w)
	// Check IDs are code, as in the headings below: they read the same
	// where Markdown is not rendered and copy straight into a suppression.
	writeMDRow(w, []string{"Severity", "Check", "Subject", "Message"})
	writeMDRow(w, []string{"---", "---", "---", "---"})
	for _, f := range fs {
		writeMDRow(w, []string{label(f), codeSpan(f.ID), mdCell(f.Subject), mdCell(f.Message)})
	}
	fmt.Fprintln(w)
	for _, f := range fs {
		if f.Severity == OK || (len(f.Evidence) == 0 && f.Fix == "") {
			continue
		}
		fmt.Fprintf(w, "#### %s %s\n\n", codeSpan(f.ID), mdEscape(Sanitize(f.Subject)))
		fmt.Fprintf(w, "%s\n\n", mdParagraph(Sanitize(f.Message)))
		if len(f.Evidence) > 0 {
			var lines []string
			for _, e := range f.Evidence {
				lines = append(lines, SanitizeLines(e)...)
			}
			writeFenced(w, lines)
		}
		if f.Fix != "" {
			fmt.Fprintf(w, "**Fix:** %s\n\n", mdEscape(Sanitize(f.Fix)))
		}
		if f.Ref != "" {
			fmt.Fprintf(w, "_See: %s_\n\n", mdEscape(Sanitize(f.Ref)))
		}
	}
}

// writeMDSection folds a table or block of lines into <details>. The blank
// lines around the content make GitHub and GitLab render it as Markdown.
func writeMDSection(w io.Writer, s Section) {
	title := s.Title
	if title == "" {
		title = "Details"
	}
	fmt.Fprintf(w, "<details>\n<summary>%s</summary>\n\n", htmlEscaper.Replace(Sanitize(title)))
	if s.Table != nil {
		writeMDTable(w, s.Table)
		fmt.Fprintln(w)
	}
	if len(s.Lines) > 0 {
		var lines []string
		for _, l := range s.Lines {
			lines = append(lines, SanitizeLines(l)...)
		}
		writeFenced(w, lines)
	}
	fmt.Fprint(w, "</details>\n\n")
}

// writeFenced writes sanitised lines as a fenced code block, with a fence
// longer than any run of backticks in them so no line can close it.
func writeFenced(w io.Writer, lines []string) {
	fence := strings.Repeat("`", max(3, longestRun(lines, '`')+1))
	fmt.Fprintln(w, fence)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w, fence)
	fmt.Fprintln(w)
}

// codeSpan sanitises s and writes it as inline code, with delimiters no
// backtick in s can close. Inside a code span Markdown interprets nothing,
// so a command line reads (and copies) exactly as it was run.
func codeSpan(s string) string {
	s = Sanitize(s)
	ticks := strings.Repeat("`", longestRun([]string{s}, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

func longestRun(lines []string, c byte) int {
	longest := 0
	for _, l := range lines {
		n := 0
		for i := 0; i < len(l); i++ {
			if l[i] == c {
				n++
				longest = max(longest, n)
			} else {
				n = 0
			}
		}
	}
	return longest
}

func writeMDTable(w io.Writer, t *Table) {
	row := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = mdCell(c)
		}
		writeMDRow(w, esc)
	}
	row(t.Header)
	sep := make([]string, len(t.Header))
	for i := range sep {
		sep[i] = "---"
	}
	writeMDRow(w, sep)
	for _, r := range t.Rows {
		row(r)
	}
}

// writeMDRow writes cells that are already Markdown. A pipe ends a cell
// even inside a code span, so every one left is escaped here.
func writeMDRow(w io.Writer, cells []string) {
	esc := make([]string, len(cells))
	for i, c := range cells {
		esc[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(esc, " | "))
}

// mdCell is data made safe for a table cell.
func mdCell(s string) string { return mdEscape(Sanitize(s)) }

// mdEscaper neutralizes characters that would turn data into formatting
// (domain names with underscores, addresses with asterisks), links, HTML,
// or character references: "&#x202e;" in data must not become a bidi
// override in the rendered ticket.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "~", `\~`,
	"&", "&amp;", "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`)

// htmlEscaper escapes text inside an HTML element (<summary>): only what
// HTML needs, so the text stays readable where HTML shows as text.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// mdEscape escapes sanitised text for use inside a line.
func mdEscape(s string) string { return mdEscaper.Replace(s) }

// mdParagraph escapes sanitised text that starts a paragraph, where a
// leading "#", "-", "+" or "=" would make a heading or a list.
func mdParagraph(s string) string {
	s = mdEscape(s)
	if s != "" && strings.ContainsRune("#-+=", rune(s[0])) {
		s = `\` + s
	}
	return s
}

// ShellJoin quotes arguments the way a POSIX shell reads them back, so a
// command line shown in a ticket or printed by the lab can be pasted. Each
// argument is sanitised first: a command line is printed, too.
func ShellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		a = Sanitize(a)
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`;&|<>*?#(){}[]~!") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
