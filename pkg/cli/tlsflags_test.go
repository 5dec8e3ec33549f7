package cli

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

func runArgs(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Run(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}, args)
	return code, out.String(), errOut.String()
}

// Bad TLS control values are usage errors naming the flag, before any
// network work.
func TestTLSControlFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"smtp", "192.0.2.1", "--tls-min", "1.4"}, "--tls-min: unknown TLS version"},
		{[]string{"smtp", "192.0.2.1", "--tls-min", "1.3", "--tls-max", "1.2"}, "newer than --tls-max"},
		{[]string{"smtp", "192.0.2.1", "--tls-ciphers", "RC5"}, "--tls-ciphers: unknown TLS 1.2 cipher suite"},
		{[]string{"smtp", "192.0.2.1", "--tls-ciphers", "TLS_AES_128_GCM_SHA256"}, "TLS 1.3 suite"},
		{[]string{"smtp", "192.0.2.1", "-4", "-6"}, "exclude each other"},
		{[]string{"smtp", "192.0.2.1", "-6"}, "not of the address family"},
		{[]string{"smtp", "192.0.2.1", "--source", "nowhere"}, "--source \"nowhere\""},
		{[]string{"smtp", "192.0.2.1", "--tls-cert", "c.pem"}, "--tls-cert and --tls-key go together"},
		{[]string{"smtp", "192.0.2.1", "--connect", "mx.example.com"}, "want HOST=ADDR"},
		{[]string{"smtp", "192.0.2.1", "--connect", "mx.example.com=mx2"}, "is not an IP address"},
		{[]string{"smtp", "192.0.2.1", "--connect", "a.example=192.0.2.1", "--connect", "A.example=192.0.2.2"}, "names A.example twice"},
		{[]string{"smtp", "192.0.2.1", "--tls-name", "bad name"}, "--tls-name"},
		{[]string{"check", "example.org", "--tls-max", "2"}, "--tls-max"},
		{[]string{"lint", "x.txt", "--tls-min", "1.2"}, "only apply with --live"},
	}
	for _, tt := range tests {
		code, _, errOut := runArgs(tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

// --connect and --tls-name reach a lab host by another address and name;
// --save-chain writes what it presented.
func TestSMTPConnectAndSaveChain(t *testing.T) {
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	chain := filepath.Join(t.TempDir(), "chain.pem")
	// The MX name of good.lab.test, sent to mx1's address under a name of
	// our choosing that is not in DNS at all.
	args := append(l.GlobalArgs(), "smtp", "new-mx.example.test", "--connect", "new-mx.example.test=127.0.0.11",
		"--tls-name", "mx1.good.lab.test", "--quit-after", "tls", "--save-chain", chain)
	code, out, errOut := runArgs(append(args, l.SMTPArgs()...)...)
	if code != 0 || !strings.Contains(out, "127.0.0.11") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	data, err := os.ReadFile(chain)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatalf("no PEM in %s:\n%s", chain, data)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil || c.Subject.CommonName != "mx1.good.lab.test" {
		t.Fatalf("leaf %v, %v", c, err)
	}
	// No TLS, no chain: said on stderr, nothing written.
	os.Remove(chain)
	args = append(l.GlobalArgs(), "smtp", "mx.plain.lab.test", "--quit-after", "tls", "--save-chain", chain)
	_, _, errOut = runArgs(append(args, l.SMTPArgs()...)...)
	if _, err := os.Stat(chain); err == nil || !strings.Contains(errOut, "no server presented a certificate") {
		t.Errorf("chain written or not explained: %q", errOut)
	}
}

// The enum flags complete their values in the shell.
func TestTLSFlagCompletion(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "smtp", "x", "--tls-min", ""}, []string{"1.0", "1.3"}},
		{[]string{"__complete", "check", "--tls-max", ""}, []string{"1.2"}},
		{[]string{"__complete", "smtp", "x", "--tls-ciphers", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"}, []string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA"}},
		{[]string{"__complete", "smtp", "x", "--starttls", ""}, []string{"require"}},
		{[]string{"__complete", "smtp", "x", "--auth", ""}, []string{"CRAM-MD5", "OAUTHBEARER"}},
		{[]string{"__complete", "smtp", "x", "--quit-after", ""}, []string{"rcpt"}},
	}
	for _, tt := range tests {
		_, out, _ := runArgs(tt.args...)
		for _, w := range tt.want {
			if !strings.Contains(out, w+"\n") && !strings.Contains(out, w+"\t") {
				t.Errorf("%v: completions lack %q:\n%s", tt.args, w, out)
			}
		}
	}
}

// FuzzConnectFlag: --connect HOST=ADDR[:PORT] is refused with a usage
// error or gives one entry whose host is a lower-case name and whose
// address is a real IP, IPv4 not dressed as IPv6.
func FuzzConnectFlag(f *testing.F) {
	for _, s := range []string{"mx.example.org=192.0.2.1", "MX.Example.org.=[2001:db8::1]:2525", "mx=127.0.0.1:0", "=1.2.3.4",
		"a=b", "bücher.example=::ffff:192.0.2.1", "x.example=[192.0.2.1", "x.example=fe80::1%eth0", "a=1.2.3.4=5.6.7.8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		fl := &tlsClientFlags{connect: []string{v}}
		m, err := fl.connectMap(smtpclient.Controls{})
		if err != nil {
			if exitCodeFor(err) != 2 || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q: %v (exit %d)", v, err, exitCodeFor(err))
			}
			return
		}
		if len(m) != 1 {
			t.Fatalf("%q → %v", v, m)
		}
		for host, ap := range m {
			if host == "" || host != strings.ToLower(host) || strings.HasSuffix(host, ".") || strings.ContainsAny(host, "= ") {
				t.Fatalf("%q → host %q", v, host)
			}
			if !ap.Addr().IsValid() || ap.Addr().Is4In6() {
				t.Fatalf("%q → address %v", v, ap)
			}
		}
	})
}
