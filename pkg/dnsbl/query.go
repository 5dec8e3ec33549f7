package dnsbl

import (
	"net/netip"
	"strconv"
	"strings"
)

// ReverseIP returns the label sequence a DNSBL indexes ip under: the four
// octets reversed for IPv4 (192.0.2.99 → 99.2.0.192) and the 32 nibbles
// reversed for IPv6 (RFC 5782 §2.4). IPv4-mapped IPv6 addresses keep the
// IPv6 form: RFC 5782's IPv6 test entry ::FFFF:7F00:2 is one.
func ReverseIP(ip netip.Addr) string {
	var b strings.Builder
	if ip.Is4() {
		o := ip.As4()
		for i := 3; i >= 0; i-- {
			b.WriteString(strconv.Itoa(int(o[i])))
			if i > 0 {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	const hex = "0123456789abcdef"
	o := ip.As16()
	b.Grow(63)
	for i := 15; i >= 0; i-- {
		b.WriteByte(hex[o[i]&0xf])
		b.WriteByte('.')
		b.WriteByte(hex[o[i]>>4])
		if i > 0 {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// QueryName is the name looked up for key (a reversed address or a domain)
// on zone.
func QueryName(key, zone string) string { return key + "." + zone }
