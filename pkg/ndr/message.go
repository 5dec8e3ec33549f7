package ndr

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // registers the charsets bounces come in
	"github.com/emersion/go-message/textproto"
)

// Limits that keep hostile input from exhausting memory or time.
const (
	// DefaultMaxMessageBytes caps one message.
	DefaultMaxMessageBytes = 50 << 20
	maxParts               = 256
	maxDepth               = 12
	maxHeaderBytes         = 1 << 20
	// maxScanBytes caps the text the recipient scanner reads: bounce reports
	// put their error text first, the rest is the returned message.
	maxScanBytes = 1 << 20
)

// ErrTooLarge reports a message over the size cap.
var ErrTooLarge = errors.New("message exceeds the size limit")

// normalizeNewlines turns CRLF and lone CR line ends into LF, so every later
// step sees one convention.
func normalizeNewlines(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}

// mboxFromLine matches the envelope line mbox files put before a message.
var mboxFromLine = lazyRE(`^From \S`)

// parts is what the MIME walk collects from a message.
type parts struct {
	header   textproto.Header
	texts    []string
	html     []string
	dsn      []string
	feedback []string
	returned []string
	mimeErr  error
	count    int
}

// Parse explains one input: a complete message (with or without MIME), a
// pasted NDR text or pasted delivery-status fields. It never fails: input
// it cannot read comes back as KindUnparsed with the reason.
func Parse(data []byte, source string) Result {
	return parse(data, source, DefaultMaxMessageBytes)
}

func parse(data []byte, source string, limit int) Result {
	res := Result{Source: source, Recipients: []Recipient{}}
	if len(data) > limit {
		return unparsed(res, tooLargeError(limit))
	}
	data = normalizeNewlines(data)
	if i := bytes.IndexByte(data, '\n'); i >= 0 && mboxFromLine().Match(data[:i]) {
		data = data[i+1:]
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return unparsed(res, "empty input")
	}
	if head := data[:min(len(data), 4096)]; bytes.IndexByte(head, 0) >= 0 {
		return unparsed(res, "binary data, not a mail message or NDR text")
	}
	p := collect(data)
	return assemble(res, p, data)
}

func tooLargeError(limit int) string {
	if limit >= 1<<20 {
		return fmt.Sprintf("%v (%d MiB)", ErrTooLarge, limit>>20)
	}
	return fmt.Sprintf("%v (%d bytes)", ErrTooLarge, limit)
}

func unparsed(r Result, why string) Result {
	r.Kind = KindUnparsed
	r.Error = why
	return r
}

// collect splits the header from the body and walks the MIME structure.
// When there is no header, or the MIME structure is broken, the body is kept
// as plain text so the text scanner can still read it.
func collect(data []byte) parts {
	var p parts
	h, body, ok := splitHeader(data)
	if !ok {
		p.texts = append(p.texts, string(data))
		return p
	}
	p.header = h
	e, err := message.New(message.Header{Header: h}, bytes.NewReader(body))
	if e == nil {
		p.mimeErr = err
		p.texts = append(p.texts, string(body))
		return p
	}
	p.walk(e, 0)
	if p.mimeErr != nil && len(p.dsn) == 0 && len(p.texts) == 0 {
		p.texts = append(p.texts, string(body))
	}
	return p
}

// splitHeader parses the header block at the start of data. It reports false
// when data does not start with header fields (pasted NDR text).
func splitHeader(data []byte) (textproto.Header, []byte, bool) {
	end := bytes.Index(data, []byte("\n\n"))
	if end < 0 {
		end = len(data)
	}
	if end > maxHeaderBytes {
		return textproto.Header{}, nil, false
	}
	hdrBytes := append(append([]byte{}, data[:end]...), '\n', '\n')
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(hdrBytes)))
	if err != nil || h.Len() == 0 || !looksLikeMailHeader(h) {
		return textproto.Header{}, nil, false
	}
	body := data[min(end+2, len(data)):]
	return h, body, true
}

// looksLikeMailHeader tells a message header from pasted text whose first
// lines happen to have colons (such as delivery-status fields).
func looksLikeMailHeader(h textproto.Header) bool {
	for _, k := range []string{"From", "To", "Subject", "Date", "Received", "Return-Path", "Message-Id", "Content-Type", "Mime-Version", "Delivered-To"} {
		if h.Has(k) {
			return true
		}
	}
	return false
}

func (p *parts) walk(e *message.Entity, depth int) {
	p.count++
	if depth > maxDepth || p.count > maxParts {
		p.mimeErr = fmt.Errorf("MIME structure deeper than %d levels or more than %d parts", maxDepth, maxParts)
		return
	}
	mt, _, err := e.Header.ContentType()
	if err != nil || mt == "" {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := e.MultipartReader()
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if part == nil {
				p.mimeErr = err
				return
			}
			p.walk(part, depth+1)
		}
	}
	body, err := io.ReadAll(io.LimitReader(e.Body, DefaultMaxMessageBytes))
	if err != nil && len(body) == 0 {
		p.mimeErr = err
		return
	}
	text := string(normalizeNewlines(body))
	switch mt {
	case "message/delivery-status", "message/global-delivery-status":
		p.dsn = append(p.dsn, text)
	case "message/feedback-report":
		p.feedback = append(p.feedback, text)
	case "message/rfc822", "message/global", "message/partial", "text/rfc822-headers", "text/rfc822-header", "message/global-headers":
		p.returned = append(p.returned, text)
	case "text/html":
		if p.beforeReport() {
			p.html = append(p.html, htmlToText(text))
		}
	default:
		if strings.HasPrefix(mt, "text/") && p.beforeReport() {
			p.texts = append(p.texts, text)
		}
	}
}

// beforeReport reports whether the walk is still in the human-readable
// part: RFC 6522 puts it first, before the delivery-status and returned
// message parts, and text parts after those quote the original message.
func (p *parts) beforeReport() bool { return len(p.returned) == 0 && len(p.dsn) == 0 }

var (
	htmlBreakRE = lazyRE(`(?i)<\s*(?:br|/p|/div|/tr|/li|/h[1-6])[^>]*>`)
	htmlTagRE   = lazyRE(`(?s)<[^>]*>`)
	htmlSkipRE  = lazyRE(`(?is)<(script|style)[^>]*>.*?</(?:script|style)\s*>`)
)

// htmlToText flattens an HTML bounce body well enough for the text scanner.
func htmlToText(s string) string {
	s = htmlSkipRE().ReplaceAllString(s, "")
	s = htmlBreakRE().ReplaceAllString(s, "\n")
	s = htmlTagRE().ReplaceAllString(s, "")
	return html.UnescapeString(s)
}

// header returns a decoded header field of the bounce itself.
func (p *parts) headerText(k string) string {
	h := message.Header{Header: p.header}
	v, err := h.Text(k)
	if err != nil {
		return strings.TrimSpace(p.header.Get(k))
	}
	return strings.TrimSpace(v)
}

// reportText is the human-readable report: the text parts, or the HTML ones
// flattened when there is no plain text.
func (p *parts) reportText() string {
	t := strings.Join(p.texts, "\n")
	if strings.TrimSpace(t) == "" {
		t = strings.Join(p.html, "\n")
	}
	if len(t) > maxScanBytes {
		t = t[:maxScanBytes]
	}
	return t
}

// assemble turns collected parts into a Result.
func assemble(res Result, p parts, raw []byte) Result {
	text := p.reportText()
	head, inlineReturned := splitReturned(text)
	res.Layout = detectLayout(&p, head)
	res.Original = originalHeaders(&p, inlineReturned)

	if len(p.feedback) > 0 {
		return feedbackResult(res, &p)
	}
	if r, ok := sesNotification(res, text); ok {
		return r
	}

	var dsn dsnReport
	for _, d := range p.dsn {
		r := parseDSN(d, false)
		if dsn.reportingMTA == "" {
			dsn.reportingMTA = r.reportingMTA
		}
		dsn.recipients = append(dsn.recipients, r.recipients...)
	}
	if len(dsn.recipients) == 0 {
		// Delivery-status fields quoted in prose: forwarded bounces,
		// providers that paste the report into the text part, or a pasted
		// report.
		scan := text
		if strings.TrimSpace(scan) == "" {
			scan = string(raw[:min(len(raw), maxScanBytes)])
		}
		r := parseDSN(unquote(scan), true)
		dsn.recipients = r.recipients
		if dsn.reportingMTA == "" {
			dsn.reportingMTA = r.reportingMTA
		}
	}
	res.ReportingMTA = dsn.reportingMTA

	found := scanText(unquote(head))
	recips := mergeRecipients(dsn.recipients, found, &p, head, res.Original)
	if len(recips) == 0 {
		if autoReply(&p) {
			return autoReplyResult(res, &p)
		}
		res.Kind = KindNotBounce
		if p.mimeErr != nil {
			return unparsed(res, "broken MIME structure and no readable bounce text: "+p.mimeErr.Error())
		}
		return res
	}
	res.Kind = KindBounce
	for _, r := range recips {
		res.Recipients = append(res.Recipients, finish(r, res.Layout, res.ReportingMTA))
	}
	return res
}

// draft is a recipient being put together from the report's pieces.
type draft struct {
	addr, orig     string
	action         string
	statusField    string
	statusComment  string
	diag, diagType string
	rhost          string
	command        string
	lastAttempt    string
	reason         string
	block          string
}

// mergeRecipients joins what the delivery-status part says with what the
// text part says. The delivery-status part is authoritative for who failed;
// the text supplies what it lacks (the command, the remote host, and the
// error text when the report leaves Diagnostic-Code empty or bare).
func mergeRecipients(blocks []fieldBlock, found []textRecipient, p *parts, head string, orig *Original) []draft {
	var out []draft
	byAddr := map[string]textRecipient{}
	for _, t := range found {
		byAddr[t.addr] = t
	}
	for _, b := range blocks {
		d := draft{
			addr:        cleanAddress(b.get("final-recipient")),
			orig:        cleanAddress(b.get("original-recipient")),
			action:      strings.ToLower(strings.Fields(b.get("action") + " x")[0]),
			lastAttempt: b.get("last-attempt-date"),
			rhost:       typedValue(b.get("remote-mta")),
		}
		if d.addr == "" {
			d.addr = cleanAddress(b.get("x-actual-recipient"))
		}
		if d.addr == "" {
			d.addr = d.orig
		}
		if d.addr == "" {
			continue
		}
		if d.action == "x" {
			d.action = ""
		}
		d.statusField, d.statusComment = splitStatus(b.get("status"))
		d.diagType, d.diag = splitTyped(b.get("diagnostic-code"))
		if d.statusField == "" && d.statusComment != "" && d.diag == "" {
			// "Status: 553 Exceeded maximum inbound message size"
			d.diag = d.statusComment
		}
		if strings.HasPrefix(strings.TrimSpace(b.get("final-recipient")), "rfc822;|") || strings.Contains(b.get("x-actual-recipient"), "|") {
			d.diagType = "x-unix"
		}
		t, ok := byAddr[d.addr]
		if !ok && d.orig != "" {
			t, ok = byAddr[d.orig]
		}
		if !ok && len(found) == 1 && len(blocks) == 1 {
			t, ok = found[0], true
		}
		if !ok && len(found) == 0 && len(blocks) == 1 {
			t, ok = describeBlock(d.addr, strings.Split(head, "\n")), true
		}
		if ok {
			d.absorb(t)
		}
		out = append(out, d)
	}
	if len(out) > 0 {
		return out
	}
	for _, t := range found {
		d := draft{addr: t.addr}
		d.absorb(t)
		out = append(out, d)
	}
	if len(out) > 0 {
		return out
	}
	// No recipient in the text: the bounce's own headers may list them, or
	// the returned message names where it was going.
	addrs := addressList(p.headerText("X-Failed-Recipients"))
	if len(addrs) == 0 && looksLikeBounce(p) && orig != nil && isErrorLine(head) {
		addrs = addressList(orig.To)
	}
	for _, a := range addrs {
		d := draft{addr: a}
		d.absorb(describeBlock(a, strings.Split(head, "\n")))
		out = append(out, d)
	}
	return out
}

// absorb fills gaps in d from the text scanner's findings.
func (d *draft) absorb(t textRecipient) {
	if d.command == "" {
		d.command = t.command
	}
	if d.rhost == "" {
		d.rhost = t.rhost
	}
	d.block = t.block
	if t.diag == "" {
		return
	}
	if d.diag == "" || (len(findReplyCodes(d.diag)) == 0 && len(findStatusCodes(d.diag)) == 0 && len(findReplyCodes(t.diag)) > 0) {
		if d.diag != "" && d.diagType == "" {
			d.diagType = "smtp"
		}
		d.diag = t.diag
	}
}

var bounceSubjectRE = lazyRE(`(?i)undeliver|returned mail|delivery status|failure notice|delivery fail|mail delivery|non[- ]?delivery|could not be delivered|unzustellbar|non remis|rejected`)

// looksLikeBounce reports whether the envelope says this is a bounce.
func looksLikeBounce(p *parts) bool {
	from := strings.ToLower(p.headerText("From"))
	return strings.Contains(from, "mailer-daemon") || strings.Contains(from, "postmaster") ||
		strings.Contains(from, "mail delivery") || bounceSubjectRE().MatchString(p.headerText("Subject"))
}

// originalHeaders reads the headers of the returned message, from a MIME
// part or from the text after the returned-message marker.
func originalHeaders(p *parts, inline string) *Original {
	src := inline
	if len(p.returned) > 0 {
		src = p.returned[0]
	}
	src = strings.TrimLeft(src, "\n")
	if src == "" {
		return nil
	}
	h, _ := textproto.ReadHeader(bufio.NewReader(strings.NewReader(src + "\n\n")))
	mh := message.Header{Header: h}
	get := func(k string) string {
		v, err := mh.Text(k)
		if err != nil {
			v = h.Get(k)
		}
		return strings.TrimSpace(v)
	}
	o := &Original{MessageID: get("Message-Id"), From: get("From"), To: get("To"), Subject: get("Subject"), Date: get("Date")}
	if *o == (Original{}) {
		return nil
	}
	return o
}

// finish decides status, reply code, reason and hard/soft for a recipient.
func finish(d draft, layout, reportingMTA string) Recipient {
	r := Recipient{
		Address:           d.addr,
		OriginalRecipient: d.orig,
		Action:            d.action,
		Diagnostic:        d.diag,
		DiagnosticType:    d.diagType,
		RemoteMTA:         d.rhost,
		Command:           d.command,
		LastAttempt:       d.lastAttempt,
	}
	if r.OriginalRecipient == r.Address {
		r.OriginalRecipient = ""
	}
	quoted := pickDiagnosticStatus(findStatusCodes(d.diag))
	replies := findReplyCodes(d.diag)
	status := preferStatus(d.statusField, quoted, pickReply(replies, ""))
	r.Status = status
	if rc := pickReply(replies, status); rc != "" {
		r.ReplyCode, _ = strconv.Atoi(rc)
	}
	explicit := d.reason
	if _, sr := gmailState(d.diag); sr != "" && explicit == "" && (status == "" || strings.Contains(status, ".0")) {
		explicit = sr
	}
	f := facts{
		status:   status,
		reply:    r.ReplyCode,
		diag:     strings.ToLower(d.diag + " " + d.statusComment),
		diagType: d.diagType,
		command:  d.command,
		action:   d.action,
		rhost:    d.rhost,
		domain:   domainOf(d.addr),
		layout:   layout,
		reporter: reportingMTA,
		explicit: explicit,
		raw:      d.diag,
	}
	r.Reason = classify(f)
	r.HardBounce = hardBounce(r.Reason, status, r.ReplyCode)
	if r.Action == "" {
		r.Action = defaultAction(r.Reason, status)
	}
	return r
}

func defaultAction(reason, status string) string {
	switch {
	case reason == "delivered":
		return "delivered"
	case reason == "expired" || strings.HasPrefix(status, "4."):
		return "delayed"
	}
	return "failed"
}

// hardBounce says whether retrying the address can ever work: the mailbox or
// domain does not exist, has moved, or the domain refuses all mail for good.
func hardBounce(reason, status string, reply int) bool {
	switch reason {
	case "userunknown", "hostunknown", "hasmoved":
		return true
	case "notaccept":
		return !strings.HasPrefix(status, "4.") && (reply == 0 || reply >= 500)
	}
	return false
}
