package ndr

import "strings"

// GMX, web.de and 1&1/IONOS (United Internet). Their bounces resemble
// Exim's ("This message was created automatically by mail delivery
// software.", "A message that you sent could not be delivered to one or
// more of its recipients. This is a permanent error. The following address
// failed:") but list each recipient as a quoted line ("\"<addr>\":" or
// "<addr>:") followed by "SMTP error from remote server after RCPT
// command:" (1&1: "for RCPT TO command"), "host: <mx>", and the reply; a
// timeout reads "delivery retry timeout exceeded". The headers
// X-GMX-Antispam, X-UI-Out-Filterresults and X-UI-Filterresults (the
// United Internet filter) identify them; "--- The header of the original
// message is following. ---" starts the returned headers.
func init() {
	register(42, &family{id: "gmx", m: markers{
		headers: []string{"X-Gmx-Antispam", "X-Ui-Out-Filterresults", "X-Ui-Filterresults"},
		values:  map[string][]string{"From": {"@gmx.", "@web.de", "@1und1.", "@ionos.", "@kundenserver.de"}},
		body:    []string{"--- the header of the original message is following. ---"},
	}, read: readGMX})
}

func readGMX(m *message) *parsed {
	lines := headLines(m)
	body := after(lines, "following address")
	if body == nil {
		body = lines
	}
	blocks := readBlocks(body, func(l string) (string, string, bool) {
		t := strings.TrimSpace(l)
		if !strings.HasSuffix(t, ":") || !(strings.HasPrefix(t, "\"") || strings.HasPrefix(t, "<") || strings.Count(t, " ") == 0) {
			return "", "", false
		}
		return bareAddress(t)
	}, func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "---") })
	return factsReport(blockFacts(blocks, func(f *Fact, block string) {
		for _, l := range strings.Split(block, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "host: "); ok {
				f.RemoteMTA = strings.ToLower(strings.Fields(v + " x")[0])
			}
		}
		if strings.Contains(strings.ToLower(block), "delivery retry timeout exceeded") {
			f.Reason = "expired"
		}
		if !hasCode(f.Diagnostic) {
			f.Diagnostic = joinLines(strings.Split(block, "\n"))
		}
	}))
}
