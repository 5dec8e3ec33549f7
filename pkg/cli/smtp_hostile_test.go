package cli

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/lab"
)

// TestSMTPHostileAuthAndDrip runs the hostile lab hosts of issue 13 through
// the whole command in every format: each session ends by the bound that
// is meant to end it (the SASL step limit, the session deadline), the exit
// code says so, and no form of the password reaches any output.
func TestSMTPHostileAuthAndDrip(t *testing.T) {
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const user, password = "probe@lab.test", "lab-password"
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	blob := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	secrets := []string{password, base64.StdEncoding.EncodeToString([]byte(password)), blob, blob[:24]}
	auth := func(mech string) []string {
		return []string{"--quit-after", "auth", "--user", user, "--auth", mech, "--password-file", pwFile, "--insecure-auth"}
	}
	tests := []struct {
		name   string
		target string
		extra  []string
		exit   int
		// ended is how the session must have ended, in the output.
		ended string
	}{
		{"LOGIN prompts forever", "auth-loop.hostile.lab.test", auth("LOGIN"), 1, "LOGIN: server asked again for what it was already sent"},
		{"XOAUTH2 asked forever", "auth-loop.hostile.lab.test", auth("XOAUTH2"), 1, "the server kept the XOAUTH2 exchange going after 1 answered challenges"},
		{"challenges pushed unasked", "auth-push.hostile.lab.test", auth("LOGIN"), 1, "connection was closed"},
		{"PLAIN blob echoed", "auth-echo.hostile.lab.test", auth("PLAIN"), 1, "you sent **** (redacted)"},
		{"LOGIN steps echoed", "auth-echo.hostile.lab.test", auth("LOGIN"), 1, "you sent"},
		{"a byte at a time", "drip.hostile.lab.test", []string{"--session-timeout", "2s"}, 3, "session deadline reached"},
	}
	for _, tt := range tests {
		for _, format := range []string{"text", "json", "jsonl", "markdown"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				args := append(l.GlobalArgs(), "--timeout", "5s", "--format", format, "-v", "smtp", tt.target)
				args = append(append(args, l.SMTPArgs()...), tt.extra...)
				var out, errOut bytes.Buffer
				code := Run(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}, args)
				all := out.String() + errOut.String()
				if code != tt.exit {
					t.Errorf("exit %d, want %d:\n%s", code, tt.exit, all)
				}
				if !strings.Contains(all, tt.ended) {
					t.Errorf("output does not show the session ended by %q:\n%s", tt.ended, all)
				}
				for _, s := range secrets {
					if strings.Contains(all, s) {
						t.Errorf("secret form %q in %s output:\n%s", s, format, all)
					}
				}
				// Bounded output: a runaway exchange is thousands of lines.
				if n := strings.Count(all, "\n"); n > 400 {
					t.Errorf("%d lines of output", n)
				}
			})
		}
	}
}
