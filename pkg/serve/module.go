package serve

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/check"
	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// DefaultTimeout is a module's probe timeout unless it sets one; it is
// Prometheus' default scrape timeout, and the scrape's own timeout header
// shortens it further.
const DefaultTimeout = 10 * time.Second

// defaultRate is the block-list query rate of the dnsbl and check
// commands, shared here by every probe of a module.
const defaultRate dnsbl.Rate = 20

// Defaults are what a command runs with when a module says nothing else:
// the global flags given to serve (--dns, --timeout...) and the defaults
// the CLI reads from its environment and configuration file. Every module,
// built in or configured, starts from them.
type Defaults struct {
	DNS     []string
	TCP     bool
	Timeout time.Duration // per network attempt, as --timeout
	Retries int
	FailOn  report.Severity
	CAFiles []string
	EHLO    string
	// Self lists who is "us"; nil leaves each command its own default
	// (mx: this machine, check: nobody).
	Self     []string
	Zones    []string
	DNSBLDNS string
}

// Module is one probe recipe: a command and the options it runs with.
type Module struct {
	Name    string
	Command string
	// Origin says where the module was defined: "FILE:LINE" or "built-in".
	Origin string
	// Timeout caps the probe; the scrape timeout may shorten it.
	Timeout time.Duration
	FailOn  report.Severity
	DNS     resolver.Config
	// Options are the module's keys as written, for the status page.
	Options []string

	mx        mx.Options
	compare   string
	smtp      smtpprobe.Options
	check     check.Options
	zones     []dnsbl.List
	zonesFile []dnsbl.List
	rate      dnsbl.Rate
	dnsblDNS  string
	caFiles   []string

	// Shared by every probe of the module, set up by start.
	r, compareR, dnsblR *resolver.Resolver
	lists               []dnsbl.List
	limiter             *dnsbl.Limiter
}

// BuiltinConfig is the configuration without a file: one module per
// command, named after it, with the command's defaults.
func BuiltinConfig(d Defaults) (*Config, error) {
	c := &Config{}
	for _, cmd := range Commands {
		m, err := newModule(cmd, cmd, d)
		if err != nil {
			return nil, err
		}
		c.Modules = append(c.Modules, m)
	}
	return c, nil
}

// newModule returns a module running command with the defaults.
func newModule(name, command string, d Defaults) (*Module, error) {
	m := &Module{
		Name: name, Command: command, Origin: "built-in", Timeout: DefaultTimeout, FailOn: d.FailOn,
		DNS:  resolver.Config{Servers: d.DNS, TCP: d.TCP, Timeout: d.Timeout, Retries: d.Retries},
		rate: defaultRate, dnsblDNS: d.DNSBLDNS, caFiles: d.CAFiles,
	}
	if m.FailOn == report.OK {
		m.FailOn = report.Error
	}
	pool, err := caPool(d.CAFiles)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %v", err)
	}
	if m.zones, err = parseZones(d.Zones); err != nil {
		return nil, fmt.Errorf("zone: %v", err)
	}
	m.mx = mx.DefaultOptions()
	m.mx.Self = d.Self
	m.smtp = smtpprobe.Options{EHLO: d.EHLO, RootCAs: pool}
	m.check = check.Options{Self: d.Self, Probe: smtpprobe.Options{EHLO: d.EHLO, RootCAs: pool}}
	return m, nil
}

// parseZones reads zone specs as mailflow dnsbl --zone does.
func parseZones(specs []string) ([]dnsbl.List, error) {
	var out []dnsbl.List
	for _, s := range specs {
		l, err := dnsbl.ParseZoneSpec(s)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return dnsbl.Merge(out)
}

// maxCAFile bounds one CA bundle; every public root together is ~220 KiB.
const maxCAFile = 4 << 20

// caPool loads PEM CA certificates, nil for none (the system roots).
func caPool(files []string) (*x509.CertPool, error) {
	if len(files) == 0 {
		return nil, nil
	}
	pool := x509.NewCertPool()
	for _, f := range files {
		pem, err := readFile(f, maxCAFile)
		if err != nil {
			return nil, err
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate found", f)
		}
	}
	return pool, nil
}

// start sets up what the module's probes share: its resolvers (and so
// their caches), its block lists and its block-list rate limiter. It
// also rejects option combinations the command would refuse.
func (m *Module) start() error {
	if m.DNS.Timeout <= 0 {
		m.DNS.Timeout = 5 * time.Second
	}
	var err error
	if m.r, err = resolver.New(m.DNS); err != nil {
		return err
	}
	other := func(server string) (*resolver.Resolver, error) {
		if server == "" {
			return nil, nil
		}
		return resolver.New(resolver.Config{Servers: []string{server}, TCP: m.DNS.TCP, Timeout: m.DNS.Timeout, Retries: m.DNS.Retries})
	}
	if m.compareR, err = other(m.compare); err != nil {
		return err
	}
	if m.dnsblR, err = other(m.dnsblDNS); err != nil {
		return err
	}
	if m.lists, err = dnsbl.Merge(m.zones, m.zonesFile); err != nil {
		return err
	}
	if len(m.lists) == 0 {
		m.lists = dnsbl.DefaultLists()
	}
	m.limiter = dnsbl.NewLimiter(m.rate)
	switch m.Command {
	case "mx":
		m.mx.Compare = m.compareR
	case "smtp":
		o := &m.smtp
		o.DialTimeout, o.ReplyTimeout, o.Resolver = m.DNS.Timeout, m.DNS.Timeout, m.r
		if o.TLSOnConnect && o.StartTLS != "" {
			return errors.New("tls_on_connect and starttls exclude each other: the session is encrypted from the start")
		}
		// The recipient of a domain target is only known per probe; any
		// address shows whether the steps fit together.
		if _, err := o.Plan("postmaster@example.org"); err != nil {
			// smtpprobe words it for the command line.
			return errors.New(flagName().ReplaceAllStringFunc(err.Error(), func(f string) string {
				return "smtp." + strings.ReplaceAll(f[2:], "-", "_")
			}))
		}
	case "check":
		o := &m.check
		o.Probe.DialTimeout, o.Probe.ReplyTimeout = m.DNS.Timeout, m.DNS.Timeout
		o.Lists, o.DNSBL, o.Limiter = m.lists, m.dnsblR, m.limiter
	}
	return nil
}

// flagName finds command-line flags in messages meant for the CLI.
var flagName = lazyre.New(`--[a-z][a-z-]*`)

// close releases the module's sockets.
// close closes the modules of c.
func (c *Config) close() {
	for _, m := range c.Modules {
		m.close()
	}
}

func (m *Module) close() {
	for _, r := range []*resolver.Resolver{m.r, m.compareR, m.dnsblR} {
		if r != nil {
			r.Close()
		}
	}
}
