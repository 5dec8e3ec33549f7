package smtpprobe_test

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// absent marks a case where the finding must not be reported at all.
const absent report.Severity = -1

func TestFindings(t *testing.T) {
	ca := newCA(t)
	otherCA := newCA(t)
	good := func(t *testing.T) labsmtp.Config { return goodConfig(t, ca) }
	withTLS := func(leaf certgen.Leaf, issuer *certgen.CA, maxVersion uint16) func(t *testing.T) labsmtp.Config {
		return func(t *testing.T) labsmtp.Config {
			c := goodConfig(t, ca)
			c.TLS = serverTLS(t, issuer, leaf, maxVersion)
			return c
		}
	}
	change := func(f func(c *labsmtp.Config)) func(t *testing.T) labsmtp.Config {
		return func(t *testing.T) labsmtp.Config {
			c := goodConfig(t, ca)
			f(&c)
			return c
		}
	}
	auth := func(o *smtpprobe.Options) { o.User, o.Password = testUser, testPass }
	tests := []struct {
		name   string
		server func(t *testing.T) labsmtp.Config
		host   string // server name; "-" for a bare IP
		opts   func(o *smtpprobe.Options)
		id     string
		want   report.Severity
		msg    string
	}{
		{name: "greeting 220", server: good, id: "smtp.banner", want: report.OK},
		{name: "STARTTLS offered", server: good, id: "smtp.starttls", want: report.OK},
		{name: "STARTTLS missing", server: change(func(c *labsmtp.Config) { c.TLS = nil }), id: "smtp.starttls", want: report.Warning},
		{name: "STARTTLS missing but required", server: change(func(c *labsmtp.Config) { c.TLS = nil }),
			opts: func(o *smtpprobe.Options) { o.StartTLS = smtpprobe.TLSRequire }, id: "smtp.starttls", want: report.Error},
		{name: "LMTP without STARTTLS", server: change(func(c *labsmtp.Config) { c.TLS, c.LMTP = nil, true }),
			opts: func(o *smtpprobe.Options) { o.LMTP = true }, id: "smtp.starttls", want: report.Info},
		{name: "no AUTH before TLS", server: good, id: "smtp.auth_tls_only", want: report.OK},
		{name: "PLAIN before TLS", server: change(func(c *labsmtp.Config) { c.AuthBeforeTLS = true }), id: "smtp.auth_tls_only", want: report.Error, msg: "PLAIN/LOGIN"},
		{name: "certificate covers the name", server: good, id: "smtp.cert_name", want: report.OK},
		{name: "certificate for another name", server: withTLS(certgen.Leaf{Names: []string{"mail.wrong.example"}}, ca, 0), id: "smtp.cert_name", want: report.Error, msg: "does not cover mx.lab.test"},
		{name: "bare IP cannot be name-checked", server: good, host: "-", id: "smtp.cert_name", want: report.Info},
		{name: "certificate valid for long", server: good, id: "smtp.cert_expiry", want: report.OK},
		{name: "certificate expiring in 5 days", server: withTLS(certgen.Leaf{Valid: 5 * 24 * time.Hour}, ca, 0), id: "smtp.cert_expiry", want: report.Warning, msg: "expires in 4 days"},
		{name: "expired certificate", server: withTLS(certgen.Leaf{Valid: -48 * time.Hour}, ca, 0), id: "smtp.cert_expiry", want: report.Error, msg: "expired 2 days ago"},
		{name: "valid certificate is not expired", server: good, id: "smtp.cert_expiry", want: report.OK},
		{name: "trusted chain", server: good, id: "smtp.cert_trust", want: report.OK},
		{name: "unknown CA", server: withTLS(certgen.Leaf{}, otherCA, 0), id: "smtp.cert_trust", want: report.Error},
		{name: "self-signed", server: withTLS(certgen.Leaf{}, nil, 0), id: "smtp.cert_trust", want: report.Error},
		{name: "trusted is not self-signed", server: good, id: "smtp.cert_trust", want: report.OK},
		{name: "TLS 1.3", server: good, id: "smtp.tls_version", want: report.OK},
		{name: "TLS 1.1 only", server: withTLS(certgen.Leaf{}, ca, tls.VersionTLS11), id: "smtp.tls_version", want: report.Warning, msg: "TLS 1.1"},
		{name: "relay refused", server: good, opts: func(o *smtpprobe.Options) { o.RelayTest = true }, id: "smtp.relay", want: report.OK},
		{name: "open relay", server: change(func(c *labsmtp.Config) { c.OpenRelay = true }), opts: func(o *smtpprobe.Options) { o.RelayTest = true }, id: "smtp.relay", want: report.Error},
		{name: "no relay test, no verdict", server: change(func(c *labsmtp.Config) { c.OpenRelay = true }), id: "smtp.relay", want: absent},
		{name: "recipient accepted", server: good, opts: func(o *smtpprobe.Options) { o.To = []string{"a@lab.test"} }, id: "smtp.rejected", want: absent},
		{name: "recipient rejected with 5.1.1", server: change(func(c *labsmtp.Config) {
			c.RejectRcpt = map[string]*smtp.SMTPError{"nobody@lab.test": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "User unknown"}}
		}), opts: func(o *smtpprobe.Options) { o.To = []string{"nobody@lab.test"} }, id: "smtp.rejected", want: report.Error, msg: "RCPT TO:<nobody@lab.test> was refused: 550 User unknown"},
		{name: "recipient deferred", server: change(func(c *labsmtp.Config) {
			c.RejectRcpt = map[string]*smtp.SMTPError{"later@lab.test": {Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted"}}
		}), opts: func(o *smtpprobe.Options) { o.To = []string{"later@lab.test"} }, id: "smtp.rejected", want: report.Warning, msg: "deferred"},
		{name: "AUTH succeeds after TLS", server: good, opts: auth, id: "smtp.auth", want: report.OK},
		{name: "AUTH with a wrong password", server: good, opts: func(o *smtpprobe.Options) { auth(o); o.Password = "wrong" }, id: "smtp.auth", want: report.Error, msg: "535"},
		{name: "AUTH LOGIN", server: good, opts: func(o *smtpprobe.Options) { auth(o); o.AuthMech = "LOGIN" }, id: "smtp.auth", want: report.OK},
		{name: "AUTH refused over plain text", server: change(func(c *labsmtp.Config) { c.AuthBeforeTLS = true }),
			opts: func(o *smtpprobe.Options) { auth(o); o.StartTLS = smtpprobe.TLSNever }, id: "smtp.auth", want: report.Error, msg: "not encrypted"},
		{name: "AUTH over plain text when insecure is allowed", server: change(func(c *labsmtp.Config) { c.AuthBeforeTLS = true }),
			opts: func(o *smtpprobe.Options) { auth(o); o.StartTLS = smtpprobe.TLSNever; o.InsecureAuth = true }, id: "smtp.auth", want: report.OK},
		{name: "AUTH refused to an unverified certificate", server: withTLS(certgen.Leaf{}, otherCA, 0), opts: auth, id: "smtp.auth", want: report.Error, msg: "did not verify"},
		{name: "AUTH with a mechanism not offered", server: good, opts: func(o *smtpprobe.Options) { auth(o); o.AuthMech = "CRAM-MD5" }, id: "smtp.auth", want: report.Error, msg: "does not offer CRAM-MD5"},
		{name: "SIZE limit", server: good, id: "smtp.size", want: report.Info, msg: "10.0 MiB"},
		{name: "SIZE without a limit", server: change(func(c *labsmtp.Config) { c.MaxSize = 0 }), id: "smtp.size", want: report.Info, msg: "without a fixed limit"},
		{name: "message larger than SIZE", server: good, opts: func(o *smtpprobe.Options) { o.Size = 20 << 20 }, id: "smtp.size", want: report.Warning},
		{name: "SIZE asked for and offered", server: good, opts: func(o *smtpprobe.Options) { o.Size = 100 }, id: "smtp.extension", want: absent},
		{name: "VRFY not confirming", server: good, opts: func(o *smtpprobe.Options) { o.VRFY = []string{"postmaster"} }, id: "smtp.vrfy", want: absent},
		{name: "fast greeting", server: good, id: "smtp.greet_delay", want: report.OK},
		{name: "names without DNS", server: good, id: "smtp.ehlo_name", want: report.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := startServer(t, tt.server(t))
			o := baseOptions(ca)
			if tt.opts != nil {
				tt.opts(&o)
			}
			host := testHost
			if tt.host == "-" {
				host = ""
			}
			res := smtpprobe.Probe(context.Background(), addr, host, o)
			got := findingsWith(res, tt.id)
			if tt.want == absent {
				if len(got) > 0 {
					t.Fatalf("%s reported: %+v", tt.id, got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d %s findings, want 1; all: %+v\n%s", len(got), tt.id, res.Findings, strings.Join(res.TranscriptLines(false), "\n"))
			}
			if got[0].Severity != tt.want || !strings.Contains(got[0].Message, tt.msg) {
				t.Errorf("%s = %s %q, want %s containing %q", tt.id, got[0].Severity, got[0].Message, tt.want, tt.msg)
			}
		})
	}
}

func TestGreetDelay(t *testing.T) {
	t.Parallel()
	addr := startServer(t, labsmtp.Config{GreetDelay: 1100 * time.Millisecond})
	res := smtpprobe.Probe(context.Background(), addr, testHost, baseOptions(nil))
	f := findingsWith(res, "smtp.greet_delay")
	if len(f) != 1 || f[0].Severity != report.Info || res.BannerDelay < 1000 {
		t.Fatalf("greet delay %.0f ms, findings %+v", res.BannerDelay, f)
	}
}

// TestScriptedServers covers hostile fakes and replies labsmtp cannot give.
func TestScriptedServers(t *testing.T) {
	refused := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	hostile := func(b labsmtp.Behavior) func(t *testing.T) string {
		return func(t *testing.T) string { return startHostile(t, b) }
	}
	fake := func(greet string, replies ...string) func(t *testing.T) string {
		return func(t *testing.T) string { return fakeServer(t, greet, replies...) }
	}
	const ehlo = "250-fake.lab.test\r\n250 PIPELINING\r\n"
	const authEHLO = "250-fake.lab.test\r\n250 AUTH OAUTHBEARER XOAUTH2\r\n"
	// Token mechanisms over a plain-text fake: InsecureAuth stands in for
	// the TLS a real server would require.
	bearer := func(mech string) func(o *smtpprobe.Options) {
		return func(o *smtpprobe.Options) {
			o.AuthMech, o.User, o.Password, o.InsecureAuth = mech, testUser, "token-123", true
		}
	}
	tests := []struct {
		name       string
		addr       func(t *testing.T) string
		id         string
		sev        report.Severity
		incomplete bool
		opts       func(o *smtpprobe.Options)
	}{
		{"never greets", hostile(labsmtp.NoGreeting), "smtp.timeout", report.Error, true, nil},
		{"endless banner line", hostile(labsmtp.EndlessLine), "smtp.protocol", report.Error, false, nil},
		{"10,000 EHLO lines", hostile(labsmtp.EHLOFlood), "smtp.protocol", report.Error, false, nil},
		{"drops after STARTTLS", hostile(labsmtp.DropAfterSTARTTLS), "smtp.tls_handshake", report.Error, false, nil},
		{"garbage", hostile(labsmtp.Garbage), "smtp.protocol", report.Error, false, nil},
		{"stalls after EHLO", hostile(labsmtp.StallAfterEHLO), "smtp.timeout", report.Error, true, nil},
		{"connection refused", refused, "smtp.connect", report.Error, true, nil},
		{"greeting 554", fake("554 5.7.1 mx.lab.test Your address is listed\r\n", "503 bad sequence\r\n"), "smtp.banner", report.Error, false, nil},
		{"greeting 421", fake("421 4.3.2 mx.lab.test busy, try later\r\n", "503 bad sequence\r\n"), "smtp.banner", report.Warning, false, nil},
		{"EHLO refused", fake("220 mx.lab.test ESMTP\r\n", "550 5.7.1 go away\r\n"), "smtp.rejected", report.Error, false, nil},
		{"no SIZE announced", fake("220 fake.lab.test ESMTP\r\n", ehlo, "250 2.0.0 ok\r\n"), "smtp.size", report.Info, false, nil},
		{"SMTPUTF8 asked for but not offered", fake("220 fake.lab.test ESMTP\r\n", ehlo, "250 2.0.0 ok\r\n"), "smtp.extension", report.Warning, false,
			func(o *smtpprobe.Options) { o.SMTPUTF8 = true }},
		{"VRFY confirms an address", fake("220 fake.lab.test ESMTP\r\n", ehlo, "250 Postmaster <postmaster@fake.lab.test>\r\n"), "smtp.vrfy", report.Info, false,
			func(o *smtpprobe.Options) { o.VRFY = []string{"postmaster"} }},
		{"OAUTHBEARER token accepted", fake("220 fake.lab.test ESMTP\r\n", authEHLO, "235 2.7.0 Accepted\r\n", "250 2.0.0 ok\r\n"), "smtp.auth", report.OK, false,
			bearer("OAUTHBEARER")},
		{"XOAUTH2 token refused", fake("220 fake.lab.test ESMTP\r\n", authEHLO, "535 5.7.8 Username and Password not accepted\r\n"), "smtp.auth", report.Error, false,
			bearer("XOAUTH2")},
		{"VRFY disabled", fake("220 fake.lab.test ESMTP\r\n", ehlo, "502 5.5.1 VRFY disabled\r\n"), "smtp.vrfy", report.OK, false,
			func(o *smtpprobe.Options) { o.VRFY = []string{"postmaster"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := baseOptions(nil)
			o.ReplyTimeout, o.DialTimeout = 300*time.Millisecond, 300*time.Millisecond
			if tt.opts != nil {
				tt.opts(&o)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res := smtpprobe.Probe(ctx, tt.addr(t), testHost, o)
			got := findingsWith(res, tt.id)
			if len(got) == 0 || got[0].Severity != tt.sev || got[0].Incomplete != tt.incomplete {
				t.Fatalf("want %s %s incomplete=%v; findings %+v", tt.id, tt.sev, tt.incomplete, res.Findings)
			}
			if len(res.TranscriptLines(false)) == 0 {
				t.Error("no transcript")
			}
		})
	}
}

func TestImplicitTLS(t *testing.T) {
	ca := newCA(t)
	c := goodConfig(t, ca)
	c.ImplicitTLS = true
	addr := startServer(t, c)
	o := baseOptions(ca)
	o.TLSOnConnect = true
	o.User, o.Password = testUser, testPass
	res := smtpprobe.Probe(context.Background(), addr, testHost, o)
	if res.TLS == nil || !res.TLS.Implicit || !res.TLS.Trusted {
		t.Fatalf("TLS = %+v", res.TLS)
	}
	if len(findingsWith(res, "smtp.starttls")) != 0 || len(findingsWith(res, "smtp.auth_tls_only")) != 0 {
		t.Errorf("plain-text checks on an implicit TLS session: %+v", res.Findings)
	}
	if res.Auth == nil || !res.Auth.OK {
		t.Errorf("auth = %+v", res.Auth)
	}
}

func TestMessageDelivery(t *testing.T) {
	ca := newCA(t)
	c := goodConfig(t, ca)
	s, err := labsmtp.Start(c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o := baseOptions(ca)
	o.To = []string{"a@lab.test", "b@lab.test"}
	o.SendData, o.Body, o.Headers = true, "hello\n.leading dot\n", []string{"Subject: custom"}
	o.DSNNotify, o.DSNRet, o.DSNEnvID, o.SMTPUTF8 = "FAILURE,DELAY", "HDRS", "id+1=x", true
	res := smtpprobe.Probe(context.Background(), s.Addr, testHost, o)
	if s.Messages() != 1 {
		t.Fatalf("server got %d messages; findings %+v", s.Messages(), res.Findings)
	}
	var mail, rcpt string
	for _, st := range res.Steps {
		switch st.Step {
		case smtpprobe.StepMail:
			mail = st.Command
		case smtpprobe.StepRcpt:
			rcpt = st.Command
		}
	}
	if mail != "MAIL FROM:<> SMTPUTF8 RET=HDRS ENVID=id+2B1+3Dx" || rcpt != "RCPT TO:<b@lab.test> NOTIFY=FAILURE,DELAY" {
		t.Errorf("MAIL %q, RCPT %q", mail, rcpt)
	}
}

func TestNoRecipientAcceptedSendsNoData(t *testing.T) {
	ca := newCA(t)
	s, err := labsmtp.Start(goodConfig(t, ca))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o := baseOptions(ca)
	o.To, o.SendData = []string{"someone@elsewhere.example"}, true
	res := smtpprobe.Probe(context.Background(), s.Addr, testHost, o)
	last := res.Steps[len(res.Steps)-1]
	if s.Messages() != 0 || last.Step != smtpprobe.StepData || last.Note == "" {
		t.Fatalf("messages %d, last step %+v", s.Messages(), last)
	}
}

func TestLMTPRepliesPerRecipient(t *testing.T) {
	addr := startServer(t, labsmtp.Config{LMTP: true, LocalDomains: []string{"lab.test"}})
	o := baseOptions(nil)
	o.LMTP, o.To, o.SendData = true, []string{"a@lab.test", "b@lab.test"}, true
	res := smtpprobe.Probe(context.Background(), addr, testHost, o)
	if res.Protocol != "lmtp" {
		t.Errorf("protocol %q", res.Protocol)
	}
	last := res.Steps[len(res.Steps)-1]
	if last.Step != smtpprobe.StepData || len(last.Replies) != 2 {
		t.Fatalf("data step %+v; transcript:\n%s", last, strings.Join(res.TranscriptLines(false), "\n"))
	}
	if !strings.HasPrefix(res.Steps[0].Command, "LHLO ") {
		t.Errorf("first step %q", res.Steps[0].Command)
	}
}

func TestQuitAfter(t *testing.T) {
	ca := newCA(t)
	addr := startServer(t, goodConfig(t, ca))
	tests := []struct {
		phase smtpprobe.Phase
		steps []smtpprobe.StepKind
	}{
		{smtpprobe.PhaseConnect, nil},
		{smtpprobe.PhaseBanner, nil},
		{smtpprobe.PhaseEHLO, []smtpprobe.StepKind{"ehlo"}},
		{smtpprobe.PhaseTLS, []smtpprobe.StepKind{"ehlo", "starttls", "ehlo"}},
		{smtpprobe.PhaseMail, []smtpprobe.StepKind{"ehlo", "starttls", "ehlo", "mail"}},
		{smtpprobe.PhaseDefault, []smtpprobe.StepKind{"ehlo", "starttls", "ehlo", "mail", "rcpt"}},
	}
	for _, tt := range tests {
		t.Run(tt.phase.String(), func(t *testing.T) {
			o := baseOptions(ca)
			o.QuitAfter = tt.phase
			if tt.phase == smtpprobe.PhaseDefault {
				o.To = []string{"a@lab.test"}
			}
			res := smtpprobe.Probe(context.Background(), addr, testHost, o)
			var got []smtpprobe.StepKind
			for _, s := range res.Steps {
				got = append(got, s.Step)
			}
			if strings.Join(kinds(got), ",") != strings.Join(kinds(tt.steps), ",") || !res.Connected {
				t.Fatalf("steps %v, want %v (connected %v)", got, tt.steps, res.Connected)
			}
			if (res.Banner == nil) != (tt.phase == smtpprobe.PhaseConnect) {
				t.Errorf("banner %v at quit-after %s", res.Banner, tt.phase)
			}
		})
	}
}

func kinds(ks []smtpprobe.StepKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}
