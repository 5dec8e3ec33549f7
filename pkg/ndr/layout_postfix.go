package ndr

import "strings"

// Postfix (postfix.org). Its bounce(8) daemon fills the templates of
// bounce(5) (defaults in src/bounce/bounce_template.c): From
// "MAILER-DAEMON (Mail Delivery System)", Subject "Undelivered Mail
// Returned to Sender", "Delayed Mail (still being retried)", "Successful
// Mail Delivery Report" or "Mail Delivery Status Report"; the text starts
// "This is the mail system at host <name>." (Postfix before 2.3: "This is
// the Postfix program at host <name>."), and every recipient gets one
// paragraph "<rcpt> (expanded from <orig>): <reason>", where the reason of
// an SMTP failure reads "host <mx>[<ip>] said: <reply> (in reply to <CMD>
// command)". The delivery-status part carries the per-message fields
// X-Postfix-Queue-ID and X-Postfix-Sender, which identify Postfix even
// when an administrator has translated the templates (bounce_template_file).
func init() {
	register(66, &family{id: "postfix", m: markers{
		subject: []string{"undelivered mail returned to sender", "delayed mail (still being retried)", "postfix smtp server:",
			"successful mail delivery report", "mail delivery status report"},
		from:    []string{"mailer-daemon"},
		headers: []string{"X-Postfix-Queue-Id"},
		body:    []string{"this is the mail system at host", "this is the postfix program at host", "x-postfix-queue-id:", "x-postfix-sender:"},
	}, test: postfixDetect, read: readPostfix})
}

func postfixDetect(m *message) bool {
	for _, d := range m.dsn {
		if strings.Contains(strings.ToLower(d), "x-postfix-queue-id:") {
			return true
		}
	}
	f := familyByName("postfix")
	return f.m.match(m, f.index)
}

// postfixAnchor accepts "<rcpt>: reason" and "<rcpt> (expanded from <x>):
// reason", the first line of each recipient paragraph.
func postfixAnchor(line string) (string, string, bool) {
	if !strings.HasPrefix(line, "<") {
		return "", "", false
	}
	end := strings.Index(line, ">")
	if end < 0 {
		return "", "", false
	}
	a := cleanAddress(line[1:end])
	rest := strings.TrimSpace(line[end+1:])
	if strings.HasPrefix(rest, "(expanded from") {
		if i := strings.Index(rest, "):"); i >= 0 {
			rest = rest[i+1:]
		}
	}
	if a == "" || !strings.HasPrefix(rest, ":") {
		return "", "", false
	}
	return a, strings.TrimSpace(rest[1:]), true
}

func readPostfix(m *message) *parsed {
	blocks := readBlocks(headLines(m), postfixAnchor, func(l string) bool { return strings.TrimSpace(l) == "" })
	return factsReport(blockFacts(blocks, nil))
}

// familyByName returns a registered family, for detect functions that add
// a test of their own to the markers.
func familyByName(id string) *family {
	for _, r := range layouts {
		if f, ok := r.l.(*family); ok && f.id == id {
			return f
		}
	}
	panic("ndr: no layout " + id)
}
