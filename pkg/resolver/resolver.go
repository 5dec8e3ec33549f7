// Package resolver is the one DNS client every mailflow command uses.
//
// It queries the configured servers (from --dns or /etc/resolv.conf) over
// UDP with EDNS0 and the DO bit, retries over TCP when a reply is truncated,
// retries and fails over on timeouts, SERVFAIL and REFUSED, caches answers
// for the run, and records every exchange so commands can print a
// dnsdiag-style trace. It keeps apart the outcomes a mail admin must not
// confuse: NXDOMAIN (the name does not exist), NODATA (the name exists
// without records of the type), SERVFAIL, REFUSED and timeouts (nothing is
// known; the check could not be made).
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
	"sync"
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
)

var statusNames = [...]string{"ok", "nodata", "nxdomain", "servfail", "refused", "timeout", "error"}

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
	// Records is the answer section: CNAMEs followed on the way and the
	// records of the queried type.
	Records []dns.RR
	// Authority is kept for negative answers (the SOA gives the negative TTL).
	Authority []dns.RR
	AA, AD    bool
	// Truncated reports that the UDP reply was truncated (and TCP was used).
	Truncated bool
	Server    string
	Transport string // "udp", "tcp", or "udp+tcp" after truncation
	RTT       time.Duration
	Cached    bool
	Err       error // the transport error behind StatusTimeout / StatusError
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
	Timeout    time.Duration // per attempt; default 5s
	Retries    int           // extra attempts per server after a timeout
	// UDPSize is the EDNS0 buffer size advertised; default 1232 (the DNS
	// flag day 2020 value that avoids IP fragmentation).
	UDPSize uint16
	// NoCache disables the per-run cache (benchmarks of the wire path).
	NoCache bool
}

// Resolver is safe for concurrent use.
type Resolver struct {
	cfg     Config
	servers []string

	group singleflight.Group
	mu    sync.Mutex
	cache map[cacheKey]cacheEntry

	// idle keeps connected UDP sockets per server for reuse: a bulk run of
	// thousands of queries would otherwise pay a socket, connect and close
	// per query.
	idleMu sync.Mutex
	idle   map[string][]*dns.Conn
}

// maxIdle bounds the pooled UDP sockets per server.
const maxIdle = 64

type cacheKey struct {
	name  string
	qtype uint16
}

type cacheEntry struct {
	ans     *Answer
	expires time.Time
}

// maxCache bounds the per-run cache; a bulk run over more names simply
// stops caching new ones.
const maxCache = 1 << 17

// New returns a resolver for cfg.
func New(cfg Config) (*Resolver, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.UDPSize == 0 {
		cfg.UDPSize = 1232
	}
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
	return &Resolver{cfg: cfg, servers: servers, cache: map[cacheKey]cacheEntry{}, idle: map[string][]*dns.Conn{}}, nil
}

// ParseServer normalizes "ADDR[:PORT]" (IPv6 as "[ADDR]:PORT" or bare) to
// host:port. Names are refused: the resolver must not need a resolver.
func ParseServer(s string) (string, error) {
	if ip, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(ip, 53).String(), nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return "", fmt.Errorf("DNS server %q: want an IP address with an optional :PORT (for example 127.0.0.1:5353 or [::1]:53)", s)
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

// Query asks for name/qtype. It returns an Answer for every outcome; the
// error is non-nil (an *Error) only when no definite answer was obtained.
func (r *Resolver) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	name = dns.CanonicalName(name)
	key := cacheKey{name, qtype}
	if !r.cfg.NoCache {
		if a, ok := r.cached(key); ok {
			traceFrom(ctx).add(exchangeOf(a, true))
			return a, nil
		}
	}
	v, _, _ := r.group.Do(name+"/"+strconv.Itoa(int(qtype)), func() (any, error) {
		return r.resolve(ctx, name, qtype), nil
	})
	a := v.(*Answer)
	if !a.Status.Definite() {
		return a, &Error{Name: name, Type: qtype, Status: a.Status, Server: a.Server, Err: a.Err}
	}
	if !r.cfg.NoCache {
		r.store(key, a)
	}
	return a, nil
}

func (r *Resolver) cached(k cacheKey) (*Answer, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.cache[k]
	if !ok || time.Now().After(e.expires) {
		return nil, false
	}
	c := *e.ans
	c.Cached = true
	c.RTT = 0
	return &c, true
}

func (r *Resolver) store(k cacheKey, a *Answer) {
	ttl := a.MinTTL()
	if a.Status != StatusOK {
		ttl = negativeTTL(a)
	}
	if ttl == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.cache) < maxCache {
		r.cache[k] = cacheEntry{ans: a, expires: time.Now().Add(time.Duration(ttl) * time.Second)}
	}
}

// negativeTTL follows RFC 2308 §5: the lesser of the SOA TTL and its MINIMUM.
func negativeTTL(a *Answer) uint32 {
	for _, rr := range a.Authority {
		if soa, ok := rr.(*dns.SOA); ok {
			return min(soa.Hdr.Ttl, soa.Minttl)
		}
	}
	return 0
}

// resolve tries each server in turn. A timeout is retried on the same server
// up to Retries times; SERVFAIL and REFUSED move on to the next server, as a
// stub resolver with several nameservers does.
func (r *Resolver) resolve(ctx context.Context, name string, qtype uint16) *Answer {
	var last *Answer
	for _, srv := range r.servers {
		for attempt := 0; attempt <= r.cfg.Retries; attempt++ {
			if ctx.Err() != nil {
				return &Answer{Name: name, Type: qtype, Status: StatusTimeout, Server: srv, Err: ctx.Err()}
			}
			a := r.exchange(ctx, srv, name, qtype)
			traceFrom(ctx).add(exchangeOf(a, false))
			last = a
			if a.Status.Definite() {
				return a
			}
			if a.Status != StatusTimeout {
				break
			}
		}
	}
	return last
}

func (r *Resolver) newQuery(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	// RFC 6840 §5.7: setting AD asks the server to report validation status.
	m.AuthenticatedData = true
	m.SetEdns0(r.cfg.UDPSize, true)
	return m
}

// exchange performs one attempt against one server: UDP first (unless
// --tcp), then TCP when the UDP reply is truncated.
func (r *Resolver) exchange(ctx context.Context, srv, name string, qtype uint16) *Answer {
	m := r.newQuery(name, qtype)
	m.CheckingDisabled = checkingDisabled(ctx) // QueryCD, in dnssec.go
	transport := "udp"
	if r.cfg.TCP {
		transport = "tcp"
	}
	start := time.Now()
	resp, err := r.roundTrip(ctx, transport, srv, m)
	truncated := false
	if err == nil && resp.Truncated && transport == "udp" {
		truncated = true
		transport = "udp+tcp"
		resp, err = r.roundTrip(ctx, "tcp", srv, m)
	}
	a := &Answer{Name: name, Type: qtype, Server: srv, Transport: transport, RTT: time.Since(start), Truncated: truncated}
	if err != nil {
		a.Err = err
		a.Status = StatusError
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			a.Status = StatusTimeout
		}
		return a
	}
	a.Rcode = resp.Rcode
	a.AA, a.AD = resp.Authoritative, resp.AuthenticatedData
	a.Records = resp.Answer
	a.Authority = resp.Ns
	switch resp.Rcode {
	case dns.RcodeSuccess:
		a.Status = StatusNoData
		for _, rr := range resp.Answer {
			if rr.Header().Rrtype == qtype {
				a.Status = StatusOK
				break
			}
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
	return a
}

func (r *Resolver) roundTrip(ctx context.Context, network, srv string, m *dns.Msg) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	c := &dns.Client{Net: network, Timeout: r.cfg.Timeout, UDPSize: r.cfg.UDPSize}
	var resp *dns.Msg
	var err error
	if network == "udp" {
		resp, err = r.udpExchange(ctx, c, srv, m)
	} else {
		resp, _, err = c.ExchangeContext(ctx, m, srv)
	}
	if err != nil {
		return nil, err
	}
	if resp.Id != m.Id || len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, m.Question[0].Name) {
		return nil, fmt.Errorf("reply does not match the question")
	}
	return resp, nil
}

// udpExchange runs one UDP exchange on a pooled socket. A socket that saw
// any error is closed rather than reused, so a late reply to a timed-out
// query can never be read as the answer to the next one.
func (r *Resolver) udpExchange(ctx context.Context, c *dns.Client, srv string, m *dns.Msg) (*dns.Msg, error) {
	r.idleMu.Lock()
	var conn *dns.Conn
	if n := len(r.idle[srv]); n > 0 {
		conn = r.idle[srv][n-1]
		r.idle[srv] = r.idle[srv][:n-1]
	}
	r.idleMu.Unlock()
	if conn == nil {
		var err error
		if conn, err = c.DialContext(ctx, srv); err != nil {
			return nil, err
		}
	}
	resp, _, err := c.ExchangeWithConnContext(ctx, m, conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	r.idleMu.Lock()
	if len(r.idle[srv]) < maxIdle {
		r.idle[srv] = append(r.idle[srv], conn)
		conn = nil
	}
	r.idleMu.Unlock()
	if conn != nil {
		conn.Close()
	}
	return resp, nil
}

// Close releases pooled sockets. The resolver stays usable.
func (r *Resolver) Close() error {
	r.idleMu.Lock()
	defer r.idleMu.Unlock()
	for srv, conns := range r.idle {
		for _, c := range conns {
			c.Close()
		}
		delete(r.idle, srv)
	}
	return nil
}
