package lab

import (
	"net"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
)

// DNSFault is a name the lab DNS answers wrongly on purpose, the way a
// broken or spoofing resolver does: with records for another name or of
// another type, or with the reply to another question. mailflow must use
// none of it and report the lookup as could-not-check.
type DNSFault struct {
	Name  string // FQDN, no trailing dot
	Type  string // the query type answered wrongly
	Fault string
	rule  authdns.Rule
}

// DNSFaults lists the lab's DNS faults, for the lab's listing.
func DNSFaults() []DNSFault { return append([]DNSFault(nil), dnsFaults...) }

var dnsFaults = []DNSFault{
	{Name: "forged.lab.test", Type: "MX", Fault: "answers with the MX records of elsewhere.lab.test (another name)",
		rule: authdns.Rule{Type: dns.TypeMX, Answer: []dns.RR{
			&dns.MX{Hdr: hdr("elsewhere.lab.test.", dns.TypeMX, dns.ClassINET), Preference: 10, Mx: "mx.elsewhere.lab.test."}}}},
	{Name: "mx.forged.lab.test", Type: "A", Fault: "answers with other.example. A 198.51.100.77 (another name)",
		rule: authdns.Rule{Type: dns.TypeA, Answer: []dns.RR{
			&dns.A{Hdr: hdr("other.example.", dns.TypeA, dns.ClassINET), A: net.IPv4(198, 51, 100, 77)}}}},
	{Name: "wrongtype.lab.test", Type: "MX", Fault: "answers the MX question with a TXT record (another type)",
		rule: authdns.Rule{Type: dns.TypeMX, Answer: []dns.RR{
			&dns.TXT{Hdr: hdr("wrongtype.lab.test.", dns.TypeTXT, dns.ClassINET), Txt: []string{"not an MX record"}}}}},
	{Name: "wrongq.lab.test", Type: "MX", Fault: "replies to the question good.lab.test MX instead (another question)",
		rule: authdns.Rule{Type: dns.TypeMX, Question: dns.Question{Name: "good.lab.test.", Qtype: dns.TypeMX, Qclass: dns.ClassINET}}},
}

func hdr(name string, rrtype, class uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: rrtype, Class: class, Ttl: 3600}
}

// dnsRules are the authdns options that set up the faults.
func dnsRules() []authdns.Option {
	var opts []authdns.Option
	for _, f := range dnsFaults {
		opts = append(opts, authdns.WithRule(f.Name, f.rule))
	}
	return opts
}

func init() {
	Register(Scenario{Order: 112, Title: "mx: a resolver that answers another question is could-not-check, never a route", Exit: 3,
		Args: func(l *Lab) []string {
			return append(l.GlobalArgs(), "mx", "forged.lab.test", "wrongtype.lab.test", "wrongq.lab.test")
		}})
	Register(Scenario{Order: 305, Title: "dnsbl: an address from another name's record is never checked", Exit: 3,
		Args: func(l *Lab) []string {
			return append(l.GlobalArgs(), "dnsbl", "mx.forged.lab.test", "--zone", "bl.lab.test")
		}})
}
