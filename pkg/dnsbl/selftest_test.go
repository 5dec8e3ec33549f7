package dnsbl

import (
	"context"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/report"
)

const selftestZones = `
$ORIGIN good.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
2.0.0.127 IN A 127.0.0.2
$ORIGIN everything.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
* IN A 127.0.0.2
$ORIGIN hijacked.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
* IN A 198.51.100.7
$ORIGIN refusing.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
* IN A 127.255.255.254
$ORIGIN empty.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
$ORIGIN dead.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
$ORIGIN rcode.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
$ORIGIN names.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
test IN A 127.0.1.2
$ORIGIN ownentry.test.
@ 300 IN SOA ns hostmaster 1 3600 600 86400 60
dbltest.com IN A 127.0.1.2
`

func TestSelfTest(t *testing.T) {
	s, err := authdns.Start("127.0.0.1:0", selftestZones,
		authdns.WithRule("2.0.0.127.dead.test", authdns.Rule{Drop: true}),
		authdns.WithRule("1.0.0.127.dead.test", authdns.Rule{Drop: true}),
		authdns.WithRule("2.0.0.127.rcode.test", authdns.Rule{Rcode: dns.RcodeRefused}),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := resolverFor(t, s.Addr)
	own := specs(t, "ownentry.test:domain")[0]
	own.Test = "dbltest.com"
	lists := append(specs(t, "good.test", "everything.test", "hijacked.test", "refusing.test:errors=127.255.255.254",
		"empty.test", "dead.test", "rcode.test", "names.test:domain"), own)
	want := []struct {
		status   HealthStatus
		id       string
		severity report.Severity
		broken   bool
	}{
		{HealthOK, "dnsbl.selftest.ok", report.OK, false},
		{HealthListsEverything, "dnsbl.selftest.lists_everything", report.Error, true},
		{HealthBogus, "dnsbl.selftest.bogus_answers", report.Error, true},
		{HealthRefused, "dnsbl.selftest.refused", report.Warning, false},
		{HealthNoTestEntry, "dnsbl.selftest.no_test_entry", report.Warning, false},
		{HealthDown, "dnsbl.selftest.down", report.Warning, false},
		{HealthRefused, "dnsbl.selftest.refused", report.Warning, false},
		{HealthOK, "dnsbl.selftest.ok", report.OK, false},
		{HealthOK, "dnsbl.selftest.ok", report.OK, false},
	}
	got := SelfTest(context.Background(), r, Options{Lists: lists})
	for i, h := range got {
		w := want[i]
		if h.Status != w.status || h.Finding.ID != w.id || h.Finding.Severity != w.severity || h.Status.Broken() != w.broken {
			t.Errorf("%s: %s %s %s, want %s %s %s", h.Zone, h.Status, h.Finding.ID, h.Finding.Severity, w.status, w.id, w.severity)
		}
		if inc := h.Status == HealthRefused || h.Status == HealthDown; h.Finding.Incomplete != inc {
			t.Errorf("%s: incomplete %v", h.Zone, h.Finding.Incomplete)
		}
	}
	if q := got[7].Listed.Query; q != "test.names.test" {
		t.Errorf("domain list test query %s, want test.names.test", q)
	}
}

func TestAdvice(t *testing.T) {
	uribl, _ := FromCatalog("uribl")
	ahbl, _ := FromCatalog("ahbl")
	tests := []struct {
		name  string
		lists []List
		ids   []string
	}{
		{"Exchange example mask", specs(t, "bl.example:bitmask=0.0.0.3"), []string{"dnsbl.bitmask_semantics"}},
		{"two bits", specs(t, "bl.example:bitmask=0.0.0.6"), []string{"dnsbl.bitmask_semantics"}},
		{"one bit is unambiguous", specs(t, "bl.example:bitmask=0.0.0.8"), nil},
		{"catalog bitmask is not the user's", []List{uribl}, nil},
		{"user bitmask on a catalog list", specs(t, "uribl:bitmask=0.0.0.6"), []string{"dnsbl.bitmask_semantics"}},
		{"dead list", []List{ahbl}, []string{"dnsbl.dead_list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ids []string
			for _, f := range Advice(tt.lists) {
				ids = append(ids, f.ID)
			}
			if len(ids) != len(tt.ids) || (len(ids) > 0 && ids[0] != tt.ids[0]) {
				t.Errorf("advice %v, want %v", ids, tt.ids)
			}
		})
	}
	f := Advice(specs(t, "bl.example:bitmask=0.0.0.3"))[0]
	if want := "127.0.0.1 .2 .3 .5 .6 .7 .9 .10 .11 .13 .14 .15 ..."; !containsAll(f.Message, want, "bit 1 also matches 127.0.0.1") {
		t.Errorf("message %q lacks %q", f.Message, want)
	}
}
