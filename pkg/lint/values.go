package lint

import (
	"math/big"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// ipRange is an Exchange IPRange: a single address, lo-hi, CIDR or
// address(mask), as RemoteIPRanges and SenderIPAddresses print them.
type ipRange struct {
	lo, hi netip.Addr
	text   string
}

func parseIPRange(s string) (ipRange, bool) {
	s = strings.TrimSpace(s)
	r := ipRange{text: s}
	switch {
	case strings.Contains(s, "/"):
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return r, false
		}
		p = p.Masked()
		r.lo, r.hi = p.Addr(), lastAddr(p)
		return r, true
	case strings.Contains(s, "(") && strings.HasSuffix(s, ")"):
		i := strings.Index(s, "(")
		a, err1 := netip.ParseAddr(s[:i])
		m, err2 := netip.ParseAddr(s[i+1 : len(s)-1])
		if err1 != nil || err2 != nil || !a.Is4() || !m.Is4() {
			return r, false
		}
		mb := m.As4()
		bits := 0
		for _, b := range mb {
			for b&0x80 != 0 {
				bits++
				b <<= 1
			}
		}
		return parseIPRange(netip.PrefixFrom(a, bits).Masked().String())
	case strings.Count(s, "-") == 1:
		i := strings.Index(s, "-")
		lo, err1 := netip.ParseAddr(s[:i])
		hi, err2 := netip.ParseAddr(s[i+1:])
		if err1 != nil || err2 != nil || lo.Is4() != hi.Is4() || hi.Less(lo) {
			return r, false
		}
		r.lo, r.hi = lo, hi
		return r, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return r, false
	}
	r.lo, r.hi = a, a
	return r, true
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func (r ipRange) contains(a netip.Addr) bool {
	a = a.Unmap()
	return a.Is4() == r.lo.Is4() && !a.Less(r.lo) && !r.hi.Less(a)
}

// size is the number of addresses in the range.
func (r ipRange) size() *big.Int {
	lo := new(big.Int).SetBytes(r.lo.AsSlice())
	hi := new(big.Int).SetBytes(r.hi.AsSlice())
	return hi.Sub(hi, lo).Add(hi, big.NewInt(1))
}

// widerThan reports a range holding more addresses than a /bits prefix of
// its family.
func (r ipRange) widerThan(bits int) bool {
	total := 32
	if !r.lo.Is4() {
		total = 128
	}
	limit := new(big.Int).Lsh(big.NewInt(1), uint(total-bits))
	return r.size().Cmp(limit) > 0
}

// everything reports a range covering the whole address family.
func (r ipRange) everything() bool {
	if r.lo.Is4() {
		return r.lo == netip.IPv4Unspecified() && r.hi == netip.MustParseAddr("255.255.255.255")
	}
	return r.lo == netip.IPv6Unspecified() && r.hi == netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
}

// ranges parses a list property of IP ranges, skipping what does not parse
// (rules work with what they understand).
func ranges(o *Object, prop string) []ipRange {
	var out []ipRange
	for _, s := range o.List(prop) {
		if r, ok := parseIPRange(s); ok {
			out = append(out, r)
		}
	}
	return out
}

// binding is a receive connector binding: address and port.
type binding struct {
	addr netip.Addr
	port int
}

func parseBinding(s string) (binding, bool) {
	ap, err := netip.ParseAddrPort(strings.TrimSpace(s))
	if err != nil {
		return binding{}, false
	}
	return binding{addr: ap.Addr().Unmap(), port: int(ap.Port())}, true
}

func bindings(o *Object) []binding {
	var out []binding
	for _, s := range o.List("Bindings") {
		if b, ok := parseBinding(s); ok {
			out = append(out, b)
		}
	}
	return out
}

// addressSpace is a send connector address space: Type:Address;Cost.
type addressSpace struct {
	typ, addr string
	text      string
}

func parseAddressSpace(s string) addressSpace {
	s = strings.TrimSpace(s)
	as := addressSpace{typ: "SMTP", addr: s, text: s}
	if i := strings.Index(s, ":"); i > 0 && !strings.ContainsAny(s[:i], ".*") {
		as.typ, as.addr = strings.ToUpper(s[:i]), s[i+1:]
	}
	// The cost follows the last semicolon; X.400 addresses contain more.
	if i := strings.LastIndex(as.addr, ";"); i >= 0 {
		if _, err := strconv.Atoi(strings.TrimSpace(as.addr[i+1:])); err == nil {
			as.addr = as.addr[:i]
		}
	}
	as.addr = strings.TrimSpace(as.addr)
	return as
}

func (as addressSpace) smtp() bool { return as.typ == "SMTP" }

// matches reports whether an SMTP address space routes mail for domain.
func (as addressSpace) matches(domain string) bool {
	return as.smtp() && domainMatches(as.addr, domain)
}

func addressSpaces(o *Object) []addressSpace {
	var out []addressSpace
	for _, s := range o.List("AddressSpaces") {
		out = append(out, parseAddressSpace(s))
	}
	return out
}

// domainMatches applies Exchange's wildcard rules: "*" is every domain,
// "*.contoso.com" is contoso.com and everything below it.
func domainMatches(pattern, domain string) bool {
	pattern, domain = normDomain(pattern), normDomain(domain)
	switch {
	case pattern == "*":
		return true
	case strings.HasPrefix(pattern, "*."):
		base := pattern[2:]
		return domain == base || strings.HasSuffix(domain, "."+base)
	}
	return pattern == domain
}

func normDomain(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

// smartHost is one SmartHosts entry: a name, or an address that Exchange
// prints in brackets.
type smartHost struct {
	name string
	ip   netip.Addr
	text string
	// bracketed tells an address literal written [10.0.0.5] from a bare one,
	// which Exchange 2003 treats as a host name to look up.
	bracketed bool
}

func parseSmartHost(s string) smartHost {
	s = strings.TrimSpace(s)
	h := smartHost{text: s}
	inner := s
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		inner, h.bracketed = s[1:len(s)-1], true
	}
	if a, err := netip.ParseAddr(inner); err == nil {
		h.ip = a.Unmap()
		return h
	}
	h.name = normDomain(inner)
	return h
}

func (h smartHost) isIP() bool { return h.ip.IsValid() }

// smartHosts lists a connector's smart hosts. EdgeSync connectors show
// "--", which stands for the site's own transport servers, not a host.
func smartHosts(o *Object, prop string) []smartHost {
	var out []smartHost
	for _, s := range o.List(prop) {
		if s = strings.TrimSpace(s); s != "" && s != "--" {
			out = append(out, parseSmartHost(s))
		}
	}
	return out
}

// sizeRE reads ByteQuantifiedSize text such as "35 MB (36,700,160 bytes)";
// the separators in the byte count follow the exporting machine's locale.
var sizeRE = lazyre.New(`\(([0-9][0-9,.' \x{a0}\x{202f}]*) bytes\)`)

// size parses a message size; unlimited is true for "Unlimited". A bare
// number is a byte count (ConvertTo-Json of a ByteQuantifiedSize).
func size(o *Object, prop string) (n int64, unlimited, ok bool) {
	v := o.Str(prop)
	if strings.EqualFold(v, "unlimited") {
		return 0, true, true
	}
	digits := v
	if m := sizeRE().FindStringSubmatch(v); m != nil {
		digits = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m[1])
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, false, err == nil
}
