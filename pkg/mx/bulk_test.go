package mx_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		line    string
		want    string // ASCII form; "" with ok false
		unicode string
		err     string
	}{
		{"example.org", "example.org", "example.org", ""},
		{"  Example.ORG.  ", "example.org", "example.org", ""},
		{"example.org\r", "example.org", "example.org", ""},
		{"\uFEFFexample.org", "example.org", "example.org", ""},
		{"bücher.example", "xn--bcher-kva.example", "bücher.example", ""},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", "bücher.example", ""},
		{"example.org # tenant 42", "example.org", "example.org", ""},
		{"example.org\t#comment", "example.org", "example.org", ""},
		{"", "", "", ""},
		{"   \t ", "", "", ""},
		{"# a comment", "", "", ""},
		{"  # indented comment", "", "", ""},
		{"example.org other.org", "", "", "want one domain per line, found 2 words"},
		{"example.org ; comment", "", "", "found 3 words"},
		{"exa#mple.org", "", "", "not a valid domain name"},
		{"user@example.org", "", "", "email address"},
		{"192.0.2.1", "", "", "IP address"},
		{"a..b", "", "", "empty label"},
		{"-", "", "", "not a valid domain name"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			n, ok, err := mx.ParseLine(tt.line)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ok != (tt.want != "") || n.ASCII != tt.want || n.Unicode != tt.unicode {
				t.Errorf("got %+v ok=%v, want %q/%q", n, ok, tt.want, tt.unicode)
			}
		})
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{"example.org", "bücher.example. # x", "a b", "#", "\uFEFF", "user@x", "1.2.3.4", strings.Repeat("a.", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		n, ok, err := mx.ParseLine(line)
		if err != nil && ok {
			t.Fatal("ok with an error")
		}
		if !ok {
			return
		}
		if n.ASCII == "" || strings.ContainsAny(n.ASCII, " \t#@") || len(n.ASCII) > 253 {
			t.Fatalf("accepted %q as %q", line, n.ASCII)
		}
		// The wire form is a fixed point: parsing it again gives itself.
		again, ok, err := mx.ParseLine(n.ASCII)
		if err != nil || !ok || again != n {
			t.Fatalf("%q -> %+v, reparsed %+v %v", line, n, again, err)
		}
	})
}

func TestBulk(t *testing.T) {
	r := newResolver(t, faultServer(t).Addr)
	list := strings.Join([]string{
		"# tenants",
		"good.example.org",
		"",
		"nullmx.example.org.   # trailing dot",
		"not a domain",
		"MISSING.example.org",
		"bücher.example",
		strings.Repeat("x", mx.MaxLineBytes+10),
		"private.example.org",
		"servfail.example.org",
	}, "\n")
	var items []mx.Item
	totals, err := mx.Bulk(context.Background(), r, strings.NewReader(list),
		mx.BulkOptions{Options: testOptions(), Concurrency: 3, Source: "list.txt"},
		func(it mx.Item) error { items = append(items, it); return nil })
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		line    int
		what    string
		verdict string
	}
	want := []row{
		{2, "good.example.org", "ok"},
		{4, "nullmx.example.org", "warning"},
		{5, "bad", "want one domain per line"},
		{6, "missing.example.org", "error"},
		{7, "xn--bcher-kva.example", "unchecked"},
		{8, "bad", "longer than"},
		{9, "private.example.org", "error"},
		{10, "servfail.example.org", "unchecked"},
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d", len(items), len(want))
	}
	for i, w := range want {
		it := items[i]
		if it.Line != w.line || it.Source != fmt.Sprintf("list.txt:%d", w.line) {
			t.Errorf("item %d: line %d source %q, want %d", i, it.Line, it.Source, w.line)
		}
		if w.what == "bad" {
			if it.Err == nil || !strings.Contains(it.Err.Error(), w.verdict) {
				t.Errorf("line %d: error %v, want %q", it.Line, it.Err, w.verdict)
			}
			continue
		}
		if it.Err != nil || it.Result.Domain.ASCII != w.what || it.Result.Verdict() != w.verdict {
			t.Errorf("line %d: %v %+v, want %s %s", it.Line, it.Err, it.Result, w.what, w.verdict)
		}
	}
	wantTotals := mx.Totals{Domains: 6, OK: 1, Warning: 1, Error: 2, Unchecked: 2, BadLines: 2, BadLineNumbers: []int{5, 8}}
	if totals.String() != wantTotals.String() {
		t.Errorf("totals %s, want %s", totals, wantTotals)
	}
}

func TestBulkEmptyAndStop(t *testing.T) {
	r := newResolver(t, faultServer(t).Addr)
	for _, in := range []string{"", "\n\n", "# only\n  # comments\n"} {
		totals, err := mx.Bulk(context.Background(), r, strings.NewReader(in), mx.BulkOptions{Options: testOptions()},
			func(mx.Item) error { t.Error("emitted an item for an empty list"); return nil })
		if err != nil || totals.Domains != 0 || totals.BadLines != 0 {
			t.Errorf("%q: totals %+v, err %v", in, totals, err)
		}
	}
	// A failing writer (closed pipe) stops the run and is reported.
	stop := errors.New("stdout closed")
	calls := 0
	_, err := mx.Bulk(context.Background(), r, strings.NewReader(strings.Repeat("good.example.org\n", 50)), mx.BulkOptions{Options: testOptions(), Concurrency: 2},
		func(mx.Item) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err %v after %d calls, want the emit error after 1", err, calls)
	}
	if _, err := mx.Bulk(context.Background(), r, strings.NewReader("x.org"), mx.BulkOptions{Options: mx.Options{Self: []string{"not valid!"}}},
		func(mx.Item) error { return nil }); err == nil {
		t.Error("invalid --self accepted")
	}
}

func TestJSONShape(t *testing.T) {
	r := newResolver(t, faultServer(t).Addr)
	res, err := mx.Route(context.Background(), r, "good.example.org", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(mx.Item{Source: "list.txt:3", Line: 3, Input: "Good.Example.ORG.", Result: res})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Type    string `json:"type"`
		Source  string `json:"source"`
		Target  string `json:"target"`
		Verdict string `json:"verdict"`
		Domain  string `json:"domain"`
		Outcome string `json:"outcome"`
		DNSSEC  *bool  `json:"dnssec"`
		Targets []struct {
			Host       string `json:"host"`
			Preference *int   `json:"preference"`
			Group      int    `json:"group"`
			Status     string `json:"status"`
			IPs        []struct {
				IP        string   `json:"ip"`
				PTR       []string `json:"ptr"`
				PTRStatus string   `json:"ptr_status"`
				FCrDNS    bool     `json:"fcrdns"`
			} `json:"ips"`
		} `json:"targets"`
		Security struct {
			MTASTS []string `json:"mta_sts"`
		} `json:"security"`
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Type != "result" || doc.Source != "list.txt:3" || doc.Target != "Good.Example.ORG." || doc.Verdict != "ok" || doc.Domain != "good.example.org" || doc.Outcome != "mx" || doc.DNSSEC == nil {
		t.Errorf("head: %s", b)
	}
	if len(doc.Targets) != 2 || doc.Targets[0].Preference == nil || doc.Targets[0].Status != "ok" || doc.Targets[0].Group != 1 {
		t.Fatalf("targets: %s", b)
	}
	a := doc.Targets[0].IPs[0]
	if a.IP != "93.184.216.10" || a.PTRStatus != "ok" || !a.FCrDNS || len(a.PTR) != 1 {
		t.Errorf("address: %+v", a)
	}
	if len(doc.Security.MTASTS) != 1 || len(doc.Findings) == 0 || doc.Findings[0]["id"] == nil {
		t.Errorf("security/findings: %s", b)
	}
	for _, k := range []string{`"hasAAAA"`, `"canon"`, `"ASCII"`} {
		if strings.Contains(string(b), k) {
			t.Errorf("JSON leaks %s: %s", k, b)
		}
	}

	bad, _ := json.Marshal(mx.Item{Source: "-:9", Line: 9, Input: "a b", Err: errors.New("want one domain per line")})
	if string(bad) != `{"type":"error","source":"-:9","target":"a b","error":"want one domain per line"}` {
		t.Errorf("bad line record: %s", bad)
	}
	idn, _ := mx.ParseDomain("bücher.example")
	b, _ = json.Marshal(&mx.Result{Domain: idn, Outcome: mx.OutcomeNXDomain})
	if !strings.Contains(string(b), `"domain":"xn--bcher-kva.example","domain_unicode":"bücher.example"`) {
		t.Errorf("IDN domain: %s", b)
	}
}

// TestBulkSlowFirstDomain: the first domain's MX query is held until every
// other domain's has been answered. That can only happen if the other
// workers keep going while the first domain waits; a run that stalls
// behind it leaves the hold to expire, the first domain unanswered
// (unchecked), and fails. Output stays in list order.
func TestBulkSlowFirstDomain(t *testing.T) {
	const others = 60
	var zone strings.Builder
	zone.WriteString("$ORIGIN hol.test.\n@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300\nmx 3600 IN A 93.184.216.1\n")
	list := []string{"d0.hol.test"}
	for i := range others + 1 {
		fmt.Fprintf(&zone, "d%d 3600 IN MX 10 mx\n", i)
		if i > 0 {
			list = append(list, fmt.Sprintf("d%d.hol.test", i))
		}
	}
	auth, err := authdns.Start("127.0.0.1:0", zone.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close() })
	var answered atomic.Int64
	release := make(chan struct{})
	srv := startHandler(t, dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		q := req.Question[0]
		if q.Qtype == dns.TypeMX && q.Name == "d0.hol.test." {
			select {
			case <-release:
			case <-time.After(5 * time.Second):
				return // never answered: the others did not get done
			}
		}
		auth.ServeDNS(w, req)
		if q.Qtype == dns.TypeMX && q.Name != "d0.hol.test." && answered.Add(1) == others {
			close(release)
		}
	}))
	r, err := resolver.New(resolver.Config{Servers: []string{srv}, Timeout: 6 * time.Second, Retries: 0})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	_, err = mx.Bulk(context.Background(), r, strings.NewReader(strings.Join(list, "\n")),
		mx.BulkOptions{Options: mx.Options{Self: []string{}}, Concurrency: 2},
		func(it mx.Item) error {
			if it.Err != nil || it.Result.Verdict() != "ok" {
				t.Errorf("%s: %v %s", it.Input, it.Err, it.Result.Brief())
			}
			got = append(got, it.Input)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, list) {
		t.Errorf("written in this order: %v", got)
	}
}

// startHandler serves h over UDP on a loopback port.
func startHandler(t *testing.T, h dns.Handler) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	s := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: func() { close(started) }}
	go s.ActivateAndServe() //nolint:errcheck // ends on Shutdown
	<-started
	t.Cleanup(func() { s.Shutdown() })
	return pc.LocalAddr().String()
}
