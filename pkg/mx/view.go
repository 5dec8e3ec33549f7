package mx

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Brief describes the route in one line, for summaries and bulk output.
func (r *Result) Brief() string {
	switch r.Outcome {
	case OutcomeNXDomain:
		return "NXDOMAIN: the domain does not exist"
	case OutcomeNullMX:
		return "null MX: accepts no mail"
	case OutcomeImplicit:
		return "no MX, implicit MX: " + ipList(r.Targets[0].Addrs)
	case OutcomeNoRoute:
		if r.Implicit {
			return "no MX and no address: nowhere to deliver"
		}
	case OutcomeUnchecked:
		if len(r.Targets) == 0 {
			return "MX lookup failed"
		}
	}
	const shown = 4
	var parts []string
	for i, t := range r.Targets {
		if i == shown {
			parts = append(parts, fmt.Sprintf("+%d more", len(r.Targets)-shown))
			break
		}
		s := fmt.Sprintf("%d %s", t.Preference, t.Host)
		switch {
		case t.Self:
			s += " (us)"
		case t.Status != resolver.StatusOK:
			s += " (" + strings.ToUpper(t.Status.String()) + ")"
		}
		parts = append(parts, s)
	}
	prefix := ""
	switch r.Outcome {
	case OutcomeLoop:
		prefix = "loop: "
	case OutcomeNoRoute:
		prefix = "no usable target: "
	}
	return prefix + strings.Join(parts, ", ")
}

// BulkLine renders an item as one line of bulk text output: verdict,
// domain, route and the IDs of the findings that matter.
func BulkLine(it Item) string {
	if it.Result == nil {
		return fmt.Sprintf("%-9s %s: %v", "bad", it.Source, it.Err)
	}
	var ids []string
	for _, f := range it.Result.Findings {
		if (f.Severity >= report.Warning || f.Incomplete) && !slices.Contains(ids, f.ID) {
			ids = append(ids, f.ID)
		}
	}
	line := fmt.Sprintf("%-9s %-30s %s", it.Result.Verdict(), it.Result.Domain.String(), it.Result.Brief())
	if len(ids) > 0 {
		line += "  [" + strings.Join(ids, " ") + "]"
	}
	return line
}

// Sections renders the result for people: in verbose mode the DNS trace
// and the dnsdiag-style host list first, then the route, the
// mail-security records and the split-DNS comparison.
func (r *Result) Sections() []report.Section {
	var out []report.Section
	if len(r.Trace) > 0 {
		lines := []string{}
		for _, e := range r.Trace {
			lines = append(lines, strings.Split(e.Line(), "\n")...)
		}
		out = append(out, report.Section{Title: "DNS queries for " + r.Domain.String(), Lines: lines, Verbose: true})
	}
	if len(r.Targets) > 0 {
		out = append(out, report.Section{Title: "Target hostnames and IP addresses", Lines: r.hostLines(), Verbose: true})
	}
	out = append(out, r.routeSection())
	if s := r.securitySection(); s != nil {
		out = append(out, *s)
	}
	if s := r.dnssecSection(); s != nil {
		out = append(out, *s)
	}
	if r.SplitDNS != nil {
		out = append(out, r.splitSection())
	}
	return out
}

// hostLines lists every target with its addresses, the way dnsdiag ends
// its output.
func (r *Result) hostLines() []string {
	var lines []string
	for _, t := range r.Targets {
		lines = append(lines, fmt.Sprintf("HostName: %q (preference %d, group %d)", t.Host, t.Preference, t.Group))
		if len(t.Addrs) == 0 {
			lines = append(lines, "    no address: "+strings.ToUpper(t.Status.String()))
		}
		for _, a := range t.Addrs {
			line := "    " + a.IP.String()
			if rev := reverseText(a); rev != "" {
				line += "  PTR " + rev
			}
			lines = append(lines, line)
		}
	}
	return lines
}

func (r *Result) routeSection() report.Section {
	s := report.Section{Title: "Mail route for " + r.Domain.String()}
	if len(r.CNAME) > 0 {
		s.Lines = append(s.Lines, "alias: "+strings.Join(append([]string{r.Domain.ASCII}, r.CNAME...), " -> "))
	}
	switch r.Outcome {
	case OutcomeNXDomain:
		s.Lines = append(s.Lines, "the domain does not exist (NXDOMAIN): senders bounce at once")
		return s
	case OutcomeNullMX:
		s.Lines = append(s.Lines, "null MX (MX 0 .): the domain accepts no mail (RFC 7505)")
		return s
	case OutcomeUnchecked:
		switch {
		case len(r.Targets) > 0:
		case r.mxStatus == resolver.StatusMismatch:
			s.Lines = append(s.Lines, "the resolver's MX answer was for another question and was not used: the route is unknown")
			return s
		default:
			s.Lines = append(s.Lines, "the MX lookup got no answer: the route is unknown")
			return s
		}
	}
	switch {
	case r.Implicit && r.Outcome == OutcomeNoRoute:
		s.Lines = append(s.Lines, "no MX records and no address records: senders have nothing to connect to")
	case r.Implicit:
		s.Lines = append(s.Lines, "no MX records: senders use the domain's own addresses (implicit MX, preference 0)")
	}
	t := &report.Table{Header: []string{"Group", "Pref", "Target", "Address", "Reverse DNS"}}
	shuffled := map[int]int{}
	for _, tg := range r.Targets {
		shuffled[tg.Group]++
		t.Rows = append(t.Rows, targetRows(tg)...)
	}
	s.Table = t
	for g := 1; g <= len(r.Targets); g++ {
		if shuffled[g] > 1 {
			s.Lines = append(s.Lines, "targets in one group share a preference: senders try them in random order (RFC 5321 §5.1); this is one draw")
			break
		}
	}
	return s
}

func targetRows(t Target) [][]string {
	name := t.Host
	if t.HostUnicode != "" {
		name += " (" + t.HostUnicode + ")"
	}
	if len(t.CNAME) > 0 {
		name += " -> " + t.CNAME[len(t.CNAME)-1]
	}
	switch {
	case t.Self:
		name += " [us]"
	case t.Dropped:
		name += " [dropped]"
	}
	first := []string{fmt.Sprint(t.Group), fmt.Sprint(t.Preference), name}
	if len(t.Addrs) == 0 {
		return [][]string{append(first, strings.ToUpper(t.Status.String()), "")}
	}
	rows := make([][]string, 0, len(t.Addrs))
	for i, a := range t.Addrs {
		row := []string{"", "", ""}
		if i == 0 {
			row = first
		}
		addr := a.IP.String()
		if a.Class != "" {
			addr += " (" + a.Class + ")"
		}
		rows = append(rows, append(row, addr, reverseText(a)))
	}
	return rows
}

func reverseText(a Address) string {
	switch a.PTRStatus {
	case "":
		return ""
	case resolver.StatusOK.String():
		names := strings.Join(a.PTR, ", ")
		if a.FCrDNS {
			return names + " (confirmed)"
		}
		return names + " (does not resolve back)"
	}
	return "none (" + strings.ToUpper(a.PTRStatus) + ")"
}

func (r *Result) securitySection() *report.Section {
	if r.Security == nil {
		return nil
	}
	dane := "none"
	var secured []string
	for _, t := range r.Targets {
		if len(t.TLSA) > 0 {
			secured = append(secured, fmt.Sprintf("%s (%d TLSA)", t.Host, len(t.TLSA)))
		}
	}
	if len(secured) > 0 {
		dane = "not in effect (not DNSSEC-validated): " + strings.Join(secured, ", ")
		if r.Security.DANE {
			dane = "in effect: " + strings.Join(secured, ", ")
		}
	}
	return &report.Section{
		Title: "Mail security",
		Table: &report.Table{Header: []string{"Mechanism", "Status"}, Rows: [][]string{
			{"DNSSEC (answers on the route)", r.dnssecText()},
			{"DANE (TLSA at _25._tcp.<mx>)", dane},
			{"MTA-STS (_mta-sts TXT)", orNone(r.Security.MTASTS)},
			{"MTA-STS policy", r.Security.MTASTSPolicy.Summary()},
			{"TLS-RPT (_smtp._tls TXT)", orNone(r.Security.TLSRPT)},
		}},
	}
}

// dnssecText counts the route's answers by DNSSEC state, "secure 3,
// insecure 1".
func (r *Result) dnssecText() string {
	if len(r.DNSSECNames) == 0 {
		return "-"
	}
	count := map[resolver.DNSSEC]int{}
	for _, n := range r.DNSSECNames {
		count[n.Status]++
	}
	var parts []string
	for _, st := range []resolver.DNSSEC{resolver.DNSSECSecure, resolver.DNSSECUnvalidated, resolver.DNSSECInsecure, resolver.DNSSECBogus, resolver.DNSSECUnchecked} {
		if count[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, count[st]))
		}
	}
	return strings.Join(parts, ", ") + fmt.Sprintf(" (of %d answers)", len(r.DNSSECNames))
}

// dnssecSection lists the state of every answer. It is shown unasked
// when something on the route is signed; an all-unsigned route says so in
// one row of the security section.
func (r *Result) dnssecSection() *report.Section {
	if len(r.DNSSECNames) == 0 {
		return nil
	}
	t := &report.Table{Header: []string{"Name", "Type", "DNSSEC"}}
	verbose := true
	for _, n := range r.DNSSECNames {
		t.Rows = append(t.Rows, []string{n.Name, n.Type, string(n.Status)})
		verbose = verbose && (n.Status == resolver.DNSSECInsecure || n.Status == resolver.DNSSECUnchecked)
	}
	return &report.Section{Title: "DNSSEC on the mail route of " + r.Domain.String(), Table: t, Verbose: verbose}
}

func orNone(v []string) string {
	if len(v) == 0 {
		return "none"
	}
	return strings.Join(v, " | ")
}

func (r *Result) splitSection() report.Section {
	s := report.Section{Title: "Split DNS: compared with " + r.SplitDNS.Server}
	if len(r.SplitDNS.Differences) == 0 {
		s.Lines = []string{"no differences"}
		return s
	}
	t := &report.Table{Header: []string{"Name", "Record", "Here", "There"}}
	for _, d := range r.SplitDNS.Differences {
		t.Rows = append(t.Rows, []string{d.Name, d.What, strings.Join(d.Here, ", "), strings.Join(d.There, ", ")})
	}
	s.Table = t
	return s
}
