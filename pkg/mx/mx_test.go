package mx_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// publicZone holds one domain per fault under example.org, which the
// package treats as a public domain, with public-looking addresses.
const publicZone = `
$ORIGIN example.org.
@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300
@ 3600 IN NS ns
ns 3600 IN A 93.184.216.1

good 3600 IN MX 10 mx1.good
good 3600 IN MX 20 mx2.good
mx1.good 3600 IN A 93.184.216.10
mx1.good 3600 IN AAAA 2a00:1450:4001::10
mx2.good 3600 IN A 93.184.216.11
_mta-sts.good 3600 IN TXT "v=STSv1; id=20240101"
_smtp._tls.good 3600 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@example.org"

nullmx 3600 IN MX 0 .
mixednull 3600 IN MX 0 .
mixednull 3600 IN MX 10 mx1.good
cnametarget 3600 IN MX 10 alias.cnametarget
alias.cnametarget 3600 IN CNAME mx1.good
iplit 3600 IN MX 10 192.0.2.1.
nxtarget 3600 IN MX 10 nope
nodata 3600 IN MX 10 txtonly
txtonly 3600 IN TXT "no address here"
nxbackup 3600 IN MX 10 nope
nxbackup 3600 IN MX 20 mx1.good
servfail 3600 IN MX 10 broken
broken 3600 IN A 93.184.216.77
timeout 3600 IN MX 10 slow
slow 3600 IN A 93.184.216.78
private 3600 IN MX 10 mx.private
mx.private 3600 IN A 10.0.0.5
privatebackup 3600 IN MX 10 mx1.good
privatebackup 3600 IN MX 20 mx.private
dup 3600 IN MX 10 mx1.good
dup 3600 IN MX 20 mx1.good
oneip 3600 IN MX 10 mx2.good
oneip 3600 IN MX 20 same
same 3600 IN A 93.184.216.11
mxfail 3600 IN MX 10 mx1.good
lowttl 30 IN MX 10 mx1.good
lowishttl 120 IN MX 10 mx1.good
implicit 3600 IN A 93.184.216.20
noroute 3600 IN TXT "v=spf1 -all"
mxanda 3600 IN MX 10 nope
mxanda 3600 IN A 93.184.216.99
aliasdom 3600 IN CNAME good
noptr 3600 IN MX 10 mx3
mx3 3600 IN A 93.184.216.30
badptr 3600 IN MX 10 mx4
mx4 3600 IN A 93.184.216.40
loopa 3600 IN CNAME loopb
loopb 3600 IN CNAME loopa
signed 3600 IN MX 10 mx5.signed
mx5.signed 3600 IN A 93.184.216.50
_25._tcp.mx5.signed 3600 IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
tlsanosec 3600 IN MX 10 mx6
mx6 3600 IN A 93.184.216.60
_25._tcp.mx6 3600 IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
stsbad 3600 IN MX 10 mx1.good
_mta-sts.stsbad 3600 IN TXT "v=STSv1;"
_smtp._tls.stsbad 3600 IN TXT "v=TLSRPTv1; rua=ftp://example.org"
ststwice 3600 IN MX 10 mx1.good
_mta-sts.ststwice 3600 IN TXT "v=STSv1; id=1"
_mta-sts.ststwice 3600 IN TXT "v=STSv1; id=2"
_mta-sts.ststwice 3600 IN TXT "unrelated text"

$ORIGIN corp.test.
@ 3600 IN SOA ns.example.org. hostmaster.example.org. 1 3600 600 86400 300
@ 3600 IN MX 10 mail
mail 3600 IN A 10.1.1.1
`

// reverseZone serves PTR records for the addresses above.
func reverseZone() string {
	var b strings.Builder
	b.WriteString("$ORIGIN arpa.\n@ 3600 IN SOA ns.example.org. hostmaster.example.org. 1 3600 600 86400 300\n")
	for _, p := range []struct{ ip, name string }{
		{"93.184.216.10", "mx1.good.example.org."},
		{"2a00:1450:4001::10", "mx1.good.example.org."},
		{"93.184.216.11", "mx2.good.example.org."},
		{"93.184.216.20", "implicit.example.org."},
		{"93.184.216.40", "gone.example.org."},
		{"93.184.216.50", "mx5.signed.example.org."},
		{"93.184.216.60", "mx6.example.org."},
		{"10.1.1.1", "mail.corp.test."},
	} {
		rev, _ := dns.ReverseAddr(p.ip)
		fmt.Fprintf(&b, "%s 3600 IN PTR %s\n", rev, p.name)
	}
	return b.String()
}

// manyTargets adds a domain with more MX records than the package checks.
func manyTargets() string {
	var b strings.Builder
	b.WriteString("$ORIGIN many.example.org.\n")
	for i := range 40 {
		fmt.Fprintf(&b, "@ 3600 IN MX %d mx1.good.example.org.\n", i)
	}
	return b.String()
}

func startDNS(t testing.TB, zone string, opts ...authdns.Option) *authdns.Server {
	t.Helper()
	s, err := authdns.Start("127.0.0.1:0", zone, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newResolver(t testing.TB, addr string) *resolver.Resolver {
	t.Helper()
	r, err := resolver.New(resolver.Config{Servers: []string{addr}, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// faultServer serves every fault of publicZone, with the faults zone text
// cannot express set as rules.
func faultServer(t testing.TB) *authdns.Server {
	return startDNS(t, publicZone+manyTargets()+reverseZone(),
		authdns.WithRule("broken.example.org", authdns.Rule{Rcode: dns.RcodeServerFailure}),
		authdns.WithRule("slow.example.org", authdns.Rule{Drop: true}),
		authdns.WithRule("mxfail.example.org", authdns.Rule{Type: dns.TypeMX, Rcode: dns.RcodeServerFailure}),
		authdns.WithRule("signed.example.org", authdns.Rule{AD: true}),
		authdns.WithRule("_25._tcp.mx5.signed.example.org", authdns.Rule{AD: true}),
		authdns.WithRule("_25._tcp.mx6.example.org", authdns.Rule{AD: true}),
	)
}

// noSelf turns off "this machine" detection so results do not depend on
// where the tests run.
func testOptions() mx.Options {
	o := mx.DefaultOptions()
	o.Self = []string{}
	o.Seed = 1
	return o
}

// has reports whether a finding with id and severity ("id:severity", or
// "id:unchecked" for an incomplete one) is present.
func has(fs []report.Finding, want string) bool {
	return slices.ContainsFunc(fs, func(f report.Finding) bool { return key(f) == want })
}

func key(f report.Finding) string {
	if f.Incomplete {
		return f.ID + ":unchecked"
	}
	return f.ID + ":" + f.Severity.String()
}

func keys(fs []report.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = key(f)
	}
	return out
}

// routeExpecting routes domain with testOptions and checks the outcome and
// that every wanted finding ("id:severity") is present.
func routeExpecting(t *testing.T, r *resolver.Resolver, domain string, outcome mx.Outcome, want []string) *mx.Result {
	t.Helper()
	res, err := mx.Route(context.Background(), r, domain, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != outcome {
		t.Errorf("outcome = %s, want %s", res.Outcome, outcome)
	}
	for _, w := range want {
		if !has(res.Findings, w) {
			t.Errorf("missing %s; got %v", w, keys(res.Findings))
		}
	}
	return res
}

func TestRouteFindings(t *testing.T) {
	s := faultServer(t)
	r := newResolver(t, s.Addr)
	tests := []struct {
		domain  string
		outcome mx.Outcome
		want    []string // findings that must be present
		not     []string // finding IDs that must be absent
	}{
		{"good.example.org", mx.OutcomeMX,
			[]string{"dnssec.route:ok", "mtasts.record:ok", "tlsrpt.record:ok"},
			[]string{"mx.no_ipv6", "mx.target_private", "mx.ptr_missing", "mx.fcrdns_mismatch", "mx.single_ip", "mx.low_ttl", "mx.implicit_mx", "mx.lookup_failed", "mx.dane", "dnssec.bogus"}},
		{"nullmx.example.org", mx.OutcomeNullMX, []string{"mx.null_mx:warning"}, []string{"mx.null_mx_mixed", "mx.implicit_mx"}},
		{"mixednull.example.org", mx.OutcomeMX, []string{"mx.null_mx_mixed:error"}, []string{"mx.null_mx"}},
		{"cnametarget.example.org", mx.OutcomeMX, []string{"mx.target_cname:warning"}, []string{"mx.domain_cname"}},
		{"iplit.example.org", mx.OutcomeUnchecked, []string{"mx.target_ip_literal:error"}, []string{"mx.target_nxdomain", "mx.target_servfail"}},
		{"nxtarget.example.org", mx.OutcomeNoRoute, []string{"mx.target_nxdomain:error"}, []string{"mx.target_nodata"}},
		{"nodata.example.org", mx.OutcomeNoRoute, []string{"mx.target_nodata:error"}, []string{"mx.target_nxdomain"}},
		{"nxbackup.example.org", mx.OutcomeMX, []string{"mx.target_nxdomain:warning"}, nil},
		{"servfail.example.org", mx.OutcomeUnchecked, []string{"mx.target_servfail:unchecked"}, []string{"mx.target_nxdomain", "mx.target_nodata"}},
		{"timeout.example.org", mx.OutcomeUnchecked, []string{"mx.target_servfail:unchecked"}, nil},
		{"private.example.org", mx.OutcomeMX, []string{"mx.target_private:error"}, nil},
		{"privatebackup.example.org", mx.OutcomeMX, []string{"mx.target_private:warning"}, nil},
		{"corp.test", mx.OutcomeMX, []string{"mx.target_private:info"}, []string{"mx.ptr_missing", "mx.fcrdns_mismatch"}},
		{"dup.example.org", mx.OutcomeMX, []string{"mx.duplicate_target:warning"}, []string{"mx.single_ip"}},
		{"oneip.example.org", mx.OutcomeMX, []string{"mx.single_ip:warning", "mx.no_ipv6:info"}, []string{"mx.duplicate_target"}},
		{"missing.example.org", mx.OutcomeNXDomain, []string{"mx.domain_nxdomain:error"}, []string{"mx.implicit_mx", "mx.no_route"}},
		{"mxfail.example.org", mx.OutcomeUnchecked, []string{"mx.lookup_failed:unchecked"}, []string{"mx.implicit_mx", "mx.domain_nxdomain"}},
		{"lowttl.example.org", mx.OutcomeMX, []string{"mx.low_ttl:warning"}, nil},
		{"lowishttl.example.org", mx.OutcomeMX, []string{"mx.low_ttl:info"}, nil},
		{"implicit.example.org", mx.OutcomeImplicit, []string{"mx.implicit_mx:warning"}, []string{"mx.no_route"}},
		{"noroute.example.org", mx.OutcomeNoRoute, []string{"mx.no_route:error"}, []string{"mx.implicit_mx"}},
		{"mxanda.example.org", mx.OutcomeNoRoute, []string{"mx.target_nxdomain:error"}, []string{"mx.implicit_mx"}},
		{"aliasdom.example.org", mx.OutcomeMX, []string{"mx.domain_cname:info", "mtasts.record:ok"}, nil},
		{"loopa.example.org", mx.OutcomeUnchecked, []string{"mx.lookup_failed:unchecked"}, nil},
		{"noptr.example.org", mx.OutcomeMX, []string{"mx.ptr_missing:info"}, []string{"mx.fcrdns_mismatch"}},
		{"badptr.example.org", mx.OutcomeMX, []string{"mx.fcrdns_mismatch:warning"}, []string{"mx.ptr_missing"}},
		{"signed.example.org", mx.OutcomeMX, []string{"dnssec.route:info", "mx.dane:ok"}, nil},
		{"tlsanosec.example.org", mx.OutcomeMX, []string{"mx.dane:warning"}, nil},
		{"stsbad.example.org", mx.OutcomeMX, []string{"mtasts.record:warning", "tlsrpt.record:warning"}, nil},
		{"ststwice.example.org", mx.OutcomeMX, []string{"mtasts.record:warning", "tlsrpt.record:ok"}, nil},
		{"many.example.org", mx.OutcomeMX, []string{"mx.too_many_targets:warning", "mx.duplicate_target:warning"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			res := routeExpecting(t, r, tt.domain, tt.outcome, tt.want)
			for _, id := range tt.not {
				for _, f := range res.Findings {
					if f.ID == id {
						t.Errorf("unexpected %s: %s", key(f), f.Message)
					}
				}
			}
			for _, f := range res.Findings {
				if f.Message == "" || f.Subject == "" {
					t.Errorf("%s: empty message or subject", f.ID)
				}
			}
		})
	}
}

func TestGoodDomainIsClean(t *testing.T) {
	r := newResolver(t, faultServer(t).Addr)
	res, err := mx.Route(context.Background(), r, "good.example.org", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.Severity != report.OK {
			t.Errorf("unexpected %s: %s", key(f), f.Message)
		}
	}
	if len(res.Targets) != 2 || res.Targets[0].Host != "mx1.good.example.org" || res.Targets[1].Host != "mx2.good.example.org" {
		t.Fatalf("targets = %+v", res.Targets)
	}
	a := res.Targets[0].Addrs
	if len(a) != 2 || a[0].IP.String() != "93.184.216.10" || a[1].IP.String() != "2a00:1450:4001::10" {
		t.Fatalf("addresses = %+v", a)
	}
	for _, addr := range a {
		if !addr.FCrDNS || !slices.Equal(addr.PTR, []string{"mx1.good.example.org"}) {
			t.Errorf("%s: PTR %v, fcrdns %v", addr.IP, addr.PTR, addr.FCrDNS)
		}
	}
	if res.Security == nil || len(res.Security.MTASTS) != 1 || len(res.Security.TLSRPT) != 1 || res.Security.DANE {
		t.Errorf("security = %+v", res.Security)
	}
}

// TestNoFallbackToAddress: a domain with MX records is never delivered to
// its own address, even when every MX target is broken.
func TestNoFallbackToAddress(t *testing.T) {
	r := newResolver(t, faultServer(t).Addr)
	o := testOptions()
	o.Trace = true
	res, err := mx.Route(context.Background(), r, "mxanda.example.org", o)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Trace {
		if e.Name == "mxanda.example.org." && e.Type != "MX" {
			t.Errorf("queried %s %s: fell back to the domain's address", e.Name, e.Type)
		}
	}
	if len(res.Trace) == 0 {
		t.Error("no trace recorded")
	}
}

func TestOptionsTurnOffLookups(t *testing.T) {
	s := faultServer(t)
	r := newResolver(t, s.Addr)
	o := mx.Options{Self: []string{}, Trace: true}
	res, err := mx.Route(context.Background(), r, "good.example.org", o)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Trace {
		if e.Type == "PTR" || e.Type == "TLSA" || e.Type == "TXT" {
			t.Errorf("queried %s %s with PTR and Security off", e.Name, e.Type)
		}
	}
	if res.Security != nil || res.Targets[0].Addrs[0].PTRStatus != "" {
		t.Errorf("security %+v, ptr status %q", res.Security, res.Targets[0].Addrs[0].PTRStatus)
	}
}

func TestInvalidInput(t *testing.T) {
	r := newResolver(t, "127.0.0.1:1")
	tests := []struct {
		domain string
		self   []string
		want   string
	}{
		{"", nil, "empty domain name"},
		{"foo bar.example", nil, "not a domain name"},
		{"user@example.org", nil, "is an email address: give its domain (example.org)"},
		{"192.0.2.1", nil, "is an IP address"},
		{"[2001:db8::1]", nil, "is an IP address"},
		{"a..b", nil, "empty label"},
		{strings.Repeat("a", 64) + ".example", nil, "longer than 63"},
		{"example.org", []string{"bad name!"}, "--self"},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			_, err := mx.Route(context.Background(), r, tt.domain, mx.Options{Self: tt.self})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestIDNDomain(t *testing.T) {
	mail, _ := idna.Lookup.ToASCII("mäil.bücher.example")
	zone := fmt.Sprintf(`
$ORIGIN xn--bcher-kva.example.
@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300
@ 3600 IN MX 10 %s.
%s. 3600 IN A 10.0.0.1
`, mail, mail)
	r := newResolver(t, startDNS(t, zone).Addr)
	for _, in := range []string{"bücher.example", "BÜCHER.example.", "xn--bcher-kva.example"} {
		res, err := mx.Route(context.Background(), r, in, mx.Options{Self: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Domain.ASCII != "xn--bcher-kva.example" || res.Domain.Unicode != "bücher.example" {
			t.Errorf("%s: domain = %+v", in, res.Domain)
		}
		if len(res.Targets) != 1 || res.Targets[0].Host != mail || res.Targets[0].HostUnicode != "mäil.bücher.example" {
			t.Errorf("%s: targets = %+v", in, res.Targets)
		}
	}
}
