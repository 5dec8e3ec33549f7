package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/lab"
)

// TestLabDANEVerdictsAgree runs smtp, mx and check over the lab's DANE
// domains: the TLSA records are made at lab start from the hosts' fresh
// keys, and every command must reach the same verdict about them. mx does
// not connect, so a record that matches no key is "in effect" to it; smtp
// and check, which see the certificate, call it an error.
func TestLabDANEVerdictsAgree(t *testing.T) {
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		domain string
		// want are the findings each command must report, as "id severity".
		smtp, mx, check []string
		exit            [3]int // smtp, mx, check
	}{
		{"dane.lab.test",
			[]string{"dane.tlsa ok", "dane.rollover ok"}, []string{"mx.dane ok"}, []string{"dane.tlsa ok", "dane.rollover ok", "mx.dane ok"},
			[3]int{0, 0, 0}},
		{"mismatch.dane.lab.test",
			[]string{"dane.tlsa error"}, []string{"mx.dane ok"}, []string{"dane.tlsa error", "mx.dane ok"},
			[3]int{1, 0, 1}},
		{"unsigned.dane.lab.test",
			[]string{"dane.tlsa warning"}, []string{"mx.dane warning"}, []string{"dane.tlsa warning", "mx.dane warning"},
			[3]int{0, 0, 0}},
	}
	run := func(t *testing.T, wantExit int, want []string, args ...string) {
		t.Helper()
		var out, errOut bytes.Buffer
		io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
		args = append(append(l.GlobalArgs(), args...), "--format", "json")
		if code := Run(io, args); code != wantExit {
			t.Errorf("%s: exit %d, want %d: %s", strings.Join(args, " "), code, wantExit, errOut.String())
		}
		fs, err := findingsIn(out.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, f := range fs {
			if strings.HasPrefix(f.ID, "dane.") || f.ID == "mx.dane" {
				got[f.ID+" "+f.Severity.String()] = true
			}
		}
		for _, w := range want {
			if !got[w] {
				t.Errorf("%s: no %s finding; DANE findings: %v", strings.Join(args, " "), w, got)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: DANE findings %v, want exactly %v", strings.Join(args, " "), got, want)
		}
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			run(t, tt.exit[0], tt.smtp, append([]string{"smtp", "@" + tt.domain, "--quit-after", "tls"}, l.SMTPArgs()...)...)
			run(t, tt.exit[1], tt.mx, "mx", tt.domain)
			run(t, tt.exit[2], tt.check, append([]string{"check", tt.domain, "--zone", "bl.lab.test"}, l.SMTPArgs()...)...)
		})
	}
}
