package mx_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/mtasts"
	"github.com/mailflowkit/mailflow/pkg/mtasts/ststest"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

const delayedZone = `
$ORIGIN example.org.
@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300
@ 3600 IN MX 10 mx1
@ 3600 IN MX 10 mx2
@ 3600 IN MX 20 mx3
@ 3600 IN MX 30 mx4
mx1 3600 IN A 93.184.216.1
mx2 3600 IN A 93.184.216.2
mx3 3600 IN A 93.184.216.3
mx4 3600 IN AAAA 2a00:1450:4001::4
_mta-sts 3600 IN TXT "v=STSv1; id=1"
mta-sts 3600 IN A 127.0.0.1
$ORIGIN arpa.
@ 3600 IN SOA ns.example.org. hostmaster.example.org. 1 3600 600 86400 300
1.216.184.93.in-addr 3600 IN PTR mx1.example.org.
2.216.184.93.in-addr 3600 IN PTR mx2.example.org.
3.216.184.93.in-addr 3600 IN PTR mx3.example.org.
`

// BenchmarkRouteDelayed shows that a route costs a fixed number of round
// trips however many targets there are: every answer is delayed 50 ms, and
// the round-trips metric is the time per route divided by 50 ms.
//
//   - route: MX, then A and AAAA of all four targets at once: 2 round trips.
//   - full: TLSA and the policy TXT records ride along with those two; the
//     reverse lookups add one, and the forward confirmation of each PTR name
//     is served from the cache because it is the target name: 3 round trips.
//   - full+mta-sts: the policy fetch as well, which runs beside the route
//     but is a chain of its own: the _mta-sts TXT, the policy host's
//     address, then HTTPS, modelled as three round trips (TCP, TLS 1.3,
//     the request): 5 round trips, so the fetch adds 2 to the route.
func BenchmarkRouteDelayed(b *testing.B) {
	const delay = 50 * time.Millisecond
	s, err := authdns.Start("127.0.0.1:0", delayedZone, authdns.WithDelay(delay))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ca, err := certgen.NewCA("bench CA")
	if err != nil {
		b.Fatal(err)
	}
	policy := "version: STSv1\nmode: enforce\nmx: *.example.org\nmax_age: 604800\n"
	sts, err := ststest.Start("127.0.0.1:0", ca, map[string]ststest.Policy{"mta-sts.example.org": {Body: policy, Delay: 3 * delay}})
	if err != nil {
		b.Fatal(err)
	}
	defer sts.Close()
	full := mx.DefaultOptions()
	full.Self = []string{}
	fetch := full
	fetch.MTASTS = &mtasts.FetchOptions{RootCAs: ca.Pool(), Port: sts.Port}
	for _, bc := range []struct {
		name string
		o    mx.Options
	}{
		{"route", mx.Options{Self: []string{}}},
		{"full", full},
		{"full+mta-sts", fetch},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				// A fresh resolver each time: its cache would make every
				// route after the first free.
				r, err := resolver.New(resolver.Config{Servers: []string{s.Addr}, Timeout: 2 * time.Second})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				res, err := mx.Route(context.Background(), r, "example.org", bc.o)
				total += time.Since(start)
				if err != nil || len(res.Targets) != 4 {
					b.Fatalf("%v %+v", err, res)
				}
				if bc.o.MTASTS != nil && !res.Security.MTASTSPolicy.Active() {
					b.Fatalf("policy not fetched: %v", res.Findings)
				}
			}
			b.ReportMetric(float64(total)/float64(b.N)/float64(delay), "round-trips")
		})
	}
}

// benchZone is a hosting provider's zone: n tenant domains, each with two
// MX targets drawn from 50 shared hosts that have addresses and reverse
// DNS, as scripts/bench/mx.sh serves with nsd.
func benchZone(n int) string {
	var b strings.Builder
	b.WriteString("$ORIGIN bench.test.\n@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300\n")
	for j := range 50 {
		fmt.Fprintf(&b, "mx%d 3600 IN A 127.0.41.%d\n", j, j)
	}
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "d%d 3600 IN MX 10 mx%d\nd%d 3600 IN MX 20 mx%d\n", i, i%50, i, (i+1)%50)
	}
	b.WriteString("$ORIGIN 41.0.127.in-addr.arpa.\n@ 3600 IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300\n")
	for j := range 50 {
		fmt.Fprintf(&b, "%d 3600 IN PTR mx%d.bench.test.\n", j, j)
	}
	return b.String()
}

// BenchmarkBulk routes a list of tenant domains with the mx command's
// default checks (MX, addresses, reverse DNS, TLSA, MTA-STS and TLS-RPT)
// and writes JSON lines, as mx --file --format jsonl does: the per-domain
// CPU and allocations of a bulk run, against an in-process server.
func BenchmarkBulk(b *testing.B) {
	const n = 2000
	s, err := authdns.Start("127.0.0.1:0", benchZone(n))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var list strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&list, "d%d.bench.test\n", i)
	}
	o := mx.DefaultOptions()
	o.Self = []string{}
	b.ReportAllocs()
	for b.Loop() {
		r, err := resolver.New(resolver.Config{Servers: []string{s.Addr}, Timeout: 5 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(io.Discard)
		totals, err := mx.Bulk(context.Background(), r, strings.NewReader(list.String()), mx.BulkOptions{Options: o, Concurrency: 64},
			func(it mx.Item) error {
				b, err := it.MarshalJSON()
				w.Write(b)
				return err
			})
		if err != nil || totals.OK != n {
			b.Fatalf("%v %s", err, totals)
		}
		r.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/domain")
}
