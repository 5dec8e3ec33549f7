package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

func TestSMTPPasswordSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	if err := os.WriteFile(file, []byte("from-file\r\nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		flags   smtpFlags
		env     string
		tty     bool
		want    string
		wantErr string
	}{
		{name: "no AUTH, no password", flags: smtpFlags{}, want: ""},
		{name: "file wins over the environment", flags: smtpFlags{user: "u", passwordFile: file}, env: "from-env", want: "from-file"},
		{name: "environment", flags: smtpFlags{user: "u"}, env: "from-env", want: "from-env"},
		{name: "no terminal to prompt on", flags: smtpFlags{user: "u"}, wantErr: "--user needs a password, and there is no terminal to ask on"},
		{name: "token wording", flags: smtpFlags{user: "u", auth: "XOAUTH2"}, wantErr: "needs a token"},
		{name: "terminal that is not a file", flags: smtpFlags{user: "u"}, tty: true, wantErr: "cannot prompt for the password"},
		{name: "missing file", flags: smtpFlags{user: "u", passwordFile: filepath.Join(dir, "nope")}, wantErr: "nope: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Env{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}, StdinTTY: tt.tty,
				Getenv: func(k string) string {
					if k == "MAILFLOW_PASSWORD" {
						return tt.env
					}
					return ""
				}}}
			var o smtpprobe.Options
			err := smtpPassword(e, &tt.flags, &o)
			if tt.wantErr != "" {
				var ue *UsageError
				var ie *InputError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !(errors.As(err, &ue) || errors.As(err, &ie)) {
					t.Fatalf("error %v, want a usage or input error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || o.Password != tt.want {
				t.Fatalf("password %q, %v; want %q", o.Password, err, tt.want)
			}
		})
	}
}

// TestSMTPAgainstLab runs the command end to end against the built-in lab:
// exit codes, and the password absent from every rendered format.
func TestSMTPAgainstLab(t *testing.T) {
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const password = "lab-password"
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := func(target string, extra ...string) []string {
		args := append(l.GlobalArgs(), "--timeout", "2s", "smtp", target)
		return append(append(args, l.SMTPArgs()...), extra...)
	}
	tests := []struct {
		name string
		args []string
		exit int
		out  string
	}{
		{"good MX", base("@good.lab.test", "--expect-ext", "STARTTLS", "--expect-no-auth-before-tls"), 0, "2/2 expectations met"},
		{"AUTH before TLS", base("@authfirst.lab.test"), 1, "smtp.auth_tls_only"},
		{"failed expectation", base("@good.lab.test", "--expect-auth", "CRAM-MD5"), 1, "expectation failed: auth CRAM-MD5"},
		{"never greets", base("no-greeting.hostile.lab.test", "--timeout", "300ms"), 3, "UNCHECKED smtp.timeout"},
		{"authenticated, text", base("smtps.lab.test", "--tls-on-connect", "--user", "probe@lab.test", "--password-file", pwFile, "-v"), 0, "AUTH PLAIN **** (redacted)"},
		{"authenticated, json", base("mx1.good.lab.test", "--user", "probe@lab.test", "--password-file", pwFile, "--format", "json"), 0, `"ok": true`},
		{"authenticated, markdown", base("mx1.good.lab.test", "--user", "probe@lab.test", "--auth", "LOGIN", "--password-file", pwFile, "--format", "markdown", "-v"), 0, "ok as probe@lab.test (LOGIN)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Run(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}, tt.args)
			if code != tt.exit || !strings.Contains(out.String(), tt.out) {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s\n%s", code, tt.exit, tt.out, out.String(), errOut.String())
			}
			if strings.Contains(out.String()+errOut.String(), password) {
				t.Errorf("password in output:\n%s", out.String())
			}
		})
	}
}

func TestSMTPJSONLinesPerServer(t *testing.T) {
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	args := append(l.GlobalArgs(), "--format", "jsonl", "smtp", "@good.lab.test", "--all-mx", "--quit-after", "ehlo")
	args = append(args, l.SMTPArgs()...)
	var out bytes.Buffer
	if code := Run(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &bytes.Buffer{}, Getenv: func(string) string { return "" }}, args); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want one per MX and the summary:\n%s", len(lines), out.String())
	}
	for i, l := range lines {
		var rec struct {
			Type     string `json:"type"`
			Host     string `json:"host"`
			Via      string `json:"via"`
			Findings []any  `json:"findings"`
			Results  int    `json:"results"`
			ExitCode *int   `json:"exit_code"`
		}
		err := json.Unmarshal([]byte(l), &rec)
		switch {
		case err != nil:
			t.Errorf("record %s: %v", l, err)
		case i < 2 && (rec.Type != "result" || rec.Host == "" || rec.Via == "" || len(rec.Findings) == 0):
			t.Errorf("record %s: %+v", l, rec)
		case i == 2 && (rec.Type != "summary" || rec.Results != 2 || rec.ExitCode == nil || *rec.ExitCode != 0):
			t.Errorf("summary %s: %+v", l, rec)
		}
	}
}
