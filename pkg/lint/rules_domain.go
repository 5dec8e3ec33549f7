package lint

import (
	"fmt"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// domainEntry is a domain the organization accepts mail for: an accepted
// domain, or an Exchange 2003 recipient policy address.
type domainEntry struct {
	obj           *Object
	prop          string
	domain        string
	authoritative bool
}

func (x *ctx) domains() []domainEntry {
	var out []domainEntry
	for _, d := range x.OfKind(KindAcceptedDomain) {
		out = append(out, domainEntry{obj: d, prop: "DomainName", domain: normDomain(d.Str("DomainName")),
			authoritative: d.Str("DomainType") == "" || strings.EqualFold(d.Str("DomainType"), "Authoritative")})
	}
	for _, p := range x.OfKind(KindRecipientPolicy) {
		// Exchange 2003 ticks "responsible for all mail delivery" by default.
		out = append(out, domainEntry{obj: p, prop: "domain", domain: normDomain(p.Str("domain")), authoritative: !p.False("authoritative")})
	}
	return out
}

func (d domainEntry) typeProp() string {
	if d.obj.Kind == KindRecipientPolicy {
		return "authoritative"
	}
	return "DomainType"
}

func checkWildcardDomain(x *ctx) {
	for _, d := range x.domains() {
		if d.domain == "*" {
			x.emit(hit{obj: d.obj, prop: d.prop, evidence: d.obj.Evidence(d.prop, d.typeProp()),
				msg: "\"*\" makes every domain this organization's own: relayed anywhere, or refused with 550 5.1.1 when authoritative"})
		}
	}
}

func checkDomainServerFqdn(x *ctx) {
	for _, d := range x.domains() {
		s := x.topo.fqdnOwner(d.domain)
		if s == nil {
			continue
		}
		x.emit(hit{obj: d.obj, prop: d.prop, evidence: append(d.obj.Evidence(d.prop), d.domain+" is "+s.describe()),
			msg: fmt.Sprintf("%s is the FQDN of %s: mail to the server's own name is treated as local and routing between servers loops (5.4.8)", d.domain, s.name)})
	}
}

// routes finds the connector and address space most specific for a
// domain, the one Exchange would pick.
func (x *ctx) routes(domain string) (best *Object, as addressSpace) {
	score := -1
	for _, c := range x.connectors() {
		if !enabled(c) {
			continue
		}
		for _, a := range addressSpaces(c) {
			if !a.matches(domain) {
				continue
			}
			s := len(a.addr)
			if !strings.HasPrefix(a.addr, "*") {
				s += 1000
			}
			if s > score {
				best, as, score = c, a, s
			}
		}
	}
	return best, as
}

func checkSharedNamespace(x *ctx) {
	for _, d := range x.domains() {
		if !d.authoritative || strings.Contains(d.domain, "*") {
			continue
		}
		c, as := x.routes(d.domain)
		if a := normDomain(as.addr); c == nil || (a != d.domain && a != "*."+d.domain) {
			continue
		}
		x.emit(hit{obj: d.obj, prop: d.typeProp(), evidence: append(d.obj.Evidence(d.prop, d.typeProp()), ref(c, "AddressSpaces")),
			msg: fmt.Sprintf("%s is routed to another system by %s but accepted as authoritative: recipients who live there get 550 5.1.1 instead of being forwarded", d.domain, c.Label())})
	}
}

func checkRelayDNSLoop(x *ctx) {
	if len(x.connectors()) == 0 {
		return
	}
	for _, d := range x.domains() {
		if d.authoritative || strings.Contains(d.domain, "*") {
			continue
		}
		c, _ := x.routes(d.domain)
		legacy := d.obj.Kind == KindRecipientPolicy
		var ev []string
		switch {
		case c == nil && legacy:
			// Exchange 2003 falls back to the virtual server's DNS lookup.
			ev = append(d.obj.Evidence(d.prop, d.typeProp()), "no SMTP connector lists "+d.domain)
		case c == nil:
			continue
		default:
			if dns, _ := dnsRouting(c); !dns {
				continue
			}
			ev = append(d.obj.Evidence(d.prop, d.typeProp()), ref(c, "AddressSpaces"))
		}
		h := hit{obj: d.obj, prop: d.prop, evidence: ev,
			msg: fmt.Sprintf("recipients of %s not found here are sent to the domain's MX; if it points back at this organization, mail loops (554 5.4.4 SMTPSEND.DNS.MxLoopback)", d.domain)}
		if x.live != nil {
			own, known, mxEv := x.live.mxPointsHome(d.domain)
			if known && !own {
				continue
			}
			if !known {
				x.emit(h)
				continue
			}
			h.sev = report.Error
			h.evidence = append(h.evidence, mxEv...)
			h.msg = fmt.Sprintf("recipients of %s not found here are sent to the domain's MX, which is this organization: mail loops (554 5.4.4 SMTPSEND.DNS.MxLoopback)", d.domain)
		}
		x.emit(h)
	}
}
