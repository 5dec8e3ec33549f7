package smtpprobe

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
	"github.com/mailflowkit/mailflow/pkg/statuscode"
)

// Greeting delays: a pause before the banner is a known anti-spam measure
// and RFC 5321 §4.5.3.2.1 has senders wait five minutes for it, but long
// pauses make impatient clients and monitoring give up.
const (
	greetInfo = time.Second
	greetWarn = 30 * time.Second
)

// judge adds the findings about the session as a whole, once it is over.
func (s *session) judge(names *Names) {
	r := s.res
	if r.Banner != nil {
		s.bannerFindings()
	}
	if r.Banner != nil && r.Banner.Code == 220 {
		n := names
		if n == nil {
			n = &Names{}
		}
		n.Banner, n.EHLO, n.Connected = hostField(firstLine(r.Banner)), s.ehloName, r.Host
		r.Names = n
		s.add(nameFinding(n, r.Host, names != nil))
	}
	if s.plainHello && !s.o.TLSOnConnect {
		s.startTLSFinding()
		s.authBeforeTLSFinding()
	}
	if s.c != nil && s.c.HelloReply != nil {
		s.sizeFinding()
	}
	if r.TLS != nil {
		for _, f := range tlsFindings(r.TLS, r.Target) {
			s.add(f)
		}
	}
	s.expectations()
}

func firstLine(r *Reply) string {
	if r == nil || len(r.Lines) == 0 {
		return ""
	}
	return r.Lines[0]
}

func (s *session) bannerFindings() {
	b := s.res.Banner
	switch {
	case b.Code == 220:
		s.add(report.Finding{ID: "smtp.banner", Severity: report.OK, Message: "the server greets with " + b.String()})
	case b.Code >= 500:
		s.add(report.Finding{ID: "smtp.banner", Severity: report.Error, Evidence: explainReply(s.c.Banner),
			Message: "the server refuses this client in its greeting: " + b.String(),
			Fix:     fixFor(s.c.Banner, "check whether the server blocks the client's address (a block list or connection filter) or is not meant to take mail here")})
	default:
		s.add(report.Finding{ID: "smtp.banner", Severity: report.Warning, Evidence: explainReply(s.c.Banner),
			Message: "the server does not accept mail right now: " + b.String(),
			Fix:     fixFor(s.c.Banner, "try again later; a server that keeps answering 421 is overloaded or rate-limiting this client")})
	}
	d := time.Duration(s.res.BannerDelay * float64(time.Millisecond))
	f := report.Finding{ID: "smtp.greet_delay", Severity: report.OK, Message: "the greeting came after " + fmtMS(s.res.BannerDelay)}
	switch {
	case d >= greetWarn:
		f.Severity = report.Warning
		f.Message = fmt.Sprintf("the server held its greeting for %s; many clients and monitors give up sooner", d.Round(time.Millisecond))
		f.Fix = "shorten the greeting pause (a few seconds catch most spam bots) or make sure it applies only to suspicious clients"
	case d >= greetInfo:
		f.Severity = report.Info
		f.Message = fmt.Sprintf("the server held its greeting for %s (a greeting pause against spam bots; senders that follow RFC 5321 wait)", d.Round(time.Millisecond))
	}
	s.add(f)
}

func (s *session) startTLSFinding() {
	f := report.Finding{ID: "smtp.starttls", Severity: report.OK, Message: "the server offers STARTTLS"}
	if !s.res.StartTLSOffered {
		f.Message = "the server does not offer STARTTLS, so mail to it travels unencrypted"
		f.Fix = "install a certificate and enable STARTTLS on this service"
		switch {
		case s.tlsRequired:
			f.Severity = report.Error
		case s.o.LMTP:
			f.Severity = report.Info
		default:
			f.Severity = report.Warning
		}
	}
	s.add(f)
}

// authBeforeTLSFinding: seed 001, Basic authentication only over TLS.
// PLAIN and LOGIN carry the password itself; other mechanisms do not, but
// still expose the user name and an exchange open to offline guessing.
func (s *session) authBeforeTLSFinding() {
	mechs := s.res.AuthBeforeTLS
	f := report.Finding{ID: "smtp.auth_tls_only", Severity: report.OK, Message: "no AUTH is offered before TLS"}
	if len(mechs) > 0 {
		f.Evidence = []string{"AUTH " + strings.Join(mechs, " ") + " offered on the plain-text session"}
		f.Fix = "offer AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only = yes; Exchange: require TLS on the receive connector's Basic authentication)"
		if slices.Contains(mechs, "PLAIN") || slices.Contains(mechs, "LOGIN") {
			f.Severity = report.Error
			f.Message = "the server offers PLAIN/LOGIN authentication before TLS: passwords can cross the network in clear text"
		} else {
			f.Severity = report.Warning
			f.Message = "the server offers AUTH before TLS: user names and login exchanges can be observed"
		}
	}
	s.add(f)
}

func (s *session) sizeFinding() {
	f := report.Finding{ID: "smtp.size", Severity: report.Info}
	v, ok := s.c.Ext["SIZE"]
	switch lim := s.res.SizeLimit; {
	case !ok:
		f.Message = "the server announces no SIZE limit; a too-large message is refused only after it was sent"
	case strings.TrimSpace(v) != "" && !isDigits(strings.TrimSpace(v)):
		f.Severity, f.Message = report.Warning, fmt.Sprintf("the SIZE parameter %q is not a number", v)
		f.Fix = "announce SIZE with a byte count (RFC 1870)"
	case *lim == 0:
		f.Message = "the server announces SIZE without a fixed limit"
	case s.o.Size > *lim:
		f.Severity = report.Warning
		f.Message = fmt.Sprintf("a message of %s (--size) exceeds the server's limit of %s", humanBytes(s.o.Size), humanBytes(*lim))
		f.Fix = "raise the server's message size limit or send a smaller message"
	default:
		f.Message = fmt.Sprintf("the server accepts messages up to %s", humanBytes(*lim))
	}
	s.add(f)
}

func isDigits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 63)
	return err == nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB (%d bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%d bytes", n)
}

// rejected explains a negative reply to a step.
func (s *session) rejected(st Step, shown string, r *smtpclient.Reply) {
	f := report.Finding{ID: "smtp.rejected", Severity: report.Error, Evidence: explainReply(r),
		Message: fmt.Sprintf("%s was refused: %d %s", shown, r.Code, r.Message())}
	if r.Code < 500 {
		f.Severity = report.Warning
		f.Message = fmt.Sprintf("%s was deferred: %d %s", shown, r.Code, r.Message())
	}
	switch st.Kind {
	case StepVRFY, StepEXPN:
		f.ID, f.Severity = "smtp.vrfy", report.OK
		f.Message = fmt.Sprintf("%s is answered with %d: it does not confirm addresses", strings.ToUpper(string(st.Kind)), r.Code)
		f.Evidence = nil
	case StepAuth:
		f.ID = "smtp.auth"
		f.Message = fmt.Sprintf("authentication failed: %d %s", r.Code, r.Message())
	}
	if f.Severity > report.OK {
		f.Fix = fixFor(r, "")
		if s.expected(st) {
			f.Severity, f.Message = report.Info, f.Message+" (as the script expects)"
		}
	}
	s.add(f)
}

// explainReply is the evidence for a negative reply: the reply itself and
// what its codes mean (pkg/statuscode).
func explainReply(r *smtpclient.Reply) []string {
	if r == nil {
		return nil
	}
	ev := []string{"reply: " + r.String()}
	// Vendor tables often restate the registry; one line per title is
	// enough, and two lines say what a person needs.
	seen := map[string]bool{}
	for _, e := range statuscode.Explain(r.Enhanced, r.Code, strings.Join(r.Lines, " ")) {
		if len(seen) == 2 {
			break
		}
		if !seen[e.Title] {
			seen[e.Title] = true
			ev = append(ev, fmt.Sprintf("%s (%s): %s", e.Code, e.Title, e.Meaning))
		}
	}
	return ev
}

// fixFor is the most specific fix statuscode knows for the reply, or def.
func fixFor(r *smtpclient.Reply, def string) string {
	if r == nil {
		return def
	}
	for _, e := range statuscode.Explain(r.Enhanced, r.Code, strings.Join(r.Lines, " ")) {
		if len(e.Fixes) > 0 {
			return e.Fixes[0]
		}
	}
	return def
}

// judgeCode checks that every reply to the named step fits the pattern.
func judgeCode(step string, p CodePattern, results []StepResult, source string) ExpectationResult {
	x := ExpectationResult{Name: "code " + step + "=" + p.String(), Want: p.String(), Source: source}
	var got []string
	pass := true
	for _, sr := range results {
		replies := sr.Replies
		if len(replies) == 0 && sr.Reply != nil {
			replies = []*Reply{sr.Reply}
		}
		if len(replies) == 0 {
			reason := sr.Note
			if sr.Error != "" {
				reason = "no reply: " + sr.Error
			}
			got, pass = append(got, reason), false
		}
		for _, r := range replies {
			got = append(got, r.String())
			pass = pass && p.Match(r.Code)
		}
	}
	if len(got) == 0 {
		got, pass = []string{"not reached"}, false
	}
	x.Got, x.Pass = strings.Join(got, "; "), pass
	return x
}

// expectations checks the assertions that look at the whole session and
// turns every expectation result into a finding.
func (s *session) expectations() {
	all := s.o.Expect
	if s.o.Script != nil {
		all = append(slices.Clip(all), s.o.Script.Expect...)
	}
	for _, e := range all {
		x := s.judgeExpectation(e)
		x.Source = e.Origin
		s.res.Expectations = append(s.res.Expectations, x)
	}
	for _, x := range s.res.Expectations {
		f := report.Finding{ID: "smtp.expectation", Severity: report.OK, Message: "expectation met: " + x.Name}
		if x.Source != "" {
			f.Evidence = []string{"from " + x.Source}
		}
		if !x.Pass {
			f.Severity = report.Error
			f.Message = fmt.Sprintf("expectation failed: %s (want %s, got %s)", x.Name, x.Want, x.Got)
		}
		s.add(f)
	}
}

func (s *session) judgeExpectation(e Expectation) ExpectationResult {
	r := s.res
	x := ExpectationResult{Name: e.Name()}
	helloDone := s.c != nil && s.c.HelloReply != nil
	switch e.Kind {
	case ExpectExt:
		// STARTTLS is only ever offered before TLS, most others after it:
		// an extension counts when any EHLO of the session offered it.
		x.Want = e.Arg + " offered"
		var names []string
		for _, ext := range append(slices.Clip(r.ExtensionsBeforeTLS), r.Extensions...) {
			if !slices.Contains(names, ext.Name) {
				names = append(names, ext.Name)
			}
		}
		x.Pass = slices.Contains(names, e.Arg)
		x.Got = "offered"
		if !x.Pass {
			x.Got = "not offered (offers " + orNone(strings.Join(names, " ")) + ")"
		}
		if !helloDone {
			x.Got = "no EHLO reply"
		}
	case ExpectAuth:
		mechs := r.AuthBeforeTLS
		if s.c != nil && s.c.IsTLS() {
			mechs = r.AuthAfterTLS
		}
		x.Want = e.Arg + " offered"
		x.Pass = helloDone && slices.Contains(mechs, e.Arg)
		x.Got = "AUTH " + orNone(strings.Join(mechs, " "))
		if !helloDone {
			x.Got = "no EHLO reply"
		}
	case ExpectNoAuthBeforeTLS:
		x.Want = "no AUTH on the plain-text session"
		switch {
		case s.o.TLSOnConnect && r.TLS != nil:
			x.Pass, x.Got = true, "implicit TLS: there is no plain-text session"
		case !s.plainHello:
			x.Got = "no EHLO reply on the plain-text session"
		default:
			x.Pass = len(r.AuthBeforeTLS) == 0
			x.Got = "AUTH " + orNone(strings.Join(r.AuthBeforeTLS, " "))
		}
	case ExpectCode:
		if e.Arg == "banner" {
			var srs []StepResult
			if r.Banner != nil {
				srs = []StepResult{{Reply: r.Banner}}
			}
			return judgeCode(e.Arg, e.Code, srs, "")
		}
		var srs []StepResult
		for _, sr := range r.Steps {
			if string(sr.Step) == e.Arg {
				srs = append(srs, sr)
			}
		}
		return judgeCode(e.Arg, e.Code, srs, "")
	case ExpectTLSVersion:
		x.Want = "TLS " + tlsSpecString(e.TLSMin, e.TLSMax)
		x.Got = "no TLS"
		if r.TLS != nil {
			x.Got = r.TLS.Version
			x.Pass = r.TLS.version >= e.TLSMin && r.TLS.version <= e.TLSMax
		}
	case ExpectCertDays:
		x.Want = fmt.Sprintf("at least %d days of validity left", e.Days)
		x.Got = "no certificate"
		if r.TLS != nil && len(r.TLS.Chain) > 0 {
			x.Got = fmt.Sprintf("%d days left", r.TLS.DaysLeft)
			x.Pass = r.TLS.DaysLeft >= e.Days
		}
	}
	return x
}
