package cli

import (
	"bytes"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
)

const lintLiveZone = `$ORIGIN lab.test.
@ 3600 IN SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 300
relay 3600 IN A 127.0.0.1
`

const lintLiveExport = `Name                   : To Relay
AddressSpaces          : {SMTP:*;1}
DNSRoutingEnabled      : False
SmartHosts             : {relay.lab.test}
SmartHostAuthMechanism : None
RequireTLS             : True
TlsAuthLevel           : DomainValidation
TlsDomain              : %s
SourceTransportServers : {EX01}
`

// --live wires the resolver, port and CA flags through to the checks; the
// smart host is an in-process server on loopback.
func TestLintLive(t *testing.T) {
	ca, err := certgen.NewCA("cli test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := certgen.Issue(ca, certgen.Leaf{Names: []string{"relay.lab.test"}})
	if err != nil {
		t.Fatal(err)
	}
	smtpSrv, err := labsmtp.Start(labsmtp.Config{Hostname: "relay.lab.test", TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	defer smtpSrv.Close()
	dnsSrv, err := authdns.Start("127.0.0.1:0", lintLiveZone)
	if err != nil {
		t.Fatal(err)
	}
	defer dnsSrv.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, port, err := net.SplitHostPort(smtpSrv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, tlsDomain string
		caFile          string
		extra           []string
		exit            int
		out, errOut     string
	}{
		{"certificate matches", "relay.lab.test", caFile, nil, 0, "STARTTLS, certificate for relay.lab.test", ""},
		{"certificate for another name", "mail.lab.test", caFile, nil, 1, "lint.live.smarthost_certificate", ""},
		{"untrusted without the lab CA", "relay.lab.test", "", nil, 1, "does not verify", ""},
		{"unreadable CA file", "relay.lab.test", filepath.Join(dir, "missing.pem"), nil, 2, "", "missing.pem: no such file or directory"},
		{"bad compare server", "relay.lab.test", caFile, []string{"--compare", "not-an-ip"}, 2, "", "--compare: DNS server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			export := filepath.Join(dir, "send.txt")
			if err := os.WriteFile(export, []byte(strings.Replace(lintLiveExport, "%s", tt.tlsDomain, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"--dns", dnsSrv.Addr, "--timeout", "10s", "lint", "--live", "--port", port}
			if tt.caFile != "" {
				args = append(args, "--ca-file", tt.caFile)
			}
			args = append(append(args, tt.extra...), export)
			var out, errOut bytes.Buffer
			code := Run(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}, args)
			if code != tt.exit || !strings.Contains(out.String(), tt.out) || !strings.Contains(errOut.String(), tt.errOut) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tt.exit, out.String(), errOut.String())
			}
		})
	}
}

// A file over the input limit is refused with exit 2 and a hint that
// names --max-input with a value that reads it; the flag raises the limit.
func TestLintMaxInput(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "big.txt")
	// A valid export padded with blank lines past 1 MiB.
	text := "Name              : To Internet\nAddressSpaces     : {SMTP:*;1}\nDNSRoutingEnabled : True\nSmartHostAuthMechanism : None\n" + strings.Repeat("\n", 1<<20+1)
	if err := os.WriteFile(export, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		stdin   string
		exit    int
		errOut  string
		outWant string
	}{
		{"file over the limit", []string{"lint", "--max-input", "1", export}, "", 2, "big.txt: larger than 1 MiB, the input size limit\nhint: if this really is an export (2 MiB), read it with --max-input 2\n", ""},
		{"stdin over the limit", []string{"lint", "--max-input", "1", "-"}, text, 2, "-: larger than 1 MiB, the input size limit\nhint: if this really is an export, raise the limit with --max-input MiB (now 1)\n", ""},
		{"raised", []string{"lint", "--max-input", "2", export}, "", 0, "", "Checked 1 object from 1 file"},
		{"default", []string{"lint", export}, "", 0, "", "Checked 1 object from 1 file"},
		{"out of range", []string{"lint", "--max-input", "0", export}, "", 2, "--max-input must be between 1 and 16384, got 0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Run(&IOStreams{In: strings.NewReader(tt.stdin), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}, tt.args)
			if code != tt.exit || !strings.Contains(errOut.String(), tt.errOut) || !strings.Contains(out.String(), tt.outWant) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tt.exit, out.String(), errOut.String())
			}
		})
	}
}
