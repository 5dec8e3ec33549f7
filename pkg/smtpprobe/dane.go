package smtpprobe

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/dane"
	"github.com/mailflowkit/mailflow/pkg/report"
)

// DANEResult is the TLSA lookup for the server and how the presented chain
// fared against it.
type DANEResult struct {
	// Name is the TLSA query name, _PORT._tcp.BASE.
	Name string `json:"name"`
	// Secure: the answer was DNSSEC-authenticated, so DANE applies.
	Secure  bool          `json:"secure"`
	Status  string        `json:"status"`
	Records []string      `json:"records,omitempty"`
	Verdict *dane.Verdict `json:"verdict,omitempty"`
}

// lookupDANE starts the TLSA lookup while the session runs, when the
// server has a name to look up and there is a resolver.
func (s *session) lookupDANE(ctx context.Context) {
	name := s.tlsName()
	if s.o.Resolver == nil || name == "" || isIP(name) {
		return
	}
	_, p, err := net.SplitHostPort(s.res.Addr())
	if err != nil {
		return
	}
	port, _ := strconv.Atoi(p)
	s.tlsa = make(chan *dane.Lookup, 1)
	go func() { s.tlsa <- dane.LookupTLSA(ctx, s.o.Resolver, name, port) }()
}

// daneFindings judges the TLSA records against what the session showed.
// Nothing is said when no record is published: the overview says so, and
// DANE is an option, not a fault.
func (s *session) daneFindings(l *dane.Lookup) {
	r := s.res
	tlsa := func(sev report.Severity, msg, fix string, ev ...string) {
		s.add(report.Finding{ID: "dane.tlsa", Severity: sev, Message: msg, Fix: fix, Evidence: ev})
	}
	if l.Failed() {
		r.DANE = &DANEResult{Name: l.Name, Status: l.Status.String()}
		s.add(report.Finding{ID: "dane.tlsa", Severity: report.Warning, Incomplete: true,
			Message: fmt.Sprintf("could not look up TLSA at %s (%s): DANE senders defer mail to this server until the lookup succeeds", l.Name, l.Status),
			Fix:     "check the zone's DNSSEC signatures and name servers for the TLSA name; a validating resolver answers SERVFAIL for a bogus signature"})
		return
	}
	if !l.Found() {
		r.DANE = &DANEResult{Name: l.Name, Status: l.Status.String()}
		return
	}
	res := &DANEResult{Name: l.Name, Secure: l.Secure, Status: l.Status.String()}
	for _, rec := range l.Records {
		res.Records = append(res.Records, dane.RecordText(rec))
	}
	r.DANE = res
	ev := []string{"TLSA at " + l.Name + ": " + strings.Join(res.Records, "; ")}
	if r.TLS == nil {
		s.daneWithoutTLS(l, tlsa, ev)
		return
	}
	names := []string{l.Base}
	if l.Host != l.Base {
		names = append(names, l.Host)
	}
	v := dane.Verify(l.Records, r.TLS.certs, names, time.Now())
	res.Verdict = &v
	for _, u := range v.Unusable {
		s.add(report.Finding{ID: "dane.unusable_usage", Severity: report.Warning,
			Message:  "TLSA " + u.Text + " cannot be used by SMTP senders: " + u.Reason,
			Fix:      "publish DANE-EE (3 1 1, the server's public key) or DANE-TA (2 1 1, the issuing CA's key) records instead",
			Evidence: []string{"at " + l.Name}})
	}
	if !l.Secure {
		outcome := "they would not match the certificate either"
		if v.Matched != nil {
			outcome = "they would match the certificate (" + v.Matched.Text + ")"
		}
		tlsa(report.Warning, "TLSA records are published but the answer was not DNSSEC-authenticated, so DANE senders ignore them; "+outcome,
			"sign the zone (and the parent's DS) so the records validate; if it is signed, query through a validating resolver you trust, such as a local unbound, with --dns 127.0.0.1", ev...)
		return
	}
	switch {
	case v.Matched != nil:
		what := "the server's certificate"
		if v.Matched.Cert > 0 {
			what = fmt.Sprintf("certificate %d of the chain (the trust anchor the server's certificate chains to)", v.Matched.Cert)
		}
		tlsa(report.OK, fmt.Sprintf("DNSSEC-signed TLSA %s (%s) matches %s", v.Matched.Text, dane.UsageName(v.Matched.Record.Usage), what), "", ev...)
		s.rolloverFinding(v, l.Name)
		s.daneSupersedes(v.Matched.Record.Usage, v.Matched.Text)
	case v.Usable == 0:
		tlsa(report.Warning, "TLSA records are published but none is usable for SMTP: DANE senders encrypt without authenticating the server",
			"publish a DANE-EE (3 1 1) record for the server's key", ev...)
	default:
		tlsa(report.Error, "TLSA records are published but none matches the certificate chain the server presented: DANE senders will not deliver to this server",
			"publish a TLSA record for the key the server uses now (keep the old one until every cached copy expired), or put the matching certificate back",
			append(ev, v.Misses...)...)
	}
}

// daneSupersedes softens the certificate findings a matching TLSA record
// makes moot for DANE senders (RFC 7672 §3.1): DANE-EE authenticates the
// server by its key alone, so its name, dates and CA do not matter to
// them; DANE-TA stands in for the CA, so only the chain to a public root
// stops mattering. They stay visible as info: senders that rely on the
// public CAs (MTA-STS, submission clients) still see the problem.
func (s *session) daneSupersedes(usage uint8, matched string) {
	var moot []string
	switch usage {
	case 3:
		moot = []string{"smtp.cert_name", "smtp.cert_trust", "smtp.cert_expiry"}
	case 2:
		moot = []string{"smtp.cert_trust"}
	}
	for i := range s.res.Findings {
		f := &s.res.Findings[i]
		if f.Severity <= report.Info || f.Incomplete || !slices.Contains(moot, f.ID) {
			continue
		}
		f.Severity = report.Info
		f.Message += "; DANE senders do not check this, since TLSA " + matched + " authenticates the server, but senders that rely on public CAs (MTA-STS, submission clients) do"
	}
}

// daneWithoutTLS judges secure TLSA records when there was no TLS: DANE
// senders require it (RFC 7672 §2.2), so they will not deliver in clear.
func (s *session) daneWithoutTLS(l *dane.Lookup, tlsa func(report.Severity, string, string, ...string), ev []string) {
	r := s.res
	failed := slices.ContainsFunc(r.Findings, func(f report.Finding) bool { return f.ID == "smtp.tls_handshake" })
	switch {
	case !l.Secure:
		tlsa(report.Warning, "TLSA records are published but the answer was not DNSSEC-authenticated, so DANE senders ignore them",
			"sign the zone; if it is signed, query through a validating resolver you trust, such as a local unbound, with --dns 127.0.0.1", ev...)
	case failed || s.plainHello && !r.StartTLSOffered:
		tlsa(report.Error, "DNSSEC-signed TLSA records make DANE senders insist on TLS, and this server did not complete it: they will defer and then bounce mail to it",
			"offer STARTTLS with the certificate the TLSA records describe, or withdraw the TLSA records (keeping the DS) first", ev...)
	default:
		s.add(report.Finding{ID: "dane.tlsa", Severity: report.Info, Incomplete: true, Evidence: ev,
			Message: "the session ended before TLS, so the DNSSEC-signed TLSA records were not matched against a certificate"})
	}
}

// rolloverFinding checks that a key change can happen without a gap: with
// one key published, the next one's record must appear (and be cached
// everywhere) before the server switches (RFC 7671 §8.1).
func (s *session) rolloverFinding(v dane.Verdict, name string) {
	if v.Distinct > 1 {
		s.add(report.Finding{ID: "dane.rollover", Severity: report.OK,
			Message: fmt.Sprintf("%d distinct usable TLSA records are published, so the key can change without a gap", v.Distinct)})
		return
	}
	s.add(report.Finding{ID: "dane.rollover", Severity: report.Info, Evidence: []string{"at " + name},
		Message: "only one usable TLSA record is published: a new key or certificate must have its record published at least two TTLs before it is deployed",
		Fix:     "publish the next key's 3 1 1 record beside the current one ahead of a change, or add a 2 1 1 record for the issuing CA (RFC 7671 §8.1)"})
}

func (r *Result) daneSummary() string {
	d := r.DANE
	switch {
	case d == nil:
		return ""
	case len(d.Records) == 0 && (d.Status == "nodata" || d.Status == "nxdomain"):
		return "no TLSA at " + d.Name
	case len(d.Records) == 0:
		return "TLSA lookup failed (" + d.Status + ")"
	case !d.Secure:
		return fmt.Sprintf("%d TLSA at %s, not DNSSEC-authenticated", len(d.Records), d.Name)
	case d.Verdict == nil:
		return fmt.Sprintf("%d TLSA at %s (DNSSEC), not matched", len(d.Records), d.Name)
	case d.Verdict.Matched != nil:
		return "TLSA " + d.Verdict.Matched.Text + " matched (DNSSEC)"
	}
	return fmt.Sprintf("%d TLSA at %s (DNSSEC), none matches", len(d.Records), d.Name)
}
