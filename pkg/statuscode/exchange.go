package statuscode

const (
	srcExchangeOnline = "Exchange Online"
	srcOutlookCom     = "Outlook.com"
)

func exo(codes ...codeSpan) rule { return newRule(famMicrosoft, srcExchangeOnline, codes...) }

func exch(codes ...codeSpan) rule { return newRule(famMicrosoft, srcExchange, codes...) }

func outlook(codes ...codeSpan) rule { return newRule(famMicrosoft, srcOutlookCom, codes...) }

// exchangeRules returns what Exchange Server 2007 to 2019 means by its codes,
// including the texts that tell the 5.7.1 refusals apart.
func exchangeRules() []rule {
	return []rule{
		exch(at(4, 3, 1)).says("Insufficient system resources",
			"The transport service is under back pressure and refuses new mail until resources recover.").
			because("little free space on the disk that holds the queue database", "little free memory, for example a virtual machine with dynamic memory").
			fix("free disk space or move the queue database to a larger disk", "give Exchange virtual machines static memory"),
		exch(at(4, 3, 2)).on("service not available", "service not active").says("Transport service not accepting mail",
			"The receiving Exchange service is up but not taking mail.").
			because("server components were left inactive after maintenance", "a custom Receive connector on port 25 was created in the Transport (hub) service instead of Front End Transport", "an incompatible transport agent, often after an update").
			fix("check Get-ServerComponentState and set ServerWideOffline back to Active", "move port 25 connectors to the Front End Transport service", "disable the suspect transport agent"),
		exch(at(4, 4, 1)).says("Connection timed out",
			"Exchange could not connect to the destination and keeps retrying; after repeated failures the message is returned with a permanent code.").
			because("a transient network problem", "a firewall or the ISP blocking outbound TCP port 25").
			fix("test port 25 to the destination's MX hosts from the Exchange server", "retry the queue once the network is fixed"),
		exch(at(4, 4, 2)).says("Connection dropped",
			"The connection to the next hop broke during the transaction.").
			because("a transient network problem", "the remote side's message size or rate limits for this source", "an anti-spam proxy or firewall between the servers").
			fix("check the send protocol log for the point where the connection ends"),
		exch(at(4, 4, 7)).says("Message delayed or expired",
			"Exchange could not deliver within the retry period and is reporting a delay (or, at the end, the expiry).").
			because(
				"the Send connector routes by DNS where a smart host is needed, or the reverse",
				"the FQDN the Send connector gives in EHLO does not match the name in the MX or reverse DNS, and the receiver checks it",
				"the Mailbox Transport Delivery service is stopped on the destination server",
				"the destination has trouble with TNEF (rich text) content",
				"the sending domain's SPF record does not list this server").
			fix("resolve the destination from the Exchange server with nslookup", "set the Send connector FQDN to the name published in DNS", "check the queue's last error (Get-Queue)"),
		exch(at(5, 1, 0)).on("sender denied").says("Sender denied",
			"The recipient could not be resolved and the message was refused, typically a reply to a message that was saved and opened offline.").
			because("Outlook kept only the legacyExchangeDN of a saved message, and that address no longer resolves").
			fix("check the recipient address and send again from a fresh message"),
		exch(at(5, 1, 1)).says("Recipient does not exist",
			"The destination system has no recipient with this address.").
			because(
				"a typo in the address",
				"the recipient was removed or renamed",
				"the mailbox moved and Outlook's recipient cache still holds the old entry",
				"a mailbox was recreated, so internal users' autocomplete entries carry the old X.500 address").
			fix("check the address", "delete the autocomplete entry and select the recipient again", "add the old X.500 address as a proxy address on a recreated mailbox"),
		exch(at(5, 1, 4), at(5, 1, 5)).on("reserved by rfc 2606").says("Reserved top-level domain",
			"A Receive connector refused a recipient in .test, .example, .invalid or .localhost.").
			fix("use a real domain, or turn off RejectReservedTopLevelRecipientDomains on the Receive connector for test setups"),
		exch(at(5, 1, 6)).on("single label domains").says("Single-label domain not accepted",
			"A Receive connector refused a recipient whose domain has no dot (user@contoso).").
			fix("use the full domain, or turn off RejectSingleLabelRecipientDomains on the Receive connector"),
		exch(at(5, 1, 7)).says("Invalid sender address",
			"The sender address is malformed or unknown.").
			fix("check the envelope sender used by the application or device"),
		exch(at(5, 2, 1)).on("content filter agent quarantined").says("Quarantined by content filtering",
			"The Content Filter agent judged the message to be spam and moved it to the spam quarantine mailbox.").
			fix("release it from quarantine and add sender or recipient exceptions to content filtering if needed"),
		exch(at(5, 2, 2)).says("Mailbox full",
			"The recipient's mailbox is over its storage quota and cannot accept new messages.").
			fix("ask the recipient to free space, or raise the mailbox quota"),
		exch(at(5, 2, 3)).says("Message too large",
			"The message exceeds a size limit set on the recipient, the sender or the organisation; the diagnostic token tells which.").
			fix("send a smaller message", "raise the limit named by the RESOLVER.RST token"),
		exch(at(5, 3, 0)).on("too many related errors").says("Poison message",
			"The message was judged malformed and moved to the poison message queue.").
			fix("inspect the message in the poison queue; export it before deciding to resubmit or delete"),
		exch(at(5, 3, 2)).on("storedriver mdb properties").says("Recipient outside the address book policy",
			"With the Address Book Policy routing agent installed, the recipient is not in the global address list of the sender's address book policy.").
			fix("check the address book policies of sender and recipient"),
		exch(at(5, 3, 3)).on("unrecognized command").says("Exchange Server authentication missing",
			"A Receive connector used for mail between Exchange servers lacks the Exchange Server authentication mechanism.").
			fix("enable Exchange Server authentication on the internal Receive connector"),
		exch(at(5, 3, 4)).says("Message size exceeds the fixed maximum",
			"The message is over a size limit on the source or destination side.").
			fix("send a smaller message or share files as links", "compare the size limits of the organisation, connectors and recipients"),
		exch(at(5, 3, 5)).on("system incorrectly configured").says("Mail loop through a Receive connector",
			"A loop was detected because a Receive connector's FQDN equals the name of another server or device in the mail path.").
			fix("give the Receive connector its own FQDN that no other server in the mail flow uses"),
		exch(at(5, 4, 4)).says("Unable to route",
			"Exchange found no way to deliver: DNS said the domain does not exist, the MX leads back to this server, or no connector covers the address; the diagnostic token tells which.").
			fix("look up the domain's MX from the Exchange server", "check the Send connectors' address spaces"),
		exch(at(5, 4, 6)).says("Hop count exceeded, possible mail loop",
			"After about twenty trips around a loop Exchange stops the message and returns it.").
			because("inbox or forwarding rules on sender and recipient answer each other", "a mailbox has a targetAddress (ExternalEmailAddress) that points elsewhere", "stale routing after servers were removed").
			fix("check inbox rules and mailbox forwarding", "clear targetAddress on mailboxes", "restart the Transport and Front End Transport services after routing changes"),
		exch(at(5, 5, 2)).on("send hello first").says("Commands out of sequence",
			"A client sent MAIL FROM or AUTH before identifying itself with EHLO or HELO.").
			fix("fix the client so it starts with EHLO"),
		exch(at(5, 5, 3)).says("Too many recipients",
			"The recipients on To, Cc and Bcc together exceed the limit of the organisation, the Receive connector or the sender.").
			fix("split the message or use a distribution group", "check the recipient limits"),
		exch(at(5, 7, 1)).on("client was not authenticated").says("Client was not authenticated",
			"The receiving Exchange server requires SMTP authentication before it accepts this message, and the sender did not authenticate.").
			because(
				"an application, device or partner server submits anonymously to a Receive connector that only allows authenticated users",
				"the client could not authenticate because Basic authentication is offered only after STARTTLS and TLS failed, for example because the connector's FQDN does not match its certificate").
			fix("configure the sender to use STARTTLS and authenticate", "or allow anonymous users on a dedicated Receive connector scoped to the sender's IP address", "make the Receive connector FQDN match a name in its certificate"),
		exch(at(5, 7, 1)).on("unable to relay").says("Unable to relay",
			"The server is not the final destination for the recipient's domain and will not relay for this sender.").
			because(
				"an application server, printer or device tries to relay to outside addresses without permission",
				"the domain's MX points to a server that does not accept that domain",
				"spam sent through the server with a forged sender, whose owner got the bounce").
			fix("set up an authenticated or IP-restricted relay connector for the device", "make the domain an accepted domain, or correct its MX"),
		exch(at(5, 7, 1)).says("Delivery not authorized",
			"The sender may not send to this recipient: delivery restrictions, relay refusal or a transport rule.").
			fix("read the text after the code and the diagnostic token"),
		exch(at(5, 7, 3)).says("Exchange Server authentication failed",
			"An Exchange server could not authenticate to another one (\"cannot achieve Exchange Server authentication\" or \"not authorized\").").
			because("a firewall or SMTP inspection strips the X-EXPS extended command", "internal mail reaches a custom Receive connector whose remote IP ranges catch Exchange servers").
			fix("disable SMTP inspection between Exchange servers", "narrow the remote IP ranges of custom Receive connectors"),
		exch(span(5, 7, 900, 999)).says("Rejected by a mail flow rule",
			"A mail flow (transport) rule rejected the message with a custom code in this range; without one the rule uses 5.7.1.").
			fix("find the matching rule in message tracking and adjust its conditions or exceptions"),
	}
}

// exchangeOnlineRules returns what Exchange Online and Exchange Online
// Protection mean by their codes.
func exchangeOnlineRules() []rule {
	return []rule{
		exo(at(4, 3, 2)).on("recipient thread limit").says("Recipient thread limit exceeded",
			"The recipient mailbox is receiving too many messages at once, so Exchange throttles deliveries to it to protect other mailboxes on the same database.").
			fix("nothing to fix on the sending side; the message is retried"),
		exo(at(4, 4, 7)).says("Message expired",
			"The sending server kept the message queued past its expiry time; a remote header limit or another protocol time-out can end the same way.").
			because("the receiving server is down or misconfigured", "too many recipients in the header for the remote host").
			fix("check the recipient address and whether the receiving server accepts mail", "reduce recipients per message for that host"),
		exo(at(4, 4, 8), at(5, 4, 8)).says("MX hosts failed MTA-STS validation",
			"The destination domain publishes an MTA-STS policy and the MX host Exchange Online reached is not one the policy allows.").
			fix("the recipient's domain must align its MTA-STS policy file with its MX records"),
		exo(at(4, 4, 62)).says("Mail sent to the wrong Microsoft 365 region",
			"The message reached a Microsoft 365 datacenter that does not host the recipient's tenant, usually because the MX or a smart host uses a retired name.").
			fix("point the MX at the tenant's <domain>.mail.protection.outlook.com host and do not hard-code Microsoft IPs or old host names in connectors"),
		exo(at(4, 4, 312), at(5, 4, 312)).says("DNS query failed",
			"Exchange Online could not get usable DNS answers for the destination domain (for example no records).").
			fix("check the recipient domain's MX and address records in public DNS"),
		exo(at(4, 4, 316), at(5, 4, 316)).says("Connection refused",
			"Exchange Online tried to deliver outside Microsoft 365 and the destination refused the TCP connection (socket error 10061). The 5.x.x form means the retries ran out.").
			because("the destination server or its firewall is down or refusing port 25", "the destination only accepts mail from listed IP ranges").
			fix("the receiving side must fix its server or firewall; the NDR names the IP that refused"),
		exo(at(4, 4, 317), at(5, 4, 317)).says("Destination does not complete TLS",
			"TLS is required for this destination (DANE or policy) and the server either does not answer STARTTLS or the handshake fails.").
			fix("the receiving side must offer STARTTLS with a working certificate"),
		exo(at(4, 4, 318), at(5, 4, 318)).says("Connection closed abruptly",
			"The destination server dropped the connection during the transaction (SuspiciousRemoteServerError); the 5.x.x form means Exchange Online gave up.").
			fix("the receiving side should check its logs and any SMTP-inspecting firewall for resets"),
		exo(at(5, 4, 300)).says("Message expired",
			"Delivery took too long: the destination never answered, or the message produced an NDR that itself could not reach the sender.").
			fix("check that the destination's MX hosts accept connections"),
		exo(at(5, 4, 310)).says("DNS domain does not exist",
			"The recipient's domain does not exist in DNS.").
			fix("check the domain's spelling and registration"),
		exo(at(5, 4, 1)).says("Recipient address rejected: access denied",
			"The server that generated the error does not take mail for the recipient, because the address does not exist (directory-based edge blocking) or the domain is not accepted there.").
			because("the recipient does not exist in the tenant", "the domain's MX points at Exchange Online but the domain is not an accepted domain of any tenant", "mail enabled for the domain in the wrong tenant").
			fix("check the address", "check the domain's accepted domain type and MX record"),
		exo(at(5, 4, 1)).on("relay access denied").says("Relay access denied",
			"The receiving server does not accept mail for the recipient's domain; the fault is a mail server or DNS misconfiguration on the receiving side.").
			fix("the recipient's administrator must add the domain as an accepted domain or correct its MX record"),
		exo(at(5, 4, 6), at(5, 4, 14)).says("Routing loop detected",
			"A configuration error makes the message loop; Exchange stops it after 20 trips. Exchange Online reports 5.4.14, on-premises servers in a hybrid setup 5.4.6.").
			because("automatic forwarding rules on sender and recipient", "connectors or MX records that send the domain back and forth between on-premises and the cloud").
			fix("check inbox and forwarding rules of both mailboxes", "check the hybrid connectors and the domain's MX"),
		exo(at(5, 0, 350)).says("Generic error from the recipient's organisation",
			"A catch-all code for many unspecific errors raised by the recipient's mail system.").
			fix("read the full text; ask the recipient's administrator"),
		exo(at(5, 0, 350)).on("x-dg-ref header is too long").says("x-dg-ref header too long",
			"The recipient's system refused a rich-text (TNEF) message because of its x-dg-ref header.").
			fix("send in HTML or plain text instead of rich text"),
		exo(at(5, 0, 350)).on("(as345)").says("Nested attachments refused (AS345)",
			"The recipient's policy refuses the message because of attachments nested inside attachments.").
			fix("send the attached items as separate files"),
		exo(at(5, 1, 8)).says("Access denied, bad outbound sender",
			"The sending account is blocked from sending because it sent spam, usually because it was compromised.").
			fix("secure the account (reset password, check rules and app consents), then release it from the restricted users list"),
		exo(at(5, 1, 10)).says("Recipient not found",
			"The recipient's SMTP address was not found in the recipient organisation (directory-based edge blocking).").
			fix("check the address; the recipient's administrator should check the mailbox and its proxy addresses"),
		exo(at(5, 1, 90)).says("Daily recipient limit reached",
			"The sender exceeded the recipient rate limit of Exchange Online, which can also mean the account is sending spam.").
			fix("wait for the limit to reset", "check the account for compromise", "use a bulk mail service for mass mailings"),
		exo(at(5, 2, 2)).on("submission quota exceeded").says("Submission quota exceeded",
			"The sender exceeded the recipient or message rate limit of Exchange Online; this can indicate a compromised account.").
			fix("slow down sending", "check the account for compromise"),
		exo(at(5, 2, 121)).says("Per-sender hourly receive limit reached",
			"The recipient has received more messages from this sender this hour than Exchange Online allows.").
			fix("the sending system should send fewer messages per hour to this recipient and retry later"),
		exo(at(5, 2, 122)).says("Recipient's hourly receive limit reached",
			"The recipient has received more messages this hour, from all senders together, than Exchange Online allows.").
			fix("retry later; the sending system should spread its messages out"),
		exo(at(5, 3, 190)).says("Journaling to Microsoft 365 is not enabled",
			"An on-premises journal rule sends journal reports to Microsoft 365, but the organisation has not turned on journal archiving.").
			fix("enable journal archiving, or point the journal rule at another location"),
		exo(at(5, 5, 0)).on("requested action not taken: mailbox unavailable").says("Mailbox unavailable",
			"The recipient address at Outlook.com or Hotmail was not found; similar to 5.1.10.").
			fix("check the address with the recipient"),
		exo(at(5, 6, 11)).says("Bare line feeds in the message",
			"The sending program put line feeds without carriage returns into the message, and the next server does not support BDAT, so Exchange Online cannot send it.").
			fix("fix the sending program to use CRLF line endings", "the receiving server can enable CHUNKING/BDAT"),
		exo(at(5, 7, 1)).on("delivery not authorized, message refused").says("Delivery not authorized, message refused",
			"The sender is not allowed to send to this recipient: typically a group that accepts mail only from members or listed senders, or a mail flow rule that rejects the message.").
			fix("ask the group owner to allow the sender", "check mail flow rules for a matching reject action"),
		exo(at(5, 7, 1)).on("blocked using").says("Sending IP blocked by a blocklist",
			"The receiving service (\"Service unavailable; Client host [IP] blocked using ...\") found the sending IP on a blocklist: a public one such as Spamhaus (AS3130), or the recipient's own customer block list.").
			fix("look the IP up on the named list and follow its delisting procedure", "for a customer block list, ask the recipient's administrator"),
		exo(at(5, 7, 12)).says("Sender not authenticated by organisation",
			"The recipient is set to accept mail only from inside its own organisation and the message came from outside.").
			fix("only the recipient's administrator can allow external senders"),
		exo(at(5, 7, 13), at(5, 7, 135)).says("Sender not authenticated for public folder",
			"The recipient is a mail-enabled public folder that rejects mail from outside the organisation.").
			fix("only the recipient's administrator can change this"),
		exo(at(5, 7, 23)).says("SPF violation",
			"The recipient's system checks SPF and the sending server is not authorised by the sender domain's SPF record.").
			fix("add the sending server or service to the domain's SPF record"),
		exo(at(4, 7, 26), at(5, 7, 26)).on("must pass either spf or dkim").says("IPv6 mail must pass SPF or DKIM",
			"Microsoft requires mail arriving over IPv6 to pass SPF or DKIM, and this message passed neither.").
			fix("publish SPF covering the IPv6 address, or sign with DKIM"),
		exo(at(5, 7, 25)).on("reverse dns").says("IPv6 sender without reverse DNS",
			"The sending IPv6 address has no PTR record, which Microsoft requires for mail over IPv6.").
			fix("have a PTR record set for the IPv6 address"),
		exo(at(5, 7, 57)).says("Client was not authenticated to send anonymous mail",
			"An application or device submitting through smtp.office365.com did not authenticate before MAIL FROM.").
			fix("configure the device for SMTP AUTH on port 587 with STARTTLS and a licensed mailbox", "or use a connector-based relay to the tenant's MX endpoint"),
		exo(at(5, 7, 64)).says("TenantAttribution; relay access denied",
			"Exchange Online cannot match the on-premises server relaying through it to an inbound connector of the tenant, so it refuses to relay.").
			because(
				"the on-premises certificate was renewed or changed and no longer matches the connector's TlsSenderCertificateName",
				"the on-premises server does not send its full certificate chain",
				"the relaying server's public IP changed and no longer matches the connector's IP addresses").
			fix("re-run the Hybrid Configuration Wizard and choose the current certificate", "or update TlsSenderCertificateName or SenderIPAddresses on the inbound connector to match the relaying server"),
		exo(at(5, 7, 124)).says("Sender not in the group's allowed senders",
			"The distribution group only accepts mail from listed senders; depending on setup even its owner must be listed.").
			fix("ask the group owner to add the sender"),
		exo(at(5, 7, 133)).says("Sender not authenticated for group",
			"The recipient is a group that rejects mail from outside its organisation.").
			fix("the recipient's administrator or group owner can allow external senders"),
		exo(at(5, 7, 134)).says("Sender not authenticated for mailbox",
			"The recipient mailbox rejects mail from outside its organisation.").
			fix("only the recipient's administrator can change this"),
		exo(at(5, 7, 136)).says("Sender not authenticated for mail user",
			"The recipient is a mail user that rejects mail from outside its organisation.").
			fix("only the recipient's administrator can change this"),
		exo(span(5, 7, 501, 503)).says("Access denied, spam abuse detected",
			"The sending account was banned because it sent spam.").
			fix("resolve the compromise, reset the credentials, then contact Microsoft support to restore sending"),
		exo(at(5, 7, 504), at(5, 7, 505)).says("Recipient address rejected",
			"The recipient address is not valid or is banned at the destination.").
			fix("check the recipient address"),
		exo(at(5, 7, 506)).says("Access denied, bad HELO",
			"The sending server introduced itself in HELO/EHLO with the receiver's own name instead of its own FQDN, which spam bots do.").
			fix("set the sending server's EHLO name to its own fully qualified name"),
		exo(at(5, 7, 507)).says("Access denied, rejected by recipient",
			"The recipient's organisation has blocked the sending IP.").
			fix("contact the recipient to be unblocked"),
		exo(at(5, 7, 508)).says("IPv6 range over its limits",
			"The sender's IPv6 range tried to send too many messages in too short a time.").
			fix("slow down sending from that range"),
		exo(at(5, 7, 509)).says("DMARC failed with policy reject",
			"The domain in the From header fails DMARC and publishes p=reject, so the message is refused.").
			because("a third-party service sends as the domain without SPF alignment or DKIM signing with the domain", "forwarding broke SPF and no DKIM signature survived").
			fix("make SPF or DKIM pass and align with the From domain for every sending source"),
		exo(at(5, 7, 510)).says("Recipient does not accept IPv6",
			"The message came over IPv6 and the recipient does not accept mail over IPv6.").
			fix("send to this recipient over IPv4"),
		exo(at(5, 7, 511)).says("Access denied, banned sender",
			"The sending IP is banned.").
			fix("email delist@messaging.microsoft.com with the full NDR and the IP to delist"),
		exo(at(5, 7, 512)).says("From header not RFC 5322 compliant",
			"The message has no valid From address (RFC 5322 §3.6.2); Microsoft 365 requires one, written with angle brackets where a display name is used.").
			fix("make the sending program write a valid From header"),
		exo(at(5, 7, 513)).says("Blocked by the recipient's customer block list",
			"The recipient's domain added the sending IP to its own block list.").
			fix("ask the recipient's administrator to remove the IP"),
		exo(at(5, 7, 515)).says("Sender domain below the required authentication level",
			"The From domain does not meet the authentication requirements Microsoft applies to it (SPF, DKIM and DMARC results are listed in the text).").
			fix("publish SPF, sign with DKIM and publish DMARC for the From domain so that they pass and align"),
		exo(at(5, 7, 520)).says("External forwarding not allowed",
			"The sender's organisation blocks automatic forwarding to external addresses (outbound spam policy), so a forwarding rule's copy was refused.").
			fix("an administrator can allow external forwarding for the mailbox in the outbound spam policy, if it is wanted"),
		exo(span(5, 7, 606, 649)).says("Access denied, banned sending IP",
			"Microsoft uses the whole 5.7.606-5.7.649 range to say the sending IP is on its list of banned senders.").
			because("poor IP reputation from spam or a compromised host on that IP", "a shared or newly assigned IP inherited a bad reputation").
			fix("stop any abuse from the IP first", "request removal at the Microsoft delist portal (sender.office.com)"),
		exo(span(4, 7, 500, 699)).says("Access denied, please try again later",
			"Exchange Online saw suspicious activity and temporarily restricts the sender (often a new tenant or IP) while it is evaluated; valid traffic is released shortly.").
			fix("let the queue retry; check for compromised accounts if it persists"),
		exo(at(4, 7, 650)).on("rate limited due to ip reputation").says("Rate limited because of IP reputation (S775)",
			"The sending IP is temporarily rate limited because of its reputation.").
			fix("slow down and improve the IP's reputation; see Microsoft's postmaster pages"),
		exo(at(4, 7, 652)).on("maximum number of connections").says("Too many connections (S3115)",
			"The sending IP opened more simultaneous connections than allowed.").
			fix("lower the number of parallel connections to Microsoft's MX hosts"),
		exo(span(4, 7, 850, 899)).says("IP temporarily restricted",
			"Suspicious activity from the sending IP; it is restricted while it is evaluated and released if the traffic is valid.").
			fix("let the queue retry"),
		exo(at(4, 7, 321), at(5, 7, 321)).says("Destination does not support STARTTLS",
			"TLS is required (DANE or policy) and the destination does not offer STARTTLS.").
			fix("the destination must offer STARTTLS"),
		exo(at(4, 7, 322), at(5, 7, 322)).says("Destination certificate expired",
			"The destination presented an expired certificate where TLS validation is required.").
			fix("the destination must renew its certificate"),
		exo(at(4, 7, 323), at(5, 7, 323)).says("TLSA record does not match",
			"DANE validation failed: the destination's certificate does not match its authentic TLSA record, or the record is wrong.").
			fix("the destination must publish TLSA records that match its certificate (roll records before certificates)"),
		exo(at(4, 7, 324), at(5, 7, 324)).says("DNSSEC validation failed",
			"The destination domain looked DNSSEC-signed but could not be verified as authentic.").
			fix("the destination must repair its DNSSEC chain"),
		exo(at(4, 7, 325), at(5, 7, 325)).says("Certificate name does not match the host",
			"The names in the destination's certificate match neither the recipient domain nor the MX host.").
			fix("the destination must use a certificate that names its MX host"),
		exo(span(5, 7, 700, 749)).says("Access denied, tenant has exceeded threshold",
			"Most traffic from this tenant was judged suspicious and the tenant's sending was banned.").
			fix("resolve compromises and open relays, then contact Microsoft support"),
		exo(at(5, 7, 703)).says("Blocked by the Tenant Allow/Block List",
			"Your own organisation blocks this recipient address or domain in the Tenant Allow/Block List; one blocked recipient stops the whole message.").
			fix("an administrator of your organisation can remove the entry"),
		exo(at(5, 7, 705)).says("Tenant over its spam threshold",
			"Your tenant sent too much spam or bulk mail and its outbound mail is blocked; a renewed, previously expired subscription can cause a short block too.").
			because("a compromised on-premises server relaying through Exchange Online", "a compromised admin account used to create connectors").
			fix("fix the cause, then ask Microsoft support to lift the block"),
		exo(at(5, 7, 708)).says("Traffic not accepted from this IP",
			"The tenant sends from an IP with poor reputation, typical of a new tenant relaying through an on-premises server.").
			fix("send through Microsoft 365 directly or from an IP with good reputation", "contact Microsoft support if the tenant is legitimate"),
		exo(at(5, 7, 750)).says("Sending from unregistered domains",
			"The tenant sends a suspicious amount of mail from domains it has not added and verified.").
			fix("add and verify every domain the tenant sends from"),
	}
}

// outlookComRules returns the Outlook.com (consumer) postmaster codes, which
// appear in the text rather than in the enhanced code.
func outlookComRules() []rule {
	return []rule{
		outlook().named("RP-001").on("rp-001", "rp-002").says("Rate limit exceeded (reputation)",
			"The sending IP exceeded the rate Outlook.com allows it, per connection (RP-002) or overall (RP-001), because of IP or domain reputation.").
			fix("slow down sending and improve reputation; check the IP in SNDS"),
		outlook().named("RP-003").on("rp-003").says("Connection limit exceeded (reputation)",
			"The sending IP opened more connections than Outlook.com allows it, because of IP or domain reputation.").
			fix("reduce concurrent connections to Outlook.com"),
		outlook().named("SC-001").on("sc-001").says("Rejected for policy reasons",
			"Outlook.com rejected the mail for spam-like content or poor IP or domain reputation.").
			fix("review content and authentication; request mitigation through Microsoft's sender support once clean"),
		outlook().named("SC-002").on("sc-002").says("Namespace mining",
			"The sending IP behaved like it was harvesting addresses (many unknown recipients).").
			fix("clean the mailing list of invalid addresses"),
		outlook().named("SC-003").on("sc-003").says("Open proxy or relay",
			"The sending IP appears to be an open proxy or relay.").
			fix("close the open relay or proxy on that IP"),
		outlook().named("SC-004").on("sc-004").says("Blocked after complaints",
			"The IP is blocked because recipients complained about its mail.").
			fix("enrol in the Junk Email Reporting Program (JMRP) and remove complaining recipients"),
		outlook().named("DY-001").on("dy-001").says("Dynamic IP",
			"Outlook.com does not take direct mail from dynamically assigned IPs, which are not normally mail servers.").
			fix("send through the ISP's or provider's mail server (smart host)"),
		outlook().named("DY-002").on("dy-002").says("Compromised host",
			"The sending computer or server is likely compromised or infected.").
			fix("clean the host and secure the network"),
		outlook().named("OU-001").on("ou-001").says("Blocked (Spamhaus)",
			"The IP is blocked based on a Spamhaus listing.").
			fix("look up the IP at Spamhaus and request removal"),
		outlook().named("OU-002").on("ou-002").says("Rejected for policy reasons",
			"Outlook.com rejected the mail for spam-like content or IP or domain reputation.").
			fix("review content, authentication and complaint rates"),
		outlook(at(5, 7, 1)).on("on our block list").says("Network on Microsoft's block list (S3150/S3140)",
			"The sending IP is in a network range Microsoft blocks (\"part of their network is on our block list\").").
			fix("request delisting at sender.office.com; a shared-IP provider may need to ask on your behalf"),
	}
}
