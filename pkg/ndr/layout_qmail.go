package ndr

import "strings"

// qmail and netqmail (cr.yp.to/qmail). qmail-send writes the bounce itself
// (qmail-send.c): "Hi. This is the qmail-send program at <host>." then "I'm
// afraid I wasn't able to deliver your message to the following addresses.
// This is a permanent error; I've given up. Sorry it didn't work out.",
// one paragraph per recipient starting "<addr>:", and "--- Below this line
// is a copy of the message.". The paragraph quotes qmail-remote and
// qmail-local: "<ip> does not like recipient.", "Remote host said: 550
// ...", "<ip> failed after I sent the message.", "Connected to <ip> but
// sender was rejected.", "Sorry, I couldn't find any host named <domain>.
// (#5.1.2)", "Sorry, no mailbox here by that name. (#5.1.1)", "Sorry, I
// wasn't able to establish an SMTP connection. (#4.4.1)", "I'm not going to
// try again; this message has been in the queue too long." The "(#x.y.z)"
// suffix is qmail's own status code. Subject "failure notice".
func init() {
	register(64, &family{id: "qmail", m: markers{
		subject: []string{"failure notice"},
		from:    []string{"mailer-daemon"},
		body:    []string{"this is the qmail-send program", "i'm afraid i wasn't able to deliver your message", "below this line is a copy of the message"},
	}, read: readQmail})
}

// qmailHints are qmail's own sentences whose meaning is fixed.
var qmailHints = []phraseHint{
	{"couldn't find a mail exchanger or ip address", "notaccept"},
	{"this message has been in the queue too long", "expired"},
	{"wasn't able to establish an smtp connection", "expired"},
	{"isn't in my control/locals file", "systemerror"},
	{"this message is looping", "systemerror"},
}

func readQmail(m *message) *parsed {
	body := after(headLines(m), "this is a permanent error")
	if body == nil {
		body = headLines(m)
	}
	blocks := readBlocks(body, func(l string) (string, string, bool) {
		if !strings.HasPrefix(l, "<") || !strings.HasSuffix(strings.TrimSpace(l), ">:") {
			return "", "", false
		}
		return bareAddress(l)
	}, nil)
	return factsReport(blockFacts(blocks, func(f *Fact, block string) {
		if f.Reason == "" && !strings.Contains(strings.ToLower(block), "remote host said") {
			f.Reason = hintFrom(block, qmailHints)
		}
	}))
}
