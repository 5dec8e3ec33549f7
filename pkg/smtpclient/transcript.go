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

// Transcript records a session as it happens. It is safe for concurrent
// reads while the session writes.
type Transcript struct {
	mu    sync.Mutex
	start time.Time
	lines []Line
}

// NewTranscript starts an empty transcript clocked from now.
func NewTranscript() *Transcript { return &Transcript{start: time.Now()} }

func (t *Transcript) add(dir Direction, tls bool, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	t.lines = append(t.lines, Line{Time: now, AtMS: float64(now.Sub(t.start).Microseconds()) / 1000, Dir: dir, TLS: tls, Text: text})
}

// Notef adds an informational line.
func (t *Transcript) Notef(format string, a ...any) { t.add(Note, false, fmt.Sprintf(format, a...)) }

// Lines returns a copy of the lines so far.
func (t *Transcript) Lines() []Line {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Line(nil), t.lines...)
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
