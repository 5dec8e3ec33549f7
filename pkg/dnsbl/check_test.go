package dnsbl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// testZones are lists with one behaviour each; 192.0.2.10 is the address
// most tests look up.
const testZones = `
$ORIGIN any.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
2.0.0.127   IN A 127.0.0.2
2.0.0.127   IN TXT "test entry"
10.2.0.192  IN A 127.0.0.2
10.2.0.192  IN TXT "listed for spam"
11.2.0.192  IN A 127.0.0.4
11.2.0.192  IN A 127.0.0.10
12.2.0.192  IN A 198.51.100.7
13.2.0.192  IN A 198.51.100.7
13.2.0.192  IN A 127.0.0.2
14.2.0.192  IN A 127.255.255.254
14.2.0.192  IN TXT "refused: public resolver"
15.2.0.192  IN TXT "no A record here"
5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2 IN A 127.0.0.3

$ORIGIN bits.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
10.2.0.192  IN A 127.0.0.72

$ORIGIN dom.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
spam.hosts.test IN A 127.0.1.2
spam.hosts.test IN TXT "domain advertised in spam"
mail.hosts.test IN A 127.0.1.2

$ORIGIN wl.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
10.2.0.192  IN A 127.0.5.3

$ORIGIN hosts.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
mail   IN A    192.0.2.10
mail   IN AAAA 2001:db8::25
clean  IN A    192.0.2.20
broken IN A    192.0.2.21

$ORIGIN fail.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
`

func startZones(t testing.TB, opts ...authdns.Option) *resolver.Resolver {
	t.Helper()
	opts = append(opts,
		authdns.WithRule("10.2.0.192.servfail.fail.test", authdns.Rule{Rcode: dns.RcodeServerFailure}),
		authdns.WithRule("10.2.0.192.refused.fail.test", authdns.Rule{Rcode: dns.RcodeRefused}),
		authdns.WithRule("10.2.0.192.drop.fail.test", authdns.Rule{Drop: true}),
		authdns.WithRule("broken.hosts.test", authdns.Rule{Type: dns.TypeAAAA, Rcode: dns.RcodeServerFailure}),
	)
	s, err := authdns.Start("127.0.0.1:0", testZones, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return resolverFor(t, s.Addr)
}

// resolverFor queries only the test server, with a short timeout so the
// zone that never answers costs little.
func resolverFor(t testing.TB, addr string) *resolver.Resolver {
	t.Helper()
	r, err := resolver.New(resolver.Config{Servers: []string{addr}, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func specs(t testing.TB, ss ...string) []List {
	t.Helper()
	var out []List
	for _, s := range ss {
		l, err := ParseZoneSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

func findingIDs(fs []report.Finding) []string {
	var ids []string
	for _, f := range fs {
		id := f.ID
		if f.Incomplete {
			id += "(incomplete)"
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func TestCheck(t *testing.T) {
	r := startZones(t)
	ipv4Only := List{Zone: "any.test", Name: "IPv4 only", Match: MatchAny}
	tests := []struct {
		name     string
		target   string
		lists    []List
		verdict  Verdict
		statuses []Status
		findings []string
		check    func(t *testing.T, res *Result)
	}{
		{name: "listed with TXT reason", target: "192.0.2.10", lists: specs(t, "any.test"),
			verdict: VerdictListed, statuses: []Status{StatusListed}, findings: []string{"dnsbl.listed"},
			check: func(t *testing.T, res *Result) {
				if lr := res.Lists[0]; lr.Query != "10.2.0.192.any.test" || !slices.Equal(lr.TXT, []string{"listed for spam"}) {
					t.Errorf("query %s TXT %q", lr.Query, lr.TXT)
				}
			}},
		{name: "NXDOMAIN is clean", target: "192.0.2.99", lists: specs(t, "any.test"),
			verdict: VerdictClean, statuses: []Status{StatusClean}, findings: []string{"dnsbl.clean"}},
		{name: "TXT without A is clean", target: "192.0.2.15", lists: specs(t, "any.test"),
			verdict: VerdictClean, statuses: []Status{StatusClean}, findings: []string{"dnsbl.clean"}},
		{name: "two A records at once", target: "192.0.2.11", lists: specs(t, "any.test"),
			verdict: VerdictListed, statuses: []Status{StatusListed}, findings: []string{"dnsbl.listed"},
			check: func(t *testing.T, res *Result) {
				if got := fmt.Sprint(res.Lists[0].Codes); got != "[127.0.0.4 127.0.0.10]" {
					t.Errorf("codes %s", got)
				}
			}},
		{name: "exact rule counts one of two codes", target: "192.0.2.11", lists: specs(t, "any.test:exact=127.0.0.10"),
			verdict: VerdictListed, statuses: []Status{StatusListed}, findings: []string{"dnsbl.listed"}},
		{name: "exact rule counts neither", target: "192.0.2.11", lists: specs(t, "any.test:exact=127.0.0.2,127.0.0.[5..9]"),
			verdict: VerdictClean, statuses: []Status{StatusClean}, findings: []string{"dnsbl.clean", "dnsbl.code_not_matched"}},
		{name: "bitmask with a shared bit", target: "192.0.2.10", lists: specs(t, "bits.test:bitmask=0.0.0.8"),
			verdict: VerdictListed, statuses: []Status{StatusListed}, findings: []string{"dnsbl.listed"}},
		{name: "Exchange example mask 0.0.0.3 misses 72", target: "192.0.2.10", lists: specs(t, "bits.test:bitmask=0.0.0.3"),
			verdict: VerdictClean, statuses: []Status{StatusClean}, findings: []string{"dnsbl.clean", "dnsbl.code_not_matched"}},
		{name: "answer outside 127/8 only", target: "192.0.2.12", lists: specs(t, "any.test"),
			verdict: VerdictIncomplete, statuses: []Status{StatusError}, findings: []string{"dnsbl.bogus_answer(incomplete)"},
			check: func(t *testing.T, res *Result) {
				if lr := res.Lists[0]; !slices.Equal(lr.Ignored, []string{"198.51.100.7"}) || len(lr.Codes) != 0 {
					t.Errorf("ignored %v codes %v", lr.Ignored, lr.Codes)
				}
			}},
		{name: "answer outside 127/8 beside a listing", target: "192.0.2.13", lists: specs(t, "any.test"),
			verdict: VerdictListed, statuses: []Status{StatusListed}, findings: []string{"dnsbl.bogus_answer", "dnsbl.listed"}},
		{name: "error code is a refusal, not a listing", target: "192.0.2.14", lists: specs(t, "any.test:errors=127.255.255.254"),
			verdict: VerdictIncomplete, statuses: []Status{StatusError}, findings: []string{"dnsbl.query_refused(incomplete)"},
			check: func(t *testing.T, res *Result) {
				if lr := res.Lists[0]; len(lr.TXT) != 1 || !strings.Contains(lr.Err, "refused") {
					t.Errorf("TXT %q err %q", lr.TXT, lr.Err)
				}
			}},
		{name: "catalog rule keeps Spamhaus error codes", target: "192.0.2.14",
			lists:   []List{withZone(t, "zen", "any.test")},
			verdict: VerdictIncomplete, statuses: []Status{StatusError}, findings: []string{"dnsbl.query_refused(incomplete)"}},
		{name: "SERVFAIL", target: "192.0.2.10", lists: specs(t, "servfail.fail.test"),
			verdict: VerdictIncomplete, statuses: []Status{StatusError}, findings: []string{"dnsbl.query_failed(incomplete)"}},
		{name: "REFUSED", target: "192.0.2.10", lists: specs(t, "refused.fail.test"),
			verdict: VerdictIncomplete, statuses: []Status{StatusError}, findings: []string{"dnsbl.query_failed(incomplete)"},
			check: func(t *testing.T, res *Result) {
				if res.Lists[0].failure != failRefused {
					t.Errorf("failure %d, want refused", res.Lists[0].failure)
				}
			}},
		{name: "never answers", target: "192.0.2.10", lists: specs(t, "drop.fail.test"),
			verdict: VerdictIncomplete, statuses: []Status{StatusError}, findings: []string{"dnsbl.query_failed(incomplete)"}},
		{name: "listed on one, unchecked on another", target: "192.0.2.10", lists: specs(t, "any.test", "drop.fail.test"),
			verdict: VerdictListed, statuses: []Status{StatusListed, StatusError},
			findings: []string{"dnsbl.listed", "dnsbl.query_failed(incomplete)"}},
		{name: "allow-list hit is good news", target: "192.0.2.10", lists: specs(t, "wl.test:allow", "bits.test:bitmask=4"),
			verdict: VerdictClean, statuses: []Status{StatusListed, StatusClean},
			findings: []string{"dnsbl.allowlisted", "dnsbl.clean", "dnsbl.code_not_matched"},
			check: func(t *testing.T, res *Result) {
				if !res.AllowListed {
					t.Error("AllowListed not set")
				}
			}},
		{name: "IPv6 nibbles", target: "2001:db8::25", lists: specs(t, "any.test"),
			verdict: VerdictListed, statuses: []Status{StatusListed}, findings: []string{"dnsbl.listed"},
			check: func(t *testing.T, res *Result) {
				if q := res.Lists[0].Query; q != "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.any.test" {
					t.Errorf("query %s", q)
				}
			}},
		{name: "IPv6 on an IPv4-only list", target: "2001:db8::25", lists: []List{ipv4Only},
			verdict: VerdictIncomplete, statuses: []Status{StatusUnchecked}, findings: []string{"dnsbl.nothing_to_check(incomplete)"}},
		{name: "domain list for a domain", target: "spam.hosts.test", lists: specs(t, "dom.test:domain", "any.test"),
			verdict: VerdictListed, statuses: []Status{StatusListed}, findings: []string{"dnsbl.listed", "dnsbl.no_address"},
			check: func(t *testing.T, res *Result) {
				if lr := res.Lists[0]; lr.Query != "spam.hosts.test.dom.test" || len(lr.TXT) != 1 {
					t.Errorf("query %s TXT %q", lr.Query, lr.TXT)
				}
			}},
		{name: "domain list ignores addresses", target: "192.0.2.10", lists: specs(t, "dom.test:domain"),
			verdict: VerdictIncomplete, findings: []string{"dnsbl.nothing_to_check(incomplete)"}},
		{name: "host name: name and both addresses", target: "mail.hosts.test", lists: specs(t, "dom.test:domain", "any.test"),
			verdict: VerdictListed, statuses: []Status{StatusListed, StatusListed, StatusListed},
			findings: []string{"dnsbl.listed", "dnsbl.listed", "dnsbl.listed"},
			check: func(t *testing.T, res *Result) {
				if got := fmt.Sprint(res.Addresses); got != "[192.0.2.10 2001:db8::25]" {
					t.Errorf("addresses %s", got)
				}
				if s := res.Findings[1].Subject; s != "mail.hosts.test (192.0.2.10)" {
					t.Errorf("subject %q", s)
				}
			}},
		{name: "host without addresses and no domain list", target: "nothing.hosts.test", lists: specs(t, "any.test"),
			verdict: VerdictIncomplete, findings: []string{"dnsbl.no_address(incomplete)"}},
		{name: "failed AAAA lookup is incomplete", target: "broken.hosts.test", lists: specs(t, "any.test"),
			verdict: VerdictIncomplete, statuses: []Status{StatusClean}, findings: []string{"dnsbl.lookup_failed(incomplete)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Check(context.Background(), r, tt.target, Options{Lists: tt.lists})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != tt.verdict {
				t.Errorf("verdict %s, want %s", res.Verdict, tt.verdict)
			}
			var statuses []Status
			for _, lr := range res.Lists {
				statuses = append(statuses, lr.Status)
			}
			if !slices.Equal(statuses, tt.statuses) {
				t.Errorf("statuses %v, want %v", statuses, tt.statuses)
			}
			if got := findingIDs(res.Findings); !slices.Equal(got, tt.findings) {
				t.Errorf("findings %v, want %v", got, tt.findings)
			}
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

// withZone points a catalog list at a test zone, keeping its semantics.
func withZone(t *testing.T, id, zone string) List {
	l, ok := FromCatalog(id)
	if !ok {
		t.Fatalf("no catalog list %s", id)
	}
	l.Zone = zone
	return l
}

func TestCheckRejectsRanges(t *testing.T) {
	if _, err := Check(context.Background(), nil, "192.0.2.0/24", Options{}); err == nil {
		t.Error("a range was accepted")
	}
	if _, err := Check(context.Background(), nil, "192.0.2.256", Options{}); err == nil {
		t.Error("a bad address was accepted")
	}
}

func TestCheckIP(t *testing.T) {
	r := startZones(t)
	res := CheckIP(context.Background(), r, ip4(192, 0, 2, 10), Options{Lists: specs(t, "any.test", "bits.test:bitmask=64")})
	if res.Verdict != VerdictListed || fmt.Sprint(res.ListedOn()) != "[any.test bits.test]" {
		t.Errorf("verdict %s on %v", res.Verdict, res.ListedOn())
	}
}

func TestCheckAll(t *testing.T) {
	r := startZones(t)
	var ts []Target
	for i := range 40 {
		tg, _ := ParseTarget(fmt.Sprintf("192.0.2.%d", i))
		ts = append(ts, tg)
	}
	var got []string
	_, err := CheckAll(context.Background(), r, TargetInputs(ts), Options{Lists: specs(t, "any.test"), Concurrency: 3, Limiter: NewLimiter(1000)},
		func(o Outcome) error {
			got = append(got, o.Result.Target)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range got {
		if want := fmt.Sprintf("192.0.2.%d", i); g != want {
			t.Fatalf("result %d is %s, want %s (input order)", i, g, want)
		}
	}
	if len(got) != len(ts) {
		t.Fatalf("%d results for %d targets", len(got), len(ts))
	}

	stop := errors.New("stop")
	n := 0
	_, err = CheckAll(context.Background(), r, TargetInputs(ts), Options{Lists: specs(t, "any.test")}, func(Outcome) error {
		n++
		if n == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 5 {
		t.Errorf("after an emit error: err %v, %d results", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := CheckAll(ctx, r, TargetInputs(ts), Options{Lists: specs(t, "any.test")}, func(Outcome) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
	rng, _ := ParseTarget("192.0.2.0/30")
	var out []Outcome
	if _, err := CheckAll(context.Background(), r, TargetInputs([]Target{rng}), Options{}, func(o Outcome) error { out = append(out, o); return nil }); err != nil || len(out) != 1 || out[0].Input.Err == nil {
		t.Errorf("unexpanded range: %v %+v", err, out)
	}
}

// TestCheckAllList runs a list with bad lines: they come out in place as
// inputs with an error, and the run goes on.
func TestCheckAllList(t *testing.T) {
	r := startZones(t)
	list, err := ReadTargetList("in.txt", strings.NewReader("192.0.2.10\n192.0.2.999\n# c\n192.0.2.0/31\n192.0.2.0/24\n"), RangeBudget{})
	if err != nil {
		t.Fatal(err)
	}
	if list.Targets != 3 || list.Bad != 2 {
		t.Fatalf("targets %d, bad %d", list.Targets, list.Bad)
	}
	var got []string
	_, err = CheckAll(context.Background(), r, list.Inputs(), Options{Lists: specs(t, "any.test")}, func(o Outcome) error {
		if o.Input.Err != nil {
			got = append(got, o.Input.Source+" error: "+o.Input.Err.Error())
		} else {
			got = append(got, o.Result.Source+" "+o.Result.Target+" "+o.Result.Verdict.String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"in.txt:1 192.0.2.10 listed",
		`in.txt:2 error: "192.0.2.999" is not a valid IP address`,
		"in.txt:4 192.0.2.0 clean",
		"in.txt:4 192.0.2.1 clean",
		"in.txt:5 error: range 192.0.2.0/24 brings the run to 258 addresses, more than 256: confirm with --yes-large (at most 65536) or narrow the range",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestTXTOnlyAfterListing counts the queries a server receives: with the
// default mode a clean address costs one A query per list and no TXT, a
// listed one an A and then a TXT on the list that lists it.
func TestTXTOnlyAfterListing(t *testing.T) {
	var mu sync.Mutex
	var log []string
	r := startZones(t, authdns.WithQueryLog(func(name string, qtype uint16) {
		mu.Lock()
		log = append(log, dns.TypeToString[qtype]+" "+strings.TrimSuffix(name, "."))
		mu.Unlock()
	}))
	lists := specs(t, "any.test", "bits.test:bitmask=64")
	queries := func(mode TXTMode, ip string) []string {
		mu.Lock()
		log = nil
		mu.Unlock()
		tg, _ := ParseTarget(ip)
		res := (&checker{r: r, o: Options{Lists: lists, TXT: mode}}).target(context.Background(), tg)
		mu.Lock()
		defer mu.Unlock()
		slices.Sort(log)
		if mode == TXTListed && res.Verdict == VerdictListed {
			// The TXT of a listing comes after its A.
			for _, lr := range res.Lists {
				if lr.Status == StatusListed && len(lr.TXT) == 0 && lr.Zone == "any.test" {
					t.Errorf("%s: no reason kept for the listing on %s", ip, lr.Zone)
				}
			}
		}
		return slices.Clone(log)
	}
	tests := []struct {
		mode TXTMode
		ip   string
		want []string
	}{
		{TXTListed, "192.0.2.99", []string{"A 99.2.0.192.any.test", "A 99.2.0.192.bits.test"}},
		{TXTListed, "192.0.2.10", []string{"A 10.2.0.192.any.test", "A 10.2.0.192.bits.test", "TXT 10.2.0.192.any.test", "TXT 10.2.0.192.bits.test"}},
		{TXTListed, "192.0.2.14", []string{"A 14.2.0.192.any.test", "A 14.2.0.192.bits.test", "TXT 14.2.0.192.any.test"}},
		{TXTNever, "192.0.2.11", []string{"A 11.2.0.192.any.test", "A 11.2.0.192.bits.test"}},
		{TXTAlways, "192.0.2.98", []string{"A 98.2.0.192.any.test", "A 98.2.0.192.bits.test", "TXT 98.2.0.192.any.test", "TXT 98.2.0.192.bits.test"}},
	}
	// Every case asks about its own address: the resolver's cache would
	// hide a repeated query.
	for _, tt := range tests {
		if got := queries(tt.mode, tt.ip); !slices.Equal(got, tt.want) {
			t.Errorf("--txt %s %s: queries\n%s\nwant\n%s", tt.mode, tt.ip, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func TestCleanTXT(t *testing.T) {
	got := cleanTXT([]string{"ok", "bell\x07 and \x1b[31mred", strings.Repeat("x", 400), "4", "5"})
	if len(got) != maxTXT || got[1] != "bell? and ?[31mred" || !strings.HasSuffix(got[2], "...") || len(got[2]) != maxTXTBytes+3 {
		t.Errorf("got %q", got)
	}
}
