package ndr

// Outlook.com and Hotmail (consumer Microsoft mail). Bounces come from
// postmaster@*.hotmail.com or postmaster@outlook.com with Subject "Delivery
// Status Notification (Failure)" and an RFC 3464 part; the replies are
// Outlook.com's own (Microsoft's "Outlook.com postmaster" pages): "550
// 5.5.0 Requested action not taken: mailbox unavailable", "550 SC-001
// ... Unfortunately, messages from <IP> weren't sent", "S3140", "DY-001".
func init() {
	register(21, &family{id: "outlook", m: markers{
		from:    []string{"@hotmail.", "@outlook.", "@live.", "@msn."},
		subject: []string{"delivery status notification", "undeliverable"},
	}, read: func(m *message) *parsed { return scraped(m, nil) }})
}
