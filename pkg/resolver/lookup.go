package resolver

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"
)

// Addrs is the outcome of resolving a host name to addresses: both queries
// are kept so a caller can tell "no AAAA" from "AAAA lookup failed".
type Addrs struct {
	A, AAAA *Answer
	IPs     []netip.Addr
}

// Status summarizes both lookups: OK if any address was found, otherwise
// the worse of the two outcomes (a failure beats NODATA, NXDOMAIN beats NODATA).
func (a Addrs) Status() Status {
	if len(a.IPs) > 0 {
		return StatusOK
	}
	sa, s6 := a.A.Status, a.AAAA.Status
	switch {
	case !sa.Definite():
		return sa
	case !s6.Definite():
		return s6
	case sa == StatusNXDomain || s6 == StatusNXDomain:
		return StatusNXDomain
	}
	return StatusNoData
}

// LookupAddrs queries A and AAAA for host in parallel.
func (r *Resolver) LookupAddrs(ctx context.Context, host string) Addrs {
	var out Addrs
	done := make(chan struct{})
	go func() {
		out.AAAA, _ = r.Query(ctx, host, dns.TypeAAAA)
		close(done)
	}()
	out.A, _ = r.Query(ctx, host, dns.TypeA)
	<-done
	for _, rr := range Records[*dns.A](out.A) {
		if ip, ok := netip.AddrFromSlice(rr.A.To4()); ok {
			out.IPs = append(out.IPs, ip)
		}
	}
	for _, rr := range Records[*dns.AAAA](out.AAAA) {
		if ip, ok := netip.AddrFromSlice(rr.AAAA); ok {
			out.IPs = append(out.IPs, ip)
		}
	}
	return out
}

// LookupPTR returns the PTR names of ip.
func (r *Resolver) LookupPTR(ctx context.Context, ip netip.Addr) (*Answer, []string, error) {
	rev, err := dns.ReverseAddr(ip.String())
	if err != nil {
		return nil, nil, err
	}
	a, err := r.Query(ctx, rev, dns.TypePTR)
	var names []string
	for _, p := range Records[*dns.PTR](a) {
		names = append(names, p.Ptr)
	}
	return a, names, err
}

// LookupTXT returns the TXT strings of name, each record's strings joined
// (RFC 7208 §3.3: a record split into several strings is one value).
func (r *Resolver) LookupTXT(ctx context.Context, name string) (*Answer, []string, error) {
	a, err := r.Query(ctx, name, dns.TypeTXT)
	var out []string
	for _, t := range Records[*dns.TXT](a) {
		out = append(out, strings.Join(t.Txt, ""))
	}
	return a, out, err
}

// Cached reports whether a fresh answer for name/qtype is in the cache, so
// that a caller pacing its queries (block lists) can skip the wait for
// one that will not be sent.
func (r *Resolver) Cached(name string, qtype uint16) bool {
	if r.cache == nil {
		return false
	}
	_, ok := r.cache.get(question{name: dns.CanonicalName(name), qtype: qtype}, time.Now())
	return ok
}

// Name is a domain name as the user typed it and as it goes on the wire.
type Name struct {
	ASCII   string `json:"ascii"`   // A-label form, lower case, no trailing dot
	Unicode string `json:"unicode"` // U-label form for display; equal to ASCII for plain names
}

func (n Name) String() string {
	if n.Unicode != n.ASCII {
		return fmt.Sprintf("%s (%s)", n.Unicode, n.ASCII)
	}
	return n.ASCII
}

var idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false))

// ParseName validates a domain name typed by a user, accepting a trailing
// dot and internationalized names (converted to A-labels per IDNA 2008).
// Input that is not UTF-8 is refused: IDNA would map the bad bytes to
// U+FFFD and produce a name that does not round-trip.
func ParseName(s string) (Name, error) {
	in := strings.TrimSuffix(strings.TrimSpace(s), ".")
	if in == "" {
		return Name{}, fmt.Errorf("empty domain name")
	}
	if !utf8.ValidString(in) {
		return Name{}, fmt.Errorf("%q is not a domain name: not valid UTF-8", s)
	}
	if strings.ContainsAny(in, " \t@/:") {
		return Name{}, fmt.Errorf("%q is not a domain name", s)
	}
	ascii, err := idnaProfile.ToASCII(in)
	if err != nil {
		return Name{}, fmt.Errorf("%q is not a valid domain name: %v", s, err)
	}
	ascii = strings.ToLower(ascii)
	for _, l := range strings.Split(ascii, ".") {
		if l == "" {
			return Name{}, fmt.Errorf("%q is not a valid domain name: empty label", s)
		}
		if len(l) > 63 {
			return Name{}, fmt.Errorf("%q is not a valid domain name: label longer than 63 octets", s)
		}
	}
	if _, ok := dns.IsDomainName(ascii); !ok || len(ascii) > 253 {
		return Name{}, fmt.Errorf("%q is not a valid domain name", s)
	}
	uni, err := idna.ToUnicode(ascii)
	if err != nil {
		uni = ascii
	}
	return Name{ASCII: ascii, Unicode: uni}, nil
}
