package smtpprobe

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/dane"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
	"github.com/mailflowkit/mailflow/pkg/statuscode"
)

// session is one probe in progress.
type session struct {
	o     Options
	res   *Result
	c     *smtpclient.Client
	tr    *smtpclient.Transcript
	host  string // name for SNI and the certificate check
	steps []Step

	stopped bool // no further steps (QUIT is still sent)
	closed  bool // connection gone or QUIT sent
	authed  bool
	inMail  bool
	// from and to are the current transaction's sender and accepted
	// recipients, for the message headers and LMTP's reply count.
	from       string
	to         []string
	missing    map[string]bool
	ehloName   string // the name in the latest EHLO reply
	plainHello bool   // an EHLO succeeded before TLS
	// tlsRequired: a STARTTLS step in require mode ran, so its absence
	// is an error rather than a warning.
	tlsRequired bool
	names       chan *Names
	// red knows every secret the session may show; nil with ShowSecrets.
	red *smtpclient.Redactor
	// tlsa delivers the DANE lookup started with the session.
	tlsa chan *dane.Lookup
}

// Probe runs one session against addr ("ip:port"). serverName is the name
// senders use for that server (MX name, smart host FQDN): the certificate
// and the announced host name are checked against it. Empty for a bare IP.
// Probe never returns nil; failures are findings in the result.
func Probe(ctx context.Context, addr, serverName string, o Options) *Result {
	o.defaults()
	start := time.Now()
	serverName = strings.TrimSuffix(serverName, ".")
	addr, _ = o.connectTo(serverName, addr)
	res := &Result{Target: serverName, Host: serverName, Protocol: "smtp", ImplicitTLS: o.TLSOnConnect, addr: addr}
	if ip, port, err := net.SplitHostPort(addr); err == nil {
		res.IP = ip
		res.Port, _ = strconv.Atoi(port)
	}
	if res.Target == "" {
		res.Target = addr
	}
	if o.LMTP {
		res.Protocol = "lmtp"
	}
	s := &session{o: o, res: res, tr: smtpclient.NewTranscript(), host: serverName, missing: map[string]bool{}}
	if !o.ShowSecrets {
		s.red = smtpclient.NewRedactor()
		s.red.Add(o.Password)
	}
	if s.host == "" {
		s.host, _, _ = net.SplitHostPort(addr)
	}
	steps, err := o.Plan(o.defaultRcpt)
	if err != nil {
		s.fail("smtp.options", report.Error, true, "the session could not be planned: "+err.Error(), "")
	} else {
		s.steps = steps
		s.run(ctx)
	}
	s.finish(ctx)
	res.DurationMS = report.MS(time.Since(start))
	return res
}

func (s *session) clientOptions() smtpclient.Options {
	return smtpclient.Options{
		DialTimeout: s.o.DialTimeout, ReplyTimeout: s.o.ReplyTimeout, SessionTimeout: s.o.SessionTimeout, LocalName: s.o.EHLO,
		LMTP: s.o.LMTP, ShowSecrets: s.o.ShowSecrets, Redactor: s.red, Transcript: s.tr,
		Dialer: &ackDialer{d: *s.o.Client.Dialer()}, Network: s.o.Client.Network,
	}
}

// tlsName is the name for SNI and the certificate: --tls-name, else the
// host connected to.
func (s *session) tlsName() string {
	if s.o.TLSName != "" {
		return s.o.TLSName
	}
	return s.host
}

func (s *session) tlsConfig() *tls.Config {
	// TLS 1.0 is allowed so an old server is reported, not just refused.
	// The engine is told not to verify: inspectTLS does, trying the extra
	// roots before it pays for loading the system ones.
	cfg := &tls.Config{ServerName: s.tlsName(), InsecureSkipVerify: true, MinVersion: tls.VersionTLS10}
	s.o.Client.Apply(cfg)
	return cfg
}

// noteTLS judges the handshake and says in the transcript what the
// certificate check found.
func (s *session) noteTLS(implicit bool) {
	name := s.tlsName()
	t := inspectTLS(s.c.TLS, name, s.o.RootCAs, implicit, time.Now())
	s.res.TLS = t
	var problems []string
	if !t.Trusted {
		problems = append(problems, "not trusted ("+trustReason(t.TrustError)+")")
	}
	if name != "" && !t.NameMatch {
		problems = append(problems, "does not cover "+name)
	}
	if t.Expired {
		problems = append(problems, "expired")
	}
	if len(problems) == 0 {
		s.tr.Notef("certificate verified for %s", name)
		return
	}
	s.tr.Notef("certificate %s", strings.Join(problems, ", "))
}

func (s *session) run(ctx context.Context) {
	if s.o.stopsBeforeBanner() {
		s.connectOnly(ctx)
		return
	}
	s.lookupDANE(ctx)
	var err error
	if s.o.TLSOnConnect {
		s.c, err = smtpclient.DialTLS(ctx, s.res.Addr(), s.tlsConfig(), s.clientOptions())
	} else {
		s.c, err = smtpclient.Dial(ctx, s.res.Addr(), s.clientOptions())
	}
	if s.c == nil {
		s.connectFailed(err)
		return
	}
	s.res.Connected = true
	s.lookupNames(ctx)
	s.res.Banner, s.res.BannerDelay = replyOf(s.c.Banner), report.MS(s.c.BannerDelay)
	if s.c.TLS != nil {
		s.noteTLS(true)
	}
	if err != nil {
		// A non-220 greeting: the server refuses this client. RFC 5321
		// §3.1 still expects a QUIT.
		s.stopped = true
		return
	}
	for _, st := range s.steps {
		if s.stopped || s.closed {
			break
		}
		s.step(ctx, st)
	}
}

// connectOnly is --quit-after connect: a TCP connect and nothing else.
func (s *session) connectOnly(ctx context.Context) {
	s.tr.Notef("connecting to %s", s.res.Addr())
	d := net.Dialer{Timeout: s.o.DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", s.res.Addr())
	if err != nil {
		s.tr.Notef("connect failed: %v", err)
		s.connectFailed(err)
		return
	}
	s.res.Connected = true
	s.tr.Notef("connected to %s; closing without waiting for the banner", conn.RemoteAddr())
	conn.Close()
	s.closed = true
}

func (s *session) connectFailed(err error) {
	s.closed = true
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		s.res.Error = shortErr(err)
		s.fail("smtp.connect", report.Error, true, "could not connect to "+s.res.Addr()+": "+shortErr(err),
			"check that the server listens on this address and port and that no firewall drops the connection")
		return
	}
	// The TCP connection stood; the banner never came or was garbage.
	s.res.Connected = true
	s.sessionError("banner", err)
}

// sessionError records a failure that is not a negative reply: a timeout
// (the check could not be done) or a server that broke the protocol.
func (s *session) sessionError(what string, err error) {
	s.closed = true
	s.res.Error = shortErr(err)
	if s.c != nil && s.c.TLS != nil && strings.Contains(err.Error(), "remote error: tls:") {
		// TLS 1.3 servers judge the client certificate after the client
		// thinks the handshake is done: the refusal comes with the next read.
		msg, fix := "the server ended TLS right after the handshake: "+shortErr(err),
			"check the TLS versions, ciphers and client-certificate rules of the service against what the client offered"
		if s.c.TLS.ClientCertRequested && !s.c.TLS.ClientCertSent {
			msg += "; it had asked for a client certificate and none was given"
			fix = "give the certificate the server expects with --tls-cert and --tls-key"
		}
		s.fail("smtp.tls_handshake", report.Error, false, msg, fix)
		return
	}
	if errors.Is(err, smtpclient.ErrSessionDeadline) {
		s.fail("smtp.timeout", report.Error, true, fmt.Sprintf("the session ran out of time at %s: %s", what, shortErr(err)),
			"raise --session-timeout if the server is just slow; a server that answers every command a byte at a time is a tarpit")
		return
	}
	if isTimeout(err) {
		s.fail("smtp.timeout", report.Error, true, fmt.Sprintf("no answer to %s in time: %s", what, shortErr(err)),
			"raise --timeout if the server is just slow; a server that never greets is often a tarpit or a firewall holding the connection")
		return
	}
	s.fail("smtp.protocol", report.Error, false, fmt.Sprintf("the server broke off the session at %s: %s", what, shortErr(err)),
		"look at the server's log for this session; make sure the port belongs to an SMTP service and nothing in between rewrites the traffic")
}

func isTimeout(err error) bool {
	return errors.Is(err, smtpclient.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func shortErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (s *session) fail(id string, sev report.Severity, incomplete bool, msg, fix string, evidence ...string) {
	s.add(report.Finding{ID: id, Severity: sev, Incomplete: incomplete, Message: msg, Fix: fix, Evidence: evidence})
}

func (s *session) add(f report.Finding) {
	if f.Subject == "" {
		f.Subject = s.res.Target
	}
	s.res.Findings = append(s.res.Findings, f)
}

// record adds a step result and checks the step's own expectation.
func (s *session) record(st Step, sr StepResult) {
	sr.Step, sr.Source = st.Kind, st.Source
	s.res.Steps = append(s.res.Steps, sr)
	if st.Expect != nil {
		s.res.Expectations = append(s.res.Expectations, judgeCode(string(st.Kind), *st.Expect, []StepResult{sr}, st.Source))
	}
}

// exchange runs one command step and handles its reply. It returns the
// reply, or nil when the connection failed (then the session is over).
func (s *session) exchange(st Step, shown string, do func() (*smtpclient.Reply, error)) (*smtpclient.Reply, bool) {
	r, err := do()
	var re *smtpclient.ReplyError
	switch {
	case err == nil:
		s.record(st, StepResult{Command: shown, Reply: replyOf(r)})
		return r, true
	case errors.As(err, &re):
		s.record(st, StepResult{Command: shown, Reply: replyOf(re.Reply)})
		s.rejected(st, shown, re.Reply)
		return re.Reply, false
	}
	s.record(st, StepResult{Command: shown, Error: shortErr(err)})
	s.sessionError(strings.ToUpper(string(st.Kind)), err)
	return nil, false
}

func (s *session) step(ctx context.Context, st Step) {
	switch st.Kind {
	case StepEHLO:
		s.ehlo(ctx, st)
	case StepSTARTTLS:
		s.startTLS(ctx, st)
	case StepAuth:
		s.auth(ctx, st)
	case StepVRFY, StepEXPN:
		line := strings.ToUpper(string(st.Kind)) + " " + st.Arg
		r, _ := s.exchange(st, line, func() (*smtpclient.Reply, error) { return s.c.Cmd(ctx, line) })
		if r != nil && (r.Code == 250 || r.Code == 251) {
			s.add(report.Finding{ID: "smtp.vrfy", Severity: report.Info,
				Message:  fmt.Sprintf("%s confirms %q: anyone can use it to check which addresses exist", strings.ToUpper(string(st.Kind)), st.Arg),
				Evidence: []string{r.String()},
				Fix:      "answer VRFY with 252 and disable EXPN unless a trusted client needs them",
			})
		}
	case StepRelayTest:
		s.relayTest(ctx, st)
	case StepMail:
		s.mail(ctx, st)
	case StepRcpt:
		s.rcpt(ctx, st)
	case StepData:
		s.data(ctx, st)
	case StepRSET, StepNOOP:
		line := strings.ToUpper(string(st.Kind))
		if r, _ := s.exchange(st, line, func() (*smtpclient.Reply, error) { return s.c.Cmd(ctx, line) }); r != nil && st.Kind == StepRSET {
			s.inMail, s.to = false, nil
		}
	case StepQuit:
		s.exchange(st, "QUIT", func() (*smtpclient.Reply, error) { return s.c.Quit(ctx) })
		s.closed = true
	}
}

func (s *session) ehlo(ctx context.Context, st Step) {
	verb := "EHLO"
	if s.o.LMTP {
		verb = "LHLO"
	}
	r, ok := s.exchange(st, verb+" "+s.o.EHLO, func() (*smtpclient.Reply, error) { return s.c.Hello(ctx) })
	if !ok {
		s.stopped = true
		return
	}
	s.noteHello(r)
}

// noteHello records what an EHLO reply tells: extensions, AUTH mechanisms
// on each side of TLS, STARTTLS, SIZE and the announced name.
func (s *session) noteHello(r *smtpclient.Reply) {
	s.res.Extensions = nil
	for _, k := range s.c.ExtOrder {
		s.res.Extensions = append(s.res.Extensions, Extension{Name: k, Params: s.c.Ext[k]})
	}
	if s.c.IsTLS() {
		s.res.AuthAfterTLS = s.c.AuthMechanisms()
	} else {
		s.res.AuthBeforeTLS = s.c.AuthMechanisms()
		s.res.StartTLSOffered = s.c.HasExt("STARTTLS")
		s.res.ExtensionsBeforeTLS = s.res.Extensions
		s.plainHello = true
	}
	if v, ok := s.c.Ext["SIZE"]; ok {
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		s.res.SizeLimit = &n
	} else {
		s.res.SizeLimit = nil
	}
	if len(r.Lines) > 0 {
		s.ehloName = hostField(r.Lines[0])
	}
}

func (s *session) startTLS(ctx context.Context, st Step) {
	mode := TLSAuto
	if st.Arg != "" {
		mode = StartTLSMode(strings.ToLower(st.Arg))
	}
	if s.c.IsTLS() {
		s.record(st, StepResult{Note: "already encrypted"})
		return
	}
	if mode == TLSRequire {
		s.tlsRequired = true
	}
	if !s.c.HasExt("STARTTLS") {
		s.record(st, StepResult{Note: "STARTTLS not offered"})
		s.stopped = s.tlsRequired
		return
	}
	err := s.c.StartTLS(ctx, s.tlsConfig())
	var re *smtpclient.ReplyError
	var r *smtpclient.Reply
	if errors.As(err, &re) {
		r = re.Reply
	} else {
		r = s.replyTo("STARTTLS")
	}
	s.record(st, StepResult{Command: "STARTTLS", Reply: replyOf(r), Error: shortErr(err)})
	if err != nil && re == nil && isTimeout(err) {
		s.sessionError("STARTTLS", err)
		return
	}
	if err != nil {
		s.add(report.Finding{ID: "smtp.tls_handshake", Severity: report.Error,
			Message:  "the server offers STARTTLS but the upgrade failed: " + shortErr(err),
			Evidence: explainReply(r),
			Fix:      "check the certificate and key configured for the SMTP service and the TLS versions and ciphers it allows",
		})
		switch {
		case re != nil && mode == TLSAuto:
			// A refused STARTTLS leaves a usable plain-text session.
		case re != nil:
			s.stopped = true
		default:
			// The handshake itself failed: the connection is gone.
			s.closed = true
			s.res.Error = shortErr(err)
		}
		return
	}
	s.noteTLS(false)
	s.ehlo(ctx, Step{Kind: StepEHLO})
}

// replyTo reads the reply to the last command sent as line back from the
// transcript: StartTLS reports only success, yet --expect-code starttls
// and the steps table need the reply.
func (s *session) replyTo(line string) *smtpclient.Reply {
	lines := s.tr.Lines()
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i].Dir != smtpclient.Sent || lines[i].Text != line {
			continue
		}
		for _, l := range lines[i+1:] {
			if l.Dir != smtpclient.Received || len(l.Text) < 3 {
				continue
			}
			code, err := strconv.Atoi(l.Text[:3])
			if err != nil {
				return nil
			}
			text := strings.TrimSpace(l.Text[3:])
			r := &smtpclient.Reply{Code: code, Lines: []string{text},
				Elapsed: time.Duration((l.AtMS - lines[i].AtMS) * float64(time.Millisecond))}
			if first, _, _ := strings.Cut(text, " "); first != "" {
				if e, err := statuscode.ParseEnhanced(first); err == nil && e.Class == code/100 {
					r.Enhanced = e
				}
			}
			return r
		}
		break
	}
	return nil
}

func (s *session) mail(ctx context.Context, st Step) {
	from := st.Arg
	if from == "<>" {
		from = ""
	}
	params := st.Params
	if params == "" && st.Source == "" {
		params = s.mailParams()
	}
	line := strings.TrimSpace(fmt.Sprintf("MAIL FROM:<%s> %s", from, params))
	_, ok := s.exchange(st, line, func() (*smtpclient.Reply, error) { return s.c.Mail(ctx, from, params) })
	if ok {
		s.inMail, s.from, s.to = true, from, nil
	} else if !s.expected(st) {
		s.stopped = true
	}
}

// mailParams builds MAIL parameters from the options, for the extensions
// the server announced; asking for one it lacks is a finding, not a
// protocol violation on our side.
func (s *session) mailParams() string {
	var p []string
	if s.o.Size > 0 && s.want("SIZE") {
		p = append(p, "SIZE="+strconv.FormatInt(s.o.Size, 10))
	}
	if s.o.SMTPUTF8 && s.want("SMTPUTF8") {
		p = append(p, "SMTPUTF8")
	}
	if s.o.DSNRet != "" && s.want("DSN") {
		p = append(p, "RET="+strings.ToUpper(s.o.DSNRet))
	}
	if s.o.DSNEnvID != "" && s.want("DSN") {
		p = append(p, "ENVID="+xtext(s.o.DSNEnvID))
	}
	return strings.Join(p, " ")
}

// want reports whether the server offers ext, noting once when it does not.
func (s *session) want(ext string) bool {
	if s.c.HasExt(ext) {
		return true
	}
	if !s.missing[ext] {
		s.missing[ext] = true
		s.add(report.Finding{ID: "smtp.extension", Severity: report.Warning,
			Message: "the server does not offer " + ext + ", so the parameters that need it were not sent",
			Fix:     "enable " + ext + " on the server if senders rely on it",
		})
	}
	return false
}

// xtext encodes an ENVID (RFC 3461 §4): "+", "=" and anything outside
// printable ASCII become +XX.
func xtext(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || c == '+' || c == '=' {
			fmt.Fprintf(&b, "+%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (s *session) rcpt(ctx context.Context, st Step) {
	params := st.Params
	if params == "" && st.Source == "" && s.o.DSNNotify != "" && s.want("DSN") {
		params = "NOTIFY=" + strings.ToUpper(s.o.DSNNotify)
	}
	line := strings.TrimSpace(fmt.Sprintf("RCPT TO:<%s> %s", st.Arg, params))
	if _, ok := s.exchange(st, line, func() (*smtpclient.Reply, error) { return s.c.Rcpt(ctx, st.Arg, params) }); ok {
		s.to = append(s.to, st.Arg)
	}
}

func (s *session) data(ctx context.Context, st Step) {
	if len(s.to) == 0 && st.Expect == nil {
		s.record(st, StepResult{Note: "no recipient was accepted, so no message was sent"})
		return
	}
	msg := st.Message
	if msg == nil {
		msg = buildMessage(st, s.from, s.to, s.o.EHLO, time.Now())
	}
	replies, err := s.c.Data(ctx, bytes.NewReader(msg), len(s.to))
	sr := StepResult{Command: "DATA"}
	for _, r := range replies {
		sr.Replies = append(sr.Replies, replyOf(r))
	}
	var re *smtpclient.ReplyError
	switch {
	case errors.As(err, &re):
		if len(sr.Replies) == 0 {
			sr.Replies = []*Reply{replyOf(re.Reply)}
		}
		sr.Reply = replyOf(re.Reply)
		s.record(st, sr)
		s.rejected(st, "DATA", re.Reply)
	case err != nil:
		sr.Error = shortErr(err)
		s.record(st, sr)
		s.sessionError("DATA", err)
	default:
		sr.Reply = sr.Replies[len(sr.Replies)-1]
		s.record(st, sr)
		for _, r := range replies {
			if r.Code >= 400 {
				s.rejected(st, "DATA", r)
			}
		}
	}
	s.inMail, s.to = false, nil
}

// expected reports a step whose own expectation was met, so a negative
// reply was what the script wanted and the session goes on.
func (s *session) expected(st Step) bool {
	if st.Expect == nil || len(s.res.Expectations) == 0 {
		return false
	}
	return s.res.Expectations[len(s.res.Expectations)-1].Pass
}

// relayTest asks, unauthenticated, to relay between reserved domains.
func (s *session) relayTest(ctx context.Context, st Step) {
	from := st.Arg
	if from == "" {
		from = RelayTestFrom
	}
	rel := &RelayResult{From: from, To: RelayTestTo, Verdict: "inconclusive"}
	s.res.Relay = rel
	if s.authed {
		s.record(st, StepResult{Note: "skipped: an authenticated client may relay, so the test would prove nothing"})
		return
	}
	if s.inMail {
		s.exchange(Step{Kind: StepRSET}, "RSET", func() (*smtpclient.Reply, error) { return s.c.Cmd(ctx, "RSET") })
		s.inMail, s.to = false, nil
	}
	mailLine := "MAIL FROM:<" + from + ">"
	r, err := s.c.Mail(ctx, from, "")
	if r == nil && err != nil {
		s.record(st, StepResult{Command: mailLine, Error: shortErr(err)})
		s.sessionError("MAIL (relay test)", err)
		return
	}
	if err != nil {
		s.record(st, StepResult{Command: mailLine, Reply: replyOf(r), Note: "sender refused; relay test inconclusive"})
		rel.Reply = replyOf(r)
		s.relayFinding()
		return
	}
	rcptLine := "RCPT TO:<" + RelayTestTo + ">"
	r, err = s.c.Rcpt(ctx, RelayTestTo, "")
	if r == nil && err != nil {
		s.record(st, StepResult{Command: rcptLine, Error: shortErr(err)})
		s.sessionError("RCPT (relay test)", err)
		return
	}
	rel.Reply = replyOf(r)
	switch {
	case r.Code < 300:
		rel.Verdict = "open"
	case r.Code >= 500:
		rel.Verdict = "refused"
	}
	s.record(st, StepResult{Command: mailLine + " / " + rcptLine, Reply: rel.Reply})
	s.relayFinding()
	// Never DATA: reset so nothing can be sent in this transaction.
	if _, err := s.c.Cmd(ctx, "RSET"); err != nil && !isReplyErr(err) {
		s.sessionError("RSET", err)
	}
}

func isReplyErr(err error) bool {
	var re *smtpclient.ReplyError
	return errors.As(err, &re)
}

func (s *session) relayFinding() {
	rel := s.res.Relay
	ev := []string{"MAIL FROM:<" + rel.From + ">", "RCPT TO:<" + rel.To + ">"}
	if rel.Reply != nil {
		ev = append(ev, "reply: "+rel.Reply.String())
	}
	switch rel.Verdict {
	case "open":
		s.add(report.Finding{ID: "smtp.relay", Severity: report.Error, Evidence: ev,
			Message: "the server accepted a recipient in a foreign domain from an unauthenticated client: it is an open relay",
			Fix:     "accept unauthenticated mail only for your own domains (authoritative and relay domains); let only authenticated users or listed internal hosts relay elsewhere",
		})
	case "refused":
		s.add(report.Finding{ID: "smtp.relay", Severity: report.OK, Evidence: ev,
			Message: "relaying for an unauthenticated client is refused"})
	default:
		s.add(report.Finding{ID: "smtp.relay", Severity: report.Warning, Incomplete: true, Evidence: ev,
			Message: "the relay test was inconclusive: the server refused the sender or answered with a temporary error",
			Fix:     "run the test again with --from set to an address the server accepts as a sender",
		})
	}
}

// finish ends the session politely, waits for the name lookups, judges
// what was seen and redacts what must not leave.
func (s *session) finish(ctx context.Context) {
	if s.c != nil && !s.closed {
		if _, err := s.c.Quit(ctx); err != nil && !isReplyErr(err) {
			s.c.Close()
		}
	}
	var names *Names
	if s.names != nil {
		names = <-s.names
	}
	s.judge(names)
	if s.tlsa != nil {
		s.daneFindings(<-s.tlsa)
	}
	if s.o.TLSGrade {
		s.gradeIfTLS(ctx)
	}
	// The engine redacted what it recorded as it went; this pass covers
	// what the probe wrote itself, from findings to notes.
	s.tr.Redact(s.red)
	s.res.Transcript = s.tr.Lines()
	s.res.plain, s.res.timing = s.tr.Format(false), s.tr.Format(true)
	scrubResult(s.res, s.red)
}

// scrubResult redacts every secret form in the free text of a result,
// including everything the server said.
func scrubResult(r *Result, red *smtpclient.Redactor) {
	if red == nil {
		return
	}
	sc := red.Redact
	scReply := func(rp *Reply) {
		if rp != nil {
			for i := range rp.Lines {
				rp.Lines[i] = sc(rp.Lines[i])
			}
		}
	}
	r.Error = sc(r.Error)
	scReply(r.Banner)
	for i := range r.Steps {
		st := &r.Steps[i]
		st.Command, st.Error, st.Note = sc(st.Command), sc(st.Error), sc(st.Note)
		scReply(st.Reply)
		for _, rp := range st.Replies {
			scReply(rp)
		}
	}
	if r.Auth != nil {
		scReply(r.Auth.Reply)
	}
	if r.Relay != nil {
		scReply(r.Relay.Reply)
	}
	for i := range r.Expectations {
		r.Expectations[i].Got = sc(r.Expectations[i].Got)
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Message = sc(f.Message)
		for j := range f.Evidence {
			f.Evidence[j] = sc(f.Evidence[j])
		}
	}
}
