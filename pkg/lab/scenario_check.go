package lab

import (
	"fmt"
	"os"
	"path/filepath"
)

// checkSpec is the demo's CI spec; %d is the lab's SMTP port.
const checkSpec = `# mailflow check --spec: the expected state of the lab's domains.
version: 1
defaults:
  starttls: true
  min_tls: "1.2"
  cert_days: 30
  not_listed: ["bl.lab.test:bitmask=0.0.0.8"]
domains:
  - domain: good.lab.test
    mx: ["10 mx1.good.lab.test", "20 hub.lab.test"]
    no_open_relay: true
    no_auth_before_tls: ["mx1.good.lab.test:%d"]
    spf: true
    dmarc: true
    dmarc_policy: quarantine
  - domain: listed.lab.test
    mx: [mx.listed.lab.test]
`

// checkArgs builds "check DOMAIN..." against the lab: its DNS, SMTP port,
// CA, MTA-STS policy host and block list.
func checkArgs(l *Lab, domains ...string) []string {
	args := append(append(l.GlobalArgs(), "check"), domains...)
	return append(append(append(args, l.SMTPArgs()...), l.MTASTSPortArgs()...), "--zone", "bl.lab.test")
}

// CheckSpec is a `mailflow check --spec` file for the lab: the healthy
// domain passes every assertion, the listed one fails exactly the
// block-list assertion. Tests and the demo share it.
func (l *Lab) CheckSpec() string { return fmt.Sprintf(checkSpec, l.SMTPPort) }

func init() {
	for _, s := range []Scenario{
		{Order: 600, Title: "check: a healthy domain end to end (MX, SMTP/TLS, block list, SPF, DMARC, MTA-STS)", Exit: 0,
			Args: func(l *Lab) []string {
				return append(append(append(l.GlobalArgs(), "check", "good.lab.test"), append(l.SMTPArgs(), "--zone", "bl.lab.test")...), l.MTASTSPortArgs()...)
			}},
		{Order: 601, Title: "check: a domain whose MX address is on a block list", Exit: 1,
			Args: func(l *Lab) []string {
				return append(append(l.GlobalArgs(), "check", "listed.lab.test"), append(l.SMTPArgs(), "--zone", "bl.lab.test")...)
			}},
		{Order: 602, Title: "check: every seeded fault at once: loop, AUTH before TLS, wrong certificate, open relay, broken SPF and DMARC", Exit: 1,
			Args: func(l *Lab) []string {
				return append(append(l.GlobalArgs(), "check", "loop.lab.test", "authfirst.lab.test", "badcert.lab.test", "relay.lab.test", "policies.lab.test"),
					append(l.SMTPArgs(), "--self", "hub.lab.test", "--relay-test", "--zone", "bl.lab.test")...)
			}},
		{Order: 604, Title: "check --tls-grade: every MX graded against NCSC-NL's TLS guidelines; the TLS 1.0-only one fails", Exit: 1,
			Args: func(l *Lab) []string {
				return append(append(append(l.GlobalArgs(), "check", "good.lab.test", "oldtls.lab.test"), append(l.SMTPArgs(), "--zone", "bl.lab.test", "--tls-grade")...), l.MTASTSPortArgs()...)
			}},
		{Order: 603, Title: "check --spec: CI assertions, one of which fails", Exit: 1,
			Args: func(l *Lab) []string {
				// The spec lives next to the lab CA, in the lab's own directory.
				spec := filepath.Join(filepath.Dir(l.CAFile), "mailflow.yaml")
				if err := os.WriteFile(spec, []byte(l.CheckSpec()), 0o644); err != nil {
					spec = os.DevNull
				}
				return append(append(append(l.GlobalArgs(), "check", "--spec", spec), append(l.SMTPArgs(), "--relay-test")...), l.MTASTSPortArgs()...)
			}},
	} {
		Register(s)
	}
}
