package dnsbl

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

const rfc5782 = "RFC 5782 (DNS blacklists and whitelists)"

// finish settles the verdict and writes the findings, one per list that
// has something to say, plus the notes from resolving a host name.
func (r *Result) finish(t Target, notes []report.Finding) {
	incomplete := false
	for _, n := range notes {
		incomplete = incomplete || n.Incomplete
	}
	checked := 0
	for i := range r.Lists {
		lr := &r.Lists[i]
		subject := lr.Checked()
		if t.Kind == TargetName && lr.Checked() != t.Name.ASCII {
			subject = t.Name.String() + " (" + lr.Checked() + ")"
		}
		if lr.Status != StatusUnchecked && lr.Status != StatusError {
			checked++
		}
		switch {
		case lr.Status == StatusListed && lr.Allow:
			r.AllowListed = true
		case lr.Status == StatusListed:
			r.Verdict = VerdictListed
		case lr.Status == StatusError:
			incomplete = true
		}
		r.Findings = append(r.Findings, lr.findings(subject)...)
	}
	r.Findings = append(r.Findings, notes...)
	if checked == 0 && !incomplete {
		incomplete = true
		r.Findings = append(r.Findings, report.Finding{
			ID: "dnsbl.nothing_to_check", Severity: report.Warning, Incomplete: true, Subject: t.String(),
			Message: fmt.Sprintf("no selected list applies to %s, so nothing was checked", t),
			Fix:     "Select lists of the right kind: IP lists for addresses (and IPv6-capable ones for IPv6), domain lists for domains (--zone NAME:domain for your own).",
		})
	}
	switch {
	case r.Verdict == VerdictListed:
	case incomplete:
		r.Verdict = VerdictIncomplete
	default:
		r.Findings = append(r.Findings, report.Finding{
			ID: "dnsbl.clean", Severity: report.OK, Subject: t.String(),
			Message: fmt.Sprintf("%s is not listed (%s)", t, lookups(checked)),
		})
	}
}

func lookups(n int) string {
	if n == 1 {
		return "1 lookup"
	}
	return fmt.Sprintf("%d lookups", n)
}

// findings are what one lookup tells the user.
func (lr *ListResult) findings(subject string) []report.Finding {
	l := lr.list
	ref := cmp.Or(l.Lookup, rfc5782)
	var out []report.Finding
	switch lr.Status {
	case StatusListed:
		f := report.Finding{
			ID: "dnsbl.listed", Severity: report.Error, Subject: subject,
			Message:  fmt.Sprintf("%s is listed on %s: %s", lr.Checked(), l.Label(), lr.codesText()),
			Evidence: lr.evidence(),
			Fix:      listedFix(l),
			Ref:      ref,
		}
		if lr.Allow {
			f.ID, f.Severity, f.Fix = "dnsbl.allowlisted", report.Info, ""
			f.Message = fmt.Sprintf("%s is on the allow-list %s: %s; receivers using it trust this sender more", lr.Checked(), l.Label(), lr.codesText())
		}
		out = append(out, f)
	case StatusError:
		out = append(out, lr.errorFinding(subject, ref))
	case StatusClean:
		if len(lr.Codes) > 0 {
			out = append(out, report.Finding{
				ID: "dnsbl.code_not_matched", Severity: report.Info, Subject: subject,
				Message: fmt.Sprintf("%s answered %s for %s, which its rule %s does not count as a listing",
					l.Label(), lr.codesText(), lr.Checked(), l.Rule()),
				Evidence: lr.evidence(),
				Fix:      fmt.Sprintf("An MTA using the same rule does not block on this answer. If yours counts it, mirror its rule, for example --zone %s:any.", l.Zone),
				Ref:      ref,
			})
		}
	}
	if len(lr.Ignored) > 0 && lr.failure != failBogus {
		out = append(out, bogusFinding(lr, subject, false))
	}
	return out
}

func (lr *ListResult) errorFinding(subject, ref string) report.Finding {
	l := lr.list
	switch lr.failure {
	case failCode:
		return report.Finding{
			ID: "dnsbl.query_refused", Severity: report.Warning, Incomplete: true, Subject: subject,
			Message:  fmt.Sprintf("%s refused to check %s: %s", l.Label(), lr.Checked(), lr.codesText()),
			Evidence: lr.evidence(),
			Fix: "This is an error answer, not a listing. Query through your own recursive resolver instead of a public one " +
				"(8.8.8.8, 1.1.1.1, 9.9.9.9 and most cloud resolvers are refused), stay under the list's free-use limit, or use the operator's registered or paid access. " +
				"Until then this list protects nothing.",
			Ref: ref,
		}
	case failBogus:
		return bogusFinding(lr, subject, true)
	}
	fix := "Retry later. If it persists, the list's servers or the path to them are failing: compare with dig " + lr.Query + " A on the mail server itself. Lists that rate-limit drop queries from busy resolvers."
	switch lr.failure {
	case failRefused:
		fix = "The resolver refused the query: it does not recurse for this client or blocks the list. Point --dns at a resolver that recurses for you."
	case failMismatch:
		fix = resolver.MismatchFix
	}
	return report.Finding{
		ID: "dnsbl.query_failed", Severity: report.Warning, Incomplete: true, Subject: subject,
		Message:  fmt.Sprintf("could not check %s on %s: %s", lr.Checked(), l.Label(), lr.Err),
		Evidence: []string{lr.Query + " A -> " + lr.Err},
		Fix:      fix,
		Ref:      ref,
	}
}

func bogusFinding(lr *ListResult, subject string, only bool) report.Finding {
	f := report.Finding{
		ID: "dnsbl.bogus_answer", Severity: report.Warning, Subject: subject,
		Message: fmt.Sprintf("%s answered %s for %s: outside 127.0.0.0/8, so not a list code; ignored",
			lr.list.Label(), strings.Join(lr.Ignored, ", "), lr.Checked()),
		Evidence: lr.evidence(),
		Fix: "Such answers come from resolvers that rewrite NXDOMAIN (advertising or 'search' redirection) or from a list whose domain lapsed and was wildcarded. " +
			"Use a resolver that passes answers through unchanged, and drop dead lists.",
		Ref: rfc5782,
	}
	if only {
		f.Incomplete = true
		f.Message += "; the list could not be checked"
	}
	return f
}

// codesText renders the answers with their meanings: "127.0.0.72 (spam
// source, botnet)".
func (lr *ListResult) codesText() string {
	parts := make([]string, len(lr.Codes))
	for i, c := range lr.Codes {
		parts[i] = c.Code.String()
		if c.Meaning != "" {
			parts[i] += " (" + c.Meaning + ")"
		}
	}
	return strings.Join(parts, ", ")
}

func (lr *ListResult) evidence() []string {
	answers := make([]string, 0, len(lr.Codes)+len(lr.Ignored))
	for _, c := range lr.Codes {
		answers = append(answers, c.Code.String())
	}
	answers = append(answers, lr.Ignored...)
	ev := []string{lr.Query + " A -> " + strings.Join(answers, " ")}
	for _, t := range lr.TXT {
		ev = append(ev, lr.Query+" TXT -> "+t)
	}
	return ev
}

func listedFix(l *List) string {
	where := "the list operator's web site"
	if l.Lookup != "" {
		where = l.Lookup
	}
	if l.Kind == KindDomain {
		return "The domain was seen in spam, as a link or a sender. Find how (a compromised web site, a hijacked or leaked mail account, a bulk sender using the domain), " +
			"stop it, then request removal at " + where + ". Requests without a fix come back."
	}
	return "Read the TXT reason and the list's lookup page, then fix the cause before asking for removal: a compromised host or account, an open relay or proxy, " +
		"mail sent from an address range meant for end users, or missing reverse DNS. Then request removal at " + where + "; lists relist addresses that keep sending."
}

func lookupFailed(name resolver.Name, why string) report.Finding {
	return report.Finding{
		ID: "dnsbl.lookup_failed", Severity: report.Warning, Incomplete: true, Subject: name.String(),
		Message: fmt.Sprintf("could not resolve the addresses of %s (%s); those addresses were not checked", name, why),
		Fix:     "Retry, or check the addresses themselves: mailflow dnsbl ADDRESS.",
	}
}

func noAddress(name resolver.Name, st resolver.Status, domainChecked bool) report.Finding {
	f := report.Finding{
		ID: "dnsbl.no_address", Severity: report.Info, Subject: name.String(),
		Message: fmt.Sprintf("%s has no A or AAAA records (%s), so no address was checked on IP lists", name, strings.ToUpper(st.String())),
	}
	if !domainChecked {
		f.Severity, f.Incomplete = report.Warning, true
		f.Fix = "Give the mail server's address or host name, or select domain lists to check the name itself."
	}
	return f
}
