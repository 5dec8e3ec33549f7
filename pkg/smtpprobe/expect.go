package smtpprobe

import (
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
)

// StepKind names a session step.
type StepKind string

const (
	StepEHLO      StepKind = "ehlo"
	StepSTARTTLS  StepKind = "starttls"
	StepAuth      StepKind = "auth"
	StepVRFY      StepKind = "vrfy"
	StepEXPN      StepKind = "expn"
	StepRelayTest StepKind = "relay_test"
	StepMail      StepKind = "mail"
	StepRcpt      StepKind = "rcpt"
	StepData      StepKind = "data"
	StepRSET      StepKind = "rset"
	StepNOOP      StepKind = "noop"
	StepQuit      StepKind = "quit"
)

// stepKinds are the scriptable steps, in the order a session usually has them.
var stepKinds = []StepKind{StepEHLO, StepSTARTTLS, StepVRFY, StepEXPN, StepRelayTest, StepAuth, StepMail, StepRcpt, StepData, StepRSET, StepNOOP, StepQuit}

// Step is one command (or, for relay_test and data, one exchange) of a session.
type Step struct {
	Kind StepKind `json:"kind"`
	// Arg is the step's main argument: EHLO name, STARTTLS mode, AUTH
	// mechanism, address, or VRFY/EXPN argument.
	Arg string `json:"arg,omitempty"`
	// Params are ESMTP parameters appended to MAIL or RCPT.
	Params string `json:"params,omitempty"`
	User   string `json:"user,omitempty"`
	// Headers, Body and Message make the DATA step's message.
	Headers []string `json:"-"`
	Body    string   `json:"-"`
	Message []byte   `json:"-"`
	// Expect is the reply code the step must get, nil for none.
	Expect *CodePattern `json:"expect,omitempty"`
	// Source is where a scripted step was written ("session.yaml:12");
	// empty for steps built from flags.
	Source string `json:"source,omitempty"`
}

// CodePattern matches reply codes: alternatives of three characters, each a
// digit or x ("250", "2xx", "250|251").
type CodePattern struct{ alts []string }

// ParseCodePattern reads a reply code pattern.
func ParseCodePattern(s string) (CodePattern, error) {
	var p CodePattern
	for _, a := range strings.Split(strings.ToLower(strings.TrimSpace(s)), "|") {
		a = strings.TrimSpace(a)
		ok := len(a) == 3 && a[0] >= '2' && a[0] <= '5'
		for i := 1; ok && i < 3; i++ {
			ok = a[i] == 'x' || (a[i] >= '0' && a[i] <= '9')
		}
		if !ok {
			return CodePattern{}, fmt.Errorf("%q is not a reply code pattern (want three characters such as 250, 2xx or 55x, alternatives joined by |)", s)
		}
		p.alts = append(p.alts, a)
	}
	return p, nil
}

// Match reports whether code fits the pattern.
func (p CodePattern) Match(code int) bool {
	c := strconv.Itoa(code)
	if len(c) != 3 {
		return false
	}
	for _, a := range p.alts {
		ok := true
		for i := 0; i < 3; i++ {
			ok = ok && (a[i] == 'x' || a[i] == c[i])
		}
		if ok {
			return true
		}
	}
	return false
}

func (p CodePattern) String() string { return strings.Join(p.alts, "|") }

func (p CodePattern) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// ExpectKind names an assertion.
type ExpectKind string

const (
	ExpectExt             ExpectKind = "ext"
	ExpectAuth            ExpectKind = "auth"
	ExpectNoAuthBeforeTLS ExpectKind = "no_auth_before_tls"
	ExpectCode            ExpectKind = "code"
	ExpectTLSVersion      ExpectKind = "tls_version"
	ExpectCertDays        ExpectKind = "cert_days"
)

// Expectation is one CI assertion about the session.
type Expectation struct {
	Kind ExpectKind
	// Arg is the extension, the AUTH mechanism or, for code, the step.
	Arg  string
	Code CodePattern
	// TLSMin and TLSMax bound the negotiated version (tls.VersionTLS12...).
	TLSMin, TLSMax uint16
	Days           int
	// Origin says where the expectation was written, for the report.
	Origin string
}

// Name is how the expectation is listed: "ext STARTTLS", "code rcpt=250".
func (e Expectation) Name() string {
	switch e.Kind {
	case ExpectExt, ExpectAuth:
		return string(e.Kind) + " " + e.Arg
	case ExpectCode:
		return "code " + e.Arg + "=" + e.Code.String()
	case ExpectTLSVersion:
		return "tls_version " + tlsSpecString(e.TLSMin, e.TLSMax)
	case ExpectCertDays:
		return fmt.Sprintf("cert_days %d", e.Days)
	}
	return string(e.Kind)
}

// ExpectationResult is the verdict on one expectation.
type ExpectationResult struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Pass bool   `json:"pass"`
	// Source is where the expectation was written: a flag
	// ("--expect-ext") or a script line ("session.yaml:12").
	Source string `json:"source,omitempty"`
}

// codeSteps are the steps --expect-code can name; "tls" is STARTTLS.
var codeSteps = map[string]StepKind{
	"banner": "banner", "ehlo": StepEHLO, "starttls": StepSTARTTLS, "tls": StepSTARTTLS,
	"auth": StepAuth, "vrfy": StepVRFY, "expn": StepEXPN, "mail": StepMail, "rcpt": StepRcpt,
	"data": StepData, "rset": StepRSET, "noop": StepNOOP, "quit": StepQuit,
}

// ParseExpectCode reads --expect-code STEP=CODE ("rcpt=250", "mail=2xx").
func ParseExpectCode(s string) (Expectation, error) {
	step, code, ok := strings.Cut(s, "=")
	if !ok {
		return Expectation{}, fmt.Errorf("%q: want STEP=CODE, for example rcpt=250", s)
	}
	kind, ok := codeSteps[strings.ToLower(strings.TrimSpace(step))]
	if !ok {
		return Expectation{}, fmt.Errorf("%q: unknown step %q (want banner, ehlo, starttls, auth, vrfy, expn, mail, rcpt, data, rset, noop or quit)", s, step)
	}
	p, err := ParseCodePattern(code)
	if err != nil {
		return Expectation{}, fmt.Errorf("%q: %v", s, err)
	}
	return Expectation{Kind: ExpectCode, Arg: string(kind), Code: p}, nil
}

var tlsVersions = []struct {
	name string
	v    uint16
}{{"1.0", tls.VersionTLS10}, {"1.1", tls.VersionTLS11}, {"1.2", tls.VersionTLS12}, {"1.3", tls.VersionTLS13}}

// ParseTLSVersion reads --expect-tls-version: "1.2+" (at least 1.2) or
// "1.3" (exactly), with or without a "TLS" prefix.
func ParseTLSVersion(s string) (Expectation, error) {
	v := strings.TrimSpace(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "TLS"))
	atLeast := strings.HasSuffix(v, "+")
	v = strings.TrimSpace(strings.TrimSuffix(v, "+"))
	for _, tv := range tlsVersions {
		if tv.name == v {
			e := Expectation{Kind: ExpectTLSVersion, TLSMin: tv.v, TLSMax: tv.v}
			if atLeast {
				e.TLSMax = tls.VersionTLS13
			}
			return e, nil
		}
	}
	return Expectation{}, fmt.Errorf("%q is not a TLS version (want 1.0, 1.1, 1.2 or 1.3, with + for \"or newer\")", s)
}

func tlsSpecString(lo, hi uint16) string {
	name := func(v uint16) string { return strings.TrimPrefix(tls.VersionName(v), "TLS ") }
	if lo == hi {
		return name(lo)
	}
	return name(lo) + "+"
}
