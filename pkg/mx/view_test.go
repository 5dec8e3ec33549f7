package mx_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestRenderGolden pins the human output of representative routes: the
// table, the dnsdiag-style host list (verbose), the security table and the
// findings with their fixes.
func TestRenderGolden(t *testing.T) {
	r := newResolver(t, faultServer(t).Addr)
	for _, domain := range []string{"good.example.org", "nxbackup.example.org", "nullmx.example.org", "implicit.example.org", "cnametarget.example.org"} {
		t.Run(domain, func(t *testing.T) {
			res, err := mx.Route(context.Background(), r, domain, testOptions())
			if err != nil {
				t.Fatal(err)
			}
			rep := &report.Report{Command: "mx", Targets: []string{domain}, Sections: res.Sections(), Findings: res.Findings, Summary: domain + ": " + res.Brief()}
			var buf bytes.Buffer
			if err := report.WriteText(&buf, rep, report.Options{Verbose: true}); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", domain+".golden")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("output differs from %s (run with -update after an intended change):\n%s", golden, buf.String())
			}
		})
	}
}

func TestBulkLine(t *testing.T) {
	r := newResolver(t, faultServer(t).Addr)
	res, err := mx.Route(context.Background(), r, "nxbackup.example.org", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		item mx.Item
		want string
	}{
		{mx.Item{Line: 1, Result: res}, "warning   nxbackup.example.org           10 nope.example.org (NXDOMAIN), 20 mx1.good.example.org  [mx.target_nxdomain]"},
		{mx.Item{Source: "list.txt:4", Line: 4, Input: "a b", Err: errFor("want one domain per line")}, "bad       list.txt:4: want one domain per line"},
	}
	for _, tt := range tests {
		if got := mx.BulkLine(tt.item); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

type errFor string

func (e errFor) Error() string { return string(e) }
