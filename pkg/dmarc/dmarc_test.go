package dmarc_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/dmarc"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

func TestParse(t *testing.T) {
	tests := []struct{ in, err string }{
		{"v=DMARC1; p=reject", ""},
		{"v=DMARC1; p=none; rua=mailto:a@example.com,mailto:b@example.net; pct=50; adkim=s; aspf=r; fo=1:d; ri=3600; sp=quarantine; rf=afrf", ""},
		{"v=DMARC1;p=quarantine;", ""},
		{"p=reject; v=DMARC1", "must start with v=DMARC1"},
		{"v=DMARC1; rua=mailto:a@b.example", "no p= tag"},
		{"v=DMARC1; rua=mailto:a@b.example; p=none", "right after"},
		{"v=DMARC1; p=block", "want none, quarantine or reject"},
		{"v=DMARC1; p=none; pct=150", "0 to 100"},
		{"v=DMARC1; p=none; rua=a@b.example", "mailto:"},
		{"v=DMARC1; p=none; adkim=x", "relaxed"},
		{"v=DMARC1; p=none; foo=bar", "unknown tag"},
		{"v=DMARC1; p=none; p=reject", "twice"},
		{"v=DMARC1; p", "no value"},
		{"v=DMARC1; p=none; fo=2", "options"},
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

func TestCheck(t *testing.T) {
	zone := `
$ORIGIN d.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
_dmarc.good 300 IN TXT "v=DMARC1; p=reject; rua=mailto:r@d.test"
_dmarc.none 300 IN TXT "v=DMARC1; p=none"
_dmarc.two 300 IN TXT "v=DMARC1; p=none"
_dmarc.two 300 IN TXT "v=DMARC1; p=reject"
_dmarc.bad 300 IN TXT "v=DMARC1; p=maybe"
_dmarc.pct 300 IN TXT "v=DMARC1; p=quarantine; pct=20"
_dmarc.other 300 IN TXT "some verification token"
`
	s, err := authdns.Start("127.0.0.1:0", zone)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, _ := resolver.New(resolver.Config{Servers: []string{s.Addr}, Timeout: 2 * time.Second})
	tests := []struct {
		domain string
		ids    []string
	}{
		{"good.d.test", nil},
		{"none.d.test", []string{"dmarc.policy_none"}},
		{"two.d.test", []string{"dmarc.multiple"}},
		{"bad.d.test", []string{"dmarc.syntax"}},
		{"pct.d.test", []string{"dmarc.partial"}},
		{"other.d.test", []string{"dmarc.missing"}},
		{"absent.d.test", []string{"dmarc.missing"}},
		{"outside.invalid", []string{"dmarc.lookup_failed"}},
	}
	for _, tt := range tests {
		res := dmarc.Check(context.Background(), r, tt.domain)
		var ids []string
		for _, f := range res.Findings {
			ids = append(ids, f.ID)
		}
		if !slices.Equal(ids, tt.ids) {
			t.Errorf("%s: %v, want %v", tt.domain, ids, tt.ids)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("v=DMARC1; p=reject; rua=mailto:a@b.example")
	f.Add("v=DMARC1;p=none;pct=0;fo=0:1:d:s")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := dmarc.Parse(s)
		if err == nil && (r.Tags["v"] != "DMARC1" || r.Policy() == "") {
			t.Fatalf("accepted %q without v/p: %v", s, r.Tags)
		}
	})
}
