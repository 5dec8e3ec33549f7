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
	s.expired(t0, true)
	if got := s.rtoLocked(floor, ceil); got != 300*time.Millisecond {
		t.Errorf("RTO %s after a timeout amid answers, want 300ms", got)
	}
	// Nothing answered since: back off, doubling up to the ceiling.
	later := t0.Add(time.Second)
	for range 3 {
		s.expired(later, true)
	}
	if got := s.rtoLocked(floor, ceil); got != 2400*time.Millisecond {
		t.Errorf("RTO %s after 3 silent timeouts, want 2.4s", got)
	}
	for range 10 {
		s.expired(later, true)
	}
	if got := s.rtoLocked(floor, ceil); got != ceil {
		t.Errorf("RTO %s, want the ceiling %s", got, ceil)
	}
	// Retransmissions of one query do not back the server off again.
	s.backoff = 0
	s.expired(later, false)
	if s.backoff != 0 {
		t.Error("a retransmission's timeout backed the server off")
	}
	// An answer ends the backoff.
	s.backoff = 3
	s.answered(10*time.Millisecond, 0, later)
	if s.backoff != 0 {
		t.Error("backoff survives an answer")
	}
}

func TestWindowOneCutPerLossEvent(t *testing.T) {
	s := newServer("127.0.0.1:53")
	s.window = 40
	first := time.Now()
	s.answered(time.Millisecond, 1, first) // lost, then answered on retry
	if s.window != 20 || s.cuts != 1 {
		t.Fatalf("window %v after a loss, want 20", s.window)
	}
	// Other queries sent before the cut and lost in the same burst do not
	// halve it again.
	s.answered(time.Millisecond, 1, first)
	s.answered(time.Millisecond, 2, first)
	if s.window < 20 || s.cuts != 1 {
		t.Fatalf("window %v after losses of the same event (%d cuts)", s.window, s.cuts)
	}
	// A loss of a query sent after the cut is a new event.
	s.answered(time.Millisecond, 1, time.Now().Add(time.Millisecond))
	if s.window >= 20 || s.cuts != 2 {
		t.Errorf("window %v after a new loss (%d cuts)", s.window, s.cuts)
	}
	// It never falls below the minimum.
	for range 20 {
		s.answered(time.Millisecond, 1, time.Now().Add(time.Second))
	}
	if s.window != minWindow {
		t.Errorf("window %v, want the minimum %d", s.window, minWindow)
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
}
