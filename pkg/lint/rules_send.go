package lint

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

func enabled(o *Object) bool { return !o.False("Enabled") }

// connectors are the objects that route outbound mail: Exchange 2007+
// send connectors and Exchange 2003 SMTP connectors.
func (x *ctx) connectors() []*Object {
	return append(x.OfKind(KindSendConnector), x.OfKind(KindSMTPConnector)...)
}

// dnsRouting reads DNSRoutingEnabled, or use_dns in the legacy YAML; prop
// names the one present.
func dnsRouting(o *Object) (dns bool, prop string) {
	for _, k := range []string{"DNSRoutingEnabled", "use_dns"} {
		if v, ok := o.Bool(k); ok {
			return v, k
		}
	}
	return false, ""
}

// sources are the servers a connector sends from.
func sources(o *Object) (names []string, prop string) {
	if o.Kind == KindSMTPConnector {
		return o.List("bridgeheads"), "bridgeheads"
	}
	return o.List("SourceTransportServers"), "SourceTransportServers"
}

func hasServer(names []string, s *server) bool {
	for _, n := range names {
		if shortName(n) == shortName(s.name) {
			return true
		}
	}
	return false
}

func (s *server) describe() string {
	var names []string
	names = append(names, s.fqdnList()...)
	var ips []string
	for a := range s.ips {
		ips = append(ips, a.String())
	}
	sort.Strings(ips)
	names = append(names, ips...)
	if len(names) == 0 {
		return "server " + s.name
	}
	return fmt.Sprintf("server %s (%s)", s.name, strings.Join(names, ", "))
}

func checkSmartHostSelf(x *ctx) {
	for _, o := range x.connectors() {
		srcs, srcProp := sources(o)
		for _, h := range smartHosts(o, "SmartHosts") {
			s := x.topo.resolve(h)
			if s == nil || !hasServer(srcs, s) {
				continue
			}
			x.emit(hit{obj: o, prop: "SmartHosts",
				evidence: append(o.Evidence("SmartHosts", srcProp), h.text+" is "+s.describe()),
				msg:      fmt.Sprintf("smart host %s is %s, one of this connector's own source servers: mail handed to it comes straight back and loops until the hop count runs out (554 5.4.14)", h.text, s.name)})
		}
	}
	for _, vs := range x.OfKind(KindVirtualServer) {
		own := x.topo.get(vs.Str("server"))
		for _, prop := range []string{"smart_host", "forward_unresolved_to"} {
			for _, h := range smartHosts(vs, prop) {
				if s := x.topo.resolve(h); own != nil && s == own {
					x.emit(hit{obj: vs, prop: prop,
						evidence: append(vs.Evidence(prop, "server"), h.text+" is "+s.describe()),
						msg:      fmt.Sprintf("%s %s is this virtual server's own server %s: mail is forwarded to itself and loops (5.3.5 / 5.4.6)", prop, h.text, s.name)})
				}
			}
		}
	}
}

func smartHostAuth(o *Object) string { return strings.ToLower(o.Str("SmartHostAuthMechanism")) }

func checkSendBasicCleartext(x *ctx) {
	for _, o := range x.OfKind(KindSendConnector) {
		if smartHostAuth(o) != "basicauth" || o.True("RequireTLS") {
			continue
		}
		x.emit(hit{obj: o, prop: "SmartHostAuthMechanism", evidence: o.Evidence("SmartHostAuthMechanism", "RequireTLS", "SmartHosts"),
			msg: "smart host authentication is Basic without TLS: the relay account's password crosses the network in clear text"})
	}
}

func checkSendNoCredential(x *ctx) {
	for _, o := range x.OfKind(KindSendConnector) {
		a := smartHostAuth(o)
		cred := o.Get("AuthenticationCredential")
		if (a != "basicauth" && a != "basicauthrequiretls") || cred == nil || cred.Text() != "" {
			continue
		}
		x.emit(hit{obj: o, prop: "AuthenticationCredential", evidence: o.Evidence("SmartHostAuthMechanism", "AuthenticationCredential"),
			msg: "Basic authentication to the smart host is configured but no credential is set: the smart host refuses to relay (530 5.7.57 / 535 5.7.3) and mail queues"})
	}
}

func checkExternallySecured(x *ctx) {
	secure := []string{"ipsec", "vpn", "tunnel", "private link", "mpls", "dedicated line"}
	for _, o := range x.OfKind(KindSendConnector) {
		if smartHostAuth(o) == "externalauthoritative" && !commentMentions(o, secure...) {
			x.emit(hit{obj: o, prop: "SmartHostAuthMechanism", evidence: o.Evidence("SmartHostAuthMechanism", "SmartHosts", "Comment"),
				msg: "the connector treats the link to its smart hosts as externally secured, but nothing records an IPsec or VPN protection: messages cross it unauthenticated and unencrypted"})
		}
	}
	for _, o := range x.OfKind(KindReceiveConnector) {
		if o.HasFlag("AuthMechanism", "ExternalAuthoritative") && !commentMentions(o, secure...) {
			x.emit(hit{obj: o, prop: "AuthMechanism", evidence: o.Evidence("AuthMechanism", "RemoteIPRanges", "Comment"),
				msg: "every session from RemoteIPRanges is trusted as an authenticated Exchange server, but nothing records an IPsec or VPN protection for that link"})
		}
	}
}

// port is a send connector's destination port, 25 unless set.
func port(o *Object) int {
	if p, err := strconv.Atoi(o.Str("Port")); err == nil && p > 0 {
		return p
	}
	return 25
}

// landing finds the receive connector a smart host delivers to when it is
// one of the organization's servers in the export: the server named by the
// smart host, listening on the connector's port. Exchange picks among
// several by the sender's address; without it the restricted connector that
// offers the sender's authentication is the intended one.
func (x *ctx) landing(send *Object, h smartHost) *Object {
	srv := ""
	if s := x.topo.resolve(h); s != nil {
		srv = s.name
	} else if h.name != "" {
		srv = h.name
	}
	if srv == "" {
		return nil
	}
	var cands []*Object
	for _, r := range x.OfKind(KindReceiveConnector) {
		if shortName(r.Server()) != shortName(srv) || !enabled(r) {
			continue
		}
		for _, b := range bindings(r) {
			if b.port == port(send) && (b.addr.IsUnspecified() || !h.isIP() || b.addr == h.ip) {
				cands = append(cands, r)
				break
			}
		}
	}
	best, bestScore := (*Object)(nil), -1
	for _, r := range cands {
		score := 0
		if offersAuth(r, smartHostAuth(send)) {
			score += 2
		}
		if !openToAll(r) {
			score++
		}
		if score > bestScore {
			best, bestScore = r, score
		}
	}
	return best
}

// offersAuth reports whether a receive connector offers what a send
// connector authenticates with.
func offersAuth(r *Object, sendAuth string) bool {
	switch sendAuth {
	case "basicauth", "basicauthrequiretls":
		return r.HasFlag("AuthMechanism", "BasicAuth") || r.HasFlag("AuthMechanism", "BasicAuthRequireTLS")
	case "externalauthoritative":
		return r.HasFlag("AuthMechanism", "ExternalAuthoritative")
	case "exchangeserver":
		return r.HasFlag("AuthMechanism", "ExchangeServer")
	}
	return true
}

func openToAll(r *Object) bool { return acceptsAll(r, true) || acceptsAll(r, false) }

func checkSmartHostNameMismatch(x *ctx) {
	for _, o := range x.OfKind(KindSendConnector) {
		a := smartHostAuth(o)
		if a != "basicauth" && a != "basicauthrequiretls" && !o.True("RequireTLS") && o.Str("TlsAuthLevel") == "" {
			continue
		}
		for _, h := range smartHosts(o, "SmartHosts") {
			if h.isIP() {
				continue
			}
			r := x.landing(o, h)
			if r == nil {
				continue
			}
			fq := normDomain(r.Str("Fqdn"))
			if fq == "" || fq == h.name {
				continue
			}
			x.emit(hit{obj: o, prop: "SmartHosts",
				evidence: append(o.Evidence("SmartHosts", "SmartHostAuthMechanism", "RequireTLS"), ref(r, "Fqdn")),
				msg:      fmt.Sprintf("smart host %s reaches %s, whose FQDN is %s: the certificate and TLS checks there go by %s, so the name does not match and mail queues (451 4.4.0 / 454 4.7.0)", h.text, r.Label(), fq, fq)})
		}
	}
}

func checkDomainValidation(x *ctx) {
	for _, o := range x.OfKind(KindSendConnector) {
		if !strings.EqualFold(o.Str("TlsAuthLevel"), "DomainValidation") || o.Str("TlsDomain") != "" {
			continue
		}
		dns, _ := dnsRouting(o)
		var ipHosts []string
		for _, h := range smartHosts(o, "SmartHosts") {
			if h.isIP() {
				ipHosts = append(ipHosts, h.text)
			}
		}
		if !dns && len(ipHosts) == 0 {
			continue
		}
		why := "the connector routes by DNS, so there is no configured name to validate certificates against"
		if !dns {
			why = fmt.Sprintf("smart host %s is an address, which no certificate name matches", strings.Join(ipHosts, ", "))
		}
		x.emit(hit{obj: o, prop: "TlsAuthLevel", evidence: o.Evidence("TlsAuthLevel", "TlsDomain", "DNSRoutingEnabled", "SmartHosts"),
			msg: "TLS domain validation without TlsDomain: " + why + "; TLS fails and mail queues"})
	}
}

func checkNoRoute(x *ctx) {
	for _, o := range x.connectors() {
		dns, prop := dnsRouting(o)
		if prop == "" || dns || len(o.List("SmartHosts")) > 0 {
			continue
		}
		x.emit(hit{obj: o, prop: prop, evidence: o.Evidence(prop, "SmartHosts"),
			msg: "neither DNS routing nor smart hosts: mail routed to this connector has no next hop and expires in the queue (4.4.7, then an NDR)"})
	}
}

func checkDNSNonSMTP(x *ctx) {
	for _, o := range x.connectors() {
		if dns, _ := dnsRouting(o); !dns {
			continue
		}
		var bad []string
		for _, as := range addressSpaces(o) {
			if !as.smtp() {
				bad = append(bad, as.text)
			}
		}
		if len(bad) == 0 {
			continue
		}
		x.emit(hit{obj: o, prop: "AddressSpaces", evidence: o.Evidence("AddressSpaces", "DNSRoutingEnabled", "use_dns"),
			msg: fmt.Sprintf("DNS routing cannot deliver to the non-SMTP address space %s: such messages fail with 4.4.9", strings.Join(bad, ", "))})
	}
}

func hasStar(o *Object) bool {
	for _, as := range addressSpaces(o) {
		if as.smtp() && as.addr == "*" {
			return true
		}
	}
	return false
}

// anonymousPort25 reports whether a receive connector takes anonymous
// mail on port 25, that is Internet mail.
func anonymousPort25(r *Object) bool {
	if !r.HasFlag("PermissionGroups", "AnonymousUsers") {
		return false
	}
	for _, b := range bindings(r) {
		if b.port == 25 {
			return true
		}
	}
	return false
}

func checkMxLoopbackHosting(x *ctx) {
	orgs := map[string]*Object{}
	for _, d := range x.OfKind(KindAcceptedDomain) {
		if id := d.Str("OrganizationId"); id != "" && orgs[id] == nil {
			orgs[id] = d
		}
	}
	if len(orgs) < 2 {
		return
	}
	var orgEvidence []string
	for _, id := range sortedKeys(orgs) {
		orgEvidence = append(orgEvidence, ref(orgs[id], "OrganizationId"))
	}
	receives, known := map[string]bool{}, map[string]bool{}
	for _, r := range x.OfKind(KindReceiveConnector) {
		k := shortName(r.Server())
		known[k] = true
		if enabled(r) && anonymousPort25(r) {
			receives[k] = true
		}
	}
	for _, o := range x.OfKind(KindSendConnector) {
		if dns, _ := dnsRouting(o); !dns || !hasStar(o) || !enabled(o) {
			continue
		}
		var loops []string
		for _, s := range o.List("SourceTransportServers") {
			if !known[shortName(s)] || receives[shortName(s)] {
				loops = append(loops, s)
			}
		}
		if len(loops) == 0 {
			continue
		}
		x.emit(hit{obj: o, prop: "SourceTransportServers",
			evidence: append(o.Evidence("AddressSpaces", "DNSRoutingEnabled", "SourceTransportServers"), orgEvidence...),
			msg:      fmt.Sprintf("accepted domains belong to %d organizations and this DNS-routed \"*\" connector sends from %s, which also receive their Internet mail: mail between tenants follows the MX back to the sender and bounces with 554 5.4.4 SMTPSEND.DNS.MxLoopback", len(orgs), strings.Join(loops, ", "))})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func checkExternalDNS(x *ctx) {
	services := x.OfKind(KindTransportService)
	byName := map[string]*Object{}
	for _, t := range services {
		byName[shortName(t.Name())] = t
	}
	for _, o := range x.OfKind(KindSendConnector) {
		if !o.True("UseExternalDNSServersEnabled") {
			continue
		}
		srcs := o.List("SourceTransportServers")
		if len(srcs) == 0 && len(services) == 1 {
			// Edge send connectors have no source servers: the one
			// transport service exported is the Edge itself.
			srcs = []string{services[0].Name()}
		}
		for _, s := range srcs {
			t := byName[shortName(s)]
			if t == nil || !t.False("ExternalDNSAdapterEnabled") || !t.Has("ExternalDNSServers") || len(t.List("ExternalDNSServers")) > 0 {
				continue
			}
			x.emit(hit{obj: o, prop: "UseExternalDNSServersEnabled",
				evidence: append(o.Evidence("UseExternalDNSServersEnabled"), ref(t, "ExternalDNSAdapterEnabled"), ref(t, "ExternalDNSServers")),
				msg:      fmt.Sprintf("the connector asks the external DNS servers, but %s has none configured and the adapter's servers switched off: lookups fail and mail queues with 451 4.4.0 DNS query failed", t.Name())})
		}
	}
}

func checkSizeExceedsTarget(x *ctx) {
	for _, o := range x.OfKind(KindSendConnector) {
		sb, sUnl, ok := size(o, "MaxMessageSize")
		if !ok {
			continue
		}
		seen := map[*Object]bool{}
		for _, h := range smartHosts(o, "SmartHosts") {
			r := x.landing(o, h)
			if r == nil || seen[r] {
				continue
			}
			seen[r] = true
			rb, rUnl, ok := size(r, "MaxMessageSize")
			if !ok || rUnl || (!sUnl && sb <= rb) {
				continue
			}
			x.emit(hit{obj: o, prop: "MaxMessageSize", evidence: append(o.Evidence("MaxMessageSize", "SmartHosts"), ref(r, "MaxMessageSize")),
				msg: fmt.Sprintf("this connector sends messages up to %s but %s accepts at most %s: larger messages bounce with 552 5.3.4", o.Str("MaxMessageSize"), r.Label(), r.Str("MaxMessageSize"))})
		}
	}
}

// toEXO reports a send connector that delivers to Exchange Online.
func toEXO(o *Object) bool {
	for _, h := range smartHosts(o, "SmartHosts") {
		if strings.HasSuffix(h.name, ".mail.protection.outlook.com") {
			return true
		}
	}
	for _, as := range addressSpaces(o) {
		if strings.HasSuffix(normDomain(as.addr), ".mail.onmicrosoft.com") {
			return true
		}
	}
	return false
}

func checkHybridRequireTLS(x *ctx) {
	for _, o := range x.OfKind(KindSendConnector) {
		if toEXO(o) && o.False("RequireTLS") {
			x.emit(hit{obj: o, prop: "RequireTLS", evidence: o.Evidence("RequireTLS", "SmartHosts", "AddressSpaces"),
				msg: "the connector to Exchange Online does not require TLS: mail may go unencrypted and Exchange Online cannot attribute it to your organization (550 5.7.64 TenantAttribution when relaying)"})
		}
	}
}

func checkHybridCloudServices(x *ctx) {
	for _, o := range x.OfKind(KindSendConnector) {
		if toEXO(o) && o.False("CloudServicesMailEnabled") {
			x.emit(hit{obj: o, prop: "CloudServicesMailEnabled", evidence: o.Evidence("CloudServicesMailEnabled", "SmartHosts"),
				msg: "the connector to Exchange Online strips the organization headers: cross-premises mail arrives as external mail"})
		}
	}
}

var certNameRE = lazyre.New(`(?i)^<I>.+<S>.+$`)

func checkCertificateNameSyntax(x *ctx) {
	for _, o := range append(x.OfKind(KindSendConnector), x.OfKind(KindReceiveConnector)...) {
		v := o.Str("TlsCertificateName")
		if v == "" || certNameRE().MatchString(v) {
			continue
		}
		x.emit(hit{obj: o, prop: "TlsCertificateName",
			msg: fmt.Sprintf("%q is not in the <I>issuer<S>subject form Exchange looks certificates up by: the intended certificate is not used for STARTTLS", v)})
	}
}
