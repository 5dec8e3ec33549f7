package smtpclient

import (
	"fmt"
	"sync"
	"time"
)

// Direction says who spoke a transcript line.
type Direction int

const (
	Sent     Direction = iota // client to server
	Received                  // server to client
	Note                      // our own remark (connect, TLS handshake, redaction)
)

func (d Direction) String() string {
	return [...]string{"sent", "received", "info"}[d]
}

func (d Direction) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Line is one line of a session transcript.
type Line struct {
	Time time.Time `json:"-"`
	// At is the offset from the start of the session, for JSON and --timing.
	AtMS float64   `json:"at_ms"`
	Dir  Direction `json:"dir"`
	TLS  bool      `json:"tls"`
	Text string    `json:"text"`
}

// DefaultTranscriptLines is how many lines a transcript keeps unless told
// otherwise: a long session with every EHLO line twice fits many times
// over, a server flooding replies does not.
const DefaultTranscriptLines = 1000

// Transcript records a session as it happens. It is safe for concurrent
// reads while the session writes. It keeps at most a fixed number of
// lines: the first three quarters of them and the latest quarter, with
// a count of those left out between, because a flood's start and its end
// (the error that stopped it) are what a reader needs.
type Transcript struct {
	mu      sync.Mutex
	start   time.Time
	limit   int
	head    []Line
	tail    []Line // a ring once full; next is the oldest entry
	next    int
	omitted int
}

// NewTranscript starts an empty transcript clocked from now, keeping
// DefaultTranscriptLines lines.
func NewTranscript() *Transcript { return NewTranscriptLimit(DefaultTranscriptLines) }

// NewTranscriptLimit starts a transcript that keeps at most limit lines
// (at least 4).
func NewTranscriptLimit(limit int) *Transcript {
	return &Transcript{start: time.Now(), limit: max(limit, 4)}
}

func (t *Transcript) add(dir Direction, tls bool, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	l := Line{Time: now, AtMS: float64(now.Sub(t.start).Microseconds()) / 1000, Dir: dir, TLS: tls, Text: text}
	headCap := t.limit * 3 / 4
	tailCap := t.limit - headCap
	switch {
	case len(t.head) < headCap:
		t.head = append(t.head, l)
	case len(t.tail) < tailCap:
		t.tail = append(t.tail, l)
	default:
		t.tail[t.next] = l
		t.next = (t.next + 1) % tailCap
		t.omitted++
	}
}

// Notef adds an informational line.
func (t *Transcript) Notef(format string, a ...any) { t.add(Note, false, fmt.Sprintf(format, a...)) }

// Omitted is the number of lines left out to keep within the limit.
func (t *Transcript) Omitted() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.omitted
}

// Lines returns a copy of the lines kept, with a note in place of those
// left out.
func (t *Transcript) Lines() []Line {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Line, 0, len(t.head)+len(t.tail)+1)
	out = append(out, t.head...)
	if t.omitted > 0 {
		at := t.tail[t.next]
		out = append(out, Line{Time: at.Time, AtMS: at.AtMS, Dir: Note, Text: fmt.Sprintf("… %d more lines not shown", t.omitted)})
	}
	out = append(out, t.tail[t.next:]...)
	return append(out, t.tail[:t.next]...)
}

// Format renders the transcript the way swaks does: "->" sent, "<-"
// received, "~>" and "<~" for the same over TLS, "===" for our notes. With
// timing, each line is prefixed by its offset from the session start.
func (t *Transcript) Format(timing bool) []string {
	var out []string
	for _, l := range t.Lines() {
		var mark string
		switch {
		case l.Dir == Note:
			mark = "==="
		case l.Dir == Sent && l.TLS:
			mark = " ~>"
		case l.Dir == Sent:
			mark = " ->"
		case l.TLS:
			mark = "<~ "
		default:
			mark = "<- "
		}
		s := mark + " " + l.Text
		if timing {
			s = fmt.Sprintf("%9.1fms %s", l.AtMS, s)
		}
		out = append(out, s)
	}
	return out
}
