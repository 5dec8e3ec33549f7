package ndr

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/report"
)

var update = flag.Bool("update", false, "rewrite testdata/logs/*.golden and the embedded markers.bin")

// TestParseLogGolden reads every constructed log and compares what comes
// out, result by result, with its golden file.
func TestParseLogGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/logs/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if strings.HasSuffix(file, ".golden") || strings.HasSuffix(file, ".md") {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !IsLog(data[:min(len(data), 4096)]) {
				t.Fatal("not recognised as a log")
			}
			var out bytes.Buffer
			st, err := ParseLog(bytes.NewReader(data), filepath.Base(file), func(r Result) error {
				b, err := report.MarshalJSON(r)
				out.Write(append(b, '\n'))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if st.Lines != strings.Count(string(data), "\n") || st.Lines != st.Results+st.Delivered+st.Skipped {
				t.Errorf("counts %+v do not add up to the %d lines", st, strings.Count(string(data), "\n"))
			}
			b, _ := json.Marshal(st)
			out.Write(append(b, '\n'))
			golden := file + ".golden"
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != string(want) {
				t.Errorf("output differs from %s (rerun with -update after checking):\n%s", golden, lineDiff(string(want), got))
			}
		})
	}
}

// lineDiff shows the first line that differs.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "want: " + wl + "\n got: " + gl
		}
	}
	return ""
}

// TestParseLogFacts pins what matters in the constructed logs apart from
// the golden files: the recipient, the action, and the classifier's
// verdict for each kind of line.
func TestParseLogFacts(t *testing.T) {
	type want struct {
		source, address, action, status string
		reply                           int
		reason                          string
		hard                            bool
		command, remote                 string
	}
	tests := []struct {
		file  string
		stats LogStats
		want  []want
	}{
		{"postfix.log", LogStats{Lines: 22, Results: 13, Delivered: 1, Skipped: 8}, []want{
			{"postfix.log:6", "carol@example.org", "failed", "5.1.1", 550, "userunknown", true, "RCPT", "mx.example.org"},
			{"postfix.log:7", "dave@example.com", "delayed", "4.7.1", 450, "blocked", false, "RCPT", "mx.example.com"},
			{"postfix.log:10", "frank@no-such-domain.example", "failed", "5.4.4", 0, "hostunknown", true, "", ""},
			{"postfix.log:11", "gina@mx1.example.net", "failed", "5.1.1", 0, "userunknown", true, "", ""},
			{"postfix.log:12", "hank@example.org", "failed", "5.7.1", 554, "spamdetected", false, "DATA", "mx.example.org"},
			{"postfix.log:15", "nobody@example.net", "failed", "5.1.1", 550, "userunknown", true, "RCPT", ""},
			{"postfix.log:18", "jack@example.net", "failed", "5.7.1", 0, "virusdetected", false, "DATA", ""},
			// The deferral of line 9, returned when the message expired.
			{"postfix.log:20", "erin@example.info", "failed", "4.4.1", 0, "expired", false, "", ""},
			{"postfix.log:22", "kim@example.org", "failed", "5.7.26", 550, "authfailure", false, "DATA", "mx.example.org"},
		}},
		{"sendmail.log", LogStats{Lines: 12, Results: 6, Delivered: 1, Skipped: 5}, []want{
			{"sendmail.log:4", "carol@example.org", "failed", "5.1.1", 0, "userunknown", true, "", "mx.example.org"},
			{"sendmail.log:6", "dave@example.com", "delayed", "4.0.0", 0, "", false, "", "mx.example.com"},
			{"sendmail.log:8", "gina@no-such-domain.example", "failed", "5.1.2", 0, "hostunknown", true, "", "no-such-domain.example"},
			{"sendmail.log:9", "hank@example.org", "delayed", "4.2.2", 452, "mailboxfull", false, "", "mx.example.org"},
			{"sendmail.log:10", "ivy@elsewhere.example", "failed", "5.7.1", 550, "norelaying", false, "RCPT", ""},
		}},
		{"exim_mainlog", LogStats{Lines: 14, Results: 10, Delivered: 1, Skipped: 3}, []want{
			{"exim_mainlog:3", "carol@example.org", "failed", "5.1.1", 550, "userunknown", true, "RCPT", "mx.example.org"},
			{"exim_mainlog:4", "dave@example.com", "delayed", "4.7.1", 451, "", false, "RCPT", "mx.example.com"},
			{"exim_mainlog:5", "erin@example.info", "failed", "5.1.1", 550, "userunknown", true, "RCPT", "mx.example.info"},
			{"exim_mainlog:6", "frank@no-such-domain.example", "failed", "", 0, "hostunknown", true, "", ""},
			{"exim_mainlog:8", "gina@example.org", "failed", "5.3.4", 552, "mesgtoobig", false, "DATA", "mx.example.org"},
			{"exim_mainlog:10", "ivy@example.net", "failed", "", 0, "expired", false, "", ""},
			{"exim_mainlog:11", "nobody@example.net", "failed", "", 0, "userunknown", true, "RCPT", ""},
			{"exim_mainlog:12", "jack@example.net", "delayed", "", 0, "", false, "RCPT", ""},
			{"exim_mainlog:14", "kim@example.net", "failed", "", 0, "mailererror", false, "", ""},
		}},
		{"MSGTRK20240505-1.LOG", LogStats{Lines: 13, Results: 4, Delivered: 2, Skipped: 7}, []want{
			{"MSGTRK20240505-1.LOG:8", "carol@example.org", "failed", "5.1.1", 550, "userunknown", true, "", ""},
			{"MSGTRK20240505-1.LOG:10", "dave@corp.example", "failed", "5.1.10", 550, "userunknown", true, "", ""},
			{"MSGTRK20240505-1.LOG:10", "erin@corp.example", "failed", "5.1.10", 550, "userunknown", true, "", ""},
			{"MSGTRK20240505-1.LOG:11", "gina@example.info", "delayed", "4.4.0", 451, "networkerror", false, "", ""},
			{"MSGTRK20240505-1.LOG:12", "gina@example.info", "failed", "4.4.7", 0, "expired", false, "", ""},
		}},
		{"messagetrace.csv", LogStats{Lines: 6, Results: 3, Delivered: 2, Skipped: 1}, []want{
			{"messagetrace.csv:3", "carol@example.org", "failed", "", 0, "", false, "", ""},
			{"messagetrace.csv:4", "dave@contoso.example", "failed", "", 0, "spamdetected", false, "", ""},
			{"messagetrace.csv:5", "erin@example.info", "delayed", "", 0, "", false, "", ""},
		}},
		{"trace_enhanced.csv", LogStats{Lines: 4, Results: 2, Delivered: 1, Skipped: 1}, []want{
			{"trace_enhanced.csv:2", "carol@example.org", "failed", "", 0, "", false, "", ""},
			{"trace_enhanced.csv:3", "erin@example.info", "delayed", "", 0, "", false, "", ""},
		}},
		{"trace_detail.csv", LogStats{Lines: 3, Results: 1, Delivered: 0, Skipped: 2}, []want{
			{"trace_detail.csv:3", "carol@example.org", "failed", "5.1.10", 550, "userunknown", true, "", ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata/logs", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got := map[string]Recipient{}
			st, err := ParseLog(f, tt.file, func(r Result) error {
				for _, rc := range r.Recipients {
					got[r.Source+" "+rc.Address] = rc
				}
				return nil
			})
			if err != nil || st != tt.stats {
				t.Errorf("stats %+v, %v; want %+v", st, err, tt.stats)
			}
			for _, w := range tt.want {
				g, ok := got[w.source+" "+w.address]
				if !ok {
					t.Errorf("%s: no result for %s", w.source, w.address)
					continue
				}
				if g.Action != w.action || g.Status != w.status || g.ReplyCode != w.reply || (w.reason != "" && g.Reason != w.reason) ||
					g.HardBounce != w.hard || g.Command != w.command || g.RemoteMTA != w.remote {
					t.Errorf("%s %s: got %s %s %d %s hard=%v %s %s; want %s %s %d %s hard=%v %s %s", w.source, w.address,
						g.Action, g.Status, g.ReplyCode, g.Reason, g.HardBounce, g.Command, g.RemoteMTA,
						w.action, w.status, w.reply, w.reason, w.hard, w.command, w.remote)
				}
			}
		})
	}
}

func TestIsLog(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{"Feb  1 10:00:01 mx1 postfix/smtp[2103]: ABCDE12345: to=<a@example.org>, status=sent\n", true},
		{"<22>Feb  1 10:00:01 mx1 postfix/smtp[2103]: ABCDE12345: to=<a@example.org>\n", true},
		{"Feb 1 10:00:01 mx1 postfix/smtp[2103]: ABCDE12345: to=<a@example.org>\n", true},
		{"-- Logs begin at Mon 2024-01-01 00:00:00 UTC, end at Tue 2024-01-02 00:00:00 UTC. --\nJan 01 10:00:01 mx1 postfix/smtp[2103]: ABCDE12345: removed\n", true},
		{"2024-02-06T10:05:00.123456+00:00 mx1 postfix/qmgr[1500]: 5ABCD12345: removed\n", true},
		{"\n\n2024-04-04 08:00:01 1rsT0a-000AbC-Xy ** a@example.org: Unrouteable address\n", true},
		{"2024-04-04 08:30:00 H=(x) [192.0.2.1] F=<a@b.example> rejected RCPT <c@d.example>: no\n", true},
		{"ABCDE12345: to=<a@example.org>, relay=none, dsn=5.1.1, status=bounced (unknown)\n", true},
		{"\ufeff#Software: Microsoft Exchange Server\n#Version: 15.02\n", true},
		{"#TYPE Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent\n", true},
		{`"Received","SenderAddress","RecipientAddress","Subject","Status"` + "\n", true},
		{"origin_timestamp_utc,sender_address,recipient_status,message_subject\n", true},
		// Lines before the log's own: a tool's warnings in the same file,
		// tail's banner.
		{"/usr/sbin/postconf: warning: /etc/postfix/main.cf, line 55: overriding earlier entry: mydestination=$mydomain\n" +
			"Dec 02 23:21:52 mail postfix/master[18399]: daemon started -- version 3.7.11\n", true},
		{"==> /var/log/mail.log <==\nFeb  1 10:00:01 mx1 postfix/smtp[2103]: ABCDE12345: to=<a@example.org>\n", true},
		// Not logs: messages, pasted NDRs and replies, also when they
		// quote a log line further down.
		{"From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail\n\nFeb  1 10:00:01 mx1 postfix/smtp[2103]: ABCDE12345: to=<a@example.org>\n", false},
		{"Received: from mx1.example.net\n\tby mx2.example.net; Thu, 1 Feb 2024 10:00:01 +0000\n\nFeb  1 10:00:01 mx1 postfix/smtp[2103]: ABCDE12345: to=<a@example.org>\n", false},
		{"From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail\n\n", false},
		{"From MAILER-DAEMON Thu Jan  1 00:00:00 2024\nFrom: x\n", false},
		{"550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown\n", false},
		{"Delivery has failed to these recipients or groups:\n", false},
		{"<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 unknown\n", false},
		{"name,address,phone\nbob,bob@example.org,555\n", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsLog([]byte(tt.head)); got != tt.want {
			t.Errorf("IsLog(%q) = %v, want %v", tt.head, got, tt.want)
		}
	}
}

// TestParseLogLongLine: a line over the line limit is read in part, and
// its result says how much was left.
func TestParseLogLongLine(t *testing.T) {
	line := "Feb  1 10:00:01 mx1 postfix/smtp[1]: ABCDE12345: to=<a@example.org>, relay=none, dsn=5.1.1, status=bounced (" +
		strings.Repeat("x", maxLogLine) + ")\n"
	var got []Result
	st, err := ParseLog(strings.NewReader(line+line), "long.log", func(r Result) error { got = append(got, r); return nil })
	if err != nil || st.Lines != 2 || st.LongLines != 2 || len(got) != 2 {
		t.Fatalf("stats %+v, %v, %d results", st, err, len(got))
	}
	tr := got[1].Truncated
	if len(tr) != 1 || tr[0].Limit != "line" || tr[0].UnreadBytes != int64(len(line)-maxLogLine) || got[1].Source != "long.log:2" {
		t.Errorf("truncated %+v, source %s", tr, got[1].Source)
	}
}

// TestParseLogEmitError: the first emit error ends the read.
func TestParseLogEmitError(t *testing.T) {
	f, err := os.Open("testdata/logs/postfix.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stop := errors.New("stop")
	n := 0
	_, err = ParseLog(f, "x", func(Result) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d results", err, n)
	}
}

// TestSplitCSV covers quoting as RFC 4180 writes it.
func TestSplitCSV(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{`a,b,c`, []string{"a", "b", "c"}, true},
		{`"a,1","b ""q""",`, []string{"a,1", `b "q"`, ""}, true},
		{`,,`, []string{"", "", ""}, true},
		{`"open`, nil, false},
	}
	for _, tt := range tests {
		got, ok := splitCSV(tt.in)
		if ok != tt.ok || (ok && strings.Join(got, "|") != strings.Join(tt.want, "|")) {
			t.Errorf("splitCSV(%q) = %q, %v", tt.in, got, ok)
		}
	}
}

func TestSplitStatuses(t *testing.T) {
	got := splitStatuses("550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found;550 4.4.7 QUEUE.Expired;expired")
	if len(got) != 2 || got[0] != "550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found" || got[1] != "550 4.4.7 QUEUE.Expired;expired" {
		t.Errorf("got %q", got)
	}
}

// FuzzParseLog: any input read as a log gives results with a source and
// a reason, counts that add up, and no panic.
func FuzzParseLog(f *testing.F) {
	files, _ := filepath.Glob("testdata/logs/*")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil && !strings.HasSuffix(file, ".golden") {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = IsLog(data)
		st, err := ParseLog(bytes.NewReader(data), "fuzz", func(r Result) error {
			if !strings.HasPrefix(r.Source, "fuzz:") || r.Kind != KindBounce {
				t.Fatalf("result %q of kind %s", r.Source, r.Kind)
			}
			for _, rc := range r.Recipients {
				if rc.Reason == "" {
					t.Fatalf("%s: recipient %q without a reason", r.Source, rc.Address)
				}
			}
			return nil
		})
		if err != nil || st.Lines != st.Results+st.Delivered+st.Skipped {
			t.Fatalf("stats %+v, %v", st, err)
		}
	})
}

func TestSplitSyslog(t *testing.T) {
	tests := []struct {
		line string
		want syslogLine
		ok   bool
	}{
		{"Feb  1 10:00:01 mx1 postfix/smtp[2103]: ABC: to=<a@b>", syslogLine{"Feb  1 10:00:01", "mx1", "postfix/smtp", "ABC: to=<a@b>"}, true},
		{"Feb 11 10:00:01 mx1 sendmail[1]: x", syslogLine{"Feb 11 10:00:01", "mx1", "sendmail", "x"}, true},
		{"Feb 1 10:00:01 mx1 exim[1]: x", syslogLine{"Feb 1 10:00:01", "mx1", "exim", "x"}, true},
		{"<22>Feb  1 10:00:01 mx1 postfix/qmgr: x", syslogLine{"Feb  1 10:00:01", "mx1", "postfix/qmgr", "x"}, true},
		{"2024-02-06T10:05:00.123456+00:00 mx1 postfix/qmgr[1500]: x", syslogLine{"2024-02-06T10:05:00.123456+00:00", "mx1", "postfix/qmgr", "x"}, true},
		{"<22>1 2024-02-06T10:05:00Z mx1 postfix/smtp 2103 - - ABC: to=<a@b>", syslogLine{"2024-02-06T10:05:00Z", "mx1", "postfix/smtp", "ABC: to=<a@b>"}, true},
		{"Feb  1 10:00:01", syslogLine{}, false},
		{"Hello world: not a log", syslogLine{}, false},
		{"2024-02-06 10:05:00 1abcde-000000-AB ** a@b: x", syslogLine{}, false},
	}
	for _, tt := range tests {
		got, ok := splitSyslog(tt.line)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("splitSyslog(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}
