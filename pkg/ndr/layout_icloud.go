package ndr

// Apple iCloud Mail (icloud.com, me.com, mac.com). Bounces come from
// postmaster or MAILER-DAEMON at an icloud.com, me.com or mac.com host and
// quote Apple's reply texts, documented in Apple's "iCloud Mail server
// error messages": "550 5.1.1 <addr>: inactive email address", "552 5.2.2
// <addr>: user is over quota", "554 5.7.1 [CS01] Message rejected due to
// local policy", "550 5.7.0 Blocked - see https://support.proofpoint.com/
// dnsbl-lookup.cgi".
func init() {
	register(31, &family{id: "icloud", m: markers{
		from:    []string{"@icloud.com", "@me.com", "@mac.com", "@mail.icloud.com"},
		subject: []string{"delivery", "undeliver", "failure", "returned"},
	}, read: func(m *message) *parsed { return scraped(m, nil) }})
}
