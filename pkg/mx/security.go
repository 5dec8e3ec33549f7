package mx

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// securityRecords are the policy TXT records of a domain.
type securityRecords struct {
	mtaSTS, tlsRPT chased
}

// lookupSecurity asks for _mta-sts (RFC 8461 §3.1) and _smtp._tls
// (RFC 8460 §3) at the same time.
func lookupSecurity(ctx context.Context, r *resolver.Resolver, domain string) securityRecords {
	var s securityRecords
	var wg sync.WaitGroup
	wg.Go(func() { s.tlsRPT = follow(ctx, r, "_smtp._tls."+domain, dns.TypeTXT) })
	s.mtaSTS = follow(ctx, r, "_mta-sts."+domain, dns.TypeTXT)
	wg.Wait()
	return s
}

// versioned returns the TXT values that start with the version tag; both
// RFCs tell senders to ignore every other TXT record at the name.
func versioned(c chased, version string) []string {
	var out []string
	for _, rr := range c.records {
		v := strings.Join(rr.(*dns.TXT).Txt, "")
		rest, ok := strings.CutPrefix(v, version)
		if ok && (rest == "" || strings.HasPrefix(strings.TrimLeft(rest, " \t"), ";")) {
			out = append(out, v)
		}
	}
	return out
}

// tagValue returns the value of "name=" in a "k=v; k=v" record.
func tagValue(record, name string) (string, bool) {
	for _, part := range strings.Split(record, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// stsID is the policy id syntax of RFC 8461 §3.1.
var stsID = regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`)

// mtaSTSProblem says what keeps senders from using the record, "" if
// nothing does.
func mtaSTSProblem(record string) string {
	id, ok := tagValue(record, "id")
	switch {
	case !ok:
		return "the record has no id= field, so senders cannot tell when the policy changed"
	case !stsID.MatchString(id):
		return fmt.Sprintf("id=%q is not 1 to 32 letters and digits", id)
	}
	return ""
}

// tlsRPTProblem checks that reports have somewhere to go (RFC 8460 §3).
func tlsRPTProblem(record string) string {
	rua, ok := tagValue(record, "rua")
	if !ok {
		return "the record has no rua= field, so nobody receives the reports"
	}
	for _, uri := range strings.Split(rua, ",") {
		uri = strings.TrimSpace(uri)
		if !strings.HasPrefix(uri, "mailto:") && !strings.HasPrefix(uri, "https:") {
			return fmt.Sprintf("rua=%q: each destination must be a mailto: or https: URI", uri)
		}
	}
	return ""
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
}
