package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestRedactArgs(t *testing.T) {
	root := newTree(testEnv())
	smtp, _, err := root.Find([]string{"smtp"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"nothing secret", "smtp mx.example.org --port 587 --user me@example.org", "smtp mx.example.org --port 587 --user me@example.org"},
		{"password file is a path", "smtp h --password-file pw.txt", "smtp h --password-file pw.txt"},
		{"unknown password flag", "smtp h --password hunter2 --port 25", "smtp h --password *** --port 25"},
		{"inline value", "smtp h --password=hunter2", "smtp h --password=***"},
		{"token", "smtp h --api-token abc --client-secret=def", "smtp h --api-token *** --client-secret=***"},
		{"bool flag takes no value", "smtp --show-secrets h", "smtp --show-secrets h"},
		{"url password", "smtp smtps://me:hunter2@mx.example.org:465", "smtp smtps://me:***@mx.example.org:465"},
		{"after --", "smtp -- --password x", "smtp -- --password x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(redactArgs(smtp.Flags(), strings.Fields(tt.in)), " ")
			if got != tt.want {
				t.Errorf("redactArgs(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// A Markdown report starts with the command line it came from, so the
// reader of a ticket can run it again.
func TestMarkdownHeadingIsCommandLine(t *testing.T) {
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	code := Run(io, []string{"--format", "markdown", "ndr", "5.7.1", "550 5.1.1 user unknown"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	want := "## `mailflow --format markdown ndr 5.7.1 '550 5.1.1 user unknown'`\n"
	if !strings.HasPrefix(out.String(), want) {
		t.Errorf("markdown starts\n%s\nwant %s", out.String(), want)
	}
}

// Error messages quote files, arguments and servers: they pass the same
// sanitiser as reports before they reach the terminal.
func TestErrorsSanitized(t *testing.T) {
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	code := Run(io, []string{"ndr", "bounce\x1b]0;owned\x07\r\u202e.eml"})
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	got := errOut.String()
	if strings.ContainsAny(got, "\x1b\x07\r\u202e") {
		t.Errorf("raw control characters on stderr: %q", got)
	}
	if !strings.HasPrefix(got, `mailflow: bounce\x1b]0;owned\a\r\u202e.eml: no such file`) {
		t.Errorf("stderr = %q", got)
	}
}

// TestMissingArguments: a command run without what it needs says what to
// give, in one line, with exit 2.
func TestMissingArguments(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"mx"}, "mailflow: give a DOMAIN or --file FILE\n"},
		{[]string{"smtp"}, "mailflow: give one TARGET (host[:port], an IP address, @domain or user@domain), got 0\n"},
		{[]string{"smtp", "a.example", "b.example"}, "mailflow: give one TARGET (host[:port], an IP address, @domain or user@domain), got 2\n"},
		{[]string{"smtp", "[::1"}, "mailflow: target \"[::1\": unbalanced brackets; write an IPv6 address as [2001:db8::25] or [2001:db8::25]:587\n"},
		{[]string{"ndr", ""}, "mailflow: an empty argument: give a file, a status code or a reply line\n"},
		{[]string{"check"}, "mailflow: give a DOMAIN or --spec FILE\n"},
	} {
		var out, errOut bytes.Buffer
		io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
		code := Run(io, tt.args)
		first, _, _ := strings.Cut(errOut.String(), "hint:")
		if code != 2 || first != tt.want || out.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want 2 and %q", tt.args, code, errOut.String(), out.String(), tt.want)
		}
	}
}
