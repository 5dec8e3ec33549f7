package dnsbl

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// BenchmarkCheckIP20Zones checks one address listed on 20 lists whose
// server answers every query after 50 ms. Every zone is asked at once, so
// a check costs round trips, not queries: one with --txt always (A and TXT
// together), two by default (A, then TXT where the address is listed),
// against 40 queries one after another.
func BenchmarkCheckIP20Zones(b *testing.B) {
	const zones = 20
	var zt strings.Builder
	var lists []List
	for i := range zones {
		zone := fmt.Sprintf("bl%d.bench.test", i)
		fmt.Fprintf(&zt, "$ORIGIN %s.\n@ 300 IN SOA ns hostmaster 1 3600 600 86400 60\n2.0.0.127 IN A 127.0.0.2\n", zone)
		lists = append(lists, List{Zone: zone, Name: zone, Match: MatchAny})
	}
	s, err := authdns.Start("127.0.0.1:0", zt.String(), authdns.WithDelay(50*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	// No cache: every iteration goes to the wire.
	r, err := resolver.New(resolver.Config{Servers: []string{s.Addr}, Timeout: 2 * time.Second, NoCache: true})
	if err != nil {
		b.Fatal(err)
	}
	ip := ip4(127, 0, 0, 2)
	for _, mode := range []TXTMode{TXTListed, TXTAlways} {
		b.Run("txt="+mode.String(), func(b *testing.B) {
			for b.Loop() {
				res := CheckIP(context.Background(), r, ip, Options{Lists: lists, TXT: mode})
				if len(res.ListedOn()) != zones {
					b.Fatalf("listed on %d zones, want %d", len(res.ListedOn()), zones)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/check")
		})
	}
}
