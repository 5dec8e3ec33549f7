// Package smtpclient is the SMTP session engine every mailflow command uses
// to talk to a mail server: plain, STARTTLS or implicit TLS, SMTP or LMTP.
//
// Unlike net/smtp and go-smtp's client it is built for diagnosis: it keeps
// the banner and every reply line, sends the EHLO name we choose before and
// after STARTTLS, can send arbitrary commands (VRFY, EXPN, RSET), records a
// direction-tagged, timestamped transcript with AUTH exchanges redacted, and
// completes the TLS handshake even when the certificate does not verify so
// the certificate can be reported. Every read is bounded by a deadline, a
// maximum line length and a maximum number of lines per reply, so a hostile
// server cannot stall us or make us buffer without bound.
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
	// ShowSecrets disables redaction of AUTH exchanges in the transcript.
	ShowSecrets bool
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
}

// Client is one SMTP session. It is not safe for concurrent use.
type Client struct {
	opts Options
	conn net.Conn
	br   *bufio.Reader
	tls  bool
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
	conn, err := dial(ctx, addr, o)
	if err != nil {
		return nil, err
	}
	return newClient(ctx, conn, false, o)
}

// DialTLS connects to addr with implicit TLS (port 465, RFC 8314) and reads
// the banner. cfg.ServerName names the certificate we expect.
func DialTLS(ctx context.Context, addr string, cfg *tls.Config, o Options) (*Client, error) {
	o.defaults()
	conn, err := dial(ctx, addr, o)
	if err != nil {
		return nil, err
	}
	info, tconn, err := handshake(ctx, conn, cfg, o)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c, err := newClient(ctx, tconn, true, o)
	if c != nil {
		c.TLS = info
	}
	return c, err
}

// NewClient runs a session over an open connection (tests use net.Pipe) and
// reads the banner.
func NewClient(ctx context.Context, conn net.Conn, o Options) (*Client, error) {
	o.defaults()
	return newClient(ctx, conn, false, o)
}

func dial(ctx context.Context, addr string, o Options) (net.Conn, error) {
	o.Transcript.Notef("connecting to %s", addr)
	dctx, cancel := context.WithTimeout(ctx, o.DialTimeout)
	defer cancel()
	conn, err := o.Dialer.DialContext(dctx, "tcp", addr)
	if err != nil {
		o.Transcript.Notef("connect failed: %v", err)
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	o.Transcript.Notef("connected to %s", conn.RemoteAddr())
	return conn, nil
}

func newClient(ctx context.Context, conn net.Conn, isTLS bool, o Options) (*Client, error) {
	c := &Client{opts: o, conn: conn, br: bufio.NewReaderSize(conn, 4096), tls: isTLS, RemoteAddr: conn.RemoteAddr().String()}
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
	info, tconn, err := handshake(ctx, c.conn, cfg, c.opts)
	if err != nil {
		return err
	}
	c.conn, c.br, c.tls, c.TLS = tconn, bufio.NewReaderSize(tconn, 4096), true, info
	c.Ext, c.ExtOrder = nil, nil
	return nil
}

// handshake runs a TLS client handshake that always captures the peer
// chain, verifying it by hand so a bad certificate is reported, not fatal.
func handshake(ctx context.Context, conn net.Conn, cfg *tls.Config, o Options) (*TLSInfo, net.Conn, error) {
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
	tconn := tls.Client(conn, tc)
	hctx, cancel := context.WithTimeout(ctx, o.ReplyTimeout)
	defer cancel()
	o.Transcript.Notef("TLS handshake (server name %q)", cfg.ServerName)
	if err := tconn.HandshakeContext(hctx); err != nil {
		o.Transcript.Notef("TLS handshake failed: %v", err)
		return nil, nil, fmt.Errorf("TLS handshake: %w", err)
	}
	info.State = tconn.ConnectionState()
	o.Transcript.Notef("TLS established: %s, %s", tls.VersionName(info.State.Version), tls.CipherSuiteName(info.State.CipherSuite))
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
// mechanism but not the credentials unless ShowSecrets is set.
func (c *Client) Auth(ctx context.Context, mech sasl.Client) (*Reply, error) {
	name, ir, err := mech.Start()
	if err != nil {
		return nil, fmt.Errorf("AUTH: %w", err)
	}
	cmd := "AUTH " + name
	if ir != nil {
		enc := "="
		if len(ir) > 0 {
			enc = base64.StdEncoding.EncodeToString(ir)
		}
		cmd += " " + enc
	}
	shown := "AUTH " + name
	if ir != nil {
		shown += " " + c.secret(cmd[len(shown)+1:])
	}
	r, err := c.cmd(ctx, cmd, shown)
	for err == nil && r.Code == 334 {
		ch, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.Join(r.Lines, "")))
		if derr != nil {
			c.cmd(ctx, "*", "*") //nolint:errcheck // RFC 4954 §4: "*" cancels the exchange
			return r, fmt.Errorf("AUTH: server challenge is not base64: %w", derr)
		}
		resp, merr := mech.Next(ch)
		if merr != nil {
			c.cmd(ctx, "*", "*") //nolint:errcheck
			return r, fmt.Errorf("AUTH: %w", merr)
		}
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

func (c *Client) secret(s string) string {
	if c.opts.ShowSecrets {
		return s
	}
	return "**** (redacted)"
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
		return nil, fmt.Errorf("DATA: %w", err)
	}
	c.Transcript().add(Sent, c.tls, fmt.Sprintf("[message: %d bytes]", n))
	c.Transcript().add(Sent, c.tls, ".")
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
	c.Transcript().add(Sent, c.tls, shown)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", verbOf(shown), err)
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

// deadline arms the reply timeout and makes ctx cancellation interrupt the
// blocked read or write. The returned func disarms both.
func (c *Client) deadline(ctx context.Context) func() {
	conn := c.conn
	conn.SetDeadline(time.Now().Add(c.opts.ReplyTimeout)) //nolint:errcheck // pipes without deadlines still work
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	return func() {
		stop()
		conn.SetDeadline(time.Time{}) //nolint:errcheck
	}
}

// ErrTimeout wraps replies that did not come in time.
var ErrTimeout = errors.New("no reply in time")

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
		c.Transcript().add(Received, c.tls, line)
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
				return "", fmt.Errorf("connection closed in the middle of a reply line %q", clip(string(buf)))
			}
			return "", err
		}
		return strings.TrimRight(string(buf), "\r\n"), nil
	}
}
