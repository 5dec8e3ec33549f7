package ndr

import "strings"

// Oracle (formerly Sun Java System, iPlanet) Communications Messaging
// Server. Its report says "This report relates to a message you sent with
// the following header fields:", "Your message cannot be delivered to the
// following recipients:" (or "...has been delayed..."), and per recipient
// "Recipient address: <addr>", "Original address: <addr>", "Reason:
// <text>", "Diagnostic code: smtp;<reply>", "Remote system: dns;<host>
// (TCP|...)". The MIME boundaries are "Boundary_(ID_...)".
func init() {
	register(30, &family{id: "messaging-server", m: markers{
		body: []string{"this report relates to a message you sent with the following header fields", "your message cannot be delivered to the following recipients",
			"recipient address:"},
	}, read: readMessagingServer})
}

func readMessagingServer(m *message) *parsed {
	blocks := readBlocks(headLines(m), func(l string) (string, string, bool) {
		t := strings.TrimSpace(l)
		v, ok := cutPrefixFold(t, "recipient address:")
		if !ok {
			return "", "", false
		}
		a := cleanAddress(v)
		return a, "", a != ""
	}, nil)
	return factsReport(blockFacts(blocks, func(f *Fact, block string) {
		var reason, diag, remote string
		for _, l := range strings.Split(block, "\n") {
			t := strings.TrimSpace(l)
			if v, ok := cutPrefixFold(t, "reason:"); ok {
				reason = strings.TrimSpace(v)
			} else if v, ok := cutPrefixFold(t, "diagnostic code:"); ok {
				_, diag = splitTyped(strings.TrimSpace(v))
			} else if v, ok := cutPrefixFold(t, "remote system:"); ok {
				remote = typedValue(strings.TrimSpace(v))
			}
		}
		switch {
		case diag != "":
			f.Diagnostic = diag
		case reason != "":
			f.Diagnostic = "Reason: " + reason
		}
		if remote != "" {
			f.RemoteMTA = strings.ToLower(remote)
		}
	}))
}
