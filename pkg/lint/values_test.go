package lint

import (
	"net/netip"
	"testing"
)

func TestIPRanges(t *testing.T) {
	tests := []struct {
		in         string
		ok         bool
		contains   string
		wide24     bool
		everything bool
	}{
		{"0.0.0.0-255.255.255.255", true, "203.0.113.9", true, true},
		{"::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, "2001:db8::1", true, true},
		{"10.0.0.0/16", true, "10.0.200.1", true, false},
		{"10.0.5.0/24", true, "10.0.5.255", false, false},
		{"10.0.5.7/24", true, "10.0.5.1", false, false},
		{"192.168.1.0(255.255.255.0)", true, "192.168.1.20", false, false},
		{"172.16.0.0(255.240.0.0)", true, "172.31.0.1", true, false},
		{"10.0.5.20", true, "10.0.5.20", false, false},
		{"10.0.5.30-10.0.5.20", false, "", false, false},
		{"10.0.0.1-::1", false, "", false, false},
		{"not-an-ip", false, "", false, false},
	}
	for _, tt := range tests {
		r, ok := parseIPRange(tt.in)
		if ok != tt.ok {
			t.Errorf("%s: ok=%v, want %v", tt.in, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if !r.contains(netip.MustParseAddr(tt.contains)) || r.widerThan(24) != tt.wide24 || r.everything() != tt.everything {
			t.Errorf("%s: contains %s=%v wide=%v everything=%v", tt.in, tt.contains, r.contains(netip.MustParseAddr(tt.contains)), r.widerThan(24), r.everything())
		}
	}
}

func TestAddressSpaces(t *testing.T) {
	tests := []struct {
		in, typ, addr string
		matches       string
		want          bool
	}{
		{"SMTP:*;1", "SMTP", "*", "anything.example", true},
		{"smtp:contoso.mail.onmicrosoft.com;1", "SMTP", "contoso.mail.onmicrosoft.com", "contoso.mail.onmicrosoft.com", true},
		{"SMTP:*.contoso.com;5", "SMTP", "*.contoso.com", "contoso.com", true},
		{"SMTP:*.contoso.com;5", "SMTP", "*.contoso.com", "a.b.contoso.com", true},
		{"SMTP:*.contoso.com;5", "SMTP", "*.contoso.com", "notcontoso.com", false},
		{"fabrikam.com", "SMTP", "fabrikam.com", "FABRIKAM.com.", true},
		{"X400:c=US;a= ;p=Contoso;o=Legacy;;10", "X400", "c=US;a= ;p=Contoso;o=Legacy;", "contoso.com", false},
	}
	for _, tt := range tests {
		as := parseAddressSpace(tt.in)
		if as.typ != tt.typ || as.addr != tt.addr || as.matches(tt.matches) != tt.want {
			t.Errorf("%s: got %s %q matches(%s)=%v", tt.in, as.typ, as.addr, tt.matches, as.matches(tt.matches))
		}
	}
}

func TestSmartHosts(t *testing.T) {
	tests := []struct {
		in        string
		ip        string
		name      string
		bracketed bool
	}{
		{"[10.0.0.5]", "10.0.0.5", "", true},
		{"10.0.0.5", "10.0.0.5", "", false},
		{"[2001:db8::25]", "2001:db8::25", "", true},
		{"Relay.Contoso.com.", "", "relay.contoso.com", false},
	}
	for _, tt := range tests {
		h := parseSmartHost(tt.in)
		ip := ""
		if h.isIP() {
			ip = h.ip.String()
		}
		if ip != tt.ip || h.name != tt.name || h.bracketed != tt.bracketed {
			t.Errorf("%s: got ip %q name %q bracketed %v", tt.in, ip, h.name, h.bracketed)
		}
	}
}

func TestSizes(t *testing.T) {
	tests := []struct {
		in        string
		bytes     int64
		unlimited bool
		ok        bool
	}{
		{"35 MB (36,700,160 bytes)", 36700160, false, true},
		{"25 MB (26.214.400 bytes)", 26214400, false, true},
		{"10 MB (10 485 760 bytes)", 10485760, false, true},
		{"1.953 GB (2,097,152,000 bytes)", 2097152000, false, true},
		{"Unlimited", 0, true, true},
		{"36700160", 36700160, false, true},
		{"big", 0, false, false},
	}
	for _, tt := range tests {
		o := newObject("x", 1)
		o.set(&Prop{Name: "MaxMessageSize", Value: tt.in})
		b, u, ok := size(o, "MaxMessageSize")
		if b != tt.bytes || u != tt.unlimited || ok != tt.ok {
			t.Errorf("%s: got %d %v %v", tt.in, b, u, ok)
		}
	}
}
