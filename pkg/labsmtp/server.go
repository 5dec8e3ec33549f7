// Package labsmtp runs SMTP servers on loopback for the built-in lab and
// for tests: a well-behaved go-smtp server whose policy can be set wrong on
// purpose (AUTH offered before STARTTLS, open relay, a certificate for the
// wrong name, a greeting delay), and hostile fakes that stall, flood or send
// garbage. Accepted messages are counted and discarded: nothing is stored
// or forwarded anywhere.
package labsmtp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Config is a server's policy.
type Config struct {
	// Addr to listen on; default "127.0.0.1:0".
	Addr     string
	Hostname string // banner and EHLO name
	// TLS enables STARTTLS (or implicit TLS with ImplicitTLS).
	TLS         *tls.Config
	ImplicitTLS bool
	// TLSMaxVersion, when set, is the newest TLS version the server
	// speaks (and with TLSMinVersion unset, the only one).
	TLSMaxVersion, TLSMinVersion uint16
	// ClientCAs makes the server require a client certificate issued by
	// one of these CAs, as certificate-authenticated connectors do.
	ClientCAs *x509.CertPool
	LMTP      bool
	// AuthBeforeTLS advertises and accepts AUTH on a plaintext session:
	// the misconfiguration that leaks passwords.
	AuthBeforeTLS bool
	// Users enables AUTH PLAIN with these user → password pairs.
	Users map[string]string
	// LocalDomains are the domains the server accepts mail for.
	LocalDomains []string
	// OpenRelay accepts any recipient from anyone.
	OpenRelay bool
	// GreetDelay holds the banner back, as some servers do against spam bots.
	GreetDelay time.Duration
	// MaxSize is advertised as SIZE; 0 advertises none.
	MaxSize int64
	// RejectRcpt maps a recipient address to the error returned at RCPT.
	RejectRcpt map[string]*smtp.SMTPError
}

// Server is a running lab SMTP server.
type Server struct {
	Addr     string
	cfg      Config
	srv      *smtp.Server
	ln       net.Listener
	messages atomic.Int64
}

// Start listens and serves in the background.
func Start(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "localhost"
	}
	if cfg.TLS != nil && (cfg.TLSMaxVersion != 0 || cfg.TLSMinVersion != 0 || cfg.ClientCAs != nil) {
		t := cfg.TLS.Clone()
		if cfg.TLSMaxVersion != 0 {
			t.MaxVersion, t.MinVersion = cfg.TLSMaxVersion, cfg.TLSMaxVersion
		}
		if cfg.TLSMinVersion != 0 {
			t.MinVersion = cfg.TLSMinVersion
		}
		if cfg.ClientCAs != nil {
			t.ClientCAs, t.ClientAuth = cfg.ClientCAs, tls.RequireAndVerifyClientCert
		}
		cfg.TLS = t
	}
	s := &Server{cfg: cfg}
	srv := smtp.NewServer(backend{s})
	srv.Domain = cfg.Hostname
	srv.TLSConfig = cfg.TLS
	srv.LMTP = cfg.LMTP
	srv.AllowInsecureAuth = cfg.AuthBeforeTLS
	srv.MaxMessageBytes = cfg.MaxSize
	srv.EnableSMTPUTF8 = true
	srv.EnableDSN = true
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = discardLog{}
	var ln net.Listener
	var err error
	if cfg.ImplicitTLS {
		ln, err = tls.Listen("tcp", cfg.Addr, cfg.TLS)
	} else {
		ln, err = net.Listen("tcp", cfg.Addr)
	}
	if err != nil {
		return nil, err
	}
	if cfg.GreetDelay > 0 {
		ln = &delayListener{Listener: ln, delay: cfg.GreetDelay}
	}
	s.srv, s.ln, s.Addr = srv, ln, ln.Addr().String()
	go srv.Serve(ln) //nolint:errcheck // ends on Close
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Messages returns how many messages were accepted (and discarded).
func (s *Server) Messages() int64 { return s.messages.Load() }

type discardLog struct{}

func (discardLog) Printf(string, ...any) {}
func (discardLog) Println(...any)        {}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s      *Server
	conn   *smtp.Conn
	authed bool
	rcpts  int
}

func (se *session) AuthMechanisms() []string {
	if len(se.s.cfg.Users) == 0 {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

var errAuthFailed = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}

func (se *session) check(user, pass string) error {
	if want, ok := se.s.cfg.Users[user]; ok && want == pass {
		se.authed = true
		return nil
	}
	return errAuthFailed
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return errAuthFailed
			}
			return se.check(user, pass)
		}), nil
	case sasl.Login:
		return newLoginServer(se.check), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (se *session) Mail(from string, opts *smtp.MailOptions) error { return nil }

func (se *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	if e, ok := se.s.cfg.RejectRcpt[strings.ToLower(to)]; ok {
		return e
	}
	_, domain, _ := strings.Cut(strings.ToLower(to), "@")
	local := false
	for _, d := range se.s.cfg.LocalDomains {
		if strings.EqualFold(d, domain) {
			local = true
		}
	}
	if !local && !se.authed && !se.s.cfg.OpenRelay {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "<" + to + ">: Relay access denied"}
	}
	se.rcpts++
	return nil
}

func (se *session) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	se.s.messages.Add(1)
	return nil
}

// LMTPData answers once per recipient, as RFC 2033 requires.
func (se *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	return se.Data(r)
}

func (se *session) Reset()        { se.rcpts = 0 }
func (se *session) Logout() error { return nil }

// loginServer implements the obsolete but ubiquitous LOGIN mechanism
// (draft-murchison-sasl-login), which go-sasl only has as a client.
type loginServer struct {
	check func(user, pass string) error
	user  string
	step  int
}

func newLoginServer(check func(user, pass string) error) sasl.Server {
	return &loginServer{check: check}
}

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		l.step = 1
		if response != nil {
			l.user = string(response)
			l.step = 2
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.user, l.step = string(response), 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.check(l.user, string(response))
	}
	return nil, true, errors.New("unexpected LOGIN response")
}

// delayListener holds back the first write (the banner) on every connection.
type delayListener struct {
	net.Listener
	delay time.Duration
}

func (l *delayListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &delayConn{Conn: c, delay: l.delay}, nil
}

type delayConn struct {
	net.Conn
	delay time.Duration
	once  sync.Once
}

func (c *delayConn) Write(b []byte) (int, error) {
	c.once.Do(func() { time.Sleep(c.delay) })
	return c.Conn.Write(b)
}
