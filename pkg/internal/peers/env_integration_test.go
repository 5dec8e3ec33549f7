//go:build integration

package peers

import (
	"maps"
	"net/netip"
	"strings"
	"testing"
)

var completeEnv = map[string]string{
	"MAILFLOW_IT_DNS":            "127.0.0.1:5300",
	"MAILFLOW_IT_DNSBL":          "127.0.0.1:5301",
	"MAILFLOW_IT_UNBOUND":        "127.0.0.1:5302",
	"MAILFLOW_IT_UNBOUND_53":     "127.53.0.1:53",
	"MAILFLOW_IT_SMTP_GOOD":      "127.0.0.1:2525",
	"MAILFLOW_IT_SMTP_BAD":       "[::1]:2526",
	"MAILFLOW_IT_SMTP_RELAY":     "127.0.0.1:2527",
	"MAILFLOW_IT_RELAY_NEXT_HOP": "127.0.0.1:2528",
	"MAILFLOW_IT_SMTP_USER":      "probe@it.test",
	"MAILFLOW_IT_SMTP_PASS":      "secret",
	"MAILFLOW_IT_CA":             "/tmp/ca.crt",
}

// envWith returns completeEnv with the given key, value pairs replaced.
func envWith(kv ...string) func(string) string {
	env := maps.Clone(completeEnv)
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return func(k string) string { return env[k] }
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		getenv  func(string) string
		wantErr []string // substrings of the error; none means success
	}{
		{"complete", envWith(), nil},
		{"nothing set", func(string) string { return "" },
			[]string{"MAILFLOW_IT_DNS, MAILFLOW_IT_DNSBL, MAILFLOW_IT_UNBOUND, MAILFLOW_IT_UNBOUND_53, MAILFLOW_IT_SMTP_GOOD, MAILFLOW_IT_SMTP_BAD, MAILFLOW_IT_SMTP_RELAY, MAILFLOW_IT_RELAY_NEXT_HOP, MAILFLOW_IT_SMTP_USER, MAILFLOW_IT_SMTP_PASS, MAILFLOW_IT_CA not set"}},
		{"one missing", envWith("MAILFLOW_IT_CA", ""), []string{"MAILFLOW_IT_CA not set"}},
		{"real server", envWith("MAILFLOW_IT_DNS", "192.0.2.53:53"),
			[]string{`MAILFLOW_IT_DNS="192.0.2.53:53": host must be a loopback IP address`}},
		{"host name", envWith("MAILFLOW_IT_DNSBL", "localhost:53"), []string{"host must be a loopback IP address"}},
		{"no port", envWith("MAILFLOW_IT_SMTP_GOOD", "127.0.0.1"), []string{"want IP:port"}},
		{"port zero", envWith("MAILFLOW_IT_SMTP_BAD", "127.0.0.1:0"), []string{"port must be a number"}},
		{"port too big", envWith("MAILFLOW_IT_SMTP_BAD", "127.0.0.1:65536"), []string{"port must be a number"}},
		{"named port", envWith("MAILFLOW_IT_SMTP_BAD", "127.0.0.1:smtp"), []string{"port must be a number"}},
		{"missing and off loopback", envWith("MAILFLOW_IT_CA", "", "MAILFLOW_IT_DNS", "10.0.0.1:53"),
			[]string{"MAILFLOW_IT_CA not set", `MAILFLOW_IT_DNS="10.0.0.1:53"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := fromEnv(tt.getenv)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				want := Peers{DNS: "127.0.0.1:5300", DNSBL: "127.0.0.1:5301", Unbound: "127.0.0.1:5302", Unbound53: "127.53.0.1:53", SMTPGood: "127.0.0.1:2525",
					SMTPBad: "[::1]:2526", SMTPRelay: "127.0.0.1:2527", RelayNextHop: "127.0.0.1:2528", SMTPUser: "probe@it.test", SMTPPass: "secret", CAFile: "/tmp/ca.crt"}
				if p != want {
					t.Errorf("got %+v, want %+v", p, want)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}

// FuzzFromEnv checks the safety promise: whatever the environment holds,
// an accepted DNS address is a loopback IP with a usable port.
func FuzzFromEnv(f *testing.F) {
	for _, s := range []string{"127.0.0.1:53", "[::1]:1", "[::ffff:127.0.0.1]:53", "0.0.0.0:53", "127.1:53", "[fe80::1%lo]:53", ":53", "127.0.0.1:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		p, err := fromEnv(envWith("MAILFLOW_IT_DNS", addr))
		if err != nil {
			return
		}
		ap, perr := netip.ParseAddrPort(p.DNS)
		if perr != nil || !ap.Addr().IsLoopback() || ap.Port() == 0 {
			t.Fatalf("accepted %q, which is not a loopback IP:port", p.DNS)
		}
	})
}
