package lab

import (
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/dane"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
)

// daneDomains are the domains of dane.zone; each DANE host takes mail for
// all of them.
var daneDomains = []string{"dane.lab.test", "mismatch.dane.lab.test", "unsigned.dane.lab.test"}

// tlsaHost is a lab host with TLSA records. The lab's keys are new every
// run, so the records are made at start from the certificate the host was
// just given (Lab.tlsaZone); dane.zone holds the rest of the DNS data.
type tlsaHost struct {
	name string
	// own: the records describe the host's own key (DANE-EE) and the lab
	// CA that issued its certificate (DANE-TA). Otherwise they describe a
	// key the host does not have: its certificate was replaced and the
	// TLSA record was not.
	own bool
}

var tlsaHosts = []tlsaHost{
	{"mx.dane.lab.test", true},
	{"mx.mismatch.dane.lab.test", false},
	{"mx.unsigned.dane.lab.test", true},
}

func init() {
	policy := labsmtp.Config{LocalDomains: daneDomains}
	hosts = append(hosts,
		Host{Name: "mx.dane.lab.test", IP: "127.0.0.80", Policy: policy,
			Fault: "none: DNSSEC-signed TLSA records for its key (DANE-EE) and its CA (DANE-TA) that match"},
		Host{Name: "mx.mismatch.dane.lab.test", IP: "127.0.0.81", Policy: policy,
			Fault: "its DNSSEC-signed TLSA record is for a key it no longer has: DANE senders do not deliver"},
		Host{Name: "mx.unsigned.dane.lab.test", IP: "127.0.0.82", Policy: policy,
			Fault: "matching TLSA records in a zone that is not DNSSEC-signed: DANE senders ignore them"},
	)
}

// tlsaZone returns the TLSA records of the DANE hosts as zone text. They
// are published at port 25, where senders look and mx checks, and at the
// lab's SMTP port, where smtp and check connect and so look.
func (l *Lab) tlsaZone() (string, error) {
	ports := []int{25}
	if l.SMTPPort != 25 {
		ports = append(ports, l.SMTPPort)
	}
	var b strings.Builder
	for _, h := range tlsaHosts {
		leaf := l.leaves[h.name]
		if leaf == nil {
			return "", fmt.Errorf("lab DANE host %s has no certificate to publish TLSA records for", h.name)
		}
		records := []string{tlsaRecord(dane.DANEEE, leaf), tlsaRecord(dane.DANETA, l.CA.Cert)}
		if !h.own {
			retired, err := certgen.Issue(l.CA, certgen.Leaf{Names: []string{h.name}})
			if err != nil {
				return "", err
			}
			records = []string{tlsaRecord(dane.DANEEE, retired.Leaf)}
		}
		for _, port := range ports {
			for _, rec := range records {
				fmt.Fprintf(&b, "_%s._tcp.%s. 3600 IN TLSA %s\n", strconv.Itoa(port), h.name, rec)
			}
		}
	}
	return b.String(), nil
}

// tlsaRecord is the "USAGE 1 1 SHA-256-of-the-public-key" record data for
// cert, the form RFC 7671 §5 recommends.
func tlsaRecord(usage uint8, cert *x509.Certificate) string {
	return fmt.Sprintf("%d 1 1 %s", usage, dane.Digest(1, 1, cert))
}

func init() {
	for _, s := range []Scenario{
		{Order: 111, Title: "mx: DANE: DNSSEC-validated TLSA records, and TLSA records in an unsigned zone that senders ignore", Exit: 0,
			Args: func(l *Lab) []string {
				return append(l.GlobalArgs(), "mx", "dane.lab.test", "unsigned.dane.lab.test")
			}},
		{Order: 220, Title: "smtp: DANE: the DNSSEC-signed TLSA record matches the server's key", Exit: 0,
			Args: func(l *Lab) []string { return smtpScenarioArgs(l, "@dane.lab.test", "--quit-after", "tls", "-v") }},
		{Order: 221, Title: "smtp: DANE: a DNSSEC-signed TLSA record for a key the server no longer has", Exit: 1,
			Args: func(l *Lab) []string { return smtpScenarioArgs(l, "@mismatch.dane.lab.test", "--quit-after", "tls") }},
		{Order: 222, Title: "smtp: DANE: TLSA records without DNSSEC, which senders ignore", Exit: 0,
			Args: func(l *Lab) []string { return smtpScenarioArgs(l, "@unsigned.dane.lab.test", "--quit-after", "tls") }},
		{Order: 607, Title: "check: DANE in effect and matching", Exit: 0,
			Args: func(l *Lab) []string { return checkArgs(l, "dane.lab.test") }},
		{Order: 608, Title: "check: DANE TLSA record that matches no key the server presents", Exit: 1,
			Args: func(l *Lab) []string { return checkArgs(l, "mismatch.dane.lab.test") }},
		{Order: 609, Title: "check: DANE TLSA records in an unsigned zone", Exit: 0,
			Args: func(l *Lab) []string { return checkArgs(l, "unsigned.dane.lab.test") }},
	} {
		Register(s)
	}
}
