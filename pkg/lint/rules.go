package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// Rule is one check with the documentation --list-rules and SARIF show.
type Rule struct {
	ID       string          `json:"id"`
	Severity report.Severity `json:"severity"`
	Title    string          `json:"title"`
	// Checks says what the rule looks at; Prevents names the NDR or
	// symptom the configuration leads to.
	Checks   string `json:"checks"`
	Prevents string `json:"prevents"`
	Fix      string `json:"fix"`
	Ref      string `json:"ref,omitempty"`
	// Live rules need --live: they look at DNS and the smart hosts.
	Live  bool `json:"live,omitempty"`
	check func(*ctx)
}

// hit is one occurrence of a rule.
type hit struct {
	obj      *Object
	prop     string
	msg      string
	evidence []string
	// sev overrides the rule's severity when a case is milder or worse
	// than the usual one; zero keeps the rule's.
	sev report.Severity
	// incomplete marks a check that could not be made from the input.
	incomplete bool
}

// ctx is what a check sees: all objects, the server index, and where to
// put hits.
type ctx struct {
	*Config
	topo *topology
	rule *Rule
	out  []report.Finding
	live *liveData
}

func (x *ctx) emit(h hit) {
	sev := x.rule.Severity
	if h.sev != report.OK {
		sev = h.sev
	}
	ev := h.evidence
	if ev == nil && h.prop != "" {
		ev = h.obj.Evidence(h.prop)
	}
	x.out = append(x.out, report.Finding{
		ID:         x.rule.ID,
		Severity:   sev,
		Subject:    h.obj.Subject(h.prop),
		Message:    h.msg,
		Evidence:   ev,
		Fix:        x.rule.Fix,
		Ref:        x.rule.Ref,
		Location:   h.obj.Loc(h.prop),
		Incomplete: h.incomplete,
	})
}

// ref points at another object's property in evidence.
func ref(o *Object, prop string) string {
	l := o.Loc(prop)
	p := o.Get(prop)
	if p == nil {
		return fmt.Sprintf("%s (%s:%d)", o.Label(), l.File, l.Line)
	}
	return fmt.Sprintf("%s .%s : %s (%s:%d)", o.Label(), p.Name, p.Text(), l.File, l.Line)
}

// Rules returns the catalog: every rule with its documentation.
func Rules() []*Rule {
	out := make([]*Rule, len(catalog))
	copy(out, catalog)
	return out
}

// Lookup returns the rule with the ID, or nil.
func Lookup(id string) *Rule {
	for _, r := range catalog {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// Options select what Check runs.
type Options struct {
	// Skip lists rule IDs not to run.
	Skip []string
	// Live holds what the network said, from Live; nil runs the offline
	// rules only.
	Live *LiveResult
}

// Check runs every rule over the configuration and returns the findings
// ordered by input file and line, so the ones about one object sit
// together.
func Check(c *Config, opts Options) []report.Finding {
	x := &ctx{Config: c, topo: buildTopology(c)}
	if opts.Live != nil {
		x.live = opts.Live.data
	}
	skip := map[string]bool{}
	for _, id := range opts.Skip {
		skip[id] = true
	}
	for _, r := range catalog {
		if skip[r.ID] || (r.Live && x.live == nil) {
			continue
		}
		x.rule = r
		r.check(x)
	}
	fileOrder := map[string]int{}
	for i, in := range c.Inputs {
		fileOrder[in.File] = i
	}
	sort.SliceStable(x.out, func(i, j int) bool {
		a, b := x.out[i].Location, x.out[j].Location
		if a.File != b.File {
			return fileOrder[a.File] < fileOrder[b.File]
		}
		return a.Line < b.Line
	})
	return x.out
}

// commentMentions reports whether an object's comment or name documents a
// protected link.
func commentMentions(o *Object, words ...string) bool {
	text := strings.ToLower(o.Str("Comment") + " " + o.Str("AdminDisplayName") + " " + o.Name())
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// The catalog: one table with every rule's metadata. The check functions
// live in rules_*.go by the object they are about.
var catalog = []*Rule{
	{
		ID: "lint.input.truncated", Severity: report.Warning, Title: "List cut short in the export",
		Checks:   "Format-List values ending in \"...\": PowerShell printed only the first $FormatEnumerationLimit items.",
		Prevents: "Wrong conclusions: rules see only part of the list, so an address or server missing from it may be there after all.",
		Fix:      "Export again after $FormatEnumerationLimit = -1, or use Export-Clixml, which never truncates.",
		check:    checkTruncated,
	},
	{
		ID: "lint.input.unrecognized", Severity: report.Info, Title: "Object of an unknown type",
		Checks:   "Objects whose properties match none of the supported cmdlets.",
		Prevents: "Silently ignored input: nothing in this object was checked.",
		Fix:      "Export with one of the supported cmdlets (see mailflow lint --help), or remove the object.",
		check:    checkUnrecognized,
	},
	{
		ID: "lint.send.smarthost_self", Severity: report.Error, Title: "Smart host is the connector's own server",
		Checks:   "SmartHosts (and Exchange 2003 smart hosts) naming one of the connector's own source servers by name, FQDN or address.",
		Prevents: "A mail loop: the server hands the message to itself until the hop count runs out and the sender gets 554 5.4.14 (5.4.6 on older versions).",
		Fix:      "Point the connector at the next hop (the Edge server, the relay appliance, the provider) or use DNS routing; remove the server itself from SmartHosts.",
		check:    checkSmartHostSelf,
	},
	{
		ID: "lint.send.basicauth_cleartext", Severity: report.Error, Title: "Smart host Basic authentication without TLS",
		Checks:   "SmartHostAuthMechanism BasicAuth while RequireTLS is False.",
		Prevents: "The relay account's user name and password crossing the network in clear text, where anyone on the path can reuse them to send as you.",
		Fix:      "Set-SendConnector -SmartHostAuthMechanism BasicAuthRequireTLS (and -RequireTLS $true); make sure the smart host offers STARTTLS.",
		check:    checkSendBasicCleartext,
	},
	{
		ID: "lint.send.auth_no_credential", Severity: report.Error, Title: "Smart host authentication without credentials",
		Checks:   "SmartHostAuthMechanism BasicAuth or BasicAuthRequireTLS with an empty AuthenticationCredential.",
		Prevents: "The smart host refusing to relay (530 5.7.57 or 535 5.7.3); messages queue and finally bounce.",
		Fix:      "Set-SendConnector -AuthenticationCredential (Get-Credential) with the account the smart host expects.",
		check:    checkSendNoCredential,
	},
	{
		ID: "lint.auth.externally_secured_unexplained", Severity: report.Warning, Title: "Externally secured without a documented secure link",
		Checks:   "Send connectors with SmartHostAuthMechanism ExternalAuthoritative and receive connectors with AuthMechanism ExternalAuthoritative whose comment does not mention IPsec, a VPN or another protected link.",
		Prevents: "Unauthenticated, unencrypted traffic being trusted as internal: spoofed mail passes as coming from your own servers and may relay anywhere.",
		Fix:      "Use Basic authentication over TLS or Exchange Server authentication; if the link really is IPsec or VPN protected, say so in the connector's Comment.",
		check:    checkExternallySecured,
	},
	{
		ID: "lint.send.smarthost_name_mismatch", Severity: report.Error, Title: "Smart host name differs from the receiving connector's FQDN",
		Checks:   "Smart hosts used with TLS or Basic authentication whose name is not the Fqdn of the receive connector they reach on the target server (both in the export).",
		Prevents: "TLS certificate name mismatches and failed Basic authentication over TLS: messages stay queued (451 4.4.0, 454 4.7.0) and bounce when they expire.",
		Fix:      "Use the receiving connector's FQDN as the smart host, make it resolve to that server, and have its certificate cover the name; or change the receiving connector's Fqdn to the name the senders use.",
		check:    checkSmartHostNameMismatch,
	},
	{
		ID: "lint.send.domain_validation_no_tlsdomain", Severity: report.Error, Title: "TLS domain validation without TlsDomain",
		Checks:   "TlsAuthLevel DomainValidation without TlsDomain on a connector that routes by DNS or to address literals, where there is no name to validate against.",
		Prevents: "Every TLS handshake failing validation; messages queue with TLS errors and bounce when they expire.",
		Fix:      "Set -TlsDomain to the domain the remote certificates carry (for Exchange Online: mail.protection.outlook.com).",
		check:    checkDomainValidation,
	},
	{
		ID: "lint.send.no_route", Severity: report.Error, Title: "Connector with neither DNS routing nor smart hosts",
		Checks:   "DNSRoutingEnabled False (use_dns: false) with an empty smart host list.",
		Prevents: "Messages routed to this connector having no next hop: they sit in the queue until they expire (4.4.7, then 5.4.7 or 5.4.4).",
		Fix:      "Add smart hosts or turn DNS routing on.",
		check:    checkNoRoute,
	},
	{
		ID: "lint.route.dns_non_smtp_address_space", Severity: report.Error, Title: "DNS routing for a non-SMTP address space",
		Checks:   "Connectors that route by DNS but carry an X.400, X.500, Notes or other non-SMTP address space.",
		Prevents: "DNS cannot look up a non-SMTP address: messages fail with 4.4.9 routing errors.",
		Fix:      "Route the non-SMTP address space through a smart host, or remove it from the DNS-routed connector.",
		check:    checkDNSNonSMTP,
	},
	{
		ID: "lint.send.mx_loopback_hosting", Severity: report.Error, Title: "Tenants' mail routed by MX back to the same servers",
		Checks:   "Accepted domains of more than one organization (hosting mode) with a DNS-routed \"*\" send connector whose source servers also receive the tenants' mail from the Internet.",
		Prevents: "Mail between tenants is resolved by MX, which points back at the sending server: 554 5.4.4 SMTPSEND.DNS.MxLoopback.",
		Fix:      "Send outbound mail from servers that do not receive inbound mail, or route \"*\" through a smart host outside the platform.",
		check:    checkMxLoopbackHosting,
	},
	{
		ID: "lint.send.external_dns_missing", Severity: report.Error, Title: "External DNS servers used but none configured",
		Checks:   "Send connectors with UseExternalDNSServersEnabled True whose source server's transport service has ExternalDNSAdapterEnabled False and no ExternalDNSServers.",
		Prevents: "MX lookups with no server to ask: messages queue with 451 4.4.0 DNS query failed.",
		Fix:      "Set-TransportService -ExternalDNSServers with resolvers that answer for the Internet, or turn UseExternalDNSServersEnabled off.",
		check:    checkExternalDNS,
	},
	{
		ID: "lint.send.size_exceeds_target", Severity: report.Warning, Title: "Send limit larger than the next hop's receive limit",
		Checks:   "A send connector's MaxMessageSize above the MaxMessageSize of the receive connector its smart host lands on (both in the export).",
		Prevents: "Messages between the two limits are accepted here and refused by the next hop with 552 5.3.4 (message size exceeds fixed maximum).",
		Fix:      "Make the receiving connector's MaxMessageSize at least the sending connector's, or lower the send limit so users get the error at submission.",
		check:    checkSizeExceedsTarget,
	},
	{
		ID: "lint.hybrid.send_requiretls", Severity: report.Error, Title: "Connector to Exchange Online without RequireTLS",
		Checks:   "On-premises send connectors to Exchange Online (smart host *.mail.protection.outlook.com or address space *.mail.onmicrosoft.com) with RequireTLS not True.",
		Prevents: "Cross-premises mail going unencrypted and not being matched to your inbound connector: it is treated as Internet mail, and relaying through it fails with 550 5.7.64 TenantAttribution.",
		Fix:      "Set-SendConnector -RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain mail.protection.outlook.com (or rerun the Hybrid Configuration Wizard).",
		check:    checkHybridRequireTLS,
	},
	{
		ID: "lint.hybrid.send_cloudservices", Severity: report.Warning, Title: "Connector to Exchange Online drops organization headers",
		Checks:   "On-premises send connectors to Exchange Online with CloudServicesMailEnabled False.",
		Prevents: "Exchange strips the internal X-MS-Exchange-Organization headers, so Exchange Online treats cross-premises mail as external: external out-of-office replies, unresolved senders, rules for internal mail not applying.",
		Fix:      "Set-SendConnector -CloudServicesMailEnabled $true on connectors to Exchange Online.",
		check:    checkHybridCloudServices,
	},
	{
		ID: "lint.connector.tls_certificate_name", Severity: report.Error, Title: "TlsCertificateName not in <I>issuer<S>subject form",
		Checks:   "TlsCertificateName on send and receive connectors that is not written as <I>issuer<S>subject.",
		Prevents: "Exchange not finding the certificate: STARTTLS uses another certificate or fails, and connectors that identify you by certificate (hybrid, partners) stop matching (454 4.7.0, 550 5.7.64).",
		Fix:      "Build the value from the certificate: \"<I>$($c.Issuer)<S>$($c.Subject)\" with $c = Get-ExchangeCertificate -Thumbprint ...",
		check:    checkCertificateNameSyntax,
	},
	{
		ID: "lint.recv.internal_open", Severity: report.Warning, Title: "Internal receive connector open to every address",
		Checks:   "Custom receive connectors meant for servers (ExchangeServers or Partners permission, no anonymous access) whose RemoteIPRanges still include 0.0.0.0-255.255.255.255.",
		Prevents: "Internet hosts reaching this binding meet a connector that demands authentication: their mail is refused (530 5.7.1), and its login is open to password guessing from anywhere.",
		Fix:      "Replace the full range with the addresses of the servers that should use the connector (Set-ReceiveConnector -RemoteIPRanges).",
		check:    checkInternalOpen,
	},
	{
		ID: "lint.recv.anonymous_ipv6_open", Severity: report.Warning, Title: "Anonymous mail from any IPv6 address",
		Checks:   "Custom receive connectors granting AnonymousUsers, bound to IPv6 and accepting every IPv6 address.",
		Prevents: "Spam from IPv6 sources that address block lists do not cover: connection filtering sees them as unknown and lets them in.",
		Fix:      "Limit RemoteIPRanges to the IPv6 ranges you expect mail from, or bind the connector to IPv4 only.",
		check:    checkAnonymousIPv6,
	},
	{
		ID: "lint.recv.anonymous_relay_wide", Severity: report.Error, Title: "Anonymous relay for a wide address range",
		Checks:   "Receive connectors where ANONYMOUS LOGON holds ms-Exch-SMTP-Accept-Any-Recipient (from Get-ADPermission) and RemoteIPRanges include a range wider than /24 (IPv4) or /64 (IPv6).",
		Prevents: "An open relay: any host in the range can send mail anywhere through you, which ends on block lists (your own outbound mail then bounces with 550 5.7.1 from other domains).",
		Fix:      "Restrict RemoteIPRanges to the individual devices that need to relay, or make them authenticate.",
		check:    checkAnonymousRelayWide,
	},
	{
		ID: "lint.recv.relay_on_default", Severity: report.Error, Title: "Relay rights on a default receive connector",
		Checks:   "ms-Exch-SMTP-Accept-Any-Recipient granted to ANONYMOUS LOGON on Default Frontend, Default, Client Frontend, Client Proxy or Outbound Proxy Frontend connectors.",
		Prevents: "The default connectors accept every address: the server becomes an open relay for the whole Internet.",
		Fix:      "Remove the permission (Remove-ADPermission) and create a dedicated relay connector limited to the devices that need it.",
		check:    checkRelayOnDefault,
	},
	{
		ID: "lint.recv.externalauth_wide", Severity: report.Error, Title: "Externally secured receive connector for a wide range",
		Checks:   "AuthMechanism ExternalAuthoritative with RemoteIPRanges wider than /24 (IPv4) or /64 (IPv6).",
		Prevents: "Every host in the range is treated as an authenticated Exchange server: it may relay anywhere and send as any internal user without checks.",
		Fix:      "List only the addresses of the trusted servers in RemoteIPRanges.",
		check:    checkExternalAuthWide,
	},
	{
		ID: "lint.recv.hub_port25_multirole", Severity: report.Error, Title: "Custom HubTransport connector on port 25 of a multi-role server",
		Checks:   "Receive connectors with TransportRole HubTransport bound to port 25 on a server that also runs the Front End Transport service.",
		Prevents: "Both transport services claim port 25: one cannot listen, and inbound mail is refused or handled by the wrong connector.",
		Fix:      "Recreate the connector with -TransportRole FrontendTransport, or bind it to another port.",
		check:    checkHubPort25,
	},
	{
		ID: "lint.recv.basicauth_cleartext", Severity: report.Warning, Title: "Basic authentication offered before TLS",
		Checks:   "Receive connectors with AuthMechanism BasicAuth but not BasicAuthRequireTLS.",
		Prevents: "Clients and servers sending passwords in clear text before STARTTLS.",
		Fix:      "Set-ReceiveConnector -AuthMechanism with BasicAuthRequireTLS added (and Tls).",
		check:    checkRecvBasicCleartext,
	},
	{
		ID: "lint.recv.default_fqdn_changed", Severity: report.Warning, Title: "FQDN of the \"Default <server>\" connector changed",
		Checks:   "The HubTransport connector named \"Default SERVER\" with an Fqdn that is not the server's own name.",
		Prevents: "Exchange servers authenticate to each other with Kerberos against the server's FQDN; a different FQDN breaks server-to-server authentication and mail queues between servers (451 4.4.0, 5.7.3 cannot achieve Exchange Server authentication).",
		Fix:      "Set the Fqdn back to the server's FQDN; change the FQDN on the Default Frontend or a dedicated Internet connector instead.",
		check:    checkDefaultFqdn,
	},
	{
		ID: "lint.recv.source_not_in_remoteipranges", Severity: report.Error, Title: "Sending server missing from the target connector's RemoteIPRanges",
		Checks:   "For send connectors with smart hosts, the restricted receive connector they reach (for example the Edge internal connector) must list every source transport server's address in RemoteIPRanges.",
		Prevents: "Servers missing from the list land on another connector (the Internet one), where their authentication is not offered: mail queues with 530 5.7.1 or is refused as relay (550 5.7.54).",
		Fix:      "Add every source server's address to the receiving connector's RemoteIPRanges, or remove the server from SourceTransportServers.",
		check:    checkSourceInRanges,
	},
	{
		ID: "lint.domain.wildcard", Severity: report.Error, Title: "Accepted domain \"*\"",
		Checks:   "Accepted domains and recipient policies for \"*\".",
		Prevents: "Exchange treats every domain as its own: as a relay domain it is an open relay, as an authoritative one it answers all outbound mail with 550 5.1.1.",
		Fix:      "Remove the \"*\" accepted domain; list the real domains, and use a send connector for \"*\" to reach the Internet.",
		check:    checkWildcardDomain,
	},
	{
		ID: "lint.domain.public_suffix_wildcard", Severity: report.Error, Title: "Accepted domain wildcard covers a public suffix",
		Checks:   "Accepted domains (a *.name DomainName, or MatchSubDomains) and Exchange 2003 recipient policy domains whose wildcard covers a suffix of the Public Suffix List: an ICANN one (*.com, *.co.uk), a whole top-level domain, or a provider's shared suffix from the list's private section (*.cloudapp.net, *.blogspot.com) unless the organization accepts that suffix itself.",
		Prevents: "As a relay domain (InternalRelay, ExternalRelay, a non-authoritative policy) an open relay for every domain registered under the suffix, abused for spam and block-listed within days; as an authoritative one, mail from your users to all those domains refused with 550 5.1.1.",
		Fix:      "Name the namespace you mean: *.contoso.com for your own subdomains, *.partner.co.uk for a partner's; remove the wildcard over the suffix.",
		check:    checkSuffixWildcardDomain,
	},
	{
		ID: "lint.route.public_suffix_smarthost", Severity: report.Warning, Title: "Address space over a public suffix sent to a smart host",
		Checks:   "Send connectors, Exchange 2003 SMTP connectors and Exchange Online outbound connectors that send a wildcard covering a public suffix (*.co.uk, *.cloudapp.net) to smart hosts other than the ones that carry \"*\". A warning, not an error: a dedicated gateway for a whole suffix (a government secure-mail relay) is rare but sound, and DNS-routed connectors are not reported at all, since a suffix routed by MX goes where it would anyway (a *.gov.uk connector that requires TLS is a common, sound setup).",
		Prevents: "Mail to every domain under the suffix goes to one smart host, usually a partner's relay where the partner's own domain was meant (*.co.uk for *.partner.co.uk): it refuses what is not its own (550 5.7.1 unable to relay, NDRs for unrelated recipients) or receives mail meant for others.",
		Fix:      "Narrow the address space to the partner's namespace (SMTP:*.partner.co.uk;1). If the whole suffix really goes through a dedicated gateway, --skip lint.route.public_suffix_smarthost.",
		check:    checkSuffixSmartHost,
	},
	{
		ID: "lint.domain.server_fqdn", Severity: report.Error, Title: "Accepted domain equals a server's FQDN",
		Checks:   "Accepted domains and Exchange 2003 recipient policy domains that equal the FQDN of an Exchange server in the export.",
		Prevents: "Mail to the server's own name is treated as local: routing between servers breaks with 5.4.8 loop NDRs.",
		Fix:      "Use the mail domain (contoso.com), not a server's FQDN (ex01.contoso.com), as accepted domain or policy address.",
		check:    checkDomainServerFqdn,
	},
	{
		ID: "lint.domain.shared_namespace_authoritative", Severity: report.Error, Title: "Shared address space configured as authoritative",
		Checks:   "Domains routed to another system by a connector of their own but accepted as Authoritative (Exchange 2003: responsible for all mail delivery).",
		Prevents: "Recipients who live on the other system get 550 5.1.1 from Exchange instead of being forwarded (Exchange 2003 may also loop with 5.3.5).",
		Fix:      "Make the domain InternalRelay (Exchange 2003: clear \"responsible for all mail delivery\" and allow relay on the connector).",
		check:    checkSharedNamespace,
	},
	{
		ID: "lint.domain.relay_dns_loop", Severity: report.Warning, Title: "Relay domain routed by its own MX",
		Checks:   "InternalRelay/ExternalRelay accepted domains (Exchange 2003: non-authoritative policy domains) that no connector routes except a DNS-routed \"*\".",
		Prevents: "Unknown recipients are sent to the domain's MX, which is usually this organization: 554 5.4.4 SMTPSEND.DNS.MxLoopback.",
		Fix:      "Add a send connector for the domain that smart-hosts to the system that holds the other mailboxes. With --live, mailflow checks where the MX points.",
		check:    checkRelayDNSLoop,
	},
	{
		ID: "lint.exo.inbound_onprem_requiretls", Severity: report.Error, Title: "Exchange Online inbound on-premises connector without RequireTls",
		Checks:   "Get-InboundConnector objects of type OnPremises with RequireTls False.",
		Prevents: "On-premises mail accepted in clear text; when the connector identifies you by certificate, mail is not matched and relaying fails with 550 5.7.64 TenantAttribution.",
		Fix:      "Set-InboundConnector -RequireTls $true.",
		check:    checkInboundRequireTLS,
	},
	{
		ID: "lint.exo.outbound_onprem_tls", Severity: report.Error, Title: "Exchange Online outbound on-premises connector without TLS settings",
		Checks:   "Get-OutboundConnector objects of type OnPremises with empty TlsSettings.",
		Prevents: "Mail from Exchange Online to your servers crossing the Internet unencrypted and unverified; on-premises cannot recognize it as cross-premises mail.",
		Fix:      "Set-OutboundConnector -TlsSettings DomainValidation -TlsDomain <your on-premises certificate name>.",
		check:    checkOutboundTLS,
	},
	{
		ID: "lint.exo.cloudservices_disabled", Severity: report.Warning, Title: "Hybrid connector drops organization headers",
		Checks:   "OnPremises inbound or outbound connectors with CloudServicesMailEnabled False.",
		Prevents: "Cross-premises mail loses its internal headers and is treated as external (external OOF, anonymous senders, rules for internal mail not applying).",
		Fix:      "Set-InboundConnector / Set-OutboundConnector -CloudServicesMailEnabled $true.",
		check:    checkCloudServicesEXO,
	},
	{
		ID: "lint.exo.inbound_certificate_name", Severity: report.Error, Title: "Inbound connector certificate name does not identify your servers",
		Checks:   "TlsSenderCertificateName written in the on-premises <I>issuer<S>subject form, or not covering the certificate subject configured on the on-premises send connector to Exchange Online.",
		Prevents: "Exchange Online cannot match your servers' mail to the connector: it is treated as Internet mail and relaying fails with 550 5.7.64 TenantAttribution.",
		Fix:      "Set-InboundConnector -TlsSenderCertificateName to the certificate's subject or SAN domain (for example *.contoso.com or mail.contoso.com).",
		check:    checkInboundCertName,
	},
	{
		ID: "lint.exo.cmt_no_inbound", Severity: report.Error, Title: "Centralized mail transport without an inbound on-premises connector",
		Checks:   "Outbound connectors with RouteAllMessagesViaOnPremises True while no enabled inbound connector of type OnPremises exists.",
		Prevents: "Mail sent back from on-premises is not recognized: it loops or is rejected (5.4.6 / 5.4.14 hop count, 550 5.7.64).",
		Fix:      "Create the OnPremises inbound connector (the Hybrid Configuration Wizard does), or turn RouteAllMessagesViaOnPremises off.",
		check:    checkCMTNoInbound,
	},
	{
		ID: "lint.hybrid.cmt_loop", Severity: report.Error, Title: "Internet mail routed both ways between on-premises and Exchange Online",
		Checks:   "RouteAllMessagesViaOnPremises True on an Exchange Online outbound connector while an on-premises \"*\" send connector smart-hosts to Exchange Online.",
		Prevents: "Each side hands Internet mail to the other until the hop count is exceeded: 554 5.4.14 (5.4.6).",
		Fix:      "With centralized mail transport, the on-premises \"*\" connector must deliver to the Internet (DNS or your own relay), not to Exchange Online.",
		check:    checkCMTLoop,
	},
	{
		ID: "lint.exo.outbound_onprem_mx", Severity: report.Warning, Title: "On-premises outbound connector routed by MX",
		Checks:   "Outbound connectors of type OnPremises with UseMXRecord True.",
		Prevents: "Once the MX points at Exchange Online, mail for on-premises recipients is sent to the MX, that is back to Exchange Online: a loop ending in 5.4.14 / 5.4.6.",
		Fix:      "Set-OutboundConnector -UseMXRecord $false -SmartHosts <your on-premises mail host>. With --live, mailflow checks where the MX points.",
		check:    checkOutboundOnPremMX,
	},
	{
		ID: "lint.exo.enhanced_filtering_off", Severity: report.Warning, Title: "Gateway in front of Exchange Online without Enhanced Filtering",
		Checks:   "Inbound connectors that accept all sender domains from the addresses of a third-party gateway (MX not at Exchange Online) with neither EFSkipLastIP nor EFSkipIPs set.",
		Prevents: "Exchange Online sees the gateway as the sender: SPF and DMARC fail or pass wrongly, spoof and spam verdicts are wrong.",
		Fix:      "Set-InboundConnector -EFSkipLastIP $true, or -EFSkipIPs with the gateway's addresses.",
		check:    checkEnhancedFiltering,
	},
	{
		ID: "lint.exo.partner_treated_internal", Severity: report.Error, Title: "Partner connector treats mail as internal",
		Checks:   "Inbound connectors of type Partner with TreatMessagesAsInternal True.",
		Prevents: "Mail from outside your organization is handled as internal: spoofing and anti-spam checks for external mail are skipped.",
		Fix:      "Set-InboundConnector -TreatMessagesAsInternal $false; only OnPremises connectors of a hybrid setup may use it.",
		check:    checkPartnerInternal,
	},
	{
		ID: "lint.exo.sender_ip_range", Severity: report.Warning, Title: "SenderIPAddresses Exchange Online does not honor",
		Checks:   "Inbound connector SenderIPAddresses with IPv6 addresses or IPv4 ranges wider than /24.",
		Prevents: "Mail from those addresses is not matched to the connector: restrictions do not apply, and relaying from on-premises fails with 550 5.7.64.",
		Fix:      "List IPv4 addresses or ranges of /24 or narrower; identify IPv6 senders by certificate (TlsSenderCertificateName).",
		check:    checkSenderIPRange,
	},
	{
		ID: "lint.legacy.binding_conflict", Severity: report.Error, Title: "SMTP virtual servers share an address or use All Unassigned",
		Checks:   "Exchange 2003 servers with more than one SMTP virtual server where one is on \"All Unassigned\" or two share an IP address and port.",
		Prevents: "Mail looping between the server's own virtual servers: 5.3.5 NDRs.",
		Fix:      "Give each virtual server its own IP address (or port) and set none to All Unassigned when there are several.",
		check:    checkLegacyBindings,
	},
	{
		ID: "lint.legacy.smarthost_unbracketed", Severity: report.Error, Title: "IP smart host without brackets",
		Checks:   "Exchange 2003 smart hosts and forwarding hosts given as bare IP addresses.",
		Prevents: "Exchange 2003 looks the address up in DNS as a host name, which fails: 5.4.0 or messages expiring with 4.4.7.",
		Fix:      "Write IP smart hosts in square brackets: [192.0.2.25].",
		check:    checkLegacyBrackets,
	},
	{
		ID: "lint.legacy.relay_domain_not_allowed", Severity: report.Error, Title: "Non-authoritative domain's connector does not allow relay",
		Checks:   "Exchange 2003 recipient policy domains that are not authoritative and have their own SMTP connector without \"Allow messages to be relayed to these domains\".",
		Prevents: "Inbound mail for the domain is refused as relay: 550 5.7.1 Unable to relay.",
		Fix:      "Tick \"Allow messages to be relayed to these domains\" on the connector's Address Space tab (allow_relay: true).",
		check:    checkLegacyRelayAllowed,
	},
	{
		ID: "lint.legacy.relay_wildcard", Severity: report.Error, Title: "Connector allows relay to every domain",
		Checks:   "Exchange 2003 SMTP connectors with \"Allow messages to be relayed to these domains\" (allow_relay) on the address space \"*\" or on a wildcard that covers a public suffix (*.com, *.co.uk).",
		Prevents: "An open relay: anyone on the Internet can send through the server to those domains. It is abused for spam within days and block-listed, and then your own mail is refused too (550 5.7.1, 554 5.7.1 from the receivers).",
		Fix:      "Clear allow_relay on the Internet (\"*\") connector; allow relay only on connectors for the named domains you forward (SMTP:fabrikam.com;1).",
		check:    checkRelayWildcard,
	},
	{
		ID: "lint.legacy.routing_group_isolated", Severity: report.Error, Title: "Routing group without a connector",
		Checks:   "Exchange 2003 routing groups that no routing group connector links to the others.",
		Prevents: "No route to the servers in that group: messages queue as unreachable and bounce with 5.4.4 (5.0.0 before SP1).",
		Fix:      "Create a routing group connector between the groups.",
		check:    checkRoutingGroupIsolated,
	},
	{
		ID: "lint.legacy.vs_fqdn_routing", Severity: report.Warning, Title: "Virtual server FQDN used between routing groups",
		Checks:   "With several routing groups, SMTP virtual servers on All Unassigned whose FQDN is not the server's own name.",
		Prevents: "Other routing groups connect by that FQDN; without split DNS it resolves to the external address and mail between sites queues behind the firewall.",
		Fix:      "Publish the name internally with the internal address (split DNS), or bind the virtual server to its specific IP address.",
		check:    checkVSFqdnRouting,
	},
	{
		ID: "lint.live.smarthost_unresolved", Severity: report.Error, Live: true, Title: "Smart host does not resolve",
		Checks:   "With --live: every smart host name resolves through the --dns resolver (the one the transport servers use).",
		Prevents: "Mail to the connector queues with 451 4.4.0 DNS query failed and bounces when it expires (5.4.0 on Exchange 2003).",
		Fix:      "Create the A record, fix the name in SmartHosts, or use the address in brackets.",
		check:    checkLiveResolve,
	},
	{
		ID: "lint.live.split_dns", Severity: report.Warning, Live: true, Title: "Smart host resolves differently inside and outside",
		Checks:   "With --live and --compare: the smart host's addresses from the internal (--dns) and external (--compare) resolvers differ.",
		Prevents: "Servers using the other resolver connect to another address, often one the firewall blocks: mail between sites queues (the Exchange 2003 routing group case).",
		Fix:      "Make the transport servers use the resolver that returns the reachable address (split DNS with the internal address), or bind and route by IP address.",
		check:    checkLiveSplitDNS,
	},
	{
		ID: "lint.live.smarthost_smtp", Severity: report.Error, Live: true, Title: "Smart host does not answer SMTP",
		Checks:   "With --live: an SMTP session to each smart host on the connector's port gets a 220 banner and an EHLO answer.",
		Prevents: "Mail to the connector queues (451 4.4.0 / 4.4.1 connection failures) and bounces when it expires.",
		Fix:      "Check the smart host's service, the port in the connector, and firewalls between the transport servers and the smart host.",
		check:    checkLiveSMTP,
	},
	{
		ID: "lint.live.smarthost_starttls", Severity: report.Error, Live: true, Title: "Smart host without working STARTTLS",
		Checks:   "With --live: the smart host advertises STARTTLS and the handshake completes. Error when the connector requires TLS, warning otherwise.",
		Prevents: "With RequireTLS or BasicAuthRequireTLS, mail queues and bounces; without, it travels in clear text.",
		Fix:      "Install a certificate on the smart host and enable STARTTLS, or (only on a protected link) stop requiring TLS.",
		check:    checkLiveSTARTTLS,
	},
	{
		ID: "lint.live.smarthost_certificate", Severity: report.Error, Live: true, Title: "Smart host certificate does not match",
		Checks:   "With --live: the certificate the smart host presents covers TlsDomain (or the smart host name) and, when the connector validates certificates, verifies.",
		Prevents: "TLS validation failures: mail queues (454 4.7.5, 451 4.4.0) and bounces when it expires.",
		Fix:      "Give the smart host a certificate for the configured name, or point SmartHosts/TlsDomain at the name the certificate carries.",
		check:    checkLiveCertificate,
	},
}
