package cli

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/serve"
)

// runEnv runs mailflow with only the given environment, none of the
// developer's.
func runEnv(env map[string]string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return env[k] }}
	code = Run(io, args)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type shownSetting struct {
	Key    string `json:"key"`
	Value  any    `json:"value"`
	Source string `json:"source"`
	Where  string `json:"where"`
}

// configShow runs config show --format json and returns the settings by key.
func configShow(t *testing.T, env map[string]string, args ...string) map[string]shownSetting {
	t.Helper()
	code, out, errOut := runEnv(env, append(args, "config", "show", "--format", "json")...)
	if code != 0 {
		t.Fatalf("config show: exit %d: %s", code, errOut)
	}
	var doc struct {
		Data struct {
			Settings []shownSetting `json:"settings"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("config show JSON: %v\n%s", err, out)
	}
	m := map[string]shownSetting{}
	for _, s := range doc.Data.Settings {
		m[s.Key] = s
	}
	return m
}

// TestConfigPrecedence: flag > environment > file > default, for every
// kind of setting.
func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, "config.yaml", "timeout: 3s\nretries: 1\nzone: [zen, \"bl.example.net:exact=127.0.0.2,127.0.0.3\"]\nehlo: file.example\n")
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		key    string
		value  any
		source string
		where  string
	}{
		{"default", map[string]string{}, nil, "timeout", "5s", "default", ""},
		{"file", map[string]string{"MAILFLOW_CONFIG": file}, nil, "timeout", "3s", "file", file + ":1"},
		{"env over file", map[string]string{"MAILFLOW_CONFIG": file, "MAILFLOW_TIMEOUT": "4s"}, nil, "timeout", "4s", "env", "$MAILFLOW_TIMEOUT"},
		{"flag over env", map[string]string{"MAILFLOW_CONFIG": file, "MAILFLOW_TIMEOUT": "4s"}, []string{"--timeout", "6s"}, "timeout", "6s", "flag", "--timeout"},
		{"list from the file", map[string]string{"MAILFLOW_CONFIG": file}, nil, "zone", []any{"zen", "bl.example.net:exact=127.0.0.2,127.0.0.3"}, "file", file + ":3"},
		{"list from the environment", map[string]string{"MAILFLOW_DNS": "127.0.0.1:5353, 127.0.0.2"}, nil, "dns", []any{"127.0.0.1:5353", "127.0.0.2"}, "env", "$MAILFLOW_DNS"},
		{"a command's setting", map[string]string{"MAILFLOW_CONFIG": file}, nil, "ehlo", "file.example", "file", file + ":4"},
		{"XDG_CONFIG_HOME", map[string]string{"XDG_CONFIG_HOME": filepath.Dir(filepath.Dir(writeFile(t, "mailflow/config.yaml", "retries: 4\n")))}, nil, "retries", "4", "file", ""},
		{"HOME", map[string]string{"HOME": filepath.Dir(filepath.Dir(filepath.Dir(writeFile(t, ".config/mailflow/config.yaml", "retries: 7\n"))))}, nil, "retries", "7", "file", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := configShow(t, tt.env, tt.args...)[tt.key]
			got, _ := json.Marshal(s.Value)
			want, _ := json.Marshal(tt.value)
			if string(got) != string(want) || s.Source != tt.source || (tt.where != "" && s.Where != tt.where) {
				t.Errorf("%s = %s from %s (%s), want %s from %s (%s)", tt.key, got, s.Source, s.Where, want, tt.source, tt.where)
			}
		})
	}
}

// TestConfigFillsFlags: a setting from the environment or the file does
// what its flag does, for global flags and a command's own.
func TestConfigFillsFlags(t *testing.T) {
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := strconv.Itoa(l.SMTPPort)
	// Without the lab CA the certificate is untrusted: exit 1.
	if code, out, _ := runEnv(map[string]string{"MAILFLOW_DNS": l.DNSAddr}, "smtp", "@good.lab.test", "--port", port); code != 1 {
		t.Fatalf("without the CA: exit %d, want 1\n%s", code, out)
	}
	file := writeFile(t, "config.yaml", "ca_file: "+l.CAFile+"\nehlo: probe.lab.test\n")
	env := map[string]string{"MAILFLOW_DNS": l.DNSAddr, "MAILFLOW_CONFIG": file}
	code, out, errOut := runEnv(env, "smtp", "@good.lab.test", "--port", port, "-v")
	if code != 0 || !strings.Contains(out, "EHLO probe.lab.test") {
		t.Fatalf("with DNS from the environment and the CA and EHLO name from the file: exit %d\n%s%s", code, out, errOut)
	}
	// A flag given on the command line is not touched.
	code, out, _ = runEnv(env, "smtp", "@good.lab.test", "--port", port, "--ehlo", "flag.lab.test", "-v")
	if code != 0 || !strings.Contains(out, "EHLO flag.lab.test") {
		t.Errorf("--ehlo on the command line did not win over the file: exit %d\n%s", code, out)
	}
	// self applies to mx, where it finds the loop.
	env["MAILFLOW_SELF"] = "hub.lab.test"
	if code, out, _ := runEnv(env, "mx", "loop.lab.test"); code != 1 || !strings.Contains(out, "mx.loopback") {
		t.Errorf("MAILFLOW_SELF did not reach mx --self: exit %d\n%s", code, out)
	}
}

// TestConfigErrors: a bad value names the variable or the file, line and
// key, and exits 2.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		file string
		want string
	}{
		{"bad environment value", map[string]string{"MAILFLOW_TIMEOUT": "soon"}, "", `$MAILFLOW_TIMEOUT="soon": want a duration such as 5s or 1m30s, not "soon"`},
		{"bad environment DNS server", map[string]string{"MAILFLOW_DNS": "dns.example"}, "", `--dns: DNS server "dns.example"`},
		{"bad file value", nil, "retries: 2\ntcp: maybe\n", `config.yaml:2:6: tcp: want true or false, not "maybe"`},
		{"unknown key", nil, "timout: 3s\n", `config.yaml:1:1: unknown key "timout" in the configuration`},
		{"list for a single value", nil, "ehlo: [a, b]\n", `config.yaml:1:7: ehlo: want a single value, not a list`},
		{"not YAML", nil, "dns: [\n", `config.yaml:1: not valid YAML`},
		{"missing MAILFLOW_CONFIG file", map[string]string{"MAILFLOW_CONFIG": "/nonexistent/mailflow.yaml"}, "", "$MAILFLOW_CONFIG /nonexistent/mailflow.yaml: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = v
			}
			if tt.file != "" {
				env["MAILFLOW_CONFIG"] = writeFile(t, "config.yaml", tt.file)
			}
			code, _, errOut := runEnv(env, "mx", "example.org")
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
			if strings.Contains(errOut, "--help") && tt.name != "bad environment DNS server" {
				t.Errorf("a configuration error suggests --help: %q", errOut)
			}
		})
	}
	// A default location that does not exist is no error.
	if code, _, errOut := runEnv(map[string]string{"HOME": t.TempDir()}, "config", "show"); code != 0 {
		t.Errorf("no configuration file: exit %d: %s", code, errOut)
	}
}

// TestConfigPath works whatever the file holds, so it can find a broken one.
func TestConfigPath(t *testing.T) {
	broken := writeFile(t, "config.yaml", "timout: 1s\n")
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"MAILFLOW_CONFIG": broken, "HOME": "/home/x"}, broken},
		{map[string]string{"XDG_CONFIG_HOME": "/xdg", "HOME": "/home/x"}, "/xdg/mailflow/config.yaml"},
		{map[string]string{"XDG_CONFIG_HOME": "relative", "HOME": "/home/x"}, "/home/x/.config/mailflow/config.yaml"},
	}
	for _, tt := range tests {
		code, out, errOut := runEnv(tt.env, "config", "path")
		if code != 0 || out != tt.want+"\n" {
			t.Errorf("%v: exit %d, %q %s; want %q", tt.env, code, out, errOut, tt.want)
		}
	}
	code, out, _ := runEnv(map[string]string{"MAILFLOW_CONFIG": broken}, "config", "path", "--format", "json")
	if code != 0 || !strings.Contains(out, `"source":"env"`) || !strings.Contains(out, `"exists":true`) {
		t.Errorf("config path --format json: exit %d %s", code, out)
	}
	// Shell completion runs on every Tab: a broken file must not break it.
	if code, _, errOut := runEnv(map[string]string{"MAILFLOW_CONFIG": broken}, "completion", "bash"); code != 0 {
		t.Errorf("completion with a broken file: exit %d %s", code, errOut)
	}
	if code, _, errOut := runEnv(map[string]string{"MAILFLOW_CONFIG": broken}, "config", "show"); code != 2 || !strings.Contains(errOut, "config.yaml:1:1") {
		t.Errorf("config show with a broken file: exit %d %s", code, errOut)
	}
}

// TestServeConfigErrors: a bad serve configuration exits 2 naming the
// file, line and key before anything listens.
func TestServeConfigErrors(t *testing.T) {
	tests := []struct{ file, want string }{
		{"modules:\n  sub:\n    command: smtp\n    smtp:\n      port: 99999\n", "serve.yaml:5:13: module sub: smtp.port: want a whole number from 1 to 65535"},
		{"modules:\n  sub:\n    command: smtp\n    smtp:\n      relay_test: true\n      quit_after: ehlo\n", "serve.yaml:2: module sub: smtp.relay_test needs smtp.quit_after tls or later"},
		{"modulez: {}\n", `serve.yaml:1:1: unknown key "modulez"`},
	}
	for _, tt := range tests {
		path := writeFile(t, "serve.yaml", tt.file)
		code, _, errOut := runEnv(nil, "--dns", "127.0.0.1", "serve", "--config", path, "--listen", "127.0.0.1:0")
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
		}
	}
	for _, args := range [][]string{{"--listen", "9926"}, {"--max-probes", "0"}, {"--config", "/nonexistent.yaml"}} {
		if code, _, errOut := runEnv(nil, append([]string{"--dns", "127.0.0.1", "serve"}, args...)...); code != 2 {
			t.Errorf("serve %v: exit %d, want 2: %s", args, code, errOut)
		}
	}
}

// TestServeBuiltinDefaults: without --config the modules take the global
// flags and the configured per-command defaults.
func TestServeBuiltinDefaults(t *testing.T) {
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	env := map[string]string{"MAILFLOW_ZONE": "bl.lab.test", "MAILFLOW_SELF": "hub.lab.test"}
	e := &Env{IO: &IOStreams{Getenv: func(k string) string { return env[k] }}}
	cmd, _, err := NewRoot(e).Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	e.DNS = []string{l.DNSAddr} // as --dns would
	if err := e.applyConfig(cmd); err != nil {
		t.Fatal(err)
	}
	cfg, err := serveConfig(e, &serveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := serve.New(cfg, serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tt := range []struct{ query, want string }{
		{"module=dnsbl&target=127.0.0.14", `mailflow_dnsbl_listed{checked="127.0.0.14",zone="bl.lab.test"} 1`},
		{"module=mx&target=loop.lab.test", `mailflow_findings{id="mx.loopback",severity="error"} 1`},
	} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/probe?"+tt.query, nil))
		if !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%s: want %s in\n%s", tt.query, tt.want, rec.Body.String())
		}
	}
}

// FuzzParseConfigFile: no configuration file makes the reader panic.
func FuzzParseConfigFile(f *testing.F) {
	f.Add([]byte("dns: [10.0.0.53, 10.0.0.54]\ntimeout: 3s\n"))
	f.Add([]byte("zone: zen\nself: [a.example, 192.0.2.1]\nca_file: /etc/ssl/x.pem\n"))
	f.Add([]byte("tcp: true\nretries: [1]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseConfigFile("config.yaml", data) //nolint:errcheck // only panics matter
	})
}
