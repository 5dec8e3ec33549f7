package ndr

import "strings"

// fieldBlock is one group of "Name: value" fields as RFC 3464 lays them out:
// the per-message block, then one block per recipient, separated by blank
// lines. Names are lower-cased; the first occurrence of a name wins.
type fieldBlock map[string]string

func (b fieldBlock) get(name string) string { return b[name] }

// fieldLine splits "Name: value" when line starts with a field name: a
// letter, then up to 62 letters, digits or hyphens, then a colon.
func fieldLine(line string) (name, value string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i < 1 || i > 63 || !isLetter(line[0]) {
		return "", "", false
	}
	for j := 1; j < i; j++ {
		if c := line[j]; !isLetter(c) && !isDigit(c) && c != '-' {
			return "", "", false
		}
	}
	return line[:i], strings.TrimLeft(line[i+1:], " \t"), true
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// maxFieldValue bounds one folded field so a hostile report cannot grow a
// single value without limit.
const maxFieldValue = 64 << 10

// parseFieldBlocks splits delivery-status text into field blocks.
//
// In lenient mode (a real message/delivery-status part) a line that is
// neither a field nor indented continues the previous field: some MTAs fold
// multi-line SMTP replies without the leading white space RFC 5322 requires.
// In strict mode (fields quoted inside prose) such a line ends the block, so
// surrounding sentences are not glued onto a field.
func parseFieldBlocks(text string, strict bool) []fieldBlock {
	var (
		blocks []fieldBlock
		cur    fieldBlock
		last   string
		// value holds the field being read, continuation lines and all,
		// so folding costs one copy per field rather than one per line.
		value strings.Builder
	)
	end := func() {
		if last != "" {
			cur[last] = value.String()
		}
		last = ""
	}
	flush := func() {
		end()
		if len(cur) > 0 {
			blocks = append(blocks, cur)
		}
		cur = nil
	}
	more := func(line string) {
		switch t := strings.TrimSpace(line); {
		case t == "":
		case value.Len() < maxFieldValue:
			if value.Len() > 0 {
				value.WriteByte(' ')
			}
			value.WriteString(t)
		case !strings.HasSuffix(value.String(), "…"):
			// The rest of the field is left out, visibly.
			value.WriteString(" …")
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last != "" {
				more(line)
			}
			continue
		}
		if fname, fvalue, ok := fieldLine(line); ok {
			end()
			if cur == nil {
				cur = fieldBlock{}
			}
			name := strings.ToLower(fname)
			if _, seen := cur[name]; !seen {
				cur[name] = ""
				last = name
				value.Reset()
				more(fvalue)
			}
			continue
		}
		if strict {
			flush()
			continue
		}
		if last != "" {
			more(line)
		}
	}
	flush()
	return blocks
}

// dsnReport is a parsed message/delivery-status part.
type dsnReport struct {
	reportingMTA string
	recipients   []fieldBlock
}

// parseDSN reads delivery-status fields. A block counts as a recipient block
// when it names a recipient; everything else is per-message information.
func parseDSN(text string, strict bool) dsnReport {
	var r dsnReport
	for _, b := range parseFieldBlocks(text, strict) {
		named := b.get("final-recipient") != "" || b.get("original-recipient") != "" || b.get("x-actual-recipient") != ""
		// A block with an action and a status but no recipient field is a
		// recipient block whose MTA left the name out; merge takes the
		// address from the text.
		if named || (b.get("action") != "" && b.get("status") != "") {
			r.recipients = append(r.recipients, b)
			if r.reportingMTA == "" {
				r.reportingMTA = typedValue(b.get("reporting-mta"))
			}
			continue
		}
		if v := typedValue(b.get("reporting-mta")); v != "" && r.reportingMTA == "" {
			r.reportingMTA = v
		}
	}
	return r
}

// splitTyped splits an RFC 3464 typed value ("smtp; 550 ...", "rfc822;
// user@example.org") into its type and text. A value without a type is
// returned whole.
func splitTyped(v string) (typ, text string) {
	i := strings.IndexByte(v, ';')
	if i < 0 || i > 32 || strings.ContainsAny(v[:i], " \t<@") {
		return "", strings.TrimSpace(v)
	}
	return strings.ToLower(strings.TrimSpace(v[:i])), strings.TrimSpace(v[i+1:])
}

// typedValue returns the text of a typed value with comments and brackets
// removed: "dns; mx.example.jp (TCP|192.0.2.1|25)" gives "mx.example.jp".
func typedValue(v string) string {
	_, text := splitTyped(v)
	if i := strings.IndexAny(text, " \t("); i >= 0 {
		text = text[:i]
	}
	return strings.TrimSuffix(strings.Trim(text, "[]<>"), ".")
}

// splitStatus separates "5.0.0 (permanent failure)" into the code and the
// explanatory comment some MTAs add.
func splitStatus(v string) (code, comment string) {
	v = strings.TrimSpace(v)
	hits := findStatusCodes(v)
	if len(hits) == 0 || hits[0].pos != 0 {
		return "", v
	}
	code = hits[0].code
	comment = strings.Trim(strings.TrimSpace(v[len(code):]), "()")
	return code, comment
}

// readDSN returns the recipients of the message/delivery-status parts, or,
// when there is none, of delivery-status fields quoted in the text
// (forwarded bounces, providers that paste the report into the text part,
// a pasted report), and the reporting MTA.
func readDSN(m *message) ([]Fact, string) {
	var r dsnReport
	for _, d := range m.dsn {
		p := parseDSN(d, false)
		if r.reportingMTA == "" {
			r.reportingMTA = p.reportingMTA
		}
		r.recipients = append(r.recipients, p.recipients...)
	}
	if len(r.recipients) == 0 {
		scan := m.reportText()
		if strings.TrimSpace(scan) == "" {
			scan = m.raw
		}
		if strings.Contains(scan, "ecipient:") {
			p := parseDSN(unquote(scan), true)
			r.recipients = p.recipients
			if r.reportingMTA == "" {
				r.reportingMTA = p.reportingMTA
			}
		}
	}
	facts := make([]Fact, 0, len(r.recipients))
	for _, b := range r.recipients {
		if f, ok := blockFact(b); ok {
			facts = append(facts, f)
		}
	}
	return facts, r.reportingMTA
}

// blockFact reads one per-recipient block of RFC 3464 fields.
func blockFact(b fieldBlock) (Fact, bool) {
	f := Fact{
		Address:           cleanAddress(b.get("final-recipient")),
		OriginalRecipient: cleanAddress(b.get("original-recipient")),
		Action:            strings.ToLower(strings.Fields(b.get("action") + " x")[0]),
		Date:              b.get("last-attempt-date"),
		RemoteMTA:         typedValue(b.get("remote-mta")),
	}
	if f.Address == "" {
		f.Address = cleanAddress(b.get("x-actual-recipient"))
	}
	if f.Address == "" {
		f.Address = f.OriginalRecipient
	}
	if f.Action == "x" {
		f.Action = ""
	}
	f.Status, f.StatusText = splitStatus(b.get("status"))
	f.DiagnosticType, f.Diagnostic = splitTyped(b.get("diagnostic-code"))
	if f.Status == "" && f.StatusText != "" && f.Diagnostic == "" {
		// "Status: 553 Exceeded maximum inbound message size"
		f.Diagnostic = f.StatusText
	}
	if strings.HasPrefix(strings.TrimSpace(b.get("final-recipient")), "rfc822;|") || strings.Contains(b.get("x-actual-recipient"), "|") {
		f.DiagnosticType = "x-unix"
	}
	return f, true
}
