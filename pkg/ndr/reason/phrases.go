package reason

import (
	"strings"
	"sync"

	"github.com/mailflowkit/mailflow/pkg/ndr/internal/phraseset"
)

// A phrase earns its place here by being what an MTA, a provider or a
// standard documents it says for a condition, named in the comment above
// its group; it never earns it by appearing in one sample bounce. Phrases
// are lower-case and matched, all at once, against the diagnostic
// lower-cased with runs of white space collapsed to one space.
//
// Besides the reasons, two signal groups describe the failure rather than
// its cause: "directory" (the receiving system looked the recipient up in its
// own directory, whatever the SMTP stage) and "retry" (the sender will try
// again).
var phraseGroups = []struct {
	cat     string
	phrases []string
}{
	// ---- userunknown: the mailbox does not exist ----
	{"userunknown", []string{
		// RFC 5321 §3.3 and §4.2 examples; RFC 3463 X.1.1 title.
		"no such user", "user unknown", "unknown user", "bad destination mailbox address",
		// Postfix postconf(5) local_recipient_maps, virtual_mailbox_maps,
		// virtual_alias_maps, relay_recipient_maps; local(8) "unknown user".
		"user unknown in local recipient table", "user unknown in virtual mailbox table",
		"user unknown in virtual alias table", "user unknown in relay recipient table", "unknown user:",
		// Exim: routers report an unknown local part.
		"unknown local part", "unknown local-part",
		// qmail-local and qmail-smtpd (chkuser) "Sorry, no mailbox here by that name."
		"no mailbox here by that name",
		// Courier, Cyrus, Dovecot LMTP and common MTAs.
		"no such mailbox", "unknown mailbox", "mailbox not found", "mailbox does not exist",
		"recipient unknown", "unknown recipient", "recipient not found", "no such recipient",
		"recipient does not exist", "invalid recipient", "invalid mailbox", "not a valid mailbox",
		"user not found", "user does not exist", "user doesn't exist", "address does not exist",
		"address not found", "account does not exist", "no such account", "addressee unknown",
		"no such address", "nonexistent user", "non-existent user",
		// RFC 5321 §4.2.2 reply text of 550; Outlook.com uses it for
		// addresses that do not exist.
		"mailbox unavailable",
		// Gmail (support.google.com/a/answer/3726730, ?p=NoSuchUser).
		"the email account that you tried to reach does not exist",
		// Yahoo and AOL (senders.yahooinc.com/smtp-error-codes).
		"this user doesn't have a", "is not a valid recipient",
		// Apple iCloud mail server messages.
		"unknown or illegal alias",
		// German (Postfix and Exim localised templates, GMX, web.de, T-Online).
		"benutzer unbekannt", "empfänger unbekannt", "unbekannter empfänger", "unbekannter benutzer",
		"empfängeradresse unbekannt", "postfach existiert nicht", "adresse existiert nicht", "postfach nicht gefunden",
		// French (Orange, SFR, Free, La Poste).
		"utilisateur inconnu", "destinataire inconnu", "destinataire invalide", "adresse destinataire invalide",
		"boîte aux lettres inexistante", "boite aux lettres inexistante", "adresse inexistante",
		// Spanish.
		"usuario desconocido", "destinatario desconocido", "usuario no existe", "el usuario no existe",
		"buzón no existe", "buzon no existe", "cuenta no existe",
		// Portuguese.
		"usuário desconhecido", "usuario desconhecido", "destinatário desconhecido", "destinatario desconhecido",
		"usuário não existe", "conta não existe", "caixa postal inexistente",
		// Italian.
		"utente sconosciuto", "destinatario sconosciuto", "utente inesistente", "casella inesistente",
		"indirizzo inesistente", "casella di posta inesistente",
		// Japanese carriers and Japanese-language MTAs.
		"宛先不明", "存在しないユーザ", "ユーザが存在しません", "ユーザーが存在しません", "アドレスは存在しません",
		"宛先のメールアドレスが見つかりません", "受信者が見つかりません",
	}},
	{"directory", []string{
		// HCL/IBM Notes and Domino: the recipient is not in the directory.
		"not listed in domino directory", "not listed in public name & address book",
		"domino ディレクトリには見つかりません",
		// Exchange: directory look-up (RESOLVER.ADR.*) and the user
		// section of its NDRs, which the categorizer writes after looking
		// the address up in Active Directory.
		"resolver.adr.recipnotfound", "resolver.adr.recipientnotfound", "resolver.adr.exrecipnotfound",
		"recipient not found by smtp address lookup", "the email address you entered couldn't be found",
		"the e-mail address you entered couldn't be found", "email address couldn't be found",
		"the e-mail account does not exist at the organization", "the email account does not exist at the organization",
		"wasn't found at",
	}},
	// ---- filtered: the recipient's system refused this message ----
	{"filtered", []string{
		// RFC 3463 X.2.0 / recipient-side filters and block lists.
		"message filtered", "refused by recipient", "user refuses to receive", "recipient refuses",
		"refuses to receive", "refused to receive", "blocked by the recipient", "blocked by recipient",
		"rejected by recipient", "recipient has blocked", "does not accept mail from you",
		"refused due to recipient preferences",
		// Mimecast: the recipient or their domain blocked the sender.
		"envelope blocked - user entry", "envelope blocked - user domain entry",
		"rejected by header based blocked senders",
		// Facebook postmaster codes RCP-P2, RCP-P3.
		"rcp-p2", "rcp-p3",
		// German, French, Spanish, Portuguese, Italian, Japanese.
		"vom empfänger abgelehnt", "refusé par le destinataire", "rechazado por el destinatario",
		"recusado pelo destinatário", "rifiutato dal destinatario", "受信拒否",
	}},
	// ---- mailboxfull ----
	{"mailboxfull", []string{
		// RFC 3463 X.2.2 "mailbox full"; errno EDQUOT "disk quota exceeded"
		// as Postfix local(8)/virtual(8) and Exim appendfile report it.
		"mailbox full", "mailbox is full", "disk quota exceeded", "quota exceeded", "over quota",
		"exceeded storage", "mailbox size limit", "mailbox would exceed", "quota full", "full mailbox",
		"exceeded the quota", "exceeds quota", "mailfolder is full", "quota violation", "storage quota",
		"not enough storage", "insufficient storage for user", "user is over quota", "is over quota",
		"over the allowed quota", "mailbox quota", "account is full", "too much mail data",
		"mailbox exceeded", "exceeded its quota", "exceeded mailbox size",
		// Exchange and Exchange Online (5.2.2 text, STOREDRV.Deliver quota).
		"the recipient's mailbox is full", "quotaexceeded", "mailbox has exceeded",
		// Gmail ?p=OverQuotaTemp / OverQuotaPerm.
		"the email account that you tried to reach is over quota", "overquotatemp", "overquotaperm",
		// Biglobe and other Japanese ISPs.
		"exceeded the local limit",
		// German, French, Spanish, Portuguese, Italian, Japanese.
		"postfach voll", "postfach ist voll", "mailbox voll", "speicherplatz erschöpft", "quota überschritten",
		"boîte pleine", "boite pleine", "boîte aux lettres pleine", "boite aux lettres pleine", "quota dépassé",
		"boite du destinataire pleine", "buzón lleno", "buzon lleno", "cuota excedida", "buzón está lleno",
		"caixa postal cheia", "caixa de correio cheia", "cota excedida", "casella piena", "casella postale piena",
		"quota superata", "メールボックスがいっぱい", "容量超過", "容量オーバー", "保存容量",
	}},
	// ---- mesgtoobig / exceedlimit ----
	{"mesgtoobig", []string{
		// RFC 3463 X.3.4; Postfix cleanup(8)/smtpd(8) message_size_limit;
		// Sendmail "Message size exceeds maximum value"; Exim
		// message_size_limit; Exchange 5.3.4.
		"message too big", "message too large", "message size exceeds", "message file too big",
		"message is too large", "message is too big", "exceeded maximum inbound message size",
		"max message size exceeded", "maximum message size", "message exceeds maximum", "size limit exceeded",
		"exceeds size limit", "message length exceeds", "mail size limit", "too large for this system",
		"line limit exceeded",
		// Gmail ?p=MessageTooBig; Facebook MSG-P1.
		"messagetoobig", "exceeded google's message size limits", "msg-p1",
		// German, French, Spanish, Portuguese, Italian, Japanese.
		"nachricht zu groß", "nachricht ist zu groß", "message trop volumineux", "taille limite du message",
		"mensaje demasiado grande", "mensagem muito grande", "messaggio troppo grande", "サイズが大きすぎ",
		"メールサイズが制限",
	}},
	{"exceedlimit", []string{
		// RFC 3463 X.2.3 "message length exceeds administrative limit".
		"exceeds administrative limit", "exceeds the maximum size the user accepts",
		"exeeded the maximum size the user accepts",
	}},
	// ---- suspend: the mailbox exists but is disabled ----
	{"suspend", []string{
		// RFC 3463 X.2.1 "mailbox disabled"; common MTA and provider wording.
		"mailbox disabled", "mailbox is disabled", "account disabled", "account has been disabled",
		"account is disabled", "disabled recipient", "has been suspended", "is suspended", "currently suspended",
		"account suspended", "user suspended", "inactive account", "account is inactive", "inactive email address",
		"mailbox is inactive", "mailbox is frozen", "account is locked", "temporarily locked", "temporary locked",
		"deactivated mailbox", "mailbox has been deactivated", "disabled or discontinued", "no longer accepts mail",
		"administratively disabled", "archived recipient", "account has been blocked", "recipient account is blocked",
		// Gmail ?p=DisabledUser.
		"the email account that you tried to reach is disabled", "the email account that you tried to reach is inactive",
		"disableduser",
		// Yahoo and AOL.
		"this mailbox is disabled", "is no longer valid",
		// German, French, Spanish, Portuguese, Italian, Japanese.
		"postfach gesperrt", "konto deaktiviert", "konto gesperrt", "compte désactivé", "compte bloqué",
		"le compte du destinataire est bloque", "cuenta desactivada", "cuenta suspendida", "conta desativada",
		"conta suspensa", "account disattivato", "casella disattivata", "利用停止", "一時停止中",
	}},
	{"hasmoved", []string{
		// RFC 3463 X.1.6 "destination mailbox has moved, no forwarding address".
		"has moved", "mailbox moved", "address has changed", "no longer at this address", "no forwarding address",
	}},
	// ---- norelaying ----
	{"norelaying", []string{
		// Postfix reject_unauth_destination; Sendmail "Relaying denied";
		// qmail-smtpd rcpthosts; Exim "relay not permitted"; Exchange
		// "Unable to relay"; Yahoo "relaying denied for".
		"relay access denied", "relaying denied", "relay denied", "relay not permitted", "relaying not allowed",
		"relay not allowed", "not allowed to relay", "unable to relay", "no relaying", "not configured to relay",
		"not permitted to relay", "we do not relay", "isn't in my list of allowed rcpthosts", "as a relay",
		"relaying mail to", "relaying to", "relay access is denied",
		// German, French, Spanish, Portuguese, Italian.
		"relaying nicht erlaubt", "relay nicht erlaubt", "relais interdit", "relais non autorisé",
		"relay no permitido", "retransmisión denegada", "relay não permitido", "relay negado", "relay non consentito",
	}},
	// ---- authfailure: SPF, DKIM, DMARC ----
	{"authfailure", []string{
		// RFC 7372 texts; Gmail ?p=DmarcRejection and "Unauthenticated email";
		// Microsoft 5.7.23 and 5.7.509; Yahoo "requires all senders to
		// authenticate"; mail.ru and others quoting the DMARC policy.
		"spf check failed", "spf fail", "failed spf", "spf validation", "spf record", "sender policy framework",
		"bad spf records", "spf.pobox.com", "dmarc", "dkim signature", "dkim fail", "failed dkim", "dkim check",
		"unauthenticated email", "not pass authentication", "did not pass spf", "did not pass dkim", "did not pass dmarc",
		"does not pass dmarc", "failed dmarc", "spf=fail", "dkim=fail",
		"required authentication level", "authentication requirements", "requires all senders to authenticate",
		"domain authentication requirements", "pol-p7",
	}},
	// ---- requireptr: the sending IP lacks valid reverse DNS ----
	{"requireptr", []string{
		// Postfix reject_unknown_client_hostname "cannot find your hostname"
		// and "cannot find your reverse hostname"; Sendmail "IP name lookup
		// failed"; Gmail 5.7.25 "does not have a PTR record"; Facebook
		// DNS-P3/DNS-T2; Cox CXDNS; AOL DNS:NR and RTR:RD.
		"cannot find your hostname", "cannot find your reverse hostname", "ip name lookup failed",
		"reverse dns", "reverse lookup", "ptr record", "no ptr", "rdns", "unresolvable relay host name",
		"cannot resolve your address", "client host name", "dns-p3", "dns-t2", "cxdns", "dns:nr", "rtr:rd",
		"fix reverse dns", "invalid ptr", "reverse-dns",
	}},
	// ---- notcompliantrfc ----
	{"notcompliantrfc", []string{
		// Gmail ?p=RfcMessageNonCompliant; Yahoo "headers are not RFC
		// compliant"; Microsoft 5.7.512 "must be RFC 5322 section 3.6.2
		// compliant"; Facebook MSG-P3; duplicate header rejections.
		"rfc 5322 compliant", "rfc5322 compliant", "rfc 5322 section", "rfcmessagenoncompliant", "messagenoncompliant",
		"not rfc compliant", "not compliant with rfc", "headers are not rfc compliant", "duplicate header",
		"multiple instances of a header", "msg-p3", "multiple from headers", "multiple subject headers",
		"multiple date headers", "multiple message-id headers", "multiple to headers",
	}},
	// ---- badreputation ----
	{"badreputation", []string{
		// Gmail 421/550 "very low reputation"; Microsoft 4.7.650 "rate
		// limited due to IP reputation"; Yahoo [TSS04] "temporarily deferred
		// due to unexpected volume or user complaints"; T-Online "none/bad
		// reputation"; Mimecast "IP reputation".
		"poor reputation", "poor email reputation", "low reputation", "bad reputation", "ip reputation",
		"domain reputation", "sender reputation", "reputation problems", "reputation of the sending",
		"temporarily deferred due to unexpected volume or user complaints", "none/bad reputation",
	}},
	// ---- contenterror ----
	{"contenterror", []string{
		// RFC 3463 X.6.x; Postfix "improper use of 8-bit data"; Exchange
		// 5.6.211 invalid MIME; Sendmail "Headers too large".
		"improper use of 8-bit data", "invalid mime", "mime complexity", "header size exceeds",
		"headers too large", "header too long", "improperly-formatted binary content", "unnecessary base64 encoding",
		"message content could not be converted", "conversion failed", "bare linefeeds", "bare lf",
	}},
	// ---- rejected: the envelope sender was refused ----
	{"rejected", []string{
		// Postfix reject_unknown_sender_domain, reject_non_fqdn_sender,
		// smtpd_sender_restrictions "Sender address rejected"; Exim "sender
		// verify failed"; Sendmail "Domain of sender address ... does not
		// exist"; qmail badmailfrom "envelope sender is in my badmailfrom
		// list"; Exchange 5.1.8 "bad outbound sender"; Yahoo unresolvable
		// RFC5321.MailFrom; Facebook DNS-P1/DNS-P2/DNS-T1.
		"sender address rejected", "sender rejected", "sender verify failed", "sender verification failed",
		"domain of sender address", "unroutable sender", "invalid sender", "sender is in my black list",
		"sender address has been blacklisted", "your email address has been blacklisted", "null sender is not allowed",
		"empty envelope senders", "mail from not owned by user", "bogus mail from", "badmailfrom",
		"connections not accepted from servers without a valid sender domain", "sender domain is empty",
		"sender not pre-approved", "sender email address rejected", "no third-party dsns", "sender is spammer",
		"bad outbound sender", "unresolvable rfc.5321", "sender domain does not exist", "sender domain not found",
		"your envelope sender", "dns-p1", "dns-p2", "dns-t1", "cxsndr",
		// Mailing-list managers (FML, Mailman, Google Groups): the sender may not post.
		"you are not a member of this mailing list", "not allowed to post", "non-member post", "not member",
		"not allowed to send to this group", "you may not have permission to post", "the group you tried to contact",
		"members-only list", "closed mailing list", "reject mail from",
	}},
	// ---- hostunknown: the recipient's domain does not exist ----
	{"hostunknown", []string{
		// Sendmail "Host unknown"; Postfix "Host or domain name not found",
		// "Recipient address rejected: Domain not found"; qmail "Sorry, I
		// couldn't find any host named"; Exim "all relevant MX records point
		// to non-existent hosts"; Exchange SMTPSEND.DNS.NonExistentDomain;
		// Gmail "responded with code NXDOMAIN".
		"host unknown", "unknown host", "domain not found", "domain does not exist", "no such domain",
		"host or domain name not found", "name or service not known", "unrouteable address", "unroutable address",
		"domain is not reachable", "the account or domain may not exist", "recipient domain must exist",
		"unknown domain", "domain name not found", "smtpsend.dns.nonexistentdomain", "couldn't find any host named",
		"couldn't find any host by that name", "non-existent hosts", "illegal host/domain name", "nxdomain",
		"domain name in the e-mail address is incorrect", "no such host",
		// DragonFly Mail Agent (dma) when the recipient domain has no address.
		"dns lookup failure: host",
		// German, French, Spanish, Portuguese, Italian, Japanese.
		"domain existiert nicht", "domäne existiert nicht", "host nicht gefunden", "domaine inexistant",
		"domaine introuvable", "hôte inconnu", "dominio no existe", "dominio desconocido", "domínio não existe",
		"domínio inexistente", "dominio inesistente", "dominio sconosciuto", "ドメインが存在しません",
	}},
	// ---- notaccept: the domain takes no mail ----
	{"notaccept", []string{
		// RFC 7505 null MX; Gmail "doesn't receive email according to the
		// administrator"; OpenSMTPD "No MX found for domain"; qmail "couldn't
		// find a mail exchanger or IP address".
		"null mx", "does not accept mail", "doesn't receive email", "no mx record found", "no mx found",
		"mail receiving disabled", "couldn't find a mail exchanger", "no route for current request",
		"does not accept email", "accepts no mail",
	}},
	// ---- spamdetected / virusdetected / policyviolation ----
	{"spamdetected", []string{
		// SpamAssassin/Amavis, Gmail ?p=UnsolicitedMessageError, Microsoft
		// 5.7.501, Mimecast and Proofpoint content rejections; URIBL.
		"spam detected", "detected as spam", "classified as spam", "considered spam", "considered as spam",
		"looks like spam", "scored as spam", "spam score", "rejected as spam", "spam message", "probable spam",
		"high probability of spam", "- spam", "unsolicited", "blacklisted url", "uribl", "surbl",
		"content filter rejection", "message content rejected", "spam-like", "spam content", "appears to be spam",
		"identified as spam", "rejected due to spam", "spam blocked", "spam rejected", "spam signature",
		"bulk mail", "bulk email", "spam abuse", "mail content denied", "is spam", "junk mail",
		// German, French, Spanish, Portuguese, Italian, Japanese.
		"als spam", "considéré comme spam", "considerado spam", "considerato spam", "迷惑メール",
	}},
	{"virusdetected", []string{
		// ClamAV/Amavis "INFECTED", Exim malware ACL, vendor gateways.
		"virus", "infected", "malware", "potentially executable attachment", "trojan",
	}},
	{"policyviolation", []string{
		// RFC 3463 X.7.1 wording and vendor policy rejections: Yahoo [PH01]
		// and 5.7.9 "not accepted for policy reasons", Apple [CS01] "local
		// policy", Mimecast "attachment management", Facebook MSG-P2.
		"policy violation", "denied by policy", "policy reasons", "local policy", "organization policy",
		"organizational settings", "protocol violation", "illegal attachment", "security policies",
		"violates our policy", "message not allowed", "content policy", "attachment type", "banned attachment",
		"attachment management", "msg-p2", "blocked by policy", "rejected by policy", "policy restrictions",
		"[cs01]", "[ph01]",
	}},
	// ---- speeding / toomanyconn ----
	{"speeding", []string{
		// Gmail ?p=ReceivingRate* and UnsolicitedRateLimitError; Yahoo "user
		// is receiving mail too quickly"; Outlook.com RP-00x; Comcast RL000;
		// Cox CXMXRT; GoDaddy IB607; Facebook CON-T3.
		"rate limited", "rate limit exceeded", "ratelimited", "sending too fast", "try again slower",
		"receiving mail at a rate", "exceeded the rate", "receiving mail too quickly", "too many messages",
		"too many recipients this hour", "receivingrate", "unsolicitedratelimiterror", "cxmxrt", "con-t3",
		"rl000", "rp-001", "rp-002", "rp-003", "ib607", "throttl",
	}},
	{"toomanyconn", []string{
		// Postfix smtpd_client_connection_count_limit "too many connections";
		// Tencent "frequency limited"; Yahoo "max message per connection";
		// Facebook CON-T1/T2/T4, MSG-T1; Cox CXCNCT; RFC 3463 X.5.3.
		"too many connections", "too many concurrent", "connection rate limit", "frequency limited",
		"too many recipients", "too many smtp sessions", "maximum connection limit", "per-domain connection limit",
		"too many errors from your ip", "max message per connection", "con-t1", "con-t2", "con-t4", "msg-t1", "cxcnct",
	}},
	// ---- blocked: the sending host was refused ----
	{"blocked", []string{
		// Postfix reject_rbl_client "blocked using", "Client host rejected",
		// "Helo command rejected"; Spamhaus, SpamCop and Barracuda lists;
		// Outlook.com S3140/SC-00x/DY-001 "messages from [IP] weren't sent";
		// Yahoo [BL21]/[BL23]; Comcast BL000; Cox CXBL; Facebook POL-P1/P2.
		"blocked using", "blacklisted by", "block list", "blocklist", "blacklist", "spamhaus", "spamcop",
		" rbl", "rbl:", "dnsbl", "client host rejected", "helo command rejected", "connection refused by",
		"please use the smtp server of your isp", "not accepting mail from your ip", "dynamic ip", "dial-up",
		"your ip address", "ip address is listed", "refused to talk to me", "you are not allowed to connect",
		"banned sending ip", "was blocked by", "weren't sent", "were not sent", "barracuda reputation",
		"sender ip", "ip blocked", "blocked ip", "ip address blocked", "access denied, banned",
		"[bl21]", "[bl22]", "[bl23]", "[tss09]", "[tss11]", "s3140", "s3150", "sc-001", "sc-002", "sc-003", "sc-004",
		"dy-001", "ou-001", "ou-002", "bl000", "cxbl", "pol-p1", "pol-p2", "traffic not accepted from this ip",
		"bad helo", "invalid helo", "helo rejected",
	}},
	// ---- systemerror / systemfull / networkerror / expired ----
	{"systemerror", []string{
		// Postfix "mail for ... loops back to myself", "queue file write
		// error"; Exim and qmail local errors; Exchange MxLoopback.
		"system error", "internal error", "local error in processing", "configuration error", "config error",
		"loops back to myself", "loop was found in the mail exchanger", "queue file write error",
		"service currently unavailable", "temporary local problem", "misconfigured", "timeout waiting for input",
		"forwarding loop", "would create a mail loop", "mxloopback", "routing.noconnectorforaddresstype",
		"mail loop", "loop detected", "too many \"received\" headers", "server busy",
		"service temporarily unavailable", "local configuration error",
	}},
	{"systemfull", []string{
		// RFC 3463 X.3.1; Postfix smtpd queue_minfree "Insufficient system
		// storage"; Sendmail "Insufficient disk space".
		"mail system full", "insufficient system storage", "not enough free space", "insufficient disk space",
		"disk full", "no space left on device",
	}},
	{"networkerror", []string{
		// Postfix smtp(8) temporary DNS failures ("Host not found, try
		// again"), "no route to host"; Sendmail "Too many hops"; RFC 3463
		// X.4.6 routing loop; Gmail "had no relevant answers".
		"no route to host", "host is unreachable", "network is unreachable", "hop count exceeded", "too many hops",
		"routing loop", "maximum allowed times", "had no relevant answers", "host name lookup failure",
		"name server reply", "unable to resolve route", "dns error", "could not connect and send",
		"host not found, try again", "temporary failure in name resolution", "name service error",
		"dns lookup failure", "dns lookup failed", "dns query failed", "servfail", "name server timeout",
		"lost connection with",
	}},
	{"expired", []string{
		// Sendmail "Cannot send message for N days", "Message could not be
		// delivered for"; Exim "retry timeout exceeded", "all hosts have been
		// failing for a long time"; qmail "this message has been in the
		// queue too long"; Postfix "delivery temporarily suspended";
		// Exchange 4.4.7/5.4.300 "message expired"; DragonFly DMA "Giving up".
		"message expired", "delivery expired", "delivery time expired", "queue too long", "giving up on",
		"could not be delivered for", "cannot send message for", "has been delayed", "delivery attempts will continue",
		"retry time not reached", "failing for a long time", "timed out", "time out", "could not find a gateway",
		"after multiple retries", "server did not respond", "did not accept our requests to connect",
		"could not deliver for the last", "host not reachable", "will be retried", "envelope expired", "queue.expired",
		"retry timeout exceeded", "unable to deliver this message after", "connection refused", "connection timed out",
		"could not connect", "unable to connect", "delivery temporarily suspended",
		"message will be retried", "no answer from host", "unable to deliver in",
	}},
	{"failedstarttls", []string{
		// Postfix smtp_tls_security_level=encrypt, Exim "a TLS session is
		// required", RFC 8689 REQUIRETLS, Gmail (state 6/9).
		"starttls", "tls required", "tls is required", "requiretls", "support tls", "tls session is required",
		"must issue a starttls", "tls negotiation failed", "tls handshake failed",
	}},
	{"securityerror", []string{
		// RFC 4954 and Exchange RESOLVER.RST.*: authentication and
		// authorisation of the client.
		"authentication required", "authentication failure", "authentication failed", "smtp authentication",
		"not authorized", "unauthenticated senders", "insecure mail relay", "resolver.rst.authrequired",
		"resolver.rst.notauthorized", "verification failure", "client was not authenticated",
		"delivery not authorized", "sender not authenticated",
	}},
	{"mailererror", []string{
		// Postfix pipe(8) and local(8), Exim pipe transport, procmail,
		// Sendmail prog mailer.
		"pipe to |", "procmail", "command died with status", "command failed", "mailer error", "x-unix;",
		"command output:", " || exit ", "generated by |", "maildrop", "error in prog mailer",
	}},
	{"syntaxerror", []string{
		// RFC 5321 §4.2.2 500–504 reply texts; Sendmail "Unbalanced".
		"syntax error", "command unrecognized", "command not recognized", "command not implemented",
		"command parameter not implemented", "bad sequence of commands", "unbalanced '<'", "unbalanced '>'",
	}},
	{"vacation", []string{
		// RFC 3834 auto-replies in several languages.
		"out of the office", "out of office", "on vacation", "away from the office", "abwesend",
		"absent du bureau", "fuera de la oficina", "fora do escritório", "fuori ufficio", "不在",
	}},
	{"suppressed", []string{
		// Amazon SES, SendGrid, Mailgun, Postmark, SparkPost: the address is
		// on the sending account's suppression list, so nothing was sent.
		"suppression list", "suppressed", "previously bounced", "on the suppression",
	}},
	{"retry", []string{
		// Delay notices: RFC 3464 "delayed" reports (Postfix's "This is a
		// warning only", Sendmail's "Warning: could not send message for
		// past", Exchange's "Delivery has been delayed", Gmail's "Message
		// will be retried", OpenSMTPD's "only a temporary failure report").
		"will retry", "will be retried", "delivery attempts will continue", "still trying", "will keep trying",
		"will continue to try", "this is a temporary error", "only a temporary failure", "warning message only",
		"this is a warning", "could not send message for past", "has been delayed", "delivery has been delayed",
		"try again later", "you do not need to resend", "no action is required",
	}},
}

// cat is a bit position in a category set.
type cat uint8

var (
	catIndex = map[string]cat{}
	catNames []string
)

func init() {
	for _, g := range phraseGroups {
		if _, ok := catIndex[g.cat]; !ok {
			catIndex[g.cat] = cat(len(catNames))
			catNames = append(catNames, g.cat)
		}
	}
	if len(catNames) > 64 {
		panic("reason: more than 64 phrase categories")
	}
}

// cats is a set of phrase categories.
type cats uint64

func (s cats) has(name string) bool {
	c, ok := catIndex[name]
	if !ok {
		panic("reason: unknown phrase category " + name)
	}
	return s&(1<<c) != 0
}

// compiled holds the automaton over every phrase and each phrase's category.
type compiled struct {
	set    *phraseset.Set
	catsOf []cats
}

var phrases = sync.OnceValue(func() *compiled {
	list, of := phraseList()
	return &compiled{set: phraseset.Load(phrasesTable, list), catsOf: of}
})

// phraseList lists every phrase once, with the categories it belongs to.
func phraseList() (list []string, of []cats) {
	index := map[string]int{}
	for _, g := range phraseGroups {
		bit := cats(1) << catIndex[g.cat]
		for _, p := range g.phrases {
			if i, ok := index[p]; ok {
				of[i] |= bit
				continue
			}
			index[p] = len(list)
			list = append(list, p)
			of = append(of, bit)
		}
	}
	return list, of
}

// match returns the categories whose phrases occur in normalised text.
func match(text string) cats {
	c := phrases()
	var s cats
	c.set.Scan(text, func(id int) { s |= c.catsOf[id] })
	return s
}

// normalize lower-cases text, turns typographic apostrophes and dashes into
// ASCII and collapses white space, so one phrase matches however an MTA
// folded or typeset its reply. Multi-line replies ("550-5.7.1 ... 550-5.7.1
// ...") lose the repeated reply-code prefixes.
func normalize(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	space := false
	for _, r := range strings.ToLower(text) {
		switch r {
		case '\u2019', '\u2018':
			r = '\''
		case '\u2013', '\u2014':
			r = '-'
		case ' ', '\t', '\n', '\r', '\f', '\v', '\u00a0':
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return dropContinuations(b.String())
}

// dropContinuations removes the repeated "550-5.7.1 " prefixes of a
// multi-line SMTP reply joined into one line, keeping the first.
func dropContinuations(s string) string {
	if len(s) < 8 || s[3] != '-' || !isDigits(s[:3]) {
		return s
	}
	prefix := s[:4]
	if end := strings.IndexByte(s[4:], ' '); end > 0 && end <= 7 && strings.Count(s[4:4+end], ".") == 2 {
		prefix = s[:4+end+1]
	}
	if strings.Count(s, prefix) < 2 {
		return s
	}
	return prefix + strings.ReplaceAll(s[len(prefix):], " "+prefix, " ")
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
