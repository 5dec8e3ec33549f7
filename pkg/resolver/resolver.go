// Package resolver is the one DNS client every mailflow command uses.
//
// It queries the configured servers (from --dns or /etc/resolv.conf) over
// UDP with EDNS0 and the DO bit, retries over TCP when a reply is truncated,
// fails over to the next server on timeouts, SERVFAIL, REFUSED and answers
// to another question, shares one query among concurrent askers, caches
// answers for the run, and records every exchange so commands can print a
// dnsdiag-style trace. It keeps apart the outcomes a mail admin must not
// confuse: NXDOMAIN (the name does not exist), NODATA (the name exists
// without records of the type), SERVFAIL, REFUSED and timeouts (nothing is
// known; the check could not be made), and mismatch (the reply answered
// another question).
//
// An answer counts only for the name that was asked. A reply's question
// section must be the question; of its answer records only those owned by
// the name asked, or by the alias chain from it (CNAME and DNAME links,
// each checked against the previous name, at most 16), of class IN and of
// the asked type (or a link of the chain, or a signature over either) are
// used. Other records are dropped and shown in the trace; a reply with
// nothing else is StatusMismatch, which callers report as could-not-check,
// never as a verdict. Over UDP such a reply may be a forgery that guessed
// the ID, so the query is first sent again.
//
// The UDP transport adapts to each server. A retransmission timer in the
// style of RFC 6298 (SRTT, RTTVAR, RTO = SRTT + 4·RTTVAR, doubled per
// retransmission, between Config.MinRTO and Config.Timeout) sends a lost
// query again after about a round trip instead of after the full timeout,
// each time with a new ID while still accepting a late reply to an earlier
// one. A congestion window per server bounds the queries in flight,
// opening as answers come and halving when a retransmission shows a query
// was lost (AIMD), so that raising a command's concurrency does not flood
// a server into dropping queries. A query whose timer ran out is presumed
// lost and leaves the window. A recursive resolver is slow for some names
// (it waits on their servers) while it answers others at once: a late
// reply that queries sent after it overtook is taken for such a name, and
// is neither a round-trip sample nor a loss, so slow and dead names do not
// hold up the rest of a bulk run. Stats reports what was learned.
//
// The cache is bounded by an approximate byte budget (Config.CacheBytes):
// expired answers are evicted first, then the least recently used.
//
// It is a stub resolver: it does not recurse, validate DNSSEC itself (it
// reports the AD flag the server sets) or interpret mail semantics.
package resolver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sync/singleflight"
)

// Status classifies the outcome of a query.
type Status int

const (
	StatusOK       Status = iota // NOERROR with records of the type
	StatusNoData                 // NOERROR, the name exists without records of the type
	StatusNXDomain               // the name does not exist
	StatusServFail               // the server could not answer (often broken DNSSEC or lame delegation)
	StatusRefused                // the server will not answer us (not recursive for us, ACL, rate limit)
	StatusTimeout                // no reply in time from any server
	StatusError                  // other rcode or a network error
	// StatusMismatch is a reply that does not answer the question: its
	// question section is another one, or its answer holds records only
	// for other names, types or classes. A broken or spoofing resolver
	// sends such replies; nothing in them is used (see Answer.Stray).
	StatusMismatch
)

// MismatchFix is the advice for a StatusMismatch answer, for findings.
const MismatchFix = "The resolver answered a question that was not asked (records for another name, type or class, or another question): " +
	"it is broken, or something between here and it rewrites or forges DNS replies. Nothing in such an answer was used. " +
	"Point --dns at a resolver you trust, such as your own recursive resolver, and compare with dig +trace."

var statusNames = [...]string{"ok", "nodata", "nxdomain", "servfail", "refused", "timeout", "error", "mismatch"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Definite reports whether the status is an answer from the DNS (positive or
// negative) rather than a failure to get one.
func (s Status) Definite() bool { return s <= StatusNXDomain }

// Answer is the result of one query, after retries and failover.
type Answer struct {
	Name   string // fully qualified, lower case
	Type   uint16
	Status Status
	Rcode  int
	// Records are the answer records that answer the question: the alias
	// chain from the name asked (CNAMEs, DNAMEs), each link checked, the
	// records of the queried type owned by the name it ends at, and their
	// signatures.
	Records []dns.RR
	// Stray are the answer records that answer another question (another
	// owner name, type or class). They are never used; the trace shows
	// them as dropped, and an answer made only of them is StatusMismatch.
	Stray []dns.RR
	// Authority is kept for negative answers (the SOA gives the negative TTL).
	Authority []dns.RR
	AA, AD    bool
	// Truncated reports that the UDP reply was truncated (and TCP was used).
	Truncated bool
	Server    string
	Transport string // "udp", "tcp", or "udp+tcp" after truncation
	// RTT is the round trip of the datagram that was answered.
	RTT time.Duration
	// Try is which transmission to Server was answered (1 = the first; 0
	// for cached answers and for no reply).
	Try    int
	Cached bool
	Err    error // the transport error behind StatusTimeout / StatusError
}

// Records returns the answer records of type T (for example *dns.MX).
func Records[T dns.RR](a *Answer) []T {
	if a == nil {
		return nil
	}
	var out []T
	for _, rr := range a.Records {
		if v, ok := rr.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// CNAMEs returns the alias chain the server followed for the name.
func (a *Answer) CNAMEs() []*dns.CNAME { return Records[*dns.CNAME](a) }

// MinTTL is the smallest TTL among answer records of the queried type, 0 if none.
func (a *Answer) MinTTL() uint32 {
	var m uint32
	first := true
	for _, rr := range a.Records {
		if rr.Header().Rrtype != a.Type {
			continue
		}
		if first || rr.Header().Ttl < m {
			m, first = rr.Header().Ttl, false
		}
	}
	return m
}

// Error describes a query that could not be answered: SERVFAIL, REFUSED,
// timeout or a network error. NXDOMAIN and NODATA are not errors.
type Error struct {
	Name   string
	Type   uint16
	Status Status
	Server string
	Err    error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s %s: %s", strings.TrimSuffix(e.Name, "."), dns.TypeToString[e.Type], strings.ToUpper(e.Status.String()))
	if e.Server != "" {
		s += " from " + e.Server
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Config selects servers and transport behaviour.
type Config struct {
	// Servers are "ip:port" or "ip" (port 53). Empty means /etc/resolv.conf.
	Servers []string
	// ResolvConf overrides the path of resolv.conf (tests).
	ResolvConf string
	TCP        bool
	// Timeout (default 5s) is the ceiling of the retransmission timer and
	// how long a query waits for a server's reply, counted from its first
	// transmission, before moving on. A server that never answers anything
	// backs the timer off to the ceiling and then costs up to
	// (Retries+1)·Timeout.
	Timeout time.Duration
	// Retries is how many times a query is sent again to the same server
	// when no reply came within the retransmission timeout.
	Retries int
	// MinRTO is the floor of the retransmission timeout; default
	// DefaultMinRTO.
	MinRTO time.Duration
	// UDPSize is the EDNS0 buffer size advertised and read; default 1232
	// (the DNS flag day 2020 value that avoids IP fragmentation). A longer
	// UDP reply is cut there and fails to parse; servers truncate instead
	// and the query is repeated over TCP, where a message is at most 64 KiB.
	UDPSize uint16
	// NoCache disables the per-run cache (benchmarks of the wire path).
	NoCache bool
	// CacheBytes is the approximate memory budget of the cache; default
	// DefaultCacheBytes.
	CacheBytes int
}

// Resolver is safe for concurrent use.
type Resolver struct {
	cfg     Config
	servers []string
	state   map[string]*server

	group singleflight.Group
	cache *cache // nil with NoCache
}

// New returns a resolver for cfg.
func New(cfg Config) (*Resolver, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.MinRTO <= 0 {
		cfg.MinRTO = DefaultMinRTO
	}
	if cfg.UDPSize == 0 {
		cfg.UDPSize = 1232
	}
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = DefaultCacheBytes
	}
	cfg.Retries = max(cfg.Retries, 0)
	var servers []string
	for _, s := range cfg.Servers {
		addr, err := ParseServer(s)
		if err != nil {
			return nil, err
		}
		servers = append(servers, addr)
	}
	if len(servers) == 0 {
		path := cfg.ResolvConf
		if path == "" {
			path = "/etc/resolv.conf"
		}
		cc, err := dns.ClientConfigFromFile(path)
		if err != nil {
			return nil, fmt.Errorf("no DNS servers: reading %s: %v (use --dns ADDR)", path, err)
		}
		for _, s := range cc.Servers {
			servers = append(servers, net.JoinHostPort(s, cc.Port))
		}
		if len(servers) == 0 {
			return nil, fmt.Errorf("no DNS servers: %s lists no nameserver (use --dns ADDR)", path)
		}
	}
	r := &Resolver{cfg: cfg, state: map[string]*server{}}
	for _, addr := range servers {
		// The same server twice would share one state but be tried twice.
		if r.state[addr] == nil {
			r.state[addr] = newServer(addr)
			r.servers = append(r.servers, addr)
		}
	}
	if !cfg.NoCache {
		r.cache = newCache(cfg.CacheBytes)
	}
	return r, nil
}

// ParseServer normalizes "ADDR[:PORT]" (IPv6 as "[ADDR]:PORT" or bare) to
// host:port. Names are refused: the resolver must not need a resolver.
func ParseServer(s string) (string, error) {
	if ip, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(ip, 53).String(), nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil || ap.Port() == 0 {
		return "", fmt.Errorf("DNS server %q: want an IP address with an optional :PORT from 1 to 65535 (for example 127.0.0.1:5353 or [::1]:53)", s)
	}
	return ap.String(), nil
}

// Servers returns the servers in the order they are tried.
func (r *Resolver) Servers() []string { return append([]string(nil), r.servers...) }

// String describes the resolver for reports.
func (r *Resolver) String() string {
	s := strings.Join(r.servers, ", ")
	if r.cfg.TCP {
		s += " (tcp)"
	}
	return s
}

// question is what one query asks. It keys the cache and the table of
// queries in flight, so an option that changes the answer belongs here and
// in newQuery.
type question struct {
	name  string // canonical: lower case, fully qualified
	qtype uint16
	// cd sets the CD bit (QueryCD): the answer may be one validation
	// refused, so it must never stand in for an ordinary one.
	cd bool
}

func (q question) key() string {
	k := q.name + "/" + strconv.Itoa(int(q.qtype))
	if q.cd {
		k += "/cd"
	}
	return k
}

// Query asks for name/qtype. It returns an Answer for every outcome; the
// error is non-nil (an *Error) only when no definite answer was obtained.
func (r *Resolver) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	return r.query(ctx, question{name: dns.CanonicalName(name), qtype: qtype})
}

func (r *Resolver) query(ctx context.Context, q question) (*Answer, error) {
	if r.cache != nil {
		if a, ok := r.cache.get(q, time.Now()); ok {
			traceFrom(ctx).addAnswer(a, true, "")
			return a, nil
		}
	}
	v, _, _ := r.group.Do(q.key(), func() (any, error) {
		return r.resolve(ctx, q), nil
	})
	a := v.(*Answer)
	if !a.Status.Definite() {
		return a, &Error{Name: q.name, Type: q.qtype, Status: a.Status, Server: a.Server, Err: a.Err}
	}
	if r.cache != nil {
		ttl := a.MinTTL()
		if a.Status != StatusOK {
			ttl = negativeTTL(a)
		}
		r.cache.put(q, a, ttl, time.Now())
	}
	return a, nil
}

// negativeTTL follows RFC 2308 §5: the lesser of the SOA TTL and its
// MINIMUM, from an SOA of a zone that holds the name (one for another zone
// says nothing about it).
func negativeTTL(a *Answer) uint32 {
	name := a.Name
	if c := a.CNAMEs(); len(c) > 0 {
		name = dns.CanonicalName(c[len(c)-1].Target)
	}
	for _, rr := range a.Authority {
		if soa, ok := rr.(*dns.SOA); ok && dns.IsSubDomain(dns.CanonicalName(soa.Hdr.Name), name) {
			return min(soa.Hdr.Ttl, soa.Minttl)
		}
	}
	return 0
}

// resolve tries each server in turn until one gives a definite answer.
// Within a server, lost datagrams are sent again (see udpAsk); SERVFAIL,
// REFUSED, a timeout or an answer that does not match the question move on
// to the next server, as a stub resolver with several nameservers does.
func (r *Resolver) resolve(ctx context.Context, q question) *Answer {
	var last *Answer
	for _, srv := range r.servers {
		if ctx.Err() != nil {
			return &Answer{Name: q.name, Type: q.qtype, Status: StatusTimeout, Server: srv, Err: ctx.Err()}
		}
		a := r.exchange(ctx, r.state[srv], q)
		traceFrom(ctx).addAnswer(a, false, "")
		last = a
		if a.Status.Definite() {
			return a
		}
	}
	return last
}

func (r *Resolver) newQuery(q question) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(q.name, q.qtype)
	m.RecursionDesired = true
	// RFC 6840 §5.7: setting AD asks the server to report validation status.
	m.AuthenticatedData = true
	m.CheckingDisabled = q.cd
	m.SetEdns0(r.cfg.UDPSize, true)
	return m
}

// exchange asks one server: over UDP (unless --tcp), then over TCP when the
// UDP reply is truncated.
func (r *Resolver) exchange(ctx context.Context, s *server, q question) *Answer {
	a := &Answer{Name: q.name, Type: q.qtype, Server: s.addr, Transport: "udp"}
	var err error
	if r.cfg.TCP {
		a.Transport = "tcp"
		err = r.tcpAsk(ctx, s, q, a, r.cfg.Retries)
	} else {
		a.Truncated, err = r.udpAsk(ctx, s, q, a)
		if err == nil && a.Truncated {
			a.Transport = "udp+tcp"
			err = r.tcpAsk(ctx, s, q, a, 0)
		}
	}
	if err != nil {
		a.Err = err
		a.Status = StatusError
		if isTimeout(err) {
			a.Status = StatusTimeout
		}
	}
	return a
}

// read fills in the answer from a reply, keeping only the records that
// answer the question.
func (a *Answer) read(q question, resp *dns.Msg) {
	a.Err = nil
	a.Rcode = resp.Rcode
	a.AA, a.AD = resp.Authoritative, resp.AuthenticatedData
	a.Authority = resp.Ns
	kept, stray, err := sortAnswer(q, resp)
	a.Records, a.Stray = kept, stray
	switch {
	case errors.Is(err, errQuestion):
		a.Status, a.Err = StatusMismatch, err
		return
	case err != nil:
		a.Status, a.Err = StatusError, err
		return
	}
	switch resp.Rcode {
	case dns.RcodeSuccess:
		a.Status = StatusNoData
		if a.hasType() {
			a.Status = StatusOK
		}
	case dns.RcodeNameError:
		a.Status = StatusNXDomain
	case dns.RcodeServerFailure:
		a.Status = StatusServFail
	case dns.RcodeRefused:
		a.Status = StatusRefused
	default:
		a.Status = StatusError
		a.Err = fmt.Errorf("rcode %s", dns.RcodeToString[resp.Rcode])
	}
	// Stray records beside a real answer are dropped (and traced); stray
	// records instead of one are all the server said, and they answer
	// another question.
	if len(stray) > 0 && a.Status.Definite() && !a.hasType() {
		a.Status, a.Err = StatusMismatch, strayError(q, stray)
	}
}

func (a *Answer) hasType() bool {
	for _, rr := range a.Records {
		if t := rr.Header().Rrtype; t == a.Type || a.Type == dns.TypeANY && t != dns.TypeRRSIG {
			return true
		}
	}
	return false
}

// Close releases pooled sockets. The resolver stays usable.
func (r *Resolver) Close() error {
	for _, s := range r.state {
		s.closeIdle()
	}
	return nil
}
