package mx

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// NameDNSSEC is the DNSSEC state of one answer on the mail route.
type NameDNSSEC struct {
	Name string `json:"name"`
	// Type is MX, A/AAAA (both lookups of a host together) or TLSA.
	Type   string          `json:"type"`
	Status resolver.DNSSEC `json:"status"`
	// evidence holds the records a bogus answer gave with checking
	// disabled.
	evidence []string
}

// dnssecOf judges one followed lookup; a SERVFAIL is asked again with the
// CD bit to tell broken signatures from a server that is down.
func dnssecOf(ctx context.Context, r *resolver.Resolver, c chased) (resolver.DNSSEC, []string) {
	switch {
	case c.last == nil:
		return resolver.DNSSECUnchecked, nil
	case c.status == resolver.StatusServFail:
		d, cd := r.Validate(ctx, c.last)
		if cd == nil {
			return d, nil
		}
		ev := []string{fmt.Sprintf("%s %s with checking disabled: %s", strings.TrimSuffix(cd.Name, "."), dns.TypeToString[cd.Type], strings.ToUpper(cd.Status.String()))}
		for _, rr := range cd.Records {
			if rr.Header().Rrtype != dns.TypeRRSIG {
				ev = append(ev, strings.ReplaceAll(rr.String(), "\t", " "))
			}
		}
		return d, ev
	case !c.status.Definite():
		return resolver.DNSSECUnchecked, nil
	case c.ad:
		return resolver.DNSSECSecure, nil
	case c.signed:
		return resolver.DNSSECUnvalidated, nil
	}
	return resolver.DNSSECInsecure, nil
}

// dnssecRank orders states from the most to the least trustworthy, for
// combining the A and AAAA answers of one host.
var dnssecRank = map[resolver.DNSSEC]int{resolver.DNSSECSecure: 0, resolver.DNSSECUnvalidated: 1,
	resolver.DNSSECInsecure: 2, resolver.DNSSECUnchecked: 3, resolver.DNSSECBogus: 4}

// hostDNSSEC combines a host's A and AAAA lookups: the worse one counts.
func hostDNSSEC(ctx context.Context, r *resolver.Resolver, h hostAddrs) NameDNSSEC {
	d4, ev4 := dnssecOf(ctx, r, h.v4)
	d6, ev6 := dnssecOf(ctx, r, h.v6)
	n := NameDNSSEC{Type: "A/AAAA", Status: d4, evidence: append(ev4, ev6...)}
	if dnssecRank[d6] > dnssecRank[d4] {
		n.Status = d6
	}
	return n
}

// checkDNSSEC lists the DNSSEC state of every answer on the route and
// judges it: one dnssec.route summary, and an error for each answer whose
// validation fails.
func (rt *router) checkDNSSEC() {
	res := rt.res
	domain := res.Domain.ASCII
	names := []NameDNSSEC{rt.mxDNSSEC}
	for _, t := range res.Targets {
		if t.addrDNSSEC.Status != "" {
			names = append(names, t.addrDNSSEC)
		}
		if t.tlsaDNSSEC.Status != "" {
			names = append(names, t.tlsaDNSSEC)
		}
	}
	res.DNSSECNames = names
	by := map[resolver.DNSSEC][]string{}
	for _, n := range names {
		by[n.Status] = append(by[n.Status], n.Name+" "+n.Type)
		if n.Status == resolver.DNSSECBogus {
			rt.add(newFinding("dnssec.bogus", report.Error, n.Name,
				fmt.Sprintf("DNSSEC validation fails for %s %s: the resolver answers SERVFAIL, but answers with checking disabled, so the signatures are broken; senders behind validating resolvers cannot resolve it and defer the mail", n.Name, n.Type),
				n.evidence...))
		}
	}
	secure, insecure, unvalidated := by[resolver.DNSSECSecure], by[resolver.DNSSECInsecure], by[resolver.DNSSECUnvalidated]
	judged := len(secure) + len(insecure) + len(unvalidated)
	switch {
	case judged == 0:
		// Nothing was answered: the lookup findings say why.
	case len(unvalidated) > 0:
		f := newFinding("dnssec.route", report.Info, domain,
			fmt.Sprintf("answers on the route of %s carry DNSSEC signatures but the resolver did not validate them (no AD flag): it is not a validating resolver, or it has no chain of trust to the zone", domain),
			unvalidated...)
		f.Fix = "Query through a validating resolver you trust (a local unbound: --dns 127.0.0.1) to judge DNSSEC; if it validates and still sets no AD flag, check the DS record at the parent zone."
		rt.add(f)
	case len(insecure) == 0:
		rt.add(passed("dnssec.route", domain,
			fmt.Sprintf("every answer on the mail route of %s is DNSSEC-validated (AD flag): %d of %d", domain, len(secure), len(names)), secure...))
	case len(secure) == 0:
		rt.add(newFinding("dnssec.route", report.OK, domain,
			fmt.Sprintf("the mail route of %s is not DNSSEC-signed (no answer carried the AD flag or signatures): forged MX or address answers cannot be detected, and DANE is not possible", domain)))
	default:
		f := newFinding("dnssec.route", report.Info, domain,
			fmt.Sprintf("DNSSEC protects only part of the mail route of %s: %d answers are validated, %d are not", domain, len(secure), len(insecure)),
			append(prefixed("secure: ", secure), prefixed("not signed: ", insecure)...)...)
		f.Fix = "Sign the zones of the MX host names too (or move the hosts into a signed zone): DANE senders use TLSA records only when the answers that lead to them are validated (RFC 7672 §2.2)."
		rt.add(f)
	}
}

func prefixed(prefix string, v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = prefix + s
	}
	return out
}
