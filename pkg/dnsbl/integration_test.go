//go:build integration

package dnsbl_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/internal/peers"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// The zones are scripts/peers/rbl/dnsbl-*.txt served by a real rbldnsd.

func rbldnsd(t *testing.T) *resolver.Resolver {
	t.Helper()
	p := peers.Get(t)
	r, err := resolver.New(resolver.Config{Servers: []string{p.DNSBL}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func spec(t *testing.T, s string) dnsbl.List {
	t.Helper()
	l, err := dnsbl.ParseZoneSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// catalogAt serves a catalog list's semantics from a test zone.
func catalogAt(t *testing.T, id, zone string) dnsbl.List {
	t.Helper()
	l, ok := dnsbl.FromCatalog(id)
	if !ok {
		t.Fatalf("no catalog list %s", id)
	}
	l.Zone = zone
	return l
}

func TestRbldnsdVerdicts(t *testing.T) {
	r := rbldnsd(t)
	zen := catalogAt(t, "zen", "errors.dnsbl.test")
	dbl := catalogAt(t, "dbl", "dbl.dnsbl.test")
	uribl := catalogAt(t, "uribl", "uribl.dnsbl.test")
	dnswl := catalogAt(t, "dnswl", "wl.dnsbl.test")
	tests := []struct {
		target  string
		list    dnsbl.List
		verdict dnsbl.Verdict
		status  dnsbl.Status
		codes   string
	}{
		// Two ip4set datasets in one zone: both codes come back at once.
		{"192.0.2.11", spec(t, "multi.dnsbl.test"), dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.0.2 127.0.0.4]"},
		{"192.0.2.11", spec(t, "multi.dnsbl.test:exact=127.0.0.4"), dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.0.2 127.0.0.4]"},
		{"192.0.2.10", spec(t, "multi.dnsbl.test:exact=127.0.0.4"), dnsbl.VerdictClean, dnsbl.StatusClean, "[127.0.0.2]"},
		{"192.0.2.99", spec(t, "multi.dnsbl.test"), dnsbl.VerdictClean, dnsbl.StatusClean, "[]"},
		// Bitmask codes: 72 = 64 + 8.
		{"192.0.2.20", spec(t, "bits.dnsbl.test:bitmask=0.0.0.8"), dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.0.72]"},
		{"192.0.2.20", spec(t, "bits.dnsbl.test:bitmask=0.0.0.3"), dnsbl.VerdictClean, dnsbl.StatusClean, "[127.0.0.72]"},
		{"192.0.2.22", spec(t, "bits.dnsbl.test:bitmask=0.0.0.8"), dnsbl.VerdictClean, dnsbl.StatusClean, "[127.0.0.64]"},
		{"192.0.2.21", spec(t, "bits.dnsbl.test:bitmask=72"), dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.0.8]"},
		// Spamhaus semantics: error answers are refusals.
		{"192.0.2.30", zen, dnsbl.VerdictIncomplete, dnsbl.StatusError, "[127.255.255.254]"},
		{"192.0.2.31", zen, dnsbl.VerdictIncomplete, dnsbl.StatusError, "[127.255.255.255]"},
		{"192.0.2.32", zen, dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.0.10]"},
		{"192.0.2.33", zen, dnsbl.VerdictIncomplete, dnsbl.StatusError, "[]"},
		{"192.0.2.99", zen, dnsbl.VerdictClean, dnsbl.StatusClean, "[]"},
		// ip6trie, looked up as nibbles.
		{"2001:db8::25", spec(t, "v6.dnsbl.test"), dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.0.3]"},
		{"2001:db8:bad::1", spec(t, "v6.dnsbl.test"), dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.0.2]"},
		{"2001:db8::26", spec(t, "v6.dnsbl.test"), dnsbl.VerdictClean, dnsbl.StatusClean, "[]"},
		// dnset domain lists with DBL and URIBL semantics.
		{"spam.example", dbl, dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.1.2]"},
		{"www.phish.example", dbl, dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.1.4]"},
		{"abused.example", dbl, dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.1.102]"},
		{"clean.example", dbl, dnsbl.VerdictClean, dnsbl.StatusClean, "[]"},
		{"black.example", uribl, dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.0.2]"},
		{"both.example", uribl, dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.0.10]"},
		{"a.refused.example", uribl, dnsbl.VerdictIncomplete, dnsbl.StatusError, "[127.0.0.1]"},
		// DNSWL semantics: a listing is good news, 127.0.0.255 a refusal.
		{"192.0.2.40", dnswl, dnsbl.VerdictClean, dnsbl.StatusListed, "[127.0.5.3]"},
		{"192.0.2.41", dnswl, dnsbl.VerdictIncomplete, dnsbl.StatusError, "[127.0.0.255]"},
		// A dead list lists everything.
		{"203.0.113.9", spec(t, "everything.dnsbl.test"), dnsbl.VerdictListed, dnsbl.StatusListed, "[127.0.0.2]"},
	}
	for _, tt := range tests {
		t.Run(tt.target+"@"+tt.list.Zone+":"+tt.list.Rule(), func(t *testing.T) {
			res, err := dnsbl.Check(context.Background(), r, tt.target, dnsbl.Options{Lists: []dnsbl.List{tt.list}})
			if err != nil {
				t.Fatal(err)
			}
			var lr *dnsbl.ListResult
			for i := range res.Lists {
				if res.Lists[i].Zone == tt.list.Zone {
					lr = &res.Lists[i]
				}
			}
			if lr == nil {
				t.Fatalf("no lookup on %s: %+v", tt.list.Zone, res)
			}
			if res.Verdict != tt.verdict || lr.Status != tt.status || fmt.Sprint(lr.Codes) != tt.codes {
				t.Errorf("verdict %s status %s codes %v (%s); want %s %s %s", res.Verdict, lr.Status, lr.Codes, lr.Err,
					tt.verdict, tt.status, tt.codes)
			}
			if tt.status == dnsbl.StatusListed && len(lr.TXT) == 0 {
				t.Errorf("no TXT reason from rbldnsd")
			}
		})
	}
}

func TestRbldnsdSelfTest(t *testing.T) {
	r := rbldnsd(t)
	v6 := spec(t, "v6.dnsbl.test")
	v6.Test, v6.TestClean = "::ffff:7f00:2", "::ffff:7f00:1"
	dbl := catalogAt(t, "dbl", "dbl.dnsbl.test")
	dbl.Test = "test"
	lists := []dnsbl.List{spec(t, "multi.dnsbl.test"), spec(t, "bits.dnsbl.test"), catalogAt(t, "zen", "errors.dnsbl.test"),
		v6, dbl, spec(t, "everything.dnsbl.test"), catalogAt(t, "dnswl", "wl.dnsbl.test"), spec(t, "v6.dnsbl.test")}
	want := []dnsbl.HealthStatus{dnsbl.HealthOK, dnsbl.HealthOK, dnsbl.HealthOK, dnsbl.HealthOK, dnsbl.HealthOK,
		dnsbl.HealthListsEverything, dnsbl.HealthOK, dnsbl.HealthNoTestEntry}
	for i, h := range dnsbl.SelfTest(context.Background(), r, dnsbl.Options{Lists: lists}) {
		if h.Status != want[i] {
			t.Errorf("%s: %s (%s), want %s", h.Zone, h.Status, h.Finding.Message, want[i])
		}
	}
}

// TestRblcheckAgrees compares verdicts with Debian's rblcheck on the same
// rbldnsd. rblcheck cannot be pointed at a server or port: it reads
// /etc/resolv.conf and talks to port 53. So a forwarder on 127.0.0.77:53
// relays to rbldnsd, and rblcheck runs in a private mount namespace whose
// /etc/resolv.conf names only the forwarder. rblcheck counts any answer as
// listed, so it agrees with the "any" rule and disagrees, as it should,
// where a list's own semantics make an answer an error.
func TestRblcheckAgrees(t *testing.T) {
	p := peers.Get(t)
	r := rbldnsd(t)
	for _, cmd := range []string{"rblcheck", "unshare"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Fatalf("%s not installed (scripts/test.sh installs it): %v", cmd, err)
		}
	}
	if os.Geteuid() != 0 {
		t.Fatal("needs root: rblcheck only talks to port 53, and its resolv.conf is replaced in a mount namespace")
	}
	const forwarder = "127.0.0.77:53"
	fwd := &dns.Server{Addr: forwarder, Net: "udp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		c := &dns.Client{Timeout: 2 * time.Second}
		resp, _, err := c.Exchange(q, p.DNSBL)
		if err != nil {
			resp = new(dns.Msg)
			resp.SetRcode(q, dns.RcodeServerFailure)
		}
		w.WriteMsg(resp) //nolint:errcheck // the client times out
	})}
	started := make(chan struct{})
	fwd.NotifyStartedFunc = func() { close(started) }
	go fwd.ListenAndServe() //nolint:errcheck // ends on Shutdown
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatalf("forwarder did not start on %s", forwarder)
	}
	defer fwd.Shutdown()
	conf := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(conf, []byte("nameserver 127.0.0.77\noptions timeout:2 attempts:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	zones := []string{"multi.dnsbl.test", "bits.dnsbl.test", "errors.dnsbl.test"}
	ips := []string{"127.0.0.2", "192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.20", "192.0.2.30", "192.0.2.32", "192.0.2.99"}
	args := []string{"-m", "sh", "-c", `mount --bind "$1" /etc/resolv.conf && shift && exec rblcheck "$@"`, "_", conf, "-c"}
	for _, z := range zones {
		args = append(args, "-s", z)
	}
	// rblcheck exits with the number of listings; its output is what counts.
	out, _ := exec.Command("unshare", append(args, ips...)...).CombinedOutput()
	theirs := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		// "192.0.2.10 listed by multi.dnsbl.test"
		if f := strings.Fields(line); len(f) >= 4 && f[1] == "listed" && f[2] == "by" {
			theirs[f[0]+"@"+strings.TrimSuffix(f[3], ":")] = true
		}
	}
	if len(theirs) == 0 {
		t.Fatalf("rblcheck found nothing; output:\n%s", out)
	}
	var anyLists []dnsbl.List
	for _, z := range zones {
		anyLists = append(anyLists, spec(t, z))
	}
	for _, ip := range ips {
		res := dnsbl.CheckIP(context.Background(), r, netip.MustParseAddr(ip), dnsbl.Options{Lists: anyLists})
		for _, z := range zones {
			ours := slices.Contains(res.ListedOn(), z)
			if ours != theirs[ip+"@"+z] {
				t.Errorf("%s on %s: mailflow (any) listed=%v, rblcheck listed=%v", ip, z, ours, theirs[ip+"@"+z])
			}
		}
	}
	// With Spamhaus's semantics the error answer is no listing.
	zen := catalogAt(t, "zen", "errors.dnsbl.test")
	res := dnsbl.CheckIP(context.Background(), r, netip.MustParseAddr("192.0.2.30"), dnsbl.Options{Lists: []dnsbl.List{zen}})
	if !theirs["192.0.2.30@errors.dnsbl.test"] || res.Verdict != dnsbl.VerdictIncomplete {
		t.Errorf("192.0.2.30 (127.255.255.254): rblcheck listed=%v, mailflow with Spamhaus semantics %s; want listed and incomplete",
			theirs["192.0.2.30@errors.dnsbl.test"], res.Verdict)
	}
}
