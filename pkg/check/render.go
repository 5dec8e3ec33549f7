package check

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/dmarc"
	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
	"github.com/mailflowkit/mailflow/pkg/spf"
)

// SummaryTable is the overview that opens a check: one row per probed MX
// address, and one row for a domain that has none.
func SummaryTable(results []*Result) *report.Table {
	t := &report.Table{Header: []string{"Domain", "MX host", "IP", "SMTP/TLS", "Cert days", "DNSBL", "PTR", "Verdict"}}
	for _, res := range results {
		if len(res.Hosts) == 0 {
			t.Rows = append(t.Rows, []string{res.Domain, res.Route.Brief(), "-", "-", "-", "-", "-", res.Verdict()})
			continue
		}
		for i, h := range res.Hosts {
			domain := ""
			if i == 0 {
				domain = res.Domain
			}
			t.Rows = append(t.Rows, []string{domain, fmt.Sprintf("%d %s", h.Preference, h.Host), h.Address.IP.String(),
				smtpCell(h.SMTP), certCell(h.SMTP.TLS), dnsblCell(h.DNSBL), ptrCell(h.Address), h.Verdict()})
		}
	}
	return t
}

func smtpCell(r *smtpprobe.Result) string {
	var s string
	switch {
	case !r.Connected:
		s = "no connection"
	case r.Banner == nil:
		s = "no greeting"
	case r.Banner.Code != 220:
		s = "refused " + strconv.Itoa(r.Banner.Code)
	case r.TLS != nil:
		s = r.TLS.Version
	case r.StartTLSOffered:
		s = "STARTTLS failed"
	case len(r.Extensions) == 0:
		s = "no EHLO reply"
	default:
		s = "no STARTTLS"
	}
	if len(r.AuthBeforeTLS) > 0 {
		s += ", AUTH before TLS"
	}
	if r.Relay != nil && r.Relay.Verdict == "open" {
		s += ", open relay"
	}
	return s
}

// certProblems lists what keeps a certificate from being valid for the
// name senders connect to.
func certProblems(t *smtpprobe.TLSReport) []string {
	var out []string
	switch {
	case t.Expired:
		out = append(out, "expired")
	case t.NotYetValid:
		out = append(out, "not valid yet")
	}
	if !t.NameMatch {
		out = append(out, "does not cover "+t.ServerName)
	}
	if !t.Trusted {
		out = append(out, "untrusted")
	}
	return out
}

func certCell(t *smtpprobe.TLSReport) string {
	if t == nil || len(t.Chain) == 0 {
		return "-"
	}
	s := strconv.Itoa(t.DaysLeft)
	if p := certProblems(t); len(p) > 0 {
		s += " (" + strings.Join(p, ", ") + ")"
	}
	return s
}

func dnsblCell(d *dnsbl.Result) string {
	switch {
	case d == nil:
		return "-"
	case d.Verdict == dnsbl.VerdictListed:
		return "listed: " + strings.Join(d.ListedOn(), ", ")
	case d.Verdict == dnsbl.VerdictIncomplete:
		// A resolver the public lists refuse leaves all of them
		// unchecked; the details name them.
		if u := d.Unchecked(); len(u) <= 2 {
			return "unchecked: " + strings.Join(u, ", ")
		}
		return fmt.Sprintf("unchecked on %d lists", len(d.Unchecked()))
	case d.AllowListed:
		return "clean, allow-listed"
	}
	return "clean"
}

func ptrCell(a mx.Address) string {
	switch a.PTRStatus {
	case "":
		return "-"
	case "ok":
		s := strings.Join(a.PTR, ", ")
		if !a.FCrDNS {
			s += " (not confirmed)"
		}
		return s
	}
	return "none (" + strings.ToUpper(a.PTRStatus) + ")"
}

// Sections are the details of one domain, after the summary: the route
// and its security records, the domain's policies, each session and the
// block-list answers.
func (res *Result) Sections() []report.Section {
	out := res.Route.Sections()
	out = append(out, res.policySection())
	for _, h := range res.Hosts {
		out = append(out, sessionSections(h.SMTP)...)
	}
	if s := res.dnsblSection(); s != nil {
		out = append(out, *s)
	}
	for _, s := range res.Submit {
		if s.SMTP != nil {
			out = append(out, sessionSections(s.SMTP)...)
		}
	}
	return out
}

// sessionSections shows a session's overview; the steps and the rest of a
// session that went well are there with -v, since a check holds many.
func sessionSections(r *smtpprobe.Result) []report.Section {
	out := r.Sections(false)
	if !r.Failed() {
		for i := 1; i < len(out); i++ {
			out[i].Verbose = true
		}
	}
	return out
}

func (res *Result) policySection() report.Section {
	t := &report.Table{Header: []string{"Policy", "Record"}}
	row := func(k, v string) { t.Rows = append(t.Rows, []string{k, v}) }
	row("SPF", orNone(res.SPF.Record))
	if res.SPF.Record != "" {
		lookups := fmt.Sprintf("%d of %d", res.SPF.Lookups, spf.MaxLookups)
		var costs []string
		for _, c := range res.SPF.Costs {
			costs = append(costs, fmt.Sprintf("%s %d", c.Term, c.Lookups))
		}
		if len(costs) > 0 {
			lookups += ": " + strings.Join(costs, ", ")
		}
		row("SPF DNS lookups", lookups)
	}
	d := res.DMARC
	record := orNone(d.Record)
	if d.Record != "" && d.Source != d.Domain {
		record += " (at " + d.Source + ", the organizational domain)"
	}
	row("DMARC", record)
	if d.Policy != "" {
		row("DMARC policy", dmarcPolicyText(d))
	}
	if len(d.Reports) > 0 {
		var dests []string
		for _, r := range d.Reports {
			s := r.Tag + " " + r.Address
			if r.Authorized != nil {
				s += map[bool]string{true: " (authorized)", false: " (not authorized)"}[*r.Authorized]
			}
			dests = append(dests, s)
		}
		row("DMARC reports", strings.Join(dests, ", "))
	}
	return report.Section{Title: "Sender policies of " + res.Domain, Table: t}
}

// dmarcPolicyText sums up what receivers do: the policy for the domain, for
// its subdomains and for names that do not exist, the share it applies to
// and the alignment modes.
func dmarcPolicyText(d *dmarc.Result) string {
	parts := []string{d.Policy}
	if d.Source == d.Domain {
		parts = append(parts, "subdomains "+d.SubdomainPolicy, "nonexistent subdomains "+d.NonexistentPolicy)
	}
	if d.Percent != nil && *d.Percent != 100 {
		parts = append(parts, fmt.Sprintf("pct %d", *d.Percent))
	}
	mode := map[string]string{"r": "relaxed", "s": "strict"}
	parts = append(parts, "DKIM alignment "+mode[d.ADKIM], "SPF alignment "+mode[d.ASPF])
	return strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// dnsblSection lists every block-list answer, each address once.
func (res *Result) dnsblSection() *report.Section {
	t := &report.Table{Header: []string{"Address", "List", "Result", "Answer"}}
	seen := map[string]bool{}
	for _, h := range res.Hosts {
		ip := h.Address.IP.String()
		if h.DNSBL == nil || seen[ip] {
			continue
		}
		seen[ip] = true
		for _, lr := range h.DNSBL.Lists {
			answer := lr.Err
			if len(lr.Codes) > 0 {
				answer = codesText(lr)
			}
			t.Rows = append(t.Rows, []string{ip, lr.Zone, lr.Status.String(), answer})
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return &report.Section{Title: "Block lists for " + res.Domain, Table: t}
}

func codesText(lr dnsbl.ListResult) string {
	codes := make([]string, len(lr.Codes))
	for i, c := range lr.Codes {
		codes[i] = c.String()
	}
	return strings.Join(codes, ", ")
}
