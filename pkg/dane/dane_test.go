package dane_test

import (
	"context"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/dane"
	"github.com/mailflowkit/mailflow/pkg/internal/dnstest"
)

// chain issues a leaf for names from a new CA and returns leaf, CA.
func chain(t *testing.T, valid time.Duration, names ...string) []*x509.Certificate {
	t.Helper()
	ca, err := certgen.NewCA("DANE test CA")
	if err != nil {
		t.Fatal(err)
	}
	c, err := certgen.Issue(ca, certgen.Leaf{Names: names, Valid: valid})
	if err != nil {
		t.Fatal(err)
	}
	return []*x509.Certificate{c.Leaf, ca.Cert}
}

func tlsa(usage, selector, mtype uint8, cert *x509.Certificate) *dns.TLSA {
	return &dns.TLSA{Hdr: dns.RR_Header{Name: "_25._tcp.mx.example.test.", Rrtype: dns.TypeTLSA, Class: dns.ClassINET, Ttl: 300},
		Usage: usage, Selector: selector, MatchingType: mtype, Certificate: dane.Digest(selector, mtype, cert)}
}

func TestVerify(t *testing.T) {
	good := chain(t, 0, "mx.example.test")
	other := chain(t, 0, "mx.example.test")
	expired := chain(t, -24*time.Hour, "mx.example.test")
	wrongName := chain(t, 0, "mail.elsewhere.test")
	leafOnly := good[:1]
	names := []string{"mx.example.test"}
	bad := tlsa(dane.DANEEE, 1, 1, other[0])
	tests := []struct {
		name     string
		records  []*dns.TLSA
		chain    []*x509.Certificate
		match    int // chain index, -1 none
		usable   int
		distinct int
		unusable int
		miss     string
	}{
		{"DANE-EE SPKI SHA-256", []*dns.TLSA{tlsa(3, 1, 1, good[0])}, good, 0, 1, 1, 0, ""},
		{"DANE-EE full certificate SHA-512", []*dns.TLSA{tlsa(3, 0, 2, good[0])}, good, 0, 1, 1, 0, ""},
		{"DANE-EE full certificate, no hash", []*dns.TLSA{tlsa(3, 0, 0, good[0])}, good, 0, 1, 1, 0, ""},
		{"DANE-EE ignores name and dates", []*dns.TLSA{tlsa(3, 1, 1, expired[0])}, expired, 0, 1, 1, 0, ""},
		{"DANE-EE ignores the name", []*dns.TLSA{tlsa(3, 1, 1, wrongName[0])}, wrongName, 0, 1, 1, 0, ""},
		{"DANE-EE mismatch says what would match", []*dns.TLSA{bad}, good, -1, 1, 1, 0, "does not match the server's certificate (its 3 1 1 "},
		{"second record matches: rollover", []*dns.TLSA{bad, tlsa(3, 1, 1, good[0])}, good, 0, 2, 2, 0, ""},
		{"DANE-TA issuer in chain, name matches", []*dns.TLSA{tlsa(2, 0, 1, good[1])}, good, 1, 1, 1, 0, ""},
		{"DANE-TA SPKI", []*dns.TLSA{tlsa(2, 1, 1, good[1])}, good, 1, 1, 1, 0, ""},
		{"DANE-TA needs the name", []*dns.TLSA{tlsa(2, 0, 1, wrongName[1])}, wrongName, -1, 1, 1, 0, "names none of mx.example.test"},
		{"DANE-TA needs the anchor in the chain", []*dns.TLSA{tlsa(2, 0, 1, good[1])}, leafOnly, -1, 1, 1, 0, "matches no certificate the server presented above"},
		{"DANE-TA checks dates", []*dns.TLSA{tlsa(2, 0, 1, expired[1])}, expired, -1, 1, 1, 0, "does not chain to it"},
		{"PKIX usages unusable", []*dns.TLSA{tlsa(0, 0, 1, good[1]), tlsa(1, 1, 1, good[0])}, good, -1, 0, 0, 2, ""},
		{"unknown selector and matching type", []*dns.TLSA{tlsa(3, 1, 1, good[0])}, good, 0, 1, 1, 0, ""},
		{"duplicates are one key", []*dns.TLSA{tlsa(3, 1, 1, good[0]), tlsa(3, 1, 1, good[0])}, good, 0, 2, 1, 0, ""},
		{"no chain", []*dns.TLSA{tlsa(3, 1, 1, good[0])}, nil, -1, 1, 1, 0, "presented no certificate"},
	}
	weird := tlsa(3, 1, 1, good[0])
	weird.Selector = 7
	tests[13].records = append(tests[13].records, weird)
	tests[13].unusable = 1
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := dane.Verify(tt.records, tt.chain, names, time.Now())
			got := -1
			if v.Matched != nil {
				got = v.Matched.Cert
			}
			if got != tt.match || v.Usable != tt.usable || v.Distinct != tt.distinct || len(v.Unusable) != tt.unusable {
				t.Fatalf("verdict %+v, want match %d usable %d distinct %d unusable %d", v, tt.match, tt.usable, tt.distinct, tt.unusable)
			}
			if tt.miss != "" && !strings.Contains(strings.Join(v.Misses, "\n"), tt.miss) {
				t.Errorf("misses %q lack %q", v.Misses, tt.miss)
			}
		})
	}
}

func TestLookupTLSA(t *testing.T) {
	const data = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
	r := dnstest.Start(t, &dnstest.Zone{
		Records: []string{
			"mx.secure.test. 300 IN A 192.0.2.1",
			"_25._tcp.mx.secure.test. 300 IN TLSA 3 1 1 " + data,
			"mx.insecure.test. 300 IN A 192.0.2.2",
			"_25._tcp.mx.insecure.test. 300 IN TLSA 3 1 1 " + data,
			// An MX alias: the TLSA base domain is the expanded name.
			"mx.alias.test. 300 IN CNAME host.provider.test.",
			"host.provider.test. 300 IN A 192.0.2.3",
			"_25._tcp.host.provider.test. 300 IN TLSA 3 1 1 " + data,
			// An alias whose target has no TLSA: fall back to the name.
			"mx.fallback.test. 300 IN CNAME host2.provider.test.",
			"host2.provider.test. 300 IN A 192.0.2.4",
			"_25._tcp.mx.fallback.test. 300 IN TLSA 2 0 1 " + data,
			// TLSA owner aliased to a shared record (RFC 7671 §7).
			"mx.shared.test. 300 IN A 192.0.2.5",
			"_25._tcp.mx.shared.test. 300 IN CNAME _dane.provider.test.",
			"_dane.provider.test. 300 IN TLSA 3 1 1 " + data,
			// A record for a name nobody asked about is not used.
			"mx.stray.test. 300 IN A 192.0.2.6",
		},
		Secure: map[string]bool{"mx.secure.test.": true, "_25._tcp.mx.secure.test.": true,
			"mx.alias.test.": true, "_25._tcp.host.provider.test.": true,
			"mx.fallback.test.": true, "_25._tcp.host2.provider.test.": true, "_25._tcp.mx.fallback.test.": true,
			"mx.shared.test.": true, "_25._tcp.mx.shared.test.": true},
		ServFail: map[string]bool{"_25._tcp.mx.broken.test.": true},
		Stray:    map[string][]string{"_25._tcp.mx.stray.test.": {"_25._tcp.other.test. 300 IN TLSA 3 1 1 " + data}},
	})
	tests := []struct {
		host    string
		base    string
		n       int
		secure  bool
		failed  bool
		usage   uint8
		comment string
	}{
		{"mx.secure.test", "mx.secure.test", 1, true, false, 3, "signed"},
		{"mx.insecure.test", "mx.insecure.test", 1, false, false, 3, "no AD bit: not usable"},
		{"mx.alias.test", "host.provider.test", 1, true, false, 3, "CNAME-expanded base"},
		{"mx.fallback.test", "mx.fallback.test", 1, true, false, 2, "expanded base has none"},
		{"mx.shared.test", "mx.shared.test", 1, true, false, 3, "TLSA owner is an alias"},
		{"mx.stray.test", "mx.stray.test", 0, false, true, 0, "a record for another owner is not used: the lookup failed"},
		{"mx.none.test", "mx.none.test", 0, false, false, 0, "nothing published"},
		{"mx.broken.test", "mx.broken.test", 0, false, true, 0, "SERVFAIL leaves DANE undecided"},
	}
	for _, tt := range tests {
		t.Run(tt.comment, func(t *testing.T) {
			l := dane.LookupTLSA(context.Background(), r, tt.host, 25)
			if l.Base != tt.base || len(l.Records) != tt.n || l.Secure != tt.secure || l.Failed() != tt.failed {
				t.Fatalf("lookup %+v (status %s)", l, l.Status)
			}
			if tt.n > 0 && l.Records[0].Usage != tt.usage {
				t.Errorf("usage %d", l.Records[0].Usage)
			}
			if l.Name != "_25._tcp."+tt.base {
				t.Errorf("name %s", l.Name)
			}
		})
	}
}

// The digests are those openssl and every DANE tool compute: SHA-256 of
// the SubjectPublicKeyInfo for 3 1 1.
func TestDigestOfKnownCertificate(t *testing.T) {
	c, err := certgen.Issue(nil, certgen.Leaf{Names: []string{"mx.example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(c.Certificate[0])
	if d := dane.Digest(1, 1, leaf); len(d) != 64 {
		t.Errorf("3 1 1 digest %q", d)
	}
	if d := dane.Digest(0, 0, leaf); d == "" || len(d) != 2*len(leaf.Raw) {
		t.Errorf("3 0 0 data has %d hex digits", len(d))
	}
}
