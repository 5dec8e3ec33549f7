package resolver_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

const zone = `
$ORIGIN example.test.
@       300 IN SOA ns1 hostmaster 1 3600 600 86400 60
@       300 IN NS  ns1
@       300 IN MX  10 mx1
ns1     300 IN A   127.0.0.1
mx1     300 IN A   192.0.2.1
mx1     300 IN AAAA 2001:db8::1
alias   300 IN CNAME mx1
onlyv4  300 IN A   192.0.2.7
sub.deep 300 IN A  192.0.2.8
`

func start(t *testing.T, opts ...authdns.Option) *authdns.Server {
	t.Helper()
	s, err := authdns.Start("127.0.0.1:0", zone, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newResolver(t *testing.T, cfg resolver.Config) *resolver.Resolver {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	r, err := resolver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStatuses(t *testing.T) {
	s := start(t,
		authdns.WithRule("broken.example.test", authdns.Rule{Rcode: dns.RcodeServerFailure}),
		authdns.WithRule("closed.example.test", authdns.Rule{Rcode: dns.RcodeRefused}),
	)
	r := newResolver(t, resolver.Config{Servers: []string{s.Addr}})
	tests := []struct {
		name    string
		qtype   uint16
		want    resolver.Status
		wantErr bool
		records int
	}{
		{"example.test", dns.TypeMX, resolver.StatusOK, false, 1},
		{"onlyv4.example.test", dns.TypeAAAA, resolver.StatusNoData, false, 0},
		{"deep.example.test", dns.TypeA, resolver.StatusNoData, false, 0}, // empty non-terminal
		{"missing.example.test", dns.TypeA, resolver.StatusNXDomain, false, 0},
		{"broken.example.test", dns.TypeA, resolver.StatusServFail, true, 0},
		{"closed.example.test", dns.TypeA, resolver.StatusRefused, true, 0},
		{"outside.invalid", dns.TypeA, resolver.StatusRefused, true, 0},
		{"alias.example.test", dns.TypeA, resolver.StatusOK, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+dns.TypeToString[tt.qtype], func(t *testing.T) {
			a, err := r.Query(context.Background(), tt.name, tt.qtype)
			if a.Status != tt.want {
				t.Errorf("status = %s, want %s", a.Status, tt.want)
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
			var re *resolver.Error
			if tt.wantErr && !errors.As(err, &re) {
				t.Errorf("error %T is not *resolver.Error", err)
			}
			n := 0
			for _, rr := range a.Records {
				if rr.Header().Rrtype == tt.qtype {
					n++
				}
			}
			if n != tt.records {
				t.Errorf("records of type = %d, want %d: %v", n, tt.records, a.Records)
			}
		})
	}
}

func TestCNAMEChainIsKept(t *testing.T) {
	s := start(t)
	r := newResolver(t, resolver.Config{Servers: []string{s.Addr}})
	a, err := r.Query(context.Background(), "alias.example.test", dns.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if c := a.CNAMEs(); len(c) != 1 || c[0].Target != "mx1.example.test." {
		t.Fatalf("CNAMEs = %v", c)
	}
	if !a.AA {
		t.Error("AA flag not reported")
	}
}

func TestTruncationRetriesOverTCP(t *testing.T) {
	s := start(t, authdns.WithMaxUDP(60))
	r := newResolver(t, resolver.Config{Servers: []string{s.Addr}})
	tr := &resolver.Trace{}
	a, err := r.Query(resolver.WithTrace(context.Background(), tr), "mx1.example.test", dns.TypeAAAA)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Truncated || a.Transport != "udp+tcp" {
		t.Fatalf("truncated=%v transport=%q, want a TCP retry", a.Truncated, a.Transport)
	}
	if len(resolver.Records[*dns.AAAA](a)) != 1 {
		t.Fatalf("answer lost in the TCP retry: %v", a.Records)
	}
	ex := tr.Exchanges()
	if len(ex) != 1 || ex[0].Transport != "udp+tcp" || !strings.Contains(strings.Join(ex[0].Flags, ","), "tc") {
		t.Fatalf("trace = %+v", ex)
	}
}

func TestForcedTCP(t *testing.T) {
	s := start(t)
	r := newResolver(t, resolver.Config{Servers: []string{s.Addr}, TCP: true})
	a, err := r.Query(context.Background(), "example.test", dns.TypeMX)
	if err != nil || a.Transport != "tcp" {
		t.Fatalf("transport=%q err=%v", a.Transport, err)
	}
}

func TestTimeoutRetriesThenFailsOver(t *testing.T) {
	dead := start(t, authdns.WithRule("example.test", authdns.Rule{Drop: true}))
	good := start(t)
	r := newResolver(t, resolver.Config{Servers: []string{dead.Addr, good.Addr}, Timeout: 100 * time.Millisecond, Retries: 1})
	tr := &resolver.Trace{}
	a, err := r.Query(resolver.WithTrace(context.Background(), tr), "example.test", dns.TypeMX)
	if err != nil {
		t.Fatalf("expected failover to the good server: %v", err)
	}
	if a.Server != good.Addr {
		t.Errorf("answered by %s, want %s", a.Server, good.Addr)
	}
	var statuses []string
	for _, e := range tr.Exchanges() {
		statuses = append(statuses, e.Server+"="+e.Status)
	}
	want := []string{dead.Addr + "=timeout", dead.Addr + "=timeout", good.Addr + "=ok"}
	if fmt.Sprint(statuses) != fmt.Sprint(want) {
		t.Errorf("trace = %v, want %v", statuses, want)
	}
}

func TestTimeoutIsAnError(t *testing.T) {
	dead := start(t, authdns.WithRule("example.test", authdns.Rule{Drop: true}))
	r := newResolver(t, resolver.Config{Servers: []string{dead.Addr}, Timeout: 50 * time.Millisecond})
	a, err := r.Query(context.Background(), "example.test", dns.TypeMX)
	if a.Status != resolver.StatusTimeout || err == nil {
		t.Fatalf("status=%s err=%v, want timeout error", a.Status, err)
	}
	if !strings.Contains(err.Error(), "TIMEOUT") {
		t.Errorf("error text %q does not say timeout", err)
	}
}

func TestServFailFailsOver(t *testing.T) {
	bad := start(t, authdns.WithRule("example.test", authdns.Rule{Rcode: dns.RcodeServerFailure}))
	good := start(t)
	r := newResolver(t, resolver.Config{Servers: []string{bad.Addr, good.Addr}})
	a, err := r.Query(context.Background(), "example.test", dns.TypeMX)
	if err != nil || a.Server != good.Addr {
		t.Fatalf("server=%s err=%v", a.Server, err)
	}
}

func TestCacheAndConcurrency(t *testing.T) {
	s := start(t)
	r := newResolver(t, resolver.Config{Servers: []string{s.Addr}})
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.Query(context.Background(), "example.test", dns.TypeMX); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	before := s.Queries()
	a, err := r.Query(context.Background(), "EXAMPLE.test.", dns.TypeMX)
	if err != nil || !a.Cached {
		t.Fatalf("cached=%v err=%v", a.Cached, err)
	}
	if s.Queries() != before {
		t.Error("cached answer went to the wire")
	}
	if before > 5 {
		t.Errorf("%d wire queries for 50 concurrent identical lookups; singleflight/cache not working", before)
	}
	// Negative answers are cached by the SOA minimum.
	r.Query(context.Background(), "nope.example.test", dns.TypeA)
	n := s.Queries()
	r.Query(context.Background(), "nope.example.test", dns.TypeA)
	if s.Queries() != n {
		t.Error("NXDOMAIN not cached")
	}
}

func TestADFlag(t *testing.T) {
	s := start(t, authdns.WithRule("example.test", authdns.Rule{Type: dns.TypeMX, AD: true}))
	r := newResolver(t, resolver.Config{Servers: []string{s.Addr}})
	a, _ := r.Query(context.Background(), "example.test", dns.TypeMX)
	if !a.AD {
		t.Error("AD flag not reported")
	}
	b, _ := r.Query(context.Background(), "mx1.example.test", dns.TypeA)
	if b.AD {
		t.Error("AD flag reported where the server did not set it")
	}
}

func TestLookupAddrs(t *testing.T) {
	s := start(t)
	r := newResolver(t, resolver.Config{Servers: []string{s.Addr}})
	ctx := context.Background()
	got := r.LookupAddrs(ctx, "mx1.example.test")
	if len(got.IPs) != 2 || got.Status() != resolver.StatusOK {
		t.Errorf("mx1: %v %s", got.IPs, got.Status())
	}
	if st := r.LookupAddrs(ctx, "missing.example.test").Status(); st != resolver.StatusNXDomain {
		t.Errorf("missing: %s", st)
	}
	if st := r.LookupAddrs(ctx, "deep.example.test").Status(); st != resolver.StatusNoData {
		t.Errorf("deep: %s", st)
	}
}

func TestParseServer(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"127.0.0.1", "127.0.0.1:53", ""},
		{"127.0.0.1:5353", "127.0.0.1:5353", ""},
		{"::1", "[::1]:53", ""},
		{"[::1]:5353", "[::1]:5353", ""},
		{"dns.example", "", "want an IP address"},
		{"127.0.0.1:99999", "", "want an IP address"},
	}
	for _, tt := range tests {
		got, err := resolver.ParseServer(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseName(t *testing.T) {
	tests := []struct{ in, ascii, uni, err string }{
		{"Example.COM.", "example.com", "example.com", ""},
		{"bücher.example", "xn--bcher-kva.example", "bücher.example", ""},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", "bücher.example", ""},
		{"", "", "", "empty"},
		{"a..b", "", "", "not a valid"},
		{"user@example.com", "", "", "not a domain"},
		{strings.Repeat("a", 64) + ".com", "", "", "63"},
		{"b\xfccher.example", "", "", "not valid UTF-8"},
	}
	for _, tt := range tests {
		n, err := resolver.ParseName(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || n.ASCII != tt.ascii || n.Unicode != tt.uni {
			t.Errorf("%q = %+v, %v", tt.in, n, err)
		}
	}
}

func TestResolvConf(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/resolv.conf"
	if err := writeFile(p, "nameserver 127.0.0.53\n"); err != nil {
		t.Fatal(err)
	}
	r, err := resolver.New(resolver.Config{ResolvConf: p})
	if err != nil || fmt.Sprint(r.Servers()) != "[127.0.0.53:53]" {
		t.Fatalf("servers=%v err=%v", r.Servers(), err)
	}
	if err := writeFile(p, "# empty\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := resolver.New(resolver.Config{ResolvConf: p}); err == nil || !strings.Contains(err.Error(), "--dns") {
		t.Fatalf("err = %v, want a hint at --dns", err)
	}
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"example.com", "bücher.de.", "a..b", "-x.test", "xn--zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := resolver.ParseName(s)
		if err == nil {
			if _, ok := dns.IsDomainName(n.ASCII); !ok {
				t.Fatalf("accepted %q as %q", s, n.ASCII)
			}
			// What we accept must parse back to itself, or a name shown
			// to the user would not be the name we queried.
			if again, err := resolver.ParseName(n.ASCII); err != nil || again != n {
				t.Fatalf("%q -> %+v does not round-trip: %+v, %v", s, n, again, err)
			}
		}
	})
}

func TestLateReplyNotTakenForNextAnswer(t *testing.T) {
	s := start(t, authdns.WithRule("mx1.example.test", authdns.Rule{Delay: 150 * time.Millisecond}))
	r := newResolver(t, resolver.Config{Servers: []string{s.Addr}, Timeout: 50 * time.Millisecond, NoCache: true})
	ctx := context.Background()
	if a, _ := r.Query(ctx, "mx1.example.test", dns.TypeA); a.Status != resolver.StatusTimeout {
		t.Fatalf("slow name: %s", a.Status)
	}
	time.Sleep(150 * time.Millisecond) // the late reply arrives now
	for i := 0; i < 5; i++ {
		a, err := r.Query(ctx, "onlyv4.example.test", dns.TypeA)
		if err != nil {
			t.Fatal(err)
		}
		if got := resolver.Records[*dns.A](a); len(got) != 1 || got[0].A.String() != "192.0.2.7" {
			t.Fatalf("answer %v, want onlyv4's address", a.Records)
		}
	}
}

// FuzzParseServer: an accepted --dns value is an IP address with a usable
// port, and its normal form is a fixed point. Names are never accepted: the
// resolver must not need a resolver.
func FuzzParseServer(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "127.0.0.1:5353", "[::1]:53", "::1", "[::1]", "dns.example:53", "127.0.0.1:0",
		"127.0.0.1:65536", "fe80::1%lo", "[fe80::1%lo]:53", "1.2.3.4:+53", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addr, err := resolver.ParseServer(s)
		if err != nil {
			return
		}
		ap, perr := netip.ParseAddrPort(addr)
		if perr != nil || ap.Port() == 0 {
			t.Fatalf("%q → %q, not an IP with a port from 1 to 65535", s, addr)
		}
		if again, err := resolver.ParseServer(addr); err != nil || again != addr {
			t.Fatalf("%q → %q → %q, %v", s, addr, again, err)
		}
	})
}
