// Package authdns is a small authoritative DNS server that serves zone text
// from memory on a loopback address, over UDP and TCP on the same port. The
// built-in lab and the tests use it as the far end of the resolver.
//
// It can inject the faults a mail admin meets in the wild: slow answers,
// answers that never come, SERVFAIL or REFUSED for chosen names, truncation
// of large UDP replies, and what a validating resolver shows for signed
// zones: the AD flag, or SERVFAIL unless checking is disabled. It can also
// play a broken or spoofing resolver: answer a name with records for
// another name, of another type or class, or with a question section that
// is not the one asked. It is not a recursive resolver, does not sign zones
// and does not do zone transfers.
package authdns

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Rule changes how the server answers queries for one owner name (any type
// unless Type is set).
type Rule struct {
	Type  uint16        // 0 = every type
	Delay time.Duration // answer late
	Drop  bool          // never answer
	Rcode int           // answer with this rcode and no records (e.g. dns.RcodeServerFailure)
	AD    bool          // set the AD flag, as a validating resolver would for signed data
	// Answer replaces the answer section with these records, whatever
	// their owner, type or class: a broken or spoofing resolver answering
	// "other.test. A 198.51.100.77" to a question for another name.
	Answer []dns.RR
	// Question, when its Name is set, replaces the question section of
	// the reply: a reply to some other query.
	Question dns.Question
}

// Server is a running authoritative server.
type Server struct {
	// Addr is "127.0.0.1:PORT", valid for UDP and TCP.
	Addr string

	mu      sync.RWMutex
	records map[string][]dns.RR // owner name → records
	// parents holds every name above an owner name: a name there exists
	// even without records (an empty non-terminal).
	parents map[string]bool
	zones   []string // apexes, longest first
	rules   map[string][]Rule
	delay   time.Duration
	ad      bool
	dnssec  map[string]DNSSEC // zone apex → how a validating resolver presents it (dnssec.go)
	maxUDP  int
	queries int
	logf    func(name string, qtype uint16)

	udp, tcp *dns.Server
}

// Option configures a server.
type Option func(*Server)

// WithDelay delays every answer, to model network round trips.
func WithDelay(d time.Duration) Option { return func(s *Server) { s.delay = d } }

// WithAD sets the AD flag on every answer.
func WithAD() Option { return func(s *Server) { s.ad = true } }

// WithMaxUDP truncates UDP replies larger than n bytes (regardless of the
// client's EDNS0 size), forcing a TCP retry.
func WithMaxUDP(n int) Option { return func(s *Server) { s.maxUDP = n } }

// WithQueryLog calls f with the name and type of every query, before it
// is answered: tests that count what a client asks use it.
func WithQueryLog(f func(name string, qtype uint16)) Option {
	return func(s *Server) { s.logf = f }
}

// WithRule adds a fault for an owner name.
func WithRule(name string, r Rule) Option {
	return func(s *Server) {
		n := dns.CanonicalName(name)
		s.rules[n] = append(s.rules[n], r)
	}
}

// Parse reads zone text in RFC 1035 master format; several zones may be given
// with $ORIGIN lines. Every SOA record defines a zone apex.
func Parse(zoneText string) (map[string][]dns.RR, []string, error) {
	records := map[string][]dns.RR{}
	var zones []string
	zp := dns.NewZoneParser(strings.NewReader(zoneText), ".", "zone")
	zp.SetDefaultTTL(3600)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		n := dns.CanonicalName(rr.Header().Name)
		rr.Header().Name = n
		records[n] = append(records[n], rr)
		if rr.Header().Rrtype == dns.TypeSOA {
			zones = append(zones, n)
		}
	}
	if err := zp.Err(); err != nil {
		return nil, nil, err
	}
	if len(zones) == 0 {
		return nil, nil, fmt.Errorf("zone text has no SOA record")
	}
	return records, zones, nil
}

// Start serves zoneText on addr ("127.0.0.1:0" picks a free port).
func Start(addr, zoneText string, opts ...Option) (*Server, error) {
	records, zones, err := Parse(zoneText)
	if err != nil {
		return nil, err
	}
	s := &Server{records: records, zones: zones, rules: map[string][]Rule{}, parents: map[string]bool{}}
	for owner := range records {
		s.addParents(owner)
	}
	for _, o := range opts {
		o(s)
	}
	// Bind UDP first, then TCP on the same port; retry when the port the
	// kernel picked for UDP is taken for TCP.
	for try := 0; ; try++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, err
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			if try < 10 && strings.HasSuffix(addr, ":0") {
				continue
			}
			return nil, err
		}
		s.Addr = pc.LocalAddr().String()
		s.udp = &dns.Server{PacketConn: pc, Handler: s}
		s.tcp = &dns.Server{Listener: l, Handler: s}
		break
	}
	var wg sync.WaitGroup
	wg.Add(2)
	s.udp.NotifyStartedFunc = wg.Done
	s.tcp.NotifyStartedFunc = wg.Done
	go s.udp.ActivateAndServe() //nolint:errcheck // ends on Close
	go s.tcp.ActivateAndServe() //nolint:errcheck
	wg.Wait()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	err := s.udp.Shutdown()
	if err2 := s.tcp.Shutdown(); err == nil {
		err = err2
	}
	return err
}

// Queries returns how many queries were received (tests of caching).
func (s *Server) Queries() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.queries
}

// SetRecords replaces the records of one owner name (tests that change DNS
// between runs).
func (s *Server) SetRecords(name string, rrs ...dns.RR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[dns.CanonicalName(name)] = rrs
	s.addParents(dns.CanonicalName(name))
}

// addParents records the names above owner; a big zone would otherwise
// cost a scan of every owner per negative answer.
func (s *Server) addParents(owner string) {
	for off, end := dns.NextLabel(owner, 0); !end; off, end = dns.NextLabel(owner, off) {
		if s.parents[owner[off:]] {
			return
		}
		s.parents[owner[off:]] = true
	}
}

func (s *Server) zoneOf(name string) string {
	best := ""
	for _, z := range s.zones {
		if dns.IsSubDomain(z, name) && len(z) > len(best) {
			best = z
		}
	}
	return best
}

func (s *Server) rule(name string, qtype uint16) (Rule, bool) {
	for _, r := range s.rules[name] {
		if r.Type == 0 || r.Type == qtype {
			return r, true
		}
	}
	return Rule{}, false
}

// ServeDNS answers from the zone data.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.mu.Lock()
	s.queries++
	s.mu.Unlock()
	if len(req.Question) != 1 {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeFormatError)
		w.WriteMsg(m) //nolint:errcheck
		return
	}
	q := req.Question[0]
	name := dns.CanonicalName(q.Name)
	if s.logf != nil {
		s.logf(name, q.Qtype)
	}
	rule, hasRule := s.rule(name, q.Qtype)
	if hasRule && rule.Drop {
		return
	}
	if d := s.delay + rule.Delay; d > 0 {
		time.Sleep(d)
	}
	m := s.answer(req, name, q.Qtype)
	if hasRule {
		m = rule.apply(req, m)
	}
	m.AuthenticatedData = s.ad || (hasRule && rule.AD)
	m = s.withDNSSEC(req, name, m)
	if opt := req.IsEdns0(); opt != nil {
		m.SetEdns0(opt.UDPSize(), opt.Do())
	}
	if _, isUDP := w.RemoteAddr().(*net.UDPAddr); isUDP {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
		// miekg's Truncate never goes below 512 bytes; the fault wants
		// truncation of small replies too.
		if s.maxUDP > 0 && m.Len() > s.maxUDP {
			m.Truncated = true
			m.Answer, m.Ns = nil, nil
		}
	}
	w.WriteMsg(m) //nolint:errcheck // the client sees a timeout
}

// apply turns the zone's reply m into the faulty one the rule asks for.
func (r Rule) apply(req, m *dns.Msg) *dns.Msg {
	if r.Rcode != 0 {
		m = new(dns.Msg)
		m.SetRcode(req, r.Rcode)
	}
	if r.Answer != nil {
		m.Answer, m.Ns = r.Answer, nil
		if r.Rcode == 0 {
			m.Rcode = dns.RcodeSuccess
		}
	}
	if r.Question.Name != "" {
		m.Question = []dns.Question{r.Question}
	}
	return m
}

func (s *Server) answer(req *dns.Msg, name string, qtype uint16) *dns.Msg {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := new(dns.Msg)
	m.SetReply(req)
	zone := s.zoneOf(name)
	if zone == "" {
		m.Rcode = dns.RcodeRefused
		return m
	}
	m.Authoritative = true
	// Follow CNAMEs inside our data, as an authoritative server does for
	// in-zone targets (RFC 1034 §4.3.2 step 3a).
	for hops := 0; hops < 8; hops++ {
		rrs, exists := s.lookup(name)
		if !exists {
			// The rcode speaks for the last name of the chain (RFC 6604),
			// as nsd and BIND answer for a dangling in-zone CNAME.
			m.Rcode = dns.RcodeNameError
			break
		}
		var cname *dns.CNAME
		found := false
		for _, rr := range rrs {
			if rr.Header().Rrtype == qtype || qtype == dns.TypeANY {
				m.Answer = append(m.Answer, withName(rr, name))
				found = true
			} else if c, ok := rr.(*dns.CNAME); ok {
				cname = c
			}
		}
		if found || cname == nil {
			break
		}
		m.Answer = append(m.Answer, withName(cname, name))
		name = dns.CanonicalName(cname.Target)
		if s.zoneOf(name) == "" {
			break
		}
	}
	if len(m.Answer) == 0 || m.Answer[len(m.Answer)-1].Header().Rrtype == dns.TypeCNAME {
		if soa, ok := s.soa(s.zoneOf(name)); ok {
			m.Ns = append(m.Ns, soa)
		}
	}
	return m
}

// lookup returns the records of name, trying a wildcard at the closest
// enclosing level when the name has none (RFC 4592, simplified: DNSBL test
// zones use wildcards to list everything).
func (s *Server) lookup(name string) ([]dns.RR, bool) {
	if rrs, ok := s.records[name]; ok {
		return rrs, true
	}
	if s.hasChildren(name) {
		return nil, true // empty non-terminal: the name exists without records
	}
	labels := dns.SplitDomainName(name)
	for i := 1; i < len(labels); i++ {
		wild := "*." + strings.Join(labels[i:], ".") + "."
		if rrs, ok := s.records[wild]; ok {
			return rrs, true
		}
		if _, ok := s.records[strings.Join(labels[i:], ".")+"."]; ok {
			break
		}
	}
	return nil, false
}

func (s *Server) hasChildren(name string) bool { return s.parents[name] }

func (s *Server) soa(zone string) (dns.RR, bool) {
	for _, rr := range s.records[zone] {
		if rr.Header().Rrtype == dns.TypeSOA {
			return rr, true
		}
	}
	return nil, false
}

// withName copies rr with the owner name of the query, so wildcard answers
// carry the queried name.
func withName(rr dns.RR, name string) dns.RR {
	if rr.Header().Name == name {
		return rr
	}
	c := dns.Copy(rr)
	c.Header().Name = name
	return c
}
