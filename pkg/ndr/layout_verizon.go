package ndr

import "strings"

// Verizon Wireless (vtext.com SMS gateway and vzwpix.com MMS). Bounces
// come from post_master@vtext.com or sysadmin@*.vzwpix.com with a short
// text "Error: <reason>" (for example "550 - Requested action not taken: no
// such user here", "No valid recipients") and either the returned message
// after "Original Message:" or a summary under "Message details:" with
// "Subject:", "Sent date:", "MAIL FROM:" and "RCPT TO: <addr>".
func init() {
	register(44, &family{id: "verizon", m: markers{
		values: map[string][]string{"From": {"post_master@vtext.com", ".vzwpix.com", "@vtext.com"}},
	}, read: readVerizon})
}

func readVerizon(m *message) *parsed {
	var diag string
	var addrs []string
	for _, l := range strings.Split(m.reportText(), "\n") {
		t := strings.TrimSpace(l)
		if v, ok := cutPrefixFold(t, "error:"); ok && diag == "" {
			diag = strings.TrimSpace(v)
		} else if v, ok := cutPrefixFold(t, "rcpt to:"); ok {
			addrs = append(addrs, addressList(v)...)
		}
	}
	if len(addrs) == 0 {
		if o := m.originalHeaders(); o != nil {
			addrs = addressList(o.To)
		}
	}
	var facts []Fact
	for _, a := range addrs {
		facts = append(facts, Fact{Address: a, Diagnostic: diag, Reason: hintFrom(diag, verizonHints)})
	}
	return factsReport(facts)
}

// verizonHints are the gateway's own statements: the number has no
// messaging account.
var verizonHints = []phraseHint{
	{"no such user here", "userunknown"},
	{"no valid recipients", "userunknown"},
}
