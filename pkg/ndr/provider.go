package ndr

import "strings"

// Large mailbox providers answer with their own codes and wording, which
// mean something more precise than the status code around them. Each rule
// applies when the remote MTA or the recipient domain belongs to the
// provider.

type providerRule struct {
	name    string
	domains []string
	reason  func(f facts) string
}

var (
	googleHelpRE   = lazyRE(`\?p=([a-z]+)`)
	orangeCodeRE   = lazyRE(`(?:ofr|lpn)\d*_(\d{3})`)
	kddiNoAddrRE   = lazyRE(`\b550 : user unknown`)
	yahooTSSCodeRE = lazyRE(`\[(ts[s]?\d+)\]`)
)

// googleHelp maps the help-article token Gmail appends to its replies
// ("https://support.google.com/mail/?p=NoSuchUser") to the condition.
var googleHelp = map[string]string{
	"nosuchuser":                "userunknown",
	"disableduser":              "suspend",
	"overquotatemp":             "mailboxfull",
	"overquotaperm":             "mailboxfull",
	"dmarcrejection":            "authfailure",
	"rfcmessagenoncompliant":    "notcompliantrfc",
	"unsolicitedmessageerror":   "spamdetected",
	"unsolicitedratelimiterror": "speeding",
	"receivingrateperm":         "speeding",
	"receivingratetemp":         "speeding",
	"messagetoobig":             "mesgtoobig",
	"invalidsecondarydomain":    "rejected",
	"sendersubmission":          "securityerror",
}

var microsoftDomains = []string{"outlook.com", "hotmail.com", "live.com", "msn.com", "office365.com"}

var providers = []providerRule{
	{"google", []string{"google.com", "googlemail.com", "gmail.com", "1e100.net"}, func(f facts) string {
		if m := googleHelpRE().FindStringSubmatch(f.diag); m != nil {
			return googleHelp[m[1]]
		}
		return ""
	}},
	{"google-groups", []string{"googlegroups.com"}, func(facts) string {
		// Google Groups refuses posts to groups that do not exist or that
		// the sender may not post to.
		return "rejected"
	}},
	{"yahoo", []string{"yahoodns.net", "yahoo.com", "yahoo.net", "aol.com"}, func(f facts) string {
		// Yahoo's [TSS04] means the sending IP is deferred for its
		// volume or complaint rate.
		if m := yahooTSSCodeRE().FindStringSubmatch(f.diag); m != nil && m[1] == "tss04" {
			return "rejected"
		}
		return ""
	}},
	{"microsoft", microsoftDomains, func(f facts) string {
		switch {
		case strings.HasPrefix(f.status, "5.4.1") && strings.Contains(f.diag, "access denied"):
			// Exchange Online's directory-based edge blocking: no such
			// recipient in the tenant.
			return "userunknown"
		case strings.Contains(f.diag, "requested action not taken: mailbox unavailable"):
			return "userunknown"
		case strings.Contains(f.diag, "banned sending ip") || strings.Contains(f.diag, "not currently accepting mail from your ip"):
			return "blocked"
		}
		return ""
	}},
	{"orange", []string{"orange.fr", "wanadoo.fr", "laposte.net"}, func(f facts) string {
		m := orangeCodeRE().FindStringSubmatch(f.diag)
		if m == nil {
			return ""
		}
		switch m[1] {
		case "416", "418":
			return "userunknown"
		case "425", "426":
			return "suspend"
		case "505":
			return "systemerror"
		case "506":
			return "spamdetected"
		case "510":
			return "blocked"
		}
		return ""
	}},
	{"kddi", []string{"ezweb.ne.jp", "au.com"}, func(f facts) string {
		// au/EZweb answers "550 : User unknown" (no address) when the
		// recipient's own filter refused the sender.
		if kddiNoAddrRE().MatchString(f.diag) {
			return "filtered"
		}
		if userUnknownText.match(f.diag) {
			return "userunknown"
		}
		return ""
	}},
	{"tencent", []string{"qq.com"}, phraseRule("toomanyconn", "frequency limited")},
	{"godaddy", []string{"secureserver.net"}, phraseRule("speeding", "too many recipients this hour", "ib607")},
	{"messagelabs", []string{"messagelabs.com"}, phraseRule("securityerror", "smtp authentication")},
}

// phraseRule gives reason when the diagnostic contains one of phrases.
func phraseRule(reason string, phrases ...string) func(facts) string {
	p := pat(phrases)
	return func(f facts) string {
		if p.match(f.diag) {
			return reason
		}
		return ""
	}
}

func hostIn(host string, domains []string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, d := range domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// exchangeTokens are Exchange and Exchange Online component codes
// ("SMTPSEND.DNS.MxLoopback"); each names its condition exactly.
var exchangeTokens = []struct{ token, reason string }{
	{"smtpsend.dns.mxloopback", "systemerror"},
	{"smtpsend.dns.nonexistentdomain", "hostunknown"},
	{"resolver.adr.recipnotfound", "userunknown"},
	{"resolver.adr.recipientnotfound", "userunknown"},
	{"resolver.adr.exrecipnotfound", "userunknown"},
	{"resolver.rst.authrequired", "securityerror"},
	{"resolver.rst.notauthorized", "securityerror"},
	{"routing.noconnectorforaddresstype", "systemerror"},
	{"queue.expired", "expired"},
	{"quotaexceeded", "mailboxfull"},
}

// providerReason applies provider-specific knowledge, "" when none applies.
func providerReason(f facts) string {
	for _, t := range exchangeTokens {
		if strings.Contains(f.diag, t.token) {
			return t.reason
		}
	}
	for _, p := range providers {
		if hostIn(f.rhost, p.domains) || hostIn(f.domain, p.domains) || hostIn(f.reporter, p.domains) ||
			(p.name == "google" && strings.Contains(f.diag, " gsmtp")) {
			if r := p.reason(f); r != "" {
				return r
			}
		}
	}
	return ""
}
