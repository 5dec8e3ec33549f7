// Package check runs a domain's whole mail-flow health check by chaining
// the capability packages the way an administrator diagnoses by hand: the
// MX route (pkg/mx), then for every MX address at once, bounded, an SMTP
// session that stops after EHLO and STARTTLS (pkg/smtpprobe) and the
// address's block-list status (pkg/dnsbl), beside the domain's SPF
// (pkg/spf) and DMARC (pkg/dmarc) records. MTA-STS (policy fetched and
// validated, pkg/mtasts), TLS-RPT, DNSSEC and DANE come with the route; what
// the sessions learned decides whether senders that enforce the MTA-STS
// policy can deliver. It also reads the CI spec format (LoadSpec) and turns
// a spec into pass/fail assertions.
//
// It judges nothing itself that those packages already judge: their
// findings are passed on unchanged except for the subject, which names the
// host and address so that findings from different sources read together.
// It never sends a message (sessions end after TLS; the optional relay test
// never reaches DATA) and has no output format of its own beyond sections.
package check

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/mailflowkit/mailflow/pkg/dmarc"
	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/mtasts"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
	"github.com/mailflowkit/mailflow/pkg/spf"
)

// Limits that keep one hostile domain from turning a check into a scan:
// real senders try a handful of addresses, and a spec is a short list.
const (
	// MaxAddresses is how many MX addresses of one domain are probed.
	MaxAddresses = 32
	// DefaultConcurrency is how many addresses are probed at once.
	DefaultConcurrency = 8
	// MaxConcurrency caps --concurrency.
	MaxConcurrency = 256
	// domainsAtOnce bounds the domains whose DNS work runs in parallel;
	// their SMTP sessions share the Concurrency bound.
	domainsAtOnce = 16
)

// Options shape a check.
type Options struct {
	// Self lists names or addresses that are "us". Unlike mx, nil means
	// nobody: a check looks at a domain from the outside.
	Self []string
	// Seed makes the order of equal-preference MX hosts reproducible.
	Seed uint64
	// Probe shapes every SMTP session (EHLO name, CA pool, timeouts, relay
	// test). QuitAfter and Resolver are set by the check.
	Probe smtpprobe.Options
	// Port is the SMTP port of the MX hosts; default 25.
	Port int
	// Lists are the block lists; nil means dnsbl's default set, an empty
	// non-nil slice none at all.
	Lists []dnsbl.List
	// DNSBL answers the block-list queries; nil uses the main resolver.
	// Lists served by their own name server (a local rbldnsd) need it.
	DNSBL *resolver.Resolver
	// Limiter paces block-list queries; nil does not limit.
	Limiter *dnsbl.Limiter
	// Concurrency bounds the SMTP sessions in flight; default
	// DefaultConcurrency.
	Concurrency int
	// Trace keeps the route's DNS exchanges, for verbose output.
	Trace bool
	// MTASTS fetches and validates the MTA-STS policy of domains that
	// publish one; nil only judges the _mta-sts record.
	MTASTS *mtasts.FetchOptions
}

// Target is one domain to check, with the submission endpoints (host:port)
// whose AUTH offer is also examined.
type Target struct {
	Domain     string
	Submission []string
}

// Result is everything learned about one domain.
type Result struct {
	Domain string     `json:"domain"`
	Route  *mx.Result `json:"mx,omitempty"`
	// Hosts are the MX addresses probed, one entry per host and address.
	Hosts  []*Host       `json:"hosts,omitempty"`
	SPF    *spf.Result   `json:"spf,omitempty"`
	DMARC  *dmarc.Result `json:"dmarc,omitempty"`
	Submit []*Submission `json:"submission,omitempty"`
	// Findings are every package's findings about the domain, subjects
	// naming host and address.
	Findings []report.Finding `json:"findings,omitempty"`
}

// Host is one MX address: the session with it and its block-list status.
// The address's fields (ip, class, ptr...) are inline, as in an mx target.
type Host struct {
	Host       string `json:"host"`
	Preference uint16 `json:"preference"`
	mx.Address
	// SMTP is the session with the address, DNSBL its block-list lookups
	// (none when no list was selected).
	SMTP  *smtpprobe.Result `json:"smtp,omitempty"`
	DNSBL *dnsbl.Result     `json:"dnsbl,omitempty"`
	// Findings are the session's and the block lists' findings plus the
	// route's findings about this address.
	Findings []report.Finding `json:"-"`
}

// Submission is one submission endpoint probed for AUTH before TLS.
type Submission struct {
	// Target is the endpoint as the spec gives it, "host:port".
	Target string            `json:"target"`
	SMTP   *smtpprobe.Result `json:"smtp,omitempty"`
	// Findings hold the probe's findings, or why there was no probe.
	Findings []report.Finding `json:"-"`
}

// Label names the host and address the way every finding about it does.
func (h *Host) Label() string { return h.Host + " [" + h.Address.IP.String() + "]" }

// Verdict sums up the host in one word, like mx's verdicts.
func (h *Host) Verdict() string { return Verdict(h.Findings) }

// Verdict is error, unchecked, warning or ok for a set of findings, with
// the precedence the exit codes have.
func Verdict(fs []report.Finding) string {
	// mx already defines the words and their precedence for a route.
	return (&mx.Result{Findings: fs}).Verdict()
}

// Run checks every target, several at once, and returns the results in the
// targets' order. The error is for an invalid domain; network trouble is
// reported in the results as incomplete findings.
func Run(ctx context.Context, r *resolver.Resolver, targets []Target, o Options) ([]*Result, error) {
	for _, t := range targets {
		if _, err := mx.ParseDomain(t.Domain); err != nil {
			return nil, err
		}
	}
	c := newChecker(r, o)
	out := make([]*Result, len(targets))
	sem := make(chan struct{}, domainsAtOnce)
	var wg sync.WaitGroup
	for i, t := range targets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = c.domain(ctx, t)
		})
	}
	wg.Wait()
	return out, nil
}

type checker struct {
	r     *resolver.Resolver
	o     Options
	probe smtpprobe.Options
	// sessions bounds the SMTP sessions of every domain together.
	sessions chan struct{}
}

func newChecker(r *resolver.Resolver, o Options) *checker {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Port <= 0 {
		o.Port = 25
	}
	if o.Self == nil {
		o.Self = []string{}
	}
	if o.DNSBL == nil {
		o.DNSBL = r
	}
	p := o.Probe
	// Stop after TLS: the check learns what it needs without MAIL FROM.
	p.QuitAfter = smtpprobe.PhaseTLS
	p.Resolver = r
	p.Script, p.Expect = nil, nil
	return &checker{r: r, o: o, probe: p, sessions: make(chan struct{}, o.Concurrency)}
}

func (c *checker) domain(ctx context.Context, t Target) *Result {
	name, _ := mx.ParseDomain(t.Domain)
	res := &Result{Domain: name.ASCII}
	var wg sync.WaitGroup
	wg.Go(func() { res.SPF = spf.Check(ctx, c.r, name.ASCII) })
	wg.Go(func() { res.DMARC = dmarc.Check(ctx, c.r, name.ASCII) })
	for _, ep := range t.Submission {
		sub := &Submission{Target: ep}
		res.Submit = append(res.Submit, sub)
		wg.Go(func() { c.submission(ctx, sub) })
	}
	// Route only fails for an invalid name, which Run has ruled out.
	res.Route, _ = mx.Route(ctx, c.r, name.ASCII, mx.Options{Self: c.o.Self, Security: true, PTR: true, Seed: c.o.Seed, Trace: c.o.Trace, MTASTS: c.o.MTASTS})
	var left int
	res.Hosts, left = c.hosts(res.Route)
	c.probeHosts(ctx, res.Hosts)
	if left > 0 {
		res.Findings = append(res.Findings, report.Finding{ID: "check.addresses_capped", Severity: report.Info, Subject: res.Domain,
			Message: fmt.Sprintf("the MX hosts have %d more addresses than the %d a check probes; those were not probed", left, MaxAddresses)})
	}
	wg.Wait()
	res.collect()
	return res
}

// hosts lists the MX addresses a sender would try: every address of every
// target that is not us, each host and address once, at most MaxAddresses;
// left counts the addresses beyond that. Only addresses of the family the
// probe may use count (-4/-6), and a host the probe is told to reach at a
// given address (--connect) has that one address.
func (c *checker) hosts(route *mx.Result) (out []*Host, left int) {
	seen := map[string]bool{}
	for _, t := range route.Targets {
		if t.Self || t.Dropped {
			continue
		}
		addrs := slices.DeleteFunc(slices.Clone(t.Addrs), func(a mx.Address) bool { return !c.probe.Client.Allows(a.IP) })
		if ap, ok := c.probe.Connect[strings.ToLower(t.Host)]; ok {
			addrs = []mx.Address{{IP: ap.Addr()}}
		}
		for _, a := range addrs {
			key := t.Host + " " + a.IP.String()
			switch {
			case seen[key]:
			case len(out) == MaxAddresses:
				left++
			default:
				out = append(out, &Host{Host: t.Host, Preference: t.Preference, Address: a})
			}
			seen[key] = true
		}
	}
	return out, left
}

// probeHosts runs every host's session and block-list lookups. One address
// shared by several hosts is looked up on the lists once.
func (c *checker) probeHosts(ctx context.Context, hosts []*Host) {
	lists := map[netip.Addr]*dnsblLookup{}
	for _, h := range hosts {
		if lists[h.Address.IP] == nil && (c.o.Lists == nil || len(c.o.Lists) > 0) {
			lists[h.Address.IP] = &dnsblLookup{}
		}
	}
	var wg sync.WaitGroup
	for ip, l := range lists {
		wg.Go(func() {
			l.res = dnsbl.CheckIP(ctx, c.o.DNSBL, ip, dnsbl.Options{Lists: c.o.Lists, Limiter: c.o.Limiter})
		})
	}
	for _, h := range hosts {
		wg.Go(func() {
			c.sessions <- struct{}{}
			defer func() { <-c.sessions }()
			h.SMTP = smtpprobe.Probe(ctx, net.JoinHostPort(h.Address.IP.String(), strconv.Itoa(c.o.Port)), h.Host, c.probe)
			h.SMTP.Via = fmt.Sprintf("MX %d", h.Preference)
		})
	}
	wg.Wait()
	for _, h := range hosts {
		if l := lists[h.Address.IP]; l != nil {
			h.DNSBL = l.res
		}
	}
}

type dnsblLookup struct{ res *dnsbl.Result }

// submission probes one host:port endpoint. Port 465 is implicit TLS
// (RFC 8314), where AUTH can only ever come after TLS.
func (c *checker) submission(ctx context.Context, s *Submission) {
	fail := func(sev report.Severity, incomplete bool, msg string) {
		s.Findings = append(s.Findings, report.Finding{ID: "check.submission", Severity: sev, Incomplete: incomplete, Subject: s.Target, Message: msg,
			Fix: "check the host name and port of the submission service in the spec"})
	}
	host, port, err := net.SplitHostPort(s.Target)
	if err != nil {
		fail(report.Error, false, "not a host:port endpoint: "+err.Error())
		return
	}
	addr, serverName := host, ""
	if _, err := netip.ParseAddr(host); err != nil {
		a := c.r.LookupAddrs(ctx, host)
		switch st := a.Status(); {
		case len(a.IPs) == 0 && !st.Definite():
			fail(report.Warning, true, fmt.Sprintf("could not resolve %s (%s)", host, st))
			return
		case len(a.IPs) == 0:
			fail(report.Error, false, fmt.Sprintf("%s has no address (%s)", host, st))
			return
		}
		addr, serverName = a.IPs[0].String(), host
	}
	o := c.probe
	// The relay test and the TLS grade are about the MX hosts.
	o.RelayTest, o.TLSGrade = false, false
	o.TLSOnConnect = port == "465"
	c.sessions <- struct{}{}
	defer func() { <-c.sessions }()
	s.SMTP = smtpprobe.Probe(ctx, net.JoinHostPort(addr, port), serverName, o)
	s.SMTP.Via = "submission"
	s.Findings = relabel(s.SMTP.Findings, s.Target)
}

// collect gathers the findings in reading order: route, per host, domain
// policies, submission endpoints.
func (res *Result) collect() {
	res.Findings = append(slices.Clone(res.Route.Findings), res.Findings...)
	for _, h := range res.Hosts {
		label := h.Label()
		for _, f := range res.Route.Findings {
			if f.Subject == h.Address.IP.String() {
				h.Findings = append(h.Findings, f)
			}
		}
		own := relabel(h.SMTP.Findings, label)
		if h.DNSBL != nil {
			own = append(own, relabel(h.DNSBL.Findings, label)...)
		}
		own = append(own, res.mtastsTLS(h)...)
		h.Findings = append(h.Findings, own...)
		res.Findings = append(res.Findings, own...)
	}
	res.Findings = append(res.Findings, res.SPF.Findings...)
	res.Findings = append(res.Findings, res.DMARC.Findings...)
	for _, s := range res.Submit {
		res.Findings = append(res.Findings, s.Findings...)
	}
}

// mtastsTLS says whether senders that apply the domain's MTA-STS policy
// can deliver to the host, from what its session learned.
func (res *Result) mtastsTLS(h *Host) []report.Finding {
	sec := res.Route.Security
	if sec == nil || !sec.MTASTSPolicy.Active() {
		return nil
	}
	r := h.SMTP
	ht := mtasts.HostTLS{Host: h.Host, Label: h.Label(), STARTTLS: r.StartTLSOffered, TLS: r.TLS != nil}
	// A session that never got to EHLO, or broke off before TLS for a
	// reason that was not a verdict (a timeout), says nothing about TLS.
	ht.Unchecked = !r.Connected || r.Banner == nil || r.Banner.Code != 220 || len(r.ExtensionsBeforeTLS)+len(r.Extensions) == 0
	if r.TLS == nil && slices.ContainsFunc(r.Findings, func(f report.Finding) bool { return f.Incomplete }) {
		ht.Unchecked = true
	}
	if t := r.TLS; t != nil {
		ht.Trusted, ht.NameMatch, ht.Expired, ht.NotYetValid = t.Trusted, t.NameMatch, t.Expired, t.NotYetValid
	}
	return sec.MTASTSPolicy.TLSFindings([]mtasts.HostTLS{ht})
}

// relabel copies findings with the subject set to label.
func relabel(fs []report.Finding, label string) []report.Finding {
	out := make([]report.Finding, len(fs))
	for i, f := range fs {
		f.Subject = label
		out[i] = f
	}
	return out
}

// Verdict sums up the whole domain.
func (res *Result) Verdict() string { return Verdict(res.Findings) }
