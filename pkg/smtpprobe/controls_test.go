package smtpprobe_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/netip"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// TestTLSClientControls runs the TLS client controls against in-process
// servers: each must change what the handshake does, and the verdict.
func TestTLSClientControls(t *testing.T) {
	ca := newCA(t)
	client, err := certgen.Issue(ca, certgen.Leaf{Names: []string{"client.lab.test"}, Client: true})
	if err != nil {
		t.Fatal(err)
	}
	const inside = "mail.inside.test"
	good := goodConfig(t, ca)
	byIP := good
	byIP.TLS = serverTLS(t, ca, certgen.Leaf{Names: []string{inside}}, 0)
	mutual := good
	mutual.ClientCAs = ca.Pool()
	tls13 := good
	tls13.TLSMinVersion = tls.VersionTLS13
	onlyGCM := good
	onlyGCM.TLS = serverTLS(t, ca, certgen.Leaf{}, tls.VersionTLS12)
	onlyGCM.TLS.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	auth := func(o *smtpprobe.Options) {
		o.User, o.Password, o.QuitAfter = testUser, testPass, smtpprobe.PhaseAuth
	}
	tests := []struct {
		name       string
		cfg        labsmtp.Config
		serverName string
		opts       func(o *smtpprobe.Options)
		// want maps finding IDs to severities.
		want  map[string]report.Severity
		check func(t *testing.T, res *smtpprobe.Result)
	}{
		{"by IP with --tls-name authenticates without --insecure-auth", byIP, "", func(o *smtpprobe.Options) {
			auth(o)
			o.TLSName = inside
		}, map[string]report.Severity{"smtp.cert_name": report.OK, "smtp.cert_trust": report.OK, "smtp.auth": report.OK},
			func(t *testing.T, res *smtpprobe.Result) {
				if res.TLS.ServerName != inside {
					t.Errorf("verified against %q", res.TLS.ServerName)
				}
			}},
		{"by IP without --tls-name: AUTH withheld", byIP, "", auth,
			map[string]report.Severity{"smtp.cert_name": report.Info, "smtp.auth": report.Error}, nil},
		{"client certificate required, none given", mutual, testHost, nil,
			map[string]report.Severity{"smtp.tls_handshake": report.Error}, nil},
		{"client certificate required and given", mutual, testHost, func(o *smtpprobe.Options) { o.Client.ClientCert = &client },
			map[string]report.Severity{"smtp.starttls": report.OK, "smtp.cert_trust": report.OK},
			func(t *testing.T, res *smtpprobe.Result) {
				if !res.TLS.ClientCertRequested || !res.TLS.ClientCertSent {
					t.Errorf("client certificate requested %v, sent %v", res.TLS.ClientCertRequested, res.TLS.ClientCertSent)
				}
			}},
		{"--tls-max 1.2 against a TLS 1.3 server", tls13, testHost, func(o *smtpprobe.Options) { o.Client.MaxVersion = tls.VersionTLS12 },
			map[string]report.Severity{"smtp.tls_handshake": report.Error}, nil},
		{"--tls-min 1.3", tls13, testHost, func(o *smtpprobe.Options) { o.Client.MinVersion = tls.VersionTLS13 },
			map[string]report.Severity{"smtp.tls_version": report.OK}, func(t *testing.T, res *smtpprobe.Result) {
				if res.TLS.Version != "TLS 1.3" {
					t.Errorf("version %s", res.TLS.Version)
				}
			}},
		{"--tls-ciphers the server refuses", onlyGCM, testHost, func(o *smtpprobe.Options) {
			o.Client.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
		}, map[string]report.Severity{"smtp.tls_handshake": report.Error}, nil},
		{"--tls-ciphers the server takes", onlyGCM, testHost, func(o *smtpprobe.Options) {
			o.Client.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
		}, map[string]report.Severity{"smtp.tls_version": report.OK}, func(t *testing.T, res *smtpprobe.Result) {
			if res.TLS.Cipher != "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" {
				t.Errorf("cipher %s", res.TLS.Cipher)
			}
		}},
		{"-6 to an IPv4 server", good, testHost, func(o *smtpprobe.Options) { o.Client.Network = "tcp6" },
			map[string]report.Severity{"smtp.connect": report.Error}, nil},
		{"--source 127.0.0.1", good, testHost, func(o *smtpprobe.Options) { o.Client.Source = netip.MustParseAddr("127.0.0.1") },
			map[string]report.Severity{"smtp.starttls": report.OK}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := startServer(t, tt.cfg)
			o := baseOptions(ca)
			if tt.opts != nil {
				tt.opts(&o)
			}
			res := smtpprobe.Probe(context.Background(), addr, tt.serverName, o)
			for id, sev := range tt.want {
				f := findingsWith(res, id)
				if len(f) == 0 || f[0].Severity != sev {
					t.Errorf("%s: %+v, want %s\n%s", id, f, sev, strings.Join(res.TranscriptLines(false), "\n"))
				}
			}
			if tt.check != nil && !t.Failed() {
				tt.check(t, res)
			}
		})
	}
}

// --connect reaches a host at the address given, with no DNS at all, and
// still judges it under its name.
func TestConnectOverride(t *testing.T) {
	ca := newCA(t)
	addr := startServer(t, goodConfig(t, ca))
	ap := netip.MustParseAddrPort(addr)
	tgt, err := smtpprobe.ParseTarget("mx.lab.test")
	if err != nil {
		t.Fatal(err)
	}
	o := baseOptions(ca)
	o.Port = int(ap.Port())
	o.QuitAfter = smtpprobe.PhaseTLS
	o.Connect = map[string]netip.AddrPort{"mx.lab.test": netip.AddrPortFrom(ap.Addr(), 0)}
	rr := smtpprobe.Run(context.Background(), nil, tgt, o)
	if len(rr.Results) != 1 {
		t.Fatalf("results %+v, findings %+v", rr.Results, rr.Findings)
	}
	res := rr.Results[0]
	if res.Addr() != addr || res.Host != "mx.lab.test" || res.TLS == nil || !res.TLS.NameMatch {
		t.Fatalf("addr %s host %s tls %+v", res.Addr(), res.Host, res.TLS)
	}
	// The presented chain comes back as PEM, leaf first.
	rest := res.TLS.ChainPEM()
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	if len(certs) != 2 || certs[0].Subject.CommonName != testHost || !certs[1].IsCA {
		t.Errorf("chain PEM holds %d certificates", len(certs))
	}
}

func TestParseTLSControls(t *testing.T) {
	for _, in := range []string{"1.2", "TLS1.2", "tlsv1.2", "TLS 1.2"} {
		if v, err := smtpclient.ParseTLSVersion(in); err != nil || v != tls.VersionTLS12 {
			t.Errorf("ParseTLSVersion(%q) = %x, %v", in, v, err)
		}
	}
	if _, err := smtpclient.ParseTLSVersion("1.4"); err == nil {
		t.Error("1.4 accepted")
	}
	ids, err := smtpclient.ParseCipherSuites("tls_ecdhe_rsa_with_aes_128_gcm_sha256, TLS_RSA_WITH_AES_128_CBC_SHA")
	if err != nil || len(ids) != 2 || ids[0] != tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 {
		t.Errorf("ParseCipherSuites = %v, %v", ids, err)
	}
	for _, bad := range []string{"TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", ","} {
		if _, err := smtpclient.ParseCipherSuites(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
