package statuscode

import "strings"

const srcExchange = "Exchange 2007-2019"

// token is one Exchange transport diagnostic token (the text Exchange puts
// after the enhanced code, before the semicolon) and the spellings that
// mean the same thing.
type token struct {
	Entry
	aliases []string
}

// tokens is the Exchange 2007 and later diagnostic token table. Exchange
// Online runs the same transport, so its NDRs carry the same tokens.
var tokens = []token{
	{Entry: Entry{Code: "SMTPSEND.DNS.MxLoopback", Title: "MX points back at the sending server (554 5.4.4)", Source: srcExchange,
		Meaning: "The DNS lookup for the recipient domain led back to the very server that was about to send, so delivering would loop; Exchange refuses and returns the message.",
		Causes: []string{
			"Exchange in hosting (multi-tenant) mode: tenants are kept apart, so mail from one hosted domain to another on the same platform still goes out through a normal MX lookup, and the MX points at the same Hub Transport servers that send it",
			"a domain's MX points to this server but the domain is not an accepted domain here",
			"split DNS, or a hosts file, on the sending server resolves the destination MX to the server's own address",
		},
		Fixes: []string{
			"use separate Hub Transport servers for outbound and inbound mail, and limit the Internet Send connector's source transport servers to the outbound ones",
			"or send all outbound mail through a smart host (for example a Postfix relay or a filtering appliance) with DNS routing disabled on the Send connector; on a single-server install this is the only clean option",
			"avoid a Send connector per hosted domain: it does not scale with a control panel, makes tenants see each other's internal out-of-office replies, and lets a tenant claim an outside domain such as gmail.com and capture its mail",
			"for the non-hosting causes, add the domain as an accepted domain or correct its MX and the server's DNS settings",
		}}},
	{Entry: Entry{Code: "SMTPSEND.DNS.NonExistentDomain", Title: "Recipient domain does not exist in DNS (554 5.4.4)", Source: srcExchange,
		Meaning: "The DNS servers the sending Exchange server uses answered that the recipient domain does not exist (NXDOMAIN).",
		Causes: []string{
			"a typo in the recipient's domain",
			"the domain has expired or is not delegated",
			"the Exchange server uses internal DNS servers that cannot resolve Internet names, or the wrong network adapter's DNS settings",
		},
		Fixes: []string{
			"check the domain in public DNS",
			"check the ExternalDNS and InternalDNS settings of the transport services (Get-TransportService, Get-FrontEndTransportService) and the network adapter order",
		}}},
	{Entry: Entry{Code: "SMTPSEND.DNS.InvalidData", Title: "DNS returned an invalid answer (554 5.4.4)", Source: srcExchange,
		Meaning: "The DNS reply for the recipient domain could not be used, for example an MX that points to a CNAME, an IP literal or an unresolvable name.",
		Fixes:   []string{"inspect the domain's MX and the address records of each MX host"}}},
	{Entry: Entry{Code: "SMTPSEND.DNS.NoOutboundFrontendServers", Title: "No outbound front-end server to proxy through (451 4.4.0)", Source: srcExchange,
		Meaning: "The Send connector is set to proxy outbound mail through the Front End Transport service, but no such server was available.",
		Fixes:   []string{"check that the Front End Transport service runs on the mailbox servers, or turn off FrontendProxyEnabled on the connector"}}},
	{Entry: Entry{Code: "SMTPSEND.Utf8RecipientAddress", Title: "Next hop does not accept UTF-8 addresses", Source: srcExchange,
		Meaning: "The recipient (or, in the sender variant, the sender) address contains non-ASCII characters and the next server did not advertise SMTPUTF8, so Exchange cannot pass it on. Seen as 550 5.1.8 or 5.1.9, and in newer builds as 5.1.17.",
		Fixes:   []string{"use the recipient's ASCII address if they have one; the receiving server must support SMTPUTF8 for internationalised addresses"}},
		aliases: []string{"SMTPSEND.Utf8SenderAddress"}},
	{Entry: Entry{Code: "SMTPSEND.BareLinefeedsAreIllegal", Title: "Message contains bare line feeds", Source: srcExchange,
		Meaning: "The message has line feeds without a carriage return before them. These cannot be sent with DATA, and the receiving server does not offer CHUNKING (BDAT), so the message cannot be passed on. Exchange Online reports it as 5.6.11.",
		Causes:  []string{"an application, script or scanning appliance writes LF line endings instead of CRLF"},
		Fixes: []string{
			"fix the sending application to end lines with CRLF",
			"enable CHUNKING/BDAT on the receiving server, which does not depend on line endings",
		}}},
	{Entry: Entry{Code: "SMTPSEND.SuspiciousRemoteServerError", Title: "Remote server dropped the connection abruptly (451 4.4.0)", Source: srcExchange,
		Meaning: "The receiving server closed the connection in the middle of the transaction more than once; Exchange suspects the message itself upsets it and slows down retries. Exchange Online reports 4.4.318 or 5.4.318.",
		Fixes:   []string{"look at the receiving server's or firewall's logs for crashes or resets while this message is sent"}},
		aliases: []string{"SMTPSEND.PoisonForRemote"}},
	{Entry: Entry{Code: "SMTPSEND.OverAdvertisedSize", Title: "Message larger than the remote server accepts (550 5.3.4)", Source: srcExchange,
		Meaning: "The remote server announced a maximum size with SIZE in its EHLO reply and this message is bigger, so Exchange does not even try.",
		Fixes:   []string{"send a smaller message or share the files as a link; only the receiving side can raise its limit"}},
		aliases: []string{"SMTPSEND.BDATOverAdvertisedSize", "SMTPSEND.DATAOverAdvertisedSize"}},
	{Entry: Entry{Code: "SMTPSEND.LongRecipientAddress", Title: "Address too long for the next hop", Source: srcExchange,
		Meaning: "The recipient (or sender) address is longer than the next SMTP server can take (RFC 5321 allows 64 characters before the @ and 255 after).",
		Fixes:   []string{"check the address for an encapsulated or duplicated value and correct the contact"}},
		aliases: []string{"SMTPSEND.InvalidLongRecipientAddress", "SMTPSEND.LongSenderAddress", "SMTPSEND.InvalidLongSenderAddress"}},
	{Entry: Entry{Code: "SMTPSEND.SendingError", Title: "Error while sending (451 4.4.0)", Source: srcExchange,
		Meaning: "A generic transient failure while transmitting to the next hop; Exchange keeps the message queued and retries.",
		Fixes:   []string{"check the queue's last error and the send protocol log for the connection"}}},

	{Entry: Entry{Code: "RESOLVER.ADR.RecipNotFound", Title: "Recipient not found in the directory (550 5.1.1)", Source: srcExchange,
		Meaning: "The recipient domain is authoritative in this organisation but no recipient has this SMTP address.",
		Causes: []string{
			"typo in the address",
			"the mailbox or contact was removed or its address changed",
			"the domain is shared with another mail system but is set as authoritative, so unknown addresses bounce instead of being relayed on",
		},
		Fixes: []string{
			"check the address against the recipient's proxy addresses",
			"if another system hosts some of the domain's mailboxes, make the accepted domain an internal relay domain and add a Send connector to that system",
		}}},
	{Entry: Entry{Code: "RESOLVER.ADR.ExRecipNotFound", Title: "Legacy Exchange (X.500) address not found (550 5.1.1)", Source: srcExchange,
		Meaning: "The message was addressed by an internal Exchange address (legacyExchangeDN / X.500), usually taken from Outlook's autocomplete cache, and no recipient has it any more.",
		Causes:  []string{"the mailbox was recreated or migrated, so its legacyExchangeDN changed", "the sender replied to an old message or used a stale autocomplete entry"},
		Fixes: []string{
			"remove the entry from the sender's autocomplete list and pick the recipient from the address book",
			"add the old legacyExchangeDN as an X500 proxy address on the current recipient",
		}}},
	{Entry: Entry{Code: "RESOLVER.ADR.RecipLimit", Title: "Too many recipients (550 5.5.3)", Source: srcExchange,
		Meaning: "The message has more recipients than the sender, connector or organisation limit allows.",
		Fixes:   []string{"send to fewer recipients or a distribution group", "check the sender's RecipientLimits and the organisation's MaxRecipientEnvelopeLimit"}}},
	{Entry: Entry{Code: "RESOLVER.ADR.Ambiguous", Title: "Ambiguous recipient address (550 5.1.4)", Source: srcExchange,
		Meaning: "More than one directory object carries this address, so Exchange cannot tell which one should get the message. A transient 420 4.2.0 form also exists.",
		Fixes:   []string{"find the duplicate proxy address (for example with Get-Recipient -Filter on EmailAddresses) and remove it from one object"}}},
	{Entry: Entry{Code: "RESOLVER.ADR.BadPrimary", Title: "Recipient's primary SMTP address missing or invalid (550 5.2.0)", Source: srcExchange,
		Meaning: "The recipient's directory object has no usable primary SMTP address.",
		Fixes:   []string{"set a valid primary SMTP address or re-apply the email address policy"}}},
	{Entry: Entry{Code: "RESOLVER.ADR.X500InSmtp", Title: "Encapsulated address inside an SMTP address (550 5.1.0)", Source: srcExchange,
		Meaning: "The SMTP address is really an encapsulated foreign address (IMCEAX500-, IMCEASMTP- or IMCEAINVALID-), typically produced when an X.500 address from an old message or another organisation could not be resolved.",
		Fixes:   []string{"pick the recipient again from the address book; after a migration add the old X.500 address as a proxy address on the recipient"}},
		aliases: []string{"RESOLVER.ADR.SmtpInSmtp", "RESOLVER.ADR.InvalidInSmtp"}},
	{Entry: Entry{Code: "RESOLVER.RST.AuthRequired", Title: "Recipient accepts mail only from authenticated senders (550 5.7.1)", Source: srcExchange,
		Meaning: "The recipient, usually a distribution group, requires the sender to be authenticated (internal), and this message came in anonymously from outside.",
		Fixes:   []string{"if outside senders should reach it, clear RequireSenderAuthenticationEnabled on the recipient"}}},
	{Entry: Entry{Code: "RESOLVER.RST.NotAuthorized", Title: "Sender not allowed to send to this recipient (550 5.7.1)", Source: srcExchange,
		Meaning: "The recipient has delivery restrictions (accept only from listed senders, or reject listed senders) and this sender is not allowed.",
		Fixes:   []string{"add the sender to the recipient's AcceptMessagesOnlyFrom list, or remove them from RejectMessagesFrom"}}},
	{Entry: Entry{Code: "RESOLVER.RST.NotAuthorizedToGroup", Title: "Sender not allowed to send to the distribution list (550 5.7.1)", Source: srcExchange,
		Meaning: "The distribution group restricts who may send to it and this sender is not among them.",
		Fixes:   []string{"ask the group owner to add the sender to the group's allowed senders"}}},
	{Entry: Entry{Code: "RESOLVER.RST.RecipSizeLimit", Title: "Message too large for this recipient (550 5.2.3)", Source: srcExchange,
		Meaning: "The message exceeds the maximum receive size set on the recipient (or, with .DL, on the distribution group).",
		Fixes:   []string{"send a smaller message, or raise MaxReceiveSize on the recipient"}},
		aliases: []string{"RESOLVER.RST.RecipSizeLimit.DL"}},
	{Entry: Entry{Code: "RESOLVER.RST.SendSizeLimit.Sender", Title: "Message too large for this sender (550 5.2.3)", Source: srcExchange,
		Meaning: "The message exceeds the maximum send size set on the sender's mailbox.",
		Fixes:   []string{"send a smaller message, or raise MaxSendSize on the sender's mailbox"}}},
	{Entry: Entry{Code: "RESOLVER.RST.SendSizeLimit.Org", Title: "Message too large for this organisation (550 5.2.3)", Source: srcExchange,
		Meaning: "The message exceeds the organisation-wide maximum send size.",
		Fixes:   []string{"send a smaller message, or raise MaxSendSize in Set-TransportConfig (and the connector limits along the path)"}}},
	{Entry: Entry{Code: "RESOLVER.FWD.Loop", Title: "Forwarding loop in the directory (550 5.4.6)", Source: srcExchange,
		Meaning: "Forwarding settings in the directory point in a circle, such as a mailbox forwarding to a contact that forwards back.",
		Fixes:   []string{"check ForwardingAddress / ForwardingSmtpAddress and contacts' targetAddress along the chain"}}},
	{Entry: Entry{Code: "RESOLVER.FWD.Invalid", Title: "Misconfigured forwarding address (550 5.2.0)", Source: srcExchange,
		Meaning: "The recipient forwards to an address or object that is invalid or no longer exists.",
		Fixes:   []string{"correct or clear the recipient's forwarding settings"}},
		aliases: []string{"RESOLVER.FWD.NotFound"}},
	{Entry: Entry{Code: "RESOLVER.GRP.DDLQuery", Title: "Dynamic distribution group has a broken query (550 5.2.4)", Source: srcExchange,
		Meaning: "The recipient filter of the dynamic distribution group could not be evaluated.",
		Fixes:   []string{"check the group's RecipientFilter and its container"}}},
	{Entry: Entry{Code: "RESOLVER.OOF.ExtToInt", Title: "External out-of-office reply to an internal user suppressed (250 2.1.5)", Source: srcExchange,
		Meaning: "Not an error: Exchange dropped an automatic out-of-office reply from outside that was addressed to an internal recipient. It shows up in message tracking, not in NDRs."}},
	{Entry: Entry{Code: "RESOLVER.OOF.IntToExt", Title: "Internal out-of-office reply to an external recipient suppressed (250 2.1.5)", Source: srcExchange,
		Meaning: "Not an error: an out-of-office reply was not sent outside because the remote domain settings do not allow it.",
		Fixes:   []string{"if outside senders should get replies, allow automatic replies on the remote domain (Set-RemoteDomain -AllowedOOFType)"}}},
	{Entry: Entry{Code: "RESOLVER.MSGTYPE.AF", Title: "Automatic forward to an external recipient suppressed (250 2.1.5)", Source: srcExchange,
		Meaning: "An inbox-rule forward to an outside address was silently dropped because the remote domain does not allow automatic forwarding.",
		Fixes:   []string{"allow it per remote domain (Set-RemoteDomain -AutoForwardEnabled) only if forwarding outside is wanted"}}},
	{Entry: Entry{Code: "RESOLVER.MSGTYPE.AR", Title: "Automatic reply to an external recipient suppressed (250 2.1.5)", Source: srcExchange,
		Meaning: "An automatic reply (not out-of-office) to an outside address was dropped because the remote domain does not allow automatic replies.",
		Fixes:   []string{"allow it per remote domain (Set-RemoteDomain -AutoReplyEnabled) if wanted"}}},
	{Entry: Entry{Code: "ROUTING.NoConnectorForAddressType", Title: "No connector for this address type (550 5.4.4)", Source: srcExchange,
		Meaning: "The recipient has a non-SMTP address (X.400, a custom type) and no connector covers that address type.",
		Fixes:   []string{"add a connector with the matching address space, or give the recipient an SMTP address"}}},
	{Entry: Entry{Code: "ROUTING.NoNextHop", Title: "No next hop for the recipient (550 5.4.4)", Source: srcExchange,
		Meaning: "Routing found no path to the destination: no Send connector covers the domain and the domain's mailbox server or site cannot be reached.",
		Fixes:   []string{"check that a Send connector covers the address space (often SMTP:*) and that its source servers are valid", "check that the recipient's mailbox database is mounted and its server is in the routing topology"}}},
	{Entry: Entry{Code: "ROUTING.SizeLimit", Title: "Message exceeds the size limit of the route (550 5.3.4)", Source: srcExchange,
		Meaning: "A connector or site link on the path has a maximum message size smaller than this message.",
		Fixes:   []string{"compare MaxMessageSize on the Send connectors and AD site links along the path"}}},
	{Entry: Entry{Code: "ROUTING.InvalidAddress", Title: "Invalid address domain (550 5.1.2)", Source: srcExchange,
		Meaning: "The recipient's domain part is not valid for routing.",
		Fixes:   []string{"correct the recipient address"}}},
	{Entry: Entry{Code: "QUEUE.Expired", Title: "Message expired in the queue (550 4.4.7)", Source: srcExchange,
		Meaning: "Exchange kept retrying until the message expiration time (two days by default) and then gave up. The cause is the error that made the retries fail, often quoted after \"Reason:\".",
		Fixes:   []string{"look at the queue's last error for the destination (Get-Queue) or the Reason text in the NDR"}}},
	{Entry: Entry{Code: "QUEUE.Admin", Title: "Message deleted by an administrator (550 4.3.2)", Source: srcExchange,
		Meaning: "An administrator removed the message from a queue and chose to send a non-delivery report.",
		Fixes:   []string{"ask the Exchange administrators why the queue was cleared, then resend"}},
		aliases: []string{"QUEUE.DDAdmin", "QUEUE.PoisonAdmin"}},
	{Entry: Entry{Code: "QUEUE.TransportAgent", Title: "Message deleted by a transport agent (550 4.3.2)", Source: srcExchange,
		Meaning: "A transport agent (anti-spam, anti-malware or third-party) deleted the message and Exchange reported it.",
		Fixes:   []string{"check the agent logs; list agents with Get-TransportAgent"}}},
	{Entry: Entry{Code: "QUEUE.Priority", Title: "Too large to be sent with high priority (550 5.2.3)", Source: srcExchange,
		Meaning: "High-priority messages have their own, smaller size limit than normal ones, and this message is over it.",
		Fixes:   []string{"send it with normal priority"}}},
	{Entry: Entry{Code: "STOREDRV.Deliver", Title: "Delivery into the mailbox store failed", Source: srcExchange,
		Meaning: "The mailbox transport could not write the message into the recipient's mailbox. The text after the token says why: thread limits, an offline database, invalid content or a directory problem.",
		Fixes:   []string{"read the rest of the diagnostic text; check that the recipient's database is mounted and healthy"}}},
	{Entry: Entry{Code: "STOREDRV.Submit", Title: "Submission from the mailbox failed", Source: srcExchange,
		Meaning: "The message could not be taken from the sender's Outbox into transport; the text after the token says why.",
		Fixes:   []string{"read the rest of the diagnostic text; check the sender's mailbox and permissions"}},
		aliases: []string{"STOREDRV.Submission"}},
	{Entry: Entry{Code: "STOREDRV.Deliver.Exception:QuotaExceededException", Title: "Recipient mailbox over quota", Source: srcExchange,
		Meaning: "The recipient's mailbox, or its Recoverable Items folder, has hit its hard quota (MapiExceptionShutoffQuotaExceeded), so nothing more can be stored. Usually 554 5.2.2 (\"mailbox full\") or 5.2.0.",
		Causes:  []string{"the mailbox is full", "Recoverable Items is full, often because of a litigation hold or retention, even when the mailbox looks fine"},
		Fixes:   []string{"free space or raise ProhibitSendReceiveQuota", "check Recoverable Items size and its quota (RecoverableItemsQuota)"}},
		aliases: []string{"STOREDRV.Submission.Exception:QuotaExceededException", "STOREDRV.Submit.Exception:QuotaExceededException"}},
	{Entry: Entry{Code: "STOREDRV.Submission.Exception:SendAsDeniedException", Title: "Sender lacks Send As permission", Source: srcExchange,
		Meaning: "The authenticated account tried to send with a From address it has no Send As right for (MapiExceptionSendAsDenied). Usually 554 5.2.0, in Exchange Online also 5.2.252.",
		Causes:  []string{"an application or device signs in as one mailbox and sends as another address", "a shared mailbox is used without Send As rights"},
		Fixes:   []string{"send with the From address of the authenticated account", "grant Send As on the address's mailbox (Add-RecipientPermission or Add-ADPermission)"}},
		aliases: []string{"STOREDRV.Submit.Exception:SendAsDeniedException"}},
	{Entry: Entry{Code: "TRANSPORT.RULES.RejectMessage", Title: "Rejected by a transport rule (550 5.7.1)", Source: srcExchange,
		Meaning: "A mail flow (transport) rule in the organisation rejected the message.",
		Fixes:   []string{"find the rule in message tracking or the rule report and adjust its conditions or exceptions"}}},
}

var tokenIndex = indexTokens(tokens)

func indexTokens(toks []token) map[string]Entry {
	idx := make(map[string]Entry)
	for _, t := range toks {
		idx[strings.ToLower(t.Code)] = t.Entry
		for _, a := range t.aliases {
			idx[strings.ToLower(a)] = t.Entry
		}
	}
	return idx
}
