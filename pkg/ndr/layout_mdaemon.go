package ndr

import (
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// MDaemon (MDaemon Technologies, formerly Alt-N). Its non-delivery notice
// says "The attached message had PERMANENT fatal delivery errors!" (a
// warning: "...had transient delivery errors"), "After one or more
// unsuccessful delivery attempts the attached message has been removed from
// the mail queue on this server.", and quotes the session between "---
// Session Transcript ---" and "--- End Transcript ---" (">>> RCPT
// To:<addr>", "<<< 550 ..."). The bounce carries X-MDaemon-Deliver-To and
// X-MDDSN-Message headers.
func init() {
	register(28, &family{id: "mdaemon", m: markers{
		headers: []string{"X-Mddsn-Message", "X-Mdaemon-Deliver-To"},
		body:    []string{"the attached message had permanent fatal delivery errors", "--- session transcript ---", "the attached message had transient"},
	}, read: readMDaemon})
}

var (
	mdaemonRcptRE  = lazyre.New(`(?i)(?:>>>|-->)\s*RCPT TO:\s*<?(` + addrPattern + `)>?`)
	mdaemonReplyRE = lazyre.New(`(?:<<<|<--)\s*([245]\d\d[ -].*)$`)
)

// readMDaemon pairs each "RCPT To:" of the transcript (session log lines
// carry a timestamp before the direction marker) with the reply that
// follows it.
func readMDaemon(m *message) *parsed {
	lines := headLines(m)
	var facts []Fact
	for i, l := range lines {
		g := mdaemonRcptRE().FindStringSubmatch(l)
		if g == nil {
			continue
		}
		for _, n := range lines[i+1 : min(i+4, len(lines))] {
			if r := mdaemonReplyRE().FindStringSubmatch(n); r != nil {
				if r[1][0] != '2' {
					facts = append(facts, Fact{Address: cleanAddress(g[1]), Diagnostic: strings.TrimSpace(r[1]), Command: "RCPT"})
				}
				break
			}
		}
	}
	if len(facts) == 0 {
		return scraped(m, nil)
	}
	return factsReport(facts)
}
