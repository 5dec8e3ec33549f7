package ndr

import "strings"

// HCL (formerly IBM, Lotus) Notes and Domino. The router's failure report
// has Subject "DELIVERY FAILURE: <reason>" ("DELIVERY_FAILURE:" in older
// releases, "Undeliverable message" in some), and a text "Your message\n\n
// Subject: ...\n\nwas not delivered to:\n\n  <addr>\n\nbecause:\n\n
// <reason>", with reasons such as "User <name> (<addr>) not listed in
// Domino Directory" (R5 and older: "not listed in public Name & Address
// Book"). Older Notes reports list "------- Failure Reasons --------". The
// texts are localised (a Japanese server writes "Domino ディレクトリには見
// つかりません"). Domino's documentation of router delivery failures
// names these strings.
func init() {
	register(25, &family{id: "domino", m: markers{
		subject: []string{"delivery failure:", "delivery_failure:", "undeliverable message"},
		from:    []string{"postmaster", "mail router"},
		body:    []string{"was not delivered to:", "------- failure reasons", "not listed in domino directory", "not listed in public name & address book"},
	}, read: readDomino})
}

func readDomino(m *message) *parsed {
	lines := headLines(m)
	to := after(lines, "was not delivered to:")
	if to == nil {
		return readNotesFailureReasons(lines, m)
	}
	var addrs []string
	for _, l := range to {
		if strings.Contains(strings.ToLower(l), "because:") {
			break
		}
		if a := addressList(l); len(a) > 0 {
			addrs = append(addrs, a[0])
		}
	}
	because := joinLines(after(lines, "because:"))
	if because == "" {
		because = m.headerText("Subject")
	}
	var facts []Fact
	for _, a := range addrs {
		facts = append(facts, Fact{Address: a, Diagnostic: because, DiagnosticType: "smtp"})
	}
	return factsReport(facts)
}

// readNotesFailureReasons reads the older Notes report: under "-------
// Failure Reasons --------" the reason and then the addresses it applies
// to, up to "------- Returned Message --------".
func readNotesFailureReasons(lines []string, m *message) *parsed {
	section := after(lines, "------- failure reasons")
	if section == nil {
		return scraped(m, nil)
	}
	var reason []string
	var facts []Fact
	for _, l := range section {
		if strings.HasPrefix(strings.TrimSpace(l), "-------") {
			break
		}
		if a, _, ok := bareAddress(l); ok {
			facts = append(facts, Fact{Address: a})
			continue
		}
		if strings.TrimSpace(l) != "" {
			reason = append(reason, l)
		}
	}
	for i := range facts {
		facts[i].Diagnostic = joinLines(reason)
	}
	return factsReport(facts)
}
