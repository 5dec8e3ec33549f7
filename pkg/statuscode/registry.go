package statuscode

// classSet records which classes the registry intends a detail code for,
// as a bit per class digit.
type classSet uint8

const (
	c2       classSet = 1 << 2
	c4       classSet = 1 << 4
	c5       classSet = 1 << 5
	anyClass          = c2 | c4 | c5
)

func (s classSet) has(class int) bool { return class >= 0 && class < 8 && s&(1<<class) != 0 }

// registered is one record of the IANA SMTP Enhanced Status Codes registry
// (subject and detail; the class is whatever the server sent).
type registered struct {
	subject, detail int
	title           string
	meaning         string
	ref             string   // defining document
	classes         classSet // classes the defining document intends
	causes, fixes   []string
}

// entry renders the record for a concrete code, adding a note when the
// server used a class the registry does not intend for this detail:
// a 4.1.1 or a 5.2.2 tells the reader something about the sender's choice.
func (r *registered) entry(e Enhanced) Entry {
	meaning := r.meaning
	if !r.classes.has(e.Class) {
		switch {
		case r.classes == c5:
			meaning += " The registry intends this detail for permanent failures only; a transient form usually means the check could not be completed right now and will be retried."
		case r.classes == c4:
			meaning += " The registry intends this detail as a transient condition; a permanent form means the receiving system chose not to keep retrying."
		case r.classes == c2:
			meaning += " The registry intends this detail for success reports; a failure class with it is unusual."
		default:
			meaning += " This class is unusual with this detail."
		}
	}
	return Entry{
		Code:    e.String(),
		Title:   r.title,
		Meaning: meaning,
		Causes:  r.causes,
		Fixes:   r.fixes,
		Source:  r.ref + " (IANA registry)",
	}
}

// registry holds every code of the IANA SMTP Enhanced Status Codes registry
// (X.7.30 is the last assignment at the time of writing). Titles follow the
// registry's short names; meanings are our own words.
var registry = []registered{
	{subject: 0, detail: 0, title: "Other undefined status", ref: "RFC 3463", classes: anyClass,
		meaning: "The only catch-all code: the sender knows whether it succeeded or failed but nothing about why. Read the text that follows the code."},

	{subject: 1, detail: 0, title: "Other address status", ref: "RFC 3463", classes: anyClass,
		meaning: "Something about an address in the envelope caused the report; servers also send 2.1.0 to accept a sender address."},
	{subject: 1, detail: 1, title: "Bad destination mailbox address", ref: "RFC 3463", classes: c5,
		meaning: "The part of the recipient address left of the @ does not exist at the destination.",
		causes:  []string{"typo in the recipient address", "the mailbox was deleted or renamed", "a stale entry in the sender's address autocomplete"},
		fixes:   []string{"check the spelling of the address with the recipient", "remove the autocomplete entry and pick the recipient again"}},
	{subject: 1, detail: 2, title: "Bad destination system address", ref: "RFC 3463", classes: c5,
		meaning: "The domain right of the @ does not exist or cannot receive mail.",
		causes:  []string{"typo in the recipient domain", "the domain has expired or has no MX and no address record"},
		fixes:   []string{"check the domain spelling", "look up the domain's MX and address records in public DNS"}},
	{subject: 1, detail: 3, title: "Bad destination mailbox address syntax", ref: "RFC 3463", classes: c5,
		meaning: "The recipient address is not syntactically valid in some part.",
		fixes:   []string{"look for spaces, stray quotes, missing angle brackets or non-ASCII characters in the address"}},
	{subject: 1, detail: 4, title: "Destination mailbox address ambiguous", ref: "RFC 3463", classes: anyClass,
		meaning: "The address matches more than one recipient at the destination, often because a lookup mapped it loosely or two directory objects share it."},
	{subject: 1, detail: 5, title: "Destination address valid", ref: "RFC 3463", classes: c2,
		meaning: "Positive report: the recipient address was accepted. Servers send 2.1.5 in reply to RCPT TO."},
	{subject: 1, detail: 6, title: "Destination mailbox has moved, no forwarding address", ref: "RFC 3463", classes: c5,
		meaning: "The address used to be valid but no longer takes mail, and the destination knows of no new address.",
		fixes:   []string{"ask the recipient for their current address and update the contact"}},
	{subject: 1, detail: 7, title: "Bad sender's mailbox address syntax", ref: "RFC 3463", classes: anyClass,
		meaning: "The sender address (MAIL FROM or a header) is not syntactically valid.",
		fixes:   []string{"check the envelope sender the application or device uses; many devices send an empty or malformed one"}},
	{subject: 1, detail: 8, title: "Bad sender's system address", ref: "RFC 3463", classes: anyClass,
		meaning: "The sender's domain does not exist or cannot receive replies, so the receiver refuses mail it could not bounce.",
		fixes:   []string{"send from a domain that resolves in public DNS and has an MX record"}},
	{subject: 1, detail: 9, title: "Message relayed to non-compliant mailer", ref: "RFC 3886", classes: anyClass,
		meaning: "The address was valid, but the message went on to a system that cannot report delivery status, so nothing more is known."},
	{subject: 1, detail: 10, title: "Recipient address has null MX", ref: "RFC 7505", classes: c5,
		meaning: "The recipient domain publishes a null MX (a single MX of \".\"), which declares that it accepts no mail at all. Sent with reply 556.",
		fixes:   []string{"the domain owner does not want mail; use another address for the recipient"}},

	{subject: 2, detail: 0, title: "Other or undefined mailbox status", ref: "RFC 3463", classes: anyClass,
		meaning: "The mailbox exists but something about it caused the report; no more specific code fits."},
	{subject: 2, detail: 1, title: "Mailbox disabled, not accepting messages", ref: "RFC 3463", classes: c4 | c5,
		meaning: "The mailbox exists but is switched off for delivery, for a while (4.2.1) or for good (5.2.1).",
		causes:  []string{"the account is suspended or inactive", "the recipient is receiving mail faster than the provider allows"}},
	{subject: 2, detail: 2, title: "Mailbox full", ref: "RFC 3463", classes: c4,
		meaning: "The recipient is over a per-mailbox quota or the mailbox is physically full; the recipient can free space by deleting mail.",
		fixes:   []string{"ask the recipient to empty their mailbox or have their quota raised, then resend"}},
	{subject: 2, detail: 3, title: "Message length exceeds administrative limit", ref: "RFC 3463", classes: c5,
		meaning: "The message is larger than a limit set for this particular mailbox, which is lower than the system-wide limit.",
		fixes:   []string{"send a smaller message or share large files as a link", "raise the recipient's maximum receive size"}},
	{subject: 2, detail: 4, title: "Mailing list expansion problem", ref: "RFC 3463", classes: c4 | c5,
		meaning: "The address is a mailing list or group and it could not be expanded into its members."},

	{subject: 3, detail: 0, title: "Other or undefined mail system status", ref: "RFC 3463", classes: anyClass,
		meaning: "The destination system normally takes mail, but something about the system itself caused the report."},
	{subject: 3, detail: 1, title: "Mail system full", ref: "RFC 3463", classes: c4,
		meaning: "The receiving system has run out of storage; unlike a full mailbox, the recipient cannot fix it by deleting mail.",
		fixes:   []string{"the receiving administrator must free disk space; retries will succeed afterwards"}},
	{subject: 3, detail: 2, title: "System not accepting network messages", ref: "RFC 3463, RFC 7504", classes: c4 | c5,
		meaning: "The host that holds the mailbox refuses messages from the network, for example during shutdown, maintenance or overload."},
	{subject: 3, detail: 3, title: "System not capable of selected features", ref: "RFC 3463", classes: anyClass,
		meaning: "The message asked for features the destination does not support, typically at a gateway between mail systems."},
	{subject: 3, detail: 4, title: "Message too big for system", ref: "RFC 3463", classes: c5,
		meaning: "The message exceeds the receiving system's per-message size limit.",
		fixes:   []string{"check the SIZE value the server advertises in its EHLO reply", "send attachments as links"}},
	{subject: 3, detail: 5, title: "System incorrectly configured", ref: "RFC 3463", classes: anyClass,
		meaning: "The receiving system is not set up in a way that lets it accept this message; the fault is the receiver's configuration."},
	{subject: 3, detail: 6, title: "Requested priority was changed", ref: "RFC 6710", classes: c2,
		meaning: "The message was accepted but not at the priority requested with the MT-PRIORITY extension; the text gives the priority used."},

	{subject: 4, detail: 0, title: "Other or undefined network or routing status", ref: "RFC 3463", classes: anyClass,
		meaning: "A network or routing problem occurred that no more specific code describes."},
	{subject: 4, detail: 1, title: "No answer from host", ref: "RFC 3463", classes: c4,
		meaning: "The outbound connection attempt got no answer: the remote host was busy, down or unreachable.",
		fixes:   []string{"test TCP port 25 to the destination's MX hosts from the sending server", "check outbound firewall rules and whether the ISP blocks port 25"}},
	{subject: 4, detail: 2, title: "Bad connection", ref: "RFC 3463", classes: c4,
		meaning: "A connection was made but the transaction could not be completed, through a time-out or a poor link."},
	{subject: 4, detail: 3, title: "Directory server failure", ref: "RFC 3463", classes: c4,
		meaning: "A directory service the sender needs, most often DNS, could not be reached, so the message could not be forwarded.",
		fixes:   []string{"check that the DNS resolvers the sending server uses answer for the destination domain"}},
	{subject: 4, detail: 4, title: "Unable to route", ref: "RFC 3463", classes: c4 | c5,
		meaning: "The sender could not work out the next hop because the routing information was missing, for example DNS returned no MX and no address for the domain.",
		causes:  []string{"the domain has no usable MX or address records", "no connector or route covers the address space", "the MX points back at the sending server (a mail loop)"},
		fixes:   []string{"look up the domain's MX records from the sending server's point of view", "check connectors and address spaces on the sending side"}},
	{subject: 4, detail: 5, title: "Mail system congestion", ref: "RFC 3463", classes: c4,
		meaning: "The mail system was too congested to deliver the message; retrying later should work."},
	{subject: 4, detail: 6, title: "Routing loop detected", ref: "RFC 3463", classes: c4,
		meaning: "The message was passed around too many times (too many Received headers), because of a routing table error or a forwarding loop.",
		causes:  []string{"two servers each think the other is responsible for the domain", "forwarding rules that send mail back and forth"},
		fixes:   []string{"read the Received headers of the returned message to see which hosts repeat"}},
	{subject: 4, detail: 7, title: "Delivery time expired", ref: "RFC 3463", classes: c4 | c5,
		meaning: "The message stayed queued longer than its lifetime allows; the real problem is whatever kept the delivery attempts failing.",
		fixes:   []string{"look for the last transient error in the sender's queue or log; it names the actual cause"}},

	{subject: 5, detail: 0, title: "Other or undefined protocol status", ref: "RFC 3463", classes: anyClass,
		meaning: "Something went wrong in the SMTP conversation that no more specific code describes; servers also send 2.5.0 for plain success."},
	{subject: 5, detail: 1, title: "Invalid command", ref: "RFC 3463", classes: c5,
		meaning: "A command was sent out of order or is not supported, for example MAIL before EHLO or AUTH without TLS."},
	{subject: 5, detail: 2, title: "Syntax error", ref: "RFC 3463", classes: c5,
		meaning: "A command could not be understood at all: wrong syntax or an unknown verb."},
	{subject: 5, detail: 3, title: "Too many recipients", ref: "RFC 3463", classes: c4 | c5,
		meaning: "The transaction named more recipients than the receiver accepts at once; senders normally split the list and send the rest in another transaction.",
		fixes:   []string{"split large recipient lists or use a distribution group"}},
	{subject: 5, detail: 4, title: "Invalid command arguments", ref: "RFC 3463", classes: c5,
		meaning: "A valid command carried arguments that are out of range or name features the receiver does not know."},
	{subject: 5, detail: 5, title: "Wrong protocol version", ref: "RFC 3463", classes: anyClass,
		meaning: "The two sides speak protocol versions that cannot be reconciled."},
	{subject: 5, detail: 6, title: "Authentication exchange line is too long", ref: "RFC 4954", classes: c4 | c5,
		meaning: "During AUTH the client sent a base64 line longer than the server can buffer for the chosen SASL mechanism."},

	{subject: 6, detail: 0, title: "Other or undefined media error", ref: "RFC 3463", classes: anyClass,
		meaning: "Something about the message content made it undeliverable, and no more specific code fits."},
	{subject: 6, detail: 1, title: "Media not supported", ref: "RFC 3463", classes: c5,
		meaning: "The delivery protocol or the next system cannot carry the kind of content in the message."},
	{subject: 6, detail: 2, title: "Conversion required and prohibited", ref: "RFC 3463", classes: anyClass,
		meaning: "The content would have to be converted to be delivered, and the sender or the sending host forbids conversion."},
	{subject: 6, detail: 3, title: "Conversion required but not supported", ref: "RFC 3463", classes: anyClass,
		meaning: "The content needs a conversion no host on the path can perform, for example 8-bit content for a next hop that only takes 7-bit."},
	{subject: 6, detail: 4, title: "Conversion with loss performed", ref: "RFC 3463", classes: c2 | c5,
		meaning: "The message was delivered but a conversion lost part of it; as a failure it means the sender forbade lossy conversion."},
	{subject: 6, detail: 5, title: "Conversion failed", ref: "RFC 3463", classes: c4 | c5,
		meaning: "A needed conversion was attempted and did not work."},
	{subject: 6, detail: 6, title: "Message content not available", ref: "RFC 4468", classes: c4 | c5,
		meaning: "The content could not be fetched from the remote system it was supposed to come from (BURL submission)."},
	{subject: 6, detail: 7, title: "Non-ASCII addresses not permitted for that sender/recipient", ref: "RFC 6531", classes: c5,
		meaning: "A MAIL or RCPT command used an internationalised (non-ASCII) address that this server will not accept."},
	{subject: 6, detail: 8, title: "UTF-8 string reply is required, but not permitted by the SMTP client", ref: "RFC 6531", classes: c5,
		meaning: "The server would need a UTF-8 reply to show the mailbox name, but the client did not ask for SMTPUTF8."},
	{subject: 6, detail: 9, title: "UTF-8 header message cannot be transferred to one or more recipients", ref: "RFC 6531", classes: c5,
		meaning: "After the final dot of DATA, the message with UTF-8 headers turned out to be undeliverable to some recipients, so it is rejected."},
	{subject: 6, detail: 10, title: "Duplicate of X.6.8 (deprecated)", ref: "RFC 6531", classes: c5,
		meaning: "Registered by mistake as a copy of X.6.8 and deprecated; read it as X.6.8, a required UTF-8 reply the client does not permit."},

	{subject: 7, detail: 0, title: "Other or undefined security status", ref: "RFC 3463", classes: anyClass,
		meaning: "A security matter caused the report and no more specific code fits, or policy forbids saying more."},
	{subject: 7, detail: 1, title: "Delivery not authorized, message refused", ref: "RFC 3463", classes: c5,
		meaning: "The sender is not allowed to send to this destination: per-host or per-recipient filtering, relay refusal or a policy block.",
		causes:  []string{"the server refuses to relay for an unauthenticated client", "the recipient only accepts mail from certain senders", "the sending IP is on a blocklist the receiver uses"},
		fixes:   []string{"read the text after the code; vendors put the actual reason there"}},
	{subject: 7, detail: 2, title: "Mailing list expansion prohibited", ref: "RFC 3463", classes: c5,
		meaning: "The sender may not send to this mailing list."},
	{subject: 7, detail: 3, title: "Security conversion required but not possible", ref: "RFC 3463", classes: c5,
		meaning: "Delivery needs the message converted from one secure messaging format to another, and that cannot be done."},
	{subject: 7, detail: 4, title: "Security features not supported", ref: "RFC 3463", classes: c5,
		meaning: "The message relies on security features, such as an authentication mechanism, that the delivery protocol cannot support."},
	{subject: 7, detail: 5, title: "Cryptographic failure", ref: "RFC 3463", classes: anyClass,
		meaning: "A system allowed to verify or decrypt the message could not, because a key or similar material was missing or invalid."},
	{subject: 7, detail: 6, title: "Cryptographic algorithm not supported", ref: "RFC 3463", classes: anyClass,
		meaning: "A system allowed to verify or decrypt the message does not support the algorithm used."},
	{subject: 7, detail: 7, title: "Message integrity failure", ref: "RFC 3463", classes: anyClass,
		meaning: "A system that checks message integrity found the message altered or corrupted."},
	{subject: 7, detail: 8, title: "Authentication credentials invalid", ref: "RFC 4954", classes: c5,
		meaning: "AUTH failed because the user name or password (or token) is wrong or insufficient.",
		fixes:   []string{"re-enter the credentials; for cloud mailboxes check whether the account needs an app password or modern authentication"}},
	{subject: 7, detail: 9, title: "Authentication mechanism is too weak", ref: "RFC 4954", classes: c5,
		meaning: "The chosen AUTH mechanism is weaker than the server's policy allows for this user; try a stronger one."},
	{subject: 7, detail: 10, title: "Encryption needed", ref: "RFC 5248", classes: c5,
		meaning: "The requested authentication mechanism may only be used inside an encrypted session; start TLS first."},
	{subject: 7, detail: 11, title: "Encryption required for requested authentication mechanism", ref: "RFC 4954", classes: c5,
		meaning: "Historical: the mechanism is only allowed on an encrypted connection. Current servers simply do not offer such mechanisms before TLS."},
	{subject: 7, detail: 12, title: "A password transition is needed", ref: "RFC 4954", classes: c4,
		meaning: "The user must authenticate once with PLAIN so the server can set up the selected mechanism for later sessions."},
	{subject: 7, detail: 13, title: "User account disabled", ref: "RFC 5248", classes: c5,
		meaning: "Authentication succeeded but the account is disabled; only its administrator can re-enable it."},
	{subject: 7, detail: 14, title: "Trust relationship required", ref: "RFC 5248", classes: c5,
		meaning: "The submission server needs a configured trust relationship with a third-party server to fetch the message content."},
	{subject: 7, detail: 15, title: "Priority level is too low", ref: "RFC 6710", classes: c4 | c5,
		meaning: "The MT-PRIORITY given is below what the server currently accepts, possibly because it only takes high-priority mail for now."},
	{subject: 7, detail: 16, title: "Message is too big for the specified priority", ref: "RFC 6710", classes: c4 | c5,
		meaning: "The message is larger than the server accepts at the requested priority."},
	{subject: 7, detail: 17, title: "Mailbox owner has changed", ref: "RFC 7293", classes: c5,
		meaning: "The message asked (RRVS) that the recipient have held the mailbox since a given time, and the mailbox has changed hands since."},
	{subject: 7, detail: 18, title: "Domain owner has changed", ref: "RFC 7293", classes: c5,
		meaning: "The message asked (RRVS) for continuous ownership since a given time, and the recipient's domain changed owner since."},
	{subject: 7, detail: 19, title: "RRVS test cannot be completed", ref: "RFC 7293", classes: c5,
		meaning: "The receiver cannot evaluate the Require-Recipient-Valid-Since request because it did not record when the mailbox was created."},
	{subject: 7, detail: 20, title: "No passing DKIM signature found", ref: "RFC 7372", classes: c5,
		meaning: "The receiver requires a valid DKIM signature and the message carried none that verified.",
		fixes:   []string{"enable DKIM signing for the sending domain and check the selector record in DNS"}},
	{subject: 7, detail: 21, title: "No acceptable DKIM signature found", ref: "RFC 7372", classes: c5,
		meaning: "The message had DKIM signatures that verified, but none the receiver's policy accepts (for example a signing domain it does not trust)."},
	{subject: 7, detail: 22, title: "No valid author-matched DKIM signature found", ref: "RFC 7372", classes: c5,
		meaning: "Verified DKIM signatures exist but none is from the domain in the From header, which this receiver requires.",
		fixes:   []string{"sign with the From domain (d= equal to or a parent of the From domain)"}},
	{subject: 7, detail: 23, title: "SPF validation failed", ref: "RFC 7372", classes: c5,
		meaning: "The SPF check returned fail for the sending IP, and local policy rejects on fail.",
		fixes:   []string{"add every legitimate sending host or service to the domain's SPF record"}},
	{subject: 7, detail: 24, title: "SPF validation error", ref: "RFC 7372", classes: c4 | c5,
		meaning: "Evaluating SPF produced an error (temporary DNS failure, or a permanent one such as a syntax error or too many lookups).",
		fixes:   []string{"keep the SPF record under ten DNS-querying terms and check its syntax"}},
	{subject: 7, detail: 25, title: "Reverse DNS validation failed", ref: "RFC 7372", classes: c5,
		meaning: "The connecting IP failed the receiver's reverse DNS check: no PTR record, or a PTR name that does not resolve back to the IP.",
		fixes:   []string{"ask whoever owns the IP range to set a PTR record whose name resolves back to the sending IP"}},
	{subject: 7, detail: 26, title: "Multiple authentication checks failed", ref: "RFC 7372", classes: c5,
		meaning: "The message failed more than one authentication check (typically SPF and DKIM together, so DMARC fails as well); which ones is not said.",
		fixes:   []string{"make sure SPF passes for the envelope domain and DKIM passes for the From domain"}},
	{subject: 7, detail: 27, title: "Sender address has null MX", ref: "RFC 7505", classes: c5,
		meaning: "The sender's domain publishes a null MX, so it cannot receive bounces, and the receiver refuses mail it could not return."},
	{subject: 7, detail: 28, title: "Mail flood detected", ref: "draft-levine-mailbomb-header", classes: c4 | c5,
		meaning: "The message looks like part of a flood of similar abusive messages, such as a subscription bomb aimed at one address."},
	{subject: 7, detail: 29, title: "ARC validation failure", ref: "RFC 8617", classes: c5,
		meaning: "The message's Authenticated Received Chain did not validate, so the authentication results carried through intermediaries cannot be trusted."},
	{subject: 7, detail: 30, title: "REQUIRETLS support required", ref: "RFC 8689", classes: c5,
		meaning: "The message demands TLS on every hop (REQUIRETLS) and the next hop does not offer the extension, so it cannot be passed on."},
}

var registryIndex = indexRegistry(registry)

func indexRegistry(recs []registered) map[[2]int]*registered {
	idx := make(map[[2]int]*registered, len(recs))
	for i := range recs {
		idx[[2]int{recs[i].subject, recs[i].detail}] = &recs[i]
	}
	return idx
}
