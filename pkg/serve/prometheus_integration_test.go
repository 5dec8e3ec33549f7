//go:build integration

package serve

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"go.yaml.in/yaml/v3"

	"github.com/mailflowkit/mailflow/pkg/lab"
)

// The shipped Prometheus files, which the test runs as they are except
// for addresses, targets and intervals.
var (
	shippedConfig = filepath.Join("..", "..", "docs", "prometheus", "prometheus.yml")
	shippedRules  = filepath.Join("..", "..", "docs", "prometheus", "mailflow-rules.yml")
)

// shardTargets are probed by the check job, spread over two replicas by
// hashmod; with these names each replica gets some of them.
var shardTargets = []string{"good.lab.test", "loop.lab.test", "listed.lab.test", "relay.lab.test",
	"authfirst.lab.test", "badcert.lab.test", "policies.lab.test", "nullmx.lab.test"}

// TestPrometheusScrapesServe runs Debian's Prometheus on loopback with the
// shipped scrape configuration and alert rules, scraping two mailflow
// serve replicas that probe the lab, and reads the results back through
// Prometheus' HTTP API.
func TestPrometheusScrapesServe(t *testing.T) {
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus is not installed (Debian package prometheus; scripts/test.sh installs it)")
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is not installed (Debian package prometheus)")
	}
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	replicas := []*replica{startReplica(t, l), startReplica(t, l)}

	dir := t.TempDir()
	promConfig := filepath.Join(dir, "prometheus.yml")
	writeAdaptedConfig(t, promConfig, l, replicas)
	run(t, promtool, "check", "config", promConfig)
	run(t, promtool, "check", "rules", shippedRules)

	api := startPrometheus(t, prom, promConfig, dir)

	// Every target is scraped once at least and the alert rules evaluated.
	waitFor := func(what, query string, n int) []promSample {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for {
			res := promQuery(t, api, query)
			if len(res) >= n {
				return res
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %q gave %d series within 90s, want %d\nPrometheus log:\n%s", what, query, len(res), n, tail(filepath.Join(dir, "prometheus.log")))
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	waitFor("scrapes", `mailflow_probe_success{job="mailflow_check"}`, len(shardTargets))
	waitFor("exporter scrapes", `mailflow_exporter_build_info{job="mailflow_exporter"}`, len(replicas))

	success := map[string]float64{}
	for _, s := range promQuery(t, api, `mailflow_probe_success{job="mailflow_check"}`) {
		success[s.Metric["instance"]] = s.value(t)
	}
	if success["good.lab.test"] != 1 || success["loop.lab.test"] != 0 {
		t.Errorf("mailflow_probe_success: good.lab.test %v, loop.lab.test %v; want 1 and 0 (all: %v)", success["good.lab.test"], success["loop.lab.test"], success)
	}

	notAfter := labCertNotAfter(t, l, "127.0.0.11", "mx1.good.lab.test")
	certs := promQuery(t, api, `mailflow_smtp_cert_not_after_timestamp_seconds{instance="good.lab.test", host="mx1.good.lab.test"}`)
	if len(certs) != 1 {
		t.Fatalf("certificate gauges for mx1.good.lab.test: %v", certs)
	}
	if got := certs[0].value(t); math.Abs(got-float64(notAfter.Unix())) > 86400 {
		t.Errorf("certificate gauge %v is not within a day of the lab certificate's not-after %v", time.Unix(int64(got), 0).UTC(), notAfter.UTC())
	}
	// Days left as the shipped alert computes them.
	days := promQuery(t, api, `(mailflow_smtp_cert_not_after_timestamp_seconds{instance="good.lab.test"} - time()) / 86400`)
	if len(days) != 1 || days[0].value(t) < 363 || days[0].value(t) > 366 {
		t.Errorf("days left on the lab certificate: %v, want about 365", days)
	}

	// The shipped rules fire on the lab's faults: an open relay at once,
	// an MX loop after its "for" (pending until then).
	waitFor("open relay alert", `ALERTS{alertname="MailflowOpenRelay", alertstate="firing", instance="relay.lab.test"}`, 1)
	waitFor("MX loop alert", `ALERTS{alertname="MailflowMXLoop", instance="loop.lab.test"}`, 1)
	if got := promQuery(t, api, `ALERTS{instance="good.lab.test"}`); len(got) != 0 {
		t.Errorf("alerts for the healthy domain: %v", got)
	}

	// hashmod sharding: each target is probed by exactly one replica, and
	// each replica probes some.
	var byReplica []map[string]bool
	for i, r := range replicas {
		seen := map[string]bool{}
		for _, o := range r.srv.hist.recent() {
			if o.Module.Name == "check" {
				seen[o.Target] = true
			}
		}
		if len(seen) == 0 {
			t.Errorf("replica %d probed no target", i)
		}
		byReplica = append(byReplica, seen)
	}
	for _, target := range shardTargets {
		n := 0
		for _, seen := range byReplica {
			if seen[target] {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s was probed by %d replicas, want exactly 1", target, n)
		}
	}
	for _, s := range promQuery(t, api, `count by (instance) (count by (instance, exporter) (mailflow_probe_success{job="mailflow_check"}))`) {
		if s.value(t) != 1 {
			t.Errorf("%s has series from %v exporters", s.Metric["instance"], s.value(t))
		}
	}

	// Every query of the shipped dashboard runs.
	for _, expr := range dashboardQueries(t) {
		promQuery(t, api, expr)
	}

	// Last, as it probes a target itself: the answer passes promtool's lint.
	checkProbeMetrics(t, promtool, replicas[0].url+probePath("check", "good.lab.test"))
}

type replica struct {
	srv *Server
	url string
}

// startReplica runs one mailflow serve with the lab configuration on a
// loopback port.
func startReplica(t *testing.T, l *lab.Lab) *replica {
	t.Helper()
	cfg, err := LoadConfig(filepath.Join(t.TempDir(), "serve.yaml"), fmt.Appendf(nil, labConfig, l.SMTPPort, l.CAFile),
		Defaults{DNS: []string{l.DNSAddr}, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, Options{Version: "integration"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &replica{srv: srv, url: hs.URL}
}

// writeAdaptedConfig rewrites the shipped scrape configuration for the
// test: intervals of a second or two, the lab's domains as targets, the
// replicas' addresses in the sharding rules, the shipped rules file.
func writeAdaptedConfig(t *testing.T, path string, l *lab.Lab, replicas []*replica) {
	t.Helper()
	data, err := os.ReadFile(shippedConfig)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("%s: %v", shippedConfig, err)
	}
	rules, err := filepath.Abs(shippedRules)
	if err != nil {
		t.Fatal(err)
	}
	cfg["global"] = map[string]any{"scrape_interval": "2s", "scrape_timeout": "2s", "evaluation_interval": "1s"}
	cfg["rule_files"] = []any{rules}
	addrs := make([]string, len(replicas))
	for i, r := range replicas {
		addrs[i] = strings.TrimPrefix(r.url, "http://")
	}
	jobs := map[string]bool{}
	for _, j := range cfg["scrape_configs"].([]any) {
		job := j.(map[string]any)
		name := job["job_name"].(string)
		jobs[name] = true
		targets := map[string][]string{
			"mailflow_exporter":   addrs,
			"mailflow_check":      shardTargets,
			"mailflow_submission": {fmt.Sprintf("mx1.good.lab.test:%d", l.SMTPPort)},
		}[name]
		if targets == nil {
			t.Fatalf("%s: job %s is new: tell the test what it probes", shippedConfig, name)
		}
		job["static_configs"] = []any{map[string]any{"targets": targets}}
		// The rules that point __address__ at a replica, in order.
		shard := 0
		rcs, _ := job["relabel_configs"].([]any)
		for _, rc := range rcs {
			m := rc.(map[string]any)
			if m["target_label"] == "__address__" {
				m["replacement"] = addrs[shard%len(addrs)]
				shard++
			}
		}
		if name == "mailflow_check" && shard != len(replicas) {
			t.Fatalf("%s: the check job maps %d replicas, the test runs %d", shippedConfig, shard, len(replicas))
		}
	}
	for _, want := range []string{"mailflow_exporter", "mailflow_check", "mailflow_submission"} {
		if !jobs[want] {
			t.Fatalf("%s: job %s is gone", shippedConfig, want)
		}
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// checkProbeMetrics lints a /probe answer with promtool check metrics,
// which enforces Prometheus' naming and exposition conventions.
func checkProbeMetrics(t *testing.T, promtool, u string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %v\n%s", u, resp.StatusCode, err, body)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics on a /probe answer: %v\n%s", err, out)
	}
}

// startPrometheus runs prometheus on a free loopback port until the test
// ends and returns its address.
func startPrometheus(t *testing.T, prom, config, dir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, prom, "--config.file="+config, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait() //nolint:errcheck // killed on purpose
		logf.Close()
	})
	api := "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get(api + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return api
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus did not become ready within 60s:\n%s", tail(filepath.Join(dir, "prometheus.log")))
		}
	}
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  []any             `json:"value"`
}

func (s promSample) value(t *testing.T) float64 {
	t.Helper()
	str, _ := s.Value[1].(string)
	v, err := strconv.ParseFloat(str, 64)
	if err != nil {
		t.Fatalf("sample %v: %v", s, err)
	}
	return v
}

// promQuery runs an instant query through Prometheus' HTTP API.
func promQuery(t *testing.T, api, query string) []promSample {
	t.Helper()
	resp, err := http.Get(api + "/api/v1/query?" + url.Values{"query": {query}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.Status != "success" {
		t.Fatalf("query %q: %v %s", query, err, doc.Error)
	}
	return doc.Data.Result
}

// labCertNotAfter reads the certificate a lab host presents after
// STARTTLS, with a client of its own rather than mailflow's.
func labCertNotAfter(t *testing.T, l *lab.Lab, ip, name string) time.Time {
	t.Helper()
	c, err := smtp.DialStartTLS(net.JoinHostPort(ip, strconv.Itoa(l.SMTPPort)), &tls.Config{ServerName: name, RootCAs: l.CA.Pool()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The handshake happens with the first command inside TLS.
	if err := c.Noop(); err != nil {
		t.Fatal(err)
	}
	st, ok := c.TLSConnectionState()
	if !ok || len(st.PeerCertificates) == 0 {
		t.Fatal("no certificate after STARTTLS")
	}
	return st.PeerCertificates[0].NotAfter
}

// dashboardQueries returns the queries of the shipped Grafana dashboard,
// its variables set to match everything.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "prometheus", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	var out []string
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			out = append(out, strings.NewReplacer("$job", ".*", "$instance", ".*").Replace(tg.Expr))
		}
	}
	if len(out) < 10 {
		t.Fatalf("grafana-dashboard.json: only %d queries", len(out))
	}
	return out
}

// tail returns the end of a log file for a failure message.
func tail(path string) string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}
