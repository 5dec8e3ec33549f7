package dmarc_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/dmarc"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

func TestParse(t *testing.T) {
	tests := []struct{ in, err string }{
		{"v=DMARC1; p=reject", ""},
		{"v=DMARC1; p=none; rua=mailto:a@example.com,mailto:b@example.net!10m; pct=50; adkim=s; aspf=r; fo=1:d; ri=3600; sp=quarantine; np=reject; rf=afrf", ""},
		{"v=DMARC1;p=quarantine;", ""},
		{"v=DMARC1; p=none; foo=bar", ""}, // unknown tags are ignored (RFC 7489 §6.3)
		{"v=DMARC1; p=none; psd=n; t=y", ""},
		{"p=reject; v=DMARC1", "must start with v=DMARC1"},
		{";p=rejeCt", "must start with v=DMARC1"}, // issue 13: used to panic
		{";;v=DMARC1", "no p= tag"},
		{"v=DMARC1", "no p= tag"},
		{"v=DMARC1; rua=mailto:a@b.example", "no p= tag"},
		{"v=DMARC1; rua=mailto:a@b.example; p=none", "right after"},
		{"v=DMARC1; p=block", "want none, quarantine or reject"},
		{"v=DMARC1; p=none; np=maybe", "want none, quarantine or reject"},
		{"v=DMARC1; p=none; pct=150", "0 to 100"},
		{"v=DMARC1; p=none; pct=0100", "0 to 100"},
		{"v=DMARC1; p=none; rua=a@b.example", "mailto:"},
		{"v=DMARC1; p=none; rua=mailto:nobody", "not a mail address"},
		{"v=DMARC1; p=none; rua=mailto:a@b.example!10mk", "size limit"},
		{"v=DMARC1; p=none; rua=mailto:a@b..example", "not a mail address"},
		{"v=DMARC1; p=none; adkim=x", "relaxed"},
		{"v=DMARC1; p=none; p=reject", "twice"},
		{"v=DMARC1; p", "no value"},
		{"v=DMARC1; p=none; fo=2", "options"},
		{"v=DMARC1; p=none; psd=x", "want y or n"},
		{"", "empty record"},
	}
	for _, tt := range tests {
		_, err := dmarc.Parse(tt.in)
		if tt.err == "" && err != nil {
			t.Errorf("%q: %v", tt.in, err)
		}
		if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%q: err = %v, want %q", tt.in, err, tt.err)
		}
	}
}

func TestRecordPolicies(t *testing.T) {
	tests := []struct {
		in          string
		p, sp, np   string
		pct         int
		adkim, aspf string
	}{
		{"v=DMARC1; p=reject", "reject", "reject", "reject", 100, "r", "r"},
		{"v=DMARC1; p=REJECT; sp=none", "reject", "none", "none", 100, "r", "r"},
		{"v=DMARC1; p=reject; sp=quarantine; np=none; pct=0; adkim=s", "reject", "quarantine", "none", 0, "s", "r"},
	}
	for _, tt := range tests {
		r, err := dmarc.Parse(tt.in)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		dkim, spf := r.Alignment()
		got := fmt.Sprint(r.Policy(), r.SubdomainPolicy(), r.NonexistentPolicy(), r.Percent(), dkim, spf)
		if want := fmt.Sprint(tt.p, tt.sp, tt.np, tt.pct, tt.adkim, tt.aspf); got != want {
			t.Errorf("%q: %s, want %s", tt.in, got, want)
		}
	}
}

func TestOrgDomain(t *testing.T) {
	for in, want := range map[string]string{
		"example.com":            "example.com",
		"mail.sub.example.com":   "example.com",
		"Example.CO.UK.":         "example.co.uk",
		"www.example.co.uk":      "example.co.uk",
		"co.uk":                  "co.uk",
		"good.lab.test":          "lab.test",
		"xn--bcher-kva.example.": "xn--bcher-kva.example",
	} {
		if got := dmarc.OrgDomain(in); got != want {
			t.Errorf("OrgDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

const zone = `
$ORIGIN d.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
_dmarc 300 IN TXT "v=DMARC1; p=reject; sp=quarantine; np=none; rua=mailto:r@d.test"
_dmarc.good 300 IN TXT "v=DMARC1; p=reject; rua=mailto:r@d.test"
_dmarc.none 300 IN TXT "v=DMARC1; p=none; rua=mailto:r@d.test"
_dmarc.two 300 IN TXT "v=DMARC1; p=none"
_dmarc.two 300 IN TXT "v=DMARC1; p=reject"
_dmarc.bad 300 IN TXT "v=DMARC1; p=maybe"
_dmarc.pct 300 IN TXT "v=DMARC1; p=quarantine; pct=20; rua=mailto:r@d.test"
_dmarc.zero 300 IN TXT "v=DMARC1; p=reject; pct=0; rua=mailto:r@d.test"
_dmarc.strict 300 IN TXT "v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:r@d.test"
_dmarc.odd 300 IN TXT "v=DMARC1; p=reject; rua=mailto:r@d.test; colour=blue"
_dmarc.quiet 300 IN TXT "v=DMARC1; p=reject"
_dmarc.ext 300 IN TXT "v=DMARC1; p=reject; rua=mailto:a@reports.e.test,mailto:b@nowhere.e.test; ruf=mailto:a@reports.e.test"
_dmarc.other 300 IN TXT "some verification token"

$ORIGIN e.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
ext.d.test._report._dmarc.reports 300 IN TXT "v=DMARC1"
ext.d.test._report._dmarc.nowhere 300 IN TXT "v=spf1 -all"

$ORIGIN f.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
_dmarc 300 IN TXT "v=DMARC1; p=reject; rua=mailto:r@f.test"

$ORIGIN g.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
_dmarc 300 IN TXT "v=DMARC1; p=reject; np=quarantine; rua=mailto:r@g.test"
`

func TestCheck(t *testing.T) {
	s, err := authdns.Start("127.0.0.1:0", zone, authdns.WithRule("_dmarc.broken.d.test", authdns.Rule{Rcode: 2}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, _ := resolver.New(resolver.Config{Servers: []string{s.Addr}, Timeout: 2 * time.Second})
	tests := []struct {
		domain string
		ids    []string
		policy string
		source string
	}{
		{"good.d.test", nil, "reject", "good.d.test"},
		{"none.d.test", []string{"dmarc.policy_none"}, "none", "none.d.test"},
		{"two.d.test", []string{"dmarc.multiple"}, "", ""},
		{"bad.d.test", []string{"dmarc.syntax"}, "", "bad.d.test"},
		{"pct.d.test", []string{"dmarc.partial"}, "quarantine", "pct.d.test"},
		{"zero.d.test", []string{"dmarc.partial"}, "reject", "zero.d.test"},
		{"strict.d.test", []string{"dmarc.strict_alignment"}, "reject", "strict.d.test"},
		{"odd.d.test", []string{"dmarc.unknown_tag"}, "reject", "odd.d.test"},
		{"quiet.d.test", []string{"dmarc.no_rua"}, "reject", "quiet.d.test"},
		{"ext.d.test", []string{"dmarc.report_auth:ok", "dmarc.report_auth:warning"}, "reject", "ext.d.test"},
		// No record of its own: the organizational domain's sp= applies.
		{"other.d.test", []string{"dmarc.inherited"}, "quarantine", "d.test"},
		{"absent.d.test", []string{"dmarc.inherited"}, "quarantine", "d.test"},
		{"d.test", []string{"dmarc.subdomain_policy"}, "reject", "d.test"},
		{"g.test", []string{"dmarc.subdomain_policy"}, "reject", "g.test"},
		{"deep.sub.f.test", []string{"dmarc.inherited"}, "reject", "f.test"},
		{"h.test", []string{"dmarc.lookup_failed"}, "", ""},
		{"broken.d.test", []string{"dmarc.lookup_failed"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			res := dmarc.Check(context.Background(), r, tt.domain)
			var ids []string
			for _, f := range res.Findings {
				id := f.ID
				if f.ID == "dmarc.report_auth" {
					id += ":" + f.Severity.String()
				}
				if err := report.ValidateFinding(f); err != nil {
					t.Error(err)
				}
				ids = append(ids, id)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tt.ids) {
				t.Errorf("findings %v, want %v", ids, tt.ids)
			}
			if res.Policy != tt.policy || res.Source != tt.source {
				t.Errorf("policy %q from %q, want %q from %q", res.Policy, res.Source, tt.policy, tt.source)
			}
		})
	}
}

// A destination listed in both rua and ruf is asked once and both carry
// the answer.
func TestReportAuthorizationShared(t *testing.T) {
	s, err := authdns.Start("127.0.0.1:0", zone)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, _ := resolver.New(resolver.Config{Servers: []string{s.Addr}, Timeout: 2 * time.Second})
	res := dmarc.Check(context.Background(), r, "ext.d.test")
	var got []string
	for _, ru := range res.Reports {
		auth := "-"
		if ru.Authorized != nil {
			auth = fmt.Sprint(*ru.Authorized)
		}
		got = append(got, ru.Tag+" "+ru.Domain+" "+auth)
	}
	want := []string{"rua reports.e.test true", "rua nowhere.e.test false", "ruf reports.e.test true"}
	if !slices.Equal(got, want) {
		t.Errorf("reports %v, want %v", got, want)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("v=DMARC1; p=reject; rua=mailto:a@b.example")
	f.Add("v=DMARC1;p=none;pct=0;fo=0:1:d:s")
	f.Add(";p=rejeCt")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := dmarc.Parse(s)
		if err != nil {
			return
		}
		if r.Tags["v"] != "DMARC1" || r.Policy() == "" || r.Order[0] != "v" {
			t.Fatalf("accepted %q without v first and p: %v", s, r.Tags)
		}
		if pct := r.Percent(); pct < 0 || pct > 100 {
			t.Fatalf("%q: pct %d", s, pct)
		}
		for _, ru := range r.Reports() {
			if ru.Domain == "" || !strings.Contains(ru.Address, "@") {
				t.Fatalf("%q: report destination %+v without a domain", s, ru)
			}
		}
	})
}
