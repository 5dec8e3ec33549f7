package smtpprobe

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// Sections renders a run for people: the route when there was one, then
// each server's sections.
func (rr *RunResult) Sections(timing bool) []report.Section {
	var out []report.Section
	if rr.Route != nil {
		out = append(out, report.Section{Title: "Mail route of " + rr.Domain, Lines: []string{rr.Route.Brief()}})
	}
	for _, r := range rr.Results {
		out = append(out, r.Sections(timing)...)
	}
	return out
}

// Sections renders one session: an overview, the steps, the expectations,
// the certificate chain (-v) and the transcript (-v, or whenever something
// went wrong, because that is when it is needed).
func (r *Result) Sections(timing bool) []report.Section {
	title := r.Target
	if r.Host != "" && r.Host != r.Addr() {
		title += " [" + r.Addr() + "]"
	}
	if r.Via != "" {
		title += " (" + r.Via + ")"
	}
	out := []report.Section{{Title: "SMTP " + title, Table: r.overview()}}
	if len(r.Steps) > 0 {
		out = append(out, report.Section{Title: "Steps", Table: r.stepTable(timing)})
	}
	if len(r.Expectations) > 0 {
		t := &report.Table{Header: []string{"Expectation", "Want", "Got", "Result"}}
		for _, x := range r.Expectations {
			verdict := "pass"
			if !x.Pass {
				verdict = "FAIL"
			}
			t.Rows = append(t.Rows, []string{x.Name, x.Want, x.Got, verdict})
		}
		out = append(out, report.Section{Title: "Expectations", Table: t})
	}
	if r.TLS != nil && len(r.TLS.Chain) > 0 {
		t := &report.Table{Header: []string{"#", "Subject", "Issuer", "Names", "Not after", "Days left"}}
		for i, c := range r.TLS.Chain {
			t.Rows = append(t.Rows, []string{fmt.Sprint(i), c.Subject, c.Issuer, strings.Join(c.SANs, " "), c.NotAfter.Format(time.DateOnly), fmt.Sprint(c.DaysLeft)})
		}
		out = append(out, report.Section{Title: "Certificate chain", Table: t, Verbose: true})
	}
	if g := r.TLSGrade; g != nil {
		t := &report.Table{Header: []string{"Offered alone", "Outcome", "Suite chosen"}}
		for _, o := range append(append([]OfferResult(nil), g.Versions...), g.Suites...) {
			t.Rows = append(t.Rows, []string{o.Name, o.Outcome, o.Suite})
		}
		out = append(out, report.Section{Title: "TLS grade against " + Guideline, Table: t})
	}
	out = append(out, report.Section{Title: "Transcript", Lines: r.TranscriptLines(timing), Verbose: !r.Failed()})
	return out
}

func (r *Result) overview() *report.Table {
	t := &report.Table{Header: []string{"Item", "Value"}}
	add := func(k, v string) { t.Rows = append(t.Rows, []string{k, v}) }
	add("Address", r.Addr()+" ("+r.Protocol+")")
	if r.Banner != nil {
		add("Banner", r.Banner.String())
		add("Greeting delay", fmtMS(r.BannerDelay))
	}
	if n := r.Names; n != nil {
		v := fmt.Sprintf("banner %s, EHLO %s", orNone(n.Banner), orNone(n.EHLO))
		if n.PTRStatus != "" {
			v += fmt.Sprintf(", PTR %s", orNone(strings.Join(n.PTR, " ")))
			if n.ForwardConfirmed {
				v += " (forward-confirmed)"
			}
		}
		add("Names", v)
	}
	if len(r.Extensions) > 0 {
		names := make([]string, len(r.Extensions))
		for i, e := range r.Extensions {
			names[i] = e.Name
		}
		add("Extensions", strings.Join(names, " "))
	}
	switch {
	case r.ImplicitTLS:
		add("STARTTLS", "not used (implicit TLS)")
	case r.StartTLSOffered:
		add("STARTTLS", "offered")
	case r.Connected && len(r.Extensions) > 0:
		add("STARTTLS", "not offered")
	}
	if tl := r.TLS; tl != nil {
		add("TLS", tl.Version+", "+tl.Cipher)
		if len(tl.Chain) > 0 {
			add("Certificate", certSummary(tl))
		}
	}
	if g := r.TLSGrade; g != nil && g.Rating != "" {
		v := ratingText(g.Rating) + " (NCSC-NL)"
		if g.CertKey != "" {
			v += ", key " + g.CertKey
		}
		add("TLS grade", v)
	}
	if d := r.daneSummary(); d != "" {
		add("DANE", d)
	}
	if len(r.Extensions) > 0 || r.AuthBeforeTLS != nil {
		add("AUTH before TLS", orNone(strings.Join(r.AuthBeforeTLS, " ")))
		if r.TLS != nil {
			add("AUTH after TLS", orNone(strings.Join(r.AuthAfterTLS, " ")))
		}
	}
	if a := r.Auth; a != nil {
		v := "ok as " + a.User + " (" + a.Mechanism + ")"
		switch {
		case a.Skipped != "":
			v = "not attempted: " + a.Skipped
		case !a.OK:
			v = "failed: " + a.Reply.String()
		}
		add("AUTH", v)
	}
	switch {
	case r.SizeLimit == nil:
	case *r.SizeLimit == 0:
		add("SIZE", "no fixed limit")
	default:
		add("SIZE", humanBytes(*r.SizeLimit))
	}
	if rel := r.Relay; rel != nil {
		v := rel.Verdict
		if rel.Reply != nil {
			v += " (" + rel.Reply.String() + ")"
		}
		add("Relay test", v)
	}
	if r.Error != "" {
		add("Ended early", r.Error)
	}
	return t
}

func certSummary(tl *TLSReport) string {
	leaf := tl.Chain[0]
	parts := []string{leaf.Subject, fmt.Sprintf("expires %s (%d days)", leaf.NotAfter.Format(time.DateOnly), tl.DaysLeft)}
	switch {
	case tl.Trusted:
		parts = append(parts, "trusted")
	case tl.SelfSigned:
		parts = append(parts, "self-signed")
	default:
		parts = append(parts, "untrusted")
	}
	if tl.ServerName != "" {
		if tl.NameMatch {
			parts = append(parts, "covers "+tl.ServerName)
		} else {
			parts = append(parts, "does not cover "+tl.ServerName)
		}
	}
	return strings.Join(parts, ", ")
}

func (r *Result) stepTable(timing bool) *report.Table {
	t := &report.Table{Header: []string{"Step", "Sent", "Reply"}}
	if timing {
		t.Header = append(t.Header, "Time")
	}
	for _, sr := range r.Steps {
		reply := sr.Reply.String()
		if len(sr.Replies) > 1 {
			parts := make([]string, len(sr.Replies))
			for i, rp := range sr.Replies {
				parts[i] = rp.String()
			}
			reply = strings.Join(parts, "; ")
		}
		for _, extra := range []string{sr.Note, sr.Error} {
			if extra != "" {
				reply = strings.TrimSpace(reply + " " + extra)
			}
		}
		row := []string{string(sr.Step), sr.Command, reply}
		if timing {
			ms := ""
			if sr.Reply != nil {
				ms = fmtMS(sr.Reply.ElapsedMS)
			}
			row = append(row, ms)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func fmtMS(ms float64) string { return fmt.Sprintf("%.2f ms", ms) }

// Brief sums the session up in one line for the report summary.
func (r *Result) Brief() string {
	var parts []string
	switch {
	case !r.Connected:
		return "no connection: " + orNone(r.Error)
	case r.Banner == nil:
		parts = append(parts, "connected, no greeting")
	default:
		parts = append(parts, fmt.Sprintf("greeted %d", r.Banner.Code))
	}
	if r.TLS != nil {
		parts = append(parts, r.TLS.Version)
	} else if r.Banner != nil {
		parts = append(parts, "no TLS")
	}
	if a := r.Auth; a != nil {
		parts = append(parts, map[bool]string{true: "AUTH ok", false: "AUTH failed"}[a.OK])
	}
	if r.Relay != nil {
		parts = append(parts, "relay "+r.Relay.Verdict)
	}
	if n := len(r.Expectations); n > 0 {
		passed := 0
		for _, x := range r.Expectations {
			if x.Pass {
				passed++
			}
		}
		parts = append(parts, fmt.Sprintf("%d/%d expectations met", passed, n))
	}
	if r.Error != "" {
		parts = append(parts, "ended early")
	}
	return strings.Join(parts, ", ")
}
