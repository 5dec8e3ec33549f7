package smtpprobe_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

const namesZone = `
$ORIGIN lab.test.
@       IN SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 60
@       IN NS  ns.lab.test.
mx      IN A   127.0.0.1
alias   IN A   127.0.0.1
other   IN A   127.0.0.9
$ORIGIN 127.in-addr.arpa.
@       IN SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 60
@       IN NS  ns.lab.test.
`

// TestNameChecks compares the announced name with reverse DNS (seed 004)
// and with the name we connected to.
func TestNameChecks(t *testing.T) {
	tests := []struct {
		name       string
		ptr        string // PTR of 127.0.0.1, "" for none
		servfail   bool
		connected  string
		want       report.Severity
		incomplete bool
		msg        string
	}{
		{name: "PTR matches and resolves back", ptr: "mx.lab.test.", connected: "mx.lab.test", want: report.OK, msg: "matches the reverse DNS"},
		{name: "reached under an alias", ptr: "mx.lab.test.", connected: "alias.lab.test", want: report.Info, msg: "as alias.lab.test"},
		{name: "PTR names another host", ptr: "dsl-1.pool.isp.example.", connected: "mx.lab.test", want: report.Warning, msg: "reverse-resolves to dsl-1.pool.isp.example"},
		{name: "no PTR", connected: "mx.lab.test", want: report.Warning, msg: "no reverse DNS"},
		{name: "PTR does not resolve back", ptr: "other.lab.test.", connected: "mx.lab.test", want: report.Warning, msg: "reverse-resolves"},
		{name: "reverse lookup fails", servfail: true, connected: "mx.lab.test", want: report.Info, incomplete: true, msg: "could not look up"},
	}
	addr := startServer(t, labsmtp.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zone := namesZone
			if tt.ptr != "" {
				zone += "1.0.0 IN PTR " + tt.ptr + "\n"
			}
			var opts []authdns.Option
			if tt.servfail {
				opts = append(opts, authdns.WithRule("1.0.0.127.in-addr.arpa.", authdns.Rule{Rcode: dns.RcodeServerFailure}))
			}
			srv, err := authdns.Start("127.0.0.1:0", zone, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			r, err := resolver.New(resolver.Config{Servers: []string{srv.Addr}, Timeout: time.Second, Retries: 0})
			if err != nil {
				t.Fatal(err)
			}
			o := baseOptions(nil)
			o.Resolver, o.StartTLS = r, smtpprobe.TLSNever
			res := smtpprobe.Probe(context.Background(), addr, tt.connected, o)
			f := findingsWith(res, "smtp.ehlo_name")
			if len(f) != 1 || f[0].Severity != tt.want || f[0].Incomplete != tt.incomplete || !strings.Contains(f[0].Message, tt.msg) {
				t.Fatalf("got %+v; want %s incomplete=%v containing %q", f, tt.want, tt.incomplete, tt.msg)
			}
			if res.Names == nil || res.Names.Banner != testHost {
				t.Errorf("names = %+v", res.Names)
			}
		})
	}
}

func TestExpectations(t *testing.T) {
	ca := newCA(t)
	good := startServer(t, goodConfig(t, ca))
	authFirst := func() string {
		c := goodConfig(t, ca)
		c.AuthBeforeTLS = true
		return startServer(t, c)
	}()
	must := func(x smtpprobe.Expectation, err error) smtpprobe.Expectation {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	ext := func(k smtpprobe.ExpectKind, arg string) smtpprobe.Expectation {
		return smtpprobe.Expectation{Kind: k, Arg: arg}
	}
	tests := []struct {
		name string
		addr string
		x    smtpprobe.Expectation
		to   string
		pass bool
		got  string
	}{
		{"ext offered", good, ext(smtpprobe.ExpectExt, "STARTTLS"), "", true, "offered"},
		{"ext missing", good, ext(smtpprobe.ExpectExt, "XCLIENT"), "", false, "not offered (offers PIPELINING"},
		{"auth offered after TLS", good, ext(smtpprobe.ExpectAuth, "PLAIN"), "", true, "AUTH PLAIN LOGIN"},
		{"auth not offered", good, ext(smtpprobe.ExpectAuth, "CRAM-MD5"), "", false, "AUTH PLAIN LOGIN"},
		{"no auth before TLS", good, ext(smtpprobe.ExpectNoAuthBeforeTLS, ""), "", true, "AUTH (none)"},
		{"auth before TLS", authFirst, ext(smtpprobe.ExpectNoAuthBeforeTLS, ""), "", false, "AUTH PLAIN LOGIN"},
		{"rcpt accepted", good, must(smtpprobe.ParseExpectCode("rcpt=250")), "a@lab.test", true, "250"},
		{"rcpt class", good, must(smtpprobe.ParseExpectCode("rcpt=2xx")), "a@lab.test", true, "250"},
		{"rcpt refused", good, must(smtpprobe.ParseExpectCode("rcpt=250")), "a@elsewhere.example", false, "554 5.7.1"},
		{"rcpt refused as expected", good, must(smtpprobe.ParseExpectCode("rcpt=5xx")), "a@elsewhere.example", true, "554"},
		{"step not reached", good, must(smtpprobe.ParseExpectCode("data=250")), "a@lab.test", false, "not reached"},
		{"banner", good, must(smtpprobe.ParseExpectCode("banner=220")), "", true, "220"},
		{"starttls", good, must(smtpprobe.ParseExpectCode("starttls=220")), "", true, "220"},
		{"TLS 1.2 or newer", good, must(smtpprobe.ParseTLSVersion("1.2+")), "", true, "TLS 1.3"},
		{"exactly TLS 1.2", good, must(smtpprobe.ParseTLSVersion("TLS1.2")), "", false, "TLS 1.3"},
		{"certificate days", good, must(smtpprobe.ParseCertDays("30")), "", true, "days left"},
		{"certificate days too few", good, must(smtpprobe.ParseCertDays("400")), "", false, "days left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := baseOptions(ca)
			o.Expect = []smtpprobe.Expectation{tt.x}
			if tt.to != "" {
				o.To = []string{tt.to}
			}
			res := smtpprobe.Probe(context.Background(), tt.addr, testHost, o)
			if len(res.Expectations) != 1 {
				t.Fatalf("expectations %+v", res.Expectations)
			}
			x := res.Expectations[0]
			if x.Pass != tt.pass || !strings.Contains(x.Got, tt.got) {
				t.Errorf("%+v: want pass=%v, got containing %q", x, tt.pass, tt.got)
			}
			f := findingsWith(res, "smtp.expectation")
			want := report.OK
			if !tt.pass {
				want = report.Error
			}
			if len(f) != 1 || f[0].Severity != want {
				t.Errorf("finding %+v, want %s", f, want)
			}
		})
	}
}

// TestSecretsRedacted renders every output format and looks for the
// password in every form it could take on the wire.
func TestSecretsRedacted(t *testing.T) {
	ca := newCA(t)
	c := goodConfig(t, ca)
	c.AuthBeforeTLS = true
	addr := startServer(t, c)
	// A server that echoes the credentials back in its reply.
	echo := fakeServer(t, "220 fake.lab.test ESMTP\r\n", "250-fake.lab.test\r\n250 AUTH PLAIN\r\n",
		"535 5.7.8 authentication failed for "+testPass+"\r\n")
	plainBlob := base64.StdEncoding.EncodeToString([]byte("\x00" + testUser + "\x00" + testPass))
	forms := []string{testPass, base64.StdEncoding.EncodeToString([]byte(testPass)), plainBlob}
	for _, tt := range []struct {
		name, addr, mech string
		insecure         bool
	}{
		{"PLAIN after STARTTLS", addr, "PLAIN", false},
		{"LOGIN after STARTTLS", addr, "LOGIN", false},
		{"PLAIN in clear text", addr, "PLAIN", true},
		{"server echoes the password", echo, "PLAIN", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOptions(ca)
			o.User, o.Password, o.AuthMech, o.InsecureAuth = testUser, testPass, tt.mech, tt.insecure
			if tt.insecure {
				o.StartTLS = smtpprobe.TLSNever
			}
			res := smtpprobe.Probe(context.Background(), tt.addr, testHost, o)
			if res.Auth == nil || res.Auth.Skipped != "" {
				t.Fatalf("auth did not run: %+v", res.Auth)
			}
			rep := &report.Report{Command: "smtp", Sections: res.Sections(true), Findings: res.Findings, Data: res}
			for _, format := range []report.Format{report.FormatText, report.FormatJSON, report.FormatMarkdown} {
				var buf bytes.Buffer
				if err := report.Write(&buf, rep, format, report.Options{Verbose: true}); err != nil {
					t.Fatal(err)
				}
				for _, secret := range forms {
					if strings.Contains(buf.String(), secret) {
						t.Errorf("%s output contains %q:\n%s", format, secret, buf.String())
					}
				}
				if !strings.Contains(buf.String(), "(redacted)") {
					t.Errorf("%s output shows no redaction mark", format)
				}
			}
		})
	}
	t.Run("show secrets", func(t *testing.T) {
		o := baseOptions(ca)
		o.User, o.Password, o.ShowSecrets = testUser, testPass, true
		res := smtpprobe.Probe(context.Background(), addr, testHost, o)
		if !strings.Contains(strings.Join(res.TranscriptLines(false), "\n"), plainBlob) {
			t.Error("--show-secrets still redacts the AUTH exchange")
		}
	})
}

// The transcript is shown unasked only when it explains something that
// broke: errors and unfinished checks, not warnings or notes.
func TestTranscriptShownOnlyOnFailure(t *testing.T) {
	tests := []struct {
		name    string
		finding report.Finding
		shown   bool
	}{
		{"info", report.Finding{ID: "smtp.size", Severity: report.Info}, false},
		{"warning", report.Finding{ID: "smtp.cert_expiry", Severity: report.Warning}, false},
		{"error", report.Finding{ID: "smtp.relay", Severity: report.Error}, true},
		{"incomplete", report.Finding{ID: "smtp.connect", Severity: report.Info, Incomplete: true}, true},
	}
	for _, tt := range tests {
		r := &smtpprobe.Result{Target: "mx.example", Findings: []report.Finding{tt.finding}}
		var transcript *report.Section
		for _, s := range r.Sections(false) {
			if s.Title == "Transcript" {
				transcript = &s
			}
		}
		if transcript == nil {
			t.Fatalf("%s: no transcript section", tt.name)
		}
		if shown := !transcript.Verbose; shown != tt.shown {
			t.Errorf("%s: transcript shown without -v = %v, want %v", tt.name, shown, tt.shown)
		}
	}
}
