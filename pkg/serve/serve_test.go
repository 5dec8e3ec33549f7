package serve

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/report"
)

// labConfig is a configuration probing the lab; %[1]d is the lab's SMTP
// port and %[2]s its CA file.
const labConfig = `modules:
  check:
    command: check
    timeout: 20s
    check:
      port: %[1]d
      ca_file: %[2]s
      self: [hub.lab.test]
      zone: [bl.lab.test]
      relay_test: true
  mx:
    command: mx
    mx:
      self: hub.lab.test
  smtp:
    command: smtp
    smtp:
      port: %[1]d
      ca_file: %[2]s
      quit_after: tls
  submission:
    command: smtp
    smtp:
      port: %[1]d
      starttls: require
      ca_file: %[2]s
  dnsbl:
    command: dnsbl
    dnsbl:
      zone: ["bl.lab.test:bitmask=0.0.0.8", "wl.lab.test:allow"]
`

type labServer struct {
	lab *lab.Lab
	srv *Server
}

func startLab(t *testing.T, o Options) *labServer {
	t.Helper()
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	file := filepath.Join(t.TempDir(), "serve.yaml")
	cfg, err := LoadConfig(file, fmt.Appendf(nil, labConfig, l.SMTPPort, l.CAFile), Defaults{DNS: []string{l.DNSAddr}, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return &labServer{lab: l, srv: srv}
}

// answer is a scraped /probe answer: every sample by name and labels.
type answer struct {
	status int
	body   string
	values map[string]float64
}

// get asks the server for path and parses a metrics answer.
func get(t *testing.T, h http.Handler, path string, header ...string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, body: rec.Body.String(), values: map[string]float64{}}
	if a.status != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=") {
		return a
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(a.body))
	if err != nil {
		t.Fatalf("%s: the answer does not parse: %v\n%s", path, err, a.body)
	}
	for name, f := range fams {
		for _, m := range f.Metric {
			a.values[sampleKey(name, m)] = value(m)
		}
	}
	return a
}

func sampleKey(name string, m *dto.Metric) string {
	var ls []string
	for _, l := range m.Label {
		ls = append(ls, l.GetName()+"="+l.GetValue())
	}
	sort.Strings(ls)
	if len(ls) == 0 {
		return name
	}
	return name + "{" + strings.Join(ls, ",") + "}"
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	}
	return math.NaN()
}

func probePath(module, target string) string {
	return "/probe?" + url.Values{"module": {module}, "target": {target}}.Encode()
}

// TestProbeLab probes the lab's domains with every command and checks the
// verdict and the gauges that carry it.
func TestProbeLab(t *testing.T) {
	ls := startLab(t, Options{})
	tests := []struct {
		name, module, target string
		want                 map[string]float64
		absent               []string
	}{
		{"healthy domain end to end", "check", "good.lab.test", map[string]float64{
			"mailflow_probe_success": 1, "mailflow_probe_exit_code": 0,
			"mailflow_mx_targets": 2, "mailflow_mx_route_usable": 1,
			`mailflow_smtp_up{host=mx1.good.lab.test,ip=127.0.0.11}`:                               1,
			`mailflow_smtp_starttls_offered{host=mx1.good.lab.test,ip=127.0.0.11}`:                 1,
			`mailflow_smtp_auth_before_tls{host=mx1.good.lab.test,ip=127.0.0.11}`:                  0,
			`mailflow_smtp_open_relay{host=mx1.good.lab.test,ip=127.0.0.11}`:                       0,
			`mailflow_smtp_tls_version_info{host=mx1.good.lab.test,ip=127.0.0.11,version=TLS 1.3}`: 1,
			`mailflow_dnsbl_listed{checked=127.0.0.11,zone=bl.lab.test}`:                           0,
			`mailflow_findings{id=smtp.starttls,severity=ok}`:                                      1,
			`mailflow_findings{id=mx.self_backup,severity=info}`:                                   1,
			`mailflow_mta_sts_ok`: 1,
		}, []string{`mailflow_smtp_up{host=hub.lab.test,ip=127.0.0.10}`}},
		{"MX loop to our own hub", "check", "loop.lab.test", map[string]float64{
			"mailflow_probe_success": 0, "mailflow_probe_exit_code": 1, "mailflow_mx_route_usable": 0,
			`mailflow_findings{id=mx.loopback,severity=error}`: 1,
		}, nil},
		{"open relay", "check", "relay.lab.test", map[string]float64{
			"mailflow_probe_success": 0,
			`mailflow_smtp_open_relay{host=mx.relay.lab.test,ip=127.0.0.15}`: 1,
			`mailflow_findings{id=smtp.relay,severity=error}`:                1,
		}, nil},
		{"listed MX address", "check", "listed.lab.test", map[string]float64{
			"mailflow_probe_success":                                     0,
			`mailflow_dnsbl_listed{checked=127.0.0.14,zone=bl.lab.test}`: 1,
		}, nil},
		{"AUTH before TLS", "smtp", "@authfirst.lab.test", map[string]float64{
			"mailflow_probe_success": 0,
			`mailflow_smtp_auth_before_tls{host=mx.authfirst.lab.test,ip=127.0.0.12}`: 1,
			`mailflow_findings{id=smtp.auth_tls_only,severity=error}`:                 1,
		}, nil},
		{"STARTTLS required and missing", "submission", "@plain.lab.test", map[string]float64{
			"mailflow_probe_success": 0,
			`mailflow_smtp_starttls_offered{host=mx.plain.lab.test,ip=127.0.0.57}`: 0,
			`mailflow_findings{id=smtp.starttls,severity=error}`:                   1,
		}, []string{`mailflow_smtp_cert_not_after_timestamp_seconds{host=mx.plain.lab.test,ip=127.0.0.57}`}},
		{"host:port target", "smtp", fmt.Sprintf("mx1.good.lab.test:%d", ls.lab.SMTPPort), map[string]float64{
			"mailflow_probe_success": 1,
		}, []string{"mailflow_mx_targets"}},
		{"listed address on a bitmask list, not on the allow-list", "dnsbl", "127.0.0.14", map[string]float64{
			"mailflow_probe_success":                                          0,
			`mailflow_dnsbl_listed{checked=127.0.0.14,zone=bl.lab.test}`:      1,
			`mailflow_dnsbl_allowlisted{checked=127.0.0.14,zone=wl.lab.test}`: 0,
		}, nil},
		{"allow-listed host", "dnsbl", "mx1.good.lab.test", map[string]float64{
			"mailflow_probe_success": 1,
			`mailflow_dnsbl_allowlisted{checked=127.0.0.11,zone=wl.lab.test}`: 1,
		}, nil},
		{"null MX", "mx", "nullmx.lab.test", map[string]float64{
			"mailflow_mx_targets": 0, "mailflow_mx_route_usable": 0,
			`mailflow_findings{id=mx.null_mx,severity=warning}`: 1,
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := get(t, ls.srv, probePath(tt.module, tt.target))
			if a.status != http.StatusOK {
				t.Fatalf("status %d: %s", a.status, a.body)
			}
			for k, want := range tt.want {
				got, ok := a.values[k]
				if !ok || got != want {
					t.Errorf("%s = %v (present: %v), want %v", k, got, ok, want)
				}
			}
			for _, k := range tt.absent {
				if _, ok := a.values[k]; ok {
					t.Errorf("%s is present, want it absent", k)
				}
			}
			if t.Failed() {
				t.Log(a.body)
			}
		})
	}
}

// TestCertExpiryGauge checks the certificate gauge against the lab
// certificate, which certgen makes valid for a year from now.
func TestCertExpiryGauge(t *testing.T) {
	ls := startLab(t, Options{})
	a := get(t, ls.srv, probePath("smtp", "@good.lab.test"))
	got := a.values[`mailflow_smtp_cert_not_after_timestamp_seconds{host=mx1.good.lab.test,ip=127.0.0.11}`]
	want := float64(time.Now().Add(365 * 24 * time.Hour).Unix())
	if math.Abs(got-want) > 300 {
		t.Fatalf("certificate not-after %v, want about %v\n%s", got, want, a.body)
	}
}

// TestFindingLabelsRegistered: every id label is a registered check ID.
func TestFindingLabelsRegistered(t *testing.T) {
	ls := startLab(t, Options{})
	for _, target := range []string{"good.lab.test", "loop.lab.test", "badcert.lab.test", "policies.lab.test"} {
		a := get(t, ls.srv, probePath("check", target))
		for k := range a.values {
			id, ok := strings.CutPrefix(k, "mailflow_findings{id=")
			if !ok {
				continue
			}
			id, _, _ = strings.Cut(id, ",")
			if _, ok := report.LookupCheck(id); !ok {
				t.Errorf("%s: id %q is not a registered check", target, id)
			}
		}
	}
}

// TestBadRequests: every malformed /probe request is a 400 naming what is
// wrong, never a 500.
func TestBadRequests(t *testing.T) {
	ls := startLab(t, Options{})
	tests := []struct {
		path, want string
		header     []string
	}{
		{"/probe?target=good.lab.test", "missing module parameter", nil},
		{"/probe?module=nope&target=x", `unknown module "nope"`, nil},
		{"/probe?module=check", "missing target parameter", nil},
		{"/probe?module=check&target=a&target=b", "target is given 2 times", nil},
		{"/probe?module=check&module=mx&target=a", "module is given 2 times", nil},
		{probePath("check", ""), "empty target", nil},
		{probePath("check", "postmaster@good.lab.test"), "is an email address", nil},
		{probePath("check", "192.0.2.1"), "is an IP address", nil},
		{probePath("mx", "a..b"), "empty label", nil},
		{probePath("smtp", "user@good.lab.test"), "names a recipient", nil},
		{probePath("smtp", "mx1.good.lab.test:0"), "port", nil},
		{probePath("dnsbl", "192.0.2.0/24"), "is a range", nil},
		{probePath("dnsbl", "999.1.1.1"), "not a valid IP address", nil},
		{probePath("check", strings.Repeat("a", 600)), "longer than 512", nil},
		{"/probe?module=check&target=%zz", "not URL-encoded", nil},
		{probePath("check", "good.lab.test"), "X-Prometheus-Scrape-Timeout-Seconds", []string{"X-Prometheus-Scrape-Timeout-Seconds", "soon"}},
		{probePath("check", "good.lab.test"), "X-Prometheus-Scrape-Timeout-Seconds", []string{"X-Prometheus-Scrape-Timeout-Seconds", "-1"}},
	}
	for _, tt := range tests {
		a := get(t, ls.srv, tt.path, tt.header...)
		if a.status != http.StatusBadRequest || !strings.Contains(a.body, tt.want) {
			t.Errorf("%s: status %d %q, want 400 with %q", tt.path, a.status, a.body, tt.want)
		}
	}
	m := get(t, ls.srv, "/metrics")
	if got := m.values[`mailflow_exporter_probe_errors_total{module=,reason=bad_request}`]; got != 4 {
		t.Errorf("bad requests without a known module counted %v times, want 4", got)
	}
}

// TestDeadlineFromScrapeTimeout: a server that stalls its greeting makes
// the probe end at the scrape timeout minus the margin, as a failure.
func TestDeadlineFromScrapeTimeout(t *testing.T) {
	ls := startLab(t, Options{Margin: 200 * time.Millisecond})
	start := time.Now()
	a := get(t, ls.srv, probePath("smtp", fmt.Sprintf("slow.hostile.lab.test:%d", ls.lab.SMTPPort)), "X-Prometheus-Scrape-Timeout-Seconds", "1")
	took := time.Since(start)
	if a.status != http.StatusOK || a.values["mailflow_probe_success"] != 0 {
		t.Fatalf("status %d, success %v: %s", a.status, a.values["mailflow_probe_success"], a.body)
	}
	if took > 2500*time.Millisecond {
		t.Errorf("the probe took %s; the deadline was 0.8s (the lab host waits 3s)", took)
	}
}

// TestOverloaded: with every slot busy until the deadline, the answer is
// 503, counted as overloaded.
func TestOverloaded(t *testing.T) {
	ls := startLab(t, Options{MaxProbes: 1, Margin: time.Millisecond})
	slow := probePath("smtp", fmt.Sprintf("slow.hostile.lab.test:%d", ls.lab.SMTPPort))
	done := make(chan answer)
	go func() { done <- get(t, ls.srv, slow, "X-Prometheus-Scrape-Timeout-Seconds", "2") }()
	waitFor(t, func() bool { return get(t, ls.srv, "/metrics").values["mailflow_exporter_probes_in_flight"] == 1 })
	a := get(t, ls.srv, probePath("mx", "good.lab.test"), "X-Prometheus-Scrape-Timeout-Seconds", "0.3")
	if a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, "probe slots") {
		t.Errorf("status %d %q, want 503 naming the busy slots", a.status, a.body)
	}
	<-done
	if got := get(t, ls.srv, "/metrics").values[`mailflow_exporter_probe_errors_total{module=mx,reason=overloaded}`]; got != 1 {
		t.Errorf("overloaded counted %v times, want 1", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out waiting")
}

// TestCoalesce: identical probes at the same time share one run.
func TestCoalesce(t *testing.T) {
	ls := startLab(t, Options{})
	target := probePath("smtp", fmt.Sprintf("slow.hostile.lab.test:%d", ls.lab.SMTPPort))
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if a := get(t, ls.srv, target, "X-Prometheus-Scrape-Timeout-Seconds", "5"); a.status != http.StatusOK {
				t.Errorf("status %d: %s", a.status, a.body)
			}
		})
	}
	wg.Wait()
	m := get(t, ls.srv, "/metrics")
	if got := len(ls.srv.hist.recent()); got != 1 {
		t.Errorf("%d probes ran, want 1 shared by the 3 requests", got)
	}
	if got := m.values[`mailflow_exporter_probes_coalesced_total{module=smtp}`]; got != 2 {
		t.Errorf("coalesced %v, want 2", got)
	}
}

// TestPerTargetLimit: the limiter lets per holders of a key in and makes
// the next wait until one leaves or its deadline passes; keys without
// holders are forgotten.
func TestPerTargetLimit(t *testing.T) {
	l := newKeyLimiter(2)
	ctx := context.Background()
	r1, ok1 := l.acquire(ctx, "a")
	r2, ok2 := l.acquire(ctx, "a")
	rb, okb := l.acquire(ctx, "b")
	if !ok1 || !ok2 || !okb {
		t.Fatal("the first two holders of a key and another key must get in")
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, ok := l.acquire(short, "a"); ok {
		t.Fatal("a third holder of a key got in")
	}
	r1()
	r3, ok3 := l.acquire(ctx, "a")
	if !ok3 {
		t.Fatal("a slot freed by a holder was not given to the next")
	}
	r2()
	r3()
	rb()
	if n := len(l.slots); n != 0 {
		t.Errorf("%d keys kept after every holder left", n)
	}
}

// TestDNSBLCache: block-list answers are kept for their TTL across probes,
// so scraping a target again does not query the list again.
func TestDNSBLCache(t *testing.T) {
	zone := `$ORIGIN bl.example.
@ 300 IN SOA ns.bl.example. hostmaster.bl.example. 1 3600 600 86400 300
@ 300 IN NS ns.bl.example.
2.0.0.127 300 IN A 127.0.0.2
2.0.0.127 300 IN TXT "test entry"
`
	dns, err := authdns.Start("127.0.0.1:0", zone)
	if err != nil {
		t.Fatal(err)
	}
	defer dns.Close()
	cfg, err := LoadConfig("serve.yaml", []byte("modules:\n  bl:\n    command: dnsbl\n    dnsbl:\n      zone: bl.example\n"), Defaults{DNS: []string{dns.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, target := range []string{"127.0.0.2", "127.0.0.3"} {
		a := get(t, srv, probePath("bl", target))
		if a.status != http.StatusOK {
			t.Fatalf("status %d: %s", a.status, a.body)
		}
		before := dns.Queries()
		for range 3 {
			get(t, srv, probePath("bl", target))
		}
		if after := dns.Queries(); after != before {
			t.Errorf("%s: %d more queries for 3 more probes, want none within the TTL", target, after-before)
		}
	}
}

// TestStatusPages: the index lists modules and recent probes, escaped;
// a probe's findings read as the command's text output.
func TestStatusPages(t *testing.T) {
	ls := startLab(t, Options{History: 2, Version: "v1.2.3"})
	for _, target := range []string{"good.lab.test", "loop.lab.test", "nullmx.lab.test"} {
		get(t, ls.srv, probePath("mx", target))
	}
	idx := get(t, ls.srv, "/")
	for _, want := range []string{"mailflow v1.2.3", "submission", "starttls=require", "loop.lab.test", "nullmx.lab.test", `href="result?id=3"`} {
		if !strings.Contains(idx.body, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	if strings.Contains(idx.body, "good.lab.test") {
		t.Error("the index shows a probe older than the history keeps")
	}
	res := get(t, ls.srv, "/result?id=2")
	if res.status != http.StatusOK || !strings.Contains(res.body, "mx.loopback") || !strings.Contains(res.body, "Mail route for loop.lab.test") {
		t.Errorf("result 2: status %d\n%s", res.status, res.body)
	}
	if gone := get(t, ls.srv, "/result?id=1"); gone.status != http.StatusNotFound {
		t.Errorf("an evicted result answered %d, want 404", gone.status)
	}
	if h := get(t, ls.srv, "/-/healthy"); h.status != http.StatusOK {
		t.Errorf("/-/healthy answered %d", h.status)
	}
	m := get(t, ls.srv, "/metrics")
	for _, k := range []string{`mailflow_exporter_probes_total{module=mx,result=success}`, `mailflow_exporter_probes_total{module=mx,result=failure}`} {
		if m.values[k] == 0 {
			t.Errorf("%s is 0 after probes of both results", k)
		}
	}
	if _, ok := m.values["go_goroutines"]; !ok {
		t.Error("/metrics lacks the Go runtime metrics")
	}
	if m.values[`mailflow_exporter_build_info{version=v1.2.3}`] != 1 {
		t.Error("/metrics lacks mailflow_exporter_build_info for the version")
	}
}

// TestVerdictGauges: a verdict gauge follows the worst finding of its
// check and is absent when the check was not reported or not completed.
func TestVerdictGauges(t *testing.T) {
	v := verdicts[0]
	id, member := v.ids[0], v.ids[1]+".tlsa"
	tests := []struct {
		fs   []report.Finding
		want []float64
	}{
		{nil, nil},
		{[]report.Finding{{ID: id, Severity: report.OK}, {ID: id, Severity: report.Info}}, []float64{1}},
		{[]report.Finding{{ID: id, Severity: report.OK}, {ID: id, Severity: report.Warning}}, []float64{0}},
		{[]report.Finding{{ID: id, Severity: report.OK}, {ID: member, Severity: report.Error}}, []float64{0}},
		{[]report.Finding{{ID: id, Severity: report.Error, Incomplete: true}}, nil},
		{[]report.Finding{{ID: "smtp.banner", Severity: report.Error}}, nil},
	}
	for i, tt := range tests {
		var g gauges
		g.verdicts(tt.fs)
		var got []float64
		for _, s := range g.samples {
			if s.desc == v.desc {
				got = append(got, s.value)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("case %d: %v, want %v", i, got, tt.want)
		}
	}
}

// TestFindingsCountsUnregistered keeps label values bounded: an ID outside
// the registry is counted as "unregistered", incomplete checks as
// "unchecked".
func TestFindingsCounts(t *testing.T) {
	var g gauges
	g.findings([]report.Finding{
		{ID: "smtp.starttls", Severity: report.Warning}, {ID: "smtp.starttls", Severity: report.Warning},
		{ID: "made.up<script>", Severity: report.Error}, {ID: "smtp.connect", Severity: report.Warning, Incomplete: true},
		{ID: "check.spec.starttls", Severity: report.OK},
	})
	got := map[string]float64{}
	for _, s := range g.samples {
		got[strings.Join(s.labels, " ")] = s.value
	}
	want := map[string]float64{"smtp.starttls warning": 2, "unregistered error": 1, "smtp.connect unchecked": 1, "check.spec.* ok": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v", got, want)
	}
}

// TestBuiltinModules: without a configuration every command is a module
// named after it, with the defaults given.
func TestBuiltinModules(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "missing.pem")
	if _, err := BuiltinConfig(Defaults{CAFiles: []string{ca}}); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("a missing CA file: %v, want an error naming it", err)
	}
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cfg, err := BuiltinConfig(Defaults{DNS: []string{l.DNSAddr}, CAFiles: []string{l.CAFile}, Self: []string{"hub.lab.test"}, Zones: []string{"bl.lab.test"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range cfg.Modules {
		names = append(names, m.Name+"="+m.Command)
	}
	if got := strings.Join(names, " "); got != "mx=mx smtp=smtp dnsbl=dnsbl check=check" {
		t.Fatalf("built-in modules %s", got)
	}
	srv, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if a := get(t, srv, probePath("mx", "loop.lab.test")); a.values[`mailflow_findings{id=mx.loopback,severity=error}`] != 1 {
		t.Errorf("the mx module did not take self from the defaults:\n%s", a.body)
	}
	if a := get(t, srv, probePath("dnsbl", "127.0.0.14")); a.values[`mailflow_dnsbl_listed{checked=127.0.0.14,zone=bl.lab.test}`] != 1 {
		t.Errorf("the dnsbl module did not take its zone from the defaults:\n%s", a.body)
	}
}

// TestPanicIsAnAnswer: a panic inside a probe costs one 500 answer, not
// the server.
func TestPanicIsAnAnswer(t *testing.T) {
	ls := startLab(t, Options{})
	m := ls.srv.gen.Load().cfg.Module("mx")
	m.r = nil // Probe dereferences the resolver
	a := get(t, ls.srv, probePath("mx", "good.lab.test"))
	if a.status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", a.status)
	}
	if h := get(t, ls.srv, "/-/healthy"); h.status != http.StatusOK {
		t.Fatal("the server is gone after a panic")
	}
}

// TestReload: POST /-/reload serves a good configuration from the next
// probe on, keeps the running one when the new one is bad, says which in
// the reload gauges, and retires the old modules only once the probes
// using them end.
func TestReload(t *testing.T) {
	var next []byte
	var ls *labServer
	ls = startLab(t, Options{Load: func() (*Config, error) {
		return LoadConfig("serve.yaml", next, Defaults{DNS: []string{ls.lab.DNSAddr}, Timeout: 3 * time.Second})
	}})
	reload := func(method string) (int, string) {
		rec := httptest.NewRecorder()
		ls.srv.ServeHTTP(rec, httptest.NewRequest(method, "/-/reload", nil))
		return rec.Code, rec.Body.String()
	}
	gauges := func() (ok, at float64) {
		m := get(t, ls.srv, "/metrics")
		return m.values["mailflow_exporter_config_last_reload_successful"], m.values["mailflow_exporter_config_last_reload_success_timestamp_seconds"]
	}
	if ok, at := gauges(); ok != 1 || at < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Fatalf("at start: reload gauges %v, %v", ok, at)
	}
	if code, _ := reload(http.MethodGet); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: %d, want 405", code)
	}

	// A probe running across the reloads holds the first generation.
	running := ls.srv.acquire()

	next = []byte("modules:\n  mx:\n    command: mxx\n")
	code, body := reload(http.MethodPost)
	if code != http.StatusInternalServerError || !strings.Contains(body, "serve.yaml:3") || !strings.Contains(body, "running configuration stays") {
		t.Errorf("bad configuration: %d %q", code, body)
	}
	if ok, _ := gauges(); ok != 0 {
		t.Errorf("after a failed reload mailflow_exporter_config_last_reload_successful = %v, want 0", ok)
	}
	if a := get(t, ls.srv, probePath("submission", "good.lab.test")); a.status != http.StatusOK {
		t.Errorf("after a failed reload the old modules are gone: %d %s", a.status, a.body)
	}

	next = []byte("modules:\n  routes:\n    command: mx\n    mx:\n      self: hub.lab.test\n")
	code, body = reload(http.MethodPost)
	if code != http.StatusOK || body != "reloaded: 1 modules\n" {
		t.Fatalf("good configuration: %d %q", code, body)
	}
	if ok, _ := gauges(); ok != 1 {
		t.Errorf("after a reload mailflow_exporter_config_last_reload_successful = %v, want 1", ok)
	}
	if a := get(t, ls.srv, probePath("routes", "good.lab.test")); a.status != http.StatusOK || a.values["mailflow_probe_success"] != 1 {
		t.Errorf("new module: %d %s", a.status, a.body)
	}
	if a := get(t, ls.srv, probePath("submission", "good.lab.test")); a.status != http.StatusBadRequest || !strings.Contains(a.body, "modules: routes") {
		t.Errorf("module of the old configuration: %d %s", a.status, a.body)
	}
	if a := get(t, ls.srv, "/metrics"); a.values[`mailflow_exporter_probes_total{module=routes,result=failure}`] != 0 || !strings.Contains(a.body, `module="routes",result="failure"`) {
		t.Errorf("the new module's series are not there before it fails:\n%s", a.body)
	}

	running.mu.Lock()
	refs, retired := running.refs, running.retired
	running.mu.Unlock()
	if refs != 1 || !retired {
		t.Errorf("first generation: %d users, retired %v; want the running probe and retired", refs, retired)
	}
	running.release()
	if running.refs != 0 {
		t.Errorf("first generation still has %d users", running.refs)
	}
}
