package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// -v shows what the adaptive transport learned about each DNS server;
// without -v the section stays out of the way.
func TestVerboseShowsDNSServers(t *testing.T) {
	dns := startLabDNS(t)
	list := filepath.Join(t.TempDir(), "domains.txt")
	if err := os.WriteFile(list, []byte("good.lab.test\nloop.lab.test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"mx", "good.lab.test", "--mta-sts-fetch=false"},
		{"mx", "--file", list, "--mta-sts-fetch=false"},
		{"mx", "--file", list, "--mta-sts-fetch=false", "--format", "markdown"},
		{"dnsbl", "127.0.0.14", "--zone", "bl.lab.test"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, _ := runDNSBLTest(t, dns, args)
			if strings.Contains(out, "DNS servers") {
				t.Errorf("DNS servers shown without -v:\n%s", out)
			}
			out, _ = runDNSBLTest(t, dns, append(args, "-v"))
			_, section, ok := strings.Cut(out, "DNS servers")
			if !ok {
				t.Fatalf("no DNS servers section with -v:\n%s", out)
			}
			var row []string
			for _, l := range strings.Split(section, "\n") {
				if f := strings.Fields(strings.ReplaceAll(l, "|", " ")); len(f) > 0 && f[0] == dns {
					row = f
				}
			}
			// Server, RTT (3 fields: "x ms ± y ms" is 5), RTO (2), then
			// window, sent, resent, answered, timed out, window halved.
			if len(row) != 14 {
				t.Fatalf("no row for %s in:\n%s", dns, section)
			}
			sent, _ := strconv.Atoi(row[9])
			answered, _ := strconv.Atoi(row[11])
			if sent == 0 || answered != sent || row[12] != "0" {
				t.Errorf("row %q: want every query sent answered", row)
			}
		})
	}
}
