package ndr

import (
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// Novell/Micro Focus/OpenText GroupWise. The GroupWise Internet Agent's
// undeliverable notice (Subject "Message status - undeliverable" or
// "Undeliverable: <subject>") says "The message that you sent was
// undeliverable to the following:" and lists each recipient on an
// indented line with the reason in parentheses, "<addr> (<reason>)", such
// as "(user not found)", "(host not found)", "(mailbox full)"; then
// "Possible causes:" hints and "Possibly truncated original message
// follows:". GroupWise documentation ("Undeliverable messages", GWIA)
// describes the notice.
func init() {
	register(26, &family{id: "groupwise", m: markers{
		subject: []string{"message status - undeliverable"},
		from:    []string{"postmaster", "mailer-daemon"},
		body:    []string{"the message that you sent was undeliverable to the following", "possibly truncated original message follows"},
	}, read: readGroupWise})
}

// groupwiseHints are the GroupWise Internet Agent's own statuses: a
// directory look-up that found no such user or domain.
var groupwiseHints = []phraseHint{
	{"user not found", "userunknown"},
	{"host not found", "hostunknown"},
	{"domain not found", "hostunknown"},
}

var groupwiseLineRE = lazyre.New(`^\s+<?(` + addrPattern + `)>?\s*\(([^)]*)\)`)

func readGroupWise(m *message) *parsed {
	var facts []Fact
	for _, l := range after(headLines(m), "undeliverable to the following") {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(l)), "possible causes") {
			break
		}
		if g := groupwiseLineRE().FindStringSubmatch(l); g != nil {
			facts = append(facts, Fact{Address: cleanAddress(g[1]), Diagnostic: strings.TrimSpace(g[2]), DiagnosticType: "smtp",
				Reason: hintFrom(g[2], groupwiseHints)})
		}
	}
	return factsReport(facts)
}
