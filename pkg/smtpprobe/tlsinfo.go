package smtpprobe

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

// TLSReport is what the TLS handshake showed, judged.
type TLSReport struct {
	Version  string `json:"version"`
	Cipher   string `json:"cipher"`
	Implicit bool   `json:"implicit,omitempty"`
	// ServerName is the name the certificate was checked against.
	ServerName string     `json:"server_name,omitempty"`
	Chain      []CertInfo `json:"chain"`
	// Trusted: the chain leads to a trusted root (ignoring name and dates,
	// which have their own verdicts).
	Trusted     bool   `json:"trusted"`
	TrustError  string `json:"trust_error,omitempty"`
	NameMatch   bool   `json:"name_match"`
	SelfSigned  bool   `json:"self_signed"`
	DaysLeft    int    `json:"days_left"`
	Expired     bool   `json:"expired,omitempty"`
	NotYetValid bool   `json:"not_yet_valid,omitempty"`
	// ClientCertRequested: the server asked for a client certificate;
	// ClientCertSent: one was given (--tls-cert) and presented.
	ClientCertRequested bool `json:"client_cert_requested,omitempty"`
	ClientCertSent      bool `json:"client_cert_sent,omitempty"`

	version     uint16
	certs       []*x509.Certificate
	keyExchange string
}

// ChainPEM returns the certificates the server presented, leaf first, in
// PEM: what --save-chain writes and openssl reads.
func (t *TLSReport) ChainPEM() []byte {
	var out []byte
	for _, c := range t.certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// CertInfo describes one certificate of the chain the server sent.
type CertInfo struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	SANs      []string  `json:"sans,omitempty"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	DaysLeft  int       `json:"days_left"`
	SHA256    string    `json:"sha256"`
}

// Certificates expiring sooner than this are a warning: enough time to
// renew by hand even when automation has silently stopped.
const expiryWarnDays = 30

// daysLeft counts whole days, truncating toward zero: 4.9 days left is 4,
// expired 2.1 days ago is -2.
func daysLeft(notAfter, now time.Time) int {
	return int(notAfter.Sub(now).Hours() / 24)
}

// inspectTLS judges the handshake. Trust, name and dates are checked one by
// one so each gets its own verdict; crypto/x509 would stop at the first.
func inspectTLS(info *smtpclient.TLSInfo, name string, roots *x509.CertPool, implicit bool, now time.Time) *TLSReport {
	st := info.State
	t := &TLSReport{
		Version: tls.VersionName(st.Version), Cipher: tls.CipherSuiteName(st.CipherSuite),
		Implicit: implicit, ServerName: name, version: st.Version, certs: st.PeerCertificates,
		ClientCertRequested: info.ClientCertRequested, ClientCertSent: info.ClientCertSent,
	}
	if st.CurveID != 0 {
		t.keyExchange = st.CurveID.String()
	}
	for _, c := range st.PeerCertificates {
		sans := append([]string{}, c.DNSNames...)
		for _, ip := range c.IPAddresses {
			sans = append(sans, ip.String())
		}
		sum := sha256.Sum256(c.Raw)
		t.Chain = append(t.Chain, CertInfo{
			Subject: c.Subject.String(), Issuer: c.Issuer.String(), SANs: sans,
			NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), DaysLeft: daysLeft(c.NotAfter, now),
			SHA256: hex.EncodeToString(sum[:]),
		})
	}
	if len(st.PeerCertificates) == 0 {
		t.TrustError = "the server sent no certificate"
		return t
	}
	leaf := st.PeerCertificates[0]
	t.DaysLeft = daysLeft(leaf.NotAfter, now)
	t.Expired = now.After(leaf.NotAfter)
	t.NotYetValid = now.Before(leaf.NotBefore)
	t.NameMatch = name != "" && leaf.VerifyHostname(name) == nil
	// CheckSignatureFrom would refuse a parent that is not a CA; a
	// self-signed server certificate usually is not one.
	t.SelfSigned = string(leaf.RawIssuer) == string(leaf.RawSubject) &&
		leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil
	inter := x509.NewCertPool()
	for _, c := range st.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	// Judge trust at a moment the leaf is valid, so an expired certificate
	// from a trusted CA reads as expired, not as untrusted.
	at := now
	if at.After(leaf.NotAfter) {
		at = leaf.NotAfter.Add(-time.Second)
	}
	if at.Before(leaf.NotBefore) {
		at = leaf.NotBefore.Add(time.Second)
	}
	t.Trusted, t.TrustError = verifyTrust(leaf, inter, roots, at)
	return t
}

// verifyTrust checks the chain against the extra roots first and only then
// against the system roots: loading those parses every certificate in the
// system store, which costs more than a whole SMTP session on loopback.
func verifyTrust(leaf *x509.Certificate, inter, extra *x509.CertPool, at time.Time) (bool, string) {
	opts := x509.VerifyOptions{Intermediates: inter, CurrentTime: at}
	if extra != nil {
		opts.Roots = extra
		if _, err := leaf.Verify(opts); err == nil {
			return true, ""
		}
		opts.Roots = nil
	}
	if _, err := leaf.Verify(opts); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// tlsFindings turns the report into verdicts: version, name, dates, trust.
func tlsFindings(t *TLSReport, subject string) []report.Finding {
	f := func(id string, sev report.Severity, msg, fix string, ev ...string) report.Finding {
		return report.Finding{ID: id, Severity: sev, Subject: subject, Message: msg, Fix: fix, Evidence: ev}
	}
	var out []report.Finding
	if t.version < tls.VersionTLS12 {
		out = append(out, f("smtp.tls_version", report.Warning,
			fmt.Sprintf("the server negotiated %s, which RFC 8996 retires; senders that insist on TLS 1.2 will fall back to plain text or give up", t.Version),
			"enable TLS 1.2 and 1.3 on the server and switch off 1.0 and 1.1", "cipher: "+t.Cipher))
	} else {
		out = append(out, f("smtp.tls_version", report.OK, fmt.Sprintf("%s with %s", t.Version, t.Cipher), ""))
	}
	if len(t.Chain) == 0 {
		return append(out, f("smtp.cert_trust", report.Error, "the server completed TLS without a certificate", "configure a certificate for the SMTP service"))
	}
	leaf := t.Chain[0]
	names := "names on the certificate: " + strings.Join(leaf.SANs, ", ")
	if len(leaf.SANs) == 0 {
		names = "the certificate names no host (subject " + leaf.Subject + ")"
	}
	switch {
	case t.ServerName == "":
	case t.NameMatch:
		out = append(out, f("smtp.cert_name", report.OK, "the certificate covers "+t.ServerName, ""))
	case isIP(t.ServerName):
		out = append(out, f("smtp.cert_name", report.Info,
			"connected by IP address, so the certificate could not be matched to a host name",
			"probe the host name senders use (the MX or smart host name) to check the certificate name", names))
	default:
		out = append(out, f("smtp.cert_name", report.Error,
			"the certificate does not cover "+t.ServerName+", the name senders connect to",
			"issue the certificate for the exact host name in the MX record or smart host setting (a SAN entry), or point them at a name the certificate has", names))
	}
	validity := fmt.Sprintf("valid %s to %s", leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly))
	switch {
	case t.NotYetValid:
		out = append(out, f("smtp.cert_expiry", report.Error, "the certificate is not valid yet", "check the server clock and the certificate's start date", validity))
	case t.Expired:
		out = append(out, f("smtp.cert_expiry", report.Error,
			fmt.Sprintf("the certificate expired %d days ago", -t.DaysLeft), "renew the certificate and reload the mail service", validity))
	case t.DaysLeft < expiryWarnDays:
		out = append(out, f("smtp.cert_expiry", report.Warning,
			fmt.Sprintf("the certificate expires in %d days", t.DaysLeft), "renew the certificate now and check why automatic renewal has not happened", validity))
	default:
		out = append(out, f("smtp.cert_expiry", report.OK, fmt.Sprintf("the certificate is valid for %d more days", t.DaysLeft), "", validity))
	}
	switch {
	case t.Trusted:
		out = append(out, f("smtp.cert_trust", report.OK, "the certificate chain leads to a trusted root", ""))
	case t.SelfSigned:
		out = append(out, f("smtp.cert_trust", report.Error,
			"the certificate is self-signed, so no sender can verify it",
			"use a certificate from a public CA (or your internal CA for internal hops, and give it to the senders); pass --ca-file if you trust it on purpose",
			"subject: "+leaf.Subject))
	default:
		out = append(out, f("smtp.cert_trust", report.Error,
			"the certificate chain does not lead to a trusted root",
			"send the full chain (leaf and intermediates) from the server; if an internal CA issued it, pass that CA with --ca-file",
			"issuer: "+leaf.Issuer, "verifier: "+trustReason(t.TrustError)))
	}
	return out
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// trustReason drops crypto/x509's package prefix from its message.
func trustReason(msg string) string { return strings.TrimPrefix(msg, "x509: ") }
