package resolver_test

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// The zones stand for what a validating resolver shows: sec.test is
// signed and validated, bad.sec.test has broken signatures, plain.test is
// unsigned, and signed.test carries signatures nobody validated.
const dnssecZone = `
$ORIGIN sec.test.
@    300 IN SOA ns hostmaster 1 3600 600 86400 60
mx   300 IN A 192.0.2.1
$ORIGIN bad.sec.test.
@    300 IN SOA ns hostmaster 1 3600 600 86400 60
mx   300 IN A 192.0.2.2
$ORIGIN plain.test.
@    300 IN SOA ns hostmaster 1 3600 600 86400 60
mx   300 IN A 192.0.2.3
$ORIGIN signed.test.
@    300 IN SOA ns hostmaster 1 3600 600 86400 60
mx   300 IN A 192.0.2.4
mx   300 IN RRSIG A 13 3 300 20300101000000 20200101000000 12345 signed.test. dGVzdA==
`

func TestDNSSEC(t *testing.T) {
	s, err := authdns.Start("127.0.0.1:0", dnssecZone,
		authdns.WithDNSSEC("sec.test", authdns.Secure), authdns.WithDNSSEC("bad.sec.test", authdns.Bogus),
		authdns.WithRule("mx.plain.test", authdns.Rule{Type: dns.TypeAAAA, Rcode: dns.RcodeServerFailure}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := resolver.New(resolver.Config{Servers: []string{s.Addr}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name  string
		qtype uint16
		want  resolver.DNSSEC
	}{
		{"mx.sec.test", dns.TypeA, resolver.DNSSECSecure},
		{"nothing.sec.test", dns.TypeA, resolver.DNSSECSecure}, // a validated NXDOMAIN
		{"mx.bad.sec.test", dns.TypeA, resolver.DNSSECBogus},
		{"mx.plain.test", dns.TypeA, resolver.DNSSECInsecure},
		{"mx.signed.test", dns.TypeA, resolver.DNSSECUnvalidated},
		// SERVFAIL with and without checking: nothing is known.
		{"mx.plain.test", dns.TypeAAAA, resolver.DNSSECUnchecked},
	}
	for _, tt := range tests {
		a, _ := r.Query(ctx, tt.name, tt.qtype)
		got, cd := r.Validate(ctx, a)
		if got != tt.want {
			t.Errorf("%s %s: %s, want %s", tt.name, dns.TypeToString[tt.qtype], got, tt.want)
		}
		if (got == resolver.DNSSECBogus) != (cd != nil) {
			t.Errorf("%s: CD answer %v", tt.name, cd)
		}
		if cd != nil && (len(resolver.Records[*dns.A](cd)) != 1 || cd.AD) {
			t.Errorf("%s: CD answer %v", tt.name, cd.Records)
		}
	}
	// The CD answer is not cached: the ordinary query still fails.
	if a, err := r.Query(ctx, "mx.bad.sec.test", dns.TypeA); err == nil || a.Status != resolver.StatusServFail {
		t.Errorf("after QueryCD: %v %v", a.Status, err)
	}
}
