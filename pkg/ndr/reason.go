package ndr

import (
	"regexp"
	"strings"
)

// Reasons is the bounce-reason vocabulary, Sisimai's, so results compare
// with that widely used parser.
var Reasons = []string{
	"authfailure", "badreputation", "blocked", "contenterror", "delivered",
	"exceedlimit", "expired", "failedstarttls", "feedback", "filtered",
	"hasmoved", "hostunknown", "mailboxfull", "mailererror", "mesgtoobig",
	"networkerror", "norelaying", "notaccept", "notcompliantrfc", "onhold",
	"policyviolation", "rejected", "requireptr", "securityerror",
	"spamdetected", "speeding", "suspend", "syntaxerror", "systemerror",
	"systemfull", "toomanyconn", "undefined", "userunknown", "vacation",
	"virusdetected",
}

// facts is what the classifier looks at for one recipient.
type facts struct {
	status   string
	reply    int
	diag     string // lower-cased diagnostic text
	diagType string
	command  string
	action   string
	rhost    string
	domain   string
	layout   string
	reporter string // the reporting MTA
	explicit string
	raw      string
}

// pattern matches lower-cased text: any of the substrings, or any of the
// regular expressions. The substrings are tried first, so the expressions
// are compiled only when some text gets that far.
type pattern struct {
	subs []string
	res  []func() *regexp.Regexp
}

func (p pattern) match(s string) bool {
	if s == "" {
		return false
	}
	for _, sub := range p.subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	for _, re := range p.res {
		if re().MatchString(s) {
			return true
		}
	}
	return false
}

func pat(subs []string, res ...string) pattern {
	p := pattern{subs: subs}
	for _, r := range res {
		p.res = append(p.res, lazyRE(r))
	}
	return p
}

// The phrases below are what MTAs and mailbox providers actually say for
// each condition; they are matched against the lower-cased diagnostic.
var (
	userUnknownText = pat([]string{
		"user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
		"no such person", "unknown recipient", "unknown mailbox", "recipient unknown",
		"recipient not found", "user not found", "mailbox not found", "invalid recipient",
		"invalid mailbox", "not a valid mailbox", "not a valid recipient", "address unknown",
		"no mailbox here by that name", "no mailbox by that name", "address does not exist",
		"email account that you tried to reach does not exist", "recipient does not exist",
		"recipient address rejected: access denied", "mailbox unavailable", "mailbox is unavailable",
		"not listed in domino directory", "not listed in public name & address book",
		"unknown local part", "nonexistent user", "non-existent user",
		"resolver.adr.recipnotfound", "resolver.adr.recipientnotfound", "resolver.adr.exrecipnotfound",
		"bad destination mailbox", "this user doesn't have a", "user doesn't exist", "address not found",
		"invalid address", "recipient rejected: unknown", "recipient not ok",
	}, `user \S+ (?:does not exist|not found|unknown)`, `mailbox \S+ (?:does not exist|unavailable)`,
		`account \S+ does not exist`, `user (?:\S+ )?does not exist`)
	// localDirectoryText is the receiving system reporting that its own
	// directory has no such user, whatever the SMTP stage.
	localDirectoryText = pat([]string{"not listed in domino directory", "not listed in public name & address book"})
	filteredText       = pat([]string{
		"user reject", "refuses to receive", "refused to receive", "message filtered",
		"blocked by the recipient", "only accepting mail from specific", "refused due to recipient preferences",
		"has restricted sms e-mail", "recipient refuses",
	})
	mailboxFullText = pat([]string{
		"mailbox full", "mailbox is full", "mailbox size limit", "over quota", "quota exceeded",
		"exceeded storage", "quota full", "disk quota", "full mailbox", "mailfolder is full",
		"too much mail data", "exceeded the quota", "user has exceeded", "quota violation",
		"boite du destinataire pleine", "mailbox would exceed", "not enough storage", "storage quota",
		"quotaexceeded",
	}, `mailbox .{0,40}exceeded .{0,40}limit`, `account is .{0,20}quota`)
	mesgTooBigText = pat([]string{
		"message too big", "message too large", "message size exceeds", "message file too big",
		"exceeded maximum inbound message size", "max message size exceeded", "maximum message size",
		"size limit", "message is too large", "line limit exceeded", "taille limite du message",
	})
	exceedLimitText = pat([]string{
		"exceeds the maximum size the user accepts", "exeeded the maximum size the user accepts",
		"message length exceeds administrative limit",
	})
	suspendText = pat([]string{
		"account disabled", "account has been disabled", "account is disabled", "mailbox disabled",
		"mailbox is disabled", "disabled recipient", "has been suspended", "is suspended",
		"currently suspended", "inactive account", "account is inactive", "mailbox is frozen",
		"temporary locked", "temporarily locked", "account is locked", "user suspended",
		"deactivated mailbox", "email account that you tried to reach is disabled",
		"email account that you tried to reach is inactive", "disabled or discontinued",
		"no longer accepts mail", "recipient rejected: temporarily inactive", "invalid/inactive user",
		"administratively disabled", "archived recipient",
	})
	hasMovedText   = pat([]string{"has moved", "mailbox moved", "address has changed", "no longer at this address"})
	noRelayingText = pat([]string{
		"relay access denied", "relaying denied", "relay denied", "relay not permitted", "relaying not allowed",
		"not allowed to relay", "unable to relay", "no relaying", "not configured to relay",
		"not permitted to relay", "we do not relay", "isn't in my list of allowed rcpthosts", "as a relay",
		"relaying mail to", "open relay", "relay not allowed",
	})
	authFailureText = pat([]string{
		"spf.pobox.com", "bad spf records", "spf check", "spf fail", "spf validation", "spf record",
		"sender policy framework", "dmarc", "dkim signature", "dkim fail", "failed dkim",
		"required authentication level", "authentication requirements",
	})
	requirePTRText = pat([]string{
		"reverse dns", "rdns", "ptr record", "no ptr", "reverse lookup", "cannot find your hostname",
		"cannot resolve your address", "ip name lookup failed", "unresolvable relay host name",
	})
	notCompliantText = pat([]string{
		"rfc 5322 compliant", "rfc5322 compliant", "rfcmessagenoncompliant", "duplicate header",
		"not compliant with rfc", "not rfc compliant",
	}, ` multiple \S+ headers?\b`)
	badReputationText = pat([]string{"poor reputation", "poor email reputation", "ip reputation", "low reputation", "bad reputation", "reputation problems"})
	contentErrorText  = pat([]string{
		"improper use of 8-bit data", "invalid mime", "mime complexity", "header size exceeds",
		"too many received", "headers too large", "improperly-formatted binary content",
		"unnecessary base64 encoding",
	})
	rejectedText = pat([]string{
		"sender address rejected", "sender rejected", "sender verify failed", "domain of sender address",
		"unroutable sender", "invalid sender", "sender is in my black list", "sender address has been blacklisted",
		"your email address has been blacklisted", "null sender is not allowed", "empty envelope senders",
		"mail from not owned by user", "not allowed to post to this mailing list", "returned mail not accepted",
		"bogus mail from", "connections not accepted from servers without a valid sender domain",
		"recipient addresses rejected : access denied", "sender domain is empty", "sender not pre-approved",
		"sender email address rejected", "batv", "no third-party dsns", "sender is spammer",
	}, `(?:^|[^t] )address rejected`)
	hostUnknownText = pat([]string{
		"host unknown", "unknown host", "domain not found", "domain does not exist", "no such domain",
		"host or domain name not found", "name or service not known", "unrouteable address",
		"unroutable address", "domain is not reachable", "the account or domain may not exist",
		"recipient domain must exist", "unknown domain", "domain name not found",
		"smtpsend.dns.nonexistentdomain", "couldn't find any host",
	}, `\bhost \S+ not found`)
	spamText = pat([]string{
		"spam detected", "detected as spam", "classified as spam", "considered spam", "considered as spam",
		"looks like spam", "scored as spam", "spam score", "message rejected as spam", "spam message",
		"probable spam", "high probability of spam", "- spam", "unsolicited", "blacklisted url in message",
		"uribl", "content filter rejection", "message content rejected", "spam-like", "spam content",
		"appears to be spam", "identified as spam", "rejected due to spam", "spam blocked", "spam rejected",
		"bulk mail", "bulk email",
	})
	speedingText = pat([]string{
		"rate limited", "rate limit exceeded", "sending too fast", "try again slower",
		"receiving mail at a rate", "exceeded the rate",
	})
	tooManyConnText = pat([]string{
		"too many connections", "too many concurrent", "connection rate limit", "frequency limited",
		"too many recipients", "too many smtp sessions", "maximum connection limit",
		"per-domain connection limit", "too many errors from your ip",
	})
	blockedText = pat([]string{
		"blocked using", "blacklisted by", "block list", "blocklist", "blacklist", "spamhaus", "spamcop",
		"rbl", "dnsbl", "client host rejected", "helo command rejected", "connection refused by",
		"service not available, closing transmission channel", "please use the smtp server of your isp",
		"not accepting mail from your ip", "dynamic ip", "dial-up", "initial connection",
		"your ip address", "ip address is listed", "refused to talk to me", "you are not allowed to connect",
		"banned sending ip", "was blocked by", "relay quota",
	}, `ip .{0,40}(?:is |has been )?blocked`, `access from ip address .* blocked`)

	virusText  = pat([]string{"virus", "infected", "malware", "potentially executable attachment"})
	policyText = pat([]string{
		"policy violation", "denied by policy", "policy reasons", "header error", "local policy",
		"organization policy", "organizational settings", "protocol violation", "message given low priority",
		"members-only list", "closed mailing list", "illegal attachment", "security policies",
	})
	systemErrorText = pat([]string{
		"system error", "internal error", "local error in processing", "configuration error",
		"config error", "loops back to myself", "loop was found in the mail exchanger", "queue file write error",
		"service currently unavailable", "temporary local problem", "misconfigured", "timeout waiting for input",
		"transaction failed ", "forwarding loop", "would create a mail loop", "mxloopback",
		"routing.noconnectorforaddresstype",
	})
	networkErrorText = pat([]string{
		"no route to host", "host is unreachable", "network is unreachable", "hop count exceeded",
		"too many hops", "routing loop", "maximum allowed times", "had no relevant answers",
		"host name lookup failure", "name server reply", "unable to resolve route", "dns error",
		"could not connect and send",
	})
	systemFullText = pat([]string{"mail system full", "insufficient system storage", "not enough free space", "insufficient disk space"})
	notAcceptText  = pat([]string{
		"null mx", "does not accept mail", "no mx record found", "no mx found", "mail receiving disabled",
		"couldn't find a mail exchanger", "no route for current request",
	})
	expiredText = pat([]string{
		"message expired", "delivery expired", "delivery time expired", "queue too long", "giving up on",
		"could not be delivered for", "has been delayed", "delivery attempts will continue",
		"retry time not reached", "failing for a long time", "timed out", "could not find a gateway",
		"after multiple retries", "server did not respond", "did not accept our requests to connect",
		"could not deliver for the last", "host not reachable", "will be retried", "envelope expired", "queue.expired",
	})
	startTLSText = pat([]string{"starttls", "tls required", "support tls", "requiretls", "tls is required"})
	securityText = pat([]string{
		"authentication required", "authentication failure", "authentication failed", "smtp authentication",
		"not authorized", "unauthenticated senders", "insecure mail relay", "resolver.rst.authrequired",
		"resolver.rst.notauthorized", "verification failure",
	})
	mailerErrorText = pat([]string{
		"pipe to |", "procmail", "command died with status", "command failed", "mailer error",
		"x-unix;", "command output:", " || exit ",
	})
	vacationText = pat([]string{"out of the office", "out of office", "on vacation", "away from the office"})
)

// codeReasons maps enhanced status codes to the reason they imply on their
// own. Codes that say too little (5.0.0, 4.3.0) are absent.
var codeReasons = map[string]string{
	"2.1.5": "delivered", "2.6.0": "delivered", "2.0.0": "delivered",
	"4.1.6": "hasmoved", "4.1.7": "rejected", "4.1.8": "rejected", "4.1.9": "systemerror",
	"4.2.1": "blocked", "4.2.2": "mailboxfull", "4.2.3": "exceedlimit", "4.2.4": "filtered",
	"4.3.1": "systemfull", "4.3.2": "notaccept", "4.3.3": "systemerror", "4.3.5": "systemerror",
	"4.4.1": "expired", "4.4.2": "networkerror", "4.4.3": "systemerror", "4.4.4": "networkerror",
	"4.4.5": "systemfull", "4.4.6": "networkerror", "4.4.7": "expired", "4.4.8": "networkerror",
	"4.5.3": "systemerror", "4.5.5": "systemerror",
	"4.6.0": "contenterror", "4.6.2": "contenterror", "4.6.5": "contenterror",
	"4.7.1": "blocked", "4.7.2": "blocked", "4.7.5": "securityerror", "4.7.6": "securityerror",
	"4.7.7": "securityerror", "4.7.12": "securityerror", "4.7.15": "securityerror", "4.7.16": "mesgtoobig",
	"4.7.24": "authfailure", "4.7.25": "requireptr", "4.7.26": "authfailure",
	"5.1.0": "userunknown", "5.1.1": "userunknown", "5.1.2": "hostunknown", "5.1.3": "userunknown",
	"5.1.4": "filtered", "5.1.6": "hasmoved", "5.1.7": "rejected", "5.1.8": "rejected",
	"5.1.9": "systemerror", "5.1.10": "notaccept",
	"5.2.0": "filtered", "5.2.1": "filtered", "5.2.2": "mailboxfull", "5.2.3": "exceedlimit", "5.2.4": "filtered",
	"5.3.0": "systemerror", "5.3.1": "systemfull", "5.3.2": "notaccept", "5.3.3": "systemerror",
	"5.3.4": "mesgtoobig", "5.3.5": "systemerror",
	"5.4.0": "networkerror", "5.4.3": "systemerror", "5.4.4": "hostunknown",
	"5.5.2": "syntaxerror", "5.5.3": "toomanyconn", "5.5.4": "systemerror", "5.5.5": "systemerror", "5.5.6": "syntaxerror",
	"5.6.0": "contenterror", "5.6.1": "contenterror", "5.6.2": "contenterror", "5.6.3": "contenterror",
	"5.6.5": "contenterror", "5.6.6": "contenterror", "5.6.7": "contenterror", "5.6.8": "contenterror", "5.6.9": "contenterror",
	"5.7.0": "securityerror", "5.7.1": "securityerror", "5.7.2": "securityerror", "5.7.3": "securityerror",
	"5.7.4": "securityerror", "5.7.5": "securityerror", "5.7.6": "securityerror", "5.7.7": "securityerror",
	"5.7.8": "securityerror", "5.7.9": "securityerror", "5.7.10": "securityerror", "5.7.11": "securityerror",
	"5.7.13": "suspend", "5.7.14": "securityerror", "5.7.15": "securityerror", "5.7.16": "mesgtoobig",
	"5.7.17": "hasmoved", "5.7.18": "hasmoved", "5.7.19": "securityerror",
	"5.7.20": "authfailure", "5.7.21": "authfailure", "5.7.22": "authfailure", "5.7.23": "authfailure",
	"5.7.24": "authfailure", "5.7.25": "requireptr", "5.7.26": "authfailure", "5.7.27": "notaccept",
	"5.7.28": "spamdetected", "5.7.29": "authfailure", "5.7.30": "failedstarttls",
}

// weakReasons are reasons a status code suggests without settling: the text
// gets a chance to say something more precise first.
var weakReasons = map[string]bool{
	"": true, "undefined": true, "onhold": true, "systemerror": true, "securityerror": true,
	"expired": true, "networkerror": true, "hostunknown": true, "userunknown": true,
}

// beforeData lists the SMTP stages at which the message content has not
// been seen yet: a rejection there cannot be about spam or a virus.
var beforeData = map[string]bool{"CONN": true, "EHLO": true, "HELO": true, "STARTTLS": true, "AUTH": true, "MAIL": true, "RCPT": true}

// check is one step of the classifier: a reason and when it applies, given
// the facts and the reason the status code alone implies.
type check struct {
	reason string
	when   func(f facts, code string) bool
}

func byCodeOrText(reason string, p pattern) check {
	return check{reason, func(f facts, code string) bool { return code == reason || p.match(f.diag) }}
}

func byText(reason string, p pattern) check {
	return check{reason, func(f facts, _ string) bool { return p.match(f.diag) }}
}

// primary runs in order when the diagnostic is an SMTP reply (or absent):
// the reasons the remote server's words can establish on their own.
var primary = []check{
	byCodeOrText("mailboxfull", mailboxFullText),
	{"mesgtoobig", func(f facts, code string) bool {
		return code == "mesgtoobig" || (code != "exceedlimit" && mesgTooBigText.match(f.diag))
	}},
	byCodeOrText("exceedlimit", exceedLimitText),
	{"suspend", func(f facts, _ string) bool { return f.reply == 525 || suspendText.match(f.diag) }},
	byCodeOrText("hasmoved", hasMovedText),
	{"norelaying", func(f facts, _ string) bool {
		return f.command != "CONN" && f.command != "EHLO" && f.command != "HELO" && noRelayingText.match(f.diag)
	}},
	byCodeOrText("authfailure", authFailureText),
	{"userunknown", func(f facts, code string) bool {
		if localDirectoryText.match(f.diag) {
			return true
		}
		if code == "userunknown" {
			return !noRelayingText.match(f.diag) && !blockedText.match(f.diag) && !mailboxFullText.match(f.diag) &&
				!hasMovedText.match(f.diag) && !notAcceptText.match(f.diag)
		}
		return f.command == "RCPT" && userUnknownText.match(f.diag)
	}},
	{"filtered", func(f facts, code string) bool {
		matches := userUnknownText.match(f.diag) || filteredText.match(f.diag)
		if code == "filtered" {
			return matches
		}
		return !beforeData[f.command] && matches
	}},
	byCodeOrText("requireptr", requirePTRText),
	byText("notcompliantrfc", notCompliantText),
	byText("badreputation", badReputationText),
	{"contenterror", func(f facts, code string) bool {
		return (code == "contenterror" && !spamText.match(f.diag)) || contentErrorText.match(f.diag)
	}},
	{"rejected", func(f facts, code string) bool {
		if code == "rejected" {
			return true
		}
		switch {
		case f.command == "MAIL":
		case f.command == "DATA" && code != "userunknown":
		case code == "" || code == "securityerror" || code == "systemerror" || code == "onhold":
		default:
			return false
		}
		return rejectedText.match(f.diag)
	}},
	{"hostunknown", func(f facts, code string) bool {
		if code == "hostunknown" {
			return !networkErrorText.match(f.diag) && !notAcceptText.match(f.diag)
		}
		return hostUnknownText.match(f.diag)
	}},
	{"spamdetected", func(f facts, code string) bool {
		return code == "spamdetected" || (!beforeData[f.command] && spamText.match(f.diag))
	}},
	byText("speeding", speedingText),
	byCodeOrText("toomanyconn", tooManyConnText),
	byCodeOrText("blocked", blockedText),
}

// secondary runs when neither the code nor the primary checks decided.
var secondary = []struct {
	reason string
	text   pattern
}{
	{"mailboxfull", mailboxFullText},
	{"authfailure", authFailureText},
	{"badreputation", badReputationText},
	{"speeding", speedingText},
	{"spamdetected", spamText},
	{"virusdetected", virusText},
	{"policyviolation", policyText},
	{"norelaying", noRelayingText},
	{"notaccept", notAcceptText},
	{"systemerror", systemErrorText},
	{"networkerror", networkErrorText},
	{"suspend", suspendText},
	{"contenterror", contentErrorText},
	{"systemfull", systemFullText},
	{"expired", expiredText},
	{"failedstarttls", startTLSText},
	{"securityerror", securityText},
	{"mailererror", mailerErrorText},
	{"blocked", blockedText},
}

// smtpLike reports diagnostics that quote an SMTP conversation; mailer
// (x-unix) and Notes diagnostics describe local programs instead.
func smtpLike(t string) bool {
	return t == "" || t == "smtp" || t == "x-postfix"
}

// classify decides the bounce reason for one recipient.
func classify(f facts) string {
	if f.explicit != "" {
		return f.explicit
	}
	if strings.HasPrefix(f.status, "2.") {
		return "delivered"
	}
	if r := providerReason(f); r != "" {
		return r
	}
	code := codeReasons[f.status]
	if smtpLike(f.diagType) {
		for _, c := range primary {
			if c.when(f, code) {
				return c.reason
			}
		}
	}
	if !weakReasons[code] && smtpLike(f.diagType) {
		return code
	}
	for _, s := range secondary {
		if s.text.match(f.diag) {
			return s.reason
		}
	}
	if code != "" {
		return code
	}
	switch {
	case strings.HasPrefix(f.status[min(len(f.status), 1):], ".6."):
		return "contenterror"
	case strings.HasPrefix(f.status[min(len(f.status), 1):], ".7."):
		return "securityerror"
	case f.diagType == "x-unix":
		return "mailererror"
	case (f.reply > 400 && f.reply < 408) || (f.reply > 500 && f.reply < 508):
		return "syntaxerror"
	case f.action == "delayed":
		return "expired"
	case f.command == "EHLO" || f.command == "HELO" || f.command == "CONN":
		return "blocked"
	case vacationText.match(f.diag):
		return "vacation"
	case strings.TrimSpace(f.diag) != "":
		return "onhold"
	}
	return "undefined"
}
