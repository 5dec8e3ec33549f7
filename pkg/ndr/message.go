package ndr

import (
	"bufio"
	"bytes"
	"fmt"
	"html"
	"io"
	"strings"
	"sync"

	mime "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // registers the charsets bounces come in
	"github.com/emersion/go-message/textproto"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
	"github.com/mailflowkit/mailflow/pkg/ndr/internal/phraseset"
)

// Limits that keep hostile input from exhausting memory or time. The
// input as a whole is bounded by Options.MaxInput.
const (
	maxParts       = 256
	maxDepth       = 12
	maxHeaderBytes = 1 << 20
	// maxReturnedBytes is how much of the returned message is kept: its
	// header names the original message, and a bounce attached to another
	// message (a forwarded NDR) starts with its report.
	maxReturnedBytes = 4 << 20
	// maxMarkerBytes caps the report text searched for layout markers,
	// which stand in the first lines of every layout.
	maxMarkerBytes = 16 << 10
)

// mboxFromLine matches the envelope line mbox files put before a message.
var mboxFromLine = lazyre.New(`^From \S`)

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
	// returned holds the first returned message (at most maxReturnedBytes
	// of it); returnedCut counts what was left of it, nreturned the
	// returned parts seen.
	returned    []string
	returnedCut int64
	nreturned   int
	mimeErr     error
	// partsCut names the MIME structure limit that stopped the walk.
	partsCut string
	count    int
	// raw is the message's header block, searched for pasted
	// delivery-status fields when the message has no text at all.
	raw string
	// rawBody holds the raw body while the MIME walk has found no text.
	rawBody *rawTee
	// hint is the size of the body when known: the size of a message
	// that is a single text part.
	hint int64

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
	retOnce  sync.Once
	retHdr   textproto.Header
}

func unparsed(r Result, why string) Result {
	r.Kind = KindUnparsed
	r.Error = why
	return r
}

// readMessage reads the header and walks the MIME structure from br.
// When there is no header, or the MIME structure is broken, the body is
// kept as plain text so the scraper can still read it. hint is the size of
// the input when known.
func readMessage(br *bufio.Reader, hint int64) *message {
	m := &message{}
	hdr, blank, err := readHeaderBlock(br)
	h, ok := mailHeader(hdr, blank)
	if !ok {
		// Pasted text: the lines read as a header are its start.
		start := hdr
		if blank {
			start = append(start, '\n')
		}
		text, rerr := readText(io.MultiReader(bytes.NewReader(start), br), hint)
		m.texts = append(m.texts, text)
		if err == nil {
			m.mimeErr = rerr
		}
		return m
	}
	m.header = h
	m.raw = string(hdr)
	// The raw body is kept until a text or delivery-status part turns
	// up: a message whose MIME structure breaks before one does is read
	// as plain text instead.
	m.rawBody = &rawTee{}
	e, err := mime.New(mime.Header{Header: h}, io.TeeReader(br, m.rawBody))
	if e == nil {
		m.mimeErr = err
		body, _ := readText(br, 0)
		m.texts = append(m.texts, string(m.rawBody.buf)+body)
		return m
	}
	m.hint = hint - int64(len(hdr))
	m.walk(e, 0)
	if m.mimeErr != nil && len(m.dsn) == 0 && len(m.texts) == 0 {
		m.texts = append(m.texts, string(m.rawBody.buf))
	}
	m.rawBody = nil
	return m
}

// rawTee keeps what passes through it until stopped.
type rawTee struct {
	buf     []byte
	stopped bool
}

func (t *rawTee) Write(p []byte) (int, error) {
	if !t.stopped {
		t.buf = append(t.buf, p...)
	}
	return len(p), nil
}

func (t *rawTee) stop() { t.stopped, t.buf = true, nil }

// readHeaderBlock reads the lines before the first empty line, at most
// maxHeaderBytes of them. blank reports whether an empty line ended the
// block (and was consumed).
func readHeaderBlock(br *bufio.Reader) (hdr []byte, blank bool, err error) {
	for len(hdr) <= maxHeaderBytes {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			hdr = append(hdr, line...)
			continue
		}
		if len(line) == 1 && line[0] == '\n' && err == nil {
			return hdr, true, nil
		}
		hdr = append(hdr, line...)
		if err != nil {
			return hdr, false, err
		}
	}
	return hdr, false, nil
}

// mailHeader parses a header block. It reports false when the block is not
// a mail header (pasted NDR text, or pasted delivery-status fields whose
// lines happen to look like fields) or is larger than maxHeaderBytes.
func mailHeader(hdr []byte, blank bool) (textproto.Header, bool) {
	if len(hdr) == 0 || len(hdr) > maxHeaderBytes {
		return textproto.Header{}, false
	}
	br := headerReaders.Get().(*bufio.Reader)
	defer headerReaders.Put(br)
	end := "\n"
	if !blank && hdr[len(hdr)-1] != '\n' {
		end = "\n\n"
	}
	br.Reset(io.MultiReader(bytes.NewReader(hdr), strings.NewReader(end)))
	h, err := textproto.ReadHeader(br)
	br.Reset(nil)
	if err != nil || h.Len() == 0 || !looksLikeMailHeader(h) {
		return textproto.Header{}, false
	}
	return h, true
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

// walk reads one MIME entity and its children. It keeps the parts the
// layouts read and lets the others pass unread; it reports false when it
// stopped at a structure limit.
func (m *message) walk(e *mime.Entity, depth int) bool {
	m.count++
	switch {
	case depth > maxDepth:
		m.partsCut = "mime_depth"
	case m.count > maxParts:
		m.partsCut = "mime_parts"
	}
	if m.partsCut != "" {
		m.mimeErr = fmt.Errorf("MIME structure deeper than %d levels or more than %d parts", maxDepth, maxParts)
		return false
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
				return true
			}
			if part == nil {
				m.mimeErr = err
				return true
			}
			if !m.walk(part, depth+1) {
				return false
			}
		}
	}
	keep := m.keeps(mt)
	if keep == "" {
		return true
	}
	if keep == "text" || keep == "dsn" {
		m.rawBody.stop()
	}
	r := io.Reader(e.Body)
	if keep == "returned" {
		m.nreturned++
		if m.nreturned > 1 {
			return true
		}
		r = io.LimitReader(r, maxReturnedBytes)
	}
	hint := int64(0)
	if depth == 0 {
		hint = m.hint
	}
	text, err := readText(r, hint)
	if err != nil && text == "" {
		m.mimeErr = err
		return true
	}
	switch keep {
	case "dsn":
		m.dsn = append(m.dsn, text)
	case "feedback":
		m.feedback = append(m.feedback, text)
	case "returned":
		m.returned = append(m.returned, text)
		m.returnedCut, _ = drain(e.Body, maxDrain)
	case "html":
		m.html = append(m.html, htmlToText(text))
	default:
		m.texts = append(m.texts, text)
	}
	return true
}

// keeps says which list a part of this media type joins, "" when the
// part is not read.
func (m *message) keeps(mt string) string {
	switch mt {
	case "message/delivery-status", "message/global-delivery-status":
		return "dsn"
	case "message/feedback-report":
		return "feedback"
	case "message/rfc822", "message/global", "message/partial", "text/rfc822-headers", "text/rfc822-header", "message/global-headers":
		return "returned"
	case "text/html":
		if m.beforeReport() {
			return "html"
		}
	default:
		if (strings.HasPrefix(mt, "text/") || mt == "application/json") && m.beforeReport() {
			return "text"
		}
	}
	return ""
}

// beforeReport reports whether the walk is still in the human-readable
// part: RFC 6522 puts it first, before the delivery-status and returned
// message parts, and text parts after those quote the original message.
func (m *message) beforeReport() bool { return m.nreturned == 0 && len(m.dsn) == 0 }

var (
	htmlBreakRE = lazyre.New(`(?i)<\s*(?:br|/p|/div|/tr|/li|/h[1-6])[^>]*>`)
	htmlTagRE   = lazyre.New(`(?s)<[^>]*>`)
	htmlSkipRE  = lazyre.New(`(?is)<(script|style)[^>]*>.*?</(?:script|style)\s*>`)
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

var bounceSubjectRE = lazyre.New(`(?i)undeliver|returned mail|delivery status|failure notice|delivery fail|mail delivery|non[- ]?delivery|could not be delivered|unzustellbar|non remis|rejected|not delivered|nicht zugestellt|no entregado|não entregue|non recapitato|配信|エラー`)

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
	return strings.TrimSpace(m.returnedFields().Get(k))
}

// returnedFields parses the header of the returned message once: from its
// MIME part, or from the text after the returned-message marker.
func (m *message) returnedFields() *textproto.Header {
	m.retOnce.Do(func() {
		m.prepare()
		src := m.inline
		if len(m.returned) > 0 {
			src = m.returned[0]
		}
		src = strings.TrimLeft(src, "\n")
		if end := strings.Index(src, "\n\n"); end >= 0 {
			src = src[:end+1]
		}
		m.retHdr = parseHeader(onlyFields(src[:min(len(src), maxHeaderBytes)], returnedFieldNames))
	})
	return &m.retHdr
}

// returnedFieldNames are the fields read from a returned message's header,
// lower-case with the colon.
var returnedFieldNames = []string{"message-id:", "from:", "to:", "subject:", "date:", "x-hmxmroriginalrecipient:"}

// onlyFields keeps the header fields of text whose names are listed, with
// their continuation lines: the Received and signature fields that make up
// most of a header cost a parse and are never read.
func onlyFields(text string, names []string) string {
	var b strings.Builder
	keep := false
	for line := range strings.Lines(text) {
		if line[0] != ' ' && line[0] != '\t' {
			keep = false
			for _, n := range names {
				if len(line) >= len(n) && strings.EqualFold(line[:len(n)], n) {
					keep = true
					break
				}
			}
		}
		if keep {
			b.WriteString(line)
		}
	}
	return b.String()
}

// parseHeader reads header fields from text, up to the first line that is
// not one; it never fails, a broken header gives the fields before the
// break.
func parseHeader(text string) textproto.Header {
	br := headerReaders.Get().(*bufio.Reader)
	defer headerReaders.Put(br)
	br.Reset(io.MultiReader(strings.NewReader(text), strings.NewReader("\n\n")))
	h, _ := textproto.ReadHeader(br)
	br.Reset(nil)
	return h
}

var headerReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

func (m *message) readOriginal() *Original {
	h := m.returnedFields()
	if h.Len() == 0 {
		return nil
	}
	mh := mime.Header{Header: *h}
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
