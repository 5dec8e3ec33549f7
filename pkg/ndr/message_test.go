package ndr

import (
	"encoding/base64"
	"os"
	"strings"
	"testing"
)

func TestParseDSNFields(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		strict bool
		want   []map[string]string
	}{
		{
			name: "folded and blocks",
			text: "Reporting-MTA: dns; a.example\n\nFinal-Recipient: rfc822; x@y.example\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1\n  no such user\n",
			want: []map[string]string{
				{"reporting-mta": "dns; a.example"},
				{"final-recipient": "rfc822; x@y.example", "status": "5.1.1", "diagnostic-code": "smtp; 550 5.1.1 no such user"},
			},
		},
		{
			name: "unindented continuation kept in lenient mode",
			text: "Final-Recipient: rfc822; x@y.example\nDiagnostic-Code: smtp; 550-first line\n550 relay through this server without authentication.\nStatus: 5.0.0\n",
			want: []map[string]string{
				{"final-recipient": "rfc822; x@y.example", "diagnostic-code": "smtp; 550-first line 550 relay through this server without authentication.", "status": "5.0.0"},
			},
		},
		{
			name:   "prose ends a block in strict mode",
			text:   "Technical report:\nFinal-Recipient: rfc822; x@y.example\nStatus: 5.3.5\nThis sentence is not a field.\nAction: failed\n",
			strict: true,
			want: []map[string]string{
				{"final-recipient": "rfc822; x@y.example", "status": "5.3.5"},
				{"action": "failed"},
			},
		},
		{
			name: "first occurrence wins",
			text: "Status: 5.1.1\nStatus: 4.0.0\n",
			want: []map[string]string{{"status": "5.1.1"}},
		},
		{name: "empty", text: "\n\n", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseFieldBlocks(tt.text, tt.strict)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d blocks %v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				for k, v := range tt.want[i] {
					if got[i][k] != v {
						t.Errorf("block %d field %s = %q, want %q", i, k, got[i][k], v)
					}
				}
				if len(got[i]) != len(tt.want[i]) {
					t.Errorf("block %d has fields %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func FuzzParseDSN(f *testing.F) {
	seed, _ := os.ReadFile("testdata/dsn-fields.txt")
	f.Add(string(seed), false)
	f.Add("Final-Recipient: rfc822;|/bin/x a@b\n\tX\nStatus: 5.0.0 (x)\n", true)
	f.Fuzz(func(t *testing.T, text string, strict bool) {
		for _, b := range parseDSN(text, strict).recipients {
			for k, v := range b {
				if len(v) > maxFieldValue+len(text) {
					t.Fatalf("field %s grew to %d bytes", k, len(v))
				}
			}
		}
	})
}

// one is the single recipient of a parsed input.
func one(t *testing.T, r Result) Recipient {
	t.Helper()
	if len(r.Recipients) != 1 {
		t.Fatalf("%s: %d recipients (%s %s), want 1", r.Source, len(r.Recipients), r.Kind, r.Error)
	}
	return r.Recipients[0]
}

func TestPastedExchangeNDR(t *testing.T) {
	data, err := os.ReadFile("testdata/exchange-mxloopback.txt")
	if err != nil {
		t.Fatal(err)
	}
	r := Parse(data, "pasted")
	if r.Kind != KindBounce || r.Layout != "exchange2007" {
		t.Fatalf("kind %s layout %q, want bounce from exchange2007", r.Kind, r.Layout)
	}
	rc := one(t, r)
	if rc.Address != "alice@tenant2.example" || rc.Status != "5.4.4" || rc.ReplyCode != 554 || rc.Reason != "systemerror" {
		t.Errorf("got %+v", rc)
	}
	Annotate(&r)
	x := r.Recipients[0].Explanation
	if x == nil || !strings.Contains(x.Title, "MX") || len(x.Checks) == 0 {
		t.Errorf("explanation does not name the MX loop: %+v", x)
	}
}

// bounceMIME is a minimal RFC 3464 report, assembled per test case.
const bounceMIME = `From: MAILER-DAEMON@mx.example.net
To: sender@example.net
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain; charset=%CHARSET%
Content-Transfer-Encoding: %CTE%

%TEXT%
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; bob@example.org
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 Mailbox full

--B
Content-Type: text/rfc822-headers

From: sender@example.net
To: bob@example.org
Subject: Hello
Message-ID: <m1@example.net>

--B--
`

func buildBounce(charset, cte, text string) string {
	r := strings.NewReplacer("%CHARSET%", charset, "%CTE%", cte, "%TEXT%", text)
	return r.Replace(bounceMIME)
}

func TestParseEncodingsAndLineEndings(t *testing.T) {
	latin1 := "Die Nachricht an bob@example.org war unzustellbar: Postfach voll (M\xfcller)."
	tests := []struct {
		name string
		data string
	}{
		{"plain LF", buildBounce("us-ascii", "7bit", "The mail system could not deliver to bob@example.org.")},
		{"quoted-printable iso-8859-1", buildBounce("iso-8859-1", "quoted-printable", "Die Nachricht an bob@example.org war unzustellbar: Postfach voll (M=FCller).")},
		{"raw iso-8859-1", buildBounce("iso-8859-1", "8bit", latin1)},
		{"base64 utf-8", buildBounce("utf-8", "base64", base64.StdEncoding.EncodeToString([]byte("Доставка не удалась: bob@example.org")))},
		{"iso-2022-jp", buildBounce("iso-2022-jp", "7bit", "\x1b$B%a!<%k\x1b(B bob@example.org")},
		{"unknown charset", buildBounce("x-unknown-42", "7bit", "bob@example.org: mailbox full")},
	}
	for _, tt := range tests {
		for _, nl := range []string{"\n", "\r\n", "\r"} {
			data := strings.ReplaceAll(tt.data, "\n", nl)
			r := Parse([]byte(data), tt.name)
			rc := one(t, r)
			if rc.Address != "bob@example.org" || rc.Status != "5.2.2" || rc.ReplyCode != 552 || rc.Reason != "mailboxfull" {
				t.Errorf("%s (newline %q): got %+v", tt.name, nl, rc)
			}
			if r.Original == nil || r.Original.Subject != "Hello" || r.Original.MessageID != "<m1@example.net>" {
				t.Errorf("%s (newline %q): original headers %+v", tt.name, nl, r.Original)
			}
		}
	}
}

func TestParseDegradedInput(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		kind   Kind
		reason string
	}{
		{
			name:   "no MIME headers, qmail text",
			data:   "From: MAILER-DAEMON@q.example\nSubject: failure notice\n\nHi. This is the qmail-send program at q.example.\n\n<carol@example.com>:\n192.0.2.1 does not like recipient.\nRemote host said: 550 5.1.1 <carol@example.com>... User Unknown\n\n--- Below this line is a copy of the message.\n",
			kind:   KindBounce,
			reason: "userunknown",
		},
		{
			name:   "missing closing boundary",
			data:   strings.TrimSuffix(buildBounce("us-ascii", "7bit", "x"), "--B--\n"),
			kind:   KindBounce,
			reason: "mailboxfull",
		},
		{
			name:   "boundary never appears",
			data:   "From: MAILER-DAEMON@x.example\nContent-Type: multipart/report; boundary=\"nope\"\n\nFinal-Recipient: rfc822; dan@example.com\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 no such user\n",
			kind:   KindBounce,
			reason: "userunknown",
		},
		{
			name:   "pasted delivery-status fields",
			data:   mustRead("testdata/dsn-fields.txt"),
			kind:   KindBounce,
			reason: "mailboxfull",
		},
		{name: "plain message", data: "From: a@example.com\nTo: b@example.com\nSubject: lunch?\n\nSee you at noon.\n", kind: KindNotBounce},
		{name: "empty", data: "\n\n", kind: KindUnparsed},
		{name: "binary", data: "\x00\x01\x02PNG", kind: KindUnparsed},
		{name: "vacation", data: "From: Erin <erin@example.com>\nTo: x@example.net\nSubject: Automatic reply: hello\nAuto-Submitted: auto-replied\n\nI am out of the office until Monday.\n", kind: KindAutoReply, reason: "vacation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse([]byte(tt.data), tt.name)
			if r.Kind != tt.kind {
				t.Fatalf("kind %s (%s), want %s", r.Kind, r.Error, tt.kind)
			}
			if tt.reason != "" && one(t, r).Reason != tt.reason {
				t.Errorf("reason %q, want %q", r.Recipients[0].Reason, tt.reason)
			}
			if r.Kind == KindUnparsed && r.Error == "" {
				t.Error("unparsed result without a reason")
			}
		})
	}
}

func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// FuzzParse feeds arbitrary messages through the whole pipeline: MIME walk,
// delivery-status parser, text scanner and classifier.
func FuzzParse(f *testing.F) {
	f.Add([]byte(buildBounce("us-ascii", "7bit", "x")))
	f.Add([]byte(mustRead("testdata/exchange-mxloopback.txt")))
	f.Add([]byte(mustRead("testdata/corpus/lhost-exim-05.eml")))
	f.Add([]byte(mustRead("testdata/corpus/lhost-sendmail-14.eml")))
	for _, name := range []string{"exchange2003-01.eml", "groupwise-01.eml", "gmx-01.eml", "ja-iso2022jp-01.eml",
		"sendgrid-01.json", "mailgun-01.json", "postmark-01.json", "sparkpost-01.json", "amazonses-sns-01.json", "fml-01.eml"} {
		f.Add([]byte(mustRead("testdata/constructed/" + name)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := Parse(data, "fuzz")
		if r.Kind == "" {
			t.Fatal("result without a kind")
		}
		for _, rc := range r.Recipients {
			if rc.Reason == "" {
				t.Fatalf("recipient %q without a reason", rc.Address)
			}
			if len(rc.Diagnostic) > 2*maxFieldValue {
				t.Fatalf("diagnostic of %d bytes", len(rc.Diagnostic))
			}
		}
	})
}

// FuzzScanText exercises the recipient scanner on its own.
func FuzzScanText(f *testing.F) {
	f.Add("<a@b.example>: host x[192.0.2.1] said: 550 5.1.1 no (in reply to RCPT TO command)\n")
	f.Add("  a@b.example\n    SMTP error from remote mail server after RCPT TO:<a@b.example>:\n    550 no\n")
	f.Add(">>> DATA\n<<< 550 5.2.1 <a@b.example>... User Unknown\n")
	f.Fuzz(func(t *testing.T, text string) {
		for _, r := range scanText(text) {
			if r.addr == "" {
				t.Fatal("recipient without an address")
			}
		}
	})
}
