//go:build integration

package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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

// TestDANEAgreesWithPosttlsFinger asks Postfix's own DANE client and
// mailflow smtp about the same Postfix, through unbound validating the
// signed dnssec.test: for a TLSA record that matches its key and one that
// does not, both must reach the same verdict and, on a match, name the same
// record.
func TestDANEAgreesWithPosttlsFinger(t *testing.T) {
	p := peers.Get(t)
	_, port, err := net.SplitHostPort(p.SMTPGood)
	if err != nil {
		t.Fatal(err)
	}
	// posttls-finger reads the resolver from /etc/resolv.conf only, so it
	// runs in a mount namespace of its own where that file names unbound.
	// trust-ad keeps the C library from clearing the AD bit.
	ns, _, err := net.SplitHostPort(p.Unbound53)
	if err != nil {
		t.Fatal(err)
	}
	resolv := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver "+ns+"\noptions edns0 trust-ad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host  string
		match bool
	}{
		{"mx.dnssec.test", true},
		{"mx.mismatch.dnssec.test", false},
	} {
		t.Run(tt.host, func(t *testing.T) {
			pf := posttlsFinger(t, resolv, tt.host, port)
			mf := mailflowDANE(t, p, tt.host, port)
			t.Logf("posttls-finger: verified %v, matched %q; mailflow: dane.tlsa %s, matched %q",
				pf.verified, pf.matched, mf.severity, mf.matched)
			if pf.verified != tt.match || mf.verified() != tt.match {
				t.Errorf("verdicts: posttls-finger verified %v, mailflow dane.tlsa %s; want a match: %v\n%s",
					pf.verified, mf.severity, tt.match, pf.out)
			}
			if tt.match && !strings.HasPrefix(pf.matched, strings.TrimSuffix(mf.matched, "…")) {
				t.Errorf("posttls-finger matched %q, mailflow %q", pf.matched, mf.matched)
			}
			if !tt.match && !pf.noMatch {
				t.Errorf("posttls-finger did not report a DANE mismatch:\n%s", pf.out)
			}
			if want := "_" + port + "._tcp." + tt.host; mf.name != want || !mf.secure {
				t.Errorf("mailflow looked up %s (secure %v), want the DNSSEC-signed %s", mf.name, mf.secure, want)
			}
		})
	}
}

type posttlsVerdict struct {
	verified bool   // "Verified TLS connection established"
	noMatch  bool   // "no matching DANE TLSA records"
	matched  string // the record of "Matched DANE ... at depth N: U S M HEX", lower case
	out      string
}

var posttlsMatched = regexp.MustCompile(`Matched DANE \S+ .* at depth \d+: ([0-9]+ [0-9]+ [0-9]+ [0-9A-Fa-f]+)`)

// posttlsFinger runs posttls-finger -l dane against [host]:port with
// resolv as its /etc/resolv.conf.
func posttlsFinger(t *testing.T, resolv, host, port string) posttlsVerdict {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// dnssec_probe asks a name unbound answers: its default, the root,
	// is refused there, which would make posttls-finger doubt DNSSEC.
	cmd := exec.CommandContext(ctx, "unshare", "--mount", "--propagation", "private", "sh", "-c",
		`mount --bind "$1" /etc/resolv.conf && shift && exec posttls-finger "$@"`, "sh", resolv,
		"-c", "-l", "dane", "-t", "10", "-T", "10", "-o", "dnssec_probe=ns:dnssec.test", "["+host+"]:"+port)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("posttls-finger in a mount namespace (needs root, as the peers do): %v\n%s", err, out)
	}
	v := posttlsVerdict{out: string(out)}
	v.verified = strings.Contains(v.out, "Verified TLS connection established")
	v.noMatch = strings.Contains(v.out, "no matching DANE TLSA records")
	if m := posttlsMatched.FindStringSubmatch(v.out); m != nil {
		v.matched = strings.ToLower(m[1])
	}
	if v.verified == v.noMatch {
		t.Fatalf("posttls-finger gave no DANE verdict (did it fall back to another security level?):\n%s", out)
	}
	return v
}

type mailflowVerdict struct {
	severity, matched, name string
	secure                  bool
}

func (v mailflowVerdict) verified() bool { return v.severity == "ok" }

// mailflowDANE runs mailflow smtp against host:port through unbound and
// returns its DANE verdict.
func mailflowDANE(t *testing.T, p peers.Peers, host, port string) mailflowVerdict {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	cli.Run(io, []string{"--dns", p.Unbound, "--timeout", "10s", "--format", "json", "smtp", host, "--port", port, "--quit-after", "tls"})
	var rep struct {
		Findings []struct{ ID, Severity string }
		Data     struct {
			Results []struct {
				DANE *struct {
					Name    string
					Secure  bool
					Verdict *struct {
						Matched *struct{ Record string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Data.Results) != 1 || rep.Data.Results[0].DANE == nil {
		t.Fatalf("mailflow smtp: no DANE result (%v):\n%s%s", err, out.String(), errOut.String())
	}
	d := rep.Data.Results[0].DANE
	v := mailflowVerdict{name: d.Name, secure: d.Secure}
	if d.Verdict != nil && d.Verdict.Matched != nil {
		v.matched = d.Verdict.Matched.Record
	}
	for _, f := range rep.Findings {
		if f.ID == "dane.tlsa" {
			v.severity = f.Severity
		}
	}
	if v.severity == "" {
		t.Fatalf("mailflow smtp: no dane.tlsa finding:\n%s", out.String())
	}
	return v
}
