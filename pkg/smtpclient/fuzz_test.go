package smtpclient_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

// FuzzParseTLSControls: --tls-min/--tls-max and --tls-ciphers accept only
// what crypto/tls can do; an accepted version parses back from its name.
func FuzzParseTLSControls(f *testing.F) {
	for _, s := range []string{"1.2", "TLS1.3", "tlsv1.0", "TLS 1.1", "1.4", "ssl3",
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "tls_rsa_with_rc4_128_sha, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
		"TLS_AES_128_GCM_SHA256", ",,", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := smtpclient.ParseTLSVersion(s); err == nil {
			if v < 0x0301 || v > 0x0304 {
				t.Fatalf("%q → version %#x", s, v)
			}
		}
		suites, err := smtpclient.ParseCipherSuites(s)
		if err != nil {
			return
		}
		if len(suites) == 0 {
			t.Fatalf("%q: no suites and no error", s)
		}
		seen := map[uint16]bool{}
		for _, id := range suites {
			if seen[id] {
				t.Fatalf("%q: suite %#x twice", s, id)
			}
			seen[id] = true
		}
	})
}

// serverScript is a connection whose peer says data, whatever the client
// sends: a server nobody vetted.
type serverScript struct{ r *bytes.Reader }

func (c serverScript) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c serverScript) Write(b []byte) (int, error) { return len(b), nil }
func (c serverScript) Close() error                { return nil }
func (c serverScript) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (c serverScript) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 25}
}
func (c serverScript) SetDeadline(time.Time) error      { return nil }
func (c serverScript) SetReadDeadline(time.Time) error  { return nil }
func (c serverScript) SetWriteDeadline(time.Time) error { return nil }

// FuzzServerReplies plays any byte stream as the server of a whole
// session (banner, EHLO, AUTH LOGIN, MAIL, RCPT, QUIT): the client never
// panics, every reply it accepts is well-formed and within the line and
// size limits, and the password never reaches the transcript in any form,
// even when the server quotes it back.
func FuzzServerReplies(f *testing.F) {
	const pass = "hunter2-Secret!"
	b64 := base64.StdEncoding.EncodeToString([]byte(pass))
	for _, s := range []string{
		"220 mx.example ESMTP\r\n250-mx.example\r\n250-AUTH LOGIN PLAIN\r\n250 8BITMIME\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n250 ok\r\n250 ok\r\n221 bye\r\n",
		"220 x\r\n250 x\r\n" + strings.Repeat("334 UGFzc3dvcmQ6\r\n", 20),
		"220 x\r\n250 x\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n535 5.7.8 you sent " + b64 + " and " + pass + "\r\n",
		"220-a\r\n221 b\r\n", "220 \xff\x1b[2J\r\n", "999 x\r\n", "22", "220-" + strings.Repeat("a", 300) + "\r\n",
		strings.Repeat("220-x\r\n", 40) + "220 x\r\n", "220 x\n250 x\n334 !!!\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		red := smtpclient.NewRedactor()
		red.Add(pass)
		opts := smtpclient.Options{MaxLineLength: 256, MaxReplyLines: 16, ReplyTimeout: time.Second, Redactor: red}
		ctx := context.Background()
		check := func(step string, r *smtpclient.Reply, err error) {
			if err != nil || r == nil {
				return
			}
			if r.Code < 200 || r.Code > 599 || len(r.Lines) == 0 || len(r.Lines) > opts.MaxReplyLines {
				t.Fatalf("%s: accepted reply %d with %d lines", step, r.Code, len(r.Lines))
			}
			for _, l := range r.Lines {
				if len(l) > opts.MaxLineLength {
					t.Fatalf("%s: reply line of %d bytes", step, len(l))
				}
			}
		}
		c, err := smtpclient.NewClient(ctx, serverScript{bytes.NewReader(data)}, opts)
		if c == nil {
			return
		}
		check("banner", c.Banner, err)
		r, err := c.Hello(ctx)
		check("EHLO", r, err)
		r, err = c.Auth(ctx, smtpclient.NewLoginClient("alice", pass))
		check("AUTH", r, err)
		r, err = c.Mail(ctx, "alice@example.org", "")
		check("MAIL", r, err)
		r, err = c.Rcpt(ctx, "bob@example.net", "")
		check("RCPT", r, err)
		r, err = c.Quit(ctx)
		check("QUIT", r, err)
		for _, l := range c.Transcript().Lines() {
			if strings.Contains(l.Text, pass) || strings.Contains(l.Text, b64) {
				t.Fatalf("transcript line %q holds the password", l.Text)
			}
		}
	})
}
