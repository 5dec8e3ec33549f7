package resolver

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Exchange is one line of a trace: one attempt against one server, a
// datagram that got no reply in time and was sent again, or a cache hit.
type Exchange struct {
	Time      time.Time `json:"time"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Server    string    `json:"server"`
	Transport string    `json:"transport"`
	Status    string    `json:"status"`
	Rcode     string    `json:"rcode,omitempty"`
	Flags     []string  `json:"flags,omitempty"`
	Answers   []string  `json:"answers,omitempty"`
	// Dropped are stray records the reply carried beside or instead of
	// an answer: records for other names, types or classes, never used.
	Dropped []string `json:"dropped,omitempty"`
	RTTMS   float64  `json:"rtt_ms"`
	// Try is the transmission this line is about when it is not the
	// first: the datagram answered, or the one that got no reply.
	Try    int    `json:"try,omitempty"`
	Cached bool   `json:"cached,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Trace collects exchanges for one diagnosis. Attach it to a context with
// WithTrace; concurrent queries may share it. Answers are kept as they came
// and put into words only when the trace is read: a bulk run traces nothing,
// and a diagnosis that prints its trace formats each answer once.
type Trace struct {
	mu      sync.Mutex
	entries []traceEntry
}

// traceEntry is one exchange: either already in words (a datagram that got
// no reply), or an answer to render when the trace is read, with a note
// to add to its error.
type traceEntry struct {
	ex     Exchange
	ans    *Answer
	cached bool
	note   string
}

type traceKey struct{}

// WithTrace returns a context whose queries are recorded in t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

func traceFrom(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

func (t *Trace) add(e Exchange) {
	t.mu.Lock()
	t.entries = append(t.entries, traceEntry{ex: e})
	t.mu.Unlock()
}

// addAnswer records a as it is now (the transport may reuse a for the next
// transmission), to be rendered when the trace is read. A nil trace records
// nothing and costs nothing.
func (t *Trace) addAnswer(a *Answer, cached bool, note string) {
	if t == nil {
		return
	}
	snap := *a
	t.mu.Lock()
	t.entries = append(t.entries, traceEntry{ex: Exchange{Time: time.Now()}, ans: &snap, cached: cached, note: note})
	t.mu.Unlock()
}

// Exchanges returns what was recorded, in order of completion.
func (t *Trace) Exchanges() []Exchange {
	t.mu.Lock()
	entries := t.entries[:len(t.entries):len(t.entries)]
	t.mu.Unlock()
	out := make([]Exchange, len(entries))
	for i, en := range entries {
		out[i] = en.ex
		if en.ans != nil {
			out[i] = exchangeOf(en.ans, en.cached, en.ex.Time)
			out[i].Error += en.note
		}
	}
	return out
}

func exchangeOf(a *Answer, cached bool, at time.Time) Exchange {
	e := Exchange{
		Time:      at,
		Name:      a.Name,
		Type:      dns.TypeToString[a.Type],
		Server:    a.Server,
		Transport: a.Transport,
		Status:    a.Status.String(),
		RTTMS:     float64(a.RTT.Microseconds()) / 1000,
		Cached:    cached,
	}
	if a.Try > 1 {
		e.Try = a.Try
	}
	if cached {
		e.RTTMS = 0
	}
	if a.Err == nil || a.Status == StatusError && a.Rcode != 0 {
		e.Rcode = dns.RcodeToString[a.Rcode]
	}
	if a.Err != nil {
		e.Error = a.Err.Error()
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{a.AA, "aa"}, {a.AD, "ad"}, {a.Truncated, "tc"}} {
		if f.on {
			e.Flags = append(e.Flags, f.name)
		}
	}
	for _, rr := range a.Records {
		e.Answers = append(e.Answers, rrText(rr))
	}
	e.Dropped = rrLines(a.Stray, maxStrayTraced)
	return e
}

// maxStrayTraced bounds the stray records a trace line shows.
const maxStrayTraced = 8

// rrText renders a record compactly: owner, TTL, type, data (no class).
func rrText(rr dns.RR) string {
	h := rr.Header()
	data := strings.TrimPrefix(rr.String(), h.String())
	return fmt.Sprintf("%s %d %s %s", h.Name, h.Ttl, dns.TypeToString[h.Rrtype], data)
}

// Line renders the exchange the way the trace prints it, dnsdiag style:
// what was asked, of whom, how, what came back and how long it took.
func (e Exchange) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s @%s", e.Name, e.Type, e.Server)
	if e.Cached {
		b.WriteString(" (cached)")
	} else {
		fmt.Fprintf(&b, " %s %.1fms", e.Transport, e.RTTMS)
		if e.Try > 1 {
			fmt.Fprintf(&b, " try %d", e.Try)
		}
	}
	status := strings.ToUpper(e.Status)
	fmt.Fprintf(&b, " -> %s", status)
	if len(e.Flags) > 0 {
		fmt.Fprintf(&b, " [%s]", strings.Join(e.Flags, " "))
	}
	if e.Error != "" {
		fmt.Fprintf(&b, " (%s)", e.Error)
	}
	for _, a := range e.Answers {
		b.WriteString("\n    " + a)
	}
	for _, d := range e.Dropped {
		b.WriteString("\n    dropped: " + d)
	}
	return b.String()
}

// Lines renders the whole trace, one exchange per entry (answers indented).
func (t *Trace) Lines() []string {
	var out []string
	for _, e := range t.Exchanges() {
		out = append(out, strings.Split(e.Line(), "\n")...)
	}
	return out
}
