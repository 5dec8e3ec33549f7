package ndr

import "strings"

// Exim (exim.org). The default bounce and warning texts are in the Exim
// specification, chapter "Customizing bounce and warning messages": the
// bounce starts "This message was created automatically by mail delivery
// software." and lists "The following address(es) failed:" with each
// address indented two spaces and its reason lines four ("SMTP error from
// remote mail server after RCPT TO:<addr>:", "host <mx> [<ip>]: 550 ...",
// "retry timeout exceeded", "Unrouteable address"); the delay warning says
// "The address to which the message has not yet been delivered is:" and
// "Delay reason:". Headers: X-Failed-Recipients, Auto-Submitted:
// auto-replied, Subject "Mail delivery failed: returning message to
// sender" or "Warning: message <id> delayed <n> hours". The returned
// message follows "------ This is a copy of the message, including all the
// headers. ------".
func init() {
	register(65, &family{id: "exim", m: markers{
		subject: []string{"mail delivery failed", "warning: message"},
		from:    []string{"mailer-daemon", "mail delivery system"},
		headers: []string{"X-Failed-Recipients"},
		body: []string{"this message was created automatically by mail delivery software",
			"a message that you sent could not be delivered to one or more of its", "has not yet been delivered to one or more of its"},
	}, read: readExim})
}

// eximAnchor accepts an address indented by two spaces: the first line of
// a recipient's entry.
func eximAnchor(line string) (string, string, bool) {
	if !strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "    ") {
		return "", "", false
	}
	t := strings.TrimSpace(line)
	if i := strings.IndexAny(t, " \t"); i > 0 {
		// "  addr <addr>" or "  addr: reason" forms of Exim 3.
		rest := strings.TrimSpace(t[i:])
		t = strings.TrimSuffix(t[:i], ":")
		if a := cleanAddress(t); a != "" && strings.Count(t, "@") == 1 {
			return a, rest, true
		}
		return "", "", false
	}
	return bareAddress(t)
}

func readExim(m *message) *parsed {
	lines := headLines(m)
	action := "failed"
	body := after(lines, "failed:")
	if body == nil {
		// The delay warning: the address is still being retried.
		action = "delayed"
		if body = after(lines, "not yet been delivered is:"); body == nil {
			body = after(lines, "not yet been delivered are:")
		}
	}
	if body == nil {
		return nil
	}
	stop := func(l string) bool { return l != "" && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") }
	return factsReport(blockFacts(readBlocks(body, eximAnchor, stop), func(f *Fact, _ string) { f.Action = action }))
}
