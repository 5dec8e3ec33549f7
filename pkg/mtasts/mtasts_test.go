package mtasts_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/mtasts"
	"github.com/mailflowkit/mailflow/pkg/mtasts/ststest"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

func TestParseRecord(t *testing.T) {
	tests := []struct{ in, id, err string }{
		{"v=STSv1; id=20160831085700Z", "20160831085700Z", ""},
		{"v=STSv1;id=abc;", "abc", ""},
		{"v=STSv1 ; id=abc ; ext.x-1=val", "abc", ""},
		{"v=STSv1; id=" + strings.Repeat("a", 32), strings.Repeat("a", 32), ""},
		{"v=STSv1; id=" + strings.Repeat("a", 33), "", "1 to 32"},
		{"v=STSv1; id=2016-08-31", "", "letters and digits"},
		{"v=STSv1", "", "no id="},
		{"v=STSv1;", "", "no id="},
		{"v=STSv1; id=a; id=b", "", "twice"},
		{"v=STSv1; v=STSv1; id=a", "", "twice"},
		{"v=STSv1 id=a", "", "followed by a semicolon"},
		{"v=STSv1; ; id=a", "", "empty field"},
		{"v=STSv1; id", "", "not name=value"},
		{"v=STSv1; id=a; ext=a b", "", "extension"},
		{"v=stsv1; id=a", "", "does not start"},
		{"v=STSv10; id=a", "", "does not start"},
	}
	for _, tt := range tests {
		r, err := mtasts.ParseRecord(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case tt.err == "" && r.ID != tt.id:
			t.Errorf("%q: id %q, want %q", tt.in, r.ID, tt.id)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		name, in string
		mode     mtasts.Mode
		mx       []string
		notes    int
		err      string
	}{
		{"crlf", "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n", mtasts.ModeEnforce, []string{"mail.example.com", "*.example.net"}, 0, ""},
		{"lf, no final newline", "version: STSv1\nmode: testing\nmx: MX.Example.com\nmax_age: 86400", mtasts.ModeTesting, []string{"mx.example.com"}, 0, ""},
		{"none without mx", "version: STSv1\nmode: none\nmax_age: 0\n", mtasts.ModeNone, nil, 0, ""},
		{"tolerated", "version: STSv1\n\nmode: enforce\nmx: a.example  \nmax_age:86400\nfoo: bar\n", mtasts.ModeEnforce, []string{"a.example"}, 3, ""},
		{"max age limit", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557600\n", mtasts.ModeEnforce, []string{"a.example"}, 0, ""},
		{"max age over a year", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n", "", nil, 0, "more than a year"},
		{"max age digits", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 12345678901\n", "", nil, 0, "at most 10 digits"},
		{"max age sign", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n", "", nil, 0, "number of seconds"},
		{"no mx", "version: STSv1\nmode: enforce\nmax_age: 86400\n", "", nil, 0, "no mx field"},
		{"no version", "mode: enforce\nmx: a.example\nmax_age: 86400\n", "", nil, 0, "no version field"},
		{"no max age", "version: STSv1\nmode: enforce\nmx: a.example\n", "", nil, 0, "no max_age field"},
		{"bad version", "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n", "", nil, 0, "only version"},
		{"mode case", "version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1\n", "", nil, 0, "lower case"},
		{"field case", "version: STSv1\nMode: enforce\nmx: a.example\nmax_age: 1\n", "", nil, 0, "field names are lower case"},
		{"duplicate mode", "version: STSv1\nmode: enforce\nmode: testing\nmx: a.example\nmax_age: 1\n", "", nil, 0, "twice"},
		{"no colon", "version STSv1\n", "", nil, 0, "field: value"},
		{"bare cr", "version: STSv1\rmode: enforce\n", "", nil, 0, "carriage return"},
		{"trailing dot", "version: STSv1\nmode: enforce\nmx: a.example.\nmax_age: 1\n", "", nil, 0, "ends in a dot"},
		{"inner wildcard", "version: STSv1\nmode: enforce\nmx: a.*.example\nmax_age: 1\n", "", nil, 0, "leftmost label"},
		{"single label", "version: STSv1\nmode: enforce\nmx: localhost\nmax_age: 1\n", "", nil, 0, "single label"},
		{"bad label", "version: STSv1\nmode: enforce\nmx: a_b.example\nmax_age: 1\n", "", nil, 0, "not a host name label"},
		{"empty", "", "", nil, 0, "empty"},
		{"html", "<html><body>Not found</body></html>\n", "", nil, 0, "field"},
		{"many notes", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\n" + strings.Repeat("\n", 100) + "x: y", mtasts.ModeEnforce, []string{"a.example"}, 9, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := mtasts.ParsePolicy(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Mode != tt.mode || !slices.Equal(p.MX, tt.mx) || len(p.Notes) != tt.notes {
				t.Errorf("mode %s mx %v notes %q", p.Mode, p.MX, p.Notes)
			}
		})
	}
}

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, host string
		want          bool
	}{
		{"mail.example.com", "mail.example.com", true},
		{"mail.example.com", "MAIL.example.com.", true},
		{"mail.example.com", "mail2.example.com", false},
		{"*.example.com", "mx1.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.b.example.com", false},
		{"*.example.com", ".example.com", false},
		{"*.example.com", "mx1.example.com.evil", false},
	}
	for _, tt := range tests {
		if got := mtasts.MatchPattern(tt.pattern, tt.host); got != tt.want {
			t.Errorf("MatchPattern(%q, %q) = %v", tt.pattern, tt.host, got)
		}
	}
}

func TestIDTime(t *testing.T) {
	tests := []struct {
		id    string
		ok    bool
		until string
	}{
		{"20260101", true, "2026-01-02T00:00:00Z"},
		{"20260101T1200", true, "2026-01-01T12:01:00Z"},
		{"20160831085700Z", true, "2016-08-31T08:57:01Z"},
		{"20261301", false, ""},
		{"1", false, ""},
		{"abc20260101", false, ""},
		{"19991231", false, ""},
	}
	for _, tt := range tests {
		_, until, ok := mtasts.IDTime(tt.id)
		if ok != tt.ok || (ok && until.Format(time.RFC3339) != tt.until) {
			t.Errorf("IDTime(%q) = %v %v", tt.id, until, ok)
		}
	}
}

const goodPolicy = "version: STSv1\r\nmode: enforce\r\nmx: mx.x.test\r\nmx: *.backup.x.test\r\nmax_age: 604800\r\n"

// policyServer serves policies over HTTPS on 127.0.0.1 with certificates
// from a test CA, and a DNS server that sends every policy host there.
type policyServer struct {
	port int
	ca   *certgen.CA
	r    *resolver.Resolver
}

func startPolicyServer(t *testing.T, policies map[string]ststest.Policy) *policyServer {
	t.Helper()
	ca, err := certgen.NewCA("mtasts test CA")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ststest.Start("127.0.0.1:0", ca, policies)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	var zone strings.Builder
	zone.WriteString("$ORIGIN x.test.\n@ 300 IN SOA ns hostmaster 1 3600 600 86400 60\n")
	for host := range policies {
		fmt.Fprintf(&zone, "%s. 300 IN A 127.0.0.1\n", host)
	}
	zone.WriteString("mta-sts.servfail 300 IN A 127.0.0.1\n")
	dnsSrv, err := authdns.Start("127.0.0.1:0", zone.String(), authdns.WithRule("mta-sts.servfail.x.test", authdns.Rule{Rcode: 2}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dnsSrv.Close() })
	r, err := resolver.New(resolver.Config{Servers: []string{dnsSrv.Addr}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &policyServer{port: srv.Port, ca: ca, r: r}
}

func TestFetchPolicy(t *testing.T) {
	ps := startPolicyServer(t, map[string]ststest.Policy{
		"mta-sts.good.x.test":      {Body: goodPolicy, ContentType: "text/plain; charset=utf-8"},
		"mta-sts.redirect.x.test":  {Redirect: "https://elsewhere.example/policy"},
		"mta-sts.missing.x.test":   {Status: http.StatusNotFound, Body: "not here"},
		"mta-sts.big.x.test":       {Body: strings.Repeat("mx: a.example\n", 5000)},
		"mta-sts.wrongcert.x.test": {Body: goodPolicy, CertName: "someone-else.example"},
		"mta-sts.slow.x.test":      {Body: goodPolicy, Delay: 5 * time.Second},
	})
	tests := []struct {
		domain, problem string
		transient       bool
		errText         string
	}{
		{"good.x.test", "", false, ""},
		{"redirect.x.test", "redirect", false, "do not follow redirects"},
		{"missing.x.test", "http_status", false, "404"},
		{"big.x.test", "too_large", false, "64 KiB"},
		{"wrongcert.x.test", "tls", false, "not valid"},
		{"slow.x.test", "connect", true, "in time"},
		{"nxdomain.x.test", "dns", false, "NXDOMAIN"},
		{"servfail.x.test", "dns", true, "SERVFAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			f := mtasts.FetchPolicy(context.Background(), ps.r, tt.domain, mtasts.FetchOptions{RootCAs: ps.ca.Pool(), Port: ps.port, Timeout: 500 * time.Millisecond})
			if f.Problem != tt.problem || f.Transient != tt.transient || !strings.Contains(f.Error, tt.errText) {
				t.Errorf("problem %q transient %v error %q", f.Problem, f.Transient, f.Error)
			}
			if tt.problem == "" && (f.Body != goodPolicy || f.IP != "127.0.0.1" || f.HTTPStatus != 200 || !strings.HasPrefix(f.TLSVersion, "TLS 1.")) {
				t.Errorf("fetched %+v", f)
			}
		})
	}
	// Without the test CA the certificate is not trusted.
	f := mtasts.FetchPolicy(context.Background(), ps.r, "good.x.test", mtasts.FetchOptions{Port: ps.port, Timeout: 10 * time.Second}) // loading the system roots is slow under -race
	if f.Problem != "tls" {
		t.Errorf("system roots: problem %q (%s)", f.Problem, f.Error)
	}
	// Nothing listens on the port: a definite failure, not a transient one.
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	port := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	f = mtasts.FetchPolicy(context.Background(), ps.r, "good.x.test", mtasts.FetchOptions{Port: port, Timeout: time.Second})
	if f.Problem != "connect" || f.Transient || !strings.Contains(f.URL, ":"+strconv.Itoa(port)+"/") {
		t.Errorf("closed port: %+v", f)
	}
}

func ids(fs []report.Finding) []string {
	var out []string
	for _, f := range fs {
		s := f.ID + ":" + f.Severity.String()
		if f.Incomplete {
			s += ":unchecked"
		}
		out = append(out, s)
	}
	return out
}

func TestEvaluate(t *testing.T) {
	day := 24 * time.Hour
	fetched := func(body, ct string, mod time.Time) *mtasts.Fetch {
		f := &mtasts.Fetch{URL: mtasts.PolicyURL("x.test", 0), IP: "192.0.2.1", TLSVersion: "TLS 1.3", HTTPStatus: 200, ContentType: ct, Body: body, Bytes: len(body)}
		if !mod.IsZero() {
			f.LastModified = &mod
		}
		return f
	}
	idDate, _, _ := mtasts.IDTime("20260101")
	record := mtasts.Lookup{TXT: []string{"v=STSv1; id=20260101", "unrelated"}}
	mx := []string{"mx.x.test", "b1.backup.x.test"}
	testingPolicy := strings.Replace(goodPolicy, "enforce", "testing", 1)
	tests := []struct {
		name   string
		in     mtasts.Inputs
		want   []string
		active bool
	}{
		{"no record", mtasts.Inputs{TXT: mtasts.Lookup{TXT: []string{"v=spf1 -all"}}}, []string{"mtasts.record:ok"}, false},
		{"lookup failed", mtasts.Inputs{TXT: mtasts.Lookup{Err: errors.New("SERVFAIL")}}, []string{"mtasts.record:warning:unchecked"}, false},
		{"two records", mtasts.Inputs{TXT: mtasts.Lookup{TXT: []string{"v=STSv1; id=1", "v=STSv1; id=2"}}}, []string{"mtasts.record:warning"}, false},
		{"bad record", mtasts.Inputs{TXT: mtasts.Lookup{TXT: []string{"v=STSv1; id=!"}}}, []string{"mtasts.record:warning"}, false},
		{"not fetched", mtasts.Inputs{TXT: record}, []string{"mtasts.record:ok"}, false},
		{"good", mtasts.Inputs{TXT: record, Fetch: fetched(goodPolicy, "text/plain", idDate.Add(time.Hour)), MX: mx, TLSRPT: true},
			[]string{"mtasts.record:ok", "mtasts.fetch:ok", "mtasts.policy:ok", "mtasts.mode:ok", "mtasts.id:ok", "mtasts.mx_match:ok"}, true},
		{"id older than the file", mtasts.Inputs{TXT: record, Fetch: fetched(goodPolicy, "text/plain", idDate.Add(3*day)), MX: mx},
			[]string{"mtasts.record:ok", "mtasts.fetch:ok", "mtasts.policy:ok", "mtasts.mode:ok", "mtasts.id:warning", "mtasts.mx_match:ok"}, true},
		{"mx not covered", mtasts.Inputs{TXT: record, Fetch: fetched(goodPolicy, "text/plain", time.Time{}), MX: []string{"mx.x.test", "other.example"}},
			[]string{"mtasts.record:ok", "mtasts.fetch:ok", "mtasts.policy:ok", "mtasts.mode:ok", "mtasts.mx_match:error"}, true},
		{"testing without tls-rpt", mtasts.Inputs{TXT: record, Fetch: fetched(testingPolicy, "text/plain", time.Time{}), MX: []string{"other.example"}},
			[]string{"mtasts.record:ok", "mtasts.fetch:ok", "mtasts.policy:ok", "mtasts.mode:warning", "mtasts.mx_match:warning"}, true},
		{"testing with tls-rpt", mtasts.Inputs{TXT: record, Fetch: fetched(testingPolicy, "text/plain", time.Time{}), MX: mx, TLSRPT: true},
			[]string{"mtasts.record:ok", "mtasts.fetch:ok", "mtasts.policy:ok", "mtasts.mode:info", "mtasts.mx_match:ok"}, true},
		{"html", mtasts.Inputs{TXT: record, Fetch: fetched(goodPolicy, "text/html", time.Time{}), MX: mx},
			[]string{"mtasts.record:ok", "mtasts.fetch:warning", "mtasts.policy:ok", "mtasts.mode:ok", "mtasts.mx_match:ok"}, true},
		{"unparsable", mtasts.Inputs{TXT: record, Fetch: fetched("<html>", "text/plain", time.Time{}), MX: mx},
			[]string{"mtasts.record:ok", "mtasts.fetch:ok", "mtasts.policy:warning"}, false},
		{"short max_age, notes", mtasts.Inputs{TXT: record, Fetch: fetched("version: STSv1\nmode: enforce\nmx: mx.x.test\nmax_age: 600\nid: 1\n", "text/plain", time.Time{}), MX: mx[:1]},
			[]string{"mtasts.record:ok", "mtasts.fetch:ok", "mtasts.policy:ok", "mtasts.policy:info", "mtasts.mode:ok", "mtasts.max_age:info", "mtasts.mx_match:ok"}, true},
		{"mode none", mtasts.Inputs{TXT: record, Fetch: fetched("version: STSv1\nmode: none\nmax_age: 0\n", "text/plain", time.Time{}), MX: mx},
			[]string{"mtasts.record:ok", "mtasts.fetch:ok", "mtasts.policy:ok", "mtasts.mode:info"}, false},
		{"fetch failed", mtasts.Inputs{TXT: record, Fetch: &mtasts.Fetch{URL: "u", Problem: "http_status", Error: "HTTP 404"}, MX: mx},
			[]string{"mtasts.record:ok", "mtasts.fetch:warning"}, false},
		{"fetch timed out", mtasts.Inputs{TXT: record, Fetch: &mtasts.Fetch{URL: "u", Problem: "connect", Transient: true, Error: "timeout"}, MX: mx},
			[]string{"mtasts.record:ok", "mtasts.fetch:warning:unchecked"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Domain = "x.test"
			res := mtasts.Evaluate(tt.in)
			if got := ids(res.Findings); !slices.Equal(got, tt.want) {
				t.Errorf("findings\n %v\nwant\n %v", got, tt.want)
			}
			if res.Active() != tt.active {
				t.Errorf("active %v", res.Active())
			}
			for _, f := range res.Findings {
				if err := report.ValidateFinding(f); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestTLSFindings(t *testing.T) {
	p, _ := mtasts.ParsePolicy(goodPolicy)
	res := &mtasts.Result{Policy: p}
	good := mtasts.HostTLS{Host: "mx.x.test", Label: "mx.x.test [192.0.2.1]", STARTTLS: true, TLS: true, Trusted: true, NameMatch: true}
	misnamed := good
	misnamed.NameMatch, misnamed.Label = false, "b1"
	misnamed.Host = "b1.backup.x.test"
	plain := mtasts.HostTLS{Host: "b2.backup.x.test", Label: "b2"}
	down := mtasts.HostTLS{Host: "b3.backup.x.test", Label: "b3", Unchecked: true}
	outside := mtasts.HostTLS{Host: "other.example", Label: "other"}
	got := ids(res.TLSFindings([]mtasts.HostTLS{good, misnamed, plain, down, outside}))
	want := []string{"mtasts.mx_tls:ok", "mtasts.mx_tls:error", "mtasts.mx_tls:error", "mtasts.mx_tls:warning:unchecked"}
	if !slices.Equal(got, want) {
		t.Errorf("enforce: %v, want %v", got, want)
	}
	p.Mode = mtasts.ModeTesting
	if got := ids(res.TLSFindings([]mtasts.HostTLS{misnamed})); !slices.Equal(got, []string{"mtasts.mx_tls:warning"}) {
		t.Errorf("testing: %v", got)
	}
	p.Mode = mtasts.ModeNone
	if got := res.TLSFindings([]mtasts.HostTLS{misnamed}); got != nil {
		t.Errorf("none: %v", got)
	}
}

func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{"v=STSv1; id=20160831085700Z", "v=STSv1;id=a;x=y;", "v=STSv1 ; id=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := mtasts.ParseRecord(s)
		if err == nil && (r.ID == "" || len(r.ID) > 32 || !mtasts.IsRecord(s)) {
			t.Fatalf("%q accepted with id %q", s, r.ID)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(goodPolicy)
	f.Add("version: STSv1\nmode: none\nmax_age: 0")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := mtasts.ParsePolicy(s)
		if err != nil {
			return
		}
		if p.Version != "STSv1" || p.MaxAge < 0 || p.MaxAge > mtasts.MaxMaxAge || (len(p.MX) == 0 && p.Mode != mtasts.ModeNone) {
			t.Fatalf("%q accepted as %+v", s, p)
		}
		for _, pat := range p.MX {
			// Every pattern matches some host name: itself, or one label
			// under its parent.
			host := strings.Replace(pat, "*", "mx", 1)
			if p.Match(host) == "" {
				t.Fatalf("%q: pattern %q matches nothing", s, pat)
			}
		}
	})
}
