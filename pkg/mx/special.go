package mx

import (
	"net/netip"
	"strings"
)

// specialBlock is an address range no sender on the internet can deliver to.
type specialBlock struct {
	prefix netip.Prefix
	class  string
	ref    string
}

// specialBlocks follows the IANA special-purpose address registries
// (RFC 6890 and its updates); the most specific prefix comes first where
// blocks nest.
var specialBlocks = func() []specialBlock {
	list := []struct{ prefix, class, ref string }{
		{"0.0.0.0/8", "unspecified", "RFC 1122 §3.2.1.3"},
		{"10.0.0.0/8", "private", "RFC 1918"},
		{"100.64.0.0/10", "shared", "RFC 6598 (carrier-grade NAT)"},
		{"127.0.0.0/8", "loopback", "RFC 1122 §3.2.1.3"},
		{"169.254.0.0/16", "link-local", "RFC 3927"},
		{"172.16.0.0/12", "private", "RFC 1918"},
		{"192.0.0.0/24", "reserved", "RFC 6890 (IETF protocol assignments)"},
		{"192.0.2.0/24", "documentation", "RFC 5737"},
		{"192.88.99.0/24", "reserved", "RFC 7526 (deprecated 6to4 relays)"},
		{"192.168.0.0/16", "private", "RFC 1918"},
		{"198.18.0.0/15", "benchmarking", "RFC 2544"},
		{"198.51.100.0/24", "documentation", "RFC 5737"},
		{"203.0.113.0/24", "documentation", "RFC 5737"},
		{"224.0.0.0/4", "multicast", "RFC 5771"},
		{"240.0.0.0/4", "reserved", "RFC 1112 §4"},
		{"::/128", "unspecified", "RFC 4291"},
		{"::1/128", "loopback", "RFC 4291"},
		{"64:ff9b:1::/48", "private", "RFC 8215 (local-use NAT64)"},
		{"100::/64", "reserved", "RFC 6666 (discard-only)"},
		{"2001:db8::/32", "documentation", "RFC 3849"},
		{"3fff::/20", "documentation", "RFC 9637"},
		{"fc00::/7", "private", "RFC 4193 (unique local)"},
		{"fe80::/10", "link-local", "RFC 4291"},
		{"ff00::/8", "multicast", "RFC 4291"},
	}
	out := make([]specialBlock, len(list))
	for i, b := range list {
		out[i] = specialBlock{netip.MustParsePrefix(b.prefix), b.class, b.ref}
	}
	return out
}()

// classify returns the special-purpose class of ip and the document that
// defines it, or "" for a public unicast address. IPv4-mapped IPv6
// addresses are judged by the IPv4 address inside.
func classify(ip netip.Addr) (class, ref string) {
	ip = ip.Unmap()
	for _, b := range specialBlocks {
		if b.prefix.Contains(ip) {
			return b.class, b.ref
		}
	}
	return "", ""
}

// specialUseSuffixes are names that never exist in the public DNS: the
// special-use names of RFC 6761 and later, plus suffixes ICANN will not
// delegate and that networks use internally.
var specialUseSuffixes = map[string]string{
	"test":        "RFC 6761",
	"example":     "RFC 6761",
	"invalid":     "RFC 6761",
	"localhost":   "RFC 6761",
	"local":       "RFC 6762 (multicast DNS)",
	"onion":       "RFC 7686",
	"alt":         "RFC 9476",
	"home.arpa":   "RFC 8375",
	"internal":    "ICANN resolution 2024.07.29.06",
	"localdomain": "never delegated; used on private networks",
	"lan":         "never delegated; used on private networks",
	"corp":        "never delegated (ICANN name-collision list)",
	"home":        "never delegated (ICANN name-collision list)",
}

// specialUse reports whether domain lives under a name that is not part of
// the public DNS, and which suffix and document say so. A single-label name
// is never public either.
func specialUse(domain string) (suffix, ref string, ok bool) {
	d := strings.ToLower(strings.TrimSuffix(domain, "."))
	if !strings.Contains(d, ".") {
		return d, "a single-label name (RFC 7085)", true
	}
	for s, ref := range specialUseSuffixes {
		if d == s || strings.HasSuffix(d, "."+s) {
			return s, ref, true
		}
	}
	return "", "", false
}

// isIPLiteral reports whether an MX target is written as an address. The
// DNS has no address-literal MX: senders look such a name up as a host name.
func isIPLiteral(host string) bool {
	_, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil
}
