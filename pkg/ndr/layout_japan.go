package ndr

import "strings"

// KDDI au (ezweb.ne.jp, au.com). The carrier's own notice comes from
// postmaster@ezweb.ne.jp (or an au.com host) with Subject "Mail System
// Error - Returned Mail" and says, in English, "Your mail sent on: <date>",
// "Could not be delivered to: <addr>", and the cause: "As their mailbox is
// full.", "The user(s) account is disabled.", "The user(s) account is
// temporarily over quota.", "Message is too large." or "The following
// recipients did not receive this message:". In SMTP, au answers "550
// <addr>: User unknown" for a missing mailbox and "550 : User unknown",
// without the address, when the subscriber's reception filter refuses the
// sender (package reason's provider rules).
func init() {
	register(47, &family{id: "kddi", m: markers{
		values:  map[string][]string{"From": {"@ezweb.ne.jp", "au.com", "kddi"}},
		subject: []string{"mail system error"},
		from:    []string{"postmaster"},
		body:    []string{"could not be delivered to:", "your mail sent on:", "the user(s) account is"},
	}, test: func(m *message) bool {
		f := familyByName("kddi")
		if !f.m.match(m, f.index) {
			return false
		}
		m.prepare()
		return containsAny(m.lowHeader("From"), []string{"ezweb.ne.jp", "au.com", "kddi"}) ||
			containsAny(m.lowHead, []string{"ezweb.ne.jp", "au.com"})
	}, read: readKDDI})
}

var kddiHints = []phraseHint{
	{"their mailbox is full", "mailboxfull"},
	{"account is temporarily over quota", "mailboxfull"},
	{"account is disabled", "suspend"},
	{"message is too large", "mesgtoobig"},
	{"recipient's address is not found", "userunknown"},
}

func readKDDI(m *message) *parsed {
	m.prepare()
	hint := hintFrom(m.lowHead, kddiHints)
	var facts []Fact
	for _, l := range headLines(m) {
		if i := indexFold(l, "could not be delivered to:"); i >= 0 {
			for _, a := range addressList(l[i:]) {
				facts = append(facts, Fact{Address: a, Diagnostic: strings.TrimSpace(joinLines(headLines(m))), Reason: hint})
			}
		}
	}
	if len(facts) > 0 {
		return factsReport(facts)
	}
	return scraped(m, func(f *Fact, m *message) {
		if !hasCode(f.Diagnostic) {
			f.Reason = hint
		}
	})
}

// NTT docomo (docomo.ne.jp, mopera.net). docomo's servers answer "550
// Unknown user <addr>" after DATA when the subscriber's reception settings
// (指定受信/拒否) refuse the sender, so the same words mean a filter there;
// package reason's provider rule reads them. Bounces from docomo's own
// MTAs are Sendmail-shaped, from a docomo.ne.jp host.
func init() {
	register(48, &family{id: "docomo", m: markers{
		values: map[string][]string{"From": {"docomo.ne.jp"}, "Received": {"docomo.ne.jp"}},
	}, read: func(m *message) *parsed { return scraped(m, nil) }})
}

// SoftBank and Y!mobile (softbank.ne.jp, i.softbank.jp, ymobile.ne.jp).
// Like docomo, a subscriber's reception filter shows as an unknown-user
// reply after DATA; bounces from SoftBank's MTAs come from a softbank.ne.jp
// host and are Sendmail- or Postfix-shaped.
func init() {
	register(49, &family{id: "softbank", m: markers{
		values: map[string][]string{"From": {"softbank.ne.jp", "softbank.jp", "ymobile.ne.jp"}, "Received": {"softbank.ne.jp"}},
	}, read: func(m *message) *parsed { return scraped(m, nil) }})
}
