package smtpprobe_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/dane"
	"github.com/mailflowkit/mailflow/pkg/internal/dnstest"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// TestDANE probes one in-process server under several names, each with its
// own TLSA records in a DNS server that sets the AD bit as a validating
// resolver would.
func TestDANE(t *testing.T) {
	ca := newCA(t)
	names := []string{"pass.lab.test", "roll.lab.test", "ta.lab.test", "mismatch.lab.test", "insecure.lab.test", "pkix.lab.test", "none.lab.test", "broken.lab.test", "plain.lab.test"}
	cert, err := certgen.Issue(ca, certgen.Leaf{Names: names})
	if err != nil {
		t.Fatal(err)
	}
	other, err := certgen.Issue(ca, certgen.Leaf{Names: names})
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	withTLS := goodConfig(t, ca)
	withTLS.TLS = serverTLS(t, ca, certgen.Leaf{Names: names}, 0)
	withTLS.TLS.Certificates[0] = cert
	tlsAddr := startServer(t, withTLS)
	plainAddr := startServer(t, labsmtp.Config{LocalDomains: []string{"lab.test"}})
	// The TLSA name carries the port the servers listen on.
	port := func(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }
	tlsaName := func(name string) string {
		if name == "plain.lab.test" {
			return "_" + port(plainAddr) + "._tcp." + name + "."
		}
		return "_" + port(tlsAddr) + "._tcp." + name + "."
	}
	record := func(name string, usage, sel, mt uint8, c *x509.Certificate) string {
		return fmt.Sprintf("%s 300 IN TLSA %d %d %d %s", tlsaName(name), usage, sel, mt, dane.Digest(sel, mt, c))
	}
	secure := map[string]bool{}
	for _, n := range names {
		if n != "insecure.lab.test" {
			secure[tlsaName(n)] = true
		}
	}
	r := dnstest.Start(t, &dnstest.Zone{
		Records: []string{
			record("pass.lab.test", 3, 1, 1, leaf),
			record("roll.lab.test", 3, 1, 1, leaf), record("roll.lab.test", 2, 1, 1, ca.Cert),
			record("ta.lab.test", 2, 0, 1, ca.Cert),
			record("mismatch.lab.test", 3, 1, 1, other.Leaf),
			record("insecure.lab.test", 3, 1, 1, leaf),
			record("pkix.lab.test", 1, 1, 1, leaf),
			record("broken.lab.test", 3, 1, 1, leaf),
			record("plain.lab.test", 3, 1, 1, leaf),
		},
		Secure:   secure,
		ServFail: map[string]bool{tlsaName("broken.lab.test"): true},
	})
	tests := []struct {
		name  string
		plain bool
		want  map[string]report.Severity
		// incomplete marks dane.tlsa as unchecked.
		incomplete bool
		summary    string
	}{
		{"pass.lab.test", false, map[string]report.Severity{"dane.tlsa": report.OK, "dane.rollover": report.Info}, false, "TLSA 3 1 1"},
		{"roll.lab.test", false, map[string]report.Severity{"dane.tlsa": report.OK, "dane.rollover": report.OK}, false, "matched (DNSSEC)"},
		{"ta.lab.test", false, map[string]report.Severity{"dane.tlsa": report.OK, "dane.rollover": report.Info}, false, "TLSA 2 0 1"},
		{"mismatch.lab.test", false, map[string]report.Severity{"dane.tlsa": report.Error}, false, "none matches"},
		{"insecure.lab.test", false, map[string]report.Severity{"dane.tlsa": report.Warning}, false, "not DNSSEC-authenticated"},
		{"pkix.lab.test", false, map[string]report.Severity{"dane.tlsa": report.Warning, "dane.unusable_usage": report.Warning}, false, ""},
		{"none.lab.test", false, map[string]report.Severity{}, false, "no TLSA at _"},
		{"broken.lab.test", false, map[string]report.Severity{"dane.tlsa": report.Warning}, true, "TLSA lookup failed (servfail)"},
		{"plain.lab.test", true, map[string]report.Severity{"dane.tlsa": report.Error}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := baseOptions(ca)
			o.Resolver, o.QuitAfter = r, smtpprobe.PhaseTLS
			addr := tlsAddr
			if tt.plain {
				addr = plainAddr
			}
			res := smtpprobe.Probe(context.Background(), addr, tt.name, o)
			var got []string
			for _, f := range res.Findings {
				if strings.HasPrefix(f.ID, "dane.") {
					got = append(got, f.ID+"="+f.Severity.String())
				}
			}
			for id, sev := range tt.want {
				f := findingsWith(res, id)
				if len(f) != 1 || f[0].Severity != sev {
					t.Errorf("%s: got %v, want %s", id, got, sev)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("dane findings %v, want %v", got, tt.want)
			}
			if f := findingsWith(res, "dane.tlsa"); len(f) == 1 && f[0].Incomplete != tt.incomplete {
				t.Errorf("incomplete %v", f[0].Incomplete)
			}
			if tt.summary != "" && !strings.Contains(overview(res), tt.summary) {
				t.Errorf("overview lacks %q:\n%s", tt.summary, overview(res))
			}
		})
	}
}

func overview(res *smtpprobe.Result) string {
	var b strings.Builder
	for _, row := range res.Sections(false)[0].Table.Rows {
		b.WriteString(strings.Join(row, ": ") + "\n")
	}
	return b.String()
}

// TestDANESupersedesPKIX: a matching DANE-EE record makes the certificate's
// name, dates and CA moot for DANE senders (RFC 7672 §3.1.1), so those
// findings drop to info; without DANE they stay errors.
func TestDANESupersedesPKIX(t *testing.T) {
	ca := newCA(t)
	// A certificate for another name from a CA the client does not trust.
	rogue := newCA(t)
	cert, err := certgen.Issue(rogue, certgen.Leaf{Names: []string{"mail.elsewhere.test"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := goodConfig(t, ca)
	cfg.TLS = serverTLS(t, ca, certgen.Leaf{Names: []string{"mail.elsewhere.test"}}, 0)
	cfg.TLS.Certificates[0] = cert
	addr := startServer(t, cfg)
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	for _, tt := range []struct {
		host string
		want report.Severity
	}{
		{"ee.lab.test", report.Info},
		{"plain-pkix.lab.test", report.Error},
	} {
		records := []string{}
		if tt.host == "ee.lab.test" {
			records = append(records, fmt.Sprintf("_%s._tcp.ee.lab.test. 300 IN TLSA 3 1 1 %s", port, dane.Digest(1, 1, cert.Leaf)))
		}
		r := dnstest.Start(t, &dnstest.Zone{Records: records, Secure: map[string]bool{"_" + port + "._tcp.ee.lab.test.": true}})
		o := baseOptions(ca)
		o.Resolver, o.QuitAfter = r, smtpprobe.PhaseTLS
		res := smtpprobe.Probe(context.Background(), addr, tt.host, o)
		for _, id := range []string{"smtp.cert_name", "smtp.cert_trust"} {
			f := findingsWith(res, id)
			if len(f) != 1 || f[0].Severity != tt.want {
				t.Errorf("%s %s: %+v, want %s", tt.host, id, f, tt.want)
			}
		}
	}
}
