package smtpprobe_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// TestTLSGrade grades three in-process servers: Go's defaults, a server
// stuck at TLS 1.0, and one that accepts every weak thing Go can offer.
func TestTLSGrade(t *testing.T) {
	ca := newCA(t)
	modern := goodConfig(t, ca)
	tls10 := goodConfig(t, ca)
	tls10.TLSMaxVersion = tls.VersionTLS10
	weak := goodConfig(t, ca)
	weak.TLS = serverTLS(t, ca, certgen.Leaf{RSABits: 1024}, tls.VersionTLS12)
	weak.TLS.MinVersion = tls.VersionTLS10
	weak.TLS.CipherSuites = []uint16{tls.TLS_RSA_WITH_RC4_128_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	tests := []struct {
		name     string
		addr     string
		rating   string
		accepted []string
		want     map[string]report.Severity
	}{
		{"Go defaults", startServer(t, modern), smtpprobe.RatingSufficient, []string{"TLS 1.3", "TLS 1.2", "AES-CBC with ECDHE"},
			map[string]report.Severity{"tls.versions": report.OK, "tls.ciphers": report.OK, "tls.key_exchange": report.OK,
				"tls.cert_key": report.OK, "tls.cert_signature": report.OK}},
		{"TLS 1.0 only", startServer(t, tls10), smtpprobe.RatingInsufficient, []string{"TLS 1.0", "AES-CBC with ECDHE"},
			map[string]report.Severity{"tls.versions": report.Error, "tls.ciphers": report.OK, "tls.key_exchange": report.OK}},
		{"everything weak", startServer(t, weak), smtpprobe.RatingInsufficient,
			[]string{"TLS 1.2", "TLS 1.1", "TLS 1.0", "RSA key exchange", "3DES", "RC4", "AES-CBC with ECDHE"},
			map[string]report.Severity{"tls.versions": report.Warning, "tls.ciphers": report.Error, "tls.key_exchange": report.Warning,
				"tls.cert_key": report.Error}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := baseOptions(ca)
			o.TLSGrade, o.QuitAfter = true, smtpprobe.PhaseTLS
			res := smtpprobe.Probe(context.Background(), tt.addr, testHost, o)
			g := res.TLSGrade
			if g == nil {
				t.Fatalf("no grade; findings %+v", res.Findings)
			}
			var accepted []string
			for _, o := range append(g.Versions, g.Suites...) {
				if o.Outcome == smtpprobe.Accepted {
					accepted = append(accepted, o.Name)
				}
				if o.Outcome == smtpprobe.Unknown {
					t.Errorf("%s: unknown (%s)", o.Name, o.Error)
				}
			}
			if strings.Join(accepted, ",") != strings.Join(tt.accepted, ",") {
				t.Errorf("accepted %v, want %v", accepted, tt.accepted)
			}
			if g.Rating != tt.rating {
				t.Errorf("rating %s, want %s", g.Rating, tt.rating)
			}
			for id, sev := range tt.want {
				if f := findingsWith(res, id); len(f) != 1 || f[0].Severity != sev {
					t.Errorf("%s: %+v, want %s", id, f, sev)
				}
			}
			if !strings.Contains(overview(res), "TLS grade: ") {
				t.Errorf("overview lacks the grade:\n%s", overview(res))
			}
		})
	}
}

// A server without STARTTLS cannot be graded, and the result says so.
func TestTLSGradeWithoutTLS(t *testing.T) {
	o := baseOptions(nil)
	o.TLSGrade, o.QuitAfter = true, smtpprobe.PhaseTLS
	res := smtpprobe.Probe(context.Background(), startServer(t, labsmtp.Config{LocalDomains: []string{"lab.test"}}), testHost, o)
	if f := findingsWith(res, "tls.versions"); len(f) != 1 || !f[0].Incomplete || res.TLSGrade != nil {
		t.Fatalf("findings %+v, grade %+v", f, res.TLSGrade)
	}
}
