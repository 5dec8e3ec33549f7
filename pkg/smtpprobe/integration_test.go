//go:build integration

package smtpprobe_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/internal/peers"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

func peerOptions(t *testing.T, p peers.Peers) smtpprobe.Options {
	r, err := resolver.New(resolver.Config{Servers: []string{p.DNS}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return smtpprobe.Options{EHLO: "probe.it.test", DialTimeout: 5 * time.Second, ReplyTimeout: 10 * time.Second,
		RootCAs: p.RootCAs(t), Resolver: r}
}

func severityOf(res *smtpprobe.Result, id string) (report.Severity, bool) {
	f := findingsWith(res, id)
	if len(f) == 0 {
		return 0, false
	}
	return f[0].Severity, true
}

// TestPostfixGoodAndBadToldApart runs the same probe against the
// well-configured and the misconfigured Postfix: the verdicts must differ
// exactly where the configurations do.
func TestPostfixGoodAndBadToldApart(t *testing.T) {
	p := peers.Get(t)
	tests := []struct {
		id         string
		good, bad  report.Severity
		goodDetail string
	}{
		{"smtp.auth_tls_only", report.OK, report.Error, "no AUTH"},
		{"smtp.relay", report.OK, report.Error, "refused"},
		{"smtp.starttls", report.OK, report.OK, "offers STARTTLS"},
		{"smtp.cert_trust", report.OK, report.OK, "trusted root"},
		{"smtp.cert_name", report.OK, report.OK, "covers " + peers.Hostname},
		{"smtp.tls_version", report.OK, report.OK, "TLS 1."},
		{"smtp.banner", report.OK, report.OK, "220 " + peers.Hostname},
		// Both listen on 127.0.0.1, whose PTR (scripts/peers/zones) names
		// the host they announce.
		{"smtp.ehlo_name", report.OK, report.OK, "matches the reverse DNS"},
	}
	run := func(addr string) *smtpprobe.Result {
		o := peerOptions(t, p)
		o.RelayTest = true
		o.Expect = []smtpprobe.Expectation{{Kind: smtpprobe.ExpectNoAuthBeforeTLS}, {Kind: smtpprobe.ExpectExt, Arg: "STARTTLS"}}
		return smtpprobe.Probe(context.Background(), addr, peers.Hostname, o)
	}
	good, bad := run(p.SMTPGood), run(p.SMTPBad)
	for _, tt := range tests {
		g, gok := severityOf(good, tt.id)
		b, bok := severityOf(bad, tt.id)
		if !gok || !bok || g != tt.good || b != tt.bad {
			t.Errorf("%s: good %s (%v), bad %s (%v); want %s and %s", tt.id, g, gok, b, bok, tt.good, tt.bad)
		}
		if f := findingsWith(good, tt.id); len(f) > 0 && !strings.Contains(f[0].Message, tt.goodDetail) {
			t.Errorf("%s on the good peer: %q lacks %q", tt.id, f[0].Message, tt.goodDetail)
		}
	}
	// The healthy peer is what a correct setup looks like: nothing to fix.
	for _, f := range good.Findings {
		if f.Severity >= report.Warning || f.Incomplete {
			t.Errorf("good peer: %s %s: %s", f.Severity, f.ID, f.Message)
		}
	}
	if good.Relay.Verdict != "refused" || bad.Relay.Verdict != "open" {
		t.Errorf("relay verdicts: good %s, bad %s", good.Relay.Verdict, bad.Relay.Verdict)
	}
	if !good.Expectations[0].Pass || bad.Expectations[0].Pass || !good.Expectations[1].Pass || !bad.Expectations[1].Pass {
		t.Errorf("expectations: good %+v, bad %+v", good.Expectations, bad.Expectations)
	}
	if good.Names == nil || good.Names.EHLO != peers.Hostname {
		t.Errorf("EHLO name from Postfix: %+v", good.Names)
	}
	if got := strings.Join(good.AuthBeforeTLS, " "); got != "" {
		t.Errorf("good peer offers AUTH %s before TLS", got)
	}
	if got := strings.Join(bad.AuthBeforeTLS, " "); !strings.Contains(got, "PLAIN") {
		t.Errorf("bad peer AUTH before TLS = %q", got)
	}
}

func TestPostfixAuthentication(t *testing.T) {
	p := peers.Get(t)
	tests := []struct {
		mech, pass string
		ok         bool
	}{
		{"PLAIN", p.SMTPPass, true},
		{"LOGIN", p.SMTPPass, true},
		{"CRAM-MD5", p.SMTPPass, true},
		{"PLAIN", "not-the-password", false},
	}
	for _, tt := range tests {
		t.Run(tt.mech+map[bool]string{true: " ok", false: " refused"}[tt.ok], func(t *testing.T) {
			o := peerOptions(t, p)
			o.User, o.Password, o.AuthMech = p.SMTPUser, tt.pass, tt.mech
			o.QuitAfter = smtpprobe.PhaseAuth
			res := smtpprobe.Probe(context.Background(), p.SMTPGood, peers.Hostname, o)
			if res.Auth == nil || res.Auth.OK != tt.ok {
				t.Fatalf("auth = %+v; transcript:\n%s", res.Auth, strings.Join(res.TranscriptLines(false), "\n"))
			}
			sev, _ := severityOf(res, "smtp.auth")
			if want := map[bool]report.Severity{true: report.OK, false: report.Error}[tt.ok]; sev != want {
				t.Errorf("smtp.auth %s, want %s", sev, want)
			}
			if !tt.ok && (res.Auth.Reply == nil || res.Auth.Reply.Code != 535) {
				t.Errorf("refusal reply %+v, want 535", res.Auth.Reply)
			}
			for _, l := range res.TranscriptLines(false) {
				if strings.Contains(l, p.SMTPPass) {
					t.Errorf("password in transcript: %s", l)
				}
			}
		})
	}
}

// TestPostfixDeliveryAfterAuth sends a message through the good peer, whose
// every transport discards: 250 at the end of DATA, nothing leaves.
func TestPostfixDeliveryAfterAuth(t *testing.T) {
	p := peers.Get(t)
	o := peerOptions(t, p)
	o.User, o.Password = p.SMTPUser, p.SMTPPass
	o.From, o.To, o.SendData, o.Body = p.SMTPUser, []string{"postmaster@it.test"}, true, "integration test\n"
	o.Expect = []smtpprobe.Expectation{mustCode(t, "data=250"), mustCode(t, "rcpt=250")}
	res := smtpprobe.Probe(context.Background(), p.SMTPGood, peers.Hostname, o)
	for _, x := range res.Expectations {
		if !x.Pass {
			t.Errorf("%s: got %s", x.Name, x.Got)
		}
	}
}

func mustCode(t *testing.T, s string) smtpprobe.Expectation {
	x, err := smtpprobe.ParseExpectCode(s)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestPostfixTLSGrade grades the real Postfix: every handshake gets a
// definite answer, and its OpenSSL defaults are graded as what they are.
func TestPostfixTLSGrade(t *testing.T) {
	p := peers.Get(t)
	o := peerOptions(t, p)
	o.TLSGrade, o.QuitAfter = true, smtpprobe.PhaseTLS
	res := smtpprobe.Probe(context.Background(), p.SMTPGood, peers.Hostname, o)
	g := res.TLSGrade
	if g == nil {
		t.Fatalf("no grade: %+v", res.Findings)
	}
	accepted := map[string]bool{}
	for _, x := range append(g.Versions, g.Suites...) {
		if x.Outcome == smtpprobe.Unknown {
			t.Errorf("%s: unknown (%s)", x.Name, x.Error)
		}
		accepted[x.Name] = x.Outcome == smtpprobe.Accepted
	}
	if !accepted["TLS 1.2"] && !accepted["TLS 1.3"] {
		t.Errorf("Postfix offers neither TLS 1.2 nor 1.3: %+v", g.Versions)
	}
	if accepted["RC4"] {
		t.Error("Postfix with OpenSSL 3 accepted RC4")
	}
	if sev, ok := severityOf(res, "tls.cert_key"); !ok || sev != report.OK || g.CertKey != "ECDSA P-256" {
		t.Errorf("certificate key %q graded %s", g.CertKey, sev)
	}
	t.Logf("Postfix graded %s: %+v %+v", g.Rating, g.Versions, g.Suites)
}
