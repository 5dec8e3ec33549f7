package mx

import (
	"net/netip"
	"os"
	"strings"
	"testing"
)

// TestCatalogDocumented keeps docs/mx.md in step with the checks: every ID
// has a reference and a fix here and a section there.
func TestCatalogDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/mx.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		id := c.ID
		if c.Ref == "" || c.Fix == "" {
			t.Errorf("%s: missing reference or fix", id)
		}
		if !strings.Contains(string(doc), "`"+id+"`") {
			t.Errorf("%s is not documented in docs/mx.md", id)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct{ ip, class string }{
		{"93.184.216.34", ""},
		{"2a00:1450:4001::1", ""},
		{"10.1.2.3", "private"},
		{"172.31.255.255", "private"},
		{"172.32.0.1", ""},
		{"192.168.0.1", "private"},
		{"127.0.0.2", "loopback"},
		{"::1", "loopback"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"192.0.2.1", "documentation"},
		{"2001:db8::25", "documentation"},
		{"100.64.0.1", "shared"},
		{"198.18.0.1", "benchmarking"},
		{"0.0.0.0", "unspecified"},
		{"224.0.0.1", "multicast"},
		{"255.255.255.255", "reserved"},
		{"fd00::1", "private"},
		{"::ffff:10.0.0.1", "private"},
	}
	for _, tt := range tests {
		if got, _ := classify(mustAddr(t, tt.ip)); got != tt.class {
			t.Errorf("%s: class %q, want %q", tt.ip, got, tt.class)
		}
	}
}

func TestSpecialUse(t *testing.T) {
	tests := []struct {
		domain string
		want   bool
	}{
		{"example.org", false}, {"mail.example.com", false}, {"lab.test", true}, {"TEST", true},
		{"corp.internal", true}, {"x.home.arpa", true}, {"printer.local", true}, {"localhost", true},
		{"contest.org", false}, {"example", true}, {"arpa", true}, {"home.arpa.org", false},
	}
	for _, tt := range tests {
		if _, _, got := specialUse(tt.domain); got != tt.want {
			t.Errorf("%s: special-use %v, want %v", tt.domain, got, tt.want)
		}
	}
}

func mustAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
