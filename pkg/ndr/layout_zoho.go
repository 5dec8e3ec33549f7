package ndr

// Zoho Mail. Bounces come from mailer-daemon@*.zoho.com (zohomail.com,
// zoho.eu, zoho.in) with Subject "Undelivered Mail Returned to Sender" or
// "Delivery Status Notification", a text that names the recipient and the
// remote error ("Error, ERROR_CODE :550, ERROR_CODE :5.1.1...", or the
// reply itself), and an RFC 3464 part.
func init() {
	register(43, &family{id: "zoho", m: markers{
		from:    []string{"@zoho.", "@mail.zoho.", "@zohomail."},
		subject: []string{"undelivered", "delivery status", "failure"},
		values:  map[string][]string{"X-Zohomail": {""}, "X-Zoho-Virus-Status": {""}},
		body:    []string{"error, error_code :"},
	}, read: func(m *message) *parsed { return scraped(m, nil) }})
}
