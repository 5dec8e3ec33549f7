package resolver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Transport tuning. The retransmission timer follows RFC 6298 (SRTT,
// RTTVAR, RTO = SRTT + 4·RTTVAR, doubled per retransmission) with a floor
// far below TCP's one second: a DNS server on the LAN or loopback answers
// in well under a millisecond, and a lost datagram should cost about what
// unbound's 50 ms minimum costs, not the full --timeout.
const (
	// DefaultMinRTO is the floor of the retransmission timeout.
	DefaultMinRTO = 50 * time.Millisecond
	// initialRTO is the timer before a server has answered (RFC 6298 §2.1).
	initialRTO = time.Second
	// rttGranularity is the G of RFC 6298 §2: the least variance assumed.
	rttGranularity = time.Millisecond
	// maxBackoff bounds the doublings after timeouts with no answer.
	maxBackoff = 8

	// The congestion window bounds the UDP queries in flight to one
	// server. While it is full it opens as answers come (by one per
	// answer below the threshold, by one per window above it) and it
	// halves when a retransmission shows that a query was lost, as TCP's
	// AIMD does, so a run stays just under what the server (or its socket
	// buffer) can take instead of flooding it and waiting out lost
	// queries. Only queries not yet presumed lost are in flight (the
	// "pipe" of RFC 6675): once a query's timer has run out it gives its
	// place to the next, whether or not it is sent again, so names that
	// never answer do not hold back the ones that do.
	initialWindow = 32
	minWindow     = 4
	maxWindow     = 1024
	// initialSsthresh ends the doubling of a fresh window below what a
	// server's socket holds: Linux's default receive buffer (208 KiB)
	// takes about 150 small queries. On a nearby server a loss shows
	// only when a timer runs out, some 50 round trips later, and a window
	// still doubling all that while overshoots the buffer several times
	// over, so that the retransmissions are dropped in the same overflow.
	// Beyond it the window opens by one per window of answers.
	initialSsthresh = 128

	// maxIdle bounds the pooled UDP sockets per server.
	maxIdle = 64
)

// server is what the resolver knows about one server: its round-trip
// estimate, its congestion window and its idle sockets.
type server struct {
	addr string

	mu       sync.Mutex
	srtt     time.Duration
	rttvar   time.Duration
	measured bool
	// backoff counts doublings of the RTO after first transmissions that
	// got no reply while the server answered nothing else either
	// (RFC 6298 §5.5); any answer resets it.
	backoff    int
	lastAnswer time.Time
	// newestAnswered is when the most recently sent of the transmissions
	// answered so far was sent: a reply to an older one was overtaken.
	newestAnswered time.Time

	window   float64
	ssthresh float64
	inflight int
	queue    []chan struct{} // queries waiting for room in the window
	// lastCut is when the window was last halved: losses of queries sent
	// before it belong to the same congestion event and do not halve it
	// again.
	lastCut time.Time

	sent, answers, retransmits, timeouts, cuts, slowNames uint64

	// idle keeps connected UDP sockets for reuse: a bulk run of thousands
	// of queries would otherwise pay a socket, connect and close each.
	idle []net.Conn
}

func newServer(addr string) *server {
	return &server{addr: addr, window: initialWindow, ssthresh: initialSsthresh}
}

// rtoLocked is the current retransmission timeout, clamped to [floor, ceil].
func (s *server) rtoLocked(floor, ceil time.Duration) time.Duration {
	rto := initialRTO
	if s.measured {
		rto = s.srtt + max(rttGranularity, 4*s.rttvar)
	}
	return max(backedOff(rto, s.backoff, ceil), min(floor, ceil))
}

// backedOff is d doubled n times, at most ceil.
func backedOff(d time.Duration, n int, ceil time.Duration) time.Duration {
	for range n {
		if d >= ceil {
			break
		}
		d *= 2
	}
	return min(d, ceil)
}

// sampleLocked folds one round-trip time into the estimate (RFC 6298 §2.2,
// §2.3: alpha 1/8, beta 1/4).
func (s *server) sampleLocked(rtt time.Duration) {
	if !s.measured {
		s.srtt, s.rttvar, s.measured = rtt, rtt/2, true
		return
	}
	d := s.srtt - rtt
	if d < 0 {
		d = -d
	}
	s.rttvar = (3*s.rttvar + d) / 4
	s.srtt = (7*s.srtt + rtt) / 8
}

// acquire waits for room in the window, in arrival order.
func (s *server) acquire(ctx context.Context) error {
	s.mu.Lock()
	if len(s.queue) == 0 && s.inflight < int(s.window) {
		s.inflight++
		s.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	s.queue = append(s.queue, ch)
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		if i := slices.Index(s.queue, ch); i >= 0 {
			s.queue = slices.Delete(s.queue, i, i+1)
			s.mu.Unlock()
			return ctx.Err()
		}
		s.mu.Unlock()
		s.release() // room was given just as the context ended
		return ctx.Err()
	}
}

func (s *server) release() {
	s.mu.Lock()
	s.inflight--
	s.wakeLocked()
	s.mu.Unlock()
}

func (s *server) wakeLocked() {
	for len(s.queue) > 0 && s.inflight < int(s.window) {
		close(s.queue[0])
		s.queue = s.queue[1:]
		s.inflight++
	}
}

// reply is what one answered query tells about its server.
type reply struct {
	// rtt is the round trip of the transmission answered (try, 0 = the
	// first), which its ID identifies, sent at sent; the first went out
	// at first.
	rtt         time.Duration
	try         int
	sent, first time.Time
	// late says the reply came after the timer of the transmission it
	// answers had run out.
	late bool
	// held says the query still had its place in the window (it was not
	// yet presumed lost).
	held bool
}

// answered records a reply.
//
// A late reply that queries sent after it overtook (the server answered
// them first) measures the name, not the server: a recursive resolver
// answers at once what it has cached and waits on the name's own servers
// for the rest, and a name that takes half a second says nothing about
// how soon a lost datagram should be sent again. Such a reply is neither a
// round-trip sample (it would raise every query's timer, and with it how
// long a name that never answers holds its worker) nor, when it answers a
// retransmission, a sign that the first datagram was lost. A late reply
// that nothing overtook is the server's queue growing, and is a sample.
func (s *server) answered(rep reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	overtaken := s.newestAnswered.After(rep.sent)
	if !overtaken {
		s.newestAnswered = rep.sent
	}
	slowName := rep.late && overtaken
	s.answers++
	if slowName {
		s.slowNames++
	} else {
		s.sampleLocked(rep.rtt)
	}
	s.backoff = 0
	s.lastAnswer = now
	// flight counts this query with the others still in flight (its own
	// room was given back before the answer was recorded).
	flight := float64(s.inflight)
	if rep.held {
		flight++
	}
	switch {
	case rep.try > 0 && !slowName && rep.first.After(s.lastCut):
		// A retransmission was answered and the first datagram never
		// was: it was lost on the way, most often dropped by a server
		// that receives more than it can read.
		s.ssthresh = max(s.window/2, minWindow)
		s.window = s.ssthresh
		s.lastCut = now
		s.cuts++
	// The window only opens while it is what holds queries back (RFC
	// 7661): a run that never fills it would otherwise open it without
	// bound, and halving it on a loss would then change nothing.
	case s.window < s.ssthresh:
		if len(s.queue) > 0 || 2*flight >= s.window {
			s.window++
		}
	case len(s.queue) > 0 || flight >= s.window:
		s.window += 1 / s.window
	}
	s.window = min(s.window, maxWindow)
	s.wakeLocked()
}

// expired records that the first transmission of a query, sent at sent,
// got no reply within its timer. It backs the timer off only when the
// server answered nothing at all since (RFC 6298 §5.5): a name whose own
// servers are dead makes a recursive resolver silent for that name alone,
// which says nothing about the path. Nor is it a congestion signal: only
// an answered retransmission shows that a datagram was lost.
func (s *server) expired(sent time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastAnswer.Before(sent) && s.backoff < maxBackoff {
		s.backoff++
	}
}

func (s *server) count(f func(*server)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

func (s *server) getConn() net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.idle)
	if n == 0 {
		return nil
	}
	c := s.idle[n-1]
	s.idle = s.idle[:n-1]
	return c
}

func (s *server) putConn(c net.Conn) {
	s.mu.Lock()
	if len(s.idle) < maxIdle {
		s.idle = append(s.idle, c)
		c = nil
	}
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

func (s *server) closeIdle() {
	s.mu.Lock()
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// ServerStats is what the resolver has learned about one server so far:
// the round-trip estimate and timer its retransmissions use, and the
// congestion window that bounds its UDP queries in flight.
type ServerStats struct {
	Server string
	// SRTT and RTTVar are the smoothed round-trip time and its variance
	// (zero until the server has answered).
	SRTT, RTTVar time.Duration
	// RTO is the wait before the first retransmission of the next query.
	RTO time.Duration
	// Window is how many UDP queries may be in flight; InFlight how many
	// are.
	Window, InFlight int
	// Sent counts datagrams, Retransmits those sent again after a
	// timeout, Answers the replies used, Timeouts the queries this server
	// never answered, WindowCuts the times the window was halved.
	Sent, Retransmits, Answers, Timeouts, WindowCuts uint64
	// SlowNames counts the answers that came after their timer while the
	// server answered queries sent later: slow names, taken neither as
	// round-trip samples nor as losses.
	SlowNames uint64
}

func (st ServerStats) String() string {
	return fmt.Sprintf("%s: srtt %s rttvar %s rto %s, window %d (%d in flight), %d sent, %d retransmitted, %d answered (%d slow names), %d timed out, window halved %d times",
		st.Server, ms(st.SRTT), ms(st.RTTVar), ms(st.RTO), st.Window, st.InFlight, st.Sent, st.Retransmits, st.Answers, st.SlowNames, st.Timeouts, st.WindowCuts)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

// Stats returns the transport state of every server, in the order they are
// tried.
func (r *Resolver) Stats() []ServerStats {
	out := make([]ServerStats, 0, len(r.servers))
	for _, addr := range r.servers {
		r.state[addr].count(func(s *server) {
			out = append(out, ServerStats{
				Server: addr, SRTT: s.srtt, RTTVar: s.rttvar, RTO: s.rtoLocked(r.minRTO(), r.cfg.Timeout),
				Window: int(s.window), InFlight: s.inflight,
				Sent: s.sent, Retransmits: s.retransmits, Answers: s.answers, Timeouts: s.timeouts, WindowCuts: s.cuts,
				SlowNames: s.slowNames,
			})
		})
	}
	return out
}

func (r *Resolver) minRTO() time.Duration { return min(r.cfg.MinRTO, r.cfg.Timeout) }

// sentQuery is one transmission of a query.
type sentQuery struct {
	id uint16
	at time.Time
}

// errNoReply is the timeout of a query that got no reply to any of its
// transmissions.
type errNoReply struct {
	sent   int
	waited time.Duration
}

func (e errNoReply) Error() string {
	if e.sent == 1 {
		return fmt.Sprintf("no reply in %s", e.waited.Round(time.Millisecond))
	}
	return fmt.Sprintf("no reply to %d queries in %s", e.sent, e.waited.Round(time.Millisecond))
}

// udpAsk asks s over UDP and fills in a. It sends the query and sends it
// again, with a new ID, up to Retries times on the schedule below, while
// listening for a reply to any of the datagrams: a slow reply to the first
// is as good as a reply to the last. A slow server gets the whole
// --timeout, and a lost datagram is sent again within about a round trip.
// A reply that does not answer the question (StatusMismatch) may be a
// forgery that guessed the ID, so the query is sent again at once; only
// the reply to the last transmission is final. Each transmission that is
// not the last word is traced. It reports whether the reply was truncated
// (a is then not filled in).
func (r *Resolver) udpAsk(ctx context.Context, s *server, q question, a *Answer) (truncated bool, err error) {
	if err := s.acquire(ctx); err != nil {
		return false, err
	}
	// The query leaves the window once answered or once its first
	// datagram is taken for lost; retransmissions do not wait for room.
	held := true
	leave := func() {
		if held {
			held = false
			s.release()
		}
	}
	defer leave()
	conn := s.getConn()
	if conn == nil {
		var d net.Dialer
		if conn, err = d.DialContext(ctx, "udp", s.addr); err != nil {
			return false, err
		}
	}
	reuse := false
	defer func() {
		if reuse {
			s.putConn(conn)
		} else {
			conn.Close()
		}
	}()
	// Cancellation wakes a blocked read at once.
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Unix(1, 0)) }) //nolint:errcheck
	defer stop()

	s.mu.Lock()
	rto := s.rtoLocked(r.minRTO(), r.cfg.Timeout)
	s.mu.Unlock()
	sends, giveUp := schedule(rto, r.cfg.Timeout, r.cfg.Retries)
	buf := make([]byte, max(int(r.cfg.UDPSize), dns.MinMsgSize))
	var sent []sentQuery
	tr := traceFrom(ctx)
	mismatched := false
	// The query is presumed lost when the first transmission's timer runs
	// out: it gives its place in the window to the next query, even when
	// no retransmission follows (Retries 0), and keeps listening.
	var lostAt time.Time
	presumeLost := func() {
		if held {
			s.expired(sent[0].at)
			leave()
		}
	}
	for try := 0; try <= r.cfg.Retries; try++ {
		m := r.newQuery(q)
		wire, err := m.Pack()
		if err != nil {
			return false, err
		}
		at := time.Now()
		if _, err := conn.Write(wire); err != nil {
			return false, err
		}
		sent = append(sent, sentQuery{m.Id, at})
		if try == 0 {
			lostAt = at.Add(rto)
		}
		s.count(func(s *server) {
			s.sent++
			if try > 0 {
				s.retransmits++
			}
		})
		last := try == r.cfg.Retries
		until := sent[0].at.Add(giveUp)
		if !last {
			until = sent[0].at.Add(sends[try+1])
		}
		if d, ok := ctx.Deadline(); ok && d.Before(until) {
			until = d
		}
		var resp *dns.Msg
		var idx int
		for {
			deadline := until
			if held && lostAt.Before(until) {
				deadline = lostAt
			}
			resp, idx, err = readReply(ctx, conn, buf, sent, deadline)
			if !isNetTimeout(err) || ctx.Err() != nil || deadline.Equal(until) {
				break
			}
			presumeLost()
		}
		if err == nil {
			a.RTT, a.Try = time.Since(sent[idx].at), idx+1
			if resp.Truncated {
				leave()
				return true, nil
			}
			a.read(q, resp)
			if a.Status == StatusMismatch && !last {
				mismatched = true
				tr.addAnswer(a, false, "; sending again")
				continue
			}
			wasHeld := held
			leave()
			if a.Status != StatusMismatch { // what may be forged teaches nothing
				s.answered(reply{rtt: a.RTT, try: idx, sent: sent[idx].at, first: sent[0].at,
					late: a.RTT > backedOff(rto, idx, r.cfg.Timeout), held: wasHeld})
				reuse = len(sent) == 1
			}
			return false, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if !isNetTimeout(err) {
			return false, err
		}
		presumeLost()
		if !last && tr != nil {
			tr.add(Exchange{Time: time.Now(), Name: q.name, Type: dns.TypeToString[q.qtype], Server: s.addr,
				Transport: "udp", Status: StatusTimeout.String(), RTTMS: float64(time.Since(at).Microseconds()) / 1000,
				Try: try + 1, Error: "no reply, sending again"})
		}
	}
	if mismatched {
		return false, nil // every reply answered another question: a says which
	}
	s.count(func(s *server) { s.timeouts++ })
	return false, errNoReply{sent: len(sent), waited: time.Since(sent[0].at)}
}

// readReply reads until a reply to one of the transmissions arrives or
// until passes. Datagrams with other IDs (late replies to queries that
// were given up, or forgeries) and runts are skipped.
func readReply(ctx context.Context, conn net.Conn, buf []byte, sent []sentQuery, until time.Time) (*dns.Msg, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if err := conn.SetReadDeadline(until); err != nil {
		return nil, 0, err
	}
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, 0, err
		}
		if n < 12 { // shorter than a DNS header
			continue
		}
		id := binary.BigEndian.Uint16(buf)
		idx := slices.IndexFunc(sent, func(s sentQuery) bool { return s.id == id })
		if idx < 0 {
			continue
		}
		m := new(dns.Msg)
		if err := m.Unpack(buf[:n]); err != nil {
			return nil, idx, fmt.Errorf("malformed reply: %w", err)
		}
		return m, idx, nil
	}
}

// schedule says when each transmission of a query goes out, counted from
// the first, and when the query gives up on the server. The first
// retransmission follows the RTO: a datagram lost on its own is sent again
// after about a round trip. The later ones back off and are spread out to
// half the timeout (the last at timeout/2, the one before at timeout/4 and
// so on): datagrams lost because the server was flooded are mostly lost
// in bursts, and a retransmission sent into the same burst would be lost
// too. The query gives up --timeout after the first transmission, or
// later if the backed-off timer of the last one runs longer.
func schedule(rto, timeout time.Duration, retries int) (sends []time.Duration, giveUp time.Duration) {
	sends = make([]time.Duration, retries+1)
	for k := 1; k <= retries; k++ {
		step := backedOff(rto, k-1, timeout)
		sends[k] = sends[k-1] + step
		if k > 1 {
			sends[k] = max(sends[k], timeout>>(retries-k+1))
		}
	}
	giveUp = max(sends[retries]+backedOff(rto, retries, timeout), timeout)
	return sends, giveUp
}

// tcpAsk asks s over TCP and fills in a, trying again after a timeout up
// to retries times. TCP retransmits by itself, so each attempt waits the
// whole --timeout.
func (r *Resolver) tcpAsk(ctx context.Context, s *server, q question, a *Answer, retries int) error {
	c := &dns.Client{Net: "tcp", Timeout: r.cfg.Timeout}
	tr := traceFrom(ctx)
	var err error
	for try := 0; try <= retries; try++ {
		m := r.newQuery(q)
		start := time.Now()
		actx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
		var resp *dns.Msg
		resp, _, err = c.ExchangeContext(actx, m, s.addr)
		cancel()
		if err == nil {
			a.RTT, a.Try = a.RTT+time.Since(start), try+1
			a.read(q, resp)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !isTimeout(err) {
			return err
		}
		if try < retries && tr != nil {
			tr.add(Exchange{Time: time.Now(), Name: q.name, Type: dns.TypeToString[q.qtype], Server: s.addr,
				Transport: "tcp", Status: StatusTimeout.String(), RTTMS: float64(time.Since(start).Microseconds()) / 1000,
				Try: try + 1, Error: err.Error()})
		}
	}
	return err
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTimeout(err error) bool {
	var ne net.Error
	var nr errNoReply
	return errors.As(err, &ne) && ne.Timeout() || errors.As(err, &nr) || errors.Is(err, context.DeadlineExceeded)
}
