// Package smtpprobe runs one scripted SMTP session against a mail server on
// the shared engine (pkg/smtpclient) and judges what it saw: the banner and
// greeting delay, the host name the server announces against its PTR and
// the name we connected to, STARTTLS and the certificate (name, expiry,
// trust, TLS version), AUTH offered before TLS, authentication, open relay,
// the SIZE limit, and every rejection explained with its enhanced status
// code. Sessions come from flags (Options) or a YAML script (LoadScript);
// CI assertions (Expectation) are checked and listed with pass/fail.
//
// It never sends a message unless one is given, never relays to a real
// third party (the relay test uses reserved names), never sends a password
// over a connection that is not encrypted and verified unless told to, and
// redacts credentials in everything it returns. It does not deliver or queue
// mail, retry, or do its own MX lookup: @domain targets go through pkg/mx.
package smtpprobe

import (
	"crypto/x509"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

// Phase is how far a session goes (--quit-after).
type Phase int

const (
	// PhaseDefault means rcpt, or data when a message is given.
	PhaseDefault Phase = iota
	PhaseConnect
	PhaseBanner
	PhaseEHLO
	PhaseTLS
	PhaseAuth
	PhaseMail
	PhaseRcpt
	PhaseData
)

var phaseNames = [...]string{"default", "connect", "banner", "ehlo", "tls", "auth", "mail", "rcpt", "data"}

func (p Phase) String() string {
	if p < PhaseDefault || p > PhaseData {
		return fmt.Sprintf("phase(%d)", int(p))
	}
	return phaseNames[p]
}

// PhaseNames lists the values --quit-after accepts.
func PhaseNames() []string { return append([]string(nil), phaseNames[1:]...) }

// ParsePhase reads a --quit-after value.
func ParsePhase(s string) (Phase, error) {
	for i, n := range phaseNames[1:] {
		if strings.EqualFold(s, n) {
			return Phase(i + 1), nil
		}
	}
	return PhaseDefault, fmt.Errorf("unknown step %q (want %s)", s, strings.Join(PhaseNames(), ", "))
}

// StartTLSMode says what to do about STARTTLS.
type StartTLSMode string

const (
	// TLSAuto upgrades when the server offers STARTTLS and goes on in plain
	// text (with a finding) when it does not.
	TLSAuto StartTLSMode = "auto"
	// TLSRequire ends the session when STARTTLS is missing or fails.
	TLSRequire StartTLSMode = "require"
	// TLSNever stays in plain text.
	TLSNever StartTLSMode = "never"
)

// ParseStartTLSMode reads a --starttls value.
func ParseStartTLSMode(s string) (StartTLSMode, error) {
	switch m := StartTLSMode(strings.ToLower(s)); m {
	case TLSAuto, TLSRequire, TLSNever:
		return m, nil
	}
	return "", fmt.Errorf("unknown STARTTLS mode %q (want auto, require or never)", s)
}

// Options are everything that shapes one probe. The zero value probes with
// EHLO, STARTTLS when offered, and MAIL FROM:<> without recipients.
type Options struct {
	// EHLO is the name sent in every EHLO/LHLO; default the script's ehlo,
	// else this machine's host name when it is a FQDN, else "localhost".
	EHLO         string
	StartTLS     StartTLSMode // default TLSAuto
	TLSOnConnect bool         // implicit TLS (port 465)
	LMTP         bool

	// QuitAfter ends the session after that phase.
	QuitAfter Phase
	// From is the MAIL FROM address; "" sends the null reverse-path <>, so
	// the probe never claims an address that may belong to someone.
	From string
	To   []string
	// SendData sends a message built from Headers and Body, or Message as is.
	SendData bool
	Headers  []string // "Name: value", replacing the default header of that name
	Body     string
	Message  []byte

	// DSN parameters (RFC 3461) and other ESMTP parameters, sent only when
	// the server advertises the extension.
	DSNNotify string // NEVER or a comma list of SUCCESS, FAILURE, DELAY
	DSNRet    string // FULL or HDRS
	DSNEnvID  string
	SMTPUTF8  bool
	Size      int64

	// AuthMech is PLAIN, LOGIN, CRAM-MD5, XOAUTH2 or OAUTHBEARER; empty with
	// a User picks the first of PLAIN, LOGIN, CRAM-MD5 the server offers.
	AuthMech string
	User     string
	// Password is the password or bearer token. It is never put in a
	// Result, a transcript or an error.
	Password string `json:"-"`
	// InsecureAuth sends credentials over plain text or a connection whose
	// certificate did not verify; without it such an AUTH is skipped.
	InsecureAuth bool

	VRFY []string
	EXPN []string
	// RelayTest asks the server, unauthenticated, to take mail from and to
	// reserved domains; it never sends DATA.
	RelayTest bool

	// Script replaces the session fields above with scripted steps; its
	// expectations are added to Expect.
	Script *Script
	Expect []Expectation

	// RootCAs are trusted besides the system roots (which are loaded only
	// when a certificate does not chain to these).
	RootCAs *x509.CertPool
	// TLSName is the name sent as SNI and that the certificate must carry,
	// instead of the host connected to (for a server reached by IP, or by
	// another name than the one on its certificate).
	TLSName string
	// Connect maps lower-case host names to the address to dial instead
	// of the one DNS gives (curl's --resolve): the host name still counts
	// for SNI, the certificate, DANE and the name checks. A zero port
	// keeps the target's.
	Connect map[string]netip.AddrPort
	// Client holds the connection and TLS choices: address family, source
	// address, TLS versions, cipher suites, client certificate.
	Client smtpclient.Controls
	// TLSGrade grades the server's TLS against Guideline with one extra
	// short session per TLS version and weak suite class (8 in all).
	TLSGrade    bool
	ShowSecrets bool

	DialTimeout  time.Duration // default 10s
	ReplyTimeout time.Duration // default 30s
	// SessionTimeout bounds a whole session, however quickly each reply
	// comes; default DefaultSessionTimeout.
	SessionTimeout time.Duration
	// Resolver answers the PTR and forward lookups of the name checks; nil
	// skips them.
	Resolver *resolver.Resolver

	// Port for targets without one (Run); default 25.
	Port int
	// AllMX probes every MX of a domain target, not just the first.
	AllMX bool
	// Concurrency bounds parallel sessions; default 8.
	Concurrency int

	// defaultRcpt is the recipient Run derives from a domain target.
	defaultRcpt string
}

// DefaultSessionTimeout bounds one session unless told otherwise: far
// longer than any healthy server needs for a probe (well under a second on
// a LAN, a few seconds across the world, greet delays included), short
// enough that a server dripping one byte at a time cannot hold a CI job.
const DefaultSessionTimeout = 2 * time.Minute

// Relay test addresses: .invalid and .example are reserved (RFC 2606), so
// even a server that relays can deliver nothing to a real third party.
const (
	RelayTestFrom = "relay-test@mailflow.invalid"
	RelayTestTo   = "relay-probe@relay-check.example"
)

func (o *Options) defaults() {
	if o.EHLO == "" && o.Script != nil {
		o.EHLO = o.Script.EHLO
	}
	if o.EHLO == "" {
		o.EHLO = localName()
	}
	if o.StartTLS == "" {
		o.StartTLS = TLSAuto
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
	if o.ReplyTimeout <= 0 {
		o.ReplyTimeout = 30 * time.Second
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = DefaultSessionTimeout
	}
	if o.Port <= 0 {
		o.Port = 25
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
}

// localName is what a mail client would say in EHLO: the machine's name if
// it is fully qualified, since servers may reject a bare label.
func localName() string {
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") {
		return h
	}
	return "localhost"
}

// Plan turns the session fields into the steps Probe runs, or returns the
// script's steps when it has any. defaultRcpt is used when To is empty (postmaster@domain
// for a domain target); without any recipient the session stops after MAIL.
// It rejects combinations that would silently do less than asked.
func (o Options) Plan(defaultRcpt string) ([]Step, error) {
	if o.scripted() {
		return o.Script.Steps, nil
	}
	quit := o.QuitAfter
	if quit == PhaseDefault {
		quit = PhaseRcpt
		if o.SendData {
			quit = PhaseData
		}
	}
	to := o.To
	if len(to) == 0 && defaultRcpt != "" {
		to = []string{defaultRcpt}
	}
	needs := func(flag string, p Phase) error {
		if quit < p {
			return fmt.Errorf("%s needs --quit-after %s or later, not %s", flag, p, quit)
		}
		return nil
	}
	checks := []struct {
		given bool
		flag  string
		phase Phase
	}{
		{len(o.VRFY) > 0, "--vrfy", PhaseTLS},
		{len(o.EXPN) > 0, "--expn", PhaseTLS},
		{o.RelayTest, "--relay-test", PhaseTLS},
		{o.AuthMech != "" || o.User != "", "--auth/--user", PhaseAuth},
		{len(o.To) > 0, "--to", PhaseRcpt},
		{o.SendData, "--body/--data", PhaseData},
	}
	for _, c := range checks {
		if c.given {
			if err := needs(c.flag, c.phase); err != nil {
				return nil, err
			}
		}
	}
	if quit == PhaseData && !o.SendData {
		return nil, fmt.Errorf("--quit-after data needs a message: give --body or --data")
	}
	if quit == PhaseData && len(to) == 0 {
		return nil, fmt.Errorf("a message needs at least one --to")
	}
	var steps []Step
	add := func(p Phase, s Step) {
		if quit >= p {
			steps = append(steps, s)
		}
	}
	add(PhaseEHLO, Step{Kind: StepEHLO})
	if !o.TLSOnConnect && o.StartTLS != TLSNever {
		add(PhaseTLS, Step{Kind: StepSTARTTLS, Arg: string(o.StartTLS)})
	}
	for _, v := range o.VRFY {
		add(PhaseTLS, Step{Kind: StepVRFY, Arg: v})
	}
	for _, v := range o.EXPN {
		add(PhaseTLS, Step{Kind: StepEXPN, Arg: v})
	}
	if o.RelayTest {
		add(PhaseTLS, Step{Kind: StepRelayTest, Arg: o.From})
	}
	if o.AuthMech != "" || o.User != "" {
		add(PhaseAuth, Step{Kind: StepAuth, Arg: strings.ToUpper(o.AuthMech), User: o.User})
	}
	add(PhaseMail, Step{Kind: StepMail, Arg: o.From})
	for _, r := range to {
		add(PhaseRcpt, Step{Kind: StepRcpt, Arg: r})
	}
	if o.SendData {
		add(PhaseData, Step{Kind: StepData, Headers: o.Headers, Body: o.Body, Message: o.Message})
	}
	return steps, nil
}

// connectTo returns the address to dial for host at addr: the --connect
// address when one is given for host, else addr.
func (o Options) connectTo(host, addr string) (string, bool) {
	ap, ok := o.Connect[strings.ToLower(strings.TrimSuffix(host, "."))]
	if !ok || host == "" {
		return addr, false
	}
	port := ap.Port()
	if port == 0 {
		if p, err := netip.ParseAddrPort(addr); err == nil {
			port = p.Port()
		}
	}
	return netip.AddrPortFrom(ap.Addr(), port).String(), true
}

// scripted reports a session driven by script steps rather than flags.
func (o Options) scripted() bool { return o.Script != nil && len(o.Script.Steps) > 0 }

// stopsBeforeBanner reports --quit-after connect: only the TCP connect.
func (o Options) stopsBeforeBanner() bool { return !o.scripted() && o.QuitAfter == PhaseConnect }
