package mx

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// maxChain bounds alias chains: RFC 1034 allows any length, but a chain
// longer than this is a loop or an attack in practice.
const maxChain = 8

// chased is an answer after its CNAME chain was followed to the end.
type chased struct {
	status  resolver.Status
	chain   []string // alias targets in order, no trailing dot
	canon   string   // the last name of the chain (the queried name without one)
	records []dns.RR // records of the queried type owned by canon
	ttl     uint32   // smallest TTL of records
	aa, ad  bool     // every answer on the way was authoritative / authenticated
	signed  bool     // an answer on the way carried DNSSEC signatures
	server  string
	err     error
	last    *resolver.Answer // the last answer, for the DNSSEC verdict
}

// follow queries name/qtype and walks the alias chain in the answer. A
// recursive resolver returns the whole chain; an authoritative server stops
// at an alias pointing outside its zones, so then the target is asked for
// again, as a recursive resolver would.
func follow(ctx context.Context, r *resolver.Resolver, name string, qtype uint16) chased {
	c := chased{aa: true, ad: true}
	cur := dns.CanonicalName(name)
	seen := map[string]bool{cur: true}
	for {
		asked := cur
		a, err := r.Query(ctx, asked, qtype)
		c.status, c.server, c.err = a.Status, a.Server, err
		c.aa, c.ad = c.aa && a.AA, c.ad && a.AD
		c.signed, c.last = c.signed || a.Signed(), a
		c.canon = strings.TrimSuffix(cur, ".")
		if err != nil {
			return c
		}
		for next := aliasOf(a, cur); next != ""; next = aliasOf(a, cur) {
			if seen[next] || len(c.chain) >= maxChain {
				c.status = resolver.StatusError
				c.err = fmt.Errorf("%s %s: alias chain loops or is longer than %d links at %s",
					strings.TrimSuffix(name, "."), dns.TypeToString[qtype], maxChain, strings.TrimSuffix(next, "."))
				return c
			}
			seen[next] = true
			c.chain = append(c.chain, strings.TrimSuffix(next, "."))
			cur = next
		}
		c.canon = strings.TrimSuffix(cur, ".")
		for _, rr := range a.Records {
			if h := rr.Header(); h.Rrtype == qtype && dns.CanonicalName(h.Name) == cur {
				if len(c.records) == 0 || h.Ttl < c.ttl {
					c.ttl = h.Ttl
				}
				c.records = append(c.records, rr)
			}
		}
		if len(c.records) > 0 || a.Status != resolver.StatusNoData || cur == asked || negativeFor(a, cur) {
			return c
		}
	}
}

// aliasOf returns the CNAME target of owner in the answer, "" when none.
func aliasOf(a *resolver.Answer, owner string) string {
	for _, cn := range a.CNAMEs() {
		if dns.CanonicalName(cn.Hdr.Name) == owner {
			return dns.CanonicalName(cn.Target)
		}
	}
	return ""
}

// negativeFor reports whether the negative answer speaks for name: its SOA
// belongs to a zone that contains name (RFC 2308 §2.2).
func negativeFor(a *resolver.Answer, name string) bool {
	for _, rr := range a.Authority {
		if soa, ok := rr.(*dns.SOA); ok && dns.IsSubDomain(dns.CanonicalName(soa.Hdr.Name), name) {
			return true
		}
	}
	return false
}

// hostAddrs is the outcome of resolving a host name to its addresses.
type hostAddrs struct {
	status  resolver.Status
	chain   []string
	canon   string
	ips     []netip.Addr
	hasAAAA bool
	ttl     uint32
	aa, ad  bool
	err     error
	v4, v6  chased // the two lookups, for the DNSSEC verdict
}

// lookupHost asks for A and AAAA at the same time.
func lookupHost(ctx context.Context, r *resolver.Resolver, host string) hostAddrs {
	var v6 chased
	var wg sync.WaitGroup
	wg.Go(func() { v6 = follow(ctx, r, host, dns.TypeAAAA) })
	v4 := follow(ctx, r, host, dns.TypeA)
	wg.Wait()

	h := hostAddrs{chain: v4.chain, canon: v4.canon, aa: v4.aa && v6.aa, ad: v4.ad && v6.ad, v4: v4, v6: v6}
	if len(h.chain) == 0 {
		h.chain = v6.chain
	}
	for _, rr := range v4.records {
		if ip, ok := netip.AddrFromSlice(rr.(*dns.A).A.To4()); ok {
			h.ips = append(h.ips, ip)
		}
	}
	for _, rr := range v6.records {
		if ip, ok := netip.AddrFromSlice(rr.(*dns.AAAA).AAAA); ok {
			h.ips = append(h.ips, ip)
			h.hasAAAA = true
		}
	}
	for _, c := range []chased{v4, v6} {
		if len(c.records) > 0 && (h.ttl == 0 || c.ttl < h.ttl) {
			h.ttl = c.ttl
		}
	}
	h.status, h.err = combineStatus(len(h.ips) > 0, v4, v6)
	return h
}

// combineStatus summarizes two lookups of one name: OK with any address,
// otherwise a failure beats NXDOMAIN, which beats NODATA.
func combineStatus(found bool, a, b chased) (resolver.Status, error) {
	switch {
	case found:
		return resolver.StatusOK, nil
	case !a.status.Definite():
		return a.status, a.err
	case !b.status.Definite():
		return b.status, b.err
	case a.status == resolver.StatusNXDomain || b.status == resolver.StatusNXDomain:
		return resolver.StatusNXDomain, nil
	}
	return resolver.StatusNoData, nil
}
