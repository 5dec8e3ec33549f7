package lint

import (
	"fmt"
	"strings"
)

func allUnassigned(vs *Object) bool {
	ip := strings.TrimSpace(vs.Str("ip"))
	return ip == "" || strings.EqualFold(ip, "All Unassigned")
}

func vsPort(vs *Object) string {
	if p := vs.Str("port"); p != "" {
		return p
	}
	return "25"
}

func checkLegacyBindings(x *ctx) {
	byServer := map[string][]*Object{}
	var order []string
	for _, vs := range x.OfKind(KindVirtualServer) {
		k := shortName(vs.Str("server"))
		if byServer[k] == nil {
			order = append(order, k)
		}
		byServer[k] = append(byServer[k], vs)
	}
	for _, k := range order {
		vss := byServer[k]
		if len(vss) < 2 {
			continue
		}
		taken := map[string]*Object{}
		for _, vs := range vss {
			key := strings.ToLower(vs.Str("ip")) + ":" + vsPort(vs)
			switch first := taken[key]; {
			case allUnassigned(vs):
				x.emit(hit{obj: vs, prop: "ip", evidence: vs.Evidence("ip", "port", "server"),
					msg: fmt.Sprintf("server %s has %d SMTP virtual servers and this one is on All Unassigned: mail can loop between them (5.3.5)", vs.Str("server"), len(vss))})
			case first != nil:
				x.emit(hit{obj: vs, prop: "ip", evidence: append(vs.Evidence("ip", "port"), ref(first, "ip")),
					msg: fmt.Sprintf("this virtual server uses the same address and port as %s: mail can loop between them (5.3.5)", first.Label())})
			default:
				taken[key] = vs
			}
		}
	}
}

func checkLegacyBrackets(x *ctx) {
	check := func(o *Object, prop string) {
		for _, h := range smartHosts(o, prop) {
			if h.isIP() && !h.bracketed {
				x.emit(hit{obj: o, prop: prop,
					msg: fmt.Sprintf("%s is an address without brackets: Exchange 2003 looks it up in DNS as a host name, which fails (5.4.0, or 4.4.7 when it expires)", h.text)})
			}
		}
	}
	for _, vs := range x.OfKind(KindVirtualServer) {
		check(vs, "smart_host")
		check(vs, "forward_unresolved_to")
	}
	for _, c := range x.OfKind(KindSMTPConnector) {
		check(c, "smart_hosts")
	}
}

func checkLegacyRelayAllowed(x *ctx) {
	for _, d := range x.domains() {
		if d.obj.Kind != KindRecipientPolicy || d.authoritative {
			continue
		}
		for _, c := range x.OfKind(KindSMTPConnector) {
			if !c.False("allow_relay") {
				continue
			}
			for _, as := range addressSpaces(c) {
				if a := normDomain(as.addr); as.smtp() && (a == d.domain || a == "*."+d.domain) {
					x.emit(hit{obj: c, prop: "allow_relay", evidence: append(c.Evidence("address_spaces", "allow_relay"), ref(d.obj, "domain")),
						msg: fmt.Sprintf("the connector carries %s, which this organization is not authoritative for, without allowing relay: inbound mail for it is refused with 550 5.7.1 Unable to relay", d.domain)})
					break
				}
			}
		}
	}
}

func checkRoutingGroupIsolated(x *ctx) {
	groups := x.OfKind(KindRoutingGroup)
	if len(groups) < 2 {
		return
	}
	linked := map[string]bool{}
	for _, g := range groups {
		for _, c := range g.List("connected_to") {
			linked[strings.ToLower(g.Name())] = true
			linked[strings.ToLower(strings.TrimSpace(c))] = true
		}
	}
	for _, g := range groups {
		if !linked[strings.ToLower(g.Name())] {
			x.emit(hit{obj: g, prop: "name", evidence: g.Evidence("name", "connected_to"),
				msg: fmt.Sprintf("routing group %s has no connector to the other %d groups: mail to its servers has no route (5.4.4)", g.Name(), len(groups)-1)})
		}
	}
}

func checkVSFqdnRouting(x *ctx) {
	if len(x.OfKind(KindRoutingGroup)) < 2 {
		return
	}
	for _, vs := range x.OfKind(KindVirtualServer) {
		fq := normDomain(vs.Str("fqdn"))
		s := x.topo.get(vs.Str("server"))
		if fq == "" || !allUnassigned(vs) || s == nil || len(s.fqdns) == 0 || s.fqdns[fq] {
			continue
		}
		x.emit(hit{obj: vs, prop: "fqdn", evidence: append(vs.Evidence("fqdn", "ip"), s.name+" is "+s.describe()),
			msg: fmt.Sprintf("other routing groups reach %s by %s; unless that name resolves to the internal address (split DNS), mail between the groups queues at the firewall", s.name, fq)})
	}
}
