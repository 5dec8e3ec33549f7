package smtpclient_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

func tlsServer(t *testing.T, names ...string) (*tls.Config, *certgen.CA) {
	t.Helper()
	ca, err := certgen.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := certgen.Issue(ca, certgen.Leaf{Names: names})
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, ca
}

func startLab(t *testing.T, cfg labsmtp.Config) *labsmtp.Server {
	t.Helper()
	s, err := labsmtp.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func opts() smtpclient.Options {
	return smtpclient.Options{LocalName: "probe.test", DialTimeout: 2 * time.Second, ReplyTimeout: 2 * time.Second}
}

func TestSessionWithSTARTTLSAndAuth(t *testing.T) {
	srvTLS, ca := tlsServer(t, "mx.lab.test")
	s := startLab(t, labsmtp.Config{Hostname: "mx.lab.test", TLS: srvTLS, Users: map[string]string{"alice": "s3cret"}, LocalDomains: []string{"lab.test"}, MaxSize: 1 << 20})
	ctx := context.Background()
	c, err := smtpclient.Dial(ctx, s.Addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	if c.Banner.Code != 220 || !strings.Contains(c.Banner.Message(), "mx.lab.test") {
		t.Fatalf("banner = %v", c.Banner)
	}
	if _, err := c.Hello(ctx); err != nil {
		t.Fatal(err)
	}
	if !c.HasExt("STARTTLS") || c.HasExt("AUTH") {
		t.Fatalf("before TLS: ext = %v (want STARTTLS, no AUTH)", c.ExtOrder)
	}
	if c.Ext["SIZE"] != "1048576" {
		t.Errorf("SIZE = %q", c.Ext["SIZE"])
	}
	if err := c.StartTLS(ctx, &tls.Config{ServerName: "mx.lab.test", RootCAs: ca.Pool()}); err != nil {
		t.Fatal(err)
	}
	if c.TLS.VerifyErr != nil {
		t.Fatalf("verify: %v", c.TLS.VerifyErr)
	}
	if c.Ext != nil {
		t.Error("extensions from before TLS were kept")
	}
	if _, err := c.Hello(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.AuthMechanisms(); len(got) == 0 {
		t.Fatalf("no AUTH after TLS: %v", c.ExtOrder)
	}
	if _, err := c.Auth(ctx, sasl.NewPlainClient("", "alice", "s3cret")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Mail(ctx, "alice@lab.test", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Rcpt(ctx, "bob@lab.test", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	lines := strings.Join(c.Transcript().Format(false), "\n")
	for _, want := range []string{" -> EHLO probe.test", " -> STARTTLS", " ~> EHLO probe.test", " ~> AUTH PLAIN **** (redacted)", "<~  235", "=== TLS established"} {
		if !strings.Contains(lines, want) {
			t.Errorf("transcript lacks %q:\n%s", want, lines)
		}
	}
	if strings.Contains(lines, "s3cret") || strings.Contains(lines, "AGFsaWNlAHMzY3JldA") {
		t.Errorf("secret leaked into the transcript:\n%s", lines)
	}
}

func TestLoginAuthRedactsEveryStep(t *testing.T) {
	s := startLab(t, labsmtp.Config{AuthBeforeTLS: true, Users: map[string]string{"alice": "s3cret"}})
	ctx := context.Background()
	c, err := smtpclient.Dial(ctx, s.Addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Hello(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Auth(ctx, sasl.NewLoginClient("alice", "s3cret")); err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Transcript().Lines() {
		if l.Dir == smtpclient.Sent && strings.HasPrefix(l.Text, "YWxp") {
			t.Errorf("username sent in clear in the transcript: %q", l.Text)
		}
	}
	// A wrong password gives a ReplyError carrying the server's codes.
	c2, _ := smtpclient.Dial(ctx, s.Addr, opts())
	defer c2.Close()
	c2.Hello(ctx)
	_, err = c2.Auth(ctx, sasl.NewPlainClient("", "alice", "wrong"))
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 535 || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 8}) {
		t.Fatalf("err = %#v, want 535 5.7.8 as *smtp.SMTPError", err)
	}
}

func TestCertificateCapturedWhenNotTrusted(t *testing.T) {
	srvTLS, _ := tlsServer(t, "other.example")
	s := startLab(t, labsmtp.Config{TLS: srvTLS})
	ctx := context.Background()
	c, err := smtpclient.Dial(ctx, s.Addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Hello(ctx)
	// Neither trusted nor matching: the handshake still completes.
	if err := c.StartTLS(ctx, &tls.Config{ServerName: "mx.lab.test"}); err != nil {
		t.Fatal(err)
	}
	if c.TLS.VerifyErr == nil {
		t.Fatal("verification error not recorded")
	}
	if got := c.TLS.State.PeerCertificates[0].DNSNames; len(got) != 1 || got[0] != "other.example" {
		t.Errorf("peer certificate not captured: %v", got)
	}
	if _, err := c.Hello(ctx); err != nil {
		t.Errorf("session unusable after an untrusted handshake: %v", err)
	}
}

func TestImplicitTLS(t *testing.T) {
	srvTLS, ca := tlsServer(t, "smtps.lab.test")
	s := startLab(t, labsmtp.Config{TLS: srvTLS, ImplicitTLS: true})
	c, err := smtpclient.DialTLS(context.Background(), s.Addr, &tls.Config{ServerName: "smtps.lab.test", RootCAs: ca.Pool()}, opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.IsTLS() || c.TLS.VerifyErr != nil {
		t.Fatalf("tls=%v verify=%v", c.IsTLS(), c.TLS.VerifyErr)
	}
}

func TestGreetDelayMeasured(t *testing.T) {
	s := startLab(t, labsmtp.Config{GreetDelay: 150 * time.Millisecond})
	c, err := smtpclient.Dial(context.Background(), s.Addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Not a timing assertion on our speed: the server sleeps at least this long.
	if c.BannerDelay < 150*time.Millisecond {
		t.Errorf("banner delay %s shorter than the server's sleep", c.BannerDelay)
	}
}

func TestRelayDeniedIsReplyError(t *testing.T) {
	s := startLab(t, labsmtp.Config{LocalDomains: []string{"lab.test"}})
	ctx := context.Background()
	c, err := smtpclient.Dial(ctx, s.Addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Hello(ctx)
	c.Mail(ctx, "a@relay-test.invalid", "")
	r, err := c.Rcpt(ctx, "b@relay-test.invalid", "")
	var re *smtpclient.ReplyError
	if !errors.As(err, &re) || !re.Permanent() || r.EnhancedCode() != "5.7.1" {
		t.Fatalf("reply=%v err=%v", r, err)
	}
}

func TestHostileServers(t *testing.T) {
	tests := []struct {
		b       labsmtp.Behavior
		step    string
		wantErr string
	}{
		{labsmtp.NoGreeting, "banner", "no reply in time"},
		{labsmtp.EndlessLine, "banner", "longer than"},
		{labsmtp.Garbage, "banner", "malformed reply"},
		{labsmtp.EHLOFlood, "ehlo", "more than"},
		{labsmtp.StallAfterEHLO, "mail", "no reply in time"},
		{labsmtp.DropAfterSTARTTLS, "starttls", "TLS handshake"},
	}
	for _, tt := range tests {
		t.Run(string(tt.b), func(t *testing.T) {
			h, err := labsmtp.StartHostile("127.0.0.1:0", tt.b)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			o := opts()
			o.ReplyTimeout = 200 * time.Millisecond
			o.MaxReplyLines = 100
			ctx := context.Background()
			c, err := smtpclient.Dial(ctx, h.Addr, o)
			if err == nil {
				defer c.Close()
				_, err = c.Hello(ctx)
				if err == nil && tt.step == "starttls" {
					err = c.StartTLS(ctx, &tls.Config{ServerName: "x"})
				}
				if err == nil && tt.step == "mail" {
					_, err = c.Mail(ctx, "a@b.test", "")
				}
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestContextCancelInterruptsRead(t *testing.T) {
	h, err := labsmtp.StartHostile("127.0.0.1:0", labsmtp.NoGreeting)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	o := opts()
	o.ReplyTimeout = time.Hour
	_, err = smtpclient.Dial(ctx, h.Addr, o)
	if !errors.Is(err, smtpclient.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
}

func TestPipeAndReplyParsing(t *testing.T) {
	tests := []struct {
		server  string
		code    int
		enh     string
		msg     string
		wantErr string
	}{
		{"220 mx.test ESMTP\r\n", 220, "", "mx.test ESMTP", ""},
		{"220-mx.test\r\n220 second\r\n", 220, "", "mx.test second", ""},
		{"554 5.7.1 go away\r\n", 554, "5.7.1", "go away", ""},
		{"554 4.7.1 class mismatch\r\n", 554, "", "4.7.1 class mismatch", ""},
		{"220\r\n", 220, "", "", ""},
		{"220-a\r\n221 b\r\n", 0, "", "", "code changed"},
		{"2x0 nope\r\n", 0, "", "", "3-digit"},
		{"220_x\r\n", 0, "", "", "no space or dash"},
		{"220 unterminated", 0, "", "", "middle of a reply line"},
	}
	for _, tt := range tests {
		t.Run(tt.server, func(t *testing.T) {
			cl, sv := net.Pipe()
			go func() {
				sv.Write([]byte(tt.server))
				sv.Close()
			}()
			c, err := smtpclient.NewClient(context.Background(), cl, opts())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if c == nil {
				t.Fatalf("no client: %v", err)
			}
			if c.Banner.Code != tt.code || c.Banner.EnhancedCode() != tt.enh || c.Banner.Message() != tt.msg {
				t.Fatalf("banner = %d %q %q", c.Banner.Code, c.Banner.EnhancedCode(), c.Banner.Message())
			}
		})
	}
}

func TestCommandInjectionRefused(t *testing.T) {
	s := startLab(t, labsmtp.Config{})
	c, err := smtpclient.Dial(context.Background(), s.Addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Cmd(context.Background(), "VRFY a\r\nDATA"); err == nil {
		t.Fatal("a command with a line break was sent")
	}
}
