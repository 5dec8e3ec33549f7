package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/lab"
)

// TestDNSBLCommand runs the command against the lab's zones (DNS only, no
// mail hosts) and pins exit codes and what each output format carries.
func TestDNSBLCommand(t *testing.T) {
	dnsAddr := startLabDNS(t)
	tests := []struct {
		name string
		args []string
		exit int
		want []string
	}{
		{"bitmask listing", []string{"dnsbl", "127.0.0.14", "--zone", "bl.lab.test:bitmask=0.0.0.8"}, 1,
			[]string{"127.0.0.14: listed", "bl.lab.test  127.0.0.14  LISTED  127.0.0.72", "dnsbl.listed 127.0.0.14",
				"TXT -> Listed in the mailflow lab", "1 target on 1 list: 1 listed"}},
		{"Exchange example mask", []string{"dnsbl", "127.0.0.14", "--zone", "bl.lab.test:bitmask=0.0.0.3"}, 0,
			[]string{"not counted", "dnsbl.bitmask_semantics bl.lab.test", "127.0.0.1 .2 .3 .5 .6 .7 .9 .10 .11", "dnsbl.code_not_matched"}},
		{"host on several lists", []string{"dnsbl", "mx.spamtrap.lab.test", "--zone", "combo.lab.test", "--zone", "dbl.lab.test:domain", "--zone", "wl.lab.test:allow"}, 1,
			[]string{"mx.spamtrap.lab.test (127.0.0.70): listed", "127.0.0.4 127.0.0.10", "dnsbl.listed mx.spamtrap.lab.test (127.0.0.70)"}},
		{"refusals are unchecked", []string{"dnsbl", "127.0.0.11", "--zone", "refuse.lab.test:errors=127.255.255.254", "--zone", "hijack.lab.test", "--zone", "wl.lab.test:allow"}, 3,
			[]string{"could not check", "UNCHECKED dnsbl.query_refused", "UNCHECKED dnsbl.bogus_answer", "INFO      dnsbl.allowlisted"}},
		{"allow-list only is clean", []string{"dnsbl", "127.0.0.11", "--zone", "wl.lab.test:allow"}, 0,
			[]string{"allow-listed", "0 listed, 1 clean"}},
		{"selftest skips a dead list", []string{"dnsbl", "--selftest", "127.0.0.14", "--zone", "bl.lab.test", "--zone", "dead.lab.test"}, 1,
			[]string{"List health", "dead.lab.test  ip    127.0.0.2: 127.0.0.2", "lists_everything", "skipped", "dnsbl.selftest.lists_everything"}},
		{"range summary", []string{"dnsbl", "127.0.0.0/29", "--zone", "bl.lab.test"}, 1,
			[]string{"Summary", "127.0.0.2  listed   bl.lab.test", "8 targets on 1 list: 1 listed, 7 clean"}},
		{"markdown", []string{"-o", "markdown", "dnsbl", "127.0.0.14", "--zone", "bl.lab.test"}, 1,
			[]string{"## `mailflow ", " -o markdown dnsbl 127.0.0.14 --zone bl.lab.test`\n", "| bl.lab.test | 127.0.0.14 | LISTED | 127.0.0.72 |"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := runDNSBLTest(t, dnsAddr, tt.args)
			if code != tt.exit {
				t.Errorf("exit %d, want %d\n%s", code, tt.exit, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestDNSBLMachineFormats(t *testing.T) {
	dnsAddr := startLabDNS(t)

	out, code := runDNSBLTest(t, dnsAddr, []string{"-o", "json", "dnsbl", "127.0.0.14", "--zone", "bl.lab.test"})
	var doc struct {
		ExitCode int `json:"exit_code"`
		Findings []struct {
			ID string `json:"id"`
		} `json:"findings"`
		Data struct {
			Results []struct {
				Verdict string `json:"verdict"`
				Lists   []struct {
					Status string `json:"status"`
					Codes  []struct {
						Code string `json:"code"`
					} `json:"codes"`
				} `json:"lists"`
				Findings []any `json:"findings"`
			} `json:"results"`
			Summary struct{ Listed int } `json:"summary"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	r := doc.Data.Results
	if code != 1 || doc.ExitCode != 1 || len(r) != 1 || r[0].Verdict != "listed" || r[0].Lists[0].Codes[0].Code != "127.0.0.72" ||
		r[0].Findings != nil || doc.Findings[0].ID != "dnsbl.listed" || doc.Data.Summary.Listed != 1 {
		t.Errorf("json document: %+v", doc)
	}

	out, code = runDNSBLTest(t, dnsAddr, []string{"-o", "jsonl", "dnsbl", "--selftest", "127.0.0.13", "127.0.0.14", "--zone", "bl.lab.test"})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var types []string
	for _, l := range lines {
		var rec struct {
			Type     string `json:"type"`
			Target   string `json:"target"`
			ExitCode *int   `json:"exit_code"`
			SelfTest []any  `json:"selftest"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("jsonl line %q: %v", l, err)
		}
		types = append(types, rec.Type+":"+rec.Target)
		if rec.Type == "summary" && (rec.ExitCode == nil || *rec.ExitCode != code || len(rec.SelfTest) != 1) {
			t.Errorf("summary exit code %v, process %d, selftest %v", rec.ExitCode, code, rec.SelfTest)
		}
	}
	if got := strings.Join(types, " "); got != "result:127.0.0.13 result:127.0.0.14 summary:" || code != 1 {
		t.Errorf("records %s, exit %d", got, code)
	}
}

// startLabDNS serves the lab's zones without its mail hosts.
func startLabDNS(t *testing.T) string {
	t.Helper()
	zone, err := lab.Zone()
	if err != nil {
		t.Fatal(err)
	}
	s, err := authdns.Start("127.0.0.1:0", zone)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.Addr
}

func runDNSBLTest(t *testing.T, dnsAddr string, args []string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	code := Run(io, append([]string{"--dns", dnsAddr, "--timeout", "2s", "--color", "never"}, args...))
	if errOut.Len() > 0 {
		t.Logf("stderr: %s", errOut.String())
	}
	return out.String(), code
}

// TestProgress: a bulk run draws its progress bar on standard error while
// it works when standard error is a terminal, and nothing otherwise.
func TestProgress(t *testing.T) {
	dnsAddr := startLabDNS(t)
	run := func(stderrTTY bool, args ...string) (string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, StderrTTY: stderrTTY, Getenv: func(string) string { return "" }}
		Run(io, append([]string{"--dns", dnsAddr, "--timeout", "2s"}, args...))
		return out.String(), errOut.String()
	}
	bulk := []string{"dnsbl", "127.0.0.0/28", "--zone", "bl.lab.test"}
	_, stderr := run(true, bulk...)
	if !strings.Contains(stderr, "dnsbl") || !strings.Contains(stderr, "16/16") || !strings.Contains(stderr, "targets/s") {
		t.Errorf("terminal: no progress bar with count and rate on stderr: %q", stderr)
	}
	for _, tt := range []struct {
		name string
		tty  bool
		args []string
	}{
		{"piped", false, bulk},
		{"json", true, append([]string{"-o", "json"}, bulk...)},
		{"jsonl", true, append([]string{"-o", "jsonl"}, bulk...)},
	} {
		if out, stderr := run(tt.tty, tt.args...); stderr != "" || strings.Contains(out, "targets/s") {
			t.Errorf("%s: progress drawn: stderr %q", tt.name, stderr)
		}
	}
}

// TestNDRProgress: ndr over a large mbox draws a bar of bytes read on a
// terminal, and nothing when stderr is piped.
func TestNDRProgress(t *testing.T) {
	msg := "From MAILER-DAEMON Thu Jan  1 00:00:00 2024\nFrom: MAILER-DAEMON@q.example\nSubject: failure notice\n\n" +
		"<carol@example.com>:\n192.0.2.1 does not like recipient.\nRemote host said: 550 5.1.1 <carol@example.com>... User Unknown\n" +
		strings.Repeat("padding line of the returned message\n", 100) + "\n"
	defer func(n int64) { ndrProgressBytes = n }(ndrProgressBytes)
	ndrProgressBytes = 256 << 10
	path := filepath.Join(t.TempDir(), "big.mbox")
	if err := os.WriteFile(path, []byte(strings.Repeat(msg, int(ndrProgressBytes)/len(msg)+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tty := range []bool{true, false} {
		var out, errOut bytes.Buffer
		io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, StderrTTY: tty, Getenv: func(string) string { return "" }}
		if code := Run(io, []string{"ndr", path}); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		if drawn := strings.Contains(errOut.String(), "ndr") && strings.Contains(errOut.String(), "/256 KiB, "); drawn != tty {
			t.Errorf("stderr a terminal: %v, bar drawn: %v: %q", tty, drawn, errOut.String())
		}
	}
}
