package report

import (
	"bytes"
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
	// Args is the command line after the program name, secrets already
	// redacted, shown in the Markdown heading so a ticket's reader can
	// rerun it. Without it the heading names the command and targets.
	Args []string
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

// Unchecked paints the word for a check that could not be carried out:
// its own color, since it is neither a pass nor a failure of any severity.
func (s Styler) Unchecked(text string) string {
	return s.paint([]color.Attribute{color.FgMagenta, color.Bold}, text)
}

// finding paints a finding's label by what it is: unchecked, or its
// severity.
func (s Styler) finding(f Finding, text string) string {
	if f.Incomplete {
		return s.Unchecked(text)
	}
	return s.Severity(f.Severity, text)
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

// WriteJSON renders the report as one JSON document.
func WriteJSON(w io.Writer, r *Report, o Options) error {
	b, err := r.MarshalJSONDoc(o.Version, o.ExitCode)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// MarshalJSON is json.Marshal without its HTML escaping: mailflow's JSON
// goes to files, pipes and jq, never into a web page, and a reply such as
// "550 5.1.1 <bob@example.org>" should read (and grep) as the server wrote
// it rather than as \u003cbob@example.org\u003e. Every JSON mailflow
// writes goes through it or MarshalJSONIndent; a type's own MarshalJSON
// must use it too, since an encoder copies such output as it is.
func MarshalJSON(v any) ([]byte, error) { return MarshalJSONIndent(v, "", "") }

// MarshalJSONIndent is json.MarshalIndent without HTML escaping.
func MarshalJSONIndent(v any, prefix, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// WriteJSONLine writes v as one compact JSON line, for bulk runs where each
// target is a record.
func WriteJSONLine(w io.Writer, v any) error {
	b, err := MarshalJSON(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
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
