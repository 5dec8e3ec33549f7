package lab

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/mtasts/ststest"
)

// mtastsIP is the address of the lab's MTA-STS policy host; every
// mta-sts.<domain> name of policy.zone points at it.
const mtastsIP = "127.0.0.60"

// mtastsPolicies are the policy files the policy host serves, by domain.
// The Last-Modified dates go with each domain's _mta-sts id: good.lab.test's
// file is as old as its id, stsid.lab.test's is newer than its id.
func mtastsPolicies(now time.Time) map[string]ststest.Policy {
	enforce := func(mx ...string) string {
		s := "version: STSv1\r\nmode: enforce\r\n"
		for _, m := range mx {
			s += "mx: " + m + "\r\n"
		}
		return s + "max_age: 604800\r\n"
	}
	return map[string]ststest.Policy{
		"good.lab.test":       {Body: enforce("mx1.good.lab.test", "hub.lab.test"), LastModified: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		"stsid.lab.test":      {Body: enforce("mx1.good.lab.test"), LastModified: now},
		"stsnomx.lab.test":    {Body: enforce("mx.elsewhere.example")},
		"ststesting.lab.test": {Body: "version: STSv1\r\nmode: testing\r\nmx: mx.elsewhere.example\r\nmax_age: 86400\r\n"},
		"stsbadtls.lab.test":  {Body: enforce("mx.badcert.lab.test")},
	}
}

// dnssecZones are presented as a validating resolver would show them.
// unsigned.dane.lab.test is an insecure delegation below the signed
// dane.lab.test (no DS record at the parent).
var dnssecZones = map[string]authdns.DNSSEC{"secure.lab.test": authdns.Secure, "bogus.lab.test": authdns.Bogus,
	"dane.lab.test": authdns.Secure, "unsigned.dane.lab.test": authdns.Unsigned}

func dnsOptions() []authdns.Option {
	var out []authdns.Option
	for zone, d := range dnssecZones {
		out = append(out, authdns.WithDNSSEC(zone, d))
	}
	return out
}

// startMTASTS serves the policies on mtastsIP, with certificates from the
// lab CA.
func (l *Lab) startMTASTS(port int) error {
	policies := map[string]ststest.Policy{}
	for domain, p := range mtastsPolicies(time.Now()) {
		policies["mta-sts."+domain] = p
	}
	addr := net.JoinHostPort(mtastsIP, strconv.Itoa(port))
	s, err := ststest.Start(addr, l.CA, policies)
	if err != nil {
		return fmt.Errorf("lab MTA-STS policy host on %s: %w (on macOS, add the address first: sudo ifconfig lo0 alias %s)", addr, err, mtastsIP)
	}
	l.closers = append(l.closers, s)
	l.MTASTSPort = s.Port
	return nil
}

// MTASTSPortArgs point the MTA-STS policy fetch at the lab's policy host;
// check's --ca-file (SMTPArgs) already trusts its certificates.
func (l *Lab) MTASTSPortArgs() []string {
	return []string{"--mta-sts-port", strconv.Itoa(l.MTASTSPort)}
}

// MTASTSArgs are the flags that fetch MTA-STS policies from the lab's
// policy host and trust its certificates, for mx.
func (l *Lab) MTASTSArgs() []string { return append(l.MTASTSPortArgs(), "--ca-file", l.CAFile) }
