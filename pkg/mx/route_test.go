package mx_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

const hostingZone = `
$ORIGIN example.net.
@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300
tenant 3600 IN MX 10 hub
hub 3600 IN A 93.184.216.100
hubalias 3600 IN A 93.184.216.100
backup 3600 IN MX 10 mx1
backup 3600 IN MX 20 hub
backup 3600 IN MX 30 mx3
mx1 3600 IN A 93.184.216.101
mx3 3600 IN A 93.184.216.103
aliased 3600 IN MX 10 mail.aliased
mail.aliased 3600 IN CNAME hub
other 3600 IN MX 10 mx1
local 3600 IN MX 10 localhost
localhost 3600 IN A 127.0.0.1
`

func TestSelfAndLoopback(t *testing.T) {
	r := newResolver(t, startDNS(t, hostingZone).Addr)
	tests := []struct {
		name    string
		domain  string
		self    []string
		outcome mx.Outcome
		want    string   // finding that must be present, "" for none of the self findings
		dropped []string // targets an MTA here discards
	}{
		{"by name", "tenant.example.net", []string{"hub.example.net"}, mx.OutcomeLoop, "mx.loopback:error", []string{"hub.example.net"}},
		{"by name with trailing dot and case", "tenant.example.net", []string{"HUB.example.net."}, mx.OutcomeLoop, "mx.loopback:error", []string{"hub.example.net"}},
		{"by address", "tenant.example.net", []string{"93.184.216.100"}, mx.OutcomeLoop, "mx.loopback:error", []string{"hub.example.net"}},
		{"by another name on our address", "tenant.example.net", []string{"hubalias.example.net"}, mx.OutcomeLoop, "mx.loopback:error", []string{"hub.example.net"}},
		{"through an alias target", "aliased.example.net", []string{"hub.example.net"}, mx.OutcomeLoop, "mx.loopback:error", []string{"mail.aliased.example.net"}},
		{"backup MX drops itself and worse", "backup.example.net", []string{"hub.example.net"}, mx.OutcomeMX, "mx.self_backup:info", []string{"hub.example.net", "mx3.example.net"}},
		{"not us", "other.example.net", []string{"hub.example.net"}, mx.OutcomeMX, "", nil},
		{"this machine by default", "local.example.net", nil, mx.OutcomeLoop, "mx.loopback:error", []string{"localhost.example.net"}},
		{"detection off", "tenant.example.net", []string{}, mx.OutcomeMX, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := mx.Route(context.Background(), r, tt.domain, mx.Options{Self: tt.self, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tt.outcome {
				t.Errorf("outcome = %s, want %s", res.Outcome, tt.outcome)
			}
			if tt.want != "" && !has(res.Findings, tt.want) {
				t.Errorf("missing %s; got %v", tt.want, keys(res.Findings))
			}
			if tt.want == "" && slices.ContainsFunc(res.Findings, func(f report.Finding) bool { return f.ID == "mx.loopback" || f.ID == "mx.self_backup" }) {
				t.Errorf("unexpected self finding: %v", keys(res.Findings))
			}
			var dropped []string
			for _, tg := range res.Targets {
				if tg.Dropped {
					dropped = append(dropped, tg.Host)
				}
			}
			if !slices.Equal(dropped, tt.dropped) {
				t.Errorf("dropped = %v, want %v", dropped, tt.dropped)
			}
		})
	}
}

func TestLoopbackExplainsHostingMode(t *testing.T) {
	r := newResolver(t, startDNS(t, hostingZone).Addr)
	res, err := mx.Route(context.Background(), r, "tenant.example.net", mx.Options{Self: []string{"hub.example.net"}})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(res.Findings, func(f report.Finding) bool { return f.ID == "mx.loopback" })
	if i < 0 {
		t.Fatalf("no mx.loopback in %v", keys(res.Findings))
	}
	f := res.Findings[i]
	for _, want := range []string{"smart host", "outbound", "hosting"} {
		if !strings.Contains(f.Fix, want) {
			t.Errorf("fix does not mention %q: %s", want, f.Fix)
		}
	}
	if !strings.Contains(strings.Join(f.Evidence, "\n"), "5.4.4") {
		t.Errorf("evidence does not name the 5.4.4 bounce: %v", f.Evidence)
	}
}

// shuffleZone publishes the MX records of example.com in the given order.
func shuffleZone(records ...string) string {
	zone := "$ORIGIN example.com.\n@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300\n"
	for _, r := range records {
		zone += "@ 3600 IN MX " + r + "\n"
	}
	return zone
}

func order(t *testing.T, r *resolver.Resolver, seed uint64) ([]string, []int) {
	t.Helper()
	res, err := mx.Route(context.Background(), r, "example.com", mx.Options{Self: []string{}, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	var groups []int
	for _, tg := range res.Targets {
		hosts = append(hosts, strings.TrimSuffix(tg.Host, ".example.com"))
		groups = append(groups, tg.Group)
	}
	return hosts, groups
}

func TestShuffleGroups(t *testing.T) {
	r1 := newResolver(t, startDNS(t, shuffleZone("20 d", "10 a", "10 c", "10 b")).Addr)
	r2 := newResolver(t, startDNS(t, shuffleZone("10 b", "10 c", "20 d", "10 a")).Addr)
	first, groups := order(t, r1, 7)
	if !slices.Equal(groups, []int{1, 1, 1, 2}) || first[3] != "d" {
		t.Fatalf("order %v groups %v: want three shuffled at preference 10, then d", first, groups)
	}
	if again, _ := order(t, r1, 7); !slices.Equal(again, first) {
		t.Errorf("same seed, different order: %v then %v", first, again)
	}
	if other, _ := order(t, r2, 7); !slices.Equal(other, first) {
		t.Errorf("order depends on how the server listed the records: %v vs %v", first, other)
	}
	seen := map[string]bool{}
	for seed := uint64(1); seed <= 60; seed++ {
		o, _ := order(t, r1, seed)
		seen[strings.Join(o, ",")] = true
	}
	if len(seen) < 3 {
		t.Errorf("60 seeds gave only %d orders of three equal targets: not shuffled", len(seen))
	}
}

// splitZone is example.com as one side of a split DNS sees it: the MX
// host's address and where moved.example.com's mail goes differ per side.
func splitZone(mailIP, movedTarget, movedIP string) string {
	return fmt.Sprintf(`
$ORIGIN example.com.
@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300
@ 3600 IN MX 10 mail
mail 3600 IN A %s
same 3600 IN MX 10 mx.same
mx.same 3600 IN A 93.184.216.25
moved 3600 IN MX 10 %s
%s 3600 IN A %s
`, mailIP, movedTarget, movedTarget, movedIP)
}

func TestSplitDNS(t *testing.T) {
	inside := newResolver(t, startDNS(t, splitZone("10.0.0.25", "old.moved", "93.184.216.26")).Addr)
	outside := newResolver(t, startDNS(t, splitZone("93.184.216.25", "new.moved", "93.184.216.27")).Addr)
	tests := []struct {
		domain   string
		compare  *resolver.Resolver
		want     string
		what     []string
		evidence string
	}{
		{"example.com", outside, "mx.split_dns:warning", []string{"addresses"}, "10.0.0.25"},
		{"same.example.com", outside, "mx.split_dns:ok", nil, ""},
		{"moved.example.com", outside, "mx.split_dns:warning", []string{"mx"}, "10 new.moved.example.com"},
		{"example.com", newResolver(t, "127.0.0.1:1"), "mx.lookup_failed:unchecked", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			res, err := mx.Route(context.Background(), inside, tt.domain, mx.Options{Self: []string{}, Compare: tt.compare})
			if err != nil {
				t.Fatal(err)
			}
			if !has(res.Findings, tt.want) {
				t.Fatalf("missing %s; got %v", tt.want, keys(res.Findings))
			}
			var what []string
			for _, d := range res.SplitDNS.Differences {
				what = append(what, d.What)
			}
			if !slices.Equal(what, tt.what) {
				t.Errorf("differences %+v, want kinds %v", res.SplitDNS.Differences, tt.what)
			}
			var ev []string
			for _, f := range res.Findings {
				if f.ID == "mx.split_dns" {
					ev = append(ev, f.Evidence...)
					ev = append(ev, f.Message)
				}
			}
			if !strings.Contains(strings.Join(ev, "\n"), tt.evidence) {
				t.Errorf("evidence %q does not contain %q", ev, tt.evidence)
			}
		})
	}
}

// TestAliasOutsideTheServersZones: an authoritative server stops at an
// alias whose target it does not serve; the route follows it anyway.
func TestAliasOutsideTheServersZones(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rr := func(s string) dns.RR { r, _ := dns.NewRR(s); return r }
	answers := map[string][]dns.RR{
		"start.example.com./MX": {rr("start.example.com. 300 IN CNAME end.example.net.")},
		"end.example.net./MX":   {rr("end.example.net. 300 IN MX 10 mx.example.net.")},
		"mx.example.net./A":     {rr("mx.example.net. 300 IN A 93.184.216.5")},
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		q := req.Question[0]
		m.Answer = answers[q.Name+"/"+dns.TypeToString[q.Qtype]]
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	r := newResolver(t, pc.LocalAddr().String())
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, err := r.Query(context.Background(), "probe.example.", dns.TypeA); err == nil || time.Now().After(deadline) {
			break
		}
	}
	res, err := mx.Route(context.Background(), r, "start.example.com", mx.Options{Self: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.CNAME, []string{"end.example.net"}) || len(res.Targets) != 1 || res.Targets[0].Host != "mx.example.net" ||
		len(res.Targets[0].Addrs) != 1 {
		t.Fatalf("cname %v targets %+v", res.CNAME, res.Targets)
	}
}
