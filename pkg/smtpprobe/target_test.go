package smtpprobe_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		want    smtpprobe.Target
		wantErr string
	}{
		{in: "mx.example.com", want: smtpprobe.Target{Host: "mx.example.com"}},
		{in: "MX.Example.COM.:587", want: smtpprobe.Target{Host: "mx.example.com", Port: 587}},
		{in: "192.0.2.25", want: smtpprobe.Target{Host: "192.0.2.25"}},
		{in: "192.0.2.25:2525", want: smtpprobe.Target{Host: "192.0.2.25", Port: 2525}},
		{in: "[2001:db8::25]:25", want: smtpprobe.Target{Host: "2001:db8::25", Port: 25}},
		{in: "2001:db8::25", want: smtpprobe.Target{Host: "2001:db8::25"}},
		{in: "[2001:db8::25]", want: smtpprobe.Target{Host: "2001:db8::25"}},
		{in: "[IPv6:2001:db8::25]:587", want: smtpprobe.Target{Host: "2001:db8::25", Port: 587}},
		{in: "[192.0.2.25]", want: smtpprobe.Target{Host: "192.0.2.25"}},
		{in: "[::1", wantErr: "unbalanced brackets"},
		{in: "::1]", wantErr: "unbalanced brackets"},
		{in: "[[::1]]", wantErr: "after the address"},
		{in: "[::1]587", wantErr: "after the address"},
		{in: "[::1]:0", wantErr: "port \"0\""},
		{in: "[mx.example.com]", wantErr: "is not an IP address"},
		{in: "@example.com", want: smtpprobe.Target{Domain: "example.com"}},
		{in: "user@Example.com", want: smtpprobe.Target{Domain: "example.com", Recipient: "user@example.com"}},
		{in: "@bücher.example", want: smtpprobe.Target{Domain: "xn--bcher-kva.example"}},
		{in: "", wantErr: "empty target"},
		{in: "mx.example.com:0", wantErr: "port \"0\""},
		{in: "mx.example.com:smtp", wantErr: "port \"smtp\""},
		{in: "@", wantErr: "empty domain"},
		{in: "a b@example.com", wantErr: "must not contain spaces"},
		{in: "exa_mple!.com", wantErr: "want host[:port]"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := smtpprobe.ParseTarget(tt.in)
			if errorCase(t, err, tt.wantErr) {
				return
			}
			if got.Host != tt.want.Host || got.Port != tt.want.Port || got.Domain != tt.want.Domain || got.Recipient != tt.want.Recipient {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name    string
		o       smtpprobe.Options
		rcpt    string
		want    string
		wantErr string
	}{
		{name: "defaults", want: "ehlo starttls mail"},
		{name: "default recipient", rcpt: "postmaster@example.com", want: "ehlo starttls mail rcpt"},
		{name: "everything", o: smtpprobe.Options{StartTLS: smtpprobe.TLSRequire, VRFY: []string{"a"}, EXPN: []string{"b"}, RelayTest: true, User: "u", To: []string{"x@y.example"}, SendData: true},
			want: "ehlo starttls vrfy expn relay_test auth mail rcpt data"},
		{name: "never STARTTLS", o: smtpprobe.Options{StartTLS: smtpprobe.TLSNever}, want: "ehlo mail"},
		{name: "implicit TLS", o: smtpprobe.Options{TLSOnConnect: true}, want: "ehlo mail"},
		{name: "quit after tls", o: smtpprobe.Options{QuitAfter: smtpprobe.PhaseTLS}, rcpt: "postmaster@example.com", want: "ehlo starttls"},
		{name: "quit after banner", o: smtpprobe.Options{QuitAfter: smtpprobe.PhaseBanner}, want: ""},
		{name: "--to before RCPT", o: smtpprobe.Options{QuitAfter: smtpprobe.PhaseMail, To: []string{"x@y.example"}}, wantErr: "--to needs --quit-after rcpt or later, not mail"},
		{name: "--auth before AUTH", o: smtpprobe.Options{QuitAfter: smtpprobe.PhaseTLS, AuthMech: "PLAIN"}, wantErr: "--auth/--user needs --quit-after auth"},
		{name: "--relay-test too early", o: smtpprobe.Options{QuitAfter: smtpprobe.PhaseEHLO, RelayTest: true}, wantErr: "--relay-test needs --quit-after tls"},
		{name: "--vrfy too early", o: smtpprobe.Options{QuitAfter: smtpprobe.PhaseBanner, VRFY: []string{"a"}}, wantErr: "--vrfy needs"},
		{name: "data without a message", o: smtpprobe.Options{QuitAfter: smtpprobe.PhaseData, To: []string{"x@y.example"}}, wantErr: "needs a message"},
		{name: "message without recipient", o: smtpprobe.Options{SendData: true}, wantErr: "at least one --to"},
		{name: "message stops at rcpt when asked", o: smtpprobe.Options{QuitAfter: smtpprobe.PhaseRcpt, SendData: true}, wantErr: "--body/--data needs --quit-after data"},
		{name: "script steps win", o: smtpprobe.Options{Script: &smtpprobe.Script{Steps: []smtpprobe.Step{{Kind: smtpprobe.StepNOOP}}}}, want: "noop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps, err := tt.o.Plan(tt.rcpt)
			if errorCase(t, err, tt.wantErr) {
				return
			}
			var kinds []string
			for _, s := range steps {
				kinds = append(kinds, string(s.Kind))
			}
			if got := strings.Join(kinds, " "); got != tt.want {
				t.Errorf("steps %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRunThroughMX routes a domain with pkg/mx and probes its servers, each
// on its own loopback address sharing one port, as the lab does.
func TestRunThroughMX(t *testing.T) {
	port := freePort(t)
	for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
		startServer(t, labsmtp.Config{Addr: net.JoinHostPort(ip, strconv.Itoa(port)), LocalDomains: []string{"two.lab.test"}})
	}
	zone := `
$ORIGIN lab.test.
@      IN SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 60
@      IN NS  ns.lab.test.
two    IN MX  10 mx1.two.lab.test.
two    IN MX  20 mx2.two.lab.test.
mx1.two IN A  127.0.0.1
mx2.two IN A  127.0.0.2
nullmx IN MX  0 .
`
	srv, err := authdns.Start("127.0.0.1:0", zone)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r, err := resolver.New(resolver.Config{Servers: []string{srv.Addr}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target   string
		allMX    bool
		hosts    []string
		rcpt     string
		failID   string
		failSev  report.Severity
		failIncl bool
	}{
		{target: "@two.lab.test", hosts: []string{"mx1.two.lab.test"}, rcpt: "postmaster@two.lab.test"},
		{target: "someone@two.lab.test", allMX: true, hosts: []string{"mx1.two.lab.test", "mx2.two.lab.test"}, rcpt: "someone@two.lab.test"},
		{target: "mx2.two.lab.test", hosts: []string{"mx2.two.lab.test"}},
		{target: "127.0.0.2:" + strconv.Itoa(port), hosts: []string{""}},
		{target: "@nullmx.lab.test", failID: "smtp.resolve", failSev: report.Error},
		{target: "@missing.lab.test", failID: "smtp.resolve", failSev: report.Error},
		{target: "nohost.lab.test", failID: "smtp.resolve", failSev: report.Error},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			tg, err := smtpprobe.ParseTarget(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			o := baseOptions(nil)
			o.Resolver, o.Port, o.AllMX = r, port, tt.allMX
			rr := smtpprobe.Run(context.Background(), r, tg, o)
			if tt.failID != "" {
				if len(rr.Results) != 0 || len(rr.Findings) == 0 || rr.Findings[len(rr.Findings)-1].ID != tt.failID || rr.Findings[len(rr.Findings)-1].Severity != tt.failSev {
					t.Fatalf("results %d, findings %+v", len(rr.Results), rr.Findings)
				}
				return
			}
			var hosts []string
			for _, res := range rr.Results {
				hosts = append(hosts, res.Host)
				if !res.Connected {
					t.Errorf("%s: not connected: %+v", res.Addr(), res.Findings)
				}
			}
			if strings.Join(hosts, ",") != strings.Join(tt.hosts, ",") {
				t.Fatalf("probed %v, want %v", hosts, tt.hosts)
			}
			last := rr.Results[0].Steps[len(rr.Results[0].Steps)-1]
			if tt.rcpt != "" && (last.Step != smtpprobe.StepRcpt || !strings.Contains(last.Command, "<"+tt.rcpt+">")) {
				t.Errorf("last step %+v, want RCPT to %s", last, tt.rcpt)
			}
		})
	}
}

// errorCase checks err against the wanted error text ("" for none) and
// reports whether the case wanted an error and is therefore done.
func errorCase(t *testing.T, err error, want string) bool {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatal(err)
		}
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	return true
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestProbeAllKeepsOrder(t *testing.T) {
	var eps []smtpprobe.Endpoint
	for i := 0; i < 12; i++ {
		eps = append(eps, smtpprobe.Endpoint{Addr: startServer(t, labsmtp.Config{}), ServerName: testHost, Via: strconv.Itoa(i)})
	}
	o := baseOptions(nil)
	o.Concurrency, o.QuitAfter = 3, smtpprobe.PhaseEHLO
	res := smtpprobe.ProbeAll(context.Background(), eps, o)
	for i, r := range res {
		if r.Via != strconv.Itoa(i) || r.Addr() != eps[i].Addr || !r.Connected {
			t.Errorf("result %d: %s %s connected=%v", i, r.Via, r.Addr(), r.Connected)
		}
	}
}
