package reason

import (
	"strings"
	"sync"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
	"github.com/mailflowkit/mailflow/pkg/ndr/internal/phraseset"
)

// Large mailbox providers and filtering services answer with their own
// codes and wording, which mean something more precise than the status code
// around them. A rule applies when one of the hosts (remote MTA, reporting
// MTA, recipient domain) belongs to the provider, or when the text carries
// the provider's signature.

type provider struct {
	name  string
	hosts []string
	// signs are lower-case strings that identify the provider in the text
	// itself (a help URL, a host name in the reply).
	signs  []string
	reason func(c *facts) string
}

var (
	googleHelpRE = lazyre.New(`\?p=([a-z0-9]+)`)
	orangeCodeRE = lazyre.New(`(?:ofr|lpn)\d*_(\d{3})`)
	codeWordRE   = lazyre.New(`\[([a-z]{2,4}\d{2})\]`)
)

// googleHelp maps the help-article token Gmail appends to its replies
// ("https://support.google.com/mail/?p=NoSuchUser") to the condition, as the
// "Gmail SMTP errors and codes" article (support.google.com/a/answer/3726730)
// describes each.
var googleHelp = map[string]string{
	"nosuchuser": "userunknown", "disableduser": "suspend", "overquotatemp": "mailboxfull", "overquotaperm": "mailboxfull",
	"dmarcrejection": "authfailure", "unauthenticatedemail": "authfailure", "rfcmessagenoncompliant": "notcompliantrfc",
	"unsolicitedmessageerror": "spamdetected", "unsolicitedratelimiterror": "speeding", "receivingrateperm": "speeding",
	"receivingratetemp": "speeding", "messagetoobig": "mesgtoobig", "invalidsecondarydomain": "rejected",
	"blockedmessage": "policyviolation", "toomanyrecipients": "toomanyconn",
}

// yahooCodes are the bracketed codes of Yahoo and AOL replies
// (senders.yahooinc.com/smtp-error-codes): TSS04 deferral for volume or
// complaints, TSS09/TSS11 permanent deferral of the IP, BL21–BL23 Spamhaus
// listings, PH01 policy.
var yahooCodes = map[string]string{
	"tss04": "badreputation", "tss09": "blocked", "tss11": "blocked", "bl21": "blocked", "bl22": "blocked", "bl23": "blocked",
	"ph01": "policyviolation",
}

// orangeCodes are Orange and La Poste's "OFR_nnn"/"LPNnnn_nnn" codes
// (assistance.orange.fr, "codes erreur des messages non remis").
var orangeCodes = map[string]string{
	"416": "userunknown", "418": "userunknown", "425": "suspend", "426": "suspend", "505": "systemerror",
	"506": "spamdetected", "510": "blocked", "520": "mailboxfull",
}

// facebookCodes are the response codes of Facebook's postmaster page: RCP
// recipient, MSG message, POL policy, DNS sender DNS, CON connection, INT
// internal.
var facebookCodes = []codeReason{
	{"rcp-p1", "userunknown"}, {"rcp-p2", "filtered"}, {"rcp-p3", "filtered"}, {"rcp-t1", "suspend"}, {"rcp-t4", "suspend"},
	{"msg-p1", "mesgtoobig"}, {"msg-p2", "policyviolation"}, {"msg-p3", "notcompliantrfc"}, {"msg-t1", "toomanyconn"},
	{"pol-p1", "blocked"}, {"pol-p2", "blocked"}, {"pol-p3", "policyviolation"}, {"pol-p4", "policyviolation"},
	{"pol-p5", "spamdetected"}, {"pol-p6", "spamdetected"}, {"pol-p7", "authfailure"}, {"pol-t1", "spamdetected"},
	{"pol-t2", "spamdetected"}, {"pol-t3", "spamdetected"}, {"dns-p1", "rejected"}, {"dns-p2", "rejected"}, {"dns-t1", "rejected"},
	{"dns-p3", "requireptr"}, {"dns-t2", "requireptr"}, {"con-t1", "toomanyconn"}, {"con-t2", "toomanyconn"},
	{"con-t3", "speeding"}, {"con-t4", "toomanyconn"}, {"int-t1", "systemerror"}, {"int-p1", "systemerror"},
}

// codeReason ties a provider's code word to the reason it states.
type codeReason struct{ code, reason string }

// codes is the rule of a provider whose codes or phrases each state one
// reason: the first of table found in the text decides.
func codes(table ...codeReason) func(*facts) string {
	return func(c *facts) string { return firstCode(c.text, table) }
}

// firstCode returns the reason of the first code of table found in text.
func firstCode(text string, table []codeReason) string {
	for _, c := range table {
		if strings.Contains(text, c.code) {
			return c.reason
		}
	}
	return ""
}

// coxCodes are Cox's error codes ("Cox email error codes"): CXBL blocked
// IP, CXDNS no reverse DNS, CXMXRT rate limited, CXCNCT too many
// connections, CXSNDR sender rejected, CXTHRT and CXSPAM content.
var coxCodes = []codeReason{
	{"cxbl", "blocked"}, {"cxdns", "requireptr"}, {"cxmxrt", "speeding"}, {"cxcnct", "toomanyconn"}, {"cxsndr", "rejected"},
	{"cxthrt", "spamdetected"}, {"cxspam", "spamdetected"},
}

var microsoftHosts = []string{"outlook.com", "hotmail.com", "live.com", "msn.com", "office365.com", "outlook.jp", "hotmail.co.jp", "protection.outlook.com"}

var providers = []provider{
	{"google", []string{"google.com", "googlemail.com", "gmail.com", "1e100.net"}, []string{" gsmtp", "support.google.com/mail"}, func(c *facts) string {
		if m := googleHelpRE().FindStringSubmatch(c.text); m != nil {
			return googleHelp[m[1]]
		}
		if strings.Contains(c.text, "very low reputation") || strings.Contains(c.text, "low reputation of the sending") {
			return "badreputation"
		}
		return ""
	}},
	{"google-groups", []string{"googlegroups.com"}, nil, func(c *facts) string {
		// Google Groups refuses posts to groups that do not exist or that
		// the sender may not post to.
		if c.cats.has("rejected") || strings.Contains(c.text, "group") {
			return "rejected"
		}
		return ""
	}},
	{"yahoo", []string{"yahoodns.net", "yahoo.com", "yahoo.net", "aol.com", "yahoo.co.jp", "aol.jp", "verizonmedia.com", "yahooinc.com"},
		[]string{"postmaster.yahooinc.com", "postmaster.verizonmedia.com", "senders.yahooinc.com"}, func(c *facts) string {
			if m := codeWordRE().FindStringSubmatch(c.text); m != nil {
				if r := yahooCodes[m[1]]; r != "" {
					return r
				}
			}
			return ""
		}},
	{"microsoft", microsoftHosts, []string{"prod.protection.outlook.com", "prod.outlook.com"}, func(c *facts) string {
		switch {
		case strings.HasPrefix(c.status, "5.4.1") && strings.Contains(c.text, "access denied"):
			// Directory-based edge blocking: no such recipient in the
			// tenant (Exchange Online 5.4.1).
			return "userunknown"
		case strings.Contains(c.text, "requested action not taken: mailbox unavailable"):
			return "userunknown"
		case strings.Contains(c.text, "domain is not reachable"):
			return "hostunknown"
		}
		return ""
	}},
	{"orange", []string{"orange.fr", "wanadoo.fr", "laposte.net", "orange.com"}, []string{"ofr_", "lpn0"}, func(c *facts) string {
		if m := orangeCodeRE().FindStringSubmatch(c.text); m != nil {
			return orangeCodes[m[1]]
		}
		return ""
	}},
	{"facebook", []string{"facebook.com", "fb.com", "facebookmail.com"}, nil, codes(facebookCodes...)},
	{"cox", []string{"cox.net", "cox.com"}, []string{"cox.com/"}, codes(coxCodes...)},
	// Comcast's SMTP error codes: BL000nnn blocked, RL000nnn rate limited.
	{"comcast", []string{"comcast.net"}, []string{"postmaster.comcast.net"}, codes(codeReason{"bl0", "blocked"}, codeReason{"rl0", "speeding"})},
	// iCloud Mail server errors: "inactive email address", "[CS01] Message
	// rejected due to local policy".
	{"apple", []string{"icloud.com", "me.com", "mac.com", "apple.com"}, nil,
		codes(codeReason{"inactive email address", "suspend"}, codeReason{"[cs01]", "policyviolation"})},
	{"kddi", []string{"ezweb.ne.jp", "au.com", "kddi.com"}, nil, func(c *facts) string {
		// au (KDDI) answers "550 : User unknown", with no address, when
		// the recipient's own reception filter refused the sender.
		// With the address ("550 <addr>: User unknown") the mailbox does
		// not exist.
		switch {
		case strings.Contains(c.text, "550 : user unknown"):
			return "filtered"
		case c.cats.has("userunknown"):
			return "userunknown"
		}
		return ""
	}},
	{"docomo", []string{"docomo.ne.jp", "mopera.net"}, nil, func(c *facts) string {
		// NTT docomo refuses mail its subscriber's reception settings block
		// with "550 Unknown user" after DATA.
		if c.stage != StageRcpt && (c.cats.has("userunknown") || strings.Contains(c.text, "unknown user")) {
			return "filtered"
		}
		return ""
	}},
	{"softbank", []string{"softbank.ne.jp", "i.softbank.jp", "vodafone.ne.jp", "disney.ne.jp", "ymobile.ne.jp", "y-mobile.ne.jp"}, nil, func(c *facts) string {
		// SoftBank and Y!mobile likewise answer an unknown-user reply
		// after DATA for senders the subscriber blocks.
		if c.stage == StageData && c.cats.has("userunknown") {
			return "filtered"
		}
		return ""
	}},
	// Tencent's help page: "frequency limited" throttles, "mail content
	// denied" spam.
	{"tencent", []string{"qq.com", "foxmail.com", "exmail.qq.com"}, []string{"service.mail.qq.com"},
		codes(codeReason{"frequency limited", "toomanyconn"}, codeReason{"mail content denied", "spamdetected"})},
	// GoDaddy's IB codes: IB607 hourly recipient limit, IB705 virus.
	{"godaddy", []string{"secureserver.net"}, []string{"x.co/rlbounce"},
		codes(codeReason{"ib607", "speeding"}, codeReason{"too many recipients this hour", "speeding"}, codeReason{"ib705", "virusdetected"})},
	// Symantec/Broadcom MessageLabs: relaying refused until the client
	// authenticates.
	{"messagelabs", []string{"messagelabs.com"}, nil, codes(codeReason{"smtp authentication", "securityerror"})},
	// Mimecast's "SMTP error codes" article: envelope and header blocks set
	// by the recipient, RBL and reputation rejections.
	{"mimecast", []string{"mimecast.com", "mimecast.co.za", "mimecast-offshore.com"}, []string{"mimecast"}, codes(
		codeReason{"envelope blocked", "filtered"}, codeReason{"blocked senders", "filtered"},
		codeReason{"invalid recipient", "userunknown"}, codeReason{"ip reputation", "badreputation"},
		codeReason{"rbl", "blocked"}, codeReason{"administrative prohibition", "blocked"}, codeReason{"anti-spoofing", "policyviolation"})},
	{"proofpoint", []string{"pphosted.com", "ppe-hosted.com", "proofpoint.com"}, []string{"ipcheck.proofpoint.com", "proofpoint.com/dnsbl"}, func(c *facts) string {
		// Proofpoint's rejections link its IP look-up for blocked hosts.
		if strings.Contains(c.text, "ipcheck.proofpoint.com") || strings.Contains(c.text, "dnsbl-lookup") {
			return "blocked"
		}
		return ""
	}},
	{"barracuda", []string{"barracudanetworks.com", "barracuda.com", "ess.barracudanetworks.com"}, []string{"barracudacentral.org"}, func(c *facts) string {
		// Barracuda Reputation Block List and the gateway's
		// "(addr:blocked)" per-recipient verdicts.
		if strings.Contains(c.text, "barracuda") && (strings.Contains(c.text, "reputation") || strings.Contains(c.text, "blocked using")) {
			return "blocked"
		}
		return ""
	}},
}

// exchangeTokens are Exchange and Exchange Online component codes
// ("SMTPSEND.DNS.MxLoopback"); each names its condition exactly (Microsoft,
// "Email non-delivery reports and SMTP errors in Exchange Online").
var exchangeTokens = []struct{ token, reason string }{
	// First, as it contains "QuotaExceeded": the sender, not the
	// recipient, is over its quota (Exchange Online's sending limits).
	{"storedrv.submission.exception:submissionquotaexceededexception", "speeding"},
	{"smtpsend.dns.mxloopback", "systemerror"},
	{"smtpsend.dns.nonexistentdomain", "hostunknown"},
	{"resolver.adr.recipnotfound", "userunknown"},
	{"resolver.adr.recipientnotfound", "userunknown"},
	{"resolver.adr.exrecipnotfound", "userunknown"},
	{"resolver.rst.authrequired", "securityerror"},
	{"resolver.rst.notauthorized", "securityerror"},
	{"resolver.rst.recipsizelimit", "mesgtoobig"},
	{"resolver.rst.sendersizelimit", "mesgtoobig"},
	{"resolver.rst.dltooLarge", "mesgtoobig"},
	{"routing.noconnectorforaddresstype", "systemerror"},
	{"queue.expired", "expired"},
	{"quotaexceeded", "mailboxfull"},
	{"storedrv.deliver.exception:quotaexceededexception", "mailboxfull"},
	{"tenantattribution", "norelaying"},
	{"tenantinboundattribution", "norelaying"},
}

// signs compiles the Exchange tokens and the providers' text signatures
// into one automaton, so the text is read once for all of them. Ids below
// len(exchangeTokens) are tokens; the rest map to a provider index.
var signs = sync.OnceValue(func() (c struct {
	set      *phraseset.Set
	provider []int
}) {
	var list []string
	list, c.provider = signList()
	c.set = phraseset.Load(signsTable, list)
	return c
})

// signList lists the Exchange tokens and the providers' signatures, with
// the provider index of each (-1 for a token).
func signList() (list []string, provider []int) {
	for _, t := range exchangeTokens {
		list = append(list, strings.ToLower(t.token))
		provider = append(provider, -1)
	}
	for i, p := range providers {
		for _, s := range p.signs {
			list = append(list, s)
			provider = append(provider, i)
		}
	}
	return list, provider
}

// providerReason applies provider knowledge, "" when none applies.
func providerReason(c *facts) (string, string) {
	sg := signs()
	token, signed := -1, map[int]bool{}
	sg.set.Scan(c.text, func(id int) {
		switch p := sg.provider[id]; {
		case p >= 0:
			signed[p] = true
		case token < 0 || id < token:
			token = id
		}
	})
	if token >= 0 {
		t := exchangeTokens[token]
		return t.reason, "token " + t.token
	}
	for i := range providers {
		p := &providers[i]
		if !signed[i] && !p.servesAny(c.hosts) {
			continue
		}
		if r := p.reason(c); r != "" {
			return r, "provider " + p.name
		}
	}
	return "", ""
}

func (p *provider) servesAny(hosts []string) bool {
	for _, h := range hosts {
		if hostIn(h, p.hosts) {
			return true
		}
	}
	return false
}

// hostIn reports whether the lower-case host name is one of domains or
// below one of them.
func hostIn(host string, domains []string) bool {
	if host == "" {
		return false
	}
	for _, d := range domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// ProviderOf names the mailbox provider or filtering service a host name
// belongs to ("google", "microsoft", "yahoo", ...), "" when none is known.
func ProviderOf(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, p := range providers {
		if hostIn(host, p.hosts) {
			return p.name
		}
	}
	return ""
}
