package ndr

import "strings"

// Microsoft Exchange Server 2007 to 2019 (on premises). The NDR's text
// part has a user section ("Delivery has failed to these recipients or
// groups:", "The e-mail address you entered couldn't be found.") and
// "Diagnostic information for administrators:" with "Generating server:
// <host>" and, per recipient, the address on one line and the reply on the
// next: "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##" (2007/2010)
// or "Remote Server returned '550 5.1.1 ...'" (2013 and later). The
// Microsoft documentation "Email non-delivery reports in Exchange Server"
// describes the sections; the user section is localised, the diagnostic
// section is not. A delivery-status part usually follows.
func init() {
	register(22, &family{id: "exchange2007", m: markers{
		body: []string{"diagnostic information for administrators", "delivery has failed to these recipients or groups",
			"generating server:", "remote server returned '"},
		headers: []string{"X-Ms-Exchange-Message-Is-Ndr"},
	}, read: readExchangeDiagnostics})
}

// readExchangeDiagnostics reads the administrators' section: an address
// line followed by "#<reply> ... ##" or "Remote Server returned '...'".
func readExchangeDiagnostics(m *message) *parsed {
	lines := after(headLines(m), "diagnostic information for administrators")
	if lines == nil {
		lines = headLines(m)
	}
	var facts []Fact
	generating := ""
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if v, ok := cutPrefixFold(t, "generating server:"); ok {
			generating = strings.ToLower(strings.TrimSpace(v))
			continue
		}
		a, _, ok := bareAddress(t)
		if !ok || i+1 >= len(lines) {
			continue
		}
		next := strings.TrimSpace(lines[i+1])
		var diag string
		switch {
		case strings.HasPrefix(next, "#"):
			diag = strings.TrimSpace(strings.Trim(strings.TrimSuffix(next, "##"), "#"))
		case len(next) > 22 && strings.EqualFold(next[:22], "remote server returned"):
			diag = strings.Trim(strings.TrimSpace(next[22:]), "'")
		default:
			continue
		}
		facts = append(facts, Fact{Address: a, Diagnostic: diag, DiagnosticType: "smtp", ReportingMTA: generating})
	}
	return factsReport(facts)
}
