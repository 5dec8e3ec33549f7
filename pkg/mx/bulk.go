package mx

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

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
	s := strings.TrimPrefix(line, "\uFEFF")
	for i, r := range s {
		if r == '#' && (i == 0 || unicode.IsSpace(rune(s[i-1]))) {
			s = s[:i]
			break
		}
	}
	words := strings.Fields(s)
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

// Verdict sums up a result in one word: error, unchecked (a check could not
// be made and nothing worse was found), warning or ok.
func (r *Result) Verdict() string {
	worst, incomplete := report.OK, false
	for _, f := range r.Findings {
		if f.Incomplete {
			incomplete = true
		} else if f.Severity > worst {
			worst = f.Severity
		}
	}
	switch {
	case worst == report.Error:
		return "error"
	case incomplete:
		return "unchecked"
	case worst == report.Warning:
		return "warning"
	}
	return "ok"
}

// BulkOptions configure Bulk.
type BulkOptions struct {
	Options
	// Concurrency is how many domains are resolved at once; 0 means
	// DefaultConcurrency.
	Concurrency int
}

// Item is one line of a bulk run: a routed domain, or a line that is not a
// domain (Err set).
type Item struct {
	Line   int
	Input  string
	Err    error
	Result *Result
}

// ItemHead leads the JSON-lines record of a routed domain; the fields of
// the Result follow in the same object.
type ItemHead struct {
	// Line is the line of the domain list, 0 (left out) for domains given
	// as arguments.
	Line int `json:"line,omitempty"`
	// Verdict sums up the route in one word (see Result.Verdict).
	Verdict string `json:"verdict" jsonschema:"enum=ok,enum=warning,enum=error,enum=unchecked"`
}

// BadLine is the JSON-lines record of a line that is not a domain.
type BadLine struct {
	Line    int    `json:"line"`
	Verdict string `json:"verdict" jsonschema:"enum=bad_input"`
	// Input is the line as read; Error says what is wrong with it.
	Input string `json:"input"`
	Error string `json:"error"`
}

// BadLine describes an item whose line is not a domain.
func (it Item) BadLine() BadLine {
	return BadLine{it.Line, "bad_input", it.Input, errText(it.Err)}
}

// MarshalJSON emits one JSON-lines record: the line number and verdict
// beside the route, or the line and what is wrong with it.
func (it Item) MarshalJSON() ([]byte, error) {
	if it.Result == nil {
		return json.Marshal(it.BadLine())
	}
	head, err := json.Marshal(ItemHead{it.Line, it.Result.Verdict()})
	if err != nil {
		return nil, err
	}
	body, err := it.Result.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return append(append(head[:len(head)-1], ','), body[1:]...), nil
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
	s := fmt.Sprintf("%d domains: %d ok, %d warning, %d error, %d unchecked", t.Domains, t.OK, t.Warning, t.Error, t.Unchecked)
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
	return s
}

// Bulk routes every domain listed in in, resolving up to o.Concurrency
// domains at once, and calls emit for each line in input order. Bad lines
// are emitted as items with Err and the run carries on. It stops early when
// ctx ends or emit fails; the error reports a failure to read the list or
// to emit, never a DNS problem.
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Results are emitted in input order: each line gets a slot in queue,
	// which also bounds how far reading can run ahead of emitting.
	queue := make(chan chan Item, conc)
	sem := make(chan struct{}, conc)
	var emitErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for slot := range queue {
			it := <-slot
			totals.count(it)
			if emitErr == nil {
				if emitErr = emit(it); emitErr != nil {
					cancel()
				}
			}
		}
	}()

	readErr := eachLine(in, func(n int, line string, tooLong bool) bool {
		if ctx.Err() != nil {
			return false
		}
		name, ok, err := ParseLine(line)
		if tooLong {
			ok, err = false, fmt.Errorf("line longer than %d bytes", MaxLineBytes)
		}
		if !ok && err == nil {
			return true
		}
		slot := make(chan Item, 1)
		queue <- slot
		if err != nil {
			slot <- Item{Line: n, Input: line, Err: err}
			return true
		}
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			res, err := route(ctx, r, name, o.Options)
			slot <- Item{Line: n, Input: line, Err: err, Result: res}
		}()
		return true
	})
	close(queue)
	<-done
	if readErr != nil {
		return totals, readErr
	}
	return totals, emitErr
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
