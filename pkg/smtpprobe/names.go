package smtpprobe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// lookupNames starts the reverse and forward lookups of the server's
// address while the session runs, so they add no time to it.
func (s *session) lookupNames(ctx context.Context) {
	if s.o.Resolver == nil {
		return
	}
	host, _, err := net.SplitHostPort(s.c.RemoteAddr)
	if err != nil {
		return
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return
	}
	s.names = make(chan *Names, 1)
	go func() { s.names <- reverseNames(ctx, s.o.Resolver, ip.Unmap()) }()
}

func reverseNames(ctx context.Context, r *resolver.Resolver, ip netip.Addr) *Names {
	n := &Names{}
	a, ptrs, err := r.LookupPTR(ctx, ip)
	switch {
	case a != nil:
		n.PTRStatus = a.Status.String()
	case err != nil:
		n.PTRStatus = "error"
	}
	for _, p := range ptrs {
		n.PTR = append(n.PTR, strings.TrimSuffix(p, "."))
	}
	for _, p := range n.PTR {
		if slices.Contains(r.LookupAddrs(ctx, p).IPs, ip) {
			n.ForwardConfirmed = true
			break
		}
	}
	return n
}

// hostField returns the first word of a banner or EHLO line when it looks
// like a host name (RFC 5321 §4.2: the server's domain comes first).
func hostField(line string) string {
	f := strings.Fields(line)
	if len(f) == 0 {
		return ""
	}
	h := strings.TrimSuffix(f[0], ".")
	if _, ok := dns.IsDomainName(h); !ok || !strings.Contains(h, ".") || strings.ContainsAny(h, "*[]()<>") {
		return ""
	}
	return strings.ToLower(h)
}

func sameName(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

// nameFinding compares what the server calls itself (banner, EHLO) with
// the PTR of its address and the name we connected to. Seed 004: a server
// facing the Internet announces its public FQDN, and that name's reverse
// DNS points back at it.
func nameFinding(n *Names, connected string, checkedPTR bool) report.Finding {
	f := report.Finding{ID: "smtp.ehlo_name", Severity: report.OK}
	announced := n.EHLO
	if announced == "" {
		announced = n.Banner
	}
	f.Evidence = []string{fmt.Sprintf("banner name: %s, EHLO name: %s", orNone(n.Banner), orNone(n.EHLO))}
	if checkedPTR {
		f.Evidence = append(f.Evidence, fmt.Sprintf("PTR: %s (%s)", orNone(strings.Join(n.PTR, ", ")), n.PTRStatus))
	}
	if connected != "" {
		f.Evidence = append(f.Evidence, "connected to: "+connected)
	}
	fixName := "set the server's announced FQDN (banner and EHLO) to its public name and publish a PTR record for its address that points at that name, with an A record back"
	switch {
	case announced == "":
		f.Severity, f.Message = report.Info, "the server announces no host name in its banner or EHLO reply"
		f.Fix = fixName
	case !checkedPTR:
		f.Message = "the server calls itself " + announced
		aliasNote(&f, announced, connected)
	case n.PTRStatus != "ok" && n.PTRStatus != "nodata" && n.PTRStatus != "nxdomain":
		f.Severity, f.Incomplete = report.Info, true
		f.Message = "could not look up the reverse DNS of the server's address (" + n.PTRStatus + ")"
	case len(n.PTR) == 0:
		f.Severity, f.Message, f.Fix = report.Warning, "the server's address has no reverse DNS (PTR); it calls itself "+announced, fixName
	case !slices.ContainsFunc(n.PTR, func(p string) bool { return sameName(p, announced) }):
		f.Severity, f.Fix = report.Warning, fixName
		f.Message = fmt.Sprintf("the server calls itself %s but its address reverse-resolves to %s", announced, strings.Join(n.PTR, ", "))
	case !n.ForwardConfirmed:
		f.Severity, f.Fix = report.Warning, fixName
		f.Message = fmt.Sprintf("the PTR name %s does not resolve back to the server's address", strings.Join(n.PTR, ", "))
	default:
		f.Message = fmt.Sprintf("the server calls itself %s, which matches the reverse DNS of its address", announced)
		aliasNote(&f, announced, connected)
	}
	return f
}

// aliasNote flags a server reached under another name than the one it
// announces. Harmless for an MX alias, but a smart host's FQDN must be the
// name on its certificate and its receive connector (seed 001).
func aliasNote(f *report.Finding, announced, connected string) {
	if connected == "" || isIP(connected) || sameName(announced, connected) {
		return
	}
	f.Severity = report.Info
	f.Message += fmt.Sprintf("; we connected to it as %s", connected)
	f.Fix = "fine for an MX alias as long as the certificate covers " + connected + "; a smart host should announce the same FQDN senders use for it"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
