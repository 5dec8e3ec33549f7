package ndr

// OpenSMTPD (opensmtpd.org). smtpd/bounce.c writes "Hi!", "This is the
// MAILER-DAEMON, please DO NOT REPLY to this e-mail.", "An error has
// occurred while attempting to deliver a message for the following list of
// recipients:" (a delay: "Please note that this is only a temporary
// failure report."), one line per recipient "<addr>: <error>", and "Below
// is a copy of the original message:". Subject "Delivery status
// notification: error", ": delayed" or ": warning"; From "Mailer Daemon
// <MAILER-DAEMON@host>". Its own errors include "Invalid domain name",
// "Destination seem to reject all mails", "No MX found for domain",
// "Network error on destination MXs", "Loop detected".
func init() {
	register(61, &family{id: "opensmtpd", m: markers{
		subject: []string{"delivery status notification:"},
		from:    []string{"mailer-daemon"},
		body:    []string{"this is the mailer-daemon, please do not reply", "an error has occurred while attempting to deliver a message for"},
	}, read: func(m *message) *parsed {
		return scraped(m, func(f *Fact, _ *message) {
			f.Reason = hintFrom(f.Diagnostic, openSMTPDHints)
		})
	}})
}

// openSMTPDHints are OpenSMTPD's own error strings (mta.c).
var openSMTPDHints = []phraseHint{
	{"invalid domain name", "hostunknown"},
	{"no mx found for domain", "notaccept"},
	{"destination seem to reject all mails", "blocked"},
	{"network error on destination mxs", "networkerror"},
	{"loop detected", "systemerror"},
	{"envelope expired", "expired"},
}
