package ndr

import (
	"strings"
)

// Exchange's message tracking log and Exchange Online's message trace
// exports, both CSV.
//
// The tracking log of Exchange Server 2007-2019 (Microsoft's "Message
// tracking" page) starts with "#Software: Microsoft Exchange Server",
// "#Version:", "#Log-type: Message Tracking Log", "#Date:" and "#Fields:
// date-time,client-ip,...", then one event per line. A failure is event-id
// FAIL (sources SMTP, DNS, QUEUE, ROUTING) or DELIVERFAIL, SUBMITFAIL,
// RESUBMITFAIL; a delay DEFER, SUBMITDEFER or RESUBMITDEFER; DELIVER and
// SEND are deliveries. recipient-address lists the recipients separated by
// ';', and recipient-status their statuses in the same order, also
// separated by ';' although a status may hold one itself ("550 4.4.7
// QUEUE.Expired;message expired"). Get-MessageTrackingLog | Export-Csv
// writes the same events with the cmdlet's column names (EventId,
// Recipients, RecipientStatus, Timestamp, Sender, ...).
//
// Exchange Online's message trace (Microsoft's "Message trace in the
// modern Exchange admin center") exports as CSV: the summary and
// Get-MessageTrace | Export-Csv with a Status column (Delivered, Failed,
// Pending, Expanded, Quarantined, FilteredAsSpam, GettingStatus) per
// recipient; the enhanced summary report with recipient_status as
// "address##Receive, Fail" entries separated by ';'; the extended report
// with the tracking log's columns (event_id, recipient_address,
// recipient_status, ...); and Get-MessageTraceDetail | Export-Csv with an
// Event (Fail, Defer, ...) and a Detail that quotes the last error as
// "{LED=550 5.1.10 ...}". Column names are matched whatever their case and
// separators.

// csvColumns maps the columns of a CSV log that the reader uses to their
// positions; -1 when absent.
type csvColumns struct {
	event, recipients, rstatus, status, time, sender, subject, msgid, server, detail int
	online                                                                           bool
	width                                                                            int
}

// exchangeComment reports a header line of the tracking log or a type line
// of PowerShell's Export-Csv.
func exchangeComment(l string) bool {
	for _, p := range []string{"#Software:", "#Version:", "#Log-type:", "#Log-Type:", "#Date:", "#Fields:", "#TYPE "} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// csvHeader reads a header row of a tracking log or a message trace
// export; nil when the row is not one.
func csvHeader(l string) *csvColumns {
	if strings.Count(l, ",") < 2 {
		return nil
	}
	names, ok := splitCSV(l)
	if !ok {
		return nil
	}
	c := &csvColumns{event: -1, recipients: -1, rstatus: -1, status: -1, time: -1, sender: -1, subject: -1, msgid: -1, server: -1, detail: -1, width: len(names)}
	for i, n := range names {
		n = strings.Map(func(r rune) rune {
			switch {
			case r >= 'A' && r <= 'Z':
				return r + 'a' - 'A'
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				return r
			}
			return -1
		}, n)
		set := func(p *int) {
			if *p < 0 {
				*p = i
			}
		}
		switch n {
		case "eventid", "event":
			set(&c.event)
		case "recipientaddress", "recipients", "recipient":
			set(&c.recipients)
		case "recipientstatus":
			set(&c.rstatus)
		case "status", "deliverystatus":
			set(&c.status)
		case "datetime", "timestamp", "datetimeutc", "received", "date", "dateutc", "origintimestamp", "origintimestamputc":
			set(&c.time)
		case "senderaddress", "sender":
			set(&c.sender)
		case "messagesubject", "subject":
			set(&c.subject)
		case "messageid":
			set(&c.msgid)
		case "serverhostname":
			set(&c.server)
		case "detail":
			set(&c.detail)
		case "messagetraceid", "organization":
			c.online = true
		}
	}
	// The extended report names its columns as the tracking log does,
	// with underscores instead of hyphens.
	c.online = c.online || strings.Contains(l, "event_id")
	switch {
	case c.event >= 0 && (c.recipients >= 0 || c.rstatus >= 0):
	case c.rstatus >= 0 && c.sender >= 0:
		c.online = true
	case c.status >= 0 && c.recipients >= 0 && c.sender >= 0:
		c.online = true
	default:
		return nil
	}
	return c
}

// exchange reads one line of a CSV log.
func (lr *logReader) exchange(l logLine) (Result, outcome) {
	text := l.text
	if fields, ok := strings.CutPrefix(text, "#Fields:"); ok {
		lr.csv = csvHeader(strings.TrimSpace(fields))
		if lr.csv != nil {
			lr.csv.online = false
		}
		return Result{}, lineOther
	}
	if strings.HasPrefix(text, "#") || lr.csv == nil {
		return Result{}, lineOther
	}
	if c := csvHeader(text); c != nil {
		// A header row again: exports concatenated into one file.
		lr.csv = c
		return Result{}, lineOther
	}
	if lr.pending != nil {
		// A quoted field went on over a line end.
		text = lr.pending.text + "\n" + text
		l.no = lr.pending.no
		lr.pending = nil
	}
	row, ok := splitCSV(text)
	if !ok {
		if len(text) < maxLogLine {
			lr.pending = &logLine{no: l.no, text: text}
		}
		return Result{}, lineOther
	}
	c := lr.csv
	get := func(i int) string {
		if i < 0 || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	l.time = get(c.time)
	l.host = get(c.server)
	layout := "exchange-log"
	if c.online {
		layout = "exchange-online-trace"
	}
	var facts []Fact
	var what outcome
	switch {
	case c.event >= 0:
		facts, what = trackingEvent(get(c.event), get(c.recipients), get(c.rstatus), get(c.detail))
	case c.rstatus >= 0:
		facts, what = traceEntries(get(c.rstatus))
	default:
		facts, what = traceStatus(get(c.status), get(c.recipients))
	}
	if what != lineResult {
		return Result{}, what
	}
	res := logResult(lr.source, l, layout, facts)
	if o := (Original{MessageID: get(c.msgid), From: get(c.sender), Subject: get(c.subject)}); o != (Original{}) {
		res.Original = &o
	}
	return res, lineResult
}

// trackingEvent reads a tracking log event (or an extended report's, or a
// trace detail's).
func trackingEvent(event, recipients, statuses, detail string) ([]Fact, outcome) {
	action := ""
	switch ev := strings.ToUpper(event); {
	case ev == "HAREDIRECTFAIL":
		// A shadow copy failed; the message itself goes on.
		return nil, lineOther
	case strings.HasSuffix(ev, "FAIL"):
		action = "failed"
	case strings.HasSuffix(ev, "DEFER"):
		action = "delayed"
	case ev == "DELIVER", ev == "SEND", ev == "DUPLICATEDELIVER":
		return nil, lineDelivered
	default:
		return nil, lineOther
	}
	addrs := splitList(recipients)
	stats := splitStatuses(statuses)
	if d := lastError(detail); d != "" && len(stats) == 0 {
		stats = []string{d}
	}
	if len(addrs) == 0 {
		addrs = []string{""}
	}
	facts := make([]Fact, 0, len(addrs))
	for i, a := range addrs {
		f := Fact{Address: angleAddress(a), Action: action}
		switch {
		case i < len(stats):
			f.Diagnostic = stats[i]
		case len(stats) > 0:
			f.Diagnostic = stats[len(stats)-1]
		}
		facts = append(facts, f)
	}
	return facts, lineResult
}

// lastError returns the last error a message trace detail quotes as
// "{LED=...}", or the detail itself.
func lastError(detail string) string {
	if i := strings.Index(detail, "LED="); i >= 0 {
		d, _, _ := strings.Cut(detail[i+4:], "};")
		return strings.TrimSuffix(strings.TrimSpace(d), "}")
	}
	return detail
}

// traceEntries reads an enhanced summary report's recipient_status:
// "addr##Receive, Fail;addr2##Receive, Deliver". The last event of a
// recipient is its outcome; a row whose recipients were all delivered is
// a delivery.
func traceEntries(v string) ([]Fact, outcome) {
	var facts []Fact
	delivered := false
	for _, e := range strings.Split(v, ";") {
		addr, events, ok := strings.Cut(e, "##")
		if !ok {
			continue
		}
		ev := strings.Split(events, ",")
		last := strings.ToLower(strings.TrimSpace(ev[len(ev)-1]))
		f := Fact{Address: angleAddress(addr), Diagnostic: "message trace events: " + strings.TrimSpace(events)}
		switch last {
		case "fail":
			f.Action = "failed"
		case "defer":
			f.Action = "delayed"
		case "deliver", "send":
			delivered = true
			continue
		default:
			continue
		}
		facts = append(facts, f)
	}
	switch {
	case len(facts) > 0:
		return facts, lineResult
	case delivered:
		return nil, lineDelivered
	}
	return nil, lineOther
}

// traceStatus reads a message trace summary row: one recipient and its
// delivery status. The service's own spam verdicts say the reason.
func traceStatus(status, recipient string) ([]Fact, outcome) {
	f := Fact{Address: angleAddress(recipient), Diagnostic: "message trace status: " + status}
	switch strings.ToLower(status) {
	case "failed":
		f.Action = "failed"
	case "pending":
		f.Action = "delayed"
	case "filteredasspam", "quarantined":
		f.Action, f.Reason = "failed", "spamdetected"
	case "delivered", "expanded":
		return nil, lineDelivered
	default:
		return nil, lineOther
	}
	return []Fact{f}, lineResult
}

// splitList splits a ';'-separated list of addresses.
func splitList(v string) []string {
	var out []string
	for _, a := range strings.Split(v, ";") {
		if a = strings.TrimSpace(a); a != "" && a != "System.String[]" {
			out = append(out, a)
		}
	}
	return out
}

// splitStatuses splits recipient-status at the ';' that start a new
// recipient's status: a reply code, or the To/Cc/Bcc the RECEIVE events
// write. A ';' inside a status ("QUEUE.Expired;message expired") stays.
func splitStatuses(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ";") {
		t := strings.TrimSpace(p)
		if len(out) > 0 && !startsStatus(t) {
			out[len(out)-1] += ";" + p
			continue
		}
		out = append(out, t)
	}
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	if len(out) == 1 && out[0] == "" {
		return nil
	}
	return out
}

func startsStatus(s string) bool {
	if len(s) >= 4 && (s[0] >= '2' && s[0] <= '5') && isDigit(s[1]) && isDigit(s[2]) && s[3] == ' ' {
		return true
	}
	switch s {
	case "To", "Cc", "Bcc":
		return true
	}
	return false
}

// splitCSV splits one CSV record (RFC 4180: fields in double quotes may
// hold commas and doubled quotes). It reports false when a quoted field is
// not closed on the line.
func splitCSV(line string) ([]string, bool) {
	var out []string
	var b strings.Builder
	for i := 0; ; {
		b.Reset()
		if i < len(line) && line[i] == '"' {
			i++
			closed := false
			for i < len(line) {
				if line[i] == '"' {
					if i+1 < len(line) && line[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(line[i])
				i++
			}
			if !closed {
				return out, false
			}
			// Text after the closing quote belongs to the field.
			j := strings.IndexByte(line[i:], ',')
			if j < 0 {
				j = len(line) - i
			}
			b.WriteString(line[i : i+j])
			i += j
		} else {
			j := strings.IndexByte(line[i:], ',')
			if j < 0 {
				j = len(line) - i
			}
			b.WriteString(line[i : i+j])
			i += j
		}
		out = append(out, b.String())
		if i >= len(line) {
			return out, true
		}
		i++ // the comma
	}
}
