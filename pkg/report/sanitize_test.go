package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "250 mx.example.org ESMTP", "250 mx.example.org ESMTP"},
		{"tab kept", "a\tb", "a\tb"},
		{"utf-8 kept", "Bücher GmbH – 5.1.1 ✓", "Bücher GmbH – 5.1.1 ✓"},
		{"windows path kept", `EXCH01\Default Frontend`, `EXCH01\Default Frontend`},
		{"escape sequence", "\x1b[2J\x1b]0;pwned\x07", `\x1b[2J\x1b]0;pwned\a`},
		{"newline in a field", "550 no\n250 ok", `550 no\n250 ok`},
		{"carriage return", "550 rejected\rResult: clean", `550 rejected\rResult: clean`},
		{"backspace", "error\b\b\b\b\bok   ", `error\b\b\b\b\bok   `},
		{"nul and del", "a\x00b\x7f", `a\x00b\x7f`},
		{"c1 csi", "a\u009b31mb", `a\u009b31mb`},
		{"next line", "a\u0085b", `a\u0085b`},
		{"bidi override", "user\u202egnp.exe", `user\u202egnp.exe`},
		{"bidi isolates", "\u2066a\u2069\u2067b\u2068", `\u2066a\u2069\u2067b\u2068`},
		{"marks", "a\u200eb\u200fc\u061c", `a\u200eb\u200fc\u061c`},
		{"zero width", "pay\u200bpal.com", `pay\u200bpal.com`},
		{"bom", "\ufeffhello", `\ufeffhello`},
		{"line separator", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"tag characters", "hi\U000e0041\U000e007f", `hi\U000e0041\U000e007f`},
		{"invalid utf-8", "caf\xe9 \xff\xfe", `caf\xe9 \xff\xfe`},
		{"truncated rune", "a\xe2\x80", `a\xe2\x80`},
		{"raw c1 byte", "a\x9bb", `a\x9bb`},
		{"replacement char kept", "a\ufffdb", "a\ufffdb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizeLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{""}},
		{"one", []string{"one"}},
		{"250-a\r\n250 b\r\n", []string{"250-a", "250 b"}},
		{"a\n\nb", []string{"a", "", "b"}},
		{"a\rb\nc", []string{`a\rb`, "c"}},
		{"x\x1b[1Ay\n\u202ez", []string{`x\x1b[1Ay`, `\u202ez`}},
	}
	for _, tt := range tests {
		got := SanitizeLines(tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("SanitizeLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[31mred", "a\r\nb", "\u202e", "\xff\xfe", "\U000e0041"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range append(SanitizeLines(s), Sanitize(s)) {
			if bad := unsafeIn(out); bad != "" {
				t.Fatalf("Sanitize(%q) = %q holds %s", s, out, bad)
			}
			if strings.Contains(out, "\n") {
				t.Fatalf("Sanitize(%q) = %q holds a newline", s, out)
			}
		}
	})
}

// unsafeIn names the first byte or rune in out that must never reach a
// terminal or ticket from data, or "" when there is none. Newlines are the
// renderer's own and are allowed.
func unsafeIn(out string) string {
	if !utf8.ValidString(out) {
		return "invalid UTF-8"
	}
	for _, r := range out {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f:
			return "control " + strings.TrimPrefix(Sanitize(string(r)), `\`)
		case unsafeRune(r):
			return "invisible or control rune " + Sanitize(string(r))
		}
	}
	return ""
}

// hostile is what a malicious server, resolver, bounce or export can put
// into a report: escape sequences that set the window title and clear the
// screen, CR and backspace to overwrite the verdict, a newline that fakes a
// line, bidi overrides and isolates, zero-width and C1 characters, and
// bytes that are not UTF-8.
const hostile = "evil\x1b]0;owned\x07\x1b[2J\rResult: no problems found\b\b\n" +
	"FAKE LINE \u202eexe.txt\u2066x\u2069 \u200b\u009b31m \xff\xc3\x28 \x00\x7f|*_`<b>&#x202e;"

// hostileBlock is the same for multi-line text, where each line the data
// holds stays a line: only one-line fields must not start a line.
var hostileBlock = strings.ReplaceAll(hostile, "FAKE LINE", "next line")

func hostileReport() *Report {
	return &Report{
		Command:  "smtp" + hostile,
		Targets:  []string{"mx" + hostile},
		Started:  time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		Resolver: "127.0.0.1" + hostile,
		Summary:  "mx.example: " + hostileBlock + "\nsecond" + hostileBlock,
		Sections: []Section{
			{Title: "Table " + hostile, Table: &Table{
				Header: []string{"Step" + hostile, "Reply"},
				Rows:   [][]string{{"EHLO", "250-" + hostile}, {hostile, hostile}},
			}},
			{Title: "Transcript " + hostile, Lines: []string{"<- 220 " + hostileBlock, "-> EHLO x", hostileBlock}},
			{Title: "Trace " + hostile, Lines: []string{hostileBlock}, Verbose: true},
		},
		Findings: []Finding{
			{ID: "smtp.banner" + hostile, Severity: Error, Subject: "mx" + hostile, Message: "refused: " + hostile,
				Evidence: []string{"550 " + hostileBlock, hostileBlock}, Fix: "fix " + hostile, Ref: "RFC " + hostile,
				Location: &Location{File: "in" + hostile + ".txt", Line: 3}},
			{ID: "smtp.reply", Severity: Warning, Subject: hostile, Message: hostile, Incomplete: true},
			{ID: "smtp.ok", Severity: OK, Subject: hostile, Message: hostile, Evidence: []string{hostileBlock}},
		},
		Data: map[string]string{"raw": hostile},
	}
}

// sgr matches the color codes the text renderer adds itself.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestRenderersSanitize feeds every renderer a report full of hostile text
// and checks that none of it reaches the output raw, in every mode.
func TestRenderersSanitize(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 1, 0, time.UTC) }
	type render func(*bytes.Buffer) error
	cases := map[string]render{}
	for _, verbose := range []bool{false, true} {
		for _, col := range []bool{false, true} {
			o := Options{Color: col, Verbose: verbose, Version: "v1", Now: now, ExitCode: 1, Args: []string{"smtp", hostile}}
			suffix := ""
			if verbose {
				suffix += " verbose"
			}
			if col {
				suffix += " color"
			}
			cases["text"+suffix] = func(b *bytes.Buffer) error { return WriteText(b, hostileReport(), o) }
			if !col {
				cases["markdown"+suffix] = func(b *bytes.Buffer) error { return WriteMarkdown(b, hostileReport(), o) }
			}
		}
	}
	cases["markdown without args"] = func(b *bytes.Buffer) error {
		return WriteMarkdown(b, hostileReport(), Options{Now: now})
	}
	cases["table"] = func(b *bytes.Buffer) error {
		WriteTable(b, hostileReport().Sections[0].Table, "  ")
		return nil
	}
	cases["sarif"] = func(b *bytes.Buffer) error {
		return WriteSARIF(b, hostileReport(), []SARIFRule{{ID: "smtp.ok", Short: "s"}}, "v1")
	}
	cases["junit"] = func(b *bytes.Buffer) error {
		return WriteJUnit(b, "mailflow"+hostile, []TestSuite{{Name: "mx" + hostile, Cases: []TestCase{
			{Name: hostile, Classname: hostile, Failure: hostile, Details: hostileBlock + "\n" + hostileBlock},
			{Name: "skipped", Skipped: hostile},
			{Name: "passed" + hostile},
		}}})
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := render(&buf); err != nil {
				t.Fatal(err)
			}
			out := sgr.ReplaceAllString(buf.String(), "")
			if bad := unsafeIn(out); bad != "" {
				t.Errorf("output holds %s:\n%s", bad, out)
			}
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(strings.TrimLeft(l, " |-"), "FAKE LINE") || strings.HasPrefix(l, "Result: no problems") {
					t.Errorf("data started a line of its own: %q", l)
				}
			}
			visible := `\x1b]0;owned\a\x1b[2J\rResult`
			if name == "sarif" {
				visible = strings.ReplaceAll(visible, `\`, `\\`)
			}
			if !strings.Contains(out, visible) {
				t.Errorf("escapes are not shown visibly:\n%s", out)
			}
		})
	}
}

// JSON keeps the data exact: encoding/json escapes what JSON needs, and a
// script reading it gets the bytes the server sent (invalid UTF-8 aside,
// which JSON cannot carry).
func TestJSONKeepsData(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, hostileReport(), Options{}); err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(buf.Bytes(), "\x1b\r\b\x00") {
		t.Error("raw control bytes in JSON")
	}
	if !strings.Contains(buf.String(), `\u001b]0;owned\u0007`) {
		t.Errorf("JSON does not carry the escape as data:\n%s", buf.String())
	}
}

func TestTextColorSurvivesSanitizing(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, hostileReport(), Options{Color: true, ExitCode: 1}); err != nil {
		t.Fatal(err)
	}
	if !sgr.MatchString(buf.String()) {
		t.Error("the renderer's own colors were lost")
	}
}

// FuzzParseSeverity: --fail-on and JSON severities parse back from their
// own names and nothing else becomes a severity.
func FuzzParseSeverity(f *testing.F) {
	for _, s := range []string{"ok", "INFO", "Warning", "error", "", "err", "severity(7)", "warning\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sev, err := ParseSeverity(s)
		if err != nil {
			var back Severity
			if back.UnmarshalText([]byte(s)) == nil {
				t.Fatalf("%q refused by ParseSeverity, accepted by UnmarshalText", s)
			}
			return
		}
		if sev < OK || sev > Error || !strings.EqualFold(sev.String(), s) {
			t.Fatalf("%q → %v", s, sev)
		}
	})
}
