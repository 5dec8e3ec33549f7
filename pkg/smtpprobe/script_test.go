package smtpprobe_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

const fullScript = `
description: submission host must take mail only after TLS and AUTH
ehlo: client.lab.test
steps:
  - ehlo
  - starttls: require
  - vrfy: postmaster
  - relay_test
  - auth: {mechanism: PLAIN, user: probe@lab.test}
  - mail: sender@lab.test
  - rcpt: nobody@lab.test
    expect: 550
  - rcpt: {to: a@lab.test, params: NOTIFY=NEVER}
    expect: 2xx
  - data:
      headers: ["Subject: scripted"]
      body: |
        hello
  - rset
  - noop
  - quit
expect:
  - ext: starttls
  - auth: PLAIN
  - no_auth_before_tls
  - code: mail=250
  - tls_version: 1.2+
  - cert_days: 14
`

func TestLoadScript(t *testing.T) {
	s, err := smtpprobe.LoadScript("ok.yaml", []byte(fullScript))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, st := range s.Steps {
		kinds = append(kinds, string(st.Kind))
	}
	if got := strings.Join(kinds, " "); got != "ehlo starttls vrfy relay_test auth mail rcpt rcpt data rset noop quit" {
		t.Errorf("steps %q", got)
	}
	rc := s.Steps[7]
	if rc.Arg != "a@lab.test" || rc.Params != "NOTIFY=NEVER" || rc.Expect == nil || rc.Expect.String() != "2xx" || rc.Source != "ok.yaml:13" {
		t.Errorf("rcpt step %+v", rc)
	}
	if d := s.Steps[8]; d.Body != "hello\n" || len(d.Headers) != 1 {
		t.Errorf("data step %+v", d)
	}
	if s.EHLO != "client.lab.test" || len(s.Expect) != 6 || s.Expect[0].Arg != "STARTTLS" || s.Expect[0].Origin != "ok.yaml:23" {
		t.Errorf("script %+v", s)
	}
}

func TestLoadScriptErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", "bad.yaml: script is empty"},
		{"not YAML", "steps: [ehlo\n", "bad.yaml:1: not valid YAML"},
		{"top key twice", "steps: [ehlo]\nsteps: [quit]\n", `bad.yaml:2:1: the top level: key "steps" given twice (first at line 1)`},
		{"top is a list", "- ehlo\n", "bad.yaml:1:1: want a mapping"},
		{"unknown top key", "steps: [ehlo]\nsession: x\n", `bad.yaml:2:1: unknown key "session"`},
		{"nothing to do", "description: x\n", "neither steps nor expect"},
		{"steps not a list", "steps: ehlo\n", "bad.yaml:1:8: steps: want a list"},
		{"unknown step", "steps:\n  - ehlo\n  - helo\n", `bad.yaml:3:5: unknown step "helo"`},
		{"two steps in one item", "steps:\n  - mail: a@b.example\n    rcpt: c@d.example\n", `bad.yaml:3:5: steps: "mail" and "rcpt" in one entry`},
		{"password in script", "steps:\n  - auth: {user: u, password: p}\n", "bad.yaml:2:21: auth: a password does not belong in a script"},
		{"step key twice", "steps:\n  - rcpt: {to: a@b.example, to: c@d.example}\n", `bad.yaml:2:29: rcpt: key "to" given twice (first at line 2)`},
		{"step expect twice", "steps:\n  - rcpt: a@b.example\n    expect: 250\n    expect: 550\n", `bad.yaml:4:5: steps: key "expect" given twice (first at line 3)`},
		{"unknown step key", "steps:\n  - rcpt: {to: a@b.example, notify: never}\n", `bad.yaml:2:29: rcpt: unknown key "notify"`},
		{"bad address", "steps:\n  - rcpt: not an address\n", "bad.yaml:2:5: rcpt: address"},
		{"rcpt without address", "steps:\n  - rcpt\n", "bad.yaml:2:5: rcpt needs a value"},
		{"bad step expect", "steps:\n  - mail: a@b.example\n    expect: 2500\n", "bad.yaml:3:13: mail expect"},
		{"bad STARTTLS mode", "steps:\n  - starttls: sometimes\n", "bad.yaml:2:5: starttls: unknown STARTTLS mode"},
		{"STARTTLS never as a step", "steps:\n  - starttls: never\n", "bad.yaml:2:5: starttls: mode never"},
		{"unknown mechanism", "steps:\n  - auth: NTLM\n", `bad.yaml:2:5: auth: unknown mechanism "NTLM"`},
		{"rset with a value", "steps:\n  - rset: now\n", "bad.yaml:2:11: rset takes no value"},
		{"header without colon", "steps:\n  - data: {headers: [Subject]}\n", "bad.yaml:2:22: data headers"},
		{"multi-line address", "steps:\n  - mail: \"a@b.example\\nRCPT TO:<x@y>\"\n", "bad.yaml:2:11: mail from: must be one line"},
		{"unknown expectation", "expect:\n  - banner: 220\n", `bad.yaml:2:5: unknown expectation "banner"`},
		{"bad code expectation", "expect:\n  - code: rcpt\n", "bad.yaml:2:11: code:"},
		{"bad TLS version", "expect:\n  - tls_version: 1.4\n", "bad.yaml:2:18: tls_version:"},
		{"bad days", "expect:\n  - cert_days: soon\n", "bad.yaml:2:16: cert_days:"},
		{"ext with spaces", "expect:\n  - ext: SIZE 100\n", "bad.yaml:2:10: ext: want one keyword"},
		{"no_auth_before_tls false", "expect:\n  - no_auth_before_tls: false\n", "bad.yaml:2:25: no_auth_before_tls: want true"},
		{"aliases", "steps:\n  - &a ehlo\n  - *a\n", "bad.yaml:2:5: anchors and aliases are not supported; write each value out"},
		{"bad ehlo", "ehlo: two words\nsteps: [ehlo]\n", "bad.yaml:1:7: ehlo: want one host name"},
		{"too large", "description: " + strings.Repeat("x", smtpprobe.MaxScriptBytes), "bad.yaml: larger than 1024 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := smtpprobe.LoadScript("bad.yaml", []byte(tt.src))
			var se *smtpprobe.ScriptError
			if err == nil || !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want a ScriptError containing %q", err, tt.want)
			}
		})
	}
}

// TestScriptedSession runs a script whose expected rejection lets the
// session go on to the next recipient.
func TestScriptedSession(t *testing.T) {
	ca := newCA(t)
	c := goodConfig(t, ca)
	c.RejectRcpt = map[string]*smtp.SMTPError{"nobody@lab.test": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "User unknown"}}
	s, err := labsmtp.Start(func() labsmtp.Config { c.Hostname = testHost; return c }())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	script, err := smtpprobe.LoadScript("session.yaml", []byte(fullScript))
	if err != nil {
		t.Fatal(err)
	}
	o := baseOptions(ca)
	o.EHLO, o.Script, o.Password = "", script, testPass
	res := smtpprobe.Probe(context.Background(), s.Addr, testHost, o)
	for _, x := range res.Expectations {
		if !x.Pass {
			t.Errorf("expectation failed: %+v", x)
		}
	}
	if len(res.Expectations) != 8 {
		t.Errorf("%d expectations, want 8: %+v", len(res.Expectations), res.Expectations)
	}
	if s.Messages() != 1 {
		t.Errorf("%d messages delivered, want 1; steps %+v", s.Messages(), res.Steps)
	}
	if !strings.HasPrefix(res.Steps[0].Command, "EHLO client.lab.test") {
		t.Errorf("first step %q, want the script's EHLO name", res.Steps[0].Command)
	}
	if f := findingsWith(res, "smtp.rejected"); len(f) != 1 || f[0].Severity.String() != "info" {
		t.Errorf("expected rejection reported as %+v", f)
	}
}
