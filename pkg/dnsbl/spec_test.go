package dnsbl

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// catalogZone is the zone of a catalog list. Tests refer to public lists by
// catalog ID only and never query them: every resolver here is on loopback.
func catalogZone(t *testing.T, id string) string {
	t.Helper()
	l, ok := FromCatalog(id)
	if !ok {
		t.Fatalf("no catalog list %q", id)
	}
	return l.Zone
}

func TestParseZoneSpec(t *testing.T) {
	zen, uribl := catalogZone(t, "zen"), catalogZone(t, "uribl")
	// A typo one letter off a catalog zone, in the same registered domain.
	zenTypo := "zenn" + strings.TrimPrefix(zen, "zen")
	zenDomain := strings.TrimPrefix(zen, "zen.")
	tests := []struct {
		spec  string
		zone  string
		kind  string
		rule  string
		catID string
		err   string
	}{
		{spec: "zen", zone: zen, kind: "ip", rule: "exact=127.0.0.[2..11],127.0.0.30", catID: "zen"},
		{spec: strings.ToUpper(zen) + ".", zone: zen, kind: "ip", rule: "exact=127.0.0.[2..11],127.0.0.30", catID: "zen"},
		{spec: "zen:exact=127.0.0.[2..4]", zone: zen, kind: "ip", rule: "exact=127.0.0.[2..4]", catID: "zen"},
		{spec: uribl + ":bitmask=0.0.0.2", zone: uribl, kind: "domain", rule: "bitmask=0.0.0.2", catID: "uribl"},
		{spec: "bl.example.net", zone: "bl.example.net", kind: "ip", rule: "any"},
		{spec: "bl.example.net:bitmask=4", zone: "bl.example.net", kind: "ip", rule: "bitmask=0.0.0.4"},
		{spec: "dbl.example.net:domain:exact=127.0.1.2", zone: "dbl.example.net", kind: "domain", rule: "exact=127.0.1.2"},
		{spec: "wl.example.net:allow", zone: "wl.example.net", kind: "ip allow", rule: "any"},
		{spec: "bl.example.net:errors=127.255.255.254:any", zone: "bl.example.net", kind: "ip", rule: "any"},
		{spec: "zenn", err: `unknown list "zenn": not a catalog name`},
		{spec: zenTypo, err: fmt.Sprintf("unknown list %q: %s publishes %s", zenTypo, zenDomain, zen)},
		{spec: "zen:domain", err: zen + " is a catalog list (ip); its kind is fixed"},
		{spec: "bl.example.net:any:exact=127.0.0.2", err: "more than one rule option"},
		{spec: "bl.example.net:ip:domain", err: "more than one kind option"},
		{spec: "bl.example.net:bitmask=0.0.1.0", err: "the mask must look like 0.0.0.N"},
		{spec: "bl.example.net:exact=", err: "exact needs codes"},
		{spec: "bl.example.net:exact=10.0.0.2", err: "outside 127.0.0.0/8"},
		{spec: "bl.example.net:errors=192.0.2.1", err: "want an address in 127.0.0.0/8"},
		{spec: "bl.example.net:any=1", err: "any takes no value"},
		{spec: "bl.example.net:allow=yes", err: "allow takes no value"},
		{spec: "bl.example.net:fast", err: `unknown option "fast"`},
		{spec: "bl example.net", err: "not a domain name"},
		{spec: ":any", err: "empty zone name"},
		{spec: "127.0.0.2:any", err: "looks like an IP address"},
		{spec: "\xff.example", err: "not valid UTF-8"},
		{spec: strings.Repeat("a.", 600), err: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			l, err := ParseZoneSpec(tt.spec)
			if errorCase(t, err, tt.err) {
				return
			}
			if l.Zone != tt.zone || l.KindLabel() != tt.kind || l.Rule() != tt.rule || l.ID != tt.catID {
				t.Errorf("got zone %s kind %s rule %s id %q", l.Zone, l.KindLabel(), l.Rule(), l.ID)
			}
		})
	}
}

func TestCatalogRuleOverrideKeepsErrors(t *testing.T) {
	l, err := ParseZoneSpec("zen:any")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.classify(ip4(127, 255, 255, 254)); got != answerError {
		t.Errorf("Spamhaus error code under a user rule: class %d, want an error", got)
	}
	if l.Meaning(ip4(127, 0, 0, 10)) == "" {
		t.Error("catalog meanings lost with a user rule")
	}
}

func TestMerge(t *testing.T) {
	a, _ := ParseZoneSpec("bl.example.net")
	b, _ := ParseZoneSpec("bl.example.net:bitmask=2")
	if _, err := Merge([]List{a}, []List{b}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("err = %v, want a duplicate-zone error", err)
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want Rate
		err  bool
	}{
		{"20/s", 20, false}, {"20", 20, false}, {"120/m", 2, false}, {"3600/h", 1, false},
		{"0.5/s", 0.5, false}, {"0", 0, false}, {"off", 0, false}, {"unlimited", 0, false},
		{"-1/s", 0, true}, {"fast", 0, true}, {"10/d", 0, true}, {"inf", 0, true}, {"NaN/s", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestLimiter(t *testing.T) {
	if NewLimiter(0) != nil {
		t.Fatal("rate 0 must not limit")
	}
	var unlimited *Limiter
	if err := unlimited.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	// One query per thousand seconds: the burst goes out at once, the next
	// query has to wait, and gives up with its context.
	l := NewLimiter(0.001)
	for range minBurst {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx); err == nil {
		t.Fatal("query beyond the burst went out without waiting")
	}
	if l.tokens < -0.5 {
		t.Errorf("an abandoned wait kept its reservation: %v tokens", l.tokens)
	}
}

func TestTestEntries(t *testing.T) {
	ipList, _ := ParseZoneSpec("bl.example.net")
	dom, _ := ParseZoneSpec("dbl.example.net:domain")
	dbl, _ := FromCatalog("dbl")
	for _, tt := range []struct {
		l          List
		pos, neg   string
		posKey     string
		wantsError bool
	}{
		{ipList, "127.0.0.2", "127.0.0.1", "2.0.0.127", false},
		{dom, "test", "invalid", "test", false},
		{dbl, "dbltest.com", "invalid", "dbltest.com", false},
		{List{Zone: "x.example", Test: "not-an-ip"}, "", "", "", true},
	} {
		pos, neg, err := tt.l.testEntries()
		if tt.wantsError {
			if err == nil {
				t.Errorf("%s: no error for a bad test entry", tt.l.Zone)
			}
			continue
		}
		if err != nil || pos.Show != tt.pos || neg.Show != tt.neg || pos.Key != tt.posKey {
			t.Errorf("%s: got %+v %+v %v", tt.l.Zone, pos, neg, err)
		}
	}
}
