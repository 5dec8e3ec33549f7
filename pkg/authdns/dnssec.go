package authdns

import (
	"strings"

	"github.com/miekg/dns"
)

// DNSSEC is how the server presents a zone, as a validating resolver in
// front of it would: the server signs nothing, it only sets the flags and
// rcodes a client of such a resolver sees.
type DNSSEC int

const (
	// Unsigned zones are answered as they are (no AD flag).
	Unsigned DNSSEC = iota
	// Secure zones get the AD flag on every answer, as for validated data.
	Secure
	// Bogus zones are answered SERVFAIL unless the query sets the CD bit,
	// as a validating resolver answers for broken signatures; with CD the
	// data comes back without the AD flag.
	Bogus
)

// WithDNSSEC presents the zone at apex (and every name under it, down to
// a zone given its own state) as secure or bogus.
func WithDNSSEC(apex string, d DNSSEC) Option {
	return func(s *Server) {
		if s.dnssec == nil {
			s.dnssec = map[string]DNSSEC{}
		}
		s.dnssec[dns.CanonicalName(apex)] = d
	}
}

// dnssecOf returns the state of the closest enclosing apex given one.
func (s *Server) dnssecOf(name string) DNSSEC {
	labels := dns.SplitDomainName(name)
	for i := range labels {
		if d, ok := s.dnssec[strings.Join(labels[i:], ".")+"."]; ok {
			return d
		}
	}
	return Unsigned
}

// withDNSSEC adjusts a reply for the zone's state.
func (s *Server) withDNSSEC(req *dns.Msg, name string, m *dns.Msg) *dns.Msg {
	switch s.dnssecOf(name) {
	case Secure:
		if !req.CheckingDisabled {
			m.AuthenticatedData = true
		}
	case Bogus:
		if !req.CheckingDisabled {
			fail := new(dns.Msg)
			fail.SetRcode(req, dns.RcodeServerFailure)
			return fail
		}
	}
	if opt := req.IsEdns0(); opt != nil && opt.Do() {
		s.addSignatures(m)
	}
	return m
}

// addSignatures appends the zone data's RRSIG records that cover the
// answer's record sets, as a server does for a client that sets the DO
// bit. Zone text may carry such records (they need not verify) to present
// a signed zone that no resolver validated.
func (s *Server) addSignatures(m *dns.Msg) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	type set struct {
		name  string
		rtype uint16
	}
	seen := map[set]bool{}
	var sigs []dns.RR
	for _, rr := range m.Answer {
		k := set{rr.Header().Name, rr.Header().Rrtype}
		if seen[k] {
			continue
		}
		seen[k] = true
		for _, z := range s.records[k.name] {
			if sig, ok := z.(*dns.RRSIG); ok && sig.TypeCovered == k.rtype {
				sigs = append(sigs, sig)
			}
		}
	}
	m.Answer = append(m.Answer, sigs...)
}
