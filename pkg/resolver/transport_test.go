package resolver_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// lossyServer is a DNS server on 127.0.0.1 that answers every A question
// with 192.0.2.1, after delay, except that it drops the first datagram of
// each question whose name starts with "lossy" (a server whose socket
// overflows, as rbldnsd's does under load), answers the first datagram of
// a name starting with "forged" with a record for another name (a forgery
// that won the race), and answers names starting with "slow" 150 ms late.
// Like a recursive resolver waiting on a name's own servers, it never
// answers names starting with "dead", answers names starting with
// "sluggish" 600 ms late, and answers every datagram of a name starting
// with "mesh" 600 ms after the first one came, the newest first (as
// unbound answers the queries it joined to one lookup).
type lossyServer struct {
	addr  string
	delay time.Duration

	mu          sync.Mutex
	datagrams   map[string]int
	firstSeen   map[string]time.Time
	inflight    int
	maxInflight int
}

func startLossy(t *testing.T, delay time.Duration) *lossyServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &lossyServer{addr: pc.LocalAddr().String(), delay: delay, datagrams: map[string]int{}, firstSeen: map[string]time.Time{}}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: l, NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe() //nolint:errcheck // ends on Shutdown
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return l
}

func (l *lossyServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	q := req.Question[0]
	l.mu.Lock()
	l.datagrams[q.Name]++
	n := l.datagrams[q.Name]
	if n == 1 {
		l.firstSeen[q.Name] = time.Now()
	}
	first := l.firstSeen[q.Name]
	l.inflight++
	l.maxInflight = max(l.maxInflight, l.inflight)
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.inflight--
		l.mu.Unlock()
	}()
	if strings.HasPrefix(q.Name, "lossy") && n == 1 || strings.HasPrefix(q.Name, "dead") {
		return
	}
	time.Sleep(l.delay)
	switch {
	case strings.HasPrefix(q.Name, "slow"):
		time.Sleep(150 * time.Millisecond)
	case strings.HasPrefix(q.Name, "sluggish"):
		time.Sleep(600 * time.Millisecond)
	case strings.HasPrefix(q.Name, "mesh"):
		at := first.Add(600 * time.Millisecond)
		if n == 1 {
			at = at.Add(100 * time.Millisecond)
		}
		time.Sleep(time.Until(at))
	}
	m := new(dns.Msg)
	m.SetReply(req)
	owner, ip := q.Name, net.IPv4(192, 0, 2, 1)
	if strings.HasPrefix(q.Name, "forged") && (n == 1 || strings.HasPrefix(q.Name, "forgedall")) {
		owner, ip = "other.test.", net.IPv4(198, 51, 100, 77)
	}
	m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: ip})
	w.WriteMsg(m) //nolint:errcheck
}

func (l *lossyServer) count(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.datagrams[dns.CanonicalName(name)]
}

func statsOf(t *testing.T, r *resolver.Resolver) resolver.ServerStats {
	t.Helper()
	st := r.Stats()
	if len(st) != 1 {
		t.Fatalf("stats for %d servers", len(st))
	}
	return st[0]
}

// A lost datagram is sent again after the retransmission timeout, which
// follows the measured round trip instead of waiting out --timeout.
func TestRetransmitAfterRTO(t *testing.T) {
	l := startLossy(t, 0)
	timeout := 10 * time.Second
	r := newResolver(t, resolver.Config{Servers: []string{l.addr}, Timeout: timeout, Retries: 2})
	ctx := context.Background()
	// One answered query gives the first round-trip sample.
	if _, err := r.Query(ctx, "warm.test", dns.TypeA); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		name := fmt.Sprintf("lossy%d.test", i)
		tr := &resolver.Trace{}
		a, err := r.Query(resolver.WithTrace(ctx, tr), name, dns.TypeA)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a.Try < 2 || l.count(name) < 2 {
			t.Fatalf("%s: answered on try %d after %d datagrams; want the retransmission answered", name, a.Try, l.count(name))
		}
		ex := tr.Exchanges()
		if len(ex) < 2 || ex[0].Status != "timeout" || !strings.Contains(ex[0].Error, "sending again") ||
			ex[len(ex)-1].Status != "ok" || ex[len(ex)-1].Try != a.Try {
			t.Fatalf("%s: trace does not show the retransmission:\n%s", name, strings.Join(tr.Lines(), "\n"))
		}
		if !strings.Contains(strings.Join(tr.Lines(), "\n"), fmt.Sprintf("try %d -> OK", a.Try)) {
			t.Errorf("%s: trace line does not say which try was answered: %q", name, tr.Lines())
		}
	}
	st := statsOf(t, r)
	want := max(resolver.DefaultMinRTO, st.SRTT+max(time.Millisecond, 4*st.RTTVar))
	if st.SRTT <= 0 || st.RTO != want {
		t.Errorf("RTO %s with SRTT %s RTTVAR %s; want %s (RFC 6298 from the samples)", st.RTO, st.SRTT, st.RTTVar, want)
	}
	if st.RTO > timeout/10 {
		t.Errorf("RTO %s is not far below the %s timeout", st.RTO, timeout)
	}
	if st.Retransmits < 5 || st.Answers != 6 {
		t.Errorf("stats %s", st)
	}
}

// A slow reply to the first datagram is as good as a reply to the
// retransmission, and a slow server is no congestion signal.
func TestSlowReplyToFirstDatagramCounts(t *testing.T) {
	l := startLossy(t, 0)
	r := newResolver(t, resolver.Config{Servers: []string{l.addr}, Timeout: 5 * time.Second, Retries: 2})
	ctx := context.Background()
	if _, err := r.Query(ctx, "warm.test", dns.TypeA); err != nil {
		t.Fatal(err)
	}
	a, err := r.Query(ctx, "slow.test", dns.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	st := statsOf(t, r)
	if l.count("slow.test") < 2 {
		t.Fatalf("%d datagrams: the RTO (%s) did not expire before the slow reply", l.count("slow.test"), st.RTO)
	}
	if a.Try != 1 || st.WindowCuts != 0 {
		t.Errorf("answered on try %d with %d window cuts; want the first datagram's reply and no cut (%s)", a.Try, st.WindowCuts, st)
	}
	// Nothing overtook it: the server itself was slow this time, and the
	// reply is a round-trip sample.
	if st.SlowNames != 0 {
		t.Errorf("a slow reply nothing overtook was taken for a slow name: %s", st)
	}
}

// Names a recursive resolver is slow to resolve, while it answers the
// queries sent after them, are neither round-trip samples nor losses: the
// timer stays where the server's own answers put it, and a reply to a
// retransmission that came late is no sign that a datagram was lost.
func TestSlowNamesAmidAnswersAreNoSamples(t *testing.T) {
	l := startLossy(t, 0)
	r := newResolver(t, resolver.Config{Servers: []string{l.addr}, Timeout: 5 * time.Second, Retries: 2})
	ctx := context.Background()
	for i := range 20 {
		if _, err := r.Query(ctx, fmt.Sprintf("warm%d.test", i), dns.TypeA); err != nil {
			t.Fatal(err)
		}
	}
	warm := statsOf(t, r)
	slow := []string{"sluggish0.test", "sluggish1.test", "sluggish2.test", "mesh.test"}
	done := make(chan struct{})
	var wg sync.WaitGroup
	tries := make([]int, len(slow))
	for i, name := range slow {
		wg.Go(func() {
			a, err := r.Query(ctx, name, dns.TypeA)
			if err != nil {
				t.Error(err)
				return
			}
			tries[i] = a.Try
		})
	}
	go func() { wg.Wait(); close(done) }()
	// The other queries of a bulk run go on meanwhile.
	for i := 0; ; i++ {
		select {
		case <-done:
		default:
			if _, err := r.Query(ctx, fmt.Sprintf("fast%d.test", i), dns.TypeA); err != nil {
				t.Fatal(err)
			}
			continue
		}
		break
	}
	st := statsOf(t, r)
	if l.count("mesh.test") < 2 || tries[3] < 2 {
		t.Fatalf("mesh.test answered on try %d after %d datagrams; want its retransmission answered first", tries[3], l.count("mesh.test"))
	}
	if st.SlowNames != uint64(len(slow)) || st.WindowCuts != 0 {
		t.Errorf("%d slow names, %d window cuts; want %d and none (%s)", st.SlowNames, st.WindowCuts, len(slow), st)
	}
	if st.RTO >= 600*time.Millisecond {
		t.Errorf("RTO %s after the slow names, %s before: they were taken as round trips (%s)", st.RTO, warm.RTO, st)
	}
}

// A query whose timer has run out is presumed lost and leaves the window,
// even with no retransmission to follow: names that never answer do not
// hold back the queries behind them, and their timeouts do not close the
// window while the server answers the rest.
func TestPresumedLostQueriesLeaveTheWindow(t *testing.T) {
	l := startLossy(t, 0)
	r := newResolver(t, resolver.Config{Servers: []string{l.addr}, Timeout: 10 * time.Second, Retries: 0})
	ctx := context.Background()
	if _, err := r.Query(ctx, "warm.test", dns.TypeA); err != nil {
		t.Fatal(err)
	}
	window := statsOf(t, r).Window
	deadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var returned sync.WaitGroup
	var pending sync.Mutex
	dead := 0
	for i := range window {
		returned.Go(func() {
			r.Query(deadCtx, fmt.Sprintf("dead%d.test", i), dns.TypeA) //nolint:errcheck // cancelled below
			pending.Lock()
			dead++
			pending.Unlock()
		})
	}
	// Every dead query has its datagram out, so each took a place.
	for statsOf(t, r).Sent < uint64(window)+1 {
		time.Sleep(time.Millisecond)
	}
	if _, err := r.Query(ctx, "live.test", dns.TypeA); err != nil {
		t.Fatal(err)
	}
	finished := func() int {
		pending.Lock()
		defer pending.Unlock()
		return dead
	}
	if n := finished(); n != 0 {
		t.Fatalf("%d dead queries gave up before the live one behind them was answered", n)
	}
	// Each leaves the window when its own timer runs out, long before it
	// gives up.
	for statsOf(t, r).InFlight != 0 && finished() == 0 {
		time.Sleep(time.Millisecond)
	}
	if n := finished(); n != 0 {
		t.Errorf("%d dead queries gave up while still counted in flight: %s", n, statsOf(t, r))
	}
	if st := statsOf(t, r); st.Window < window || st.WindowCuts != 0 {
		t.Errorf("window %d (%d cuts) after %d dead queries, want at least %d", st.Window, st.WindowCuts, window, window)
	}
	cancel()
	returned.Wait()
}

// The congestion window opens while it holds queries back, and halves when
// a retransmission shows that a datagram was lost.
func TestWindowHalvesOnLossAndGrowsOnSuccess(t *testing.T) {
	l := startLossy(t, 10*time.Millisecond)
	// A high floor keeps the bursts free of spurious retransmissions on a
	// loaded machine; the lost datagram then costs half a second.
	r := newResolver(t, resolver.Config{Servers: []string{l.addr}, Timeout: 10 * time.Second, Retries: 2, MinRTO: 500 * time.Millisecond})
	ctx := context.Background()
	burst := func(prefix string, n int) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if _, err := r.Query(ctx, fmt.Sprintf("%s%d.test", prefix, i), dns.TypeA); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	initial := statsOf(t, r).Window
	// One query at a time never fills the window: it stays as it is.
	for i := range 10 {
		if _, err := r.Query(ctx, fmt.Sprintf("one%d.test", i), dns.TypeA); err != nil {
			t.Fatal(err)
		}
	}
	if w := statsOf(t, r).Window; w != initial {
		t.Fatalf("window %d after queries one at a time, want %d", w, initial)
	}
	burst("a", 100)
	grown := statsOf(t, r).Window
	if grown <= initial {
		t.Fatalf("window %d after a burst that filled it, want more than %d", grown, initial)
	}
	if _, err := r.Query(ctx, "lossy.test", dns.TypeA); err != nil {
		t.Fatal(err)
	}
	st := statsOf(t, r)
	if st.Window != grown/2 || st.WindowCuts != 1 {
		t.Fatalf("window %d after a loss (%d cuts), want %d", st.Window, st.WindowCuts, grown/2)
	}
	// Above the threshold it opens by about one per window of answers
	// that found it full.
	burst("b", 5*st.Window)
	if w := statsOf(t, r).Window; w <= st.Window {
		t.Errorf("window %d after another burst, want more than %d", w, st.Window)
	}
}

// The window bounds the queries in flight: many callers at once do not
// all reach the server at once.
func TestWindowBoundsQueriesInFlight(t *testing.T) {
	l := startLossy(t, 20*time.Millisecond)
	r := newResolver(t, resolver.Config{Servers: []string{l.addr}, Timeout: 10 * time.Second})
	const callers = 200
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			if _, err := r.Query(context.Background(), fmt.Sprintf("n%d.test", i), dns.TypeA); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	l.mu.Lock()
	most := l.maxInflight
	l.mu.Unlock()
	st := statsOf(t, r)
	if most > st.Window || most >= callers {
		t.Errorf("%d queries in flight at once with a window of %d", most, st.Window)
	}
	if st.InFlight != 0 {
		t.Errorf("%d queries still counted in flight", st.InFlight)
	}
}

// A caller whose context ends while waiting for room gives up at once and
// leaves the window as it was.
func TestWindowWaitEndsWithContext(t *testing.T) {
	l := startLossy(t, 300*time.Millisecond)
	r := newResolver(t, resolver.Config{Servers: []string{l.addr}, Timeout: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() { r.Query(ctx, fmt.Sprintf("w%d.test", i), dns.TypeA) })
	}
	time.Sleep(50 * time.Millisecond) // let the window fill
	cancel()
	wg.Wait()
	if st := statsOf(t, r); st.InFlight != 0 {
		t.Errorf("%d queries still counted in flight after cancellation", st.InFlight)
	}
}

// A reply that answers another question may be a forgery that guessed the
// ID: the query is sent again at once and a genuine reply wins. Only when
// every reply answers another question is that the outcome.
func TestMismatchedReplyIsAskedAgain(t *testing.T) {
	l := startLossy(t, 0)
	r := newResolver(t, resolver.Config{Servers: []string{l.addr}, Timeout: 10 * time.Second, Retries: 2})
	tr := &resolver.Trace{}
	a, err := r.Query(resolver.WithTrace(context.Background(), tr), "forged.test", dns.TypeA)
	if err != nil || a.Try != 2 {
		t.Fatalf("status %s on try %d (err %v), want the genuine reply to the second datagram", a.Status, a.Try, err)
	}
	if got := resolver.Records[*dns.A](a); len(got) != 1 || got[0].A.String() != "192.0.2.1" {
		t.Errorf("records %v", a.Records)
	}
	if ex := tr.Exchanges(); len(ex) != 2 || ex[0].Status != "mismatch" || len(ex[0].Dropped) != 1 || !strings.Contains(ex[0].Error, "sending again") {
		t.Errorf("trace:\n%s", strings.Join(tr.Lines(), "\n"))
	}

	a, err = r.Query(context.Background(), "forgedall.test", dns.TypeA)
	if a.Status != resolver.StatusMismatch || err == nil || l.count("forgedall.test") != 3 {
		t.Errorf("status %s after %d datagrams (err %v), want a mismatch after 3", a.Status, l.count("forgedall.test"), err)
	}
	if st := statsOf(t, r); st.Answers != 1 || st.Timeouts != 0 {
		t.Errorf("forged replies counted as answers or timeouts: %s", st)
	}
}
