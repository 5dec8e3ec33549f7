package lab

import (
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
)

// smtpDomains are the lab domains of smtp.zone; every smtp lab host takes
// mail for all of them.
var smtpDomains = []string{"expiring.lab.test", "expired.lab.test", "selfsigned.lab.test", "oldtls.lab.test",
	"rejecting.lab.test", "plain.lab.test", "misnamed.lab.test", "lab.test"}

// smtpCertSpec is a certificate the lab CA cannot give: a chosen lifetime,
// or no CA at all.
type smtpCertSpec struct {
	name  string
	valid time.Duration
	// pinned certificates are written to the file the smtp scenarios pass
	// with --ca-file, so their host shows its own fault and not also
	// "self-signed"; the self-signed host is left out on purpose.
	pinned bool
}

var smtpCertSpecs = []smtpCertSpec{
	{"mx.expiring.lab.test", 5 * 24 * time.Hour, true},
	{"mx.expired.lab.test", -10 * 24 * time.Hour, true},
	{"mx.oldtls.lab.test", 0, true},
	{"mx.selfsigned.lab.test", 0, false},
}

// smtpCerts makes the certificates on first use, so commands that never
// start the lab pay nothing for them.
var smtpCerts = sync.OnceValues(func() (map[string]tls.Certificate, error) {
	out := map[string]tls.Certificate{}
	for _, s := range smtpCertSpecs {
		c, err := certgen.Issue(nil, certgen.Leaf{Names: []string{s.name}, Valid: s.valid})
		if err != nil {
			return nil, err
		}
		out[s.name] = c
	}
	return out, nil
})

// smtpTLS serves the named certificate from smtpCerts.
func smtpTLS(name string) *tls.Config {
	return &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		certs, err := smtpCerts()
		if err != nil {
			return nil, err
		}
		c := certs[name]
		return &c, nil
	}}
}

// smtpPinnedFile writes the pinned certificates next to the lab CA and
// returns the file's path, for --ca-file.
func smtpPinnedFile(l *Lab) (string, error) {
	certs, err := smtpCerts()
	if err != nil {
		return "", err
	}
	var data []byte
	for _, s := range smtpCertSpecs {
		if s.pinned {
			data = append(data, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs[s.name].Certificate[0]})...)
		}
	}
	path := filepath.Join(filepath.Dir(l.CAFile), "smtp-pinned.pem")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", fmt.Errorf("writing the smtp lab certificates: %w", err)
	}
	return path, nil
}

func init() {
	policy := labsmtp.Config{LocalDomains: smtpDomains}
	rejecting := policy
	rejecting.RejectRcpt = map[string]*smtp.SMTPError{
		"nobody@rejecting.lab.test":     {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<nobody@rejecting.lab.test>: Recipient address rejected: User unknown"},
		"greylisted@rejecting.lab.test": {Code: 450, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "<greylisted@rejecting.lab.test>: Recipient address rejected: Greylisted, try again later"},
	}
	withTLS := func(name string, maxVersion uint16) labsmtp.Config {
		p := policy
		p.TLS, p.TLSMaxVersion = smtpTLS(name), maxVersion
		return p
	}
	hosts = append(hosts,
		Host{Name: "mx.expiring.lab.test", IP: "127.0.0.50", Fault: "certificate expires in 5 days",
			NoTLS: true, Policy: withTLS("mx.expiring.lab.test", 0)},
		Host{Name: "mx.expired.lab.test", IP: "127.0.0.51", Fault: "certificate expired 10 days ago",
			NoTLS: true, Policy: withTLS("mx.expired.lab.test", 0)},
		Host{Name: "mx.selfsigned.lab.test", IP: "127.0.0.52", Fault: "self-signed certificate",
			NoTLS: true, Policy: withTLS("mx.selfsigned.lab.test", 0)},
		Host{Name: "mx.oldtls.lab.test", IP: "127.0.0.53", Fault: "speaks TLS 1.0 only",
			NoTLS: true, Policy: withTLS("mx.oldtls.lab.test", tls.VersionTLS10)},
		Host{Name: "lmtp.lab.test", IP: "127.0.0.54", Fault: "none: an LMTP server (one reply per recipient after DATA)",
			NoTLS: true, Policy: labsmtp.Config{LMTP: true, LocalDomains: labDomains}},
		Host{Name: "smtps.lab.test", IP: "127.0.0.55", Fault: "none: implicit TLS from the first byte (port 465 style), AUTH PLAIN/LOGIN",
			Policy: labsmtp.Config{ImplicitTLS: true, LocalDomains: labDomains, Users: labUsers}},
		Host{Name: "mx.rejecting.lab.test", IP: "127.0.0.56", Fault: "refuses nobody@ with 550 5.1.1 and defers greylisted@ with 450 4.7.1",
			Policy: rejecting},
		Host{Name: "mx.plain.lab.test", IP: "127.0.0.57", Fault: "offers no STARTTLS", NoTLS: true, Policy: policy},
		Host{Name: "mx.misnamed.lab.test", IP: "127.0.0.58", Fault: "its PTR names a dial-up pool host, not the name it announces",
			NoPTR: true, Policy: policy},
		Host{Name: "stall.hostile.lab.test", IP: "127.0.0.59", Fault: "answers EHLO, then never answers again",
			Hostile: labsmtp.StallAfterEHLO, NoTLS: true},
	)
}
