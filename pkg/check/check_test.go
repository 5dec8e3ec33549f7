package check_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/check"
	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/mtasts"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// theLab is shared by every test: starting it once keeps the suite fast.
var theLab *lab.Lab

func TestMain(m *testing.M) {
	l, err := lab.Start(lab.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the lab:", err)
		os.Exit(1)
	}
	theLab = l
	code := m.Run()
	l.Close()
	os.Exit(code)
}

func labResolver(t *testing.T) *resolver.Resolver {
	t.Helper()
	r, err := resolver.New(resolver.Config{Servers: []string{theLab.DNSAddr}, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// labOptions check lab domains on the lab's block list, trusting the lab CA.
func labOptions(t *testing.T) check.Options {
	t.Helper()
	bl, err := dnsbl.ParseZoneSpec("bl.lab.test")
	if err != nil {
		t.Fatal(err)
	}
	return check.Options{
		Port:  theLab.SMTPPort,
		Lists: []dnsbl.List{bl},
		Probe: smtpprobe.Options{EHLO: "check.test.example", RootCAs: theLab.CA.Pool(), DialTimeout: 3 * time.Second, ReplyTimeout: 3 * time.Second},
	}
}

func runOne(t *testing.T, o check.Options, domain string) *check.Result {
	t.Helper()
	res, err := check.Run(context.Background(), labResolver(t), []check.Target{{Domain: domain}}, o)
	if err != nil {
		t.Fatal(err)
	}
	return res[0]
}

func findingIDs(fs []report.Finding, min report.Severity) []string {
	var ids []string
	for _, f := range fs {
		if f.Severity >= min {
			ids = append(ids, f.ID+" "+f.Subject)
		}
	}
	return ids
}

// Every seeded fault of the lab is found, with the ID its package gives it
// and the subject naming the host and address.
func TestSeededFaults(t *testing.T) {
	tests := []struct {
		domain  string
		self    []string
		relay   bool
		id      string
		subject string
	}{
		{domain: "loop.lab.test", self: []string{"hub.lab.test"}, id: "mx.loopback", subject: "loop.lab.test"},
		{domain: "nullmx.lab.test", id: "mx.null_mx", subject: "nullmx.lab.test"},
		{domain: "cname.lab.test", id: "mx.target_cname", subject: "mail.cname.lab.test"},
		{domain: "authfirst.lab.test", id: "smtp.auth_tls_only", subject: "mx.authfirst.lab.test [127.0.0.12]"},
		{domain: "badcert.lab.test", id: "smtp.cert_name", subject: "mx.badcert.lab.test [127.0.0.13]"},
		{domain: "listed.lab.test", id: "dnsbl.listed", subject: "mx.listed.lab.test [127.0.0.14]"},
		{domain: "relay.lab.test", relay: true, id: "smtp.relay", subject: "mx.relay.lab.test [127.0.0.15]"},
		{domain: "policies.lab.test", id: "spf.all_pass", subject: "policies.lab.test"},
		{domain: "policies.lab.test", id: "dmarc.multiple", subject: "policies.lab.test"},
	}
	for _, tt := range tests {
		t.Run(tt.domain+" "+tt.id, func(t *testing.T) {
			o := labOptions(t)
			o.Self, o.Probe.RelayTest = tt.self, tt.relay
			res := runOne(t, o, tt.domain)
			want := tt.id + " " + tt.subject
			if got := findingIDs(res.Findings, report.Warning); !slices.Contains(got, want) {
				t.Errorf("want %q among the findings, got %q", want, got)
			}
		})
	}
}

func TestHealthyDomain(t *testing.T) {
	o := labOptions(t)
	o.Probe.RelayTest = true
	res := runOne(t, o, "good.lab.test")
	if got := findingIDs(res.Findings, report.Warning); len(got) > 0 {
		t.Errorf("good.lab.test: want no warnings or errors, got %q", got)
	}
	if len(res.Hosts) != 2 {
		t.Fatalf("want both MX hosts probed, got %d", len(res.Hosts))
	}
	for _, h := range res.Hosts {
		if h.SMTP.TLS == nil || h.DNSBL == nil || h.DNSBL.Verdict != dnsbl.VerdictClean || h.Verdict() != "ok" {
			t.Errorf("%s: want TLS, clean and ok; got TLS %v, verdict %s", h.Label(), h.SMTP.TLS != nil, h.Verdict())
		}
		if h.SMTP.Relay == nil || h.SMTP.Relay.Verdict != "refused" {
			t.Errorf("%s: want the relay test refused, got %+v", h.Label(), h.SMTP.Relay)
		}
		// The session stops after TLS: nothing is sent.
		for _, st := range h.SMTP.Steps {
			if st.Step == smtpprobe.StepMail || st.Step == smtpprobe.StepData {
				t.Errorf("%s: the check sent %s", h.Label(), st.Command)
			}
		}
	}
	if res.SPF.Record == "" || res.DMARC.Policy != "reject" {
		t.Errorf("want the lab's SPF and DMARC records, got %q and p=%q", res.SPF.Record, res.DMARC.Policy)
	}
	if res.Route.Security == nil || len(res.Route.Security.MTASTS) == 0 || len(res.Route.Security.TLSRPT) == 0 {
		t.Errorf("want MTA-STS and TLS-RPT from the route, got %+v", res.Route.Security)
	}
}

// An empty list set skips the block lists; the summary then says so.
func TestNoListsSkipsDNSBL(t *testing.T) {
	o := labOptions(t)
	o.Lists = []dnsbl.List{}
	res := runOne(t, o, "listed.lab.test")
	if res.Hosts[0].DNSBL != nil {
		t.Errorf("want no block-list lookup, got %+v", res.Hosts[0].DNSBL)
	}
	if row := check.SummaryTable([]*check.Result{res}).Rows[0]; row[5] != "-" {
		t.Errorf("DNSBL cell %q, want -", row[5])
	}
}

func TestSummaryTable(t *testing.T) {
	o := labOptions(t)
	o.Probe.RelayTest = true
	var results []*check.Result
	for _, d := range []string{"authfirst.lab.test", "badcert.lab.test", "listed.lab.test", "relay.lab.test", "nullmx.lab.test"} {
		results = append(results, runOne(t, o, d))
	}
	rows := check.SummaryTable(results).Rows
	want := []struct {
		domain, host, ip, smtp, cert, dnsbl, ptr, verdict string
	}{
		{"authfirst.lab.test", "10 mx.authfirst.lab.test", "127.0.0.12", "TLS 1.3, AUTH before TLS", "", "clean", "mx.authfirst.lab.test", "error"},
		{"badcert.lab.test", "10 mx.badcert.lab.test", "127.0.0.13", "TLS 1.3", "(does not cover mx.badcert.lab.test)", "clean", "mx.badcert.lab.test", "error"},
		{"listed.lab.test", "10 mx.listed.lab.test", "127.0.0.14", "TLS 1.3", "", "listed: bl.lab.test", "mx.listed.lab.test", "error"},
		{"relay.lab.test", "10 mx.relay.lab.test", "127.0.0.15", "TLS 1.3, open relay", "", "clean", "mx.relay.lab.test", "error"},
		{"nullmx.lab.test", "null MX: accepts no mail", "-", "-", "-", "-", "-", "warning"},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %q", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		exact := []string{w.domain, w.host, w.ip, w.smtp, w.dnsbl, w.ptr, w.verdict}
		got := []string{r[0], r[1], r[2], r[3], r[5], r[6], r[7]}
		if !slices.Equal(got, exact) || !strings.HasSuffix(r[4], w.cert) {
			t.Errorf("row %d: got %q, want %q with cert days ending in %q", i, r, exact, w.cert)
		}
	}
}

// A probe that cannot connect is incomplete, never clean.
func TestUnreachableMX(t *testing.T) {
	o := labOptions(t)
	// A port nobody listens on: the lab hosts answer only on theirs.
	o.Port = freePort(t)
	res := runOne(t, o, "good.lab.test")
	if v := res.Verdict(); v != "unchecked" {
		t.Errorf("verdict %s, want unchecked; findings %q", v, findingIDs(res.Findings, report.Warning))
	}
	if row := check.SummaryTable([]*check.Result{res}).Rows[0]; row[3] != "no connection" {
		t.Errorf("SMTP/TLS cell %q, want no connection", row[3])
	}
}

func TestSubmission(t *testing.T) {
	o := labOptions(t)
	port := fmt.Sprint(theLab.SMTPPort)
	res, err := check.Run(context.Background(), labResolver(t), []check.Target{{Domain: "authfirst.lab.test",
		Submission: []string{"mx.authfirst.lab.test:" + port, "mx1.good.lab.test:" + port, "missing.lab.test:587", "127.0.0.12:" + port}}}, o)
	if err != nil {
		t.Fatal(err)
	}
	subs := res[0].Submit
	if len(subs) != 4 {
		t.Fatalf("want 4 submission results, got %d", len(subs))
	}
	tests := []struct {
		endpoint string
		id       string
		sev      report.Severity
	}{
		{"mx.authfirst.lab.test:" + port, "smtp.auth_tls_only", report.Error},
		{"mx1.good.lab.test:" + port, "smtp.auth_tls_only", report.OK},
		{"missing.lab.test:587", "check.submission", report.Error},
		{"127.0.0.12:" + port, "smtp.auth_tls_only", report.Error},
	}
	for i, tt := range tests {
		s := subs[i]
		i := slices.IndexFunc(s.Findings, func(f report.Finding) bool { return f.ID == tt.id })
		if s.Target != tt.endpoint || i < 0 || s.Findings[i].Severity != tt.sev || s.Findings[i].Subject != tt.endpoint {
			t.Errorf("%s: want %s %s, got %q", tt.endpoint, tt.id, tt.sev, findingIDs(s.Findings, report.OK))
		}
	}
}

func TestRunRejectsInvalidDomain(t *testing.T) {
	_, err := check.Run(context.Background(), labResolver(t), []check.Target{{Domain: "user@example.org"}}, check.Options{})
	if err == nil {
		t.Fatal("want an error for an email address given as a domain")
	}
}

// freePort returns a loopback port with nothing listening on it.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// With the policy fetched, the sessions decide whether senders that
// enforce it can deliver: the lab's stsbadtls.lab.test covers its MX, whose
// certificate names another host.
func TestMTASTSAgainstSessions(t *testing.T) {
	o := labOptions(t)
	o.MTASTS = &mtasts.FetchOptions{RootCAs: theLab.CA.Pool(), Port: theLab.MTASTSPort, Timeout: 3 * time.Second}
	tests := []struct {
		domain string
		want   []string
	}{
		{"good.lab.test", []string{"mtasts.mx_tls ok mx1.good.lab.test [127.0.0.11]", "mtasts.mx_tls ok hub.lab.test [127.0.0.10]", "mtasts.mx_match ok good.lab.test"}},
		{"stsbadtls.lab.test", []string{"mtasts.mx_tls error mx.badcert.lab.test [127.0.0.13]"}},
		// Not covered: mx_match already says senders skip the host.
		{"stsnomx.lab.test", []string{"mtasts.mx_match error mx1.good.lab.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			res := runOne(t, o, tt.domain)
			var got []string
			for _, f := range res.Findings {
				if strings.HasPrefix(f.ID, "mtasts.mx_") {
					got = append(got, f.ID+" "+f.Severity.String()+" "+f.Subject)
				}
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("want %q among %q", w, got)
				}
			}
			if tt.domain == "stsnomx.lab.test" && slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "mtasts.mx_tls") }) {
				t.Errorf("TLS judged for an MX the policy does not cover: %q", got)
			}
		})
	}
}
