package lint

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sync/errgroup"

	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

// LiveOptions say how Live reaches the network.
type LiveOptions struct {
	// Internal answers as the Exchange servers' own DNS does (--dns);
	// required.
	Internal *resolver.Resolver
	// External is a second resolver (--compare) for split-DNS comparison;
	// nil skips the comparison.
	External *resolver.Resolver
	// Port overrides every connector's smart host port (the lab serves all
	// hosts on one port); 0 uses each connector's Port.
	Port int
	// Timeout bounds each SMTP step (connect, each reply, the handshake).
	Timeout time.Duration
	// RootCAs verify smart host certificates; nil uses the system roots.
	RootCAs *x509.CertPool
	// LocalName is the EHLO name; default "mailflow.invalid".
	LocalName string
	// Client holds the connection and TLS choices for every session
	// (address family, source address, TLS versions, suites, client
	// certificate).
	Client smtpclient.Controls
}

// LiveResult is what the network said about the configuration, for Check
// and for the report.
type LiveResult struct{ data *liveData }

type liveData struct {
	hosts   map[string]*hostLive // by smart host text, lower case
	mx      map[string]*mxLive   // by domain
	ownIPs  map[netip.Addr]string
	ownName map[string]string
	lines   []string
	// port is LiveOptions.Port, to find a connector's probe again.
	port int
}

// hostLive is one smart host: its addresses from both resolvers and the
// SMTP sessions per port.
type hostLive struct {
	host     smartHost
	internal resolver.Addrs
	external *resolver.Addrs
	probes   map[int]*probe
}

// probe is one SMTP session to a smart host's first address.
type probe struct {
	addr     string
	err      error
	banner   string
	starttls bool
	tlsErr   error
	leaf     *x509.Certificate
	chainErr error
}

type mxLive struct {
	status resolver.Status
	hosts  []string
	// ips are the MX hosts' addresses, or the domain's own when it has
	// no MX (RFC 5321 §5.1 implicit MX).
	ips []netip.Addr
}

// maxProbes bounds concurrent SMTP sessions and lookups.
const maxProbes = 8

// Live resolves smart hosts, MX records and server names and opens an SMTP
// session to every smart host. Failures are results, not errors: the error
// is returned only when the context ends first.
func Live(ctx context.Context, c *Config, o LiveOptions) (*LiveResult, error) {
	if o.Internal == nil {
		return nil, errors.New("live checks need a resolver")
	}
	if o.LocalName == "" {
		o.LocalName = "mailflow.invalid"
	}
	topo := buildTopology(c)
	d := &liveData{hosts: map[string]*hostLive{}, mx: map[string]*mxLive{}, ownIPs: map[netip.Addr]string{}, ownName: map[string]string{}, port: o.Port}
	for _, s := range topo.sorted() {
		d.ownName[shortName(s.name)] = s.name
		for f := range s.fqdns {
			d.ownName[f] = s.name
		}
		for a := range s.ips {
			d.ownIPs[a] = s.name
		}
	}
	targets := liveTargets(c, o.Port)
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxProbes)
	for key, t := range targets {
		h := &hostLive{host: t.host, probes: map[int]*probe{}}
		d.hosts[key] = h
		g.Go(func() error {
			h.resolve(gctx, o)
			for _, p := range t.ports {
				pr := h.probe(gctx, o, p, t.serverName)
				mu.Lock()
				h.probes[p] = pr
				mu.Unlock()
			}
			return nil
		})
	}
	for _, dom := range liveDomains(c) {
		m := &mxLive{}
		d.mx[dom] = m
		g.Go(func() error {
			m.lookup(gctx, o.Internal, dom)
			return nil
		})
	}
	for _, s := range topo.sorted() {
		for _, f := range s.fqdnList() {
			g.Go(func() error {
				a := o.Internal.LookupAddrs(gctx, f)
				mu.Lock()
				for _, ip := range a.IPs {
					d.ownIPs[ip.Unmap()] = s.name
				}
				mu.Unlock()
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.lines = d.describe()
	return &LiveResult{data: d}, nil
}

// Lines describe what was looked up and seen, for a report section.
func (r *LiveResult) Lines() []string { return r.data.lines }

type liveTarget struct {
	host       smartHost
	ports      []int
	serverName string
}

// liveTargets collects the smart hosts of enabled connectors (and Exchange
// 2003 virtual servers) with the ports they are used on.
func liveTargets(c *Config, portOverride int) map[string]*liveTarget {
	out := map[string]*liveTarget{}
	add := func(h smartHost, p int) {
		if portOverride > 0 {
			p = portOverride
		}
		k := strings.ToLower(h.text)
		t := out[k]
		if t == nil {
			t = &liveTarget{host: h, serverName: h.name}
			out[k] = t
		}
		for _, q := range t.ports {
			if q == p {
				return
			}
		}
		t.ports = append(t.ports, p)
	}
	for _, o := range append(c.OfKind(KindSendConnector), c.OfKind(KindSMTPConnector)...) {
		if !enabled(o) {
			continue
		}
		for _, h := range smartHosts(o, "SmartHosts") {
			add(h, port(o))
		}
	}
	for _, vs := range c.OfKind(KindVirtualServer) {
		for _, h := range smartHosts(vs, "smart_host") {
			add(h, 25)
		}
	}
	return out
}

// liveDomains are the domains whose MX decides where mail goes: relay
// domains and the recipient domains of MX-routed on-premises connectors.
func liveDomains(c *Config) []string {
	set := map[string]bool{}
	x := &ctx{Config: c}
	for _, d := range x.domains() {
		if !d.authoritative && !strings.Contains(d.domain, "*") {
			set[d.domain] = true
		}
	}
	for _, o := range c.OfKind(KindOutboundConnector) {
		if onPremises(o) && o.True("UseMXRecord") {
			for _, dom := range o.List("RecipientDomains") {
				if dom = normDomain(dom); dom != "" && !strings.Contains(dom, "*") {
					set[dom] = true
				}
			}
		}
	}
	return sortedKeys(set)
}

func (h *hostLive) resolve(ctx context.Context, o LiveOptions) {
	if h.host.isIP() {
		h.internal = resolver.Addrs{IPs: []netip.Addr{h.host.ip}}
		return
	}
	h.internal = o.Internal.LookupAddrs(ctx, h.host.name)
	if o.External != nil {
		a := o.External.LookupAddrs(ctx, h.host.name)
		h.external = &a
	}
}

func (h *hostLive) resolved() bool { return len(h.internal.IPs) > 0 }

func (h *hostLive) probe(ctx context.Context, o LiveOptions, port int, serverName string) *probe {
	if !h.resolved() {
		return nil
	}
	ip := h.internal.IPs[0]
	for _, a := range h.internal.IPs {
		if o.Client.Allows(a) {
			ip = a
			break
		}
	}
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))
	p := &probe{addr: addr}
	opts := smtpclient.Options{DialTimeout: o.Timeout, ReplyTimeout: o.Timeout, LocalName: o.LocalName,
		Network: o.Client.Network, Dialer: o.Client.Dialer()}
	cl, err := smtpclient.Dial(ctx, addr, opts)
	if err != nil {
		p.err = err
		if cl != nil && cl.Banner != nil {
			p.banner = cl.Banner.String()
			cl.Close()
		}
		return p
	}
	defer cl.Close()
	p.banner = cl.Banner.String()
	if _, err := cl.Hello(ctx); err != nil {
		p.err = err
		return p
	}
	p.starttls = cl.HasExt("STARTTLS")
	if p.starttls {
		cfg := &tls.Config{ServerName: serverName, RootCAs: o.RootCAs, MinVersion: tls.VersionTLS10}
		o.Client.Apply(cfg)
		if err := cl.StartTLS(ctx, cfg); err != nil {
			p.tlsErr = err
		} else if certs := cl.TLS.State.PeerCertificates; len(certs) > 0 {
			p.leaf, p.chainErr = certs[0], cl.TLS.VerifyErr
		}
	}
	// What was to be learnt is in; a refused QUIT changes nothing.
	_, _ = cl.Quit(ctx)
	return p
}

func (m *mxLive) lookup(ctx context.Context, r *resolver.Resolver, domain string) {
	a, _ := r.Query(ctx, domain, dns.TypeMX)
	m.status = a.Status
	mxs := resolver.Records[*dns.MX](a)
	sort.Slice(mxs, func(i, j int) bool { return mxs[i].Preference < mxs[j].Preference })
	names := []string{domain}
	if len(mxs) > 0 {
		names = nil
		for _, mx := range mxs {
			n := normDomain(mx.Mx)
			m.hosts = append(m.hosts, n)
			names = append(names, n)
		}
	}
	if !a.Status.Definite() {
		return
	}
	for _, n := range names {
		if n == "" {
			continue // null MX (RFC 7505)
		}
		m.ips = append(m.ips, r.LookupAddrs(ctx, n).IPs...)
	}
}

// mxPointsHome says whether a domain's mail exchangers are this
// organization's own servers.
func (d *liveData) mxPointsHome(domain string) (own, known bool, evidence []string) {
	m := d.mx[domain]
	if m == nil || !m.status.Definite() {
		return false, false, nil
	}
	for _, h := range m.hosts {
		if s, ok := d.ownName[h]; ok {
			return true, true, []string{fmt.Sprintf("MX %s is server %s", h, s)}
		}
		if s, ok := d.ownName[shortName(h)]; ok && !strings.Contains(h, ".") {
			return true, true, []string{fmt.Sprintf("MX %s is server %s", h, s)}
		}
	}
	for _, ip := range m.ips {
		if s, ok := d.ownIPs[ip.Unmap()]; ok {
			return true, true, []string{fmt.Sprintf("MX of %s (%s) resolves to %s, an address of server %s", domain, strings.Join(m.hosts, ", "), ip, s)}
		}
	}
	return false, true, nil
}

// mxAtEXO returns the domains whose MX is Exchange Online.
func (d *liveData) mxAtEXO(domains []string) (exo, evidence []string) {
	for _, dom := range domains {
		m := d.mx[normDomain(dom)]
		if m == nil {
			continue
		}
		for _, h := range m.hosts {
			if strings.HasSuffix(h, ".mail.protection.outlook.com") {
				exo = append(exo, normDomain(dom))
				evidence = append(evidence, fmt.Sprintf("MX of %s: %s", normDomain(dom), h))
				break
			}
		}
	}
	return exo, evidence
}

func (d *liveData) describe() []string {
	var out []string
	for _, k := range sortedKeys(d.hosts) {
		h := d.hosts[k]
		line := fmt.Sprintf("smart host %s: %s", h.host.text, addrText(h.internal))
		if h.external != nil {
			line += "; --compare: " + addrText(*h.external)
		}
		out = append(out, line)
		ports := make([]int, 0, len(h.probes))
		for p := range h.probes {
			ports = append(ports, p)
		}
		sort.Ints(ports)
		for _, p := range ports {
			if pr := h.probes[p]; pr != nil {
				out = append(out, "  "+pr.describe())
			}
		}
	}
	for _, dom := range sortedKeys(d.mx) {
		m := d.mx[dom]
		switch {
		case !m.status.Definite():
			out = append(out, fmt.Sprintf("MX %s: %s", dom, m.status))
		case len(m.hosts) == 0:
			out = append(out, fmt.Sprintf("MX %s: none (%s)", dom, m.status))
		default:
			out = append(out, fmt.Sprintf("MX %s: %s", dom, strings.Join(m.hosts, ", ")))
		}
	}
	return out
}

func addrText(a resolver.Addrs) string {
	if len(a.IPs) == 0 {
		if a.A == nil {
			return "no addresses"
		}
		return a.Status().String()
	}
	var s []string
	for _, ip := range sortedIPs(a.IPs) {
		s = append(s, ip.String())
	}
	return strings.Join(s, ", ")
}

func sortedIPs(ips []netip.Addr) []netip.Addr {
	out := append([]netip.Addr(nil), ips...)
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

func (p *probe) describe() string {
	s := p.addr + ": "
	switch {
	case p.err != nil:
		return s + p.err.Error()
	case !p.starttls:
		return s + "SMTP answers, no STARTTLS"
	case p.tlsErr != nil:
		return s + "STARTTLS failed: " + p.tlsErr.Error()
	case p.leaf != nil:
		return s + "STARTTLS, certificate for " + strings.Join(certNames(p.leaf), ", ")
	}
	return s + "STARTTLS"
}

func certNames(c *x509.Certificate) []string {
	names := append([]string(nil), c.DNSNames...)
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	return names
}
