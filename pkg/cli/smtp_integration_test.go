//go:build integration

package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/cli"
	"github.com/mailflowkit/mailflow/pkg/internal/peers"
)

// TestSMTPTLSNameAgainstPostfix reaches the real Postfix by IP and names
// the certificate it must carry with --tls-name: AUTH PLAIN then goes ahead
// without --insecure-auth, a wrong name withholds the password, and
// --save-chain writes the chain in PEM that openssl reads.
func TestSMTPTLSNameAgainstPostfix(t *testing.T) {
	p := peers.Get(t)
	chain := filepath.Join(t.TempDir(), "chain.pem")
	run := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		io := &cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string {
			if k == "MAILFLOW_PASSWORD" {
				return p.SMTPPass
			}
			return ""
		}}
		argv := append([]string{"--dns", p.DNS, "--timeout", "10s", "smtp", p.SMTPGood, "--ca-file", p.CAFile,
			"--user", p.SMTPUser, "--auth", "PLAIN", "--quit-after", "auth"}, args...)
		code := cli.Run(io, argv)
		all := out.String() + errOut.String()
		if strings.Contains(all, p.SMTPPass) {
			t.Errorf("password in output:\n%s", all)
		}
		return code, all
	}
	code, out := run("--tls-name", peers.Hostname, "--save-chain", chain)
	if code != 0 || !strings.Contains(out, "ok as "+p.SMTPUser+" (PLAIN)") || !strings.Contains(out, "covers "+peers.Hostname) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	subject, err := exec.Command("openssl", "x509", "-noout", "-subject", "-in", chain).CombinedOutput()
	if err != nil || !strings.Contains(string(subject), "CN") || !strings.Contains(string(subject), peers.Hostname) {
		data, _ := os.ReadFile(chain)
		t.Fatalf("openssl x509 -subject: %v %s\n%s", err, subject, data)
	}
	code, out = run("--tls-name", "other.it.test")
	if code != 1 || !strings.Contains(out, "AUTH not attempted") || !strings.Contains(out, "does not cover other.it.test") {
		t.Errorf("wrong --tls-name: exit %d:\n%s", code, out)
	}
}
