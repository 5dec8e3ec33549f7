package mx

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/mailflowkit/mailflow/pkg/internal/bulk"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Limits of a bulk run. A domain name has at most 253 octets, so a longer
// line is not a domain list; the concurrency cap keeps a typo from opening
// tens of thousands of sockets.
const (
	MaxLineBytes       = 1024
	DefaultConcurrency = 32
	MaxConcurrency     = 1024
	maxBadLineNumbers  = 100
)

// ParseLine reads one line of a domain list: one domain, optionally
// followed by a # comment. Blank and comment-only lines give ok == false.
func ParseLine(line string) (name resolver.Name, ok bool, err error) {
	words := lineWords(line)
	switch len(words) {
	case 0:
		return resolver.Name{}, false, nil
	case 1:
	default:
		return resolver.Name{}, false, fmt.Errorf("want one domain per line, found %d words (comments start with #)", len(words))
	}
	name, err = ParseDomain(words[0])
	if err != nil {
		return resolver.Name{}, false, err
	}
	return name, true, nil
}

// lineWords splits a list line into words, without a byte order mark and
// a # comment (a # that starts the line or follows a space).
func lineWords(line string) []string {
	s := strings.TrimPrefix(line, "\uFEFF")
	for i, r := range s {
		if r == '#' && (i == 0 || unicode.IsSpace(rune(s[i-1]))) {
			s = s[:i]
			break
		}
	}
	return strings.Fields(s)
}

// Verdict sums up a result in one word: error, unchecked (a check could not
// be made and nothing worse was found), warning or ok.
func (r *Result) Verdict() string { return report.Verdict(r.Findings) }

// BulkOptions configure Bulk.
type BulkOptions struct {
	Options
	// Concurrency is how many domains are resolved at once; 0 means
	// DefaultConcurrency.
	Concurrency int
	// Source names the list in each item's locator ("tenants.txt" gives
	// "tenants.txt:12"; "-" is standard input).
	Source string
	// Window is how many finished domains may wait for a slower one
	// before them; 0 means bulk.DefaultWindow.
	Window int
	// Done is called once per line with content when it is finished, for
	// progress meters.
	Done func()
}

// Item is one line of a bulk run: a routed domain, or a line that is not a
// domain (Err set).
type Item struct {
	// Source is "FILE:LINE".
	Source string
	Line   int
	// Input is the domain as written on the line (the whole line when it
	// is not a domain).
	Input  string
	Err    error
	Result *Result
}

// ItemHead leads the JSON-lines record of a routed domain (docs/json.md);
// the fields of the Result follow in the same object.
type ItemHead struct {
	Type string `json:"type" jsonschema:"enum=result"`
	// Source is the line of the domain list (FILE:LINE), left out for
	// domains given as arguments.
	Source string `json:"source,omitempty"`
	// Target is the domain as written.
	Target string `json:"target,omitempty"`
	// Verdict sums up the route in one word (see Result.Verdict).
	Verdict string `json:"verdict" jsonschema:"enum=ok,enum=warning,enum=error,enum=unchecked"`
}

// BadLine is the "error" record of an item whose line is not a domain.
func (it Item) BadLine() report.ErrorRecord {
	return report.ErrorRecord{Type: "error", Source: it.Source, Target: it.Input, Error: errText(it.Err)}
}

// MarshalJSON emits one JSON-lines record of the bulk contract
// (docs/json.md): a "result" with the input locator, the domain as given
// and the verdict beside the route, or an "error" saying why the line
// could not be used.
func (it Item) MarshalJSON() ([]byte, error) {
	if it.Result == nil {
		return report.MarshalJSON(it.BadLine())
	}
	return report.MarshalJSON(it.Result.record(&ItemHead{"result", it.Source, it.Input, it.Result.Verdict()}))
}

// Totals count the outcomes of a bulk run.
type Totals struct {
	Domains   int `json:"domains"`
	OK        int `json:"ok"`
	Warning   int `json:"warning"`
	Error     int `json:"error"`
	Unchecked int `json:"unchecked"`
	BadLines  int `json:"bad_lines"`
	// BadLineNumbers lists the first bad lines (at most 100).
	BadLineNumbers []int `json:"bad_line_numbers,omitempty"`
	// Reordered counts domains written ahead of a slower one listed
	// before them, because the reorder window was full.
	Reordered int `json:"reordered,omitempty"`
}

func (t *Totals) count(it Item) {
	if it.Result == nil {
		t.BadLines++
		if len(t.BadLineNumbers) < maxBadLineNumbers {
			t.BadLineNumbers = append(t.BadLineNumbers, it.Line)
		}
		return
	}
	t.Domains++
	switch it.Result.Verdict() {
	case "error":
		t.Error++
	case "unchecked":
		t.Unchecked++
	case "warning":
		t.Warning++
	default:
		t.OK++
	}
}

// String is the totals line of a bulk run.
func (t Totals) String() string {
	s := fmt.Sprintf("%s: %d ok, %s, %s, %d unchecked", report.Plural(t.Domains, "domain"), t.OK,
		report.Plural(t.Warning, "warning"), report.Plural(t.Error, "error"), t.Unchecked)
	if t.BadLines > 0 {
		nums := make([]string, len(t.BadLineNumbers))
		for i, n := range t.BadLineNumbers {
			nums[i] = fmt.Sprint(n)
		}
		more := ""
		if t.BadLines > len(t.BadLineNumbers) {
			more = ", ..."
		}
		word := "lines"
		if t.BadLines == 1 {
			word = "line"
		}
		s += fmt.Sprintf("; %d bad %s (%s%s)", t.BadLines, word, strings.Join(nums, ", "), more)
	}
	if t.Reordered > 0 {
		s += fmt.Sprintf("; %d written out of list order behind slow domains", t.Reordered)
	}
	return s
}

// line is one line of a domain list with content, before parsing.
type line struct {
	n       int
	text    string
	tooLong bool
}

// Bulk routes every domain listed in in, o.Concurrency domains at once,
// and calls emit for each line with content, in input order (see package
// bulk for when a slow domain lets later ones pass). Bad lines are emitted
// as items with Err and the run carries on. It stops early when ctx ends
// or emit fails; the error reports a failure to read the list or to emit,
// never a DNS problem.
func Bulk(ctx context.Context, r *resolver.Resolver, in io.Reader, o BulkOptions, emit func(Item) error) (Totals, error) {
	var totals Totals
	if _, _, err := parseSelf(o.Self); err != nil {
		return totals, err
	}
	conc := o.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	conc = min(conc, MaxConcurrency)
	source := o.Source
	if source == "" {
		source = "-"
	}
	var readErr error
	lines := func(yield func(line) bool) {
		readErr = eachLine(in, func(n int, text string, tooLong bool) bool {
			if !tooLong && len(lineWords(text)) == 0 {
				return true
			}
			return yield(line{n, text, tooLong})
		})
	}
	work := func(ctx context.Context, l line) Item {
		it := Item{Source: source + ":" + strconv.Itoa(l.n), Line: l.n, Input: strings.TrimSpace(l.text)}
		if l.tooLong {
			it.Err = fmt.Errorf("line longer than %d bytes", MaxLineBytes)
			it.Input = ""
			return it
		}
		name, _, err := ParseLine(l.text)
		if err != nil {
			it.Err = err
			it.Input = strings.Join(lineWords(l.text), " ")
			return it
		}
		it.Input = lineWords(l.text)[0]
		it.Result, it.Err = route(ctx, r, name, o.Options)
		return it
	}
	st, err := bulk.Run(ctx, lines, bulk.Options{Workers: conc, Window: o.Window, Done: o.Done}, work, func(it Item) error {
		totals.count(it)
		return emit(it)
	})
	totals.Reordered = st.Reordered
	if readErr != nil {
		return totals, readErr
	}
	return totals, err
}

// eachLine calls f for every line of in (without the line ending). Lines
// longer than MaxLineBytes are cut there and flagged; the rest of such a
// line is skipped.
func eachLine(in io.Reader, f func(n int, line string, tooLong bool) bool) error {
	br := bufio.NewReaderSize(in, MaxLineBytes)
	for n := 1; ; n++ {
		chunk, isPrefix, err := br.ReadLine()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		line, tooLong := string(chunk), isPrefix
		for isPrefix && err == nil {
			_, isPrefix, err = br.ReadLine()
		}
		if !f(n, line, tooLong) {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
	}
}
