package mx_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/mtasts"
	"github.com/mailflowkit/mailflow/pkg/mtasts/ststest"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// stsZone holds domains whose MTA-STS policies the test server serves.
const stsZone = `
$ORIGIN sts.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
covered 300 IN MX 10 mx1.covered
covered 300 IN MX 20 mx2.covered
mx1.covered 300 IN A 127.0.0.1
mx2.covered 300 IN A 127.0.0.2
_mta-sts.covered 300 IN TXT "v=STSv1; id=20260101"
_smtp._tls.covered 300 IN TXT "v=TLSRPTv1; rua=mailto:r@sts.test"
mta-sts.covered 300 IN A 127.0.0.1
uncovered 300 IN MX 10 mx1.covered
uncovered 300 IN MX 20 elsewhere.example.
_mta-sts.uncovered 300 IN TXT "v=STSv1; id=1"
mta-sts.uncovered 300 IN A 127.0.0.1
trial 300 IN MX 10 elsewhere.example.
_mta-sts.trial 300 IN TXT "v=STSv1; id=1"
mta-sts.trial 300 IN A 127.0.0.1
nopolicy 300 IN MX 10 mx1.covered
_mta-sts.nopolicy 300 IN TXT "v=STSv1; id=1"
mta-sts.nopolicy 300 IN A 127.0.0.1
badrecord 300 IN MX 10 mx1.covered
_mta-sts.badrecord 300 IN TXT "v=STSv1"
mta-sts.badrecord 300 IN A 127.0.0.1
$ORIGIN example.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
elsewhere 300 IN A 127.0.0.3
`

func TestRouteMTASTS(t *testing.T) {
	ca, err := certgen.NewCA("mx test CA")
	if err != nil {
		t.Fatal(err)
	}
	enforce := "version: STSv1\nmode: enforce\nmx: *.covered.sts.test\nmax_age: 604800\n"
	srv, err := ststest.Start("127.0.0.1:0", ca, map[string]ststest.Policy{
		"mta-sts.covered.sts.test":   {Body: enforce, LastModified: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)},
		"mta-sts.uncovered.sts.test": {Body: enforce},
		"mta-sts.trial.sts.test":     {Body: "version: STSv1\nmode: testing\nmx: mx.trial.sts.test\nmax_age: 86400\n"},
		"mta-sts.badrecord.sts.test": {Body: enforce},
		"mta-sts.nopolicy.sts.test":  {Status: 404, Body: "no such file"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s := startDNS(t, stsZone)
	r := newResolver(t, s.Addr)
	opts := testOptions()
	opts.PTR = false
	opts.MTASTS = &mtasts.FetchOptions{RootCAs: ca.Pool(), Port: srv.Port, Timeout: 2 * time.Second}
	tests := []struct {
		domain, summary string
		want            []string
	}{
		{"covered.sts.test", "enforce, max_age 7 days, mx *.covered.sts.test; every MX matches",
			[]string{"mtasts.record:ok", "mtasts.fetch:ok", "mtasts.policy:ok", "mtasts.mode:ok", "mtasts.id:ok", "mtasts.mx_match:ok", "tlsrpt.record:ok"}},
		{"uncovered.sts.test", "enforce, max_age 7 days, mx *.covered.sts.test; not covered: elsewhere.example",
			[]string{"mtasts.mx_match:error", "tlsrpt.record:ok"}},
		{"trial.sts.test", "testing, max_age 1 day, mx mx.trial.sts.test; not covered: elsewhere.example",
			[]string{"mtasts.mode:warning", "mtasts.mx_match:warning"}},
		{"nopolicy.sts.test", "not fetched: HTTP 404 Not Found; senders accept only 200", []string{"mtasts.fetch:warning"}},
		// An invalid record is not fetched, as senders do not.
		{"badrecord.sts.test", "", []string{"mtasts.record:warning"}},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			res, err := mx.Route(context.Background(), r, tt.domain, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !has(res.Findings, w) {
					t.Errorf("missing %s; got %v", w, keys(res.Findings))
				}
			}
			got := ""
			if res.Security.MTASTSPolicy != nil {
				got = res.Security.MTASTSPolicy.Summary()
			}
			if got != tt.summary {
				t.Errorf("summary %q, want %q", got, tt.summary)
			}
		})
	}
	// Without fetching, only the record is judged.
	opts.MTASTS = nil
	res, _ := mx.Route(context.Background(), r, "uncovered.sts.test", opts)
	if has(res.Findings, "mtasts.mx_match:error") || res.Security.MTASTSPolicy.Summary() != "not fetched (fetching is off)" {
		t.Errorf("fetched although off: %v", keys(res.Findings))
	}
}

// dnssecZone presents, through authdns, what a validating resolver shows
// for a signed domain, a domain with broken signatures, and a signed
// domain whose MX host lives in an unsigned zone.
const dnssecZone = `
$ORIGIN signed.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
@ 300 IN MX 10 mx
mx 300 IN A 127.0.0.1
_25._tcp.mx 300 IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
partial 300 IN MX 10 mail.unsigned.test.
badhost 300 IN MX 10 mx.bogus.test.
$ORIGIN bogus.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
@ 300 IN MX 10 mx.signed.test.
mx 300 IN A 127.0.0.2
$ORIGIN unsigned.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
mail 300 IN A 127.0.0.3
`

func TestRouteDNSSEC(t *testing.T) {
	s := startDNS(t, dnssecZone, authdns.WithDNSSEC("signed.test", authdns.Secure), authdns.WithDNSSEC("bogus.test", authdns.Bogus))
	r := newResolver(t, s.Addr)
	opts := testOptions()
	opts.PTR = false
	tests := []struct {
		domain string
		names  []string
		want   []string
	}{
		{"signed.test", []string{"signed.test MX secure", "mx.signed.test A/AAAA secure", "_25._tcp.mx.signed.test TLSA secure"},
			[]string{"dnssec.route:ok", "mx.dane:ok"}},
		{"partial.signed.test", []string{"partial.signed.test MX secure", "mail.unsigned.test A/AAAA insecure", "_25._tcp.mail.unsigned.test TLSA insecure"},
			[]string{"dnssec.route:info"}},
		{"bogus.test", []string{"bogus.test MX bogus"}, []string{"dnssec.bogus:error", "mx.lookup_failed:unchecked"}},
		{"unsigned.test", []string{"unsigned.test MX insecure", "unsigned.test A/AAAA insecure", "_25._tcp.unsigned.test TLSA insecure"}, []string{"dnssec.route:ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) { routeDNSSEC(t, r, opts, tt.domain, tt.names, tt.want) })
	}
	// A bogus MX host: the route works, its addresses do not validate.
	res, _ := mx.Route(context.Background(), r, "badhost.signed.test", opts)
	if !has(res.Findings, "dnssec.bogus:error") || res.Outcome != mx.OutcomeUnchecked {
		t.Errorf("bogus host: %s %v", res.Outcome, keys(res.Findings))
	}
	if n := res.DNSSECNames; len(n) < 2 || n[0].Status != resolver.DNSSECSecure || n[1].Status != resolver.DNSSECBogus {
		t.Errorf("bogus host names: %+v", n)
	}
}

// routeDNSSEC routes domain and checks the DNSSEC state of each answer
// ("NAME TYPE STATUS", in route order) and that the wanted findings are
// there.
func routeDNSSEC(t *testing.T, r *resolver.Resolver, opts mx.Options, domain string, names, want []string) {
	t.Helper()
	res, err := mx.Route(context.Background(), r, domain, opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range res.DNSSECNames {
		got = append(got, fmt.Sprintf("%s %s %s", n.Name, n.Type, n.Status))
	}
	if !slices.Equal(got, names) {
		t.Errorf("names\n %q\nwant\n %q", got, names)
	}
	for _, w := range want {
		if !has(res.Findings, w) {
			t.Errorf("missing %s; got %v", w, keys(res.Findings))
		}
	}
}
