package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func sample() *Report {
	return &Report{
		Command:  "mx",
		Targets:  []string{"loop.lab.test"},
		Started:  time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		Duration: 12345 * time.Microsecond,
		Resolver: "127.0.0.1:5353",
		Summary:  "loop.lab.test: loop: 10 hub.lab.test (us)",
		Sections: []Section{
			{Title: "MX routing for loop.lab.test", Table: &Table{
				Header: []string{"Pref", "Host", "Addresses"},
				Rows:   [][]string{{"10", "hub.lab.test", "127.0.0.10"}, {"20", "backup_mx.lab.test", "127.0.0.11 | 127.0.0.12"}},
			}},
			{Title: "DNS trace", Verbose: true, Lines: []string{"loop.lab.test. MX @127.0.0.1:5353 udp 0.4ms -> OK [aa]"}},
		},
		Findings: []Finding{
			{ID: "mx.no_ipv6", Severity: Info, Subject: "loop.lab.test", Message: "No MX target has an IPv6 address."},
			{ID: "mx.loopback", Severity: Error, Subject: "loop.lab.test", Message: "The most preferred MX is this server itself: a message for the domain would loop and bounce with 554 5.4.4 SMTPSEND.DNS.MxLoopback when it is looked up in DNS by the servers that host it.",
				Evidence: []string{"loop.lab.test. 3600 MX 10 hub.lab.test.", "--self hub.lab.test"}, Fix: "Route tenant domains internally or send through a smart host.", Ref: "RFC 5321 §5.1"},
			{ID: "mx.lookup_failed", Severity: Warning, Subject: "backup_mx.lab.test", Message: "AAAA lookup timed out.", Incomplete: true},
			{ID: "mx.routing", Severity: OK, Subject: "loop.lab.test", Message: "MX records found."},
		},
		// Shaped like mx's data, so the golden validates against docs/schema.
		Data: map[string]any{"results": []any{map[string]any{"domain": "loop.lab.test", "outcome": "loop", "dnssec": false}}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (run go test -update if intended):\n%s", name, got)
	}
}

func TestRenderGolden(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 1, 0, time.UTC) }
	exit := ExitCode(sample().Findings, Error)
	tests := []struct {
		file   string
		format Format
		opts   Options
	}{
		{"text.golden", FormatText, Options{}},
		{"text-verbose.golden", FormatText, Options{Verbose: true}},
		{"text-color.golden", FormatText, Options{Color: true}},
		{"markdown.golden", FormatMarkdown, Options{Now: now}},
		{"markdown-verbose.golden", FormatMarkdown, Options{Now: now, Verbose: true,
			Args: []string{"--dns", "127.0.0.1:5353", "mx", "loop.lab.test", "--self", "hub.lab.test", "-v", "--format", "markdown"}}},
		{"json.golden", FormatJSON, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			tt.opts.Version = "v1.2.3"
			tt.opts.ExitCode = exit
			var buf bytes.Buffer
			if err := Write(&buf, sample(), tt.format, tt.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, buf.Bytes())
		})
	}
}

// The result line counts unchecked findings apart from their severity and
// names the exit status in the same words in text and Markdown.
func TestResultLine(t *testing.T) {
	unchecked := Finding{ID: "mx.lookup", Severity: Error, Message: "timed out", Incomplete: true}
	tests := []struct {
		name     string
		findings []Finding
		exit     int
		want     string
	}{
		{"nothing", nil, ExitOK, "Result: no problems found (exit 0, ok)"},
		{"only passes", []Finding{{Severity: OK}}, ExitOK, "Result: no problems found (exit 0, ok)"},
		{"only unchecked", []Finding{unchecked}, ExitIncomplete, "Result: 1 unchecked (exit 3, incomplete)"},
		{"unchecked and info", []Finding{unchecked, unchecked, {Severity: Info}}, ExitIncomplete, "Result: 2 unchecked, 1 info (exit 3, incomplete)"},
		{"error wins", []Finding{unchecked, {Severity: Error}, {Severity: Warning}}, ExitProblem, "Result: 1 error, 1 warning, 1 unchecked (exit 1, problem)"},
		{"bad input", []Finding{{Severity: Warning}}, ExitUsage, "Result: 1 warning (exit 2, bad input)"},
		{"only bad input", nil, ExitUsage, "Result: no problems found in the valid input (exit 2, bad input)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{Command: "mx", Findings: tt.findings}
			var text, md bytes.Buffer
			WriteText(&text, r, Options{ExitCode: tt.exit})
			WriteMarkdown(&md, r, Options{ExitCode: tt.exit})
			if !strings.HasSuffix(text.String(), "\n"+tt.want+"\n") && text.String() != tt.want+"\n" {
				t.Errorf("text ends:\n%s\nwant %q", text.String(), tt.want)
			}
			if !strings.Contains(md.String(), "\n**"+tt.want+"**\n") {
				t.Errorf("markdown:\n%s\nwant **%s**", md.String(), tt.want)
			}
			if strings.Contains(text.String()+md.String(), "error") && Count(tt.findings).Severity[Error] == 0 {
				t.Errorf("an unchecked finding is called an error:\n%s\n%s", text.String(), md.String())
			}
		})
	}
}

func TestColorOnlyWhenAsked(t *testing.T) {
	var plain, colored bytes.Buffer
	WriteText(&plain, sample(), Options{})
	WriteText(&colored, sample(), Options{Color: true})
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("escape codes without color")
	}
	if !strings.Contains(colored.String(), "\x1b[") {
		t.Error("no escape codes with color")
	}
}

func TestJSONShape(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sample(), Options{Version: "v1", ExitCode: 1}); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "tool", "version", "command", "status", "exit_code", "counts", "findings", "data", "duration_ms"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	f := doc["findings"].([]any)[1].(map[string]any)
	for _, k := range []string{"id", "severity", "message", "evidence", "fix"} {
		if _, ok := f[k]; !ok {
			t.Errorf("finding lacks %q: %v", k, f)
		}
	}
	if f["severity"] != "error" {
		t.Errorf("severity = %v, want the string error", f["severity"])
	}
	// An empty report still has a findings array, never null.
	buf.Reset()
	WriteJSON(&buf, &Report{Command: "x"}, Options{})
	if !strings.Contains(buf.String(), `"findings": []`) {
		t.Errorf("empty findings not rendered as []:\n%s", buf.String())
	}
}

func TestExitCode(t *testing.T) {
	f := func(s Severity, inc bool) Finding { return Finding{Severity: s, Incomplete: inc} }
	tests := []struct {
		name     string
		findings []Finding
		failOn   Severity
		want     int
	}{
		{"none", nil, Error, ExitOK},
		{"info only", []Finding{f(Info, false)}, Error, ExitOK},
		{"warning", []Finding{f(Warning, false)}, Error, ExitOK},
		{"warning with --fail-on warning", []Finding{f(Warning, false)}, Warning, ExitProblem},
		{"info with --fail-on info", []Finding{f(Info, false)}, Info, ExitProblem},
		{"ok never fails", []Finding{f(OK, false)}, OK, ExitOK},
		{"error", []Finding{f(Error, false)}, Error, ExitProblem},
		{"incomplete", []Finding{f(Warning, true)}, Error, ExitIncomplete},
		{"error beats incomplete", []Finding{f(Warning, true), f(Error, false)}, Error, ExitProblem},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.findings, tt.failOn); got != tt.want {
			t.Errorf("%s: exit %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestMarkdownEscapesData(t *testing.T) {
	r := &Report{Command: "mx", Findings: []Finding{{ID: "x.y", Severity: Error, Subject: "_dmarc.example|com", Message: "a *b* [c](d)"}}}
	var buf bytes.Buffer
	WriteMarkdown(&buf, r, Options{Now: time.Now})
	out := buf.String()
	if strings.Contains(out, "| _dmarc.example|com |") || !strings.Contains(out, `\_dmarc.example\|com`) {
		t.Errorf("table cell not escaped:\n%s", out)
	}
	if !strings.Contains(out, `a \*b\* \[c\](d)`) {
		t.Errorf("message not escaped:\n%s", out)
	}
}

func TestParseSeverity(t *testing.T) {
	for _, s := range []string{"ok", "info", "warning", "error", "ERROR"} {
		if _, err := ParseSeverity(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := ParseSeverity("fatal"); err == nil {
		t.Error("fatal accepted")
	}
	var s Severity
	if err := json.Unmarshal([]byte(`"warning"`), &s); err != nil || s != Warning {
		t.Errorf("unmarshal: %v %v", s, err)
	}
}

func TestJUnit(t *testing.T) {
	var buf bytes.Buffer
	err := WriteJUnit(&buf, "mailflow check", []TestSuite{{Name: "good.lab.test", Cases: []TestCase{
		{Name: "mx hosts", Classname: "good.lab.test.mx"},
		{Name: "starttls on mx1.good.lab.test", Classname: "good.lab.test.smtp", Failure: "STARTTLS not offered", Details: "250-mx1 <ok> & more"},
		{Name: "not listed", Classname: "good.lab.test.dnsbl", Skipped: "list timed out"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "junit.golden", buf.Bytes())
}

func TestPlural(t *testing.T) {
	tests := []struct {
		n    int
		word string
		want string
	}{
		{0, "error", "0 errors"},
		{1, "error", "1 error"},
		{2, "warning", "2 warnings"},
		{2, "non-public target address", "2 non-public target addresses"},
		{3, "mailbox", "3 mailboxes"},
		{1, "address", "1 address"},
	}
	for _, tt := range tests {
		if got := Plural(tt.n, tt.word); got != tt.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tt.n, tt.word, got, tt.want)
		}
	}
}
