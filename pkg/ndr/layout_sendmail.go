package ndr

import "strings"

// Sendmail (sendmail.org; proofpoint's open-source sendmail). The DSN
// text comes from savemail.c (errbody): "The original message was received
// at <date> from <host>", then "----- The following addresses had
// permanent fatal errors -----" (or "transient non-fatal errors" in a delay
// warning, Subject "Warning: could not send message for past 4 hours"),
// each address with "(reason: <reply>)", then "----- Transcript of session
// follows -----" with "... while talking to <host>.:", ">>> RCPT
// To:<addr>", "<<< 550 5.1.1 <addr>... User unknown". Subject "Returned
// mail: see transcript for details" (or the error itself, "Returned mail:
// User unknown"); From "Mail Delivery Subsystem <MAILER-DAEMON@host>".
// Old V5/V8 sendmail and its SunOS descendants print only "----- Transcript
// of session follows -----" and "----- Unsent message follows -----".
func init() {
	register(67, &family{id: "sendmail", m: markers{
		subject: []string{"returned mail:", "warning: could not send message", "postmaster notify:"},
		from:    []string{"mail delivery subsystem", "mailer-daemon"},
		body: []string{"----- transcript of session follows -----", "the original message was received at",
			"----- the following addresses had permanent fatal errors -----", "----- the following addresses had transient non-fatal errors -----",
			"----- unsent message follows -----"},
	}, read: readSendmail})
}

// readSendmail takes the recipients from the address list and their
// errors from the transcript, through the scraper that understands both
// ("<addr>... User unknown" lines and ">>> RCPT To:" commands).
func readSendmail(m *message) *parsed {
	return scraped(m, func(f *Fact, m *message) {
		if f.Diagnostic == "" {
			return
		}
		// "(reason: 550 5.1.1 <addr>... User unknown)"
		if i := strings.Index(f.Diagnostic, "(reason: "); i >= 0 && !hasCode(f.Diagnostic[:i]) {
			f.Diagnostic = strings.TrimSuffix(strings.TrimSpace(f.Diagnostic[i+9:]), ")")
		}
	})
}
