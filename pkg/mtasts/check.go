package mtasts

import (
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/internal/tagrec"
	"github.com/mailflowkit/mailflow/pkg/report"
)

// shortMaxAge is the max_age below which a policy protects little: RFC
// 8461 §3.2 suggests weeks, since a policy only guards deliveries while it
// is cached.
const shortMaxAge = 24 * 60 * 60

// Result is what Evaluate found about a domain's MTA-STS.
type Result struct {
	Record *Record `json:"record,omitempty"`
	Fetch  *Fetch  `json:"fetch,omitempty"`
	Policy *Policy `json:"policy,omitempty"`
	MX     []Match `json:"mx_matches,omitempty"`
	// Findings are every MTA-STS finding, in reading order.
	Findings []report.Finding `json:"-"`
}

// Match is how one MX host fares against the policy's mx patterns.
type Match struct {
	Host string `json:"host"`
	// Pattern is the first pattern the host matches, empty for none.
	Pattern string `json:"pattern,omitempty"`
}

// Active reports whether senders apply the policy: it was fetched, parses
// and is in enforce or testing mode.
func (r *Result) Active() bool {
	return r != nil && r.Policy != nil && r.Policy.Mode != ModeNone
}

// Lookup is the outcome of the _mta-sts TXT query.
type Lookup struct {
	// TXT are every TXT string at the name.
	TXT []string
	// Err is set when the query got no answer.
	Err error
}

// Records returns the TXT strings that are MTA-STS records.
func (l Lookup) Records() []string { return tagrec.Versioned(l.TXT, recordVersion) }

// Valid returns the record when exactly one parses: only then do senders
// fetch the policy (RFC 8461 §3.1).
func (l Lookup) Valid() *Record {
	recs := l.Records()
	if l.Err != nil || len(recs) != 1 {
		return nil
	}
	r, err := ParseRecord(recs[0])
	if err != nil {
		return nil
	}
	return r
}

// Inputs are what Evaluate judges.
type Inputs struct {
	Domain string
	TXT    Lookup
	// Fetch is the policy fetch, nil when it was not made (fetching off,
	// or no valid record).
	Fetch *Fetch
	// MX are the domain's MX host names, nil when the route is unknown.
	MX []string
	// TLSRPT says the domain publishes a valid TLS-RPT record, where
	// testing mode sends its reports.
	TLSRPT bool
}

type evaluator struct {
	in  Inputs
	res *Result
}

func (e *evaluator) add(id string, sev report.Severity, subject, msg string, evidence ...string) *report.Finding {
	ck, _ := report.LookupCheck(id)
	e.res.Findings = append(e.res.Findings, ck.Finding(sev, subject, msg, evidence...))
	return &e.res.Findings[len(e.res.Findings)-1]
}

// Evaluate judges the record, the fetched policy and the MX hosts against
// it, as a sender without a cached policy would see them.
func Evaluate(in Inputs) *Result {
	e := &evaluator{in: in, res: &Result{}}
	if !e.record() || in.Fetch == nil {
		return e.res
	}
	e.res.Fetch = in.Fetch
	if !e.fetch() {
		return e.res
	}
	if !e.policy() {
		return e.res
	}
	e.id()
	e.mx()
	return e.res
}

func (e *evaluator) record() bool {
	name := "_mta-sts." + e.in.Domain
	recs := e.in.TXT.Records()
	switch {
	case e.in.TXT.Err != nil:
		e.add("mtasts.record", report.Warning, name, fmt.Sprintf("could not look up the MTA-STS record at %s", name), e.in.TXT.Err.Error()).Incomplete = true
		return false
	case len(recs) == 0:
		e.add("mtasts.record", report.OK, name, fmt.Sprintf("no MTA-STS record at %s: senders use TLS only when offered and accept any certificate", name))
		return false
	case len(recs) > 1:
		e.add("mtasts.record", report.Warning, name,
			fmt.Sprintf("%d MTA-STS records at %s: senders ignore them all and do not fetch the policy (RFC 8461 §3.1)", len(recs), name), recs...).Fix =
			"Keep exactly one \"v=STSv1; id=...\" TXT record at " + name + "."
		return false
	}
	rec, err := ParseRecord(recs[0])
	if err != nil {
		e.add("mtasts.record", report.Warning, name,
			fmt.Sprintf("the MTA-STS record at %s is malformed, so senders do not fetch the policy: %v", name, err), recs[0])
		return false
	}
	e.res.Record = rec
	e.add("mtasts.record", report.OK, name, fmt.Sprintf("MTA-STS record at %s, id %s", name, rec.ID), recs[0])
	return true
}

func (e *evaluator) fetch() bool {
	f := e.in.Fetch
	if f.Problem != "" {
		if f.Transient {
			e.add("mtasts.fetch", report.Warning, f.URL, "could not fetch the MTA-STS policy: "+f.Error).Incomplete = true
			return false
		}
		e.add("mtasts.fetch", report.Warning, f.URL,
			"senders cannot fetch the MTA-STS policy: "+f.Error+"; without a policy cached from earlier they deliver as if the domain had none")
		return false
	}
	desc := fmt.Sprintf("fetched %s from %s (%s, HTTP %d, %d bytes)", f.URL, f.IP, f.TLSVersion, f.HTTPStatus, f.Bytes)
	if mt, _, err := mime.ParseMediaType(f.ContentType); err != nil || mt != "text/plain" {
		shown := f.ContentType
		if shown == "" {
			shown = "no Content-Type"
		}
		e.add("mtasts.fetch", report.Warning, f.URL,
			fmt.Sprintf("%s, but served as %q: senders that check the media type, as RFC 8461 §3.2 asks, ignore a policy that is not text/plain", desc, clip(shown))).Fix =
			"Serve /.well-known/mta-sts.txt with Content-Type: text/plain."
		return true
	}
	e.add("mtasts.fetch", report.OK, f.URL, desc)
	return true
}

func (e *evaluator) policy() bool {
	f := e.in.Fetch
	p, err := ParsePolicy(f.Body)
	if err != nil {
		e.add("mtasts.policy", report.Warning, f.URL,
			fmt.Sprintf("the MTA-STS policy does not parse: %v; senders treat the domain as having no policy", err), firstLines(f.Body)...)
		return false
	}
	e.res.Policy = p
	e.add("mtasts.policy", report.OK, f.URL,
		fmt.Sprintf("policy: mode %s, max_age %d (%s), mx %s", p.Mode, p.MaxAge, ageText(p.MaxAge), orNone(p.MX)))
	if len(p.Notes) > 0 {
		e.add("mtasts.policy", report.Info, f.URL, "the policy departs from the RFC 8461 grammar in ways senders usually tolerate", p.Notes...).Fix =
			"Write the policy as lines of \"field: value\" without blank lines or trailing blanks, using only version, mode, max_age and mx."
	}
	domain := e.in.Domain
	switch p.Mode {
	case ModeEnforce:
		e.add("mtasts.mode", report.OK, domain, "the MTA-STS policy is enforced: senders that honour it deliver only over authenticated TLS to the listed MX hosts")
	case ModeTesting:
		msg := "the MTA-STS policy is in testing mode: senders check it and report failures, but deliver anyway"
		sev := report.Info
		if !e.in.TLSRPT {
			msg += "; the domain publishes no valid TLS-RPT record, so those reports go nowhere"
			sev = report.Warning
		}
		e.add("mtasts.mode", sev, domain, msg)
	case ModeNone:
		e.add("mtasts.mode", report.Info, domain, "the MTA-STS policy mode is none: senders drop cached policies and deliver as if the domain had none")
	}
	if p.Mode != ModeNone && p.MaxAge < shortMaxAge {
		e.add("mtasts.max_age", report.Info, domain,
			fmt.Sprintf("max_age is %d seconds (%s): the policy protects only deliveries within that time after a successful fetch", p.MaxAge, ageText(p.MaxAge)))
	}
	return true
}

// id compares the record's id, when it reads as a time stamp, with the
// policy file's Last-Modified. Senders refetch only when the id changes,
// so a policy edited after its id was set may never reach them.
func (e *evaluator) id() {
	f, rec := e.in.Fetch, e.res.Record
	if f.LastModified == nil {
		return
	}
	stamp, until, ok := IDTime(rec.ID)
	if !ok {
		return
	}
	name := "_mta-sts." + e.in.Domain
	mod := f.LastModified.UTC().Format(time.RFC3339)
	if f.LastModified.Before(until) {
		e.add("mtasts.id", report.OK, name, fmt.Sprintf("the policy file (last modified %s) is not newer than its id %s (%s)", mod, rec.ID, stamp.Format(time.RFC3339)))
		return
	}
	e.add("mtasts.id", report.Warning, name,
		fmt.Sprintf("the policy file was last modified %s, after the time its id %s stands for (%s): if the policy changed then, senders that cached the old one keep it until max_age runs out, because they only refetch when the id changes",
			mod, rec.ID, stamp.Format(time.RFC3339)), "_mta-sts TXT id="+rec.ID, "Last-Modified: "+f.LastModified.UTC().Format(time.RFC1123))
}

// IDTime reads an id written as a time stamp, the usual convention:
// YYYYMMDD, optionally followed by T, hours and minutes, optionally
// seconds and Z. until is the end of the period the stamp names (the end
// of the day for a date). ok is false for ids that are no time stamp.
func IDTime(id string) (stamp, until time.Time, ok bool) {
	digits := strings.TrimSuffix(strings.Replace(id, "T", "", 1), "Z")
	layouts := map[int]struct {
		layout string
		step   time.Duration
	}{8: {"20060102", 24 * time.Hour}, 12: {"200601021504", time.Minute}, 14: {"20060102150405", time.Second}}
	l, known := layouts[len(digits)]
	if !known || strings.Trim(digits, "0123456789") != "" {
		return time.Time{}, time.Time{}, false
	}
	t, err := time.Parse(l.layout, digits)
	if err != nil || t.Year() < 2000 {
		return time.Time{}, time.Time{}, false
	}
	return t, t.Add(l.step), true
}

// mx checks every MX host against the patterns (RFC 8461 §4.1).
func (e *evaluator) mx() {
	p := e.res.Policy
	if p.Mode == ModeNone || len(e.in.MX) == 0 {
		return
	}
	var missing, matched []string
	for _, h := range e.in.MX {
		pat := p.Match(h)
		e.res.MX = append(e.res.MX, Match{Host: h, Pattern: pat})
		if pat == "" {
			missing = append(missing, h)
		} else {
			matched = append(matched, h+" ~ "+pat)
		}
	}
	domain := e.in.Domain
	if len(missing) == 0 {
		e.add("mtasts.mx_match", report.OK, domain, "every MX host matches an mx pattern of the MTA-STS policy", matched...)
		return
	}
	ev := []string{"policy mx: " + orNone(p.MX)}
	for _, h := range missing {
		var msg string
		sev := report.Error
		switch {
		case p.Mode == ModeTesting:
			sev = report.Warning
			msg = fmt.Sprintf("the MX host %s matches no mx pattern of the MTA-STS policy: in testing mode senders report this and deliver anyway, but enforcing the policy would stop delivery to it", h)
		case len(missing) == len(e.in.MX):
			msg = fmt.Sprintf("the MX host %s matches no mx pattern of the enforced MTA-STS policy, and no MX host does: senders that honour MTA-STS will not deliver mail to %s at all", h, domain)
		default:
			msg = fmt.Sprintf("the MX host %s matches no mx pattern of the enforced MTA-STS policy: senders that honour MTA-STS will not deliver to it", h)
		}
		e.add("mtasts.mx_match", sev, h, msg, ev...)
	}
}

// HostTLS is what an SMTP session learned about one MX address, for
// TLSFindings.
type HostTLS struct {
	// Host is the MX host name the certificate must cover (RFC 8461 §4.2).
	Host string
	// Label names the host and address in findings.
	Label string
	// Unchecked: the session did not get far enough to tell.
	Unchecked bool
	// STARTTLS: the server offered it; TLS: the handshake worked.
	STARTTLS, TLS bool
	// Certificate verdicts, valid when TLS is set.
	Trusted, NameMatch, Expired, NotYetValid bool
}

// TLSFindings says, for each MX address the policy covers, whether a
// sender that applies the policy gets what RFC 8461 §4.2 requires:
// STARTTLS, and a certificate that chains to a trusted root, covers the MX
// host name and is within its validity. A failure is an error in enforce
// mode and a warning in testing mode.
func (r *Result) TLSFindings(hosts []HostTLS) []report.Finding {
	if !r.Active() {
		return nil
	}
	var out []report.Finding
	for _, h := range hosts {
		if r.Policy.Match(h.Host) == "" {
			continue // mx_match already says senders skip it
		}
		ck, _ := report.LookupCheck("mtasts.mx_tls")
		var problems []string
		switch {
		case h.Unchecked:
			f := ck.Finding(report.Warning, h.Label, "could not tell whether this MX meets the MTA-STS policy: the SMTP session did not get as far as TLS")
			f.Incomplete = true
			out = append(out, f)
			continue
		case !h.STARTTLS:
			problems = append(problems, "offers no STARTTLS")
		case !h.TLS:
			problems = append(problems, "the TLS handshake fails")
		default:
			if !h.Trusted {
				problems = append(problems, "the certificate does not chain to a trusted root")
			}
			if !h.NameMatch {
				problems = append(problems, "the certificate does not cover "+h.Host)
			}
			if h.Expired {
				problems = append(problems, "the certificate has expired")
			}
			if h.NotYetValid {
				problems = append(problems, "the certificate is not valid yet")
			}
		}
		if len(problems) == 0 {
			f := ck.Finding(report.OK, h.Label, "STARTTLS with a trusted certificate for "+h.Host+", as the MTA-STS policy requires")
			out = append(out, f)
			continue
		}
		sev, msg := report.Error, fmt.Sprintf("%s: senders that enforce the MTA-STS policy will not deliver to this MX", strings.Join(problems, "; "))
		if r.Policy.Mode == ModeTesting {
			sev, msg = report.Warning, fmt.Sprintf("%s: in testing mode senders report this and deliver anyway; enforcing the policy would stop delivery to this MX", strings.Join(problems, "; "))
		}
		out = append(out, ck.Finding(sev, h.Label, msg))
	}
	return out
}

func ageText(s int64) string {
	switch {
	case s == 86400:
		return "1 day"
	case s >= 86400 && s%86400 == 0:
		return strconv.FormatInt(s/86400, 10) + " days"
	case s >= 3600:
		return fmt.Sprintf("%.1f hours", float64(s)/3600)
	}
	return strconv.FormatInt(s, 10) + " seconds"
}

func orNone(v []string) string {
	if len(v) == 0 {
		return "(none)"
	}
	return strings.Join(v, ", ")
}

// firstLines returns the start of a policy file for evidence.
func firstLines(body string) []string {
	const maxLines = 8
	lines := strings.Split(strings.TrimRight(body, "\r\n"), "\n")
	if len(lines) > maxLines {
		lines = append(lines[:maxLines], fmt.Sprintf("… %d more lines", len(lines)-maxLines))
	}
	for i, l := range lines {
		lines[i] = clip(strings.TrimSuffix(l, "\r"))
	}
	return lines
}

// Summary describes the policy in one line for tables: what was fetched
// and how the MX hosts match, or why there is no policy.
func (r *Result) Summary() string {
	switch {
	case r == nil || r.Record == nil:
		return "-"
	case r.Fetch == nil:
		return "not fetched (fetching is off)"
	case r.Fetch.Problem != "":
		return "not fetched: " + r.Fetch.Error
	case r.Policy == nil:
		return "does not parse"
	}
	p := r.Policy
	s := fmt.Sprintf("%s, max_age %s, mx %s", p.Mode, ageText(p.MaxAge), orNone(p.MX))
	var missing []string
	for _, m := range r.MX {
		if m.Pattern == "" {
			missing = append(missing, m.Host)
		}
	}
	switch {
	case len(r.MX) == 0:
	case len(missing) == 0:
		s += "; every MX matches"
	default:
		s += "; not covered: " + strings.Join(missing, ", ")
	}
	return s
}
