package ndr

// Courier MTA (courier-mta.org). courierdsn writes "This is a delivery
// status notification from <host>, running the Courier mail server,
// version <v>." and, under "UNDELIVERABLE MAIL" or "DELAYED MAIL", one
// entry per recipient: "<addr>:" then the remote host and the session
// lines ">>> RCPT TO:<addr>" and "<<< 550 ...". An RFC 3464 part follows.
func init() {
	register(63, &family{id: "courier", m: markers{
		body: []string{"running the courier mail server", "courier mail server at", "your message to the following recipients cannot be delivered"},
	}, read: func(m *message) *parsed { return scraped(m, nil) }})
}
