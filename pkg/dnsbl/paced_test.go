package dnsbl

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// TestCachedAnswersAreNotPaced: answers the resolver has cached do not
// wait for the rate limiter, so re-checking an address within its TTL
// (mailflow serve scraping the same targets) is not held back by queries
// that are never sent, while the list still sees no more than the rate.
func TestCachedAnswersAreNotPaced(t *testing.T) {
	srv, err := authdns.Start("127.0.0.1:0", testZones)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r, err := resolver.New(resolver.Config{Servers: []string{srv.Addr}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseZoneSpec("any.test")
	if err != nil {
		t.Fatal(err)
	}
	// One query an hour after the burst: the checks below need 400 lookups.
	o := Options{Lists: []List{l}, Limiter: NewLimiter(Rate(1.0 / 3600))}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ip := netip.MustParseAddr("192.0.2.10")
	for i := range 200 {
		res := CheckIP(ctx, r, ip, o)
		if res.Verdict != VerdictListed {
			t.Fatalf("check %d: verdict %s, want listed (the limiter held a cached answer back?)", i, res.Verdict)
		}
	}
	if q := srv.Queries(); q > 2 {
		t.Errorf("%d queries reached the list for 200 checks of one address, want 2 (A and TXT)", q)
	}
}
