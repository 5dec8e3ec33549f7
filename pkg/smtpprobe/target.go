package smtpprobe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/bulk"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Target is what the user asked to probe: a host (name or IP, with an
// optional port) or a mail domain (@domain, or a recipient address whose
// domain is used and who becomes the default RCPT).
type Target struct {
	Input     string
	Host      string // host name (A-labels) or IP literal; empty for a domain
	IP        netip.Addr
	Port      int // 0 when not given
	Domain    string
	Recipient string
}

// ParseTarget reads a TARGET argument.
func ParseTarget(s string) (Target, error) {
	t := Target{Input: s}
	in := strings.TrimSpace(s)
	if in == "" {
		return t, fmt.Errorf("empty target")
	}
	if at := strings.LastIndexByte(in, '@'); at >= 0 {
		local := in[:at]
		name, err := resolver.ParseName(in[at+1:])
		if err != nil {
			return t, fmt.Errorf("target %q: %v", s, err)
		}
		t.Domain = name.ASCII
		if local != "" {
			t.Recipient = local + "@" + name.ASCII
			if err := CheckAddress(t.Recipient); err != nil {
				return t, fmt.Errorf("target %q: %v", s, err)
			}
		}
		return t, nil
	}
	if strings.HasPrefix(in, "[") || strings.HasSuffix(in, "]") {
		return addressLiteral(t, s, in)
	}
	host := in
	if h, p, err := net.SplitHostPort(in); err == nil {
		if t.Port, err = parsePort(s, p); err != nil {
			return t, err
		}
		host = h
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		t.IP, t.Host = ip.Unmap(), ip.Unmap().String()
		return t, nil
	}
	name, err := resolver.ParseName(host)
	if err != nil {
		return t, fmt.Errorf("target %q: want host[:port], an IP address, @domain or user@domain: %v", s, err)
	}
	t.Host = name.ASCII
	return t, nil
}

// addressLiteral reads a bracketed address with an optional port:
// [2001:db8::1]:587, and the RFC 5321 forms [IPv6:2001:db8::1] and
// [192.0.2.1] as Received lines and bounces write them.
func addressLiteral(t Target, s, in string) (Target, error) {
	end := strings.IndexByte(in, ']')
	if !strings.HasPrefix(in, "[") || end < 0 {
		return t, fmt.Errorf("target %q: unbalanced brackets; write an IPv6 address as [2001:db8::25] or [2001:db8::25]:587", s)
	}
	inner, rest := in[1:end], in[end+1:]
	if rest != "" {
		p, ok := strings.CutPrefix(rest, ":")
		if !ok {
			return t, fmt.Errorf("target %q: %q after the address; want [address] or [address]:port", s, rest)
		}
		var err error
		if t.Port, err = parsePort(s, p); err != nil {
			return t, err
		}
	}
	if len(inner) > 5 && strings.EqualFold(inner[:5], "IPv6:") {
		inner = inner[5:]
	}
	ip, err := netip.ParseAddr(inner)
	if err != nil || ip.Zone() != "" {
		return t, fmt.Errorf("target %q: [%s] is not an IP address", s, inner)
	}
	t.IP, t.Host = ip.Unmap(), ip.Unmap().String()
	return t, nil
}

func parsePort(s, p string) (int, error) {
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("target %q: port %q is not a number from 1 to 65535", s, p)
	}
	return port, nil
}

// Endpoint is one server to probe.
type Endpoint struct {
	Addr       string // ip:port
	ServerName string // name senders use for it; "" for a bare IP
	Via        string
}

// RunResult is the probe of one target: the route when it was a domain,
// and one result per server probed.
type RunResult struct {
	// Target is what was asked for, as the user gave it.
	Target string `json:"target"`
	// Domain is the mail domain whose MX was probed, for @domain and
	// user@domain targets.
	Domain string     `json:"domain,omitempty"`
	Route  *mx.Result `json:"mx,omitempty"`
	// Results has one session per server probed; empty when no server
	// could be found.
	Results []*Result `json:"results,omitempty"`
	// Findings about reaching the target at all (no MX, host not found);
	// each result carries its own.
	Findings []report.Finding `json:"findings,omitempty"`
}

// AllFindings returns the target-level findings followed by every result's.
func (rr *RunResult) AllFindings() []report.Finding {
	out := append([]report.Finding(nil), rr.Findings...)
	for _, r := range rr.Results {
		out = append(out, r.Findings...)
	}
	return out
}

// Run probes a target: a host or IP directly, a domain through its MX
// (first usable MX, or all with AllMX). r may be nil for IP targets.
func Run(ctx context.Context, r *resolver.Resolver, t Target, o Options) *RunResult {
	o.defaults()
	rr := &RunResult{Target: t.Input, Domain: t.Domain}
	port := o.Port
	if t.Port != 0 {
		port = t.Port
	}
	var eps []Endpoint
	switch {
	case t.Domain != "":
		if len(o.To) == 0 {
			o.defaultRcpt = t.Recipient
			if o.defaultRcpt == "" {
				o.defaultRcpt = "postmaster@" + t.Domain
			}
		}
		eps = rr.mxEndpoints(ctx, r, t.Domain, port, o)
	case t.IP.IsValid():
		eps = []Endpoint{{Addr: net.JoinHostPort(t.IP.String(), strconv.Itoa(port))}}
	default:
		eps = rr.hostEndpoints(ctx, r, t.Host, port, o)
	}
	rr.Results = ProbeAll(ctx, eps, o)
	return rr
}

func (rr *RunResult) fail(sev report.Severity, incomplete bool, subject, msg, fix string) {
	rr.Findings = append(rr.Findings, report.Finding{ID: "smtp.resolve", Severity: sev, Incomplete: incomplete, Subject: subject, Message: msg, Fix: fix})
}

func (rr *RunResult) hostEndpoints(ctx context.Context, r *resolver.Resolver, host string, port int, o Options) []Endpoint {
	// --connect: no lookup; Probe dials the address given.
	if _, ok := o.Connect[strings.ToLower(host)]; ok {
		return []Endpoint{{Addr: net.JoinHostPort("0.0.0.0", strconv.Itoa(port)), ServerName: host}}
	}
	if r == nil {
		rr.fail(report.Error, true, host, "no resolver to look up "+host, "")
		return nil
	}
	a := r.LookupAddrs(ctx, host)
	ips := slices.DeleteFunc(slices.Clone(a.IPs), func(ip netip.Addr) bool { return !o.Client.Allows(ip) })
	switch st := a.Status(); {
	case len(ips) > 0:
		return []Endpoint{{Addr: net.JoinHostPort(ips[0].String(), strconv.Itoa(port)), ServerName: host}}
	case len(a.IPs) > 0:
		rr.fail(report.Error, false, host, fmt.Sprintf("%s has no %s address (it has %s)", host, familyName(o.Client.Network), a.IPs[0]),
			"drop -4/-6, or publish an address of that family")
	case !st.Definite():
		rr.fail(report.Error, true, host, fmt.Sprintf("could not resolve %s (%s)", host, st), "check the DNS servers (--dns) and try again")
	case st == resolver.StatusNXDomain:
		rr.fail(report.Error, false, host, host+" does not exist in DNS (NXDOMAIN)", "check the spelling of the host name")
	default:
		rr.fail(report.Error, false, host, host+" has no A or AAAA record", "publish an address record for the host")
	}
	return nil
}

// mxEndpoints routes the domain with pkg/mx and picks the servers to probe,
// in delivery order, one address each.
func (rr *RunResult) mxEndpoints(ctx context.Context, r *resolver.Resolver, domain string, port int, o Options) []Endpoint {
	if r == nil {
		rr.fail(report.Error, true, domain, "no resolver to look up the MX of "+domain, "")
		return nil
	}
	route, err := mx.Route(ctx, r, domain, mx.Options{Self: []string{}})
	if err != nil {
		rr.fail(report.Error, false, domain, err.Error(), "")
		return nil
	}
	rr.Route = route
	var eps []Endpoint
	for _, t := range route.Targets {
		ip, ok := netip.IPv4Unspecified(), false
		if _, ok = o.Connect[strings.ToLower(t.Host)]; !ok {
			for _, a := range t.Addrs {
				if o.Client.Allows(a.IP) {
					ip, ok = a.IP, true
					break
				}
			}
		}
		if t.Dropped || t.Self || !ok {
			continue
		}
		eps = append(eps, Endpoint{
			Addr:       net.JoinHostPort(ip.String(), strconv.Itoa(port)),
			ServerName: t.Host,
			Via:        fmt.Sprintf("MX %d of %s", t.Preference, domain),
		})
		if route.Implicit {
			eps[len(eps)-1].Via = "implicit MX of " + domain
		}
		if !o.AllMX {
			break
		}
	}
	if len(eps) == 0 {
		for _, f := range route.Findings {
			if f.Severity >= report.Warning || f.Incomplete {
				rr.Findings = append(rr.Findings, f)
			}
		}
		rr.fail(report.Error, route.Outcome == mx.OutcomeUnchecked, domain,
			"no mail server to probe for "+domain+": "+route.Brief(), "run mailflow mx "+domain+" for the routing details")
	}
	return eps
}

func familyName(network string) string {
	if network == "tcp6" {
		return "IPv6"
	}
	return "IPv4"
}

// ProbeAll probes the endpoints concurrently, at most o.Concurrency at a
// time, and returns the results in the endpoints' order.
func ProbeAll(ctx context.Context, eps []Endpoint, o Options) []*Result {
	o.defaults()
	out := make([]*Result, 0, len(eps))
	probe := func(_ context.Context, ep Endpoint) *Result {
		res := Probe(ctx, ep.Addr, ep.ServerName, o)
		res.Via = ep.Via
		return res
	}
	// Every endpoint gets a result, even after ctx ends (the probe says it
	// was cut short), and the window holds them all, so the order is
	// always the endpoints'.
	bulk.Run(context.Background(), slices.Values(eps), bulk.Options{Workers: o.Concurrency, Window: len(eps)}, probe, func(r *Result) error { //nolint:errcheck
		out = append(out, r)
		return nil
	})
	return out
}
