package authdns_test

import (
	"testing"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
)

const zone = `$ORIGIN t.test.
@        SOA   ns hostmaster 1 3600 600 86400 300
@        MX    10 mail
mail     A     127.0.0.1
alias    CNAME mail
dangling CNAME gone
wild     CNAME x.elsewhere.example.
*.bl     A     127.0.0.2
`

// The answers the resolver and mx tests rely on must be the ones a real
// authoritative server gives, or the lab would teach wrong lessons.
func TestAnswers(t *testing.T) {
	srv, err := authdns.Start("127.0.0.1:0", zone)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tests := []struct {
		name    string
		qtype   uint16
		rcode   int
		answers int
		soa     bool
	}{
		{"t.test.", dns.TypeMX, dns.RcodeSuccess, 1, false},
		{"mail.t.test.", dns.TypeAAAA, dns.RcodeSuccess, 0, true},       // NODATA
		{"nope.t.test.", dns.TypeA, dns.RcodeNameError, 0, true},        // NXDOMAIN
		{"alias.t.test.", dns.TypeA, dns.RcodeSuccess, 2, false},        // CNAME followed in zone
		{"dangling.t.test.", dns.TypeA, dns.RcodeNameError, 1, true},    // RFC 6604: rcode of the chain's end
		{"wild.t.test.", dns.TypeA, dns.RcodeSuccess, 1, false},         // out-of-zone target left to the resolver
		{"2.0.0.127.bl.t.test.", dns.TypeA, dns.RcodeSuccess, 1, false}, // wildcard
		{"other.example.", dns.TypeA, dns.RcodeRefused, 0, false},       // not our zone
	}
	c := new(dns.Client)
	for _, tt := range tests {
		m := new(dns.Msg)
		m.SetQuestion(tt.name, tt.qtype)
		r, _, err := c.Exchange(m, srv.Addr)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if r.Rcode != tt.rcode || len(r.Answer) != tt.answers || (len(r.Ns) > 0) != tt.soa {
			t.Errorf("%s %s: rcode %s, %d answers, %d authority; want %s, %d, soa=%v",
				tt.name, dns.TypeToString[tt.qtype], dns.RcodeToString[r.Rcode], len(r.Answer), len(r.Ns),
				dns.RcodeToString[tt.rcode], tt.answers, tt.soa)
		}
	}
}

// The hostile rules send exactly the reply a broken or spoofing resolver
// would: the resolver tests depend on these bytes reaching the client.
func TestHostileReplies(t *testing.T) {
	other, err := dns.NewRR("other.test. 300 IN A 198.51.100.77")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := authdns.Start("127.0.0.1:0", zone,
		authdns.WithRule("mail.t.test", authdns.Rule{Type: dns.TypeA, Answer: []dns.RR{other}}),
		authdns.WithRule("alias.t.test", authdns.Rule{Question: dns.Question{Name: "other.test.", Qtype: dns.TypeA, Qclass: dns.ClassINET}}),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := new(dns.Client)
	ask := func(name string, qtype uint16) *dns.Msg {
		t.Helper()
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		r, _, err := c.Exchange(m, srv.Addr)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return r
	}
	if r := ask("mail.t.test.", dns.TypeA); len(r.Answer) != 1 || r.Answer[0].String() != other.String() || r.Rcode != dns.RcodeSuccess {
		t.Errorf("forged answer: %v", r)
	}
	// The rule is for A only: other types keep the zone's answer (NODATA).
	if r := ask("mail.t.test.", dns.TypeAAAA); len(r.Answer) != 0 || len(r.Ns) != 1 {
		t.Errorf("AAAA of mail.t.test changed: %v", r)
	}
	if r := ask("alias.t.test.", dns.TypeA); len(r.Question) != 1 || r.Question[0].Name != "other.test." || len(r.Answer) != 2 {
		t.Errorf("question not replaced: %v", r)
	}
}
