package dnsbl

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// An answer for another name counts for nothing: neither the address a
// host name seemed to resolve to, nor the listing of another address. The
// target could not be checked (exit 3), which is neither clean nor listed.
func TestAnswerForAnotherName(t *testing.T) {
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := startZones(t,
		authdns.WithRule("spoof.hosts.test", authdns.Rule{Type: dns.TypeA,
			Answer: []dns.RR{rr("other.test. 300 IN A 198.51.100.77")}}),
		// 192.0.2.20 is not listed; the reply carries the listing of .10.
		authdns.WithRule("20.2.0.192.any.test", authdns.Rule{Type: dns.TypeA,
			Answer: []dns.RR{rr("10.2.0.192.any.test. 300 IN A 127.0.0.2")}}),
	)
	ctx := context.Background()
	lists := specs(t, "any.test")

	res, err := Check(ctx, r, "spoof.hosts.test", Options{Lists: lists})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(res.Lists, func(lr ListResult) bool { return lr.Checked() == "198.51.100.77" }) || len(res.Addresses) != 0 {
		t.Errorf("checked the address of another name: %v %+v", res.Addresses, res.Lists)
	}
	if res.Verdict != VerdictIncomplete || report.ExitCode(res.Findings, report.Error) != report.ExitIncomplete {
		t.Errorf("verdict %s, findings %v; want incomplete, exit 3", res.Verdict, findingIDs(res.Findings))
	}
	if !slices.ContainsFunc(res.Findings, func(f report.Finding) bool {
		return f.Incomplete && strings.Contains(f.Message, "198.51.100.77") && f.Fix == resolver.MismatchFix
	}) {
		t.Errorf("no unchecked finding naming the stray record: %+v", res.Findings)
	}

	res, err = Check(ctx, r, "192.0.2.20", Options{Lists: lists})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != VerdictIncomplete || res.Lists[0].Status != StatusError || res.Lists[0].failure != failMismatch {
		t.Errorf("verdict %s, status %s (failure %d); want incomplete, error, mismatch", res.Verdict, res.Lists[0].Status, res.Lists[0].failure)
	}
	if f := res.Findings[0]; !f.Incomplete || f.Fix != resolver.MismatchFix {
		t.Errorf("finding %+v", f)
	}
}
