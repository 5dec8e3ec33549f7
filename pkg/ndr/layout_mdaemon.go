package ndr

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
	}, read: func(m *message) *parsed { return scraped(m, nil) }})
}
