package dnsbl

import (
	"bytes"
	"math"
	"net/netip"
	"strconv"
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

// FuzzParsePattern: an accepted code pattern keeps its text, matches
// nothing outside 127.0.0.0/8, and parses back to the same set.
func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{"127.0.0.2", "127.0.0.[2..11]", "127.0.[0;1].[4;6..9]", "127.0.0.[", "127.0.0.[9..2]",
		"128.0.0.1", "127.0.0.1.5", "127.0.0.0255", "127..0.1", "127.0.0.[;]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if p.String() != s {
			t.Fatalf("%q kept as %q", s, p.String())
		}
		again, err := ParsePattern(p.String())
		if err != nil || again.octets != p.octets {
			t.Fatalf("%q does not parse back to itself: %v", s, err)
		}
		for _, a := range []string{"10.0.0.2", "126.0.0.2", "128.0.0.2", "::1"} {
			if p.Contains(netip.MustParseAddr(a)) {
				t.Fatalf("%q matches %s, outside 127/8", s, a)
			}
		}
	})
}

// FuzzParseBitmask: an accepted mask is a bit set from 1 to 255, the same
// whether written as N or as 0.0.0.N.
func FuzzParseBitmask(f *testing.F) {
	for _, s := range []string{"4", "0.0.0.4", "255", "0.0.1.0", "0", "256", "0.0.0.0", "::4", "+4", "04"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseBitmask(s)
		if err != nil {
			return
		}
		if m == 0 {
			t.Fatalf("%q: empty mask accepted", s)
		}
		for _, form := range []string{strconv.Itoa(int(m)), "0.0.0." + strconv.Itoa(int(m))} {
			if again, err := ParseBitmask(form); err != nil || again != m {
				t.Fatalf("%q → %d, but %q → %d, %v", s, m, form, again, err)
			}
		}
	})
}

// FuzzParseFlagValues: --rate and --txt refuse a value or accept one that
// prints back to itself; an accepted rate is finite and not negative.
func FuzzParseFlagValues(f *testing.F) {
	for _, s := range []string{"20/s", "10/m", "1/h", "5", "0", "off", "unlimited", "1e308/s", "NaN", "-1/s", "inf", "0x10/s", "1/d",
		"listed", "always", "never", "Never", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := ParseRate(s); err == nil {
			if r < 0 || math.IsInf(float64(r), 0) || math.IsNaN(float64(r)) {
				t.Fatalf("--rate %q: rate %v", s, float64(r))
			}
			if again, err := ParseRate(r.String()); err != nil || again != r {
				t.Fatalf("--rate %q → %s → %v, %v", s, r, float64(again), err)
			}
		}
		if m, err := ParseTXTMode(s); err == nil {
			if again, err := ParseTXTMode(m.String()); err != nil || again != m {
				t.Fatalf("--txt %q → %s → %v, %v", s, m, again, err)
			}
		}
	})
}

// FuzzReadTargetList: a target list never panics the reader, which fails
// only for a list too large to read; every input names the line it came
// from, the unusable lines are the ones counted bad, and the usable ones
// expand to as many targets as counted.
func FuzzReadTargetList(f *testing.F) {
	for _, s := range []string{"192.0.2.1\n# comment\n\nmail.example.com # trailing\n", "192.0.2.0/30\r\n2001:db8::1", "\uFEFF1.2.3.4\n",
		"not a target!\n", strings.Repeat("a", 5000) + "\n", "10.0.0.0/8\n192.0.2.0/24\n192.0.2.0/24\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ReadTargetList("list.txt", bytes.NewReader(data), RangeBudget{})
		if err != nil {
			t.Fatalf("%d bytes refused: %v", len(data), err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		var targets uint64
		bad := 0
		for in := range l.Inputs() {
			n, err := strconv.Atoi(strings.TrimPrefix(in.Source, "list.txt:"))
			if err != nil || n < 1 || n > lines {
				t.Fatalf("input %+v from %q, want list.txt:1..%d", in, in.Source, lines)
			}
			if in.Err != nil {
				bad++
			} else {
				targets++
			}
		}
		if bad != l.Bad || targets != l.Targets {
			t.Fatalf("counted %d bad lines and %d targets, yielded %d and %d", l.Bad, l.Targets, bad, targets)
		}
	})
}
