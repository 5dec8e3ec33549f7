package mx

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/mtasts"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/tlsrpt"
)

// securityRecords are the policy TXT records of a domain and, when the
// MTA-STS record is valid and fetching is on, the fetched policy.
type securityRecords struct {
	mtaSTS, tlsRPT chased
	fetch          *mtasts.Fetch
}

// lookupSecurity asks for _mta-sts (RFC 8461 §3.1) and _smtp._tls
// (RFC 8460 §3) at the same time, then fetches the MTA-STS policy as a
// sender would: only when exactly one valid record is published. All of
// it runs beside the MX lookup.
func lookupSecurity(ctx context.Context, r *resolver.Resolver, domain string, fetch *mtasts.FetchOptions) securityRecords {
	var s securityRecords
	var wg sync.WaitGroup
	wg.Go(func() { s.tlsRPT = follow(ctx, r, "_smtp._tls."+domain, dns.TypeTXT) })
	s.mtaSTS = follow(ctx, r, "_mta-sts."+domain, dns.TypeTXT)
	if fetch != nil && stsLookup(s.mtaSTS).Valid() != nil {
		s.fetch = mtasts.FetchPolicy(ctx, r, domain, *fetch)
	}
	wg.Wait()
	return s
}

// txtOf returns the TXT strings of a followed lookup, each record's
// strings joined, and the error when the lookup got no answer.
func txtOf(c chased) ([]string, error) {
	if !c.status.Definite() {
		return nil, fmt.Errorf("%s", errText(c.err))
	}
	var out []string
	for _, rr := range c.records {
		out = append(out, strings.Join(rr.(*dns.TXT).Txt, ""))
	}
	return out, nil
}

func stsLookup(c chased) mtasts.Lookup {
	txt, err := txtOf(c)
	return mtasts.Lookup{TXT: txt, Err: err}
}

func rptLookup(c chased) tlsrpt.Lookup {
	txt, err := txtOf(c)
	return tlsrpt.Lookup{TXT: txt, Err: err}
}

// lookupTLSA reads the DANE records of a target (RFC 7672 §2.2). It asks at
// the MX host name as published; the alias-expanded name that RFC 7672
// tries first for a secure CNAME is not consulted.
func (rt *router) lookupTLSA(ctx context.Context, t *Target) {
	c := follow(ctx, rt.r, "_25._tcp."+t.Host, dns.TypeTLSA)
	t.tlsa = c
	for _, rr := range c.records {
		v := rr.(*dns.TLSA)
		t.TLSA = append(t.TLSA, fmt.Sprintf("%d %d %d %s", v.Usage, v.Selector, v.MatchingType, v.Certificate))
	}
	t.TLSASecure = len(t.TLSA) > 0 && c.ad
	t.tlsaDNSSEC = NameDNSSEC{Name: "_25._tcp." + t.Host, Type: "TLSA"}
	t.tlsaDNSSEC.Status, t.tlsaDNSSEC.evidence = dnssecOf(ctx, rt.r, c)
}

// mxHosts are the host names senders check against an MTA-STS policy:
// every MX target, or the domain itself for the implicit MX.
func (rt *router) mxHosts() []string {
	var out []string
	for _, t := range rt.res.Targets {
		out = append(out, t.Host)
	}
	return out
}
