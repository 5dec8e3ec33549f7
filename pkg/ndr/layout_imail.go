package ndr

import (
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// Ipswitch (Progress) IMail Server. Its SMTP32 delivery agent marks the
// bounce with "X-Mailer: <SMTP32 v...>", Subject "Undeliverable Mail" (or
// "Delivery failure"), and states the failure in one line before the
// address: "Unknown user: <addr>", "User mailbox exceeds allowed size:
// <addr>", "Requested action not taken: mailbox unavailable", "Delivery
// failed <n> attempts: <addr>", "Host unknown: <domain>", or quotes the
// remote server after "Body of message generated response:" and ends with
// "Original message follows.". IMail's documentation of its delivery
// status messages lists these.
func init() {
	register(27, &family{id: "imail", m: markers{
		subject: []string{"undeliverable mail", "delivery failure"},
		from:    []string{"postmaster", "mailer-daemon"},
		values:  map[string][]string{"X-Mailer": {"<smtp32 v", "smtp32"}},
		body:    []string{"body of message generated response:", "original message follows."},
	}, test: imailDetect, read: readIMail})
}

func imailDetect(m *message) bool {
	if strings.Contains(m.lowHeader("X-Mailer"), "smtp32") {
		return true
	}
	f := familyByName("imail")
	if !f.m.match(m, f.index) {
		return false
	}
	m.prepare()
	return containsAny(m.lowHead, []string{"unknown user:", "body of message generated response:", "delivery failed", "mailbox exceeds allowed size"})
}

// imailHints are the first words of IMail's failure lines.
var imailHints = []phraseHint{
	{"unknown user", "userunknown"},
	{"user mailbox exceeds allowed size", "mailboxfull"},
	{"host unknown", "hostunknown"},
	{"delivery failed", "expired"},
	{"requested action not taken: mailbox unavailable", "userunknown"},
}

var imailLineRE = lazyre.New(`(?i)^\s*(unknown user|user mailbox exceeds allowed size|delivery failed \d+ attempts|requested action not taken: mailbox unavailable|host unknown)\s*:?\s*<?(` + addrPattern + `)>?`)

func readIMail(m *message) *parsed {
	lines := headLines(m)
	response := joinLines(after(lines, "body of message generated response:"))
	var facts []Fact
	for _, l := range lines {
		if g := imailLineRE().FindStringSubmatch(l); g != nil {
			f := Fact{Address: cleanAddress(g[2]), Diagnostic: strings.TrimSpace(l)}
			if response != "" {
				f.Diagnostic = response
			} else {
				f.Reason = hintFrom(g[1], imailHints)
			}
			facts = append(facts, f)
		}
	}
	if len(facts) == 0 {
		return scraped(m, nil)
	}
	return factsReport(facts)
}
