package ndr

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
)

// Mail logs are bounces too: an administrator more often has the log line
// than the NDR. A log is read line by line; every line that records a
// failed or delayed delivery becomes a Result like a bounce's, with its
// recipients resolved by the same classifier (Resolve), and every other
// line (deliveries, queue and connection events) is counted, not shown.
//
// Formats: syslog lines of Postfix (log_postfix.go), Sendmail
// (log_sendmail.go) and Exim, Exim's own mainlog (log_exim.go), and the CSV
// of Exchange's message tracking log and of Exchange Online's message trace
// exports (log_exchange.go). A syslog file may mix programs; each line is
// read by the program that wrote it.

// maxLogLine bounds one line of a log; the rest of a longer line is not
// read, and its result says so (Truncation "line").
const maxLogLine = 1 << 20

// LogStats counts what a log held.
type LogStats struct {
	// Lines is the number of lines read.
	Lines int `json:"lines"`
	// Results counts the lines that recorded a failed or delayed delivery
	// and became a result.
	Results int `json:"results"`
	// Delivered counts the lines that recorded a delivery.
	Delivered int `json:"delivered"`
	// Skipped counts the other lines: queue, connection and policy events,
	// header lines, lines of programs that do not deliver mail.
	Skipped int `json:"skipped"`
	// LongLines counts the lines longer than the line limit, read in part.
	LongLines int `json:"long_lines,omitempty"`
}

// logLine is one line of a log, split into its syslog envelope when it has
// one.
type logLine struct {
	no   int
	text string // the whole line, without its line end
	// From the syslog envelope: time stamp, host, program (without the
	// process ID) and the message after "program[pid]: ".
	time, host, prog, msg string
	// cut counts the bytes of an overlong line that were not read.
	cut int64
}

// outcome is what a log reader made of one line.
type outcome int

const (
	lineOther outcome = iota
	lineDelivered
	lineResult
)

// logReader is the state of one log being read: the column layout of a CSV
// log and what Postfix has said about messages still in its queue.
type logReader struct {
	source string
	csv    *csvColumns
	// pending is the start of a CSV record whose quoted field goes on
	// over a line end.
	pending *logLine
	postfix postfixQueue
}

// IsLog reports whether head, the start of an input, is a mail log of a
// format ParseLog reads: a line of it is a syslog line, an Exim log line,
// an Exchange message tracking log header, the header row of an Exchange
// Online message trace export, or a Postfix or Sendmail delivery record
// without its syslog envelope. Lines before the first such line are
// allowed (a tool's warnings written into the same file, a "==> file <=="
// banner of tail), but an input whose first line starts a message (a
// header field, an mbox separator) is a message whatever its body quotes.
func IsLog(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	first := true
	for len(head) > 0 {
		line, rest, _ := bytes.Cut(head, []byte("\n"))
		head = rest
		l := strings.TrimRight(string(line), "\r")
		if strings.TrimSpace(l) == "" || journalHeader(l) {
			continue
		}
		if isLogLine(l) {
			return true
		}
		if first && startsMessage(l) {
			return false
		}
		first = false
	}
	return false
}

// isLogLine reports whether l is a line of a log ParseLog reads.
func isLogLine(l string) bool {
	if csvHeader(l) != nil || exchangeComment(l) {
		return true
	}
	if sl, ok := splitSyslog(l); ok {
		return sl.msg != ""
	}
	if _, ok := splitExim(l); ok {
		return true
	}
	id, msg, ok := strings.Cut(l, ": ")
	return ok && queueID(id) && (strings.HasPrefix(msg, "to=") || strings.HasPrefix(msg, "from="))
}

// startsMessage reports whether l opens a message: an mbox separator or a
// header field whose name is letters, digits and hyphens.
func startsMessage(l string) bool {
	if strings.HasPrefix(l, "From ") {
		return true
	}
	name, _, ok := strings.Cut(l, ":")
	if !ok || name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// journalHeader reports the line journalctl writes before the log lines
// ("-- Logs begin at ... --", "-- Journal begins at ... --").
func journalHeader(l string) bool {
	return strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --")
}

// ParseLog reads a mail log from r and calls emit with a result for every
// line that records a failed or delayed delivery, in log order. source
// names the log; results are named "source:LINE". It returns the counts of
// the lines read and the first read or emit error.
func ParseLog(r io.Reader, source string, emit func(Result) error) (LogStats, error) {
	lr := &logReader{source: source}
	var st LogStats
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for {
		line, cut, err := readLogLine(br, buf[:0])
		buf = line
		if len(line) == 0 && err != nil {
			if err == io.EOF {
				return st, nil
			}
			return st, err
		}
		st.Lines++
		text := strings.TrimRight(string(line), "\r\n")
		if st.Lines == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if cut > 0 {
			st.LongLines++
		}
		res, what := lr.line(logLine{no: st.Lines, text: text, cut: cut})
		switch what {
		case lineResult:
			st.Results++
			if cut > 0 {
				res.Truncated = append(res.Truncated, Truncation{Limit: "line", Max: maxLogLine, UnreadBytes: cut})
			}
			if err := emit(res); err != nil {
				return st, err
			}
		case lineDelivered:
			st.Delivered++
		default:
			st.Skipped++
		}
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, err
		}
	}
}

// readLogLine reads one line into buf, keeping at most maxLogLine bytes of
// it; cut counts the bytes dropped.
func readLogLine(br *bufio.Reader, buf []byte) ([]byte, int64, error) {
	var cut int64
	for {
		chunk, err := br.ReadSlice('\n')
		if keep := maxLogLine - len(buf); keep >= len(chunk) {
			buf = append(buf, chunk...)
		} else {
			buf = append(buf, chunk[:max(keep, 0)]...)
			cut += int64(len(chunk) - max(keep, 0))
		}
		if err != bufio.ErrBufferFull {
			return buf, cut, err
		}
	}
}

// line reads one line of the log.
func (lr *logReader) line(l logLine) (Result, outcome) {
	if lr.pending != nil {
		return lr.exchange(l)
	}
	if strings.TrimSpace(l.text) == "" {
		return Result{}, lineOther
	}
	if exchangeComment(l.text) || lr.csv != nil {
		return lr.exchange(l)
	}
	if cols := csvHeader(l.text); cols != nil {
		lr.csv = cols
		return Result{}, lineOther
	}
	if sl, ok := splitSyslog(l.text); ok {
		l.time, l.host, l.prog, l.msg = sl.time, sl.host, sl.prog, sl.msg
		prog := strings.ToLower(l.prog)
		switch {
		case strings.Contains(prog, "postfix"):
			return lr.postfix.line(lr.source, l)
		case strings.Contains(prog, "sendmail") || strings.HasPrefix(prog, "sm-"):
			return sendmailLine(lr.source, l)
		case strings.Contains(prog, "exim"):
			// Exim logging to syslog writes its own line after the tag.
			if el, ok := splitExim(l.msg); ok {
				return eximLine(lr.source, l, el)
			}
			return eximLine(lr.source, l, eximFields{rest: l.msg})
		}
		return Result{}, lineOther
	}
	if el, ok := splitExim(l.text); ok {
		return eximLine(lr.source, l, el)
	}
	// A delivery record without its syslog envelope, as pasted from a
	// terminal or a journal: Postfix writes status=, Sendmail stat=.
	l.msg = l.text
	switch {
	case strings.Contains(l.text, " status="):
		return lr.postfix.line(lr.source, l)
	case strings.Contains(l.text, " stat="):
		return sendmailLine(lr.source, l)
	}
	return Result{}, lineOther
}

// logResult builds the result of one log line from its facts. The strings
// are copied out of the line so a kept result does not pin the read
// buffer's text.
func logResult(source string, l logLine, layout string, facts []Fact) Result {
	res := Result{
		Source:       source + ":" + strconv.Itoa(l.no),
		Kind:         KindBounce,
		Layout:       layout,
		ReportingMTA: strings.ToLower(l.host),
		Recipients:   make([]Recipient, 0, len(facts)),
	}
	for _, f := range facts {
		if f.Date == "" {
			f.Date = l.time
		}
		if f.ReportingMTA == "" {
			f.ReportingMTA = res.ReportingMTA
		}
		res.Recipients = append(res.Recipients, Resolve(f))
	}
	return res
}

// syslogLine is the envelope of a syslog line.
type syslogLine struct{ time, host, prog, msg string }

// splitSyslog splits a line in the formats syslog daemons and journalctl
// write (RFC 3164 "Mmm dd hh:mm:ss host tag[pid]: msg", and the RFC 3339
// time stamps of rsyslog's high-precision format and RFC 5424), with or
// without a leading <PRI>.
func splitSyslog(line string) (syslogLine, bool) {
	var sl syslogLine
	s := line
	if strings.HasPrefix(s, "<") {
		i := strings.IndexByte(s, '>')
		if i < 2 || i > 4 {
			return sl, false
		}
		s = s[i+1:]
		if len(s) > 2 && s[0] == '1' && s[1] == ' ' { // RFC 5424 version
			s = s[2:]
		}
	}
	switch {
	case len(s) > 14 && isMonth(s[:3]) && s[3] == ' ':
		// "Feb  1 10:00:01", also written "Feb 1 10:00:01" or "Feb 01 ...".
		i := 4
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		for j < len(s) && j < i+2 && isDigit(s[j]) {
			j++
		}
		if j == i || j+10 > len(s) || s[j] != ' ' || !isClock(s[j+1:j+9]) || s[j+9] != ' ' {
			return sl, false
		}
		sl.time, s = s[:j+9], s[j+10:]
	case len(s) > 20 && isDate(s[:10]) && s[10] == 'T' && isClock(s[11:19]):
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			return sl, false
		}
		sl.time, s = s[:i], s[i+1:]
	default:
		return sl, false
	}
	host, rest, ok := strings.Cut(s, " ")
	if !ok || host == "" {
		return sl, false
	}
	sl.host = host
	tag, msg, ok := strings.Cut(rest, ": ")
	if !ok || tag == "" || strings.ContainsAny(tag, " \t") {
		// RFC 5424: "app procid msgid [sd] msg"
		f := strings.SplitN(rest, " ", 4)
		if len(f) < 4 {
			return sl, false
		}
		sl.prog, sl.msg = f[0], strings.TrimPrefix(strings.TrimPrefix(f[3], "- "), "-")
		return sl, true
	}
	if i := strings.IndexByte(tag, '['); i > 0 {
		tag = tag[:i]
	}
	sl.prog, sl.msg = tag, msg
	return sl, true
}

func isMonth(s string) bool {
	return strings.Contains("JanFebMarAprMayJunJulAugSepOctNovDec", s) && len(s) == 3 && s[0] >= 'A' && s[0] <= 'Z'
}

// isClock reports "hh:mm:ss".
func isClock(s string) bool {
	return len(s) == 8 && isDigit(s[0]) && isDigit(s[1]) && s[2] == ':' && isDigit(s[3]) && isDigit(s[4]) && s[5] == ':' && isDigit(s[6]) && isDigit(s[7])
}

// isDate reports "yyyy-mm-dd".
func isDate(s string) bool {
	return len(s) == 10 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3]) && s[4] == '-' &&
		isDigit(s[5]) && isDigit(s[6]) && s[7] == '-' && isDigit(s[8]) && isDigit(s[9])
}

// queueID reports a Postfix or Sendmail queue ID: letters and digits,
// five or more.
func queueID(s string) bool {
	if len(s) < 5 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && !isLetter(c) {
			return false
		}
	}
	return true
}

// attrs reads the "name=value, name=value" lists Postfix and Sendmail log.
// A value runs to the next ", name=" (a comma inside a value, as between
// Sendmail's recipients, does not end it); last is the attribute whose
// value runs to the end of the line (Postfix's and Sendmail's status).
func attrs(s, last string) map[string]string {
	out := map[string]string{}
	for s != "" {
		name, rest, ok := strings.Cut(s, "=")
		if !ok || strings.ContainsAny(name, " ,") {
			break
		}
		if name == last {
			out[name] = rest
			break
		}
		end := nextAttr(rest)
		out[name] = rest[:end]
		s = strings.TrimLeft(rest[end:], ", ")
	}
	return out
}

// nextAttr returns where the value at the start of s ends: at ", " before
// a lower-case name and '='.
func nextAttr(s string) int {
	for off := 0; ; {
		i := strings.Index(s[off:], ", ")
		if i < 0 {
			return len(s)
		}
		i += off
		j := i + 2
		for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] == '_' || isDigit(s[j])) {
			j++
		}
		if j > i+2 && j < len(s) && s[j] == '=' {
			return i
		}
		off = i + 2
	}
}

// angleAddress returns the address in a "<addr>" log value; a bare local
// name is kept as written.
func angleAddress(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
	if a := cleanAddress(v); a != "" {
		return a
	}
	return strings.ToLower(v)
}

// relayHost returns the host name of a relay value: "mx.example.org[192.0.2.1]:25",
// "mx.example.org. [192.0.2.1]", "[192.0.2.1]"; "" for none and local
// delivery.
func relayHost(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || v == "none" || v == "local" || v == "virtual" {
		return ""
	}
	if i := strings.IndexAny(v, "[ "); i > 0 {
		v = v[:i]
	} else if i == 0 {
		v = strings.Trim(strings.Fields(v)[0], "[]")
		if j := strings.LastIndex(v, "]:"); j >= 0 {
			v = v[:j]
		}
	}
	return strings.ToLower(strings.TrimSuffix(v, "."))
}
