package ndr

// Facebook (Meta) mail servers. Replies from *.facebook.com carry the
// codes of Facebook's postmaster "response codes" page: RCP-P1 (no such
// recipient), RCP-P2/P3 (the recipient's preferences or privacy block the
// sender), MSG-P1 (too large), POL-P1/P2 (blocked IP), POL-P7 (domain
// authentication), DNS-P1/P2 (sender domain), DNS-P3 (no reverse DNS),
// CON-T1..T4 (connection limits). The bounce itself is whatever the
// sending MTA writes; this layout recognises the replies so the family
// shows in the report.
func init() {
	register(46, &family{id: "facebook", m: markers{
		values: map[string][]string{"From": {"facebookmail.com", "@facebook.com"}},
		body:   []string{"rcp-p1", "rcp-p2", "rcp-p3", "pol-p1", "pol-p2", "pol-p7", "msg-p1", "dns-p3", "con-t1", "facebook.com/postmaster"},
	}, read: func(m *message) *parsed { return scraped(m, nil) }})
}
