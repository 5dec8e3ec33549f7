package ndr

// Exchange Online / Microsoft 365. The NDR (Microsoft's "Email
// non-delivery reports and SMTP errors in Exchange Online") says "Your
// message to <addr> couldn't be delivered.", "<user> wasn't found at
// <domain>.", "Action Required", "Remote Server returned '<reply>'", and
// its diagnostic section names a "Generating server" in
// *.prod.outlook.com or *.protection.outlook.com. The same administrators'
// section as Exchange 2013+ carries the per-recipient replies.
func init() {
	register(20, &family{id: "office365", m: markers{
		body:   []string{"prod.outlook.com", "protection.outlook.com", "office 365", "microsoft 365"},
		values: map[string][]string{"Received": {"prod.outlook.com", "protection.outlook.com"}},
	}, test: office365Detect, read: readExchangeDiagnostics})
}

func office365Detect(m *message) bool {
	f := familyByName("office365")
	if !f.m.match(m, f.index) {
		return false
	}
	// The body phrases alone also occur in other providers' texts: require
	// Exchange's diagnostic section or a Microsoft host.
	m.prepare()
	return containsAny(m.lowHead, []string{"diagnostic information for administrators", "remote server returned", "generating server:"}) ||
		containsAny(m.lowHeader("Received"), []string{"outlook.com"})
}
