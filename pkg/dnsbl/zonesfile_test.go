package dnsbl

import (
	"strings"
	"testing"
)

const goodZonesFile = `# Our MTA's DNSBL rules.
lists:
  - zone: bl.example.net
    name: Example BL
    match: bitmask
    bitmask: 0.0.0.12
    bits:
      4: open relay
      8: spam source
    errors:
      127.255.255.254: refused
  - zone: zen            # the catalog list with Postfix's rule
    exact: ["127.0.0.[2..11]"]
  - zone: rhsbl.example.net
    kind: domain
    exact: 127.0.1.2, 127.0.1.3
    test: spamdomain.example
  - zone: wl.example.net
    allow: true
    ipv6: false
`

func TestLoadZonesFile(t *testing.T) {
	lists, err := LoadZonesFile("zones.yaml", []byte(goodZonesFile))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ zone, kind, rule, source string }{
		{"bl.example.net", "ip", "bitmask=0.0.0.12", "zones.yaml:3"},
		{catalogZone(t, "zen"), "ip", "exact=127.0.0.[2..11]", "zones.yaml:12"},
		{"rhsbl.example.net", "domain", "exact=127.0.1.2,127.0.1.3", "zones.yaml:14"},
		{"wl.example.net", "ip allow", "any", "zones.yaml:18"},
	}
	if len(lists) != len(want) {
		t.Fatalf("got %d lists, want %d", len(lists), len(want))
	}
	for i, w := range want {
		l := lists[i]
		if l.Zone != w.zone || l.KindLabel() != w.kind || l.Rule() != w.rule || l.Source != w.source {
			t.Errorf("list %d: got %s %s %s %s, want %+v", i, l.Zone, l.KindLabel(), l.Rule(), l.Source, w)
		}
	}
	if got := lists[0].Meaning(ip4(127, 0, 0, 12)); got != "open relay, spam source" {
		t.Errorf("bits meaning %q", got)
	}
	if lists[0].classify(ip4(127, 255, 255, 254)) != answerError {
		t.Error("declared error code not treated as an error")
	}
	if lists[3].IPv6 {
		t.Error("ipv6: false ignored")
	}
}

func TestLoadZonesFileErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "z.yaml: empty zones file"},
		{"only comments", "# nothing yet\n", "z.yaml: empty zones file"},
		{"syntax", "lists:\n  - zone: x\n    name: a: b\n", "z.yaml:3: not valid YAML: mapping values are not allowed"},
		{"top level list", "- zone: a.example\n", "z.yaml:1:1: the top level: want a mapping of keys, not a list"},
		{"unknown top key", "zones: []\n", `z.yaml:1:1: unknown key "zones" in the top level (known keys: lists)`},
		{"no lists", "{}\n", `z.yaml:1:1: no "lists:" key`},
		{"lists not a list", "lists: bl.example\n", `z.yaml:1:8: lists: want a list, not the value "bl.example"`},
		{"too many lists", "lists:\n" + strings.Repeat("  - zone: bl.example\n", maxZonesLists+1), "z.yaml:2:3: lists: 501 entries, more than the 500 allowed"},
		{"entry not a mapping", "lists: [bl.example]\n", `z.yaml:1:9: a lists entry: want a mapping of keys, not the value "bl.example"`},
		{"no zone", "lists:\n  - name: x\n", "z.yaml:2:5: list entry without a zone"},
		{"zone not a value", "lists:\n  - zone: [a.example]\n", "z.yaml:2:11: zone: want a single value, not a list"},
		{"unknown key", "lists:\n  - zone: bl.example\n    bitmsk: 4\n", `z.yaml:3:5: unknown key "bitmsk" in a lists entry (known keys: zone, name,`},
		{"duplicate key", "lists:\n  - zone: bl.example\n    zone: b.example\n", `z.yaml:3:5: a lists entry: key "zone" given twice (first at line 2)`},
		{"bad bitmask", "lists:\n  - zone: bl.example\n    bitmask: 0.0.1.0\n", "z.yaml:3:14: bitmask"},
		{"exact and bitmask", "lists:\n  - zone: bl.example\n    bitmask: 4\n    exact: [127.0.0.2]\n", "z.yaml:3:14: give either exact or bitmask"},
		{"match without codes", "lists:\n  - zone: bl.example\n    match: exact\n", "z.yaml:3:12: match: exact needs"},
		{"bad match", "lists:\n  - zone: bl.example\n    match: some\n", `z.yaml:3:12: match "some"`},
		{"any with codes", "lists:\n  - zone: bl.example\n    match: any\n    exact: [127.0.0.2]\n", "z.yaml:3:12: match: any takes no"},
		{"bad code", "lists:\n  - zone: bl.example\n    exact:\n      - 127.0.0.2\n      - 10.0.0.1\n", "z.yaml:5:9: exact: code \"10.0.0.1\""},
		{"exact mapping", "lists:\n  - zone: bl.example\n    exact: {a: b}\n", "z.yaml:3:12: exact: want a list, not a mapping"},
		{"empty exact", "lists:\n  - zone: bl.example\n    exact: []\n", "z.yaml:3:12: exact: the list of codes is empty"},
		{"codes not a mapping", "lists:\n  - zone: bl.example\n    codes: [127.0.0.2]\n", "z.yaml:3:12: codes: want a mapping of keys, not a list"},
		{"bad codes key", "lists:\n  - zone: bl.example\n    codes:\n      192.0.2.1: x\n", "z.yaml:4:7: codes: \"192.0.2.1\""},
		{"codes key twice", "lists:\n  - zone: bl.example\n    codes: {127.0.0.2: a, 127.0.0.2: b}\n", `z.yaml:3:27: codes: key "127.0.0.2" given twice (first at line 3)`},
		{"bad bit", "lists:\n  - zone: bl.example\n    bits:\n      3: x\n", "z.yaml:4:7: bits: \"3\""},
		{"bad bool", "lists:\n  - zone: bl.example\n    allow: perhaps\n", `z.yaml:3:12: allow: want true or false, not the value "perhaps"`},
		{"bool as number", "lists:\n  - zone: bl.example\n    ipv6: 1\n", `z.yaml:3:11: ipv6: want true or false, not the value "1"`},
		{"kind of catalog list", "lists:\n  - zone: dbl\n    kind: ip\n", "z.yaml:3:11: " + catalogZone(t, "dbl") + " is a catalog list"},
		{"unknown catalog name", "lists:\n  - zone: spamcop\n  - zone: zenn\n", `z.yaml:3:11: unknown list "zenn"`},
		{"bad test entry", "lists:\n  - zone: bl.example\n    test: nope\n", `z.yaml:2:5: test entry "nope"`},
		{"twice", "lists:\n  - zone: bl.example\n  - zone: bl.example\n", "zone bl.example is given twice (z.yaml:2 and z.yaml:3)"},
		{"alias", "lists:\n  - &a {zone: bl.example}\n  - *a\n", "z.yaml:2:5: anchors and aliases are not supported; write each value out"},
		{"too big", strings.Repeat("#", MaxZonesFile+1), "z.yaml: larger than 1024 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadZonesFile("z.yaml", []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}
