package resolver_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

func rrs(t *testing.T, lines ...string) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		out = append(out, rr)
	}
	return out
}

// An answer counts only for the name that was asked: a broken or spoofing
// resolver's records for other names, types or classes are never used, and
// a reply made only of them is its own outcome, not a definite answer.
func TestAnswerValidation(t *testing.T) {
	chain := make([]string, 0, 18)
	for i := range 17 {
		chain = append(chain, fmt.Sprintf("c%d.example.test. 300 IN CNAME c%d.example.test.", i, i+1))
	}
	// forged answers the question name/qtype with records.
	type forged struct {
		name     string
		qtype    uint16
		answer   []string
		question string // replaces the question section
	}
	tests := []struct {
		name    string
		forged  forged
		status  resolver.Status
		records []string // kept, as owner/type
		stray   int
		errText string
	}{
		{name: "records for another name only",
			forged: forged{name: "mx1.example.test.", qtype: dns.TypeA, answer: []string{"other.test. 300 IN A 198.51.100.77"}},
			status: resolver.StatusMismatch, stray: 1, errText: "other.test. 300 IN A 198.51.100.77"},
		{name: "another type at the name",
			forged: forged{name: "mx1.example.test.", qtype: dns.TypeA, answer: []string{"mx1.example.test. 300 IN AAAA 2001:db8::77"}},
			status: resolver.StatusMismatch, stray: 1, errText: "no A record for mx1.example.test"},
		{name: "another class at the name",
			forged: forged{name: "mx1.example.test.", qtype: dns.TypeA, answer: []string{"mx1.example.test. 300 CH A 198.51.100.77"}},
			status: resolver.StatusMismatch, stray: 1, errText: "CH A 198.51.100.77"},
		{name: "another question",
			forged: forged{name: "mx1.example.test.", qtype: dns.TypeA, question: "other.test.",
				answer: []string{"other.test. 300 IN A 198.51.100.77"}},
			status: resolver.StatusMismatch, stray: 1, errText: "another question (other.test. IN A)"},
		{name: "stray beside a real answer is dropped",
			forged: forged{name: "mx1.example.test.", qtype: dns.TypeA, answer: []string{
				"other.test. 300 IN A 198.51.100.77", "mx1.example.test. 300 IN A 192.0.2.1"}},
			status: resolver.StatusOK, records: []string{"mx1.example.test./A"}, stray: 1},
		{name: "alias chain with a link for another name",
			forged: forged{name: "alias.example.test.", qtype: dns.TypeA, answer: []string{
				"alias.example.test. 300 IN CNAME mx1.example.test.", "evil.test. 300 IN A 198.51.100.77"}},
			status: resolver.StatusMismatch, records: []string{"alias.example.test./CNAME"}, stray: 1},
		{name: "alias chain checked link by link",
			forged: forged{name: "alias.example.test.", qtype: dns.TypeA, answer: []string{
				"b.example.test. 300 IN A 192.0.2.9", "a.example.test. 300 IN CNAME b.example.test.",
				"alias.example.test. 300 IN CNAME a.example.test."}},
			status:  resolver.StatusOK,
			records: []string{"b.example.test./A", "a.example.test./CNAME", "alias.example.test./CNAME"}},
		{name: "address at an alias is not the answer",
			forged: forged{name: "alias.example.test.", qtype: dns.TypeA, answer: []string{
				"alias.example.test. 300 IN CNAME mx1.example.test.", "alias.example.test. 300 IN A 198.51.100.77",
				"mx1.example.test. 300 IN A 192.0.2.1"}},
			status: resolver.StatusOK, records: []string{"alias.example.test./CNAME", "mx1.example.test./A"}, stray: 1},
		{name: "DNAME substitution",
			forged: forged{name: "a.dn.example.test.", qtype: dns.TypeA, answer: []string{
				"dn.example.test. 300 IN DNAME example.net.", "a.dn.example.test. 300 IN CNAME a.example.net.",
				"a.example.net. 300 IN A 192.0.2.9"}},
			status:  resolver.StatusOK,
			records: []string{"dn.example.test./DNAME", "a.dn.example.test./CNAME", "a.example.net./A"}},
		{name: "DNAME without the synthesized CNAME",
			forged: forged{name: "a.dn.example.test.", qtype: dns.TypeA, answer: []string{
				"dn.example.test. 300 IN DNAME example.net.", "a.example.net. 300 IN A 192.0.2.9"}},
			status: resolver.StatusOK, records: []string{"dn.example.test./DNAME", "a.example.net./A"}},
		{name: "CNAME contradicting the DNAME",
			forged: forged{name: "a.dn.example.test.", qtype: dns.TypeA, answer: []string{
				"dn.example.test. 300 IN DNAME example.net.", "a.dn.example.test. 300 IN CNAME evil.test.",
				"evil.test. 300 IN A 198.51.100.77"}},
			status: resolver.StatusError, errText: "disagrees with the DNAME"},
		{name: "signatures follow their record sets",
			forged: forged{name: "mx1.example.test.", qtype: dns.TypeA, answer: []string{
				"mx1.example.test. 300 IN A 192.0.2.1",
				"mx1.example.test. 300 IN RRSIG A 13 3 300 20300101000000 20200101000000 1 example.test. AAAA",
				"other.test. 300 IN RRSIG A 13 2 300 20300101000000 20200101000000 1 test. AAAA"}},
			status: resolver.StatusOK, records: []string{"mx1.example.test./A", "mx1.example.test./RRSIG"}, stray: 1},
		{name: "alias chain too long",
			forged: forged{name: "c0.example.test.", qtype: dns.TypeA, answer: append(chain, "c17.example.test. 300 IN A 192.0.2.1")},
			status: resolver.StatusError, errText: "more than 16 links"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rule := authdns.Rule{Type: tt.forged.qtype, Answer: rrs(t, tt.forged.answer...)}
			if tt.forged.question != "" {
				rule.Question = dns.Question{Name: tt.forged.question, Qtype: tt.forged.qtype, Qclass: dns.ClassINET}
			}
			s := start(t, authdns.WithRule(tt.forged.name, rule))
			r := newResolver(t, resolver.Config{Servers: []string{s.Addr}})
			tr := &resolver.Trace{}
			ctx := resolver.WithTrace(context.Background(), tr)
			a, err := r.Query(ctx, tt.forged.name, tt.forged.qtype)
			if a.Status != tt.status {
				t.Fatalf("status %s, want %s (err %v)", a.Status, tt.status, err)
			}
			var kept []string
			for _, rr := range a.Records {
				kept = append(kept, rr.Header().Name+"/"+dns.TypeToString[rr.Header().Rrtype])
			}
			if fmt.Sprint(kept) != fmt.Sprint(tt.records) {
				t.Errorf("records %v, want %v", kept, tt.records)
			}
			if len(a.Stray) != tt.stray {
				t.Errorf("%d stray records, want %d: %v", len(a.Stray), tt.stray, a.Stray)
			}
			if tt.status.Definite() != (err == nil) {
				t.Errorf("err = %v for status %s", err, a.Status)
			}
			if tt.errText != "" && (err == nil || !strings.Contains(err.Error(), tt.errText)) {
				t.Errorf("error %q does not contain %q", err, tt.errText)
			}
			var re *resolver.Error
			if tt.status == resolver.StatusMismatch && (!errors.As(err, &re) || re.Status != resolver.StatusMismatch) {
				t.Errorf("error %v is not a mismatch", err)
			}
			// Stray records show in the trace as dropped, never as answers.
			ex := tr.Exchanges()
			if len(ex) != 1 || len(ex[0].Dropped) != tt.stray || len(ex[0].Answers) != len(tt.records) {
				t.Errorf("trace %+v", ex)
			}
			if tt.stray > 0 && !strings.Contains(strings.Join(tr.Lines(), "\n"), "dropped: ") {
				t.Errorf("trace lines do not show the dropped records:\n%s", strings.Join(tr.Lines(), "\n"))
			}
			// Only definite answers are cached.
			n := s.Queries()
			r.Query(context.Background(), tt.forged.name, tt.forged.qtype)
			if cachedWant := tt.status.Definite(); (s.Queries() == n) != cachedWant {
				t.Errorf("cached = %v, want %v", s.Queries() == n, cachedWant)
			}
		})
	}
}

// A mismatch from one server moves on to the next, as SERVFAIL does.
func TestMismatchFailsOver(t *testing.T) {
	bad := start(t, authdns.WithRule("mx1.example.test", authdns.Rule{Type: dns.TypeA,
		Answer: rrs(t, "other.test. 300 IN A 198.51.100.77")}))
	good := start(t)
	r := newResolver(t, resolver.Config{Servers: []string{bad.Addr, good.Addr}})
	a, err := r.Query(context.Background(), "mx1.example.test", dns.TypeA)
	if err != nil || a.Server != good.Addr {
		t.Fatalf("server %s err %v, want the answer of %s", a.Server, err, good.Addr)
	}
	if got := resolver.Records[*dns.A](a); len(got) != 1 || got[0].A.String() != "192.0.2.1" {
		t.Errorf("records %v", a.Records)
	}
}
