package cli_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/cli"
	"github.com/mailflowkit/mailflow/pkg/lab"
)

// checkLab starts the built-in lab for one test.
func checkLab(t *testing.T) *lab.Lab {
	t.Helper()
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// runCheckCLI runs mailflow with the lab's DNS, port and CA in front of args.
func runCheckCLI(t *testing.T, l *lab.Lab, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	argv := append(append(append(l.GlobalArgs(), "check"), l.SMTPArgs()...), l.MTASTSPortArgs()...)
	argv = append(argv, "--timeout", "3s")
	code = cli.Run(io, append(argv, args...))
	return code, out.String(), errOut.String()
}

func writeSpec(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mailflow.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// labSpec is the lab's demo spec, which fails one assertion about
// listed.lab.test; without that domain every assertion passes.
func labSpec(l *lab.Lab, withListed bool) string {
	s := l.CheckSpec()
	if !withListed {
		s, _, _ = strings.Cut(s, "  - domain: listed.lab.test")
	}
	return s
}

type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, out string) junitDoc {
	t.Helper()
	var d junitDoc
	if err := xml.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("JUnit output does not parse: %v\n%s", err, out)
	}
	return d
}

// junitFailures names the test cases that failed.
func junitFailures(d junitDoc) []string {
	var failed []string
	for _, s := range d.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil {
				failed = append(failed, c.Name)
			}
		}
	}
	return failed
}

func TestCheckSpecJUnit(t *testing.T) {
	l := checkLab(t)
	tests := []struct {
		name       string
		withListed bool
		code       int
		failures   []string
	}{
		{"passing", false, 0, nil},
		{"one failure", true, 1, []string{"check.spec.not_listed mx.listed.lab.test [127.0.0.14]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCheckCLI(t, l, "--spec", writeSpec(t, labSpec(l, tt.withListed)), "--relay-test", "--format", "junit")
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errOut)
			}
			d := parseJUnit(t, out)
			failed := junitFailures(d)
			if strings.Join(failed, "|") != strings.Join(tt.failures, "|") || d.Failures != len(tt.failures) || strings.Count(out, "<failure") != len(tt.failures) {
				t.Errorf("failures %q (count %d), want %q", failed, d.Failures, tt.failures)
			}
			if d.Tests < 14 || d.Skipped != 0 {
				t.Errorf("tests=%d skipped=%d; want every assertion as a test case, none skipped", d.Tests, d.Skipped)
			}
		})
	}
}

func TestCheckSpecJSON(t *testing.T) {
	l := checkLab(t)
	code, out, errOut := runCheckCLI(t, l, "--spec", writeSpec(t, labSpec(l, true)), "--relay-test", "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, errOut)
	}
	var doc struct {
		Status   string `json:"status"`
		Findings []struct {
			ID       string `json:"id"`
			Severity string `json:"severity"`
			Location *struct {
				File string `json:"file"`
				Line int    `json:"line"`
			} `json:"location"`
		} `json:"findings"`
		Data struct {
			Assertions []map[string]any `json:"assertions"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, a := range doc.Data.Assertions {
		for _, k := range []string{"domain", "assertion", "want", "got", "pass"} {
			if _, ok := a[k]; !ok {
				t.Errorf("assertion without %q: %v", k, a)
			}
		}
		if a["pass"] == false {
			failed = append(failed, fmt.Sprint(a["domain"], " ", a["assertion"]))
		}
	}
	if strings.Join(failed, "|") != "listed.lab.test not_listed" {
		t.Errorf("failed assertions %q", failed)
	}
	if len(doc.Findings) != len(doc.Data.Assertions) || doc.Status != "problem" {
		t.Errorf("%d findings for %d assertions, status %s", len(doc.Findings), len(doc.Data.Assertions), doc.Status)
	}
	for _, f := range doc.Findings {
		if f.Severity == "error" && (f.ID != "check.spec.not_listed" || f.Location == nil || f.Location.Line != 7) {
			t.Errorf("error finding %s at %+v, want check.spec.not_listed at line 7", f.ID, f.Location)
		}
	}
}

// Bad specs are input errors (exit 2) that name the place.
func TestCheckSpecErrors(t *testing.T) {
	l := checkLab(t)
	tests := []struct {
		name, spec string
		args       []string
		stderr     string
	}{
		{"unknown key", "version: 1\ndomains:\n  - domain: good.lab.test\n    starttsl: true\n", nil, `mailflow.yaml:4:5: unknown key "starttsl"`},
		{"relay without flag", "version: 1\ndomains:\n  - domain: good.lab.test\n    no_open_relay: true\n", nil, "mailflow.yaml:4: no_open_relay needs --relay-test"},
		{"two rules for a list", "version: 1\ndomains:\n  - domain: good.lab.test\n    not_listed: [bl.lab.test]\n  - domain: listed.lab.test\n    not_listed: [\"bl.lab.test:exact=127.0.0.2\"]\n", nil, "not_listed: bl.lab.test has rule"},
		{"spec and domain", "version: 1\ndomains: [good.lab.test]\n", []string{"good.lab.test"}, "give DOMAIN arguments or --spec, not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--spec", writeSpec(t, tt.spec)}, tt.args...)
			code, out, errOut := runCheckCLI(t, l, args...)
			if code != 2 || !strings.Contains(errOut, tt.stderr) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 2 and %q", code, errOut, out, tt.stderr)
			}
		})
	}
}

func TestCheckExitCodes(t *testing.T) {
	l := checkLab(t)
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	}()
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"healthy", []string{"good.lab.test", "--zone", "bl.lab.test"}, 0, "good.lab.test: ok"},
		{"listed", []string{"listed.lab.test", "--zone", "bl.lab.test"}, 1, "dnsbl.listed mx.listed.lab.test [127.0.0.14]"},
		{"loop", []string{"loop.lab.test", "--self", "hub.lab.test", "--zone", "bl.lab.test"}, 1, "mx.loopback loop.lab.test"},
		{"unreachable", []string{"good.lab.test", "--zone", "bl.lab.test", "--port", free}, 3, "smtp.connect"},
		{"several domains", []string{"good.lab.test", "nullmx.lab.test", "--zone", "bl.lab.test", "--fail-on", "warning"}, 1, "mx.null_mx nullmx.lab.test"},
		{"junit without spec", []string{"badcert.lab.test", "--zone", "bl.lab.test", "-o", "junit"}, 1, `<failure message="the certificate does not cover mx.badcert.lab.test`},
		{"markdown", []string{"good.lab.test", "--zone", "bl.lab.test", "-o", "markdown"}, 0, "<summary>Summary</summary>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCheckCLI(t, l, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) {
				t.Errorf("exit %d, want %d; output without %q:\n%s\n%s", code, tt.code, tt.out, out, errOut)
			}
		})
	}
}
