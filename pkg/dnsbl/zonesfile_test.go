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
		{"zen.spamhaus.org", "ip", "exact=127.0.0.[2..11]", "zones.yaml:12"},
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
		{"syntax", "lists:\n  - zone: x\n    name: a: b\n", "z.yaml:3: mapping values are not allowed"},
		{"top level list", "- zone: a.example\n", "z.yaml:1: the top level must be a mapping"},
		{"unknown top key", "zones: []\n", `z.yaml:1: unknown top-level key "zones"`},
		{"no lists", "{}\n", `z.yaml:1: no "lists:" key`},
		{"lists not a list", "lists: bl.example\n", "z.yaml:1: lists must be a list"},
		{"no zone", "lists:\n  - name: x\n", "z.yaml:2: list entry without a zone"},
		{"unknown key", "lists:\n  - zone: bl.example\n    bitmsk: 4\n", `z.yaml:3: unknown key "bitmsk"`},
		{"duplicate key", "lists:\n  - zone: bl.example\n    zone: b.example\n", `z.yaml:3: key "zone" given twice`},
		{"bad bitmask", "lists:\n  - zone: bl.example\n    bitmask: 0.0.1.0\n", "z.yaml:3: bitmask"},
		{"exact and bitmask", "lists:\n  - zone: bl.example\n    bitmask: 4\n    exact: [127.0.0.2]\n", "z.yaml:3: give either exact or bitmask"},
		{"match without codes", "lists:\n  - zone: bl.example\n    match: exact\n", "z.yaml:3: match: exact needs"},
		{"bad match", "lists:\n  - zone: bl.example\n    match: some\n", `z.yaml:3: match "some"`},
		{"any with codes", "lists:\n  - zone: bl.example\n    match: any\n    exact: [127.0.0.2]\n", "z.yaml:3: match: any takes no"},
		{"bad code", "lists:\n  - zone: bl.example\n    exact:\n      - 127.0.0.2\n      - 10.0.0.1\n", "z.yaml:5: exact: code \"10.0.0.1\""},
		{"empty exact", "lists:\n  - zone: bl.example\n    exact: []\n", "z.yaml:3: exact: the list of codes is empty"},
		{"bad codes key", "lists:\n  - zone: bl.example\n    codes:\n      192.0.2.1: x\n", "z.yaml:4: codes: \"192.0.2.1\""},
		{"bad bit", "lists:\n  - zone: bl.example\n    bits:\n      3: x\n", "z.yaml:4: bits: \"3\""},
		{"bad bool", "lists:\n  - zone: bl.example\n    allow: perhaps\n", "z.yaml:3: allow: want true or false"},
		{"kind of catalog list", "lists:\n  - zone: dbl\n    kind: ip\n", "z.yaml:3: dbl.spamhaus.org is a catalog list"},
		{"unknown catalog name", "lists:\n  - zone: spamcop\n  - zone: zenn\n", `z.yaml:3: unknown list "zenn"`},
		{"bad test entry", "lists:\n  - zone: bl.example\n    test: nope\n", `z.yaml:2: test entry "nope"`},
		{"twice", "lists:\n  - zone: bl.example\n  - zone: bl.example\n", "zone bl.example is given twice (z.yaml:2 and z.yaml:3)"},
		{"alias", "lists:\n  - &a {zone: bl.example}\n  - *a\n", "z.yaml:3: YAML aliases are not supported"},
		{"too big", strings.Repeat("#", MaxZonesFile+1), "larger than"},
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
