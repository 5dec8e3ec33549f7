package lint

import (
	"fmt"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
	"github.com/mailflowkit/mailflow/pkg/report"
)

func connectorType(o *Object) string { return strings.ToLower(o.Str("ConnectorType")) }

func onPremises(o *Object) bool { return connectorType(o) == "onpremises" }

func checkInboundRequireTLS(x *ctx) {
	for _, o := range x.OfKind(KindInboundConnector) {
		if !onPremises(o) || !o.False("RequireTls") {
			continue
		}
		h := hit{obj: o, prop: "RequireTls", evidence: o.Evidence("RequireTls", "TlsSenderCertificateName", "SenderIPAddresses"), sev: report.Warning,
			msg: "Exchange Online accepts your on-premises servers' mail without TLS: it can cross the Internet in clear text"}
		if o.Str("TlsSenderCertificateName") != "" {
			h.sev = report.Error
			h.msg = "the connector identifies your servers by certificate but does not require TLS: sessions without TLS are not matched and relayed mail fails with 550 5.7.64 TenantAttribution"
		}
		x.emit(h)
	}
}

func checkOutboundTLS(x *ctx) {
	for _, o := range x.OfKind(KindOutboundConnector) {
		if onPremises(o) && o.Has("TlsSettings") && o.Str("TlsSettings") == "" {
			x.emit(hit{obj: o, prop: "TlsSettings", evidence: o.Evidence("TlsSettings", "SmartHosts"),
				msg: "mail from Exchange Online to your servers is sent without TLS requirements: unencrypted and unverified, and not recognizable as cross-premises mail"})
		}
	}
}

func checkCloudServicesEXO(x *ctx) {
	for _, o := range append(x.OfKind(KindInboundConnector), x.OfKind(KindOutboundConnector)...) {
		if onPremises(o) && o.False("CloudServicesMailEnabled") {
			x.emit(hit{obj: o, prop: "CloudServicesMailEnabled",
				msg: "the hybrid connector drops the organization headers: cross-premises mail is treated as external"})
		}
	}
}

// subjectCN takes the CN out of "<I>issuer<S>CN=mail.contoso.com, O=...".
var subjectCNRE = lazyre.New(`(?i)<S>.*?CN=([^,]+)`)

func checkInboundCertName(x *ctx) {
	for _, o := range x.OfKind(KindInboundConnector) {
		name := o.Str("TlsSenderCertificateName")
		if name == "" {
			continue
		}
		if certNameRE().MatchString(name) || strings.Contains(strings.ToUpper(name), "<S>") {
			x.emit(hit{obj: o, prop: "TlsSenderCertificateName",
				msg: "Exchange Online expects a domain here (the certificate's subject or SAN name), not the on-premises <I>issuer<S>subject form: your servers' mail is not matched (550 5.7.64 TenantAttribution)"})
			continue
		}
		for _, s := range x.OfKind(KindSendConnector) {
			m := subjectCNRE().FindStringSubmatch(s.Str("TlsCertificateName"))
			if !toEXO(s) || m == nil || domainMatches(name, m[1]) {
				continue
			}
			x.emit(hit{obj: o, prop: "TlsSenderCertificateName", sev: report.Warning,
				evidence: append(o.Evidence("TlsSenderCertificateName"), ref(s, "TlsCertificateName")),
				msg:      fmt.Sprintf("%s does not cover %s, the subject of the certificate %s presents; unless a SAN of that certificate matches, Exchange Online does not recognize your mail (550 5.7.64 TenantAttribution)", name, strings.TrimSpace(m[1]), s.Label())})
		}
	}
}

func cmtConnectors(x *ctx) []*Object {
	var out []*Object
	for _, o := range x.OfKind(KindOutboundConnector) {
		if enabled(o) && o.True("RouteAllMessagesViaOnPremises") {
			out = append(out, o)
		}
	}
	return out
}

func checkCMTNoInbound(x *ctx) {
	inbound := x.OfKind(KindInboundConnector)
	for _, o := range inbound {
		if onPremises(o) && enabled(o) {
			return
		}
	}
	for _, o := range cmtConnectors(x) {
		if len(inbound) == 0 {
			x.emit(hit{obj: o, prop: "RouteAllMessagesViaOnPremises", incomplete: true,
				msg: "centralized mail transport is on, but no Get-InboundConnector output was given: whether an OnPremises inbound connector exists could not be checked"})
			continue
		}
		x.emit(hit{obj: o, prop: "RouteAllMessagesViaOnPremises",
			msg: "centralized mail transport is on, but no enabled OnPremises inbound connector exists: mail coming back from on-premises is not recognized and loops or is refused (5.4.14, 550 5.7.64)"})
	}
}

func checkCMTLoop(x *ctx) {
	cmt := cmtConnectors(x)
	if len(cmt) == 0 {
		return
	}
	for _, s := range x.OfKind(KindSendConnector) {
		if !enabled(s) || !hasStar(s) {
			continue
		}
		for _, h := range smartHosts(s, "SmartHosts") {
			if strings.HasSuffix(h.name, ".mail.protection.outlook.com") {
				x.emit(hit{obj: s, prop: "SmartHosts", evidence: append(s.Evidence("AddressSpaces", "SmartHosts"), ref(cmt[0], "RouteAllMessagesViaOnPremises")),
					msg: "Exchange Online sends all Internet mail to on-premises, and this \"*\" connector sends it back to Exchange Online: it loops until the hop count is exceeded (554 5.4.14)"})
				break
			}
		}
	}
}

func checkOutboundOnPremMX(x *ctx) {
	for _, o := range x.OfKind(KindOutboundConnector) {
		if !onPremises(o) || !o.True("UseMXRecord") {
			continue
		}
		h := hit{obj: o, prop: "UseMXRecord", evidence: o.Evidence("UseMXRecord", "RecipientDomains"),
			msg: "mail for your on-premises recipients is routed by MX: once the MX points at Exchange Online it comes straight back and loops (5.4.14)"}
		if x.live != nil {
			exo, ev := x.live.mxAtEXO(o.List("RecipientDomains"))
			if len(exo) > 0 {
				h.sev = report.Error
				h.evidence = append(h.evidence, ev...)
				h.msg = fmt.Sprintf("mail for on-premises recipients is routed by MX, and the MX of %s is Exchange Online itself: it loops (5.4.14)", strings.Join(exo, ", "))
			}
		}
		x.emit(h)
	}
}

func allSenders(o *Object) bool {
	for _, d := range o.List("SenderDomains") {
		if as := parseAddressSpace(d); as.addr == "*" {
			return true
		}
	}
	return false
}

func checkEnhancedFiltering(x *ctx) {
	for _, o := range x.OfKind(KindInboundConnector) {
		if connectorType(o) != "partner" || !allSenders(o) || o.True("EFSkipLastIP") || len(o.List("EFSkipIPs")) > 0 {
			continue
		}
		if len(o.List("SenderIPAddresses")) == 0 && !o.True("RestrictDomainsToIPAddresses") {
			continue
		}
		x.emit(hit{obj: o, prop: "EFSkipLastIP", evidence: o.Evidence("SenderDomains", "SenderIPAddresses", "EFSkipLastIP", "EFSkipIPs"),
			msg: "mail arrives through a gateway in front of Exchange Online, but Enhanced Filtering is off: the gateway's address is taken as the sender's, so SPF, DMARC and spoof verdicts are wrong"})
	}
}

func checkPartnerInternal(x *ctx) {
	for _, o := range x.OfKind(KindInboundConnector) {
		if connectorType(o) == "partner" && o.True("TreatMessagesAsInternal") {
			x.emit(hit{obj: o, prop: "TreatMessagesAsInternal", evidence: o.Evidence("TreatMessagesAsInternal", "ConnectorType"),
				msg: "a partner connector marks outside mail as internal: checks for external mail (spoofing, anti-spam) are skipped"})
		}
	}
}

func checkSenderIPRange(x *ctx) {
	for _, o := range x.OfKind(KindInboundConnector) {
		var bad []string
		for _, r := range ranges(o, "SenderIPAddresses") {
			if r.lo.Is6() || r.widerThan(24) {
				bad = append(bad, r.text)
			}
		}
		if len(bad) > 0 {
			x.emit(hit{obj: o, prop: "SenderIPAddresses",
				msg: fmt.Sprintf("Exchange Online honors only IPv4 addresses and ranges up to /24; %s will not match, so mail from there is not tied to this connector", strings.Join(bad, ", "))})
		}
	}
}
