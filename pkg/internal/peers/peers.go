//go:build integration

package peers

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Peers is where the running test servers listen and how to log in to them.
// Every address is a loopback "IP:port".
type Peers struct {
	// DNS is nsd, authoritative for it.test and every other zone file in
	// scripts/peers/zones.
	DNS string
	// DNSBL is rbldnsd, serving bl.it.test and the other datasets listed in
	// scripts/peers/rbl/zones.list.
	DNSBL string
	// Unbound is a validating resolver for dnssec.test (signed, with two
	// records whose signatures were broken: broken.dnssec.test MX and
	// mx.bad.dnssec.test A) and insecure.dnssec.test (unsigned, delegated
	// without DS), served by nsd; it refuses every other name.
	Unbound string
	// Unbound53 is the same unbound on port 53 of a loopback address of its
	// own, for programs that use the C library's resolver (posttls-finger),
	// which reads only addresses from resolv.conf and asks port 53.
	Unbound53 string
	// SMTPGood offers STARTTLS, then AUTH PLAIN, LOGIN and CRAM-MD5 only
	// inside TLS, and refuses to relay for unauthenticated clients.
	SMTPGood string
	// SMTPBad offers AUTH before STARTTLS and relays for anyone on 127.0.0.0/8.
	SMTPBad string
	// SMTPRelay relays for anyone on 127.0.0.0/8 and delivers every message,
	// bounces included, over SMTP to RelayNextHop, returning at once what
	// is refused there, temporary failures too: Postfix's own bounces.
	SMTPRelay string
	// RelayNextHop is the loopback address a test listens on to play the
	// remote server (and the senders' server, which receives the bounces).
	RelayNextHop string
	// SMTPUser and SMTPPass are the SASL login both Postfix instances accept.
	SMTPUser string
	SMTPPass string
	// CAFile is the PEM certificate of the CA that signed both Postfix
	// instances' certificate (names mail.it.test and 127.0.0.1).
	CAFile string
	// Dir holds the servers' logs; empty when the environment does not say.
	Dir string
}

// Hostname is the name in the Postfix certificate and banners.
const Hostname = "mail.it.test"

// Get returns the running peers, failing t when the environment does not
// describe them: integration tests cannot do anything useful without them.
func Get(t testing.TB) Peers {
	t.Helper()
	p, err := fromEnv(os.Getenv)
	if err != nil {
		t.Fatalf("integration peers: %v; run scripts/test.sh, or scripts/peers/up.sh and source the peers.env it writes", err)
	}
	return p
}

// RootCAs returns a pool holding only the test CA, for TLS clients that
// verify the Postfix certificates.
func (p Peers) RootCAs(t testing.TB) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(p.CAFile)
	if err != nil {
		t.Fatalf("integration peers: reading the test CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("integration peers: %s holds no PEM certificate", p.CAFile)
	}
	return pool
}

// fromEnv reads the peers from the environment. It names every missing
// variable at once, and refuses addresses off loopback so that a stray value
// can never point a test at a real server.
func fromEnv(getenv func(string) string) (Peers, error) {
	p := Peers{Dir: getenv("MAILFLOW_IT_DIR")}
	fields := []struct {
		name    string
		dst     *string
		address bool
	}{
		{"MAILFLOW_IT_DNS", &p.DNS, true},
		{"MAILFLOW_IT_DNSBL", &p.DNSBL, true},
		{"MAILFLOW_IT_UNBOUND", &p.Unbound, true},
		{"MAILFLOW_IT_UNBOUND_53", &p.Unbound53, true},
		{"MAILFLOW_IT_SMTP_GOOD", &p.SMTPGood, true},
		{"MAILFLOW_IT_SMTP_BAD", &p.SMTPBad, true},
		{"MAILFLOW_IT_SMTP_RELAY", &p.SMTPRelay, true},
		{"MAILFLOW_IT_RELAY_NEXT_HOP", &p.RelayNextHop, true},
		{"MAILFLOW_IT_SMTP_USER", &p.SMTPUser, false},
		{"MAILFLOW_IT_SMTP_PASS", &p.SMTPPass, false},
		{"MAILFLOW_IT_CA", &p.CAFile, false},
	}
	var missing, problems []string
	for _, f := range fields {
		v := getenv(f.name)
		switch {
		case v == "":
			missing = append(missing, f.name)
		case f.address:
			if err := checkLoopback(v); err != nil {
				problems = append(problems, fmt.Sprintf("%s=%q: %v", f.name, v, err))
			}
		}
		*f.dst = v
	}
	if len(missing) > 0 {
		problems = append([]string{strings.Join(missing, ", ") + " not set"}, problems...)
	}
	if len(problems) > 0 {
		return Peers{}, errors.New(strings.Join(problems, "; "))
	}
	return p, nil
}

func checkLoopback(hostport string) error {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return errors.New("want IP:port")
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return errors.New("host must be a loopback IP address")
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return errors.New("port must be a number from 1 to 65535")
	}
	return nil
}
