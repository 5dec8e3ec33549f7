package resolver

import (
	"fmt"
	"testing"
	"time"
)

func TestRTOEstimate(t *testing.T) {
	const floor, ceil = 50 * time.Millisecond, 5 * time.Second
	s := newServer("127.0.0.1:53")
	if got := s.rtoLocked(floor, ceil); got != initialRTO {
		t.Errorf("before any sample: %s, want %s", got, initialRTO)
	}
	if got := s.rtoLocked(floor, 300*time.Millisecond); got != 300*time.Millisecond {
		t.Errorf("initial RTO above the timeout: %s, want the timeout", got)
	}
	// RFC 6298 §2.2: the first sample R gives SRTT = R, RTTVAR = R/2.
	s.sampleLocked(100 * time.Millisecond)
	if s.srtt != 100*time.Millisecond || s.rttvar != 50*time.Millisecond {
		t.Fatalf("srtt %s rttvar %s", s.srtt, s.rttvar)
	}
	if got := s.rtoLocked(floor, ceil); got != 300*time.Millisecond {
		t.Errorf("RTO %s, want 100ms + 4*50ms", got)
	}
	// §2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R.
	s.sampleLocked(20 * time.Millisecond)
	if s.rttvar != 57500*time.Microsecond || s.srtt != 90*time.Millisecond {
		t.Errorf("srtt %s rttvar %s, want 90ms 57.5ms", s.srtt, s.rttvar)
	}
	// Fast, steady answers bring the RTO down to the floor.
	for range 50 {
		s.sampleLocked(200 * time.Microsecond)
	}
	if got := s.rtoLocked(floor, ceil); got != floor {
		t.Errorf("RTO %s on loopback, want the floor %s", got, floor)
	}
}

func TestBackoffOnlyWhenNothingAnswers(t *testing.T) {
	const floor, ceil = 50 * time.Millisecond, 5 * time.Second
	s := newServer("127.0.0.1:53")
	s.sampleLocked(100 * time.Millisecond) // RTO 300ms
	t0 := time.Now()
	s.lastAnswer = t0.Add(time.Millisecond)
	// The server answered other queries since this one was sent: the name
	// is slow, not the server, so the timer stays.
	s.expired(t0)
	if got := s.rtoLocked(floor, ceil); got != 300*time.Millisecond {
		t.Errorf("RTO %s after a timeout amid answers, want 300ms", got)
	}
	// Nothing answered since: back off, doubling up to the ceiling.
	later := t0.Add(time.Second)
	for range 3 {
		s.expired(later)
	}
	if got := s.rtoLocked(floor, ceil); got != 2400*time.Millisecond {
		t.Errorf("RTO %s after 3 silent timeouts, want 2.4s", got)
	}
	for range 10 {
		s.expired(later)
	}
	if got := s.rtoLocked(floor, ceil); got != ceil {
		t.Errorf("RTO %s, want the ceiling %s", got, ceil)
	}
	// Timeouts are no congestion signal: the window stays.
	if s.window != initialWindow || s.cuts != 0 {
		t.Errorf("window %v (%d cuts) after timeouts", s.window, s.cuts)
	}
	// An answer ends the backoff.
	s.answered(reply{rtt: 10 * time.Millisecond, sent: later, first: later, held: true})
	if s.backoff != 0 {
		t.Error("backoff survives an answer")
	}
}

// lost is an answer to the retransmission of a query whose first datagram
// was sent at first and never answered.
func lost(first time.Time) reply {
	return reply{rtt: time.Millisecond, try: 1, sent: first.Add(50 * time.Millisecond), first: first}
}

func TestWindowOneCutPerLossEvent(t *testing.T) {
	s := newServer("127.0.0.1:53")
	s.window = 40
	first := time.Now()
	s.answered(lost(first))
	if s.window != 20 || s.cuts != 1 {
		t.Fatalf("window %v after a loss, want 20", s.window)
	}
	// Other queries sent before the cut and lost in the same burst do not
	// halve it again.
	s.answered(lost(first))
	s.answered(reply{rtt: time.Millisecond, try: 2, sent: first.Add(time.Second), first: first})
	if s.window < 20 || s.cuts != 1 {
		t.Fatalf("window %v after losses of the same event (%d cuts)", s.window, s.cuts)
	}
	// A loss of a query sent after the cut is a new event.
	s.answered(lost(time.Now().Add(time.Millisecond)))
	if s.window >= 20 || s.cuts != 2 {
		t.Errorf("window %v after a new loss (%d cuts)", s.window, s.cuts)
	}
	// It never falls below the minimum.
	for range 20 {
		s.answered(lost(time.Now().Add(time.Second)))
	}
	if s.window != minWindow {
		t.Errorf("window %v, want the minimum %d", s.window, minWindow)
	}
}

// A fresh window doubles while it is full only up to initialSsthresh,
// below what a server's default socket buffer holds, and opens slowly
// beyond it.
func TestWindowSlowStartEndsAtThreshold(t *testing.T) {
	s := newServer("127.0.0.1:53")
	t0 := time.Now()
	for i := range 600 {
		s.inflight = int(s.window) - 1 // full, but for the query answered
		s.answered(reply{rtt: time.Millisecond, sent: t0.Add(time.Duration(i) * time.Microsecond), first: t0, held: true})
		if i == 96 && s.window < initialSsthresh {
			t.Fatalf("window %v after %d answers to a full window, want the threshold %d", s.window, i+1, initialSsthresh)
		}
	}
	if s.window < initialSsthresh || s.window > initialSsthresh+8 {
		t.Errorf("window %v after 600 answers, want a little above %d", s.window, initialSsthresh)
	}
}

// A late reply that later queries overtook measures the name, not the
// server: it is no round-trip sample, and no loss when it answers a
// retransmission. A late reply nothing overtook is the server slowing
// down, and is both.
func TestSlowNameIsNeitherSampleNorLoss(t *testing.T) {
	const floor, ceil = 50 * time.Millisecond, time.Second
	t0 := time.Now()
	fresh := func() *server {
		s := newServer("127.0.0.1:53")
		s.window = 40
		for i := range 10 { // a fast server: RTO at the floor
			s.answered(reply{rtt: time.Millisecond, sent: t0.Add(time.Duration(i) * time.Millisecond), first: t0, held: true})
		}
		return s
	}
	tests := []struct {
		name     string
		rep      reply
		slowName bool
		cut      bool
	}{
		// Sent before the last answered query, answered after its timer:
		// the resolver was waiting on the name's servers.
		{"late reply to the first datagram, overtaken",
			reply{rtt: 500 * time.Millisecond, sent: t0, first: t0, late: true}, true, false},
		{"late reply to a retransmission, overtaken",
			reply{rtt: 450 * time.Millisecond, try: 1, sent: t0.Add(time.Millisecond), first: t0, late: true}, true, false},
		// Sent after everything answered so far: nothing overtook it, so
		// the server itself is slower now.
		{"late reply nothing overtook",
			reply{rtt: 500 * time.Millisecond, sent: t0.Add(time.Second), first: t0.Add(time.Second), late: true, held: true}, false, false},
		// A retransmission answered in about a round trip: the first
		// datagram was lost (the transmission is known by its ID).
		{"prompt reply to a retransmission",
			reply{rtt: 3 * time.Millisecond, try: 1, sent: t0.Add(time.Millisecond), first: t0}, false, true},
		{"prompt reply overtaken (servers reorder)",
			reply{rtt: 2 * time.Millisecond, sent: t0, first: t0, held: true}, false, false},
	}
	for _, tt := range tests {
		s := fresh()
		before := s.srtt
		s.answered(tt.rep)
		sampled := s.srtt != before
		if got := s.slowNames == 1; got != tt.slowName || sampled == tt.slowName {
			t.Errorf("%s: slow name %v, sampled %v (srtt %s -> %s); want slow name %v", tt.name, got, sampled, before, s.srtt, tt.slowName)
		}
		if got := s.cuts == 1; got != tt.cut {
			t.Errorf("%s: window cut %v, want %v", tt.name, got, tt.cut)
		}
		if tt.slowName && s.rtoLocked(floor, ceil) != floor {
			t.Errorf("%s: RTO %s, want it to stay at the floor", tt.name, s.rtoLocked(floor, ceil))
		}
	}
}

func TestSchedule(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name         string
		rto, timeout time.Duration
		retries      int
		sends        []time.Duration
		giveUp       time.Duration
	}{
		{"no retries", 50 * ms, 5000 * ms, 0, []time.Duration{0}, 5000 * ms},
		{"one retry after the RTO", 50 * ms, 5000 * ms, 1, []time.Duration{0, 50 * ms}, 5000 * ms},
		{"the last one at half the timeout", 50 * ms, 5000 * ms, 2, []time.Duration{0, 50 * ms, 2500 * ms}, 5000 * ms},
		{"spread out towards half the timeout", 50 * ms, 8000 * ms, 3, []time.Duration{0, 50 * ms, 2000 * ms, 4000 * ms}, 8000 * ms},
		{"a slow server's RTO wins", 1000 * ms, 5000 * ms, 2, []time.Duration{0, 1000 * ms, 3000 * ms}, 7000 * ms},
		{"backed off to the ceiling", 5000 * ms, 5000 * ms, 2, []time.Duration{0, 5000 * ms, 10000 * ms}, 15000 * ms},
		{"short timeout", 100 * ms, 100 * ms, 1, []time.Duration{0, 100 * ms}, 200 * ms},
	}
	for _, tt := range tests {
		sends, giveUp := schedule(tt.rto, tt.timeout, tt.retries)
		if fmt.Sprint(sends) != fmt.Sprint(tt.sends) || giveUp != tt.giveUp {
			t.Errorf("%s: sends %v, give up at %s; want %v, %s", tt.name, sends, giveUp, tt.sends, tt.giveUp)
		}
		// Never worse than the old fixed schedule: each try a full timeout.
		if limit := time.Duration(tt.retries+1) * tt.timeout; giveUp > limit {
			t.Errorf("%s: gives up at %s, later than %s", tt.name, giveUp, limit)
		}
	}
	// However many retries: the doubling stops at the timeout instead of
	// overflowing.
	sends, giveUp := schedule(50*ms, 5000*ms, 64)
	for k := 1; k < len(sends); k++ {
		if sends[k] < sends[k-1] || sends[k]-sends[k-1] > 5000*ms {
			t.Fatalf("64 retries: send %d at %s after %s", k, sends[k], sends[k-1])
		}
	}
	if giveUp < sends[64] || giveUp > 65*5000*ms {
		t.Errorf("64 retries: gives up at %s", giveUp)
	}
}
