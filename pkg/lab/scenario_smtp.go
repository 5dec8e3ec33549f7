package lab

import (
	"os"
	"path/filepath"
)

// smtpScenarioArgs builds "smtp TARGET" against the lab: its DNS, port and
// CA, plus the pinned smtp lab certificates, then extra flags.
func smtpScenarioArgs(l *Lab, target string, extra ...string) []string {
	args := append(l.GlobalArgs(), "smtp", target)
	args = append(args, l.SMTPArgs()...)
	pinned, err := smtpPinnedFile(l)
	if err != nil {
		// The scenario still runs; the pinned hosts then also show as
		// untrusted, which the missing file explains.
		pinned = os.DevNull
	}
	args = append(args, "--ca-file", pinned)
	return append(args, extra...)
}

// labUser is the lab's SASL account (hosts.go); its password is public.
const labUser = "probe@lab.test"

// smtpPasswordFile writes the lab password next to the lab CA: mailflow
// takes passwords from files, the environment or a prompt, never argv.
func smtpPasswordFile(l *Lab) string {
	path := filepath.Join(filepath.Dir(l.CAFile), "smtp-password.txt")
	if err := os.WriteFile(path, []byte(labUsers[labUser]+"\n"), 0o600); err != nil {
		return os.DevNull
	}
	return path
}

func init() {
	for _, s := range []struct {
		order  int
		title  string
		exit   int
		target string
		extra  []string
	}{
		{200, "smtp: a well-run MX checked like CI does (STARTTLS, no AUTH before TLS, TLS 1.2+)", 0, "@good.lab.test",
			[]string{"--expect-ext", "STARTTLS", "--expect-no-auth-before-tls", "--expect-tls-version", "1.2+", "--expect-cert-days", "30"}},
		{201, "smtp: every MX of a domain at once", 0, "@good.lab.test", []string{"--all-mx", "--quit-after", "tls"}},
		{202, "smtp: AUTH PLAIN offered before STARTTLS", 1, "@authfirst.lab.test", nil},
		{203, "smtp: a certificate for another name than the MX", 1, "@badcert.lab.test", nil},
		{204, "smtp: an open relay", 1, "@relay.lab.test", []string{"--relay-test"}},
		{205, "smtp: a certificate that expires in 5 days", 0, "@expiring.lab.test", nil},
		{206, "smtp: an expired certificate, and a CI expectation that catches it", 1, "@expired.lab.test", []string{"--expect-cert-days", "14"}},
		{207, "smtp: a self-signed certificate", 1, "@selfsigned.lab.test", nil},
		{208, "smtp: a server that speaks TLS 1.0 only", 1, "@oldtls.lab.test", []string{"--expect-tls-version", "1.2+"}},
		{209, "smtp: no STARTTLS at all, with STARTTLS required", 1, "@plain.lab.test", []string{"--starttls", "require"}},
		{210, "smtp: a recipient refused with 550 5.1.1, explained", 1, "nobody@rejecting.lab.test", nil},
		{211, "smtp: announced name and reverse DNS disagree (seed 004)", 0, "@misnamed.lab.test", []string{"--quit-after", "ehlo"}},
		{212, "smtp: authenticated submission over implicit TLS (port 465 style), password redacted", 0, "smtps.lab.test",
			[]string{"--tls-on-connect", "--quit-after", "auth", "--user", labUser, "--password-file", "{password-file}", "-v"}},
		{213, "smtp: a message delivered over LMTP, with per-line timing", 0, "lmtp.lab.test",
			[]string{"--protocol", "lmtp", "--to", "probe@lab.test", "--to", "postmaster@lab.test", "--body", "Hello from the mailflow demo.", "-v", "--timing"}},
		{214, "smtp: a server that never greets, with a 1 s timeout", 3, "no-greeting.hostile.lab.test", []string{"--timeout", "1s"}},
		{215, "smtp: a server that floods EHLO with 10,000 lines", 1, "ehlo-flood.hostile.lab.test", nil},
		{216, "smtp: a server that asks for the password forever; AUTH LOGIN stops at its step limit", 1, "auth-loop.hostile.lab.test",
			[]string{"--quit-after", "auth", "--user", labUser, "--auth", "LOGIN", "--password-file", "{password-file}", "--insecure-auth"}},
		{217, "smtp: a server that quotes the AUTH PLAIN blob back; every form of the password redacted", 1, "auth-echo.hostile.lab.test",
			[]string{"--quit-after", "auth", "--user", labUser, "--auth", "PLAIN", "--password-file", "{password-file}", "--insecure-auth"}},
		{218, "smtp: a server that answers a byte at a time, ended by --session-timeout", 3, "drip.hostile.lab.test",
			[]string{"--session-timeout", "3s"}},
		{219, "smtp --tls-grade: a server that speaks only TLS 1.0, graded against NCSC-NL's TLS guidelines", 1, "@oldtls.lab.test",
			[]string{"--tls-grade", "--quit-after", "tls"}},
	} {
		Register(Scenario{Order: s.order, Title: s.title, Exit: s.exit, Args: func(l *Lab) []string {
			extra := append([]string(nil), s.extra...)
			for i, a := range extra {
				if a == "{password-file}" {
					extra[i] = smtpPasswordFile(l)
				}
			}
			return smtpScenarioArgs(l, s.target, extra...)
		}})
	}
}
