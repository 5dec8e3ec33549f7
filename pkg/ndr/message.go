package ndr

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
	"sync"

	mime "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // registers the charsets bounces come in
	"github.com/emersion/go-message/textproto"

	"github.com/mailflowkit/mailflow/pkg/ndr/internal/phraseset"
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
	// maxMarkerBytes caps the report text searched for layout markers,
	// which stand in the first lines of every layout.
	maxMarkerBytes = 16 << 10
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

// message is what the layouts, the DSN reader and the scraper see of one
// input: the bounce's own header, its parts by kind, and the report text
// split at the returned message. Derived views are computed once, on first
// use.
type message struct {
	header   textproto.Header
	texts    []string
	html     []string
	dsn      []string
	feedback []string
	returned []string
	mimeErr  error
	count    int
	// raw is the whole input, for layouts that read it as text (SES JSON
	// posted as a message body, pasted reports).
	raw []byte

	once     sync.Once
	text     string // the human-readable report
	head     string // text before the returned-message marker
	inline   string // the returned message quoted inline after the marker
	lowHead  string // head lower-cased, bounded for marker search
	marks    phraseset.Bits
	hdrCache map[string]string
	lowCache map[string]string
	origOnce sync.Once
	orig     *Original
}

// Parse explains one input: a complete message (with or without MIME), a
// pasted NDR text or pasted delivery-status fields. It never fails: input
// it cannot read comes back as KindUnparsed with the reason.
func Parse(data []byte, source string) Result {
	return parse(data, source, DefaultMaxMessageBytes, nil)
}

// parse is Parse with a size limit and a set of family layouts to leave out
// (the evaluation harness switches each family off in turn).
func parse(data []byte, source string, limit int, without map[string]bool) Result {
	return parseAt(data, source, limit, without, 0)
}

// maxNesting bounds how deep parseAt follows bounces attached to other
// messages (a list manager forwarding a bounce it could not read).
const maxNesting = 2

func parseAt(data []byte, source string, limit int, without map[string]bool, depth int) Result {
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
	m := readMessage(data)
	res = assemble(res, m, without)
	if res.Kind == KindNotBounce && depth < maxNesting && len(m.returned) > 0 {
		// The bounce may be the attachment: Mailman's "uncaught bounce
		// notification", a user forwarding an NDR as an attachment.
		if inner := parseAt([]byte(m.returned[0]), source, limit, without, depth+1); inner.Kind == KindBounce || inner.Kind == KindFeedback {
			return inner
		}
	}
	return res
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

// readMessage splits the header from the body and walks the MIME
// structure. When there is no header, or the MIME structure is broken, the
// body is kept as plain text so the scraper can still read it.
func readMessage(data []byte) *message {
	m := &message{raw: data}
	h, body, ok := splitHeader(data)
	if !ok {
		m.texts = append(m.texts, string(data))
		return m
	}
	m.header = h
	e, err := mime.New(mime.Header{Header: h}, bytes.NewReader(body))
	if e == nil {
		m.mimeErr = err
		m.texts = append(m.texts, string(body))
		return m
	}
	m.walk(e, 0)
	if m.mimeErr != nil && len(m.dsn) == 0 && len(m.texts) == 0 {
		m.texts = append(m.texts, string(body))
	}
	return m
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

func (m *message) walk(e *mime.Entity, depth int) {
	m.count++
	if depth > maxDepth || m.count > maxParts {
		m.mimeErr = fmt.Errorf("MIME structure deeper than %d levels or more than %d parts", maxDepth, maxParts)
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
				m.mimeErr = err
				return
			}
			m.walk(part, depth+1)
		}
	}
	body, err := io.ReadAll(io.LimitReader(e.Body, DefaultMaxMessageBytes))
	if err != nil && len(body) == 0 {
		m.mimeErr = err
		return
	}
	text := string(normalizeNewlines(body))
	switch mt {
	case "message/delivery-status", "message/global-delivery-status":
		m.dsn = append(m.dsn, text)
	case "message/feedback-report":
		m.feedback = append(m.feedback, text)
	case "message/rfc822", "message/global", "message/partial", "text/rfc822-headers", "text/rfc822-header", "message/global-headers":
		m.returned = append(m.returned, text)
	case "text/html":
		if m.beforeReport() {
			m.html = append(m.html, htmlToText(text))
		}
	default:
		if (strings.HasPrefix(mt, "text/") || mt == "application/json") && m.beforeReport() {
			m.texts = append(m.texts, text)
		}
	}
}

// beforeReport reports whether the walk is still in the human-readable
// part: RFC 6522 puts it first, before the delivery-status and returned
// message parts, and text parts after those quote the original message.
func (m *message) beforeReport() bool { return len(m.returned) == 0 && len(m.dsn) == 0 }

var (
	htmlBreakRE = lazyRE(`(?i)<\s*(?:br|/p|/div|/tr|/li|/h[1-6])[^>]*>`)
	htmlTagRE   = lazyRE(`(?s)<[^>]*>`)
	htmlSkipRE  = lazyRE(`(?is)<(script|style)[^>]*>.*?</(?:script|style)\s*>`)
)

// htmlToText flattens an HTML bounce body well enough for the scraper.
func htmlToText(s string) string {
	s = htmlSkipRE().ReplaceAllString(s, "")
	s = htmlBreakRE().ReplaceAllString(s, "\n")
	s = htmlTagRE().ReplaceAllString(s, "")
	return html.UnescapeString(s)
}

// headerText returns a decoded header field of the bounce itself.
func (m *message) headerText(k string) string {
	if v, ok := m.hdrCache[k]; ok {
		return v
	}
	h := mime.Header{Header: m.header}
	v, err := h.Text(k)
	if err != nil {
		v = m.header.Get(k)
	}
	v = strings.TrimSpace(v)
	if m.hdrCache == nil {
		m.hdrCache = map[string]string{}
	}
	m.hdrCache[k] = v
	return v
}

// lowHeader returns a header field decoded and lower-cased.
func (m *message) lowHeader(k string) string {
	if v, ok := m.lowCache[k]; ok {
		return v
	}
	v := strings.ToLower(m.headerText(k))
	if m.lowCache == nil {
		m.lowCache = map[string]string{}
	}
	m.lowCache[k] = v
	return v
}

// prepare computes the report text, its head and the lower-cased head once.
func (m *message) prepare() {
	m.once.Do(func() {
		t := strings.Join(m.texts, "\n")
		if strings.TrimSpace(t) == "" {
			t = strings.Join(m.html, "\n")
		}
		if len(t) > maxScanBytes {
			t = t[:maxScanBytes]
		}
		m.text = t
		m.head, m.inline = splitReturned(t)
		low := m.head
		if len(low) > maxMarkerBytes {
			low = low[:maxMarkerBytes]
		}
		m.lowHead = strings.ToLower(low)
	})
}

// reportText is the human-readable report: the text parts, or the HTML ones
// flattened when there is no plain text.
func (m *message) reportText() string { m.prepare(); return m.text }

// reportHead is the report text before the returned message starts.
func (m *message) reportHead() string { m.prepare(); return m.head }

// looksLikeBounce reports whether the envelope says this is a bounce.
func (m *message) looksLikeBounce() bool {
	from := m.lowHeader("From")
	return strings.Contains(from, "mailer-daemon") || strings.Contains(from, "postmaster") ||
		strings.Contains(from, "mail delivery") || bounceSubjectRE().MatchString(m.headerText("Subject"))
}

var bounceSubjectRE = lazyRE(`(?i)undeliver|returned mail|delivery status|failure notice|delivery fail|mail delivery|non[- ]?delivery|could not be delivered|unzustellbar|non remis|rejected|not delivered|nicht zugestellt|no entregado|não entregue|non recapitato|配信|エラー`)

// originalHeaders reads the headers of the returned message, from a MIME
// part or from the text after the returned-message marker, once.
func (m *message) originalHeaders() *Original {
	m.origOnce.Do(func() { m.orig = m.readOriginal() })
	if m.orig == nil {
		return nil
	}
	o := *m.orig
	return &o
}

// returnedHeader returns one header field of the returned message, "" when
// there is none.
func returnedHeader(m *message, k string) string {
	m.prepare()
	src := m.inline
	if len(m.returned) > 0 {
		src = m.returned[0]
	}
	src = strings.TrimLeft(src, "\n")
	end := strings.Index(src, "\n\n")
	if end < 0 {
		end = len(src)
	}
	h, _ := textproto.ReadHeader(bufio.NewReader(strings.NewReader(src[:min(end, maxHeaderBytes)] + "\n\n")))
	return strings.TrimSpace(h.Get(k))
}

func (m *message) readOriginal() *Original {
	m.prepare()
	src := m.inline
	if len(m.returned) > 0 {
		src = m.returned[0]
	}
	src = strings.TrimLeft(src, "\n")
	if src == "" {
		return nil
	}
	if len(src) > maxHeaderBytes {
		src = src[:maxHeaderBytes]
	}
	h, _ := textproto.ReadHeader(bufio.NewReader(strings.NewReader(src + "\n\n")))
	mh := mime.Header{Header: h}
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
