// Package smtpclient is the SMTP session engine every mailflow command uses
// to talk to a mail server: plain, STARTTLS or implicit TLS, SMTP or LMTP.
//
// Unlike net/smtp and go-smtp's client it is built for diagnosis: it keeps
// the banner and every reply line, sends the EHLO name we choose before and
// after STARTTLS, can send arbitrary commands (VRFY, EXPN, RSET), records a
// direction-tagged, timestamped transcript with every secret redacted by
// value (see Redactor), and completes the TLS handshake even when the
// certificate does not verify so the certificate can be reported.
//
// A hostile server cannot stall it, make it buffer without bound or keep
// it talking: every reply has a deadline, a maximum line length and a
// maximum number of lines; the whole session has a deadline of its own
// that holds even when every read succeeds; every SASL mechanism answers
// a fixed number of challenges at most (SASLStepLimit); the transcript
// keeps a bounded number of lines.
//
// It does not resolve MX records, retry, queue or judge what it sees: that
// is the caller's business.
package smtpclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
)

// Options configure a session. The zero value is usable.
type Options struct {
	// DialTimeout bounds the TCP connect (and implicit TLS handshake); default 10s.
	DialTimeout time.Duration
	// ReplyTimeout bounds the wait for each reply, banner included; default 5m
	// as RFC 5321 §4.5.3.2 allows servers that long for most replies.
	ReplyTimeout time.Duration
	// LocalName is the EHLO/LHLO name; default "localhost".
	LocalName string
	// LMTP speaks LHLO instead of EHLO (RFC 2033).
	LMTP bool
	// SessionTimeout bounds the whole session from the start of the connect,
	// however quickly each reply comes; default 15m.
	SessionTimeout time.Duration
	// Network is "tcp" (default), "tcp4" or "tcp6".
	Network string
	// ShowSecrets disables redaction of AUTH exchanges in the transcript.
	ShowSecrets bool
	// Redactor collects the secrets sent and scrubs them from everything
	// recorded; default a new one (nil with ShowSecrets). Callers add
	// secrets they know of (the password) before the session.
	Redactor *Redactor
	// MaxLineLength bounds one reply line in bytes; default 4096
	// (RFC 5321 §4.5.3.1.5 asks servers for at most 512).
	MaxLineLength int
	// MaxReplyLines bounds the lines of one reply; default 512.
	MaxReplyLines int
	// Dialer opens the TCP connection; default net.Dialer.
	Dialer interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	}
	// Transcript receives the session; default a new one (see Client.Transcript).
	Transcript *Transcript
}

func (o *Options) defaults() {
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
	if o.ReplyTimeout <= 0 {
		o.ReplyTimeout = 5 * time.Minute
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = 15 * time.Minute
	}
	if o.Network == "" {
		o.Network = "tcp"
	}
	switch {
	case o.ShowSecrets:
		o.Redactor = nil
	case o.Redactor == nil:
		o.Redactor = NewRedactor()
	}
	if o.LocalName == "" {
		o.LocalName = "localhost"
	}
	if o.MaxLineLength <= 0 {
		o.MaxLineLength = 4096
	}
	if o.MaxReplyLines <= 0 {
		o.MaxReplyLines = 512
	}
	if o.Dialer == nil {
		o.Dialer = &net.Dialer{}
	}
	if o.Transcript == nil {
		o.Transcript = NewTranscript()
	}
}

// TLSInfo is what the handshake revealed, kept even when verification failed.
type TLSInfo struct {
	State tls.ConnectionState
	// ServerName is the name the certificate was checked against.
	ServerName string
	// VerifyErr is the chain/name verification error, nil when the
	// certificate is trusted and covers ServerName.
	VerifyErr error
	// ClientCertRequested: the server asked for a client certificate;
	// ClientCertSent: we had one and presented it.
	ClientCertRequested, ClientCertSent bool
}

// Client is one SMTP session. It is not safe for concurrent use.
type Client struct {
	opts Options
	conn net.Conn
	br   *bufio.Reader
	tls  bool
	// end is the session deadline: SessionTimeout after the connect began.
	end time.Time
	// Greeting metrics: Banner is the 220 greeting; BannerDelay the time from
	// connect to its last line (a deliberate greet delay shows here).
	Banner      *Reply
	BannerDelay time.Duration
	// Ext holds the EHLO keywords (upper case) and their parameters from the
	// latest EHLO; ExtOrder keeps the server's order.
	Ext      map[string]string
	ExtOrder []string
	// HelloReply is the latest EHLO/LHLO/HELO reply.
	HelloReply *Reply
	TLS        *TLSInfo
	RemoteAddr string
}

// Dial connects to addr ("host:port") in plain text and reads the banner.
func Dial(ctx context.Context, addr string, o Options) (*Client, error) {
	o.defaults()
	end := time.Now().Add(o.SessionTimeout)
	conn, err := dial(ctx, addr, o, end)
	if err != nil {
		return nil, err
	}
	return newClient(ctx, conn, false, o, end)
}

// DialTLS connects to addr with implicit TLS (port 465, RFC 8314) and reads
// the banner. cfg.ServerName names the certificate we expect.
func DialTLS(ctx context.Context, addr string, cfg *tls.Config, o Options) (*Client, error) {
	o.defaults()
	end := time.Now().Add(o.SessionTimeout)
	conn, err := dial(ctx, addr, o, end)
	if err != nil {
		return nil, err
	}
	info, tconn, err := handshake(ctx, conn, cfg, o, end)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c, err := newClient(ctx, tconn, true, o, end)
	if c != nil {
		c.TLS = info
	}
	return c, err
}

// NewClient runs a session over an open connection (tests use net.Pipe) and
// reads the banner.
func NewClient(ctx context.Context, conn net.Conn, o Options) (*Client, error) {
	o.defaults()
	return newClient(ctx, conn, false, o, time.Now().Add(o.SessionTimeout))
}

func dial(ctx context.Context, addr string, o Options, end time.Time) (net.Conn, error) {
	o.Transcript.Notef("connecting to %s", addr)
	dctx, cancel := context.WithDeadline(ctx, earliest(time.Now().Add(o.DialTimeout), end))
	defer cancel()
	conn, err := o.Dialer.DialContext(dctx, o.Network, addr)
	if err != nil {
		o.Transcript.Notef("connect failed: %v", err)
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	o.Transcript.Notef("connected to %s", conn.RemoteAddr())
	return conn, nil
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func newClient(ctx context.Context, conn net.Conn, isTLS bool, o Options, end time.Time) (*Client, error) {
	c := &Client{opts: o, conn: conn, br: bufio.NewReaderSize(conn, 4096), tls: isTLS, end: end, RemoteAddr: conn.RemoteAddr().String()}
	start := time.Now()
	r, err := c.readReply(ctx)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("banner: %w", err)
	}
	c.Banner, c.BannerDelay = r, time.Since(start)
	if r.Code != 220 {
		return c, &ReplyError{Command: "(banner)", Reply: r}
	}
	return c, nil
}

// Transcript returns the session transcript.
func (c *Client) Transcript() *Transcript { return c.opts.Transcript }

// Redactor returns the redactor that knows every secret this session sent;
// nil when secrets are shown.
func (c *Client) Redactor() *Redactor { return c.opts.Redactor }

// record adds a line to the transcript with every known secret redacted.
func (c *Client) record(dir Direction, text string) {
	c.Transcript().add(dir, c.tls, c.opts.Redactor.Redact(text))
}

// IsTLS reports whether the session is encrypted now.
func (c *Client) IsTLS() bool { return c.tls }

// Close drops the connection without QUIT.
func (c *Client) Close() error { return c.conn.Close() }

// Hello sends EHLO (LHLO for LMTP) with the configured name and records the
// extensions. If an SMTP server rejects EHLO with 5xx, it falls back to HELO
// as RFC 5321 §3.2 allows.
func (c *Client) Hello(ctx context.Context) (*Reply, error) {
	verb := "EHLO"
	if c.opts.LMTP {
		verb = "LHLO"
	}
	r, err := c.Cmd(ctx, verb+" "+c.opts.LocalName)
	var re *ReplyError
	if errors.As(err, &re) && re.Reply.Code >= 500 && re.Reply.Code != 521 && !c.opts.LMTP {
		r, err = c.Cmd(ctx, "HELO "+c.opts.LocalName)
	}
	if err != nil {
		return r, err
	}
	c.HelloReply = r
	c.Ext, c.ExtOrder = map[string]string{}, nil
	for _, l := range r.Lines[1:] {
		kw, params, _ := strings.Cut(strings.TrimSpace(l), " ")
		kw = strings.ToUpper(kw)
		if kw == "" {
			continue
		}
		if _, dup := c.Ext[kw]; !dup {
			c.ExtOrder = append(c.ExtOrder, kw)
		}
		c.Ext[kw] = params
	}
	return r, nil
}

// HasExt reports whether the latest EHLO advertised keyword.
func (c *Client) HasExt(keyword string) bool {
	_, ok := c.Ext[strings.ToUpper(keyword)]
	return ok
}

// AuthMechanisms returns the SASL mechanisms of the latest EHLO.
func (c *Client) AuthMechanisms() []string {
	return strings.Fields(strings.ToUpper(c.Ext["AUTH"]))
}

// StartTLS sends STARTTLS and performs the handshake. The handshake
// completes even if the certificate does not verify; c.TLS.VerifyErr says
// why. As RFC 3207 §4.2 requires, the extensions learnt before are
// forgotten: call Hello again.
func (c *Client) StartTLS(ctx context.Context, cfg *tls.Config) error {
	if _, err := c.Cmd(ctx, "STARTTLS"); err != nil {
		return err
	}
	if c.br.Buffered() > 0 {
		// Plaintext that arrived after the 220 would be read as if it came
		// over TLS: the command injection of CVE-2011-0411 and kin.
		return fmt.Errorf("STARTTLS: server sent %d bytes after its 220 reply before the handshake", c.br.Buffered())
	}
	info, tconn, err := handshake(ctx, c.conn, cfg, c.opts, c.end)
	if err != nil {
		return err
	}
	c.conn, c.br, c.tls, c.TLS = tconn, bufio.NewReaderSize(tconn, 4096), true, info
	c.Ext, c.ExtOrder = nil, nil
	return nil
}

// handshake runs a TLS client handshake that always captures the peer
// chain, verifying it by hand so a bad certificate is reported, not fatal.
func handshake(ctx context.Context, conn net.Conn, cfg *tls.Config, o Options, end time.Time) (*TLSInfo, net.Conn, error) {
	if cfg == nil {
		cfg = &tls.Config{}
	}
	info := &TLSInfo{ServerName: cfg.ServerName}
	tc := cfg.Clone()
	verifyWanted := !cfg.InsecureSkipVerify
	tc.InsecureSkipVerify = true
	tc.VerifyConnection = func(cs tls.ConnectionState) error {
		if !verifyWanted {
			return nil
		}
		info.VerifyErr = verifyChain(cs, cfg.ServerName, cfg.RootCAs)
		return nil
	}
	// Always answer a certificate request ourselves: crypto/tls would
	// silently send nothing when our certificate's issuer is not among the
	// CAs the server names, and the server's verdict is what we report.
	tc.Certificates = nil
	tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		info.ClientCertRequested = true
		if len(cfg.Certificates) == 0 {
			return &tls.Certificate{}, nil
		}
		info.ClientCertSent = true
		return &cfg.Certificates[0], nil
	}
	tconn := tls.Client(conn, tc)
	hctx, cancel := context.WithDeadline(ctx, earliest(time.Now().Add(o.ReplyTimeout), end))
	defer cancel()
	o.Transcript.Notef("TLS handshake (server name %q)", cfg.ServerName)
	if err := tconn.HandshakeContext(hctx); err != nil {
		o.Transcript.Notef("TLS handshake failed: %v", err)
		if !time.Now().Before(end) {
			return nil, nil, fmt.Errorf("TLS handshake: %w", sessionDeadlineErr(o))
		}
		return nil, nil, fmt.Errorf("TLS handshake: %w", err)
	}
	info.State = tconn.ConnectionState()
	o.Transcript.Notef("TLS established: %s, %s", tls.VersionName(info.State.Version), tls.CipherSuiteName(info.State.CipherSuite))
	switch {
	case info.ClientCertSent:
		o.Transcript.Notef("client certificate presented at the server's request")
	case info.ClientCertRequested:
		o.Transcript.Notef("the server asked for a client certificate; none was given")
	}
	if info.VerifyErr != nil {
		o.Transcript.Notef("certificate not verified: %v", info.VerifyErr)
	}
	return info, tconn, nil
}

func verifyChain(cs tls.ConnectionState, name string, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: name, Roots: roots, Intermediates: inter})
	return err
}

// Auth authenticates with a go-sasl mechanism. The transcript shows the
// mechanism but not the credentials unless ShowSecrets is set, and every
// form of what was sent is scrubbed from what the server says back.
//
// The exchange answers at most SASLStepLimit(mechanism) challenges: a
// server that asks again after that gets "*" (RFC 4954 §4: the client
// cancels) and a *SASLStepError, and when it does not take the cancel
// either the connection is closed. Without the limit a server answering
// every LOGIN step with "Password:" gets the password resent until it
// hangs up.
func (c *Client) Auth(ctx context.Context, mech sasl.Client) (*Reply, error) {
	name, ir, err := mech.Start()
	if err != nil {
		return nil, fmt.Errorf("AUTH: %w", err)
	}
	cmd := "AUTH " + name
	shown := cmd
	if ir != nil {
		enc := "="
		if len(ir) > 0 {
			enc = base64.StdEncoding.EncodeToString(ir)
		}
		c.addSecrets(name, -1, nil, ir)
		cmd += " " + enc
		shown += " " + c.secret(enc)
	}
	limit := SASLStepLimit(name)
	r, err := c.cmd(ctx, cmd, shown)
	for steps := 0; err == nil && r.Code == 334; steps++ {
		if steps == limit {
			return r, c.cancelAuth(ctx, &SASLStepError{Mechanism: name, Steps: steps, Limit: limit})
		}
		ch, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.Join(r.Lines, "")))
		if derr != nil {
			return r, c.cancelAuth(ctx, fmt.Errorf("AUTH: server challenge is not base64: %w", derr))
		}
		resp, merr := mech.Next(ch)
		if merr != nil {
			return r, c.cancelAuth(ctx, fmt.Errorf("AUTH: %w", merr))
		}
		c.addSecrets(name, steps, ch, resp)
		line := base64.StdEncoding.EncodeToString(resp)
		r, err = c.cmd(ctx, line, c.secret(line))
	}
	if err != nil {
		return r, err
	}
	if r.Code != 235 {
		return r, &ReplyError{Command: shown, Reply: r}
	}
	return r, nil
}

// addSecrets tells the redactor what a SASL payload holds before it is
// sent: the encoded payload as a whole, and the secret inside it in the
// clear. step is -1 for the initial response. Callers that know the
// password add it themselves; this covers library users and a server that
// quotes a decoded blob.
func (c *Client) addSecrets(mech string, step int, challenge, payload []byte) {
	red := c.opts.Redactor
	red.AddEncoded(string(payload))
	p := string(payload)
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		// authzid NUL authcid NUL passwd (RFC 4616 §2)
		if i := strings.LastIndexByte(p, 0); i >= 0 {
			red.Add(p[i+1:])
		}
	case XOAuth2, sasl.OAuthBearer:
		// "auth=Bearer TOKEN" between ^A separators (RFC 7628 §3.1)
		for _, kv := range strings.Split(p, "\x01") {
			if v, ok := strings.CutPrefix(kv, "auth="); ok {
				red.Add(v)
				red.Add(strings.TrimPrefix(v, "Bearer "))
			}
		}
	case sasl.Login:
		// The user name stays readable; the password step is the one
		// whose prompt asks for it, or any after the first.
		if step > 0 || strings.Contains(strings.ToLower(string(challenge)), "pass") {
			red.Add(p)
		}
	default:
		red.Add(p)
	}
}

// SASLStepError ends an AUTH exchange whose server asked for more than the
// mechanism ever needs.
type SASLStepError struct {
	Mechanism string
	// Steps is how many challenges were answered; Limit the most allowed.
	Steps, Limit int
}

func (e *SASLStepError) Error() string {
	return fmt.Sprintf("AUTH %s: the server asked again after %d answered challenges, more than the mechanism ever needs (limit %d); the exchange was cancelled", e.Mechanism, e.Steps, e.Limit)
}

// SASLStepLimit is how many server challenges a mechanism answers at most:
// PLAIN, XOAUTH2 and OAUTHBEARER send everything in the initial response
// and answer at most one challenge (the error report of the token
// mechanisms); CRAM-MD5 answers its one challenge; LOGIN its user name and
// password prompts. Mechanisms not listed get 3.
func SASLStepLimit(mechanism string) int {
	switch strings.ToUpper(mechanism) {
	case sasl.Plain, XOAuth2, sasl.OAuthBearer, CRAMMD5:
		return 1
	case sasl.Login:
		return 2
	}
	return 3
}

// cancelAuth sends "*" to end an exchange and reads the server's answer.
// A server that still does not end the exchange has broken the protocol,
// so the connection is closed rather than read further.
func (c *Client) cancelAuth(ctx context.Context, cause error) error {
	r, err := c.cmd(ctx, "*", "*")
	var re *ReplyError
	if err != nil && !errors.As(err, &re) || err == nil && r.Code == 334 {
		c.conn.Close()
		c.Transcript().Notef("the server did not end the AUTH exchange on \"*\"; connection closed")
		return fmt.Errorf("%w; %w", cause, ErrAuthAbandoned)
	}
	return cause
}

// ErrAuthAbandoned wraps an AUTH error after which the connection was
// closed: the server went on with the exchange after the client cancelled.
var ErrAuthAbandoned = errors.New("the server did not take the cancel either, so the connection was closed")

func (c *Client) secret(s string) string {
	if c.opts.ShowSecrets {
		return s
	}
	return Redacted
}

// Mail sends MAIL FROM:<from> with optional ESMTP parameters ("SIZE=100 BODY=8BITMIME").
func (c *Client) Mail(ctx context.Context, from, params string) (*Reply, error) {
	return c.Cmd(ctx, strings.TrimSpace(fmt.Sprintf("MAIL FROM:<%s> %s", from, params)))
}

// Rcpt sends RCPT TO:<to> with optional parameters ("NOTIFY=FAILURE").
func (c *Client) Rcpt(ctx context.Context, to, params string) (*Reply, error) {
	return c.Cmd(ctx, strings.TrimSpace(fmt.Sprintf("RCPT TO:<%s> %s", to, params)))
}

// Data sends DATA and the message (dot-stuffed, CRLF line endings) and
// returns the final reply; for LMTP, one reply per accepted recipient
// (RFC 2033 §4.2), so pass how many were accepted.
func (c *Client) Data(ctx context.Context, msg io.Reader, lmtpRecipients int) ([]*Reply, error) {
	if _, err := c.Cmd(ctx, "DATA"); err != nil {
		return nil, err
	}
	var n int64
	stop := c.deadline(ctx)
	// The message can be large: the session deadline bounds the whole
	// write, not the per-reply timeout.
	c.conn.SetWriteDeadline(c.end) //nolint:errcheck
	w := bufio.NewWriter(c.conn)
	sc := bufio.NewScanner(msg)
	sc.Buffer(make([]byte, 64*1024), 10*1024*1024)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.HasPrefix(line, ".") {
			line = "." + line
		}
		k, _ := w.WriteString(line + "\r\n")
		n += int64(k)
	}
	if err := sc.Err(); err != nil {
		stop()
		return nil, fmt.Errorf("DATA: reading message: %w", err)
	}
	w.WriteString(".\r\n")
	err := w.Flush()
	stop()
	if err != nil {
		return nil, fmt.Errorf("DATA: %w", c.timeoutErr(err))
	}
	c.record(Sent, fmt.Sprintf("[message: %d bytes]", n))
	c.record(Sent, ".")
	count := 1
	if c.opts.LMTP {
		count = max(lmtpRecipients, 1)
	}
	var replies []*Reply
	for i := 0; i < count; i++ {
		r, err := c.readReply(ctx)
		if err != nil {
			return replies, err
		}
		replies = append(replies, r)
		if r.Code >= 400 && !c.opts.LMTP {
			return replies, &ReplyError{Command: "DATA (end of message)", Reply: r}
		}
	}
	return replies, nil
}

// Quit sends QUIT and closes the connection whatever the reply.
func (c *Client) Quit(ctx context.Context) (*Reply, error) {
	defer c.conn.Close()
	return c.Cmd(ctx, "QUIT")
}

// Cmd sends one command line and reads the reply. A 4xx/5xx reply is
// returned together with a *ReplyError.
func (c *Client) Cmd(ctx context.Context, line string) (*Reply, error) {
	return c.cmd(ctx, line, line)
}

func (c *Client) cmd(ctx context.Context, line, shown string) (*Reply, error) {
	if strings.ContainsAny(line, "\r\n") {
		return nil, fmt.Errorf("command %q contains a line break", clip(shown))
	}
	stop := c.deadline(ctx)
	_, err := io.WriteString(c.conn, line+"\r\n")
	stop()
	c.record(Sent, shown)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", verbOf(shown), c.timeoutErr(err))
	}
	r, err := c.readReply(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", verbOf(shown), err)
	}
	if r.Code >= 400 {
		return r, &ReplyError{Command: shown, Reply: r}
	}
	return r, nil
}

func verbOf(line string) string {
	v, _, _ := strings.Cut(line, " ")
	return v
}

// deadline arms the reply timeout (or the session deadline, when that
// comes first) and makes ctx cancellation interrupt the blocked read or
// write. The returned func disarms both.
func (c *Client) deadline(ctx context.Context) func() {
	conn := c.conn
	conn.SetDeadline(earliest(time.Now().Add(c.opts.ReplyTimeout), c.end)) //nolint:errcheck // pipes without deadlines still work
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	return func() {
		stop()
		conn.SetDeadline(time.Time{}) //nolint:errcheck
	}
}

// ErrTimeout wraps replies that did not come in time.
var ErrTimeout = errors.New("no reply in time")

// ErrSessionDeadline wraps (together with ErrTimeout) a session that ran
// out of its whole-session time, however quickly each reply came.
var ErrSessionDeadline = errors.New("session deadline reached")

func sessionDeadlineErr(o Options) error {
	return fmt.Errorf("%w: %w (the whole session may take %s)", ErrTimeout, ErrSessionDeadline, o.SessionTimeout)
}

// timeoutErr turns a network timeout that hit the session deadline into
// ErrSessionDeadline, so callers can say which limit ended the session.
func (c *Client) timeoutErr(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(c.end) {
		return sessionDeadlineErr(c.opts)
	}
	return err
}

func (c *Client) readReply(ctx context.Context) (*Reply, error) {
	stop := c.deadline(ctx)
	defer stop()
	start := time.Now()
	r := &Reply{}
	for {
		if len(r.Lines) >= c.opts.MaxReplyLines {
			c.conn.Close()
			return nil, fmt.Errorf("reply has more than %d lines; giving up on a server that floods", c.opts.MaxReplyLines)
		}
		line, err := c.readLine()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if !time.Now().Before(c.end) {
					c.Transcript().Notef("session deadline of %s reached", c.opts.SessionTimeout)
					return nil, sessionDeadlineErr(c.opts)
				}
				c.Transcript().Notef("no reply within %s", c.opts.ReplyTimeout)
				if ctx.Err() != nil {
					return nil, fmt.Errorf("%w: %v", ErrTimeout, ctx.Err())
				}
				return nil, fmt.Errorf("%w (waited %s)", ErrTimeout, c.opts.ReplyTimeout)
			}
			if errors.Is(err, io.EOF) {
				c.Transcript().Notef("connection closed by server")
				return nil, errors.New("connection closed by server")
			}
			return nil, err
		}
		c.record(Received, line)
		code, more, text, err := parseReplyLine(line)
		if err != nil {
			return nil, err
		}
		if r.Code != 0 && code != r.Code {
			return nil, fmt.Errorf("malformed reply: code changed from %d to %d within one reply", r.Code, code)
		}
		r.Code = code
		r.Lines = append(r.Lines, text)
		if !more {
			break
		}
	}
	r.Enhanced = enhancedOf(r.Code, r.Lines[0])
	r.Elapsed = time.Since(start)
	return r, nil
}

// redactLine scrubs secrets from a reply line, leaving the reply code
// alone so a secret made of digits cannot break the parse.
func (c *Client) redactLine(line string) string {
	if len(line) <= 4 {
		return line
	}
	return line[:4] + c.opts.Redactor.Redact(line[4:])
}

// readLine reads one CRLF- (or LF-) terminated line of at most MaxLineLength bytes.
func (c *Client) readLine() (string, error) {
	var buf []byte
	for {
		frag, err := c.br.ReadSlice('\n')
		if len(buf)+len(frag) > c.opts.MaxLineLength {
			c.conn.Close()
			return "", fmt.Errorf("reply line longer than %d bytes; giving up on a server that floods", c.opts.MaxLineLength)
		}
		buf = append(buf, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if len(buf) > 0 && errors.Is(err, io.EOF) {
				return "", fmt.Errorf("connection closed in the middle of a reply line %q", clip(c.redactLine(string(buf))))
			}
			return "", err
		}
		return c.redactLine(strings.TrimRight(string(buf), "\r\n")), nil
	}
}
