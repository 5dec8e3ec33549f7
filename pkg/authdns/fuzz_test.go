package authdns_test

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
)

// FuzzParse: zone text never panics the parser, and what it accepts is
// usable: at least one apex, every owner name canonical (the server looks
// names up in that form) and filed under its own name.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"$ORIGIN example.test.\n@ 3600 IN SOA ns. host. 1 2 3 4 5\n@ MX 10 mx\nmx A 127.0.0.1\n",
		"$ORIGIN a.test.\n@ SOA ns. h. 1 2 3 4 5\n*.b TXT \"x\"\n$ORIGIN B.A.TEST.\nC CNAME d\n",
		"x.test. 60 IN A 127.0.0.1\n",
		"$ORIGIN x.test.\n@ SOA ns. h. 1 2 3 4 5\n_25._tcp.mx TLSA 3 1 1 00ff\n",
		"$TTL 1\n$ORIGIN .\n@ SOA ns. h. 1 2 3 4 5\n",
		"$INCLUDE /etc/passwd\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		// $GENERATE makes up to 65,536 records of one line, as it should:
		// the server serves zone text the tests and the lab wrote, so a
		// few lines of it only measure the fuzzer's patience.
		if strings.Contains(strings.ToUpper(text), "$GENERATE") {
			return
		}
		records, zones, err := authdns.Parse(text)
		if err != nil {
			return
		}
		if len(zones) == 0 {
			t.Fatal("accepted zone text without an apex")
		}
		for owner, rrs := range records {
			if owner != dns.CanonicalName(owner) {
				t.Fatalf("owner %q is not canonical", owner)
			}
			for _, rr := range rrs {
				if !strings.EqualFold(rr.Header().Name, owner) {
					t.Fatalf("record %s filed under %q", rr, owner)
				}
			}
		}
	})
}
