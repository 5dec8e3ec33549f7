package ndr

import (
	"strings"
)

// Microsoft Exchange 2000/2003 (and Exchange 5.5's Internet Mail
// Service). The NDR's text says "Your message did not reach some or all of
// the intended recipients." and "The following recipient(s) could not be
// reached:" (Exchange 5.5/2000: "did not reach the following
// recipient(s):"); each recipient line is "<addr> on <date>", followed by
// indented sentences ("The e-mail account does not exist at the
// organization this message was sent to.") and "<server.example.com
// #5.1.1>" or "<server #5.0.0 smtp;550 5.1.1 ...>", the enhanced status
// after '#' and the remote reply after "smtp;". Exchange 5.5 adds
// "MSEXCH:IMS:..." lines with its own hexadecimal codes. Markers from the
// headers: X-MS-Embedded-Report, X-MimeOLE "Produced By Microsoft
// Exchange", X-Mailer "Internet Mail Service". The Exchange Server 2003
// Transport and Routing Guide lists the status codes.
func init() {
	register(23, &family{id: "exchange2003", m: markers{
		body: []string{"did not reach the following recipient(s)", "could not be reached:", "did not reach some or all of the intended recipients",
			"msexch:ims:"},
		headers: []string{"X-Ms-Embedded-Report"},
		values:  map[string][]string{"X-Mimeole": {"produced by microsoft exchange"}, "X-Mailer": {"internet mail service", "microsoft exchange server internet mail connector"}},
	}, read: readExchange2003})
}

// msexchCodes are Exchange 5.5's MSEXCH:IMS codes.
var msexchCodes = []phraseHint{
	{"000c05a6", "userunknown"}, // Unknown Recipient
	{"000c0595", "filtered"},    // Ambiguous Recipient
	{"00010256", "toomanyconn"}, // Too many recipients
	{"000d06b5", "systemerror"}, // No proxy for recipient
	{"00120270", "networkerror"},
	{"00050311", "contenterror"},
	{"000502cc", "contenterror"},
	{"000b0981", "securityerror"},
}

// exchange2003Anchor accepts "<addr> on <date>", the recipient line.
func exchange2003Anchor(line string) (string, string, bool) {
	t := strings.TrimSpace(line)
	i := strings.Index(t, " on ")
	if i < 0 {
		return "", "", false
	}
	a := t[:i]
	if j := indexFold(a, "smtp="); j >= 0 {
		// "c=US;a= ;p=org;o=server;cat:SMTP=user@example.com; on ..."
		a = a[j+5:]
	}
	a = strings.Trim(a, " ;<>")
	if strings.ContainsAny(a, " \t") || strings.Count(a, "@") != 1 {
		return "", "", false
	}
	addr := cleanAddress(a)
	return addr, "", addr != ""
}

func readExchange2003(m *message) *parsed {
	lines := after(headLines(m), "could not be reached")
	if lines == nil {
		lines = after(headLines(m), "did not reach the following recipient")
	}
	if lines == nil {
		return nil
	}
	blocks := readBlocks(lines, exchange2003Anchor, nil)
	return factsReport(blockFacts(blocks, func(f *Fact, block string) {
		f.Diagnostic = joinLines(strings.Split(block, "\n"))
		// "<host #5.1.1 smtp;550 5.1.1 ...>" carries the status and the
		// remote reply.
		if i := strings.Index(block, " #"); i >= 0 {
			if hits := findStatusCodes(block[i+2:]); len(hits) > 0 && hits[0].pos == 0 {
				f.Status = hits[0].code
			}
		}
		if i := indexFold(block, "smtp;"); i >= 0 {
			f.Diagnostic = strings.TrimSuffix(strings.TrimSpace(block[i+5:]), ">") + " " + f.Diagnostic
		}
		if f.Reason == "" {
			f.Reason = hintFrom(block, msexchCodes)
		}
	}))
}
