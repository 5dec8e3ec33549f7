package dnsbl

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestReverseIP(t *testing.T) {
	tests := []struct{ ip, want string }{
		// RFC 5782 §2.1 and §2.4 examples.
		{"192.0.2.99", "99.2.0.192"},
		{"2001:db8:1:2:3:4:567:89ab", "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2"},
		// The RFC 5782 §5 IPv6 test entry keeps its IPv6 form.
		{"::ffff:7f00:2", "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"},
		{"127.0.0.2", "2.0.0.127"},
	}
	for _, tt := range tests {
		if got := ReverseIP(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("ReverseIP(%s) = %s, want %s", tt.ip, got, tt.want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in   string
		kind TargetKind
		show string
		err  string
	}{
		{in: "192.0.2.1", kind: TargetIP, show: "192.0.2.1"},
		{in: " 2001:DB8::1 ", kind: TargetIP, show: "2001:db8::1"},
		{in: "[2001:db8::1]", kind: TargetIP, show: "2001:db8::1"},
		{in: "::ffff:192.0.2.1", kind: TargetIP, show: "192.0.2.1"},
		{in: "192.0.2.0/24", kind: TargetRange, show: "192.0.2.0/24"},
		{in: "192.0.2.77/24", kind: TargetRange, show: "192.0.2.0/24"},
		{in: "192.0.2.1/32", kind: TargetIP, show: "192.0.2.1"},
		{in: "::ffff:192.0.2.0/120", kind: TargetRange, show: "192.0.2.0/24"},
		{in: "2001:db8::/126", kind: TargetRange, show: "2001:db8::/126"},
		{in: "mail.example.com.", kind: TargetName, show: "mail.example.com"},
		{in: "Bücher.example", kind: TargetName, show: "bücher.example (xn--bcher-kva.example)"},
		{in: "１９２.０.２.１", kind: TargetIP, show: "192.0.2.1"},
		{in: "³", err: "not a valid IP address"},
		{in: "\xf0.example", err: "not valid UTF-8"},
		{in: "192.0.2.300", err: "not a valid IP address"},
		{in: "10.1", err: "not a valid IP address"},
		{in: "2001:db8::g", err: "not a valid IP address"},
		{in: "fe80::1%eth0", err: "zoned address"},
		{in: "192.0.2.0/33", err: "not a valid CIDR range"},
		{in: "example.com/24", err: "not a valid CIDR range"},
		{in: "::ffff:192.0.2.0/64", err: "must be /96 or longer"},
		{in: "bad name.example", err: "neither an IP address"},
		{in: "", err: "empty target"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			if errorCase(t, err, tt.err) {
				return
			}
			if got.Kind != tt.kind || got.String() != tt.show {
				t.Errorf("got %s %q, want %s %q", got.Kind, got.String(), tt.kind, tt.show)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	parse := func(ss ...string) []Target {
		var out []Target
		for _, s := range ss {
			tg, err := ParseTarget(s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, tg)
		}
		return out
	}
	tests := []struct {
		name  string
		in    []Target
		large bool
		n     int
		last  string
		err   string
	}{
		{"small range", parse("192.0.2.0/30", "mail.example"), false, 5, "mail.example", ""},
		{"a /24 needs no confirmation", parse("192.0.2.0/24"), false, 256, "192.0.2.255", ""},
		{"two /24 need it", parse("192.0.2.0/24", "198.51.100.0/24"), false, 0, "", "confirm with --yes-large"},
		{"confirmed", parse("192.0.2.0/24", "198.51.100.0/24"), true, 512, "198.51.100.255", ""},
		{"ipv6 range", parse("2001:db8::/126"), false, 4, "2001:db8::3", ""},
		{"top of the address space", parse("255.255.255.252/30"), false, 4, "255.255.255.255", ""},
		{"over the hard limit", parse("10.0.0.0/8"), true, 0, "", "more than the limit"},
		{"an ipv6 /64", parse("2001:db8::/64"), true, 0, "", "more than 18 quintillion addresses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Expand(tt.in, tt.large)
			if errorCase(t, err, tt.err) {
				if tl := (*RangeTooLargeError)(nil); !errors.As(err, &tl) {
					t.Fatalf("err %T, want a RangeTooLargeError", err)
				}
				return
			}
			if len(got) != tt.n || got[len(got)-1].String() != tt.last {
				t.Errorf("got %d targets ending %s, want %d ending %s", len(got), got[len(got)-1], tt.n, tt.last)
			}
		})
	}
}

func TestReadTargetList(t *testing.T) {
	l, err := ReadTargetList("in.txt", strings.NewReader("# senders\n192.0.2.1\n\n  mail.example.com  # the MX\n192.0.2.0/31\n192.0.2.999\n"+strings.Repeat("a", maxTargetLine+10)+"\n"), RangeBudget{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Targets != 4 || l.Bad != 2 {
		t.Errorf("targets %d, bad %d", l.Targets, l.Bad)
	}
	var got []string
	for in := range l.Inputs() {
		s := in.Source + " "
		if in.Err != nil {
			s += "error: " + in.Err.Error()
		} else {
			s += in.Target.String() + " " + in.Target.Kind.String()
		}
		got = append(got, s)
	}
	want := []string{
		"in.txt:2 192.0.2.1 ip",
		"in.txt:4 mail.example.com name",
		"in.txt:5 192.0.2.0 ip",
		"in.txt:5 192.0.2.1 ip",
		`in.txt:6 error: "192.0.2.999" is not a valid IP address`,
		"in.txt:7 error: line longer than 4096 bytes",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := ReadTargetList("in.txt", strings.NewReader(strings.Repeat("\n", MaxTargetsFile+1)), RangeBudget{}); err == nil || !strings.Contains(err.Error(), "larger than 16 MiB") {
		t.Errorf("an oversized list: %v", err)
	}
}
