package serve

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	authority, err := certgen.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, authority.PEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	text := `modules:
  submission:
    command: smtp
    timeout: 15s
    fail_on: warning
    dns: ["127.0.0.1:5353", 127.0.0.2]
    tcp: true
    attempt_timeout: 2s
    retries: 1
    smtp:
      port: 587
      starttls: require
      ehlo: probe.example.org
      ca_file: ca.pem
      expect_tls_version: "1.2+"
      expect_cert_days: 14
      expect_ext: [SIZE, PIPELINING]
  tenants:
    command: check
    check:
      zone: [zen, "bl.example.net:exact=127.0.0.2,127.0.0.3"]
      self: [hub.example.org, 192.0.2.10]
      dnsbl_dns: 127.0.0.1:5300
      rate: 5/s
`
	cfg, err := LoadConfig(filepath.Join(dir, "serve.yaml"), []byte(text), Defaults{DNS: []string{"127.0.0.9"}, EHLO: "default.example", FailOn: report.Error})
	if err != nil {
		t.Fatal(err)
	}
	sub := cfg.Module("submission")
	if sub == nil || sub.Command != "smtp" || sub.Timeout != 15*time.Second || sub.FailOn != report.Warning {
		t.Fatalf("submission: %+v", sub)
	}
	if got := strings.Join(sub.DNS.Servers, " "); got != "127.0.0.1:5353 127.0.0.2:53" || !sub.DNS.TCP || sub.DNS.Timeout != 2*time.Second || sub.DNS.Retries != 1 {
		t.Errorf("submission DNS: %+v", sub.DNS)
	}
	o := sub.smtp
	if o.Port != 587 || o.StartTLS != smtpprobe.TLSRequire || o.EHLO != "probe.example.org" || o.RootCAs == nil || len(o.Expect) != 4 {
		t.Errorf("submission options: port %d starttls %s ehlo %s roots %v expectations %d", o.Port, o.StartTLS, o.EHLO, o.RootCAs != nil, len(o.Expect))
	}
	if o.Expect[0].TLSMin != tls.VersionTLS12 || !strings.HasSuffix(o.Expect[0].Origin, "serve.yaml:15") {
		t.Errorf("expect_tls_version: %+v", o.Expect[0])
	}
	ten := cfg.Module("tenants")
	if ten.Timeout != DefaultTimeout || ten.DNS.Servers[0] != "127.0.0.9" || ten.check.Probe.EHLO != "default.example" {
		t.Errorf("tenants did not start from the defaults: timeout %s, dns %v, ehlo %q", ten.Timeout, ten.DNS.Servers, ten.check.Probe.EHLO)
	}
	// A catalog ID becomes the catalog's list; the test only compares
	// names and never queries it.
	zen, _ := dnsbl.FromCatalog("zen")
	if len(ten.zones) != 2 || zen.Zone == "" || ten.zones[0].Zone != zen.Zone || ten.dnsblDNS != "127.0.0.1:5300" || ten.rate != 5 || len(ten.check.Self) != 2 {
		t.Errorf("tenants options: zones %v dnsbl_dns %q rate %v self %v", ten.zones, ten.dnsblDNS, ten.rate, ten.check.Self)
	}
	if got := strings.Join(ten.Options, " "); !strings.Contains(got, "check.rate=5/s") {
		t.Errorf("options for the status page: %s", got)
	}
}

// TestConfigErrors: every mistake names the file, the line (and column)
// and the key.
func TestConfigErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"", "c.yaml: the configuration is empty"},
		{"modules: [a]\n", "c.yaml:1:10: modules: want a mapping"},
		{"modules:\n  a: {}\n", "c.yaml:2:6: module a: missing command"},
		{"modules:\n  a b:\n    command: mx\n", `c.yaml:2:3: module name "a b"`},
		{"modules:\n  a:\n    command: lint\n", `c.yaml:3:14: module a: command: "lint" is not a command`},
		{"modules:\n  a:\n    command: mx\n    timout: 1s\n", `c.yaml:4:5: unknown key "timout" in module a`},
		{"modules:\n  a:\n    command: mx\n    timeout: 0s\n", "c.yaml:4:14: module a: timeout: want a duration"},
		{"modules:\n  a:\n    command: mx\n    fail_on: ok\n", "c.yaml:4:14: module a: fail_on: want error, warning or info"},
		{"modules:\n  a:\n    command: mx\n    retries: 11\n", "c.yaml:4:14: module a: retries: want a whole number from 0 to 10"},
		{"modules:\n  a:\n    command: mx\n    tcp: yes\n", "c.yaml:4:10: module a: tcp: want true or false"},
		{"modules:\n  a:\n    command: mx\n    dns: []\n", "c.yaml:4:10: module a: dns: the list is empty"},
		{"modules:\n  a:\n    command: mx\n    smtp:\n      port: 25\n", "c.yaml:4:5: module a: smtp: options of another command (this module runs mx)"},
		{"modules:\n  a:\n    command: mx\n    mx:\n      self: [a..b]\n", "c.yaml:5:13: module a: mx.self:"},
		{"modules:\n  a:\n    command: mx\n    mx:\n      compare: dns.example\n", "c.yaml:5:16: module a: mx.compare: DNS server"},
		{"modules:\n  a:\n    command: smtp\n    smtp:\n      port: 0\n", "c.yaml:5:13: module a: smtp.port: want a whole number from 1 to 65535"},
		{"modules:\n  a:\n    command: smtp\n    smtp:\n      starttls: maybe\n", "c.yaml:5:17: module a: smtp.starttls: unknown STARTTLS mode"},
		{"modules:\n  a:\n    command: smtp\n    smtp:\n      quit_after: data\n", "c.yaml:5:19: module a: smtp.quit_after: a probe never sends a message"},
		{"modules:\n  a:\n    command: smtp\n    smtp:\n      quit_after: auth\n", "module a: smtp.quit_after: a probe has no credentials"},
		{"modules:\n  a:\n    command: smtp\n    smtp:\n      to: [nobody]\n", "c.yaml:5:11: module a: smtp.to:"},
		{"modules:\n  a:\n    command: smtp\n    smtp:\n      ehlo: two words\n", "c.yaml:5:13: module a: smtp.ehlo: want one host name"},
		{"modules:\n  a:\n    command: smtp\n    smtp:\n      ca_file: missing.pem\n", "c.yaml:5:16: module a: smtp.ca_file:"},
		{"modules:\n  a:\n    command: smtp\n    smtp:\n      expect_code: [rcpt=999]\n", "c.yaml:5:20: module a: smtp.expect_code:"},
		{"modules:\n  a:\n    command: smtp\n    smtp:\n      user: me\n", `c.yaml:5:7: unknown key "user" in module a: smtp`},
		{"modules:\n  a:\n    command: dnsbl\n    dnsbl:\n      zone: bl.example:exact=1.2.3.4\n", "c.yaml:5:13: module a: dnsbl.zone:"},
		{"modules:\n  a:\n    command: dnsbl\n    dnsbl:\n      rate: fast\n", "c.yaml:5:13: module a: dnsbl.rate:"},
		{"modules:\n  a:\n    command: check\n    check:\n      concurrency: 0\n", "c.yaml:5:20: module a: check.concurrency:"},
		{"modules:\n  a: &x\n    command: mx\n  b: *x\n", "anchors and aliases are not supported"},
		{"modules:\n  a:\n    command: mx\n  a:\n    command: smtp\n", `c.yaml:4:3: modules: key "a" given twice`},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		_, err := LoadConfig(filepath.Join(dir, "c.yaml"), []byte(tt.text), Defaults{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q:\n got %v\nwant %q", tt.text, err, tt.want)
		}
	}
}

// TestModuleStartErrors: combinations the command would refuse are
// refused when the server starts, worded with the module's keys.
func TestModuleStartErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"modules:\n  a:\n    command: smtp\n    smtp:\n      relay_test: true\n      quit_after: ehlo\n", "c.yaml:2: module a: smtp.relay_test needs smtp.quit_after tls or later"},
		{"modules:\n  a:\n    command: smtp\n    smtp:\n      tls_on_connect: true\n      starttls: require\n", "tls_on_connect and starttls exclude each other"},
	}
	for _, tt := range tests {
		cfg, err := LoadConfig("c.yaml", []byte(tt.text), Defaults{DNS: []string{"127.0.0.1"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := New(cfg, Options{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q:\n got %v\nwant %q", tt.text, err, tt.want)
		}
	}
}

// FuzzLoadConfig: no configuration makes the parser panic or hang.
func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte("modules:\n  a:\n    command: smtp\n    smtp:\n      port: 587\n      starttls: require\n"))
	f.Add([]byte("modules:\n  b:\n    command: check\n    check:\n      zone: [zen]\n"))
	f.Add([]byte("modules: {a: {command: dnsbl, dnsbl: {zone: x, rate: 1/s}}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		LoadConfig("fuzz.yaml", data, Defaults{}) //nolint:errcheck // only panics matter
	})
}

// FuzzParseProbe: no /probe query string or scrape-timeout header makes the
// request parser panic; an accepted request names a configured module, a
// target it takes, and a deadline within the module's timeout.
func FuzzParseProbe(f *testing.F) {
	cfg, err := LoadConfig("serve.yaml", []byte(`modules:
  mx: {command: mx}
  smtp: {command: smtp}
  bl: {command: dnsbl, dnsbl: {zone: bl.example}}
  check: {command: check, check: {zone: [bl.example]}}
`), Defaults{DNS: []string{"127.0.0.1"}})
	if err != nil {
		f.Fatal(err)
	}
	srv, err := New(cfg, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	for _, s := range [][2]string{
		{"module=mx&target=example.org", ""},
		{"module=smtp&target=mx.example.org:587", "9.5"},
		{"module=smtp&target=@example.org", "0.001"},
		{"module=bl&target=192.0.2.0/24", ""},
		{"module=check&target=a@b.example&target=x", "1e400"},
		{"module=mx&target=%zz", "-1"},
		{"module=mx&target=example.org", "1e-10"},
		{"module=nope&target=x", "NaN"},
		{"module=bl&target=192.0.2.1", "NaN"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, query, scrapeTimeout string) {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/probe", RawQuery: query}, Header: http.Header{}}
		if scrapeTimeout != "" {
			r.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", scrapeTimeout)
		}
		m, target, timeout, rerr := srv.parseProbe(cfg, r)
		if rerr != nil {
			if rerr.status < 400 || rerr.status > 499 || strings.Contains(rerr.msg, "\n") {
				t.Fatalf("request error %d %q", rerr.status, rerr.msg)
			}
			return
		}
		if m == nil || cfg.Module(m.Name) != m {
			t.Fatalf("%q: module %v is not configured", query, m)
		}
		if target.key == "" || target.Input == "" {
			t.Fatalf("%q: target %+v names nothing", query, target)
		}
		if timeout <= 0 || timeout > m.Timeout {
			t.Fatalf("%q, %q: deadline %s outside (0, %s]", query, scrapeTimeout, timeout, m.Timeout)
		}
	})
}
