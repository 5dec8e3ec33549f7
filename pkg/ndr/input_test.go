package ndr

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

// postfixBounce is a plain-text Postfix bounce (bounce(5)'s default
// template, no MIME) listing n recipients, each with the two-line reason
// smtp(8) writes for a refusal at RCPT.
func postfixBounce(n int) string {
	var b strings.Builder
	b.WriteString("From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\nTo: sender@example.net\n" +
		"Subject: Undelivered Mail Returned to Sender\n\n" +
		"This is the mail system at host mx.example.net.\n\n" +
		"I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "<user%d@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1\n"+
			"    <user%d@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO\n    command)\n\n", i, i)
	}
	return b.String()
}

// TestParseReadsToTheEnd: a long text bounce is read to its end, every
// recipient found, and nothing reported cut.
func TestParseReadsToTheEnd(t *testing.T) {
	const n = 16000
	data := postfixBounce(n)
	if len(data) < 2<<20 {
		t.Fatalf("test bounce of %d bytes is too small to pass the old 1 MiB scan limit", len(data))
	}
	for _, tt := range []struct {
		name string
		r    io.Reader
	}{
		{"in memory", strings.NewReader(data)},
		{"one byte at a time", iotest.OneByteReader(strings.NewReader(data))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := ParseReader(tt.r, "big.eml", Options{})
			if len(res.Recipients) != n || len(res.Truncated) != 0 {
				t.Fatalf("%d recipients, truncated %+v; want %d and nothing cut", len(res.Recipients), res.Truncated, n)
			}
			last := res.Recipients[n-1]
			if last.Address != fmt.Sprintf("user%d@example.org", n) || last.Reason != "userunknown" || last.Command != "RCPT" {
				t.Errorf("last recipient %+v", last)
			}
		})
	}
}

// TestParseInputLimit: past MaxInput the result says how much was not
// read, exactly, and the recipients come from what was read.
func TestParseInputLimit(t *testing.T) {
	data := postfixBounce(2000)
	const limit = 64 << 10
	res := ParseReader(strings.NewReader(data), "big.eml", Options{MaxInput: limit})
	want := Truncation{Limit: "input", Max: limit, UnreadBytes: int64(len(data) - limit)}
	if len(res.Truncated) != 1 || res.Truncated[0] != want {
		t.Fatalf("truncated %+v, want %+v", res.Truncated, want)
	}
	if n := len(res.Recipients); n == 0 || n >= 2000 {
		t.Errorf("%d recipients from the first %d bytes", n, limit)
	}

	// An endless input is counted up to the drain bound and said to go on.
	endless := io.MultiReader(strings.NewReader(data[:limit]), zeros{})
	res = ParseReader(endless, "-", Options{MaxInput: limit})
	if len(res.Truncated) != 1 || !res.Truncated[0].AtLeast || res.Truncated[0].UnreadBytes != maxDrain {
		t.Errorf("endless input: truncated %+v", res.Truncated)
	}
}

// zeros is an endless reader of spaces.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestParseMIMELimits: a MIME structure over the part limit is reported
// with what was left unread.
func TestParseMIMELimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n")
	b.WriteString("--b\nContent-Type: text/plain\n\n<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 unknown user (in reply to RCPT TO command)\n")
	for i := 0; i < maxParts+10; i++ {
		b.WriteString("--b\nContent-Type: application/octet-stream\n\n" + strings.Repeat("x", 1000) + "\n")
	}
	b.WriteString("--b--\n")
	res := Parse([]byte(b.String()), "parts.eml")
	if len(res.Recipients) != 1 || len(res.Truncated) != 1 || res.Truncated[0].Limit != "mime_parts" || res.Truncated[0].Max != maxParts || res.Truncated[0].UnreadBytes < 5000 || !res.Truncated[0].AtLeast {
		t.Fatalf("kind %s, %d recipients, truncated %+v", res.Kind, len(res.Recipients), res.Truncated)
	}
}

// TestParseBigAttachment: a bounce returning a large original is read
// without holding the attachment: the report, the delivery-status part
// and the returned header are what counts, and nothing is reported cut.
func TestParseBigAttachment(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\n\n" +
		"--B1\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n\n" +
		"<bob@example.org>: host mx.example.org[192.0.2.1] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command)\n\n" +
		"--B1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.2.2\n\n" +
		"--B1\nContent-Type: message/rfc822\n\nFrom: sender@example.net\nTo: bob@example.org\nSubject: big\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n")
	line := strings.Repeat("QUJD", 19) + "\n"
	for b.Len() < maxReturnedBytes+(1<<20) {
		b.WriteString(line)
	}
	b.WriteString("--B1--\n")
	res := ParseReader(&b, "big.eml", Options{})
	if res.Kind != KindBounce || len(res.Recipients) != 1 || res.Recipients[0].Reason != "mailboxfull" || len(res.Truncated) != 0 {
		t.Fatalf("got %s %+v, truncated %+v", res.Kind, res.Recipients, res.Truncated)
	}
	if res.Original == nil || res.Original.Subject != "big" {
		t.Errorf("original %+v", res.Original)
	}
}

// TestReplyInput: a reply line read from a file or standard input gives
// the same answer as the same line given as an argument.
func TestReplyInput(t *testing.T) {
	for _, line := range []string{
		"550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown",
		"550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown\n",
		"#554 5.4.4 SMTPSEND.DNS.MxLoopback; DNS records for this domain are configured in a loop ##",
		"550-5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized\r\n550 5.7.1 to send email directly to our servers.\r\n",
		"5.2.2",
	} {
		arg, ok := ParseCode(line)
		if !ok {
			t.Fatalf("%q: not a code", line)
		}
		got := Parse([]byte(line), "-")
		if got.Kind != KindCode || got.Source != "-" || len(got.Recipients) != 1 {
			t.Errorf("%q: kind %s source %q", line, got.Kind, got.Source)
			continue
		}
		if g, w := got.Recipients[0], arg.Recipients[0]; g.Status != w.Status || g.ReplyCode != w.ReplyCode || g.Reason != w.Reason || g.HardBounce != w.HardBounce {
			t.Errorf("%q: from input %+v, as argument %+v", line, g, w)
		}
	}
	// Text that merely starts with a code is still read as a report.
	if got := Parse([]byte("550 5.1.1 user unknown\nThe message could not be delivered.\n"), "-"); got.Kind == KindCode {
		t.Errorf("two unrelated lines read as one reply")
	}
}

// TestToLF: line ends are normalised across read boundaries, including a
// CR at the end of one read and its LF at the start of the next.
func TestToLF(t *testing.T) {
	in := "a\r\nb\rc\n\r\n\r"
	for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in)), iotest.HalfReader(strings.NewReader(in))} {
		got, err := io.ReadAll(&lfReader{r: r})
		if err != nil || string(got) != "a\nb\nc\n\n\n" {
			t.Errorf("got %q, %v", got, err)
		}
	}
}

// TestReadText: text of unknown size is read whole however it arrives.
func TestReadText(t *testing.T) {
	for _, n := range []int{0, 10, 64 << 10, 64<<10 + 1, 3 << 20} {
		want := strings.Repeat("x", n)
		for _, hint := range []int64{0, int64(n)} {
			got, err := readText(iotest.HalfReader(strings.NewReader(want)), hint)
			if err != nil || got != want {
				t.Errorf("n=%d hint=%d: got %d bytes, %v", n, hint, len(got), err)
			}
		}
	}
}

// TestParseMboxMessageLimit: an mbox message over the limit is read up to
// it and the rest is counted.
func TestParseMboxMessageLimit(t *testing.T) {
	big := postfixBounce(3000)
	mbox := buildMbox([]string{postfixBounce(1), big, postfixBounce(2)})
	var got []Result
	err := splitMbox(strings.NewReader(mbox), 64<<10, func(m mboxMessage) bool {
		got = append(got, parseMboxMessage(m, "box", 64<<10))
		return true
	})
	if err != nil || len(got) != 3 {
		t.Fatalf("%d results, %v", len(got), err)
	}
	// The mbox keeps whole lines: what was not kept is the message less
	// the limit, and at most the line that would have crossed it.
	over := int64(len(big)) + 1 - 64<<10
	if tr := got[1].Truncated; len(tr) != 1 || tr[0].Limit != "input" || tr[0].UnreadBytes < over || tr[0].UnreadBytes > over+100 {
		t.Errorf("big message: truncated %+v (message of %d bytes)", tr, len(big))
	}
	if len(got[0].Truncated)+len(got[2].Truncated) != 0 || len(got[2].Recipients) != 2 {
		t.Errorf("small messages: %+v / %+v", got[0], got[2])
	}
}

// TestDiagnosticCutVisibly: a diagnostic longer than the bound is cut on a
// character boundary and ends with an ellipsis, so the cut shows.
func TestDiagnosticCutVisibly(t *testing.T) {
	long := strings.Repeat("é", maxDiagnostic)
	got := joinLines([]string{"550 5.1.1 no such user", long})
	if !strings.HasSuffix(got, "…") || len(got) > maxDiagnostic+len("…") || !utf8.ValidString(got) {
		t.Errorf("cut diagnostic of %d bytes, valid UTF-8 %v, ends %q", len(got), utf8.ValidString(got), got[len(got)-8:])
	}
	if short := joinLines([]string{"550 5.1.1", "no such user"}); short != "550 5.1.1 no such user" {
		t.Errorf("short diagnostic %q", short)
	}
	blocks := parseFieldBlocks("Final-Recipient: rfc822; a@example.org\nDiagnostic-Code: smtp; 550\n"+strings.Repeat(" more text\n", maxFieldValue/5), false)
	if v := blocks[0].get("diagnostic-code"); !strings.HasSuffix(v, " …") || len(v) > maxFieldValue+20 {
		t.Errorf("long field: %d bytes, ends %q", len(v), v[len(v)-10:])
	}
}

// FuzzParseReaderLimit: whatever the input and the limit, the result
// says exactly how much was left unread, and nothing when all was read.
func FuzzParseReaderLimit(f *testing.F) {
	f.Add([]byte(postfixBounce(3)), uint16(100))
	f.Add([]byte(mustRead("testdata/corpus/lhost-exim-05.eml")), uint16(2000))
	f.Add([]byte("550 5.1.1 <bob@example.com>: unknown\r\n"), uint16(10))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		max := int64(limit) + 1
		res := ParseReader(bytes.NewReader(data), "f", Options{MaxInput: max})
		var unread int64
		for _, tr := range res.Truncated {
			if tr.Limit == "input" {
				unread = tr.UnreadBytes
				if tr.Max != max || tr.AtLeast {
					t.Fatalf("input truncation %+v with limit %d", tr, max)
				}
			}
		}
		if want := max64(int64(len(data))-max, 0); unread != want {
			t.Fatalf("%d bytes, limit %d: %d reported unread, want %d", len(data), max, unread, want)
		}
		if res.Kind == "" {
			t.Fatal("result without a kind")
		}
	})
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// TestParseUTF16: a bounce saved as UTF-16 (PowerShell's > and Out-File,
// Notepad's "Unicode") reads like the same text in UTF-8; an Outlook .msg
// is refused with what to do instead.
func TestParseUTF16(t *testing.T) {
	text := "Delivery has failed to these recipients or groups:\r\n\r\nbjörn@example.org\r\n" +
		"The email address you entered couldn't be found.\r\n\r\nDiagnostic information for administrators:\r\n\r\n" +
		"Generating server: mx.contoso.example\r\n\r\nbjörn@example.org\r\n" +
		"Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'\r\n"
	want := Parse([]byte(text), "ndr.txt")
	if len(want.Recipients) != 1 || want.Recipients[0].Address != "björn@example.org" {
		t.Fatalf("UTF-8 text: %+v", want.Recipients)
	}
	for _, tt := range []struct {
		name  string
		order unicode.Endianness
		bom   unicode.BOMPolicy
	}{
		{"UTF-16LE with its mark", unicode.LittleEndian, unicode.UseBOM},
		{"UTF-16BE with its mark", unicode.BigEndian, unicode.UseBOM},
		{"UTF-16LE without a mark", unicode.LittleEndian, unicode.IgnoreBOM},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data, err := unicode.UTF16(tt.order, tt.bom).NewEncoder().String(text)
			if err != nil {
				t.Fatal(err)
			}
			got := ParseReader(iotest.OneByteReader(strings.NewReader(data)), "ndr.txt", Options{SizeHint: int64(len(data))})
			if got.Kind != want.Kind || got.Layout != want.Layout || !reflect.DeepEqual(got.Recipients, want.Recipients) {
				t.Errorf("got %s %s %+v\nwant %s %s %+v", got.Kind, got.Layout, got.Recipients, want.Kind, want.Layout, want.Recipients)
			}
		})
	}

	msg := Parse(append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...), "bounce.msg")
	if msg.Kind != KindUnparsed || !strings.Contains(msg.Error, "Outlook .msg") {
		t.Errorf(".msg: %s %q", msg.Kind, msg.Error)
	}
}
