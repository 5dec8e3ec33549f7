package smtpprobe_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

func FuzzLoadScript(f *testing.F) {
	f.Add([]byte(fullScript))
	f.Add([]byte("steps: [ehlo, quit]\n"))
	f.Add([]byte("expect:\n  - code: rcpt=250|251\n"))
	f.Add([]byte("steps:\n  - &a ehlo\n  - *a\n"))
	f.Add([]byte("steps:\n  - data: {headers: [\"X: y\"], body: \"a\\r\\n.\\r\\n\"}\n"))
	f.Add([]byte("steps: [ehlo]\nsteps: [quit]\n"))
	f.Add([]byte("steps:\n  - rcpt: {to: a@b.example, to: c@d.example}\n    expect: 250\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := smtpprobe.LoadScript("fuzz.yaml", data)
		if err != nil {
			var se *smtpprobe.ScriptError
			if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		for _, st := range s.Steps {
			for _, v := range []string{st.Arg, st.Params, st.User} {
				if strings.ContainsAny(v, "\r\n") {
					t.Fatalf("step %s accepted a line break: %q", st.Kind, v)
				}
			}
			if (st.Kind == smtpprobe.StepRcpt || st.Kind == smtpprobe.StepMail) && smtpprobe.CheckAddress(st.Arg) != nil {
				t.Fatalf("step %s accepted address %q", st.Kind, st.Arg)
			}
		}
	})
}

func FuzzParseExpectCode(f *testing.F) {
	for _, s := range []string{"rcpt=250", "mail=2xx", "data=250|251", "banner=220", "rcpt", "x=1", "tls=5x0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := smtpprobe.ParseExpectCode(s)
		if err != nil {
			return
		}
		// The name must parse back to the same expectation.
		again, err := smtpprobe.ParseExpectCode(strings.TrimPrefix(x.Name(), "code "))
		if err != nil || again.Name() != x.Name() {
			t.Fatalf("%q → %q does not round-trip: %v", s, x.Name(), err)
		}
		for code := 200; code < 600; code += 50 {
			if x.Code.Match(code) != again.Code.Match(code) {
				t.Fatalf("%q: match of %d differs after round trip", s, code)
			}
		}
	})
}

func FuzzParseTLSVersion(f *testing.F) {
	for _, s := range []string{"1.2+", "TLS1.3", "tls 1.0", "1.4", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := smtpprobe.ParseTLSVersion(s)
		if err != nil {
			return
		}
		if x.TLSMin > x.TLSMax || x.TLSMin == 0 {
			t.Fatalf("%q: range %x..%x", s, x.TLSMin, x.TLSMax)
		}
	})
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"mx.example.com:25", "@example.com", "a@b.example", "[::1]:25", "192.0.2.1", "@", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := smtpprobe.ParseTarget(s)
		if err != nil {
			return
		}
		if (tg.Domain == "") == (tg.Host == "") {
			t.Fatalf("%q: want exactly one of host and domain, got %+v", s, tg)
		}
		if tg.Port < 0 || tg.Port > 65535 {
			t.Fatalf("%q: port %d", s, tg.Port)
		}
		if strings.ContainsAny(tg.Host+tg.Domain+tg.Recipient, " \r\n<>") {
			t.Fatalf("%q: unsafe characters in %+v", s, tg)
		}
	})
}

// FuzzParseFlagValues feeds one string to every small flag parser of smtp
// (--expect-code's pattern, --expect-cert-days, --quit-after, --starttls):
// each refuses it or accepts a value that prints back to itself.
func FuzzParseFlagValues(f *testing.F) {
	for _, s := range []string{"250", "2xx|55x", "5X0 | 251", "199", "2x", "30", "-1", "36501", " 7 ", "rcpt", "TLS", "data",
		"require", "Never", "auto", "default", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := smtpprobe.ParseCodePattern(s); err == nil {
			again, err := smtpprobe.ParseCodePattern(p.String())
			if err != nil || again.String() != p.String() {
				t.Fatalf("pattern %q → %q does not parse back: %v", s, p, err)
			}
			for code := 0; code < 1000; code++ {
				if p.Match(code) && (code < 200 || code > 599) {
					t.Fatalf("pattern %q matches reply code %d", s, code)
				}
			}
		}
		if x, err := smtpprobe.ParseCertDays(s); err == nil && (x.Days < 0 || x.Days > 36500) {
			t.Fatalf("cert days %q → %d", s, x.Days)
		}
		if ph, err := smtpprobe.ParsePhase(s); err == nil {
			if again, err := smtpprobe.ParsePhase(ph.String()); err != nil || again != ph || ph == smtpprobe.PhaseDefault {
				t.Fatalf("--quit-after %q → %v", s, ph)
			}
		}
		if m, err := smtpprobe.ParseStartTLSMode(s); err == nil && m != smtpprobe.TLSAuto && m != smtpprobe.TLSRequire && m != smtpprobe.TLSNever {
			t.Fatalf("--starttls %q → %q", s, m)
		}
	})
}
