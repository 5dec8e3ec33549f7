//go:build integration

package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/cli"
	"github.com/mailflowkit/mailflow/pkg/internal/peers"
)

// checkPeers runs mailflow check against the real peers together: nsd
// serves check.test (MX mail.it.test = the local Postfix), rbldnsd lists
// 127.0.0.1 in check-bl.it.test and answers the block-list queries itself
// (--dnsbl-dns), and the Postfix on smtpAddr is probed.
func checkPeers(t *testing.T, p peers.Peers, smtpAddr string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	argv := append([]string{"--dns", p.DNS, "--timeout", "10s", "check", "--port", portOf(t, smtpAddr), "--ca-file", p.CAFile,
		"--zone", "check-bl.it.test", "--dnsbl-dns", p.DNSBL, "--ehlo", "client.check.test"}, args...)
	code := cli.Run(io, argv)
	return code, out.String(), errOut.String()
}

type peerFinding struct {
	ID         string `json:"id"`
	Severity   string `json:"severity"`
	Subject    string `json:"subject"`
	Incomplete bool   `json:"incomplete"`
}

func peerFindings(t *testing.T, out string) []peerFinding {
	t.Helper()
	var doc struct {
		Findings []peerFinding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("JSON output does not parse: %v\n%s", err, out)
	}
	return doc.Findings
}

func TestCheckAgainstPeers(t *testing.T) {
	p := peers.Get(t)
	const subject = "mail.it.test [127.0.0.1]"
	tests := []struct {
		name string
		smtp string
		args []string
		// want are "id severity" pairs that must be among the findings
		// about the MX address; absent must not be at warning or above.
		want   []string
		absent []string
	}{
		{name: "good Postfix", smtp: p.SMTPGood, args: []string{"--relay-test"},
			want:   []string{"dnsbl.listed error", "smtp.auth_tls_only ok", "smtp.starttls ok", "smtp.cert_name ok", "smtp.relay ok"},
			absent: []string{"smtp.cert_trust", "smtp.tls_handshake"}},
		{name: "bad Postfix", smtp: p.SMTPBad, args: []string{"--relay-test"},
			want: []string{"dnsbl.listed error", "smtp.auth_tls_only error", "smtp.relay error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := checkPeers(t, p, tt.smtp, append(tt.args, "check.test", "--format", "json")...)
			if code != 1 {
				t.Fatalf("exit %d, want 1 (listed); stderr %s", code, errOut)
			}
			var got []string
			for _, f := range peerFindings(t, out) {
				if f.Subject == subject {
					got = append(got, f.ID+" "+f.Severity)
				}
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("want %q among the findings about %s, got %q", w, subject, got)
				}
			}
			for _, a := range tt.absent {
				for _, sev := range []string{"warning", "error"} {
					if slices.Contains(got, a+" "+sev) {
						t.Errorf("unexpected %s %s", a, sev)
					}
				}
			}
		})
	}
}

// A spec for check.test against the good Postfix: everything holds but the
// block-list assertion and the submission endpoint on the bad Postfix, so
// exit 1 and exactly those two JUnit failures.
func TestCheckSpecAgainstPeers(t *testing.T) {
	p := peers.Get(t)
	spec := fmt.Sprintf(`version: 1
domains:
  - domain: check.test
    mx: ["10 mail.it.test"]
    starttls: true
    min_tls: "1.2"
    cert_days: 1
    not_listed: [check-bl.it.test]
    no_open_relay: true
    no_auth_before_tls: ["mail.it.test:%s", "127.0.0.1:%s"]
    spf: true
    dmarc: true
    dmarc_policy: quarantine
`, portOf(t, p.SMTPGood), portOf(t, p.SMTPBad))
	code, out, errOut := checkPeers(t, p, p.SMTPGood, "--spec", writeSpec(t, spec), "--relay-test", "--format", "junit")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, errOut)
	}
	d := parseJUnit(t, out)
	failed := junitFailures(d)
	want := []string{"check.spec.not_listed mail.it.test [127.0.0.1]", "check.spec.no_auth_before_tls 127.0.0.1:" + portOf(t, p.SMTPBad)}
	if !slices.Equal(failed, want) || d.Skipped != 0 {
		t.Errorf("failures %q (skipped %d), want %q", failed, d.Skipped, want)
	}
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}
