// Package lab is mailflow's built-in lab: an authoritative DNS server, SMTP
// servers and a DNS block list, all in-process on 127.0.0.0/8, seeded with
// the faults that break mail flow in the field (an MX that loops back to our
// own hub, a null MX, an MX pointing at a CNAME, AUTH before STARTTLS, a
// certificate for the wrong name, a listed address, an open relay, servers
// that stall or flood). `mailflow lab` serves it; `mailflow demo` runs the
// diagnoses against it. Nothing in the lab talks to the outside world.
//
// Capabilities add their own zone files under zones/ and their own demo
// scenarios with Register.
package lab

import (
	"crypto/tls"
	"crypto/x509"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
)

//go:embed zones/*.zone
var zoneFiles embed.FS

// Options choose where the lab listens.
type Options struct {
	// DNSAddr for the lab DNS server; default 127.0.0.1 on a free port.
	DNSAddr string
	// SMTPPort shared by every lab mail host (each has its own loopback IP);
	// 0 picks a free one.
	SMTPPort int
	// Dir receives the lab CA certificate (ca.pem); default a new temp dir,
	// removed on Close.
	Dir string
	// MTASTSPort for the MTA-STS policy host; 0 picks a free one.
	MTASTSPort int
}

// Lab is a running lab.
type Lab struct {
	DNSAddr  string
	SMTPPort int
	// MTASTSPort is where the policy host serves HTTPS (policy.go).
	MTASTSPort int
	CA         *certgen.CA
	// CAFile is the lab CA in PEM, for --ca-file.
	CAFile string
	Hosts  []Host

	dir     string
	ownsDir bool
	closers []io.Closer
	// leaves are the certificates the lab CA issued to its hosts, by host
	// name, for the TLSA records made from them.
	leaves map[string]*x509.Certificate
}

// Zone returns the lab's zone text: the embedded zone files plus A and PTR
// records for every host.
func Zone() (string, error) {
	var b strings.Builder
	entries, err := zoneFiles.ReadDir("zones")
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		data, err := zoneFiles.ReadFile("zones/" + e.Name())
		if err != nil {
			return "", err
		}
		b.Write(data)
		b.WriteString("\n")
	}
	b.WriteString("$ORIGIN 127.in-addr.arpa.\n@ 3600 IN SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 300\n@ 3600 IN NS ns.lab.test.\n")
	for _, h := range hosts {
		fmt.Fprintf(&b, "%s. 3600 IN A %s\n", h.Name, h.IP)
		if !h.NoPTR {
			rev := strings.Split(h.IP, ".")
			fmt.Fprintf(&b, "%s.%s.%s.%s.in-addr.arpa. 3600 IN PTR %s.\n", rev[3], rev[2], rev[1], rev[0], h.Name)
		}
	}
	return b.String(), nil
}

// Start brings the lab up. On error, whatever started is stopped.
//
// The mail hosts bind first and the DNS server last: the TLSA records of
// the DANE hosts (dane.go) are made from the certificates the hosts were
// just given and name the SMTP port they bound, so the zone is complete
// only then.
func Start(o Options) (_ *Lab, err error) {
	// The named result is nil on every error return, so the cleanup holds
	// its own reference to what was started so far.
	l := &Lab{Hosts: hosts, leaves: map[string]*x509.Certificate{}}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	if l.CA, err = certgen.NewCA("mailflow lab CA"); err != nil {
		return nil, err
	}
	l.dir = o.Dir
	if l.dir == "" {
		if l.dir, err = os.MkdirTemp("", "mailflow-lab-"); err != nil {
			return nil, err
		}
		l.ownsDir = true
	}
	l.CAFile = filepath.Join(l.dir, "ca.pem")
	if err := os.WriteFile(l.CAFile, l.CA.PEM(), 0o644); err != nil {
		return nil, err
	}
	if err := l.startHosts(o.SMTPPort); err != nil {
		return nil, err
	}
	if err := l.startMTASTS(o.MTASTSPort); err != nil {
		return nil, err
	}
	zone, err := Zone()
	if err != nil {
		return nil, err
	}
	tlsa, err := l.tlsaZone()
	if err != nil {
		return nil, err
	}
	if o.DNSAddr == "" {
		o.DNSAddr = "127.0.0.1:0"
	}
	dnsSrv, err := authdns.Start(o.DNSAddr, zone+tlsa, append(dnsRules(), dnsOptions()...)...)
	if err != nil {
		return nil, fmt.Errorf("lab DNS on %s: %w", o.DNSAddr, err)
	}
	l.closers = append(l.closers, dnsSrv)
	l.DNSAddr = dnsSrv.Addr
	return l, nil
}

// startHosts binds every host on the same port. With port 0 it lets the
// kernel pick one for the first host and retries when another host's
// address has that port taken.
func (l *Lab) startHosts(port int) error {
	for try := 0; ; try++ {
		started, err := l.startHostsOn(port)
		if err == nil {
			l.closers = append(l.closers, started...)
			return nil
		}
		for _, c := range started {
			c.Close()
		}
		var addrErr *hostBindError
		if port != 0 || try >= 20 || !errors.As(err, &addrErr) {
			return err
		}
	}
}

type hostBindError struct{ err error }

func (e *hostBindError) Error() string { return e.err.Error() }
func (e *hostBindError) Unwrap() error { return e.err }

func (l *Lab) startHostsOn(port int) ([]io.Closer, error) {
	var started []io.Closer
	for i, h := range hosts {
		addr := net.JoinHostPort(h.IP, strconv.Itoa(port))
		c, bound, err := l.startHost(h, addr)
		if err != nil {
			err = fmt.Errorf("lab host %s on %s: %w (on macOS, add the address first: sudo ifconfig lo0 alias %s)", h.Name, addr, err, h.IP)
			if i > 0 {
				err = &hostBindError{err}
			}
			return started, err
		}
		started = append(started, c)
		if port == 0 {
			_, p, _ := net.SplitHostPort(bound)
			port, _ = strconv.Atoi(p)
		}
	}
	l.SMTPPort = port
	return started, nil
}

func (l *Lab) startHost(h Host, addr string) (io.Closer, string, error) {
	if h.Hostile != "" {
		s, err := labsmtp.StartHostile(addr, h.Hostile)
		if err != nil {
			return nil, "", err
		}
		return s, s.Addr, nil
	}
	cfg := h.Policy
	cfg.Addr, cfg.Hostname = addr, h.Name
	if !h.NoTLS {
		names := h.CertNames
		if len(names) == 0 {
			names = []string{h.Name}
		}
		cert, err := certgen.Issue(l.CA, certgen.Leaf{Names: names})
		if err != nil {
			return nil, "", err
		}
		l.leaves[h.Name] = cert.Leaf
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s, err := labsmtp.Start(cfg)
	if err != nil {
		return nil, "", err
	}
	return s, s.Addr, nil
}

// Close stops every lab server and removes the temporary directory.
func (l *Lab) Close() error {
	var first error
	for i := len(l.closers) - 1; i >= 0; i-- {
		if err := l.closers[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	l.closers = nil
	if l.ownsDir {
		os.RemoveAll(l.dir)
	}
	return first
}

// GlobalArgs are the mailflow flags that point a command at the lab DNS.
func (l *Lab) GlobalArgs() []string { return []string{"--dns", l.DNSAddr} }

// SMTPArgs are the smtp flags that reach lab hosts and trust the lab CA.
func (l *Lab) SMTPArgs() []string {
	return []string{"--port", strconv.Itoa(l.SMTPPort), "--ca-file", l.CAFile}
}

// Scenario is one demo step: a mailflow command line run against the lab.
type Scenario struct {
	// Order sorts scenarios: 100s mx, 200s smtp, 300s dnsbl, 400s ndr, 500s lint, 600s check.
	Order int
	Title string
	// Exit is the exit code the command must end with against the lab: the
	// demo shows faults, so most scenarios end in 1 (a problem found).
	Exit int
	// Args builds the command line (without "mailflow") for a running lab.
	Args func(l *Lab) []string
}

var (
	scenarioMu sync.Mutex
	scenarios  []Scenario
)

// Register adds a demo scenario; capabilities call it from init.
func Register(s Scenario) {
	scenarioMu.Lock()
	defer scenarioMu.Unlock()
	scenarios = append(scenarios, s)
}

// Scenarios returns the registered scenarios in demo order.
func Scenarios() []Scenario {
	scenarioMu.Lock()
	defer scenarioMu.Unlock()
	out := append([]Scenario(nil), scenarios...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}
