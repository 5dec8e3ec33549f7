package resolver

import (
	"testing"

	"github.com/miekg/dns"
)

// FuzzSortAnswer feeds replies from a hostile server to the answer check:
// it must never panic, and every record must end up kept or stray, with
// only class IN records kept.
func FuzzSortAnswer(f *testing.F) {
	for _, lines := range [][]string{
		{"alias.example.test. 300 IN CNAME mx1.example.test.", "mx1.example.test. 300 IN A 192.0.2.1"},
		{"other.test. 300 IN A 198.51.100.77"},
		{"example.test. 300 IN DNAME example.net.", "alias.example.net. 300 IN A 192.0.2.1"},
		{"alias.example.test. 300 CH A 192.0.2.1", "alias.example.test. 300 IN RRSIG A 13 3 300 20300101000000 20200101000000 1 example.test. AAAA"},
	} {
		m := new(dns.Msg)
		m.SetQuestion("alias.example.test.", dns.TypeA)
		m.Response = true
		for _, l := range lines {
			rr, err := dns.NewRR(l)
			if err != nil {
				f.Fatal(err)
			}
			m.Answer = append(m.Answer, rr)
		}
		wire, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(wire)
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		m := new(dns.Msg)
		if m.Unpack(wire) != nil {
			return
		}
		q := question{name: "alias.example.test.", qtype: dns.TypeA}
		kept, stray, err := sortAnswer(q, m)
		if err != nil {
			return
		}
		if len(kept)+len(stray) != len(m.Answer) {
			t.Fatalf("%d kept + %d stray of %d records", len(kept), len(stray), len(m.Answer))
		}
		for _, rr := range kept {
			if rr.Header().Class != dns.ClassINET {
				t.Fatalf("kept %s", rr)
			}
		}
		a := &Answer{Name: q.name, Type: q.qtype}
		a.read(q, m)
		_ = rrLines(a.Stray, maxStrayShown)
	})
}
