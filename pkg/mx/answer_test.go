package mx_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// A resolver that answers with records for another name is broken or
// spoofed: what it says must not become a route, and the run must end
// "could not check" (exit 3), never "no problems found".
func TestAnswerForAnotherNameIsUnchecked(t *testing.T) {
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	zone := publicZone + `
$ORIGIN example.org.
spoofmx 3600 IN MX 10 mx1.good
spooftarget 3600 IN MX 10 mx7
mx7 3600 IN A 93.184.216.70
`
	s := startDNS(t, zone,
		authdns.WithRule("spoofmx.example.org", authdns.Rule{Type: dns.TypeMX,
			Answer: []dns.RR{rr("other.example.net. 3600 IN MX 10 mx.other.example.net.")}}),
		authdns.WithRule("mx7.example.org", authdns.Rule{Type: dns.TypeA,
			Answer: []dns.RR{rr("other.test. 3600 IN A 198.51.100.77")}}),
	)
	r := newResolver(t, s.Addr)

	res := routeExpecting(t, r, "spoofmx.example.org", mx.OutcomeUnchecked, []string{"mx.lookup_failed:unchecked"})
	if len(res.Targets) != 0 {
		t.Errorf("targets taken from another name's records: %+v", res.Targets)
	}
	if got := report.ExitCode(res.Findings, report.Error); got != report.ExitIncomplete {
		t.Errorf("exit %d, want %d (unchecked): %v", got, report.ExitIncomplete, keys(res.Findings))
	}
	if f := findingByID(res.Findings, "mx.lookup_failed"); f == nil || !strings.Contains(strings.Join(f.Evidence, "\n"), "other.example.net.") ||
		f.Fix != resolver.MismatchFix {
		t.Errorf("the stray record is not in the evidence or the fix is not the resolver's: %+v", f)
	}

	res = routeExpecting(t, r, "spooftarget.example.org", mx.OutcomeUnchecked, []string{"mx.target_servfail:unchecked"})
	for _, tg := range res.Targets {
		if slices.ContainsFunc(tg.Addrs, func(a mx.Address) bool { return a.IP.String() == "198.51.100.77" }) {
			t.Errorf("%s got the address of another name: %v", tg.Host, tg.Addrs)
		}
	}
	if got := report.ExitCode(res.Findings, report.Error); got != report.ExitIncomplete {
		t.Errorf("exit %d, want %d (unchecked): %v", got, report.ExitIncomplete, keys(res.Findings))
	}
}

func findingByID(fs []report.Finding, id string) *report.Finding {
	for i := range fs {
		if fs[i].ID == id {
			return &fs[i]
		}
	}
	return nil
}
