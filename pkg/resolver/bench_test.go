package resolver_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// BenchmarkQueryParallel measures the wire path (cache off) with many
// queries in flight, as bulk mx and dnsbl runs issue them.
func BenchmarkQueryParallel(b *testing.B) {
	s, err := authdns.Start("127.0.0.1:0", zone)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r, err := resolver.New(resolver.Config{Servers: []string{s.Addr}, Timeout: 2 * time.Second, NoCache: true})
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(16)
	b.ReportAllocs()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			// Distinct names: identical concurrent queries would share one flight.
			name := "n" + strconv.FormatInt(n.Add(1), 10) + ".example.test"
			if _, err := r.Query(context.Background(), name, dns.TypeMX); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkDelayedRoundTrip shows that a query costs one round trip: with
// the server adding 50 ms, ns/op stays near 50 ms.
func BenchmarkDelayedRoundTrip(b *testing.B) {
	s, err := authdns.Start("127.0.0.1:0", zone, authdns.WithDelay(50*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r, _ := resolver.New(resolver.Config{Servers: []string{s.Addr}, NoCache: true})
	for i := 0; i < b.N; i++ {
		if _, err := r.Query(context.Background(), "example.test", dns.TypeMX); err != nil {
			b.Fatal(err)
		}
	}
}
