package reason

import (
	"strconv"
	"strings"
)

// byStatus maps enhanced status codes to the reason they imply on their
// own; "4.x.y" and "5.x.y" are listed apart only where the classes differ.
// Codes that say too little (5.0.0, 4.3.0, 5.7.0) are absent.
//
// Sources: RFC 3463 §3 and the IANA "SMTP Enhanced Status Codes" registry
// (subjects 1–7, including RFC 5248, RFC 7372 for 5.7.20–26, RFC 7505 for
// 5.1.10 and 5.7.27, RFC 8689 for 5.7.30); Microsoft's "Email non-delivery
// reports and SMTP errors in Exchange Online" for its own details (5.1.8,
// 5.2.121, 5.4.300, 5.7.5xx, 5.7.7xx).
var byStatus = map[string]string{
	// Success.
	"2.0.0": "delivered", "2.1.5": "delivered", "2.6.0": "delivered",

	// X.1: addressing. 5.1.0/5.1.1 "bad destination mailbox address",
	// 5.1.2 "bad destination system address", 5.1.3 bad syntax, 5.1.4
	// ambiguous, 5.1.6 moved, 5.1.7/5.1.8 the sender's address.
	"5.1.0": "userunknown", "5.1.1": "userunknown", "5.1.2": "hostunknown", "5.1.3": "userunknown",
	"5.1.4": "filtered", "5.1.6": "hasmoved", "5.1.7": "rejected", "5.1.8": "rejected", "5.1.9": "systemerror",
	"4.1.6": "hasmoved", "4.1.7": "rejected", "4.1.8": "rejected", "4.1.9": "systemerror",

	// X.2: mailbox. 5.2.1 "mailbox disabled, not accepting messages" is
	// also used for filtering and unknown users, so the text decides first
	// (see classify).
	"5.2.0": "filtered", "5.2.1": "suspend", "5.2.2": "mailboxfull", "5.2.3": "exceedlimit", "5.2.4": "filtered",
	"4.2.1": "blocked", "4.2.2": "mailboxfull", "4.2.3": "exceedlimit", "4.2.4": "filtered",
	// Microsoft: per-sender hourly receive limit of the recipient.
	"5.2.121": "speeding", "5.2.122": "speeding", "4.2.121": "speeding", "4.2.122": "speeding",

	// X.3: mail system.
	"5.3.0": "systemerror", "5.3.1": "systemfull", "5.3.2": "notaccept", "5.3.3": "systemerror", "5.3.4": "mesgtoobig", "5.3.5": "systemerror",
	"4.3.1": "systemfull", "4.3.2": "notaccept", "4.3.3": "systemerror", "4.3.5": "systemerror",

	// X.4: network and routing. 4.4.1 no answer, 4.4.2 bad connection,
	// 4.4.3 directory (DNS) failure, 5.4.4 unable to route, 4.4.5
	// congestion, 4.4.6 routing loop, 4.4.7 delivery time expired.
	"4.4.1": "expired", "4.4.2": "networkerror", "4.4.3": "networkerror", "4.4.4": "networkerror",
	"4.4.5": "systemfull", "4.4.6": "networkerror", "4.4.7": "expired", "4.4.8": "networkerror",
	"5.4.0": "networkerror", "5.4.1": "expired", "5.4.2": "networkerror", "5.4.3": "networkerror", "5.4.4": "hostunknown",
	"5.4.6": "networkerror", "5.4.7": "expired", "5.4.8": "networkerror",
	// Microsoft: 5.4.300 message expired, 5.4.310 the recipient domain
	// does not exist in DNS, 5.4.312 the DNS query failed, 5.4.316
	// connection refused until expiry.
	"5.4.300": "expired", "5.4.310": "hostunknown", "5.4.312": "networkerror", "5.4.316": "expired",
	"4.4.300": "expired", "4.4.310": "hostunknown", "4.4.312": "networkerror", "4.4.316": "expired",

	// X.5: protocol. 5.5.1 invalid command, 5.5.2 syntax error, 5.5.3
	// too many recipients, 5.5.4 invalid arguments, 5.5.5 wrong protocol
	// version, 5.5.6 authentication line too long.
	"5.5.1": "syntaxerror", "5.5.2": "syntaxerror", "5.5.3": "toomanyconn", "5.5.4": "syntaxerror", "5.5.5": "systemerror", "5.5.6": "syntaxerror",
	"4.5.3": "toomanyconn", "4.5.5": "systemerror",

	// X.6: content and conversion.
	"5.6.0": "contenterror", "5.6.1": "contenterror", "5.6.2": "contenterror", "5.6.3": "contenterror", "5.6.4": "contenterror",
	"5.6.5": "contenterror", "5.6.6": "contenterror", "5.6.7": "contenterror", "5.6.8": "contenterror", "5.6.9": "contenterror", "5.6.10": "contenterror",
	"4.6.0": "contenterror", "4.6.2": "contenterror", "4.6.5": "contenterror",

	// X.7: security and policy. 5.7.1 (delivery not authorised) is the
	// catch-all of policy rejections: only a fallback.
	"5.7.1": "securityerror", "5.7.2": "securityerror", "5.7.3": "securityerror", "5.7.4": "securityerror",
	"5.7.5": "securityerror", "5.7.6": "securityerror", "5.7.7": "securityerror", "5.7.8": "securityerror",
	"5.7.9": "securityerror", "5.7.10": "failedstarttls", "5.7.11": "securityerror", "5.7.12": "securityerror",
	"5.7.13": "suspend", "5.7.14": "securityerror", "5.7.15": "policyviolation", "5.7.16": "mesgtoobig",
	"5.7.17": "hasmoved", "5.7.18": "hasmoved", "5.7.19": "securityerror",
	// RFC 7372: 5.7.20–5.7.24 DKIM and SPF failures, 5.7.25 no reverse
	// DNS, 5.7.26 multiple authentication checks failed.
	"5.7.20": "authfailure", "5.7.21": "authfailure", "5.7.22": "authfailure", "5.7.23": "authfailure",
	"5.7.24": "authfailure", "5.7.25": "requireptr", "5.7.26": "authfailure",
	// RFC 7505: the sender's domain has a null MX. IANA 5.7.28 mail flood,
	// 5.7.29 ARC failure; RFC 8689 5.7.30 REQUIRETLS needed.
	"5.7.27": "rejected", "5.7.28": "spamdetected", "5.7.29": "authfailure", "5.7.30": "failedstarttls",
	"4.7.1": "blocked", "4.7.2": "blocked", "4.7.5": "securityerror", "4.7.6": "securityerror",
	"4.7.7": "securityerror", "4.7.10": "failedstarttls", "4.7.12": "securityerror", "4.7.15": "securityerror", "4.7.16": "mesgtoobig",
	"4.7.24": "authfailure", "4.7.25": "requireptr", "4.7.26": "authfailure", "4.7.28": "spamdetected",
	// Microsoft: 5.7.64 relay denied by tenant attribution; 5.7.501-503
	// spam abuse; 5.7.506 bad HELO; 5.7.508-511 IP blocked; 5.7.509
	// DMARC; 5.7.512 not RFC 5322 §3.6.2 compliant; 5.7.515 required
	// authentication level; 5.7.520 external forwarding not allowed;
	// 4.7.650 rate limited for IP reputation.
	"5.7.64": "norelaying", "5.7.501": "spamdetected", "5.7.502": "spamdetected", "5.7.503": "spamdetected",
	"5.7.506": "blocked", "5.7.508": "blocked", "5.7.509": "authfailure", "5.7.510": "blocked", "5.7.511": "blocked",
	"5.7.512": "notcompliantrfc", "5.7.513": "blocked", "5.7.515": "authfailure", "5.7.520": "policyviolation",
	"4.7.650": "badreputation", "4.7.651": "badreputation",
}

// statusReason returns the reason a status code implies, "" when it says too
// little. Microsoft's 5.7.606–5.7.649 (banned sending IP) and 5.7.700–5.7.750
// (tenant or unregistered-domain blocks) are ranges.
func statusReason(status string, reply int) string {
	if r, ok := byStatus[status]; ok {
		return r
	}
	switch {
	case status == "5.1.10" && reply == 556:
		// RFC 7505: the recipient's domain has a null MX.
		return "notaccept"
	case status == "5.1.10":
		// Exchange Online: RESOLVER.ADR.RecipientNotFound.
		return "userunknown"
	}
	if rest, ok := strings.CutPrefix(status, "5.7."); ok {
		if d, err := strconv.Atoi(rest); err == nil && ((d >= 606 && d <= 649) || (d >= 700 && d <= 750)) {
			return "blocked"
		}
	}
	return ""
}

// weakStatus lists reasons a status code suggests without settling: the
// text and the stage get a chance to say something more precise first.
var weakStatus = map[string]bool{
	"": true, "undefined": true, "onhold": true, "systemerror": true, "securityerror": true,
	"expired": true, "networkerror": true, "hostunknown": true, "userunknown": true, "filtered": true,
}
