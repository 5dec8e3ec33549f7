//go:build integration

package mx_test

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/internal/peers"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// TestDNSSECWithUnbound asks the real thing: nsd serving dnssec.test signed
// with ldns-signzone, and unbound validating it with the zone's DS as trust
// anchor. mailflow reads the per-answer verdicts from what unbound says.
func TestDNSSECWithUnbound(t *testing.T) {
	p := peers.Get(t)
	r, err := resolver.New(resolver.Config{Servers: []string{p.Unbound}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	opts := testOptions()
	opts.PTR = false
	tests := []struct {
		domain string
		names  []string
		want   []string
	}{
		{"dnssec.test", []string{"dnssec.test MX secure", "mx.dnssec.test A/AAAA secure", "_25._tcp.mx.dnssec.test TLSA secure"},
			[]string{"dnssec.route:ok", "mx.dane:ok"}},
		// Delegated without DS: unbound proves the child unsigned.
		{"insecure.dnssec.test", []string{"insecure.dnssec.test MX insecure", "mx.insecure.dnssec.test A/AAAA insecure", "_25._tcp.mx.insecure.dnssec.test TLSA insecure"},
			[]string{"dnssec.route:ok"}},
		// The MX record was changed after signing.
		{"broken.dnssec.test", []string{"broken.dnssec.test MX bogus"}, []string{"dnssec.bogus:error", "mx.lookup_failed:unchecked"}},
		// A validated MX whose host's address was changed after signing.
		{"bad.dnssec.test", []string{"bad.dnssec.test MX secure", "mx.bad.dnssec.test A/AAAA bogus", "_25._tcp.mx.bad.dnssec.test TLSA secure"},
			[]string{"dnssec.bogus:error", "mx.target_servfail:unchecked"}},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) { routeDNSSEC(t, r, opts, tt.domain, tt.names, tt.want) })
	}

	// The same answers straight from the resolver, and nsd itself: it serves
	// signatures but, being authoritative, never sets AD, so the signed
	// zone is "unvalidated" there and no answer is bogus.
	direct, err := resolver.New(resolver.Config{Servers: []string{p.DNS}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		r     *resolver.Resolver
		name  string
		qtype uint16
		want  resolver.DNSSEC
	}{
		{r, "mx.dnssec.test", dns.TypeA, resolver.DNSSECSecure},
		{r, "nothing.dnssec.test", dns.TypeA, resolver.DNSSECSecure},
		{r, "mx.bad.dnssec.test", dns.TypeA, resolver.DNSSECBogus},
		{direct, "mx.dnssec.test", dns.TypeA, resolver.DNSSECUnvalidated},
		{direct, "mx.bad.dnssec.test", dns.TypeA, resolver.DNSSECUnvalidated},
		{direct, "mx.insecure.dnssec.test", dns.TypeA, resolver.DNSSECInsecure},
	} {
		a, _ := c.r.Query(ctx, c.name, c.qtype)
		if got, _ := c.r.Validate(ctx, a); got != c.want {
			t.Errorf("%s %s via %s: %s, want %s", c.name, dns.TypeToString[c.qtype], c.r, got, c.want)
		}
	}
}
