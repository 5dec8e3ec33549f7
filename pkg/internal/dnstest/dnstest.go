// Package dnstest runs a small DNS server on 127.0.0.1 for tests that need
// answers the lab zone cannot give: the AD bit of a validating resolver
// set per name, SERVFAIL on demand, and stray records for names nobody
// asked about. It is a stand-in for a validating resolver's answers, not
// a resolver: it answers only from its records, following CNAMEs one step.
package dnstest

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Zone is what the server answers from.
type Zone struct {
	// Records in presentation format ("mx.example.test. 300 IN A 192.0.2.1").
	Records []string
	// Secure names (fully qualified, lower case) get the AD bit.
	Secure map[string]bool
	// ServFail names get SERVFAIL.
	ServFail map[string]bool
	// Stray records are added to every answer for the name, whatever
	// their owner, as a broken or spoofing resolver might.
	Stray map[string][]string

	rrs   []dns.RR
	stray map[string][]dns.RR
}

// Start serves z on 127.0.0.1 until the test ends and returns a resolver
// that asks it.
func Start(t testing.TB, z *Zone) *resolver.Resolver {
	t.Helper()
	parse := func(s string) dns.RR {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("record %q: %v", s, err)
		}
		return rr
	}
	for _, s := range z.Records {
		z.rrs = append(z.rrs, parse(s))
	}
	z.stray = map[string][]dns.RR{}
	for name, list := range z.Stray {
		for _, s := range list {
			z.stray[name] = append(z.stray[name], parse(s))
		}
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: z}
	go srv.ActivateAndServe() //nolint:errcheck // ends on Shutdown
	t.Cleanup(func() { srv.Shutdown() })
	r, err := resolver.New(resolver.Config{Servers: []string{pc.LocalAddr().String()}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ServeDNS answers one query.
func (z *Zone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	if z.ServFail[name] {
		m.Rcode = dns.RcodeServerFailure
		w.WriteMsg(m) //nolint:errcheck
		return
	}
	m.AuthenticatedData = z.Secure[name]
	m.Answer = append(m.Answer, z.stray[name]...)
	exists := len(m.Answer) > 0
	for _, rr := range z.rrs {
		if !strings.EqualFold(rr.Header().Name, name) {
			continue
		}
		exists = true
		if rr.Header().Rrtype != q.Qtype && rr.Header().Rrtype != dns.TypeCNAME {
			continue
		}
		m.Answer = append(m.Answer, rr)
		if c, ok := rr.(*dns.CNAME); ok {
			for _, t := range z.rrs {
				if strings.EqualFold(t.Header().Name, c.Target) && t.Header().Rrtype == q.Qtype {
					m.Answer = append(m.Answer, t)
				}
			}
		}
	}
	if !exists {
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m) //nolint:errcheck
}
