package ndr

import "strings"

// Cox, Spectrum (Charter) and Comcast run Openwave-derived (now Synchronoss
// and Vade) mail platforms whose bounces read "This Message was
// undeliverable due to the following reason:", "Each of the following
// recipients was rejected by a remote mail server. The reasons given by the
// server are included to help you determine why each recipient was
// rejected." (or "Your message was not delivered because the destination
// computer was not reachable within the allowed queue period."), then per
// recipient "Recipient: <addr>" and "Reason: <reply>". The providers' own
// replies carry codes documented on their postmaster pages: Cox "CXBL",
// "CXDNS", "CXMXRT"; Spectrum "AUP#..."; Comcast "BL000000", "RL000001".
func init() {
	register(45, &family{id: "openwave", m: markers{
		body: []string{"this message was undeliverable due to the following reason", "each of the following recipients was rejected by a remote mail server",
			"was not reachable within the allowed queue period"},
	}, read: readOpenwave})
}

func readOpenwave(m *message) *parsed {
	blocks := readBlocks(headLines(m), func(l string) (string, string, bool) {
		v, ok := cutPrefixFold(strings.TrimSpace(l), "recipient:")
		if !ok {
			return "", "", false
		}
		a := cleanAddress(v)
		return a, "", a != ""
	}, nil)
	p := factsReport(blockFacts(blocks, func(f *Fact, block string) {
		for _, l := range strings.Split(block, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Reason:"); ok {
				f.Diagnostic = strings.TrimSpace(v)
			}
		}
		if strings.Contains(strings.ToLower(block), "allowed queue period") {
			f.Reason = "expired"
		}
	}))
	if p == nil {
		p = readReasonThenAddresses(headLines(m))
	}
	if p == nil {
		return scraped(m, nil)
	}
	return p
}

// readReasonThenAddresses reads the older Post.Office/Openwave notice: the
// reason paragraph after "due to the following reason:", then the
// addresses it applies to, one per line in angle brackets, up to "Please
// reply to <postmaster@...>".
func readReasonThenAddresses(lines []string) *parsed {
	rest := after(lines, "due to the following reason:")
	var reason []string
	var facts []Fact
	for _, l := range rest {
		t := strings.TrimSpace(l)
		low := strings.ToLower(t)
		switch {
		case strings.HasPrefix(low, "please reply to"):
			rest = nil
		case strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">"):
			if a, _, ok := bareAddress(t); ok {
				facts = append(facts, Fact{Address: a})
			}
		case t != "" && len(facts) == 0:
			reason = append(reason, t)
		}
		if rest == nil {
			break
		}
	}
	for i := range facts {
		facts[i].Diagnostic = joinLines(reason)
		if strings.Contains(strings.ToLower(facts[i].Diagnostic), "allowed queue period") {
			facts[i].Reason = "expired"
		}
	}
	return factsReport(facts)
}
