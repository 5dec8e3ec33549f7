package dnsbl

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzParseZoneSpec: any accepted spec yields a usable list whose rule
// round-trips through the parser.
func FuzzParseZoneSpec(f *testing.F) {
	for _, s := range []string{"zen", "bl.example.net:any", "bl.example.net:exact=127.0.0.2,127.0.0.[4..7]",
		"bl.example.net:bitmask=0.0.0.4:allow", "dbl.example:domain:errors=127.0.0.1", "zen:exact=127.0.0.[2;3;9]",
		"x.example:exact=127.0.0.[", "a.b:bitmask=0.0.1.0", "uribl:bitmask=6", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		l, err := ParseZoneSpec(spec)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if l.Zone == "" || strings.HasSuffix(l.Zone, ".") {
			t.Fatalf("spec %q gave zone %q", spec, l.Zone)
		}
		if l.Match == MatchBitmask && l.Mask == 0 {
			t.Fatalf("spec %q gave an empty bitmask", spec)
		}
		again, err := ParseZoneSpec(l.Zone + ":" + l.Rule())
		if err != nil || again.Rule() != l.Rule() {
			t.Fatalf("rule %q of %q does not round-trip: %v", l.Rule(), spec, err)
		}
		for _, p := range l.Exact {
			if p.Contains(netip.MustParseAddr("10.0.0.2")) {
				t.Fatalf("pattern %s matches outside 127/8", p)
			}
		}
	})
}

// FuzzParseTarget: accepted targets are well-formed and ranges are masked.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "2001:db8::1", "192.0.2.0/24", "::ffff:192.0.2.0/120", "mail.example.com",
		"192.0.2.300", "10.1", "[::1]", "xn--bcher-kva.example", "fe80::1%eth0", "a..b", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		switch tg.Kind {
		case TargetIP:
			if !tg.IP.IsValid() || tg.IP.Is4In6() || tg.IP.Zone() != "" {
				t.Fatalf("%q: bad address %v", s, tg.IP)
			}
			if ReverseIP(tg.IP) == "" {
				t.Fatalf("%q: empty reverse name", s)
			}
		case TargetRange:
			if tg.Prefix != tg.Prefix.Masked() || tg.Size() < 2 {
				t.Fatalf("%q: range %v not masked or single", s, tg.Prefix)
			}
		case TargetName:
			if tg.Name.ASCII == "" || looksLikeAddress(tg.Name.ASCII) {
				t.Fatalf("%q: accepted as name %q", s, tg.Name.ASCII)
			}
		}
	})
}

// FuzzLoadZonesFile: hostile YAML never panics, every error names the file
// and every accepted list is usable.
func FuzzLoadZonesFile(f *testing.F) {
	f.Add([]byte(goodZonesFile))
	for _, s := range []string{"lists: []", "lists:\n  - zone: zen\n", "lists:\n  - &a {zone: x.example}\n  - *a\n",
		"lists:\n  - zone: x.example\n    bits: {1: a, 3: b}\n", "a: [", "lists:\n  - zone: x.example\n    exact: 127.0.0.[1..300]\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lists, err := LoadZonesFile("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") && !strings.HasPrefix(err.Error(), "zone ") {
				t.Fatalf("error does not name the file: %q", err)
			}
			return
		}
		for _, l := range lists {
			if l.Zone == "" {
				t.Fatal("list without a zone")
			}
			if _, _, err := l.testEntries(); err != nil {
				t.Fatalf("accepted list with bad test entries: %v", err)
			}
		}
	})
}
