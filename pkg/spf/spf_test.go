package spf_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/spf"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, err string
		terms   int
	}{
		{"v=spf1 -all", "", 1},
		{"V=SPF1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/24//64 include:_spf.example.net ~all", "", 6},
		{"v=spf1 redirect=_spf.example.com", "", 1},
		{"v=spf1 exists:%{i}._spf.%{d} -all", "", 2},
		{"v=spf1 a/24 mx//64 ?all", "", 3},
		{"v=spf1 ptr -all", "", 2},
		{"v=spf1 foo=bar -all", "", 2},
		{"v=spf10 -all", "does not start", 0},
		{"spf1 -all", "does not start", 0},
		{"v=spf1 ip4:192.0.2.300 -all", "not an IPv4", 0},
		{"v=spf1 ip4:2001:db8::1 -all", "not an IPv4", 0},
		{"v=spf1 ip6:192.0.2.1 -all", "not an IPv6", 0},
		{"v=spf1 ip4:192.0.2.0/33", "prefix length", 0},
		{"v=spf1 include -all", "needs a domain", 0},
		{"v=spf1 all:x", "takes no argument", 0},
		{"v=spf1 a/40", "prefix length", 0},
		{"v=spf1 redirect=a.example redirect=b.example", "twice", 0},
		{"v=spf1 include:%{z}.example", "macro letter", 0},
		{"v=spf1 include:%x", "invalid macro", 0},
		{"v=spf1 mxx -all", "unknown mechanism", 0},
		{"v=spf1 +all", "", 1},
	}
	for _, tt := range tests {
		rec, err := spf.Parse(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if len(rec.Terms) != tt.terms {
			t.Errorf("%q: %d terms, want %d", tt.in, len(rec.Terms), tt.terms)
		}
	}
}

const zone = `
$ORIGIN spf.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
ns 300 IN A 127.0.0.1
good 300 IN TXT "v=spf1 ip4:192.0.2.1 include:inc.spf.test -all"
good 300 IN TXT "google-site-verification=abc"
inc 300 IN TXT "v=spf1 ip4:192.0.2.2 ~all"
none 300 IN TXT "hello"
two 300 IN TXT "v=spf1 -all"
two 300 IN TXT "v=spf1 ~all"
bad 300 IN TXT "v=spf1 ip4:999.1.1.1 -all"
pass 300 IN TXT "v=spf1 +all"
neutral 300 IN TXT "v=spf1 a ?all"
neutral 300 IN A 192.0.2.5
noall 300 IN TXT "v=spf1 ip4:192.0.2.1"
ptr 300 IN TXT "v=spf1 ptr -all"
dangling 300 IN TXT "v=spf1 include:nothing.spf.test -all"
void 300 IN TXT "v=spf1 a:v1.spf.test a:v2.spf.test a:v3.spf.test -all"
loopy 300 IN TXT "v=spf1 include:loopy.spf.test -all"
redir 300 IN TXT "v=spf1 redirect=inc.spf.test"
many 300 IN TXT "v=spf1 include:l1.spf.test include:l2.spf.test include:l3.spf.test include:l4.spf.test -all"
l1 300 IN TXT "v=spf1 a mx a:x.spf.test -all"
l2 300 IN TXT "v=spf1 a mx exists:y.spf.test -all"
l3 300 IN TXT "v=spf1 a mx ~all"
l4 300 IN TXT "v=spf1 a ~all"
twice 300 IN TXT "v=spf1 include:l3.spf.test include:both.spf.test -all"
both 300 IN TXT "v=spf1 include:l3.spf.test ~all"
incpass 300 IN TXT "v=spf1 include:open.spf.test -all"
open 300 IN TXT "v=spf1 ptr +all"
redirloop 300 IN TXT "v=spf1 redirect=redirloop2.spf.test"
redirloop2 300 IN TXT "v=spf1 redirect=redirloop.spf.test"
voidinc 300 IN TXT "v=spf1 include:gone1.spf.test include:gone2.spf.test include:gone3.spf.test -all"
fan 300 IN TXT "v=spf1 include:f1.spf.test include:f1.spf.test include:f1.spf.test -all"
f1 300 IN TXT "v=spf1 include:f2.spf.test include:f2.spf.test include:f2.spf.test include:f2.spf.test -all"
f2 300 IN TXT "v=spf1 include:f3.spf.test include:f3.spf.test include:f3.spf.test include:f3.spf.test -all"
f3 300 IN TXT "v=spf1 ip4:192.0.2.9 include:f4.spf.test include:f4.spf.test include:f4.spf.test -all"
f4 300 IN TXT "v=spf1 ip4:192.0.2.10 -all"
`

func TestCheck(t *testing.T) {
	s, err := authdns.Start("127.0.0.1:0", zone, authdns.WithRule("broken.spf.test", authdns.Rule{Rcode: 2}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := resolver.New(resolver.Config{Servers: []string{s.Addr}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		domain  string
		ids     []string
		lookups int
	}{
		{"good.spf.test", nil, 1},
		{"none.spf.test", []string{"spf.missing"}, 0},
		{"nxdomain.spf.test", []string{"spf.missing"}, 0},
		{"two.spf.test", []string{"spf.multiple"}, 0},
		{"bad.spf.test", []string{"spf.syntax"}, 0},
		{"pass.spf.test", []string{"spf.all_pass"}, 0},
		{"neutral.spf.test", []string{"spf.all_neutral"}, 1},
		{"noall.spf.test", []string{"spf.no_all"}, 0},
		{"ptr.spf.test", []string{"spf.ptr"}, 1},
		{"dangling.spf.test", []string{"spf.include_no_record"}, 1},
		{"void.spf.test", []string{"spf.void_lookups"}, 3},
		{"loopy.spf.test", []string{"spf.include_loop"}, 1},
		// A domain included twice costs twice: receivers do not remember.
		{"twice.spf.test", []string{"spf.void_lookups"}, 7},
		{"incpass.spf.test", []string{"spf.all_pass", "spf.ptr"}, 2},
		{"redirloop.spf.test", []string{"spf.include_loop"}, 2},
		{"voidinc.spf.test", []string{"spf.include_no_record", "spf.include_no_record", "spf.include_no_record", "spf.void_lookups"}, 3},
		{"fan.spf.test", []string{"spf.too_many_lookups"}, 100},
		{"redir.spf.test", nil, 1},
		{"many.spf.test", []string{"spf.too_many_lookups", "spf.void_lookups"}, 13},
		{"broken.spf.test", []string{"spf.lookup_failed"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			res := spf.Check(context.Background(), r, tt.domain)
			var ids []string
			for _, f := range res.Findings {
				ids = append(ids, f.ID)
			}
			if !slices.Equal(ids, tt.ids) {
				t.Errorf("findings %v, want %v", ids, tt.ids)
			}
			if res.Lookups != tt.lookups {
				t.Errorf("lookups %d, want %d", res.Lookups, tt.lookups)
			}
			sum := 0
			for _, c := range res.Costs {
				sum += c.Lookups
			}
			if sum != res.Lookups {
				t.Errorf("costs %v add up to %d, not %d", res.Costs, sum, res.Lookups)
			}
			for _, f := range res.Findings {
				if err := report.ValidateFinding(f); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"v=spf1 -all", "v=spf1 a/24//64 mx:%{d} include:x.y ~all", "v=spf1 ip6:::1/128 exp=%{l}.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rec, err := spf.Parse(s)
		if err != nil {
			return
		}
		// What parses must parse again from its canonical form to the same terms.
		again, err := spf.Parse(rec.String())
		if err != nil || fmt.Sprint(again.Terms) != fmt.Sprint(rec.Terms) {
			t.Fatalf("%q -> %q -> %v (%v)", s, rec.String(), again, err)
		}
	})
}
