package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"

	"github.com/mailflowkit/mailflow/pkg/ndr"
)

// runNDRCmd runs mailflow with args and standard input in, and returns
// the exit code and what it wrote.
func runNDRCmd(t *testing.T, in string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(in), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	code := Run(io, args)
	return code, out.String(), errOut.String()
}

// jsonlRecords splits --format jsonl output into its result records and
// its summary record.
func jsonlRecords(t *testing.T, out string) ([]map[string]json.RawMessage, map[string]json.RawMessage) {
	t.Helper()
	var results []map[string]json.RawMessage
	var summary map[string]json.RawMessage
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %.200s", err, line)
		}
		if string(rec["type"]) == `"summary"` {
			summary = rec
		} else {
			results = append(results, rec)
		}
	}
	return results, summary
}

// bigBounce writes a plain-text Postfix bounce listing n recipients.
func bigBounce(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\nSubject: Undelivered Mail Returned to Sender\n\n" +
		"This is the mail system at host mx.example.net.\n\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "<user%d@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1\n"+
			"    <user%d@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO\n    command)\n\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "big.eml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNDRReadsLongBounce: a text bounce listing 16,000 recipients (3 MB)
// gives 16,000 recipients; past --max-input the result says how much was
// not read, the run reports it as a warning, and --fail-on warning fails.
func TestNDRReadsLongBounce(t *testing.T) {
	path := bigBounce(t, 16000)
	code, out, errOut := runNDRCmd(t, "", "ndr", "--format", "jsonl", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	results, _ := jsonlRecords(t, out)
	var res ndr.Result
	if len(results) != 1 || json.Unmarshal([]byte(out[:strings.IndexByte(out, '\n')]), &res) != nil {
		t.Fatalf("%d results", len(results))
	}
	if len(res.Recipients) != 16000 || len(res.Truncated) != 0 {
		t.Fatalf("%d recipients, truncated %+v; want all 16000", len(res.Recipients), res.Truncated)
	}

	code, out, _ = runNDRCmd(t, "", "ndr", "--format", "jsonl", "--max-input", "1", path)
	if code != 0 {
		t.Fatalf("--max-input 1: exit %d", code)
	}
	if err := json.Unmarshal([]byte(out[:strings.IndexByte(out, '\n')]), &res); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	want := ndr.Truncation{Limit: "input", Max: 1 << 20, UnreadBytes: st.Size() - 1<<20}
	if len(res.Truncated) != 1 || res.Truncated[0] != want || len(res.Recipients) >= 16000 {
		t.Errorf("truncated %+v with %d recipients, want %+v", res.Truncated, len(res.Recipients), want)
	}
	_, summary := jsonlRecords(t, out)
	if !strings.Contains(string(summary["findings"]), `"id":"ndr.input_truncated","severity":"warning"`) {
		t.Errorf("summary findings %s", summary["findings"])
	}

	code, out, _ = runNDRCmd(t, "", "ndr", "--max-input", "1", "--fail-on", "warning", path)
	if code != 1 || !strings.Contains(out, "read in part") || !strings.Contains(out, "ndr.input_truncated") {
		t.Errorf("text, --fail-on warning: exit %d\n%s", code, out)
	}
	if code, _, errOut := runNDRCmd(t, "", "ndr", "--max-input", "0", path); code != 2 || !strings.Contains(errOut, "--max-input") {
		t.Errorf("--max-input 0: exit %d, %s", code, errOut)
	}
}

// TestNDRStdinReplyLine: a reply line on standard input is explained as
// the same line given as an argument.
func TestNDRStdinReplyLine(t *testing.T) {
	line := "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown"
	_, asArg, _ := runNDRCmd(t, "", "ndr", "--format", "jsonl", line)
	_, onStdin, _ := runNDRCmd(t, line+"\n", "ndr", "--format", "jsonl")
	a, _ := jsonlRecords(t, asArg)
	s, _ := jsonlRecords(t, onStdin)
	if len(a) != 1 || len(s) != 1 {
		t.Fatalf("%d and %d results", len(a), len(s))
	}
	if string(s[0]["kind"]) != `"code"` || string(a[0]["recipients"]) != string(s[0]["recipients"]) {
		t.Errorf("as argument %s %s\non stdin %s %s", a[0]["kind"], a[0]["recipients"], s[0]["kind"], s[0]["recipients"])
	}
}

// TestNDRLog: a mail log gives a result per failed or delayed line and
// counts the others in the summary.
func TestNDRLog(t *testing.T) {
	log := "Feb  1 10:00:01 mx1 postfix/smtp[2103]: 4TQf3x1abcz9sW: to=<bob@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)\n" +
		"Feb  1 10:00:01 mx1 postfix/smtp[2103]: 4TQf3x1abcz9sW: to=<carol@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 <carol@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command))\n" +
		"Feb  1 10:00:02 mx1 postfix/qmgr[1500]: 4TQf3x1abcz9sW: removed\n"
	code, out, errOut := runNDRCmd(t, log, "ndr", "--format", "jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	results, summary := jsonlRecords(t, out)
	if len(results) != 1 || string(results[0]["source"]) != `"stdin:2"` || !strings.Contains(string(results[0]["recipients"]), `"reason":"userunknown"`) {
		t.Fatalf("results %v", results)
	}
	if !strings.Contains(string(summary["totals"]), `"logs":{"lines":3,"results":1,"delivered":1,"skipped":1}`) {
		t.Errorf("totals %s", summary["totals"])
	}
	_, text, _ := runNDRCmd(t, log, "ndr")
	if !strings.Contains(text, "stdin:2: postfix-log bounce from mx1") || !strings.Contains(text, "mail logs: 3 lines: 1 failure or delay, 1 delivery, 1 other line skipped") {
		t.Errorf("text:\n%s", text)
	}
}

// TestNDRInputOrder: bounce files are parsed on several workers, but the
// results come out in the order of the arguments, with an mbox, standard
// input and a bare code read in their turn; an input that cannot be read
// stops the run with its name.
func TestNDRInputOrder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bounce := func(user string) string {
		return "From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail Returned to Sender\n\n" +
			"<" + user + "@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)\n"
	}
	mbox := write("box.mbox", "From MAILER-DAEMON Thu Feb  1 10:00:00 2024\n"+bounce("inbox1")+"\nFrom MAILER-DAEMON Thu Feb  1 10:00:01 2024\n"+bounce("inbox2"))
	var args, want []string
	for i := range 40 {
		if i == 7 {
			args = append(args, mbox, "5.7.1", "-")
			want = append(want, "inbox1", "inbox2", "", "stdin")
		}
		user := fmt.Sprintf("user%02d", i)
		args = append(args, write(user+".eml", bounce(user)))
		want = append(want, user)
	}
	code, out, errOut := runNDRCmd(t, bounce("piped"), append([]string{"ndr", "--format", "jsonl", "--workers", "4"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	results, _ := jsonlRecords(t, out)
	var got []string
	for _, r := range results {
		var rcpts []struct{ Address string }
		if err := json.Unmarshal(r["recipients"], &rcpts); err != nil {
			t.Fatal(err)
		}
		switch {
		case string(r["kind"]) == `"code"`:
			got = append(got, "")
		case string(r["source"]) == `"stdin"`:
			got = append(got, "stdin")
		case len(rcpts) == 1:
			got = append(got, strings.TrimSuffix(rcpts[0].Address, "@example.org"))
		default:
			t.Fatalf("result %s with %d recipients", r["source"], len(rcpts))
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("results in order\n%v\nwant\n%v", got, want)
	}

	// A file that opens but cannot be read: on Linux, reading
	// /proc/self/mem at offset 0 fails even for root.
	if runtime.GOOS == "linux" {
		const unreadable = "/proc/self/mem"
		code, _, errOut = runNDRCmd(t, "", "ndr", "--format", "jsonl", args[0], unreadable, args[1])
		if code != 2 || !strings.Contains(errOut, unreadable) {
			t.Errorf("unreadable input: exit %d, stderr %q", code, errOut)
		}
	}
}

// TestNDRUTF16: a mail log and an mbox saved as UTF-16 (Windows
// PowerShell's > redirection) are told apart and read like their UTF-8
// text.
func TestNDRUTF16(t *testing.T) {
	log := "Feb  1 10:00:01 mx1 postfix/smtp[2103]: 4TQf3x1abcz9sW: to=<carol@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 <carol@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command))\r\n" +
		"Feb  1 10:00:02 mx1 postfix/qmgr[1500]: 4TQf3x1abcz9sW: removed\r\n"
	mbox := "From MAILER-DAEMON Thu Feb  1 10:00:00 2024\r\nFrom: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\n" +
		"<dave@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)\r\n"
	dir := t.TempDir()
	for _, tt := range []struct{ name, text, source string }{
		{"log", log, "log.txt:1"},
		{"mbox", mbox, "mbox.txt#1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, tt.name+".txt")
			if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			utf8Path := filepath.Join(t.TempDir(), tt.name+".txt")
			if err := os.WriteFile(utf8Path, []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, want, _ := runNDRCmd(t, "", "ndr", "--format", "jsonl", utf8Path)
			code, got, errOut := runNDRCmd(t, "", "ndr", "--format", "jsonl", path)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			wantRes, _ := jsonlRecords(t, want)
			gotRes, _ := jsonlRecords(t, got)
			if len(gotRes) != 1 || len(wantRes) != 1 || string(gotRes[0]["recipients"]) != string(wantRes[0]["recipients"]) {
				t.Fatalf("UTF-16:\n%s\nUTF-8:\n%s", got, want)
			}
			if src := filepath.Base(strings.Trim(string(gotRes[0]["source"]), `"`)); src != tt.source {
				t.Errorf("source %s, want %s", src, tt.source)
			}
		})
	}
}
