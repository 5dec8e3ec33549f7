package statuscode

const (
	srcGmail = "Gmail"
	srcYahoo = "Yahoo"
)

func gmail(codes ...codeSpan) rule { return newRule(famGoogle, srcGmail, codes...) }

func yahoo() rule { return newRule(famYahoo, srcYahoo) }

// gmailRules explain Google's replies. Google ends every reply line with an
// ID and "gsmtp", which is how a general rule knows the bounce is Google's;
// the variants pick out the sentence Google uses for each case.
func gmailRules() []rule {
	return []rule{
		gmail(at(5, 1, 1)).says("Gmail account does not exist",
			"Google has no account with this address (\"the email account that you tried to reach does not exist\").").
			fix("check the address for typos and stray spaces"),
		gmail(at(4, 2, 2), at(5, 2, 2)).says("Recipient over quota",
			"The recipient's Google storage is full; the 5.x.x form is used when the account has also been inactive.").
			fix("the recipient must free storage; resend later"),
		gmail(at(4, 2, 1)).says("Recipient receiving mail too quickly",
			"The recipient gets mail faster than Google allows, or a Workspace SMTP relay peak limit was hit; the message is deferred.").
			fix("let the queue retry later"),
		gmail(at(5, 2, 1)).says("Account inactive or disabled",
			"The Google account exists but is disabled or inactive and does not receive mail.").
			fix("contact the recipient another way"),
		gmail(at(5, 2, 3), at(5, 3, 4)).says("Over Google's size limits",
			"The message, a header, or the number of attachments exceeds Google's limits.").
			fix("send a smaller message or share the files from Drive"),
		gmail(at(5, 4, 6)).says("Mail loop (over 50 hops)",
			"The message passed more than 50 hops, which suggests a loop.").
			fix("check forwarding between the accounts and servers involved"),
		gmail(at(4, 7, 0)).says("Temporarily rate limited",
			"Google temporarily limits mail from the sending IP or domain: suspicious traffic, poor reputation, or missing sending requirements.").
			fix("slow down, check SPF, DKIM, DMARC and PTR, and let the queue retry"),
		gmail(at(4, 7, 0)).on("tls required for rcpt domain").says("TLS required by the recipient domain",
			"The recipient's Workspace domain requires TLS and the connection was not encrypted.").
			fix("enable STARTTLS on the sending server"),
		gmail(at(4, 7, 0)).on("ip not in whitelist for rcpt domain").says("IP not allowed by the recipient domain",
			"The recipient's Workspace domain only accepts mail from listed IPs.").
			fix("ask the recipient's administrator to add the sending IP"),
		gmail(at(4, 7, 0), at(5, 7, 1)).on("very low reputation").says("Very low IP or domain reputation",
			"Google judged the message suspicious because of the sending IP's or domain's very low reputation.").
			fix("stop unwanted mail, authenticate with SPF, DKIM and DMARC, and watch Google Postmaster Tools"),
		gmail(at(4, 7, 0), at(4, 7, 23)).on("ptr record").says("Missing or mismatched PTR record",
			"The sending IP has no PTR record, or its name does not resolve back to the IP, so Google rate limits it.").
			fix("set a PTR record whose name resolves back to the sending IP"),
		gmail(at(4, 7, 0)).on("too many login attempts").says("Too many login attempts",
			"Too many failed AUTH attempts; Google refuses logins for a while.").
			fix("fix the stored password, wait, and try again"),
		gmail(at(4, 7, 28), at(5, 7, 28)).says("Unusual rate of mail",
			"Google saw an unusual rate of (unsolicited) mail from the sending IP, network, DKIM or SPF domain, or a URL domain in the message, and limits or blocks it.").
			fix("lower the sending rate, remove unengaged recipients and follow Google's bulk sender guidelines"),
		gmail(at(4, 7, 28)).on("same message-id").says("Too many messages with the same Message-ID",
			"Google saw more messages with this Message-ID than it accepts.").
			fix("give every message its own Message-ID"),
		gmail(at(5, 7, 1)).says("Blocked by Gmail policy",
			"Google refused the message for a policy reason; the sentence after the code names it.").
			fix("read the full reply text"),
		gmail(at(5, 7, 1)).on("likely unsolicited mail").says("Likely unsolicited mail",
			"Google judged the message to be spam and blocked it.").
			fix("review content and list hygiene; authenticate the domain"),
		gmail(at(5, 7, 1)).on("has a policy that prohibited").says("Workspace domain policy",
			"The sending or receiving Workspace domain has a policy that forbids this mail.").
			fix("ask that domain's administrator"),
		gmail(at(5, 7, 1)).on("from: header", "not rfc 5322 compliant", "message-id: header").says("Message not RFC 5322 compliant",
			"Google refuses messages with a missing or invalid From, several From addresses, duplicate headers, or no valid Message-ID.").
			fix("make the sending program produce RFC 5322 headers"),
		gmail(at(5, 7, 1)).on("not authorized to send email directly").says("IP not allowed to send directly",
			"The IP is not supposed to deliver mail straight to Google (for example a residential range).").
			fix("send through the provider's SMTP relay"),
		gmail(at(5, 7, 1), at(5, 7, 8), at(5, 7, 9), at(5, 7, 14)).on("application-specific password", "username and password not accepted", "log in with your web browser", "log in through your web browser").
			says("Gmail sign-in refused",
				"Google did not accept the SMTP login: wrong credentials, an app password is needed, or the account must sign in through a browser first.").
			fix("use OAuth or an app password, and sign in once in a browser to clear the block"),
		gmail(at(5, 7, 0)).on("mail relay denied", "invalid credentials for relay").says("Workspace SMTP relay denied",
			"The IP or domain is not registered for the Workspace SMTP relay service.").
			fix("add the sending IP in the Workspace SMTP relay settings, or authenticate with SMTP AUTH"),
		gmail(at(5, 7, 0)).on("must issue a starttls command first").says("STARTTLS required",
			"Google requires STARTTLS before this command.").
			fix("enable STARTTLS on the client"),
		gmail(at(5, 7, 25)).says("Missing or mismatched PTR record",
			"Gmail does not accept mail from IPs without a PTR record, or whose PTR name does not resolve back to the IP.").
			fix("set a PTR record whose name resolves back to the sending IP"),
		gmail(at(4, 7, 26), at(5, 7, 26)).says("Unauthenticated sender",
			"The message passed neither SPF nor DKIM; Google requires every sender to authenticate with at least one.").
			fix("publish SPF for the envelope domain and sign with DKIM"),
		gmail(at(4, 7, 26), at(5, 7, 26)).on("dmarc policy").says("Rejected by the sender's DMARC policy",
			"The message failed DMARC for the From domain and that domain's policy says reject (4.7.26 when DNS failures prevented the check).").
			fix("align SPF or DKIM with the From domain for every sending source"),
		gmail(at(5, 7, 26)).on("hard fail").says("SPF hard fail",
			"The envelope domain's SPF record ends in -all and the sending IP is not in it.").
			fix("add the sending IP or service to the SPF record"),
		gmail(at(4, 7, 24), at(5, 7, 24)).says("Suspicious SPF record",
			"The sending domain's SPF record has suspicious entries.").
			fix("clean up the SPF record; remove overly broad ranges"),
		gmail(at(4, 7, 27), at(5, 7, 27)).says("Bulk sender without SPF",
			"Gmail requires bulk senders to pass SPF and this message did not.").
			fix("publish an SPF record that covers the sending IPs"),
		gmail(at(4, 7, 29), at(5, 7, 29)).says("Bulk sender without TLS",
			"Gmail requires bulk senders to use TLS and this message came unencrypted.").
			fix("enable STARTTLS on the sending server"),
		gmail(at(4, 7, 30), at(5, 7, 30)).says("Bulk sender without DKIM",
			"Gmail requires bulk senders to sign with DKIM and this message had no passing signature.").
			fix("turn on DKIM signing for the domain"),
		gmail(at(4, 7, 32), at(5, 7, 32)).says("From domain not aligned",
			"The From header domain is aligned with neither the SPF nor the DKIM domain.").
			fix("sign with the From domain or use a return-path in the From domain"),
		gmail(at(4, 7, 40)).says("No DMARC record",
			"Gmail requires bulk senders to publish a DMARC record with a policy, and the sending domain has none.").
			fix("publish a DMARC record (p=none is enough to start)"),
	}
}

// yahooRules explain Yahoo's bracketed codes and fixed sentences, which
// appear in the text rather than in the enhanced code.
func yahooRules() []rule {
	return []rule{
		yahoo().named("TSS04").on("tss04", "temporarily deferred due to unexpected volume or user complaints").
			says("Temporarily deferred: volume or complaints",
				"Yahoo is deferring mail from the IP because of unusual volume or user complaints; it is also given for poor reputation or missing authentication.").
			fix("let the queue retry, slow down, reduce complaints and set up SPF, DKIM and DMARC"),
		yahoo().named("TSS09").on("tss09", "tss11", "ts03", "will be permanently deferred").
			says("Permanently deferred",
				"Yahoo will refuse all mail from the IP (553 5.7.2); retrying will not help.").
			fix("fix the cause (spam, complaints, compromised host), then apply through Yahoo's sender support"),
		yahoo().named("TS02").on("[ts01]", "[ts02]").
			says("Temporarily deferred (older code)",
				"An older Yahoo deferral: unusual traffic or complaints from the IP.").
			fix("let the queue retry and review complaint rates"),
		yahoo().named("PH01").on("ph01", "not accepted for policy reasons").
			says("Not accepted for policy reasons",
				"Yahoo refused the message for policy reasons (554 5.7.9).").
			fix("review content and authentication"),
		yahoo().named("BL21").on("bl21", "bl23", "spamhaus's list", "spamhaus xbl").
			says("IP on a Spamhaus list",
				"Yahoo refuses connections from IPs on Spamhaus lists (such as the XBL).").
			fix("look up the IP at Spamhaus and follow its removal procedure"),
		yahoo().named("5.7.9").on("yahoo requires all senders to authenticate").
			says("Unauthenticated sender",
				"Yahoo requires every sender to pass SPF or DKIM and this message passed neither.").
			fix("publish SPF and sign with DKIM"),
		yahoo().named("554").on("this user doesn't have a", "mailbox not found").
			says("Yahoo account does not exist",
				"Yahoo has no account with this address.").
			fix("check the address"),
		yahoo().named("554").on("is no longer valid", "this mailbox is disabled").
			says("Yahoo mailbox disabled",
				"The account no longer exists or is disabled.").
			fix("contact the recipient another way"),
		yahoo().named("451").on("unresolvable rfc.5321").
			says("Sender domain does not resolve",
				"Yahoo defers mail whose envelope sender domain does not resolve in DNS.").
			fix("send from a domain with working DNS"),
		yahoo().named("450").on("user is receiving mail too quickly").
			says("Recipient receiving mail too quickly",
				"The recipient is getting mail faster than Yahoo allows; retry later.").
			fix("let the queue retry"),
		yahoo().named("421").on("max message per connection reached").
			says("Too many messages on one connection",
				"Yahoo closed the connection after its per-connection message limit.").
			fix("send fewer messages per connection"),
	}
}
