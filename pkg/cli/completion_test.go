package cli

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/lint"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

func testEnv() *Env {
	return &Env{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{},
		Getenv: func(string) string { return "" }}, Now: time.Now}
}

// Every flag that takes a value completes it: with its values, with file
// names, or explicitly with nothing (free text, where listing the current
// directory would only mislead). A new flag must be added to the table.
func TestEveryFlagCompletes(t *testing.T) {
	root := newTree(testEnv())
	strictCompletion(root)
	if err := registerCompletions(root); err != nil {
		t.Fatal(err)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		check := func(f *pflag.Flag) {
			if f.Value.Type() == "bool" {
				return
			}
			_, hasFunc := c.GetFlagCompletionFunc(f.Name)
			_, hasFiles := f.Annotations[cobra.BashCompFilenameExt]
			if !hasFunc && !hasFiles {
				t.Errorf("%q has no value completion: add it to flagCompletions in completion.go", completionKey(c, f))
			}
		}
		c.LocalNonPersistentFlags().VisitAll(check)
		c.PersistentFlags().VisitAll(check)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// complete returns what the shell would be offered for the last argument.
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	if code := Run(io, append([]string{cobra.ShellCompRequestCmd}, args...)); code != 0 {
		t.Fatalf("__complete %q: exit %d: %s", args, code, errOut.String())
	}
	var values []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.HasPrefix(l, ":") {
			continue // the directive
		}
		v, _, _ := strings.Cut(l, "\t")
		values = append(values, v)
	}
	return values
}

// The values offered are the ones the flags accept, so completing never
// produces a usage error.
func TestCompletedValuesAreAccepted(t *testing.T) {
	parses := []struct {
		args  []string
		parse func(string) error
	}{
		{[]string{"--format", ""}, func(v string) error { return runVersion("--format", v) }},
		{[]string{"--color", ""}, func(v string) error { return runVersion("--color", v) }},
		{[]string{"--fail-on", ""}, func(v string) error { return runVersion("--fail-on", v) }},
		{[]string{"--timeout", ""}, func(v string) error { return runVersion("--timeout", v) }},
		{[]string{"smtp", "--starttls", ""}, func(v string) error { _, err := smtpprobe.ParseStartTLSMode(v); return err }},
		{[]string{"smtp", "--quit-after", ""}, func(v string) error { _, err := smtpprobe.ParsePhase(v); return err }},
		{[]string{"smtp", "--auth", ""}, known(smtpprobe.KnownMechanism)},
		{[]string{"smtp", "--expect-tls-version", ""}, func(v string) error { _, err := smtpprobe.ParseTLSVersion(v); return err }},
		{[]string{"smtp", "--expect-code", ""}, func(v string) error { _, err := smtpprobe.ParseExpectCode(v + "250"); return err }},
		{[]string{"smtp", "--expect-code", "rcpt="}, func(v string) error { _, err := smtpprobe.ParseExpectCode(v); return err }},
		{[]string{"smtp", "--dsn-notify", ""}, known(validNotify)},
		{[]string{"smtp", "--protocol", ""}, known(func(v string) bool { return v == "smtp" || v == "lmtp" })},
		{[]string{"dnsbl", "--zone", ""}, func(v string) error { _, err := dnsbl.ParseZoneSpec(v); return err }},
		{[]string{"check", "--zone", ""}, func(v string) error { _, err := dnsbl.ParseZoneSpec(v); return err }},
		{[]string{"dnsbl", "--zone", "zen:"}, zoneRule},
		{[]string{"dnsbl", "--zone", "bl.example.net:"}, zoneRule},
		{[]string{"dnsbl", "--rate", ""}, func(v string) error { _, err := dnsbl.ParseRate(v); return err }},
		{[]string{"lint", "--skip", ""}, known(func(v string) bool { return lint.Lookup(v) != nil })},
	}
	for _, p := range parses {
		t.Run(strings.Join(p.args, " "), func(t *testing.T) {
			values := complete(t, p.args...)
			if len(values) == 0 {
				t.Fatal("nothing offered")
			}
			for _, v := range values {
				if err := p.parse(v); err != nil {
					t.Errorf("%q offered but refused: %v", v, err)
				}
			}
		})
	}
}

func TestFlagValueCompletion(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"mx", "--format", ""}, []string{"text", "json", "jsonl", "markdown"}},
		{[]string{"smtp", "--starttls", ""}, []string{"auto", "require", "never"}},
		{[]string{"smtp", "--quit-after", ""}, smtpprobe.PhaseNames()},
		{[]string{"smtp", "--auth", ""}, smtpprobe.Mechanisms},
		{[]string{"dnsbl", "--zone", ""}, []string{"zen", "dbl"}},
		{[]string{"dnsbl", "--zone", "bl.example.net:"}, []string{"bl.example.net:bitmask=", "bl.example.net:any"}},
		{[]string{"smtp", "--expect-code", ""}, []string{"rcpt=", "mail="}},
		{[]string{"lint", "--skip", ""}, []string{lint.Rules()[0].ID}},
		{[]string{"--fail-on", ""}, []string{"error", "warning", "info"}},
	}
	for _, tt := range tests {
		got := complete(t, tt.args...)
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: %q not offered (got %q)", tt.args, w, got)
			}
		}
	}
	// Free-text flags offer nothing, not the files in the directory.
	if got := complete(t, "smtp", "--ehlo", ""); len(got) != 0 {
		t.Errorf("--ehlo offered %q", got)
	}
}

// zoneRule parses a completed "NAME:rule", with a value for rules that
// take one.
func zoneRule(v string) error {
	switch {
	case strings.HasSuffix(v, ":bitmask="):
		v += "0.0.0.4"
	case strings.HasSuffix(v, "="):
		v += "127.0.0.2"
	}
	_, err := dnsbl.ParseZoneSpec(v)
	return err
}

func runVersion(flag, value string) error {
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	if code := Run(io, []string{flag, value, "version"}); code != 0 {
		return Usagef("exit %d: %s", code, errOut.String())
	}
	return nil
}

func known(ok func(string) bool) func(string) error {
	return func(v string) error {
		if !ok(v) {
			return Usagef("not accepted")
		}
		return nil
	}
}
