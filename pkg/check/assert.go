package check

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// Assertion is the verdict on one spec assertion about one domain, host
// address or endpoint.
type Assertion struct {
	Domain string `json:"domain"`
	// Name is the spec key: mx, starttls, min_tls, cert_days, not_listed,
	// no_open_relay, no_auth_before_tls, spf, dmarc, dmarc_policy.
	Name string `json:"assertion"`
	// Subject is the host and address or endpoint; empty for the domain.
	Subject string `json:"subject,omitempty"`
	Want    string `json:"want"`
	Got     string `json:"got"`
	Pass    bool   `json:"pass"`
	// Skipped says why the assertion could not be evaluated (a timeout, a
	// lookup without answer); Pass is then false but nothing failed.
	Skipped string `json:"skipped,omitempty"`
	// Source is where the spec asserts it ("mailflow.yaml:7").
	Source   string   `json:"source"`
	Evidence []string `json:"evidence,omitempty"`
	Fix      string   `json:"-"`

	location report.Location
}

// Finding turns the verdict into a finding: OK when it passed, an error
// when it failed, incomplete when it could not be evaluated.
func (a Assertion) Finding() report.Finding {
	loc := a.location
	f := report.Finding{ID: "check.spec." + a.Name, Subject: a.Domain, Location: &loc, Ref: "spec " + a.Source, Evidence: a.Evidence}
	if a.Subject != "" {
		f.Subject = a.Subject
	}
	switch {
	case a.Pass:
		f.Severity, f.Message = report.OK, fmt.Sprintf("%s holds: %s", a.Name, a.Got)
	case a.Skipped != "":
		f.Severity, f.Incomplete = report.Warning, true
		f.Message = fmt.Sprintf("%s could not be evaluated: %s", a.Name, a.Skipped)
	default:
		f.Severity, f.Fix = report.Error, a.Fix
		f.Message = fmt.Sprintf("%s fails: want %s, got %s", a.Name, a.Want, a.Got)
	}
	return f
}

// Evaluate checks every assertion of d against the result of checking its
// domain, assertion by assertion, host by host.
func (d *DomainSpec) Evaluate(res *Result) []Assertion {
	e := evaluator{d: d, res: res}
	if d.MX != nil {
		e.mx()
	}
	r := d.Rules
	if r.StartTLS != nil && *r.StartTLS {
		e.perHost("starttls", "STARTTLS works", "enable STARTTLS with a valid certificate on every MX host; without it senders deliver in clear text or not at all", e.startTLS)
	}
	if r.MinTLS != 0 {
		e.perHost("min_tls", tls.VersionName(r.MinTLS)+" or newer", "turn off protocol versions older than "+tls.VersionName(r.MinTLS)+" in the server's TLS settings", e.minTLS)
	}
	if r.CertDays != nil {
		n := *r.CertDays
		e.perHost("cert_days", fmt.Sprintf("valid for the MX name, %d+ days left", n),
			"renew the certificate, or correct its names or chain, before it falls below the spec's margin", func(h *Host) (string, bool, string) { return e.certDays(h, n) })
	}
	if len(r.NotListed) > 0 {
		zones := make([]string, len(r.NotListed))
		for i, l := range r.NotListed {
			zones[i] = l.Zone
		}
		e.perHost("not_listed", "not listed on "+strings.Join(zones, ", "),
			"read the list's reason in the evidence, remove the cause, then ask the list for removal", func(h *Host) (string, bool, string) { return e.notListed(h, r.NotListed) })
	}
	if r.NoOpenRelay != nil && *r.NoOpenRelay {
		e.perHost("no_open_relay", "relay refused",
			"take unauthenticated mail only for the domains the server hosts; let only authenticated users relay", e.noOpenRelay)
	}
	for _, s := range res.Submit {
		got, pass, skipped := submissionAuth(s)
		e.add(Assertion{Name: "no_auth_before_tls", Subject: s.Target, Want: "no AUTH before TLS", Got: got, Pass: pass, Skipped: skipped,
			Fix: "offer AUTH on submission only after STARTTLS, or use implicit TLS on port 465"}, s.Findings)
	}
	if r.SPF != nil && *r.SPF {
		got, pass, skipped := policy(res.SPF.Record, res.SPF.Findings)
		e.add(Assertion{Name: "spf", Want: "one valid record", Got: got, Pass: pass, Skipped: skipped,
			Fix: "publish exactly one v=spf1 record within the 10-lookup limit"}, res.SPF.Findings)
	}
	if r.DMARC != nil && *r.DMARC {
		got, pass, skipped := policy(res.DMARC.Record, dmarcRecordFindings(res.DMARC.Findings))
		e.add(Assertion{Name: "dmarc", Want: "one valid record", Got: got, Pass: pass, Skipped: skipped,
			Fix: "publish exactly one valid v=DMARC1 record at _dmarc." + res.Domain}, res.DMARC.Findings)
	}
	if r.DMARCPolicy != "" {
		e.dmarcPolicy(r.DMARCPolicy)
	}
	return e.out
}

type evaluator struct {
	d   *DomainSpec
	res *Result
	out []Assertion
}

// related are the prefixes of the finding IDs that explain why an
// assertion failed; the session-level ones explain every SMTP assertion.
var related = map[string][]string{
	"starttls":           {"smtp.starttls", "smtp.tls_handshake"},
	"min_tls":            {"smtp.tls_version", "smtp.starttls", "smtp.tls_handshake"},
	"cert_days":          {"smtp.cert_"},
	"not_listed":         {"dnsbl."},
	"no_open_relay":      {"smtp.relay"},
	"no_auth_before_tls": {"smtp.auth_tls_only", "check.submission"},
	"spf":                {"spf."},
	"dmarc":              {"dmarc."},
	"dmarc_policy":       {"dmarc."},
}

var sessionIDs = []string{"smtp.connect", "smtp.timeout", "smtp.protocol", "smtp.banner"}

// maxEvidence bounds the lines copied into one assertion.
const maxEvidence = 12

// add records an assertion; when it did not pass, the findings among
// sources that explain it become its evidence.
func (e *evaluator) add(a Assertion, sources []report.Finding) {
	a.Domain = e.res.Domain
	a.location = e.d.origins[a.Name]
	a.Source = where(a.location)
	if !a.Pass {
		for _, f := range sources {
			if f.Severity == report.OK || !relatedTo(a.Name, f.ID) {
				continue
			}
			a.Evidence = append(a.Evidence, f.ID+": "+say(f))
			a.Evidence = append(a.Evidence, f.Evidence...)
		}
		if len(a.Evidence) > maxEvidence {
			a.Evidence = append(a.Evidence[:maxEvidence], fmt.Sprintf("(%d more lines)", len(a.Evidence)-maxEvidence))
		}
	}
	e.out = append(e.out, a)
}

func relatedTo(name, id string) bool {
	ids := related[name]
	if strings.HasPrefix(id, "smtp.") {
		ids = append(slices.Clip(ids), sessionIDs...)
	}
	return slices.ContainsFunc(ids, func(p string) bool { return strings.HasPrefix(id, p) })
}

// perHost asserts judge on every probed MX address. A domain without any
// is one failed assertion (or skipped when DNS did not answer).
func (e *evaluator) perHost(name, want, fix string, judge func(*Host) (got string, pass bool, skipped string)) {
	if len(e.res.Hosts) == 0 {
		a := Assertion{Name: name, Want: want, Got: "no MX host to connect to: " + e.res.Route.Brief(), Fix: "publish MX records for the domain's mail servers"}
		if e.res.Route.Outcome == mx.OutcomeUnchecked {
			a.Skipped = "the MX lookup got no answer"
		}
		e.add(a, nil)
		return
	}
	for _, h := range e.res.Hosts {
		got, pass, skipped := judge(h)
		e.add(Assertion{Name: name, Subject: h.Label(), Want: want, Got: got, Pass: pass, Skipped: skipped, Fix: fix}, h.Findings)
	}
}

func (e *evaluator) mx() {
	route := e.res.Route
	var want, got []string
	for _, h := range e.d.MX {
		want = append(want, mxText(h.Preference, h.Host))
	}
	for _, t := range route.Targets {
		got = append(got, mxText(int(t.Preference), t.Host))
	}
	a := Assertion{Name: "mx", Want: strings.Join(want, ", "), Got: strings.Join(got, ", "),
		Fix: "publish exactly the MX records the spec lists, or update the spec if the change was intended"}
	switch route.Outcome {
	case mx.OutcomeUnchecked:
		if len(route.Targets) == 0 {
			a.Skipped = "the MX lookup got no answer"
		}
	case mx.OutcomeNXDomain, mx.OutcomeNullMX:
		a.Got = route.Brief()
	}
	if a.Got == "" {
		a.Got = route.Brief()
	}
	a.Evidence = mxDiff(e.d.MX, route.Targets)
	a.Pass = a.Skipped == "" && len(route.Targets) > 0 && len(a.Evidence) == 0
	e.add(a, nil)
}

func mxText(pref int, host string) string {
	if pref < 0 {
		return host
	}
	return fmt.Sprintf("%d %s", pref, host)
}

// mxDiff lists how the published targets differ from the expected hosts.
func mxDiff(want []MXHost, targets []mx.Target) []string {
	var out []string
	for _, w := range want {
		i := slices.IndexFunc(targets, func(t mx.Target) bool { return strings.EqualFold(t.Host, w.Host) })
		switch {
		case i < 0:
			out = append(out, "missing: "+w.Host)
		case w.Preference >= 0 && int(targets[i].Preference) != w.Preference:
			out = append(out, fmt.Sprintf("%s has preference %d, want %d", w.Host, targets[i].Preference, w.Preference))
		}
	}
	for _, t := range targets {
		if !slices.ContainsFunc(want, func(w MXHost) bool { return strings.EqualFold(t.Host, w.Host) }) {
			out = append(out, fmt.Sprintf("unexpected: %d %s", t.Preference, t.Host))
		}
	}
	return out
}

// gap explains, from its findings, a session or lookup that did not get as
// far as an assertion needs: the first incomplete finding (timeout,
// refused connection) makes it skipped, else the first error makes it fail.
func gap(fs []report.Finding, fallback string) (got string, pass bool, skipped string) {
	for _, f := range fs {
		if f.Incomplete {
			return "", false, say(f)
		}
	}
	for _, f := range fs {
		if f.Severity == report.Error {
			return say(f), false, ""
		}
	}
	return fallback, false, ""
}

// say is what a finding says; its ID stands in for a missing message, so a
// verdict is never explained by an empty string.
func say(f report.Finding) string {
	if f.Message == "" {
		return f.ID
	}
	return f.Message
}

func hasFinding(r *smtpprobe.Result, id string) (report.Finding, bool) {
	i := slices.IndexFunc(r.Findings, func(f report.Finding) bool { return f.ID == id })
	if i < 0 {
		return report.Finding{}, false
	}
	return r.Findings[i], true
}

// tlsState says whether the session reached TLS and, when not, why.
func tlsState(r *smtpprobe.Result) (got string, pass bool, skipped string) {
	switch {
	case r.TLS != nil:
		return r.TLS.Version, true, ""
	case r.StartTLSOffered:
		if f, ok := hasFinding(r, "smtp.tls_handshake"); ok {
			return say(f), false, ""
		}
		return gap(r.Findings, "STARTTLS offered, but the session ended before TLS")
	}
	if _, ok := hasFinding(r, "smtp.starttls"); ok {
		return "STARTTLS not offered", false, ""
	}
	return gap(r.Findings, "no EHLO reply")
}

func (e *evaluator) startTLS(h *Host) (string, bool, string) { return tlsState(h.SMTP) }

func (e *evaluator) minTLS(h *Host) (string, bool, string) {
	got, ok, skipped := tlsState(h.SMTP)
	if !ok {
		return got, ok, skipped
	}
	min := e.d.Rules.MinTLS
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13} {
		if tls.VersionName(v) == got {
			return got, v >= min, ""
		}
	}
	return got, false, ""
}

func (e *evaluator) certDays(h *Host, days int) (string, bool, string) {
	got, ok, skipped := tlsState(h.SMTP)
	if !ok {
		return got, ok, skipped
	}
	t := h.SMTP.TLS
	if len(t.Chain) == 0 {
		return "no certificate", false, ""
	}
	problems := certProblems(t)
	got = fmt.Sprintf("%d days left", t.DaysLeft)
	if len(problems) > 0 {
		got += " (" + strings.Join(problems, ", ") + ")"
	}
	return got, len(problems) == 0 && t.DaysLeft >= days, ""
}

func (e *evaluator) notListed(h *Host, lists []dnsbl.List) (string, bool, string) {
	if h.DNSBL == nil {
		return "", false, "the block lists were not queried"
	}
	var listed, clean, unchecked []string
	for _, l := range lists {
		i := slices.IndexFunc(h.DNSBL.Lists, func(lr dnsbl.ListResult) bool { return lr.Zone == l.Zone })
		if i < 0 {
			unchecked = append(unchecked, l.Zone+" (not queried)")
			continue
		}
		lr := h.DNSBL.Lists[i]
		switch lr.Status {
		case dnsbl.StatusListed:
			listed = append(listed, fmt.Sprintf("%s (%s)", l.Zone, codesText(lr)))
		case dnsbl.StatusClean:
			clean = append(clean, l.Zone)
		default:
			unchecked = append(unchecked, fmt.Sprintf("%s (%s)", l.Zone, lr.Err))
		}
	}
	switch {
	case len(listed) > 0:
		return "listed on " + strings.Join(listed, ", "), false, ""
	case len(unchecked) > 0:
		return "", false, "could not check " + strings.Join(unchecked, ", ")
	}
	return "not listed on " + strings.Join(clean, ", "), true, ""
}

func (e *evaluator) noOpenRelay(h *Host) (string, bool, string) {
	rel := h.SMTP.Relay
	if rel == nil {
		return gap(h.SMTP.Findings, "the session ended before the relay test")
	}
	got := rel.Verdict
	if rel.Reply != nil {
		got += " (" + strings.TrimSpace(fmt.Sprintf("%d %s", rel.Reply.Code, rel.Reply.Enhanced)) + ")"
	}
	switch rel.Verdict {
	case "refused":
		return got, true, ""
	case "open":
		return got, false, ""
	}
	return "", false, "the relay test was inconclusive (" + got + ")"
}

func submissionAuth(s *Submission) (string, bool, string) {
	if s.SMTP == nil {
		return gap(s.Findings, "not probed")
	}
	r := s.SMTP
	if r.ImplicitTLS && r.TLS != nil {
		return "implicit TLS: no plain-text session", true, ""
	}
	f, ok := hasFinding(r, "smtp.auth_tls_only")
	if !ok {
		return gap(r.Findings, "no EHLO reply on the plain-text session")
	}
	if f.Severity == report.OK {
		return "no AUTH before TLS", true, ""
	}
	return "AUTH " + strings.Join(r.AuthBeforeTLS, " ") + " offered before TLS", false, ""
}

// policy judges a published record by its package's findings: missing or
// broken fails, a failed lookup is skipped.
func policy(record string, fs []report.Finding) (string, bool, string) {
	for _, f := range fs {
		if f.Incomplete {
			return "", false, say(f)
		}
	}
	var errs []string
	for _, f := range fs {
		if f.Severity == report.Error || (record == "" && f.Severity > report.OK) {
			errs = append(errs, say(f))
		}
	}
	switch {
	case len(errs) > 0:
		return strings.Join(errs, "; "), false, ""
	case record == "":
		return "no record", false, ""
	}
	return record, true, ""
}

// dmarcRecordFindings leaves out the report destinations' authorization:
// a destination whose lookup failed says nothing about the record itself.
func dmarcRecordFindings(fs []report.Finding) []report.Finding {
	return slices.DeleteFunc(slices.Clone(fs), func(f report.Finding) bool { return f.ID == "dmarc.report_auth" })
}

func (e *evaluator) dmarcPolicy(want string) {
	a := Assertion{Name: "dmarc_policy", Want: "p=" + want + " or stronger",
		Fix: "raise the DMARC policy once the reports show legitimate mail passing"}
	got, ok, skipped := policy(e.res.DMARC.Record, dmarcRecordFindings(e.res.DMARC.Findings))
	switch {
	case !ok:
		a.Got, a.Skipped = got, skipped
	default:
		a.Got = "p=" + e.res.DMARC.Policy
		a.Pass = slices.Index(dmarcPolicies, e.res.DMARC.Policy) >= slices.Index(dmarcPolicies, want)
	}
	e.add(a, e.res.DMARC.Findings)
}

// Suite lays findings about one domain out as a JUnit test suite, one test
// case per finding: failed when the finding would make the exit code 1
// under failOn, skipped when it is incomplete, passed otherwise.
func Suite(domain string, fs []report.Finding, failOn report.Severity) report.TestSuite {
	s := report.TestSuite{Name: domain}
	for _, f := range fs {
		c := report.TestCase{Name: strings.TrimSpace(f.ID + " " + f.Subject), Classname: "mailflow.check." + domain}
		switch {
		case f.Incomplete:
			c.Skipped = say(f)
		case report.ExitCode([]report.Finding{f}, failOn) == report.ExitProblem:
			c.Failure = say(f)
			details := slices.Clone(f.Evidence)
			if f.Fix != "" {
				details = append(details, "fix: "+f.Fix)
			}
			if f.Ref != "" {
				details = append(details, "see: "+f.Ref)
			}
			c.Details = strings.Join(details, "\n")
		}
		s.Cases = append(s.Cases, c)
	}
	return s
}
