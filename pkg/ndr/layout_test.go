package ndr

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/ndr/internal/phraseset"
)

// TestEmbeddedTable keeps markers.bin the automaton of the families' body
// markers; -update rewrites it.
func TestEmbeddedTable(t *testing.T) {
	list, _ := bodyMarkerList()
	if err := phraseset.CheckTable("markers.bin", bodyMarkersTable, list, *update); err != nil {
		t.Error(err)
	}
}

// TestFamiliesRegistered checks that every family issue 12 names has a
// layout.
func TestFamiliesRegistered(t *testing.T) {
	names := LayoutNames()
	for _, want := range []string{
		"postfix", "sendmail", "exim", "qmail", "courier", "opensmtpd", "exchange2003", "exchange2007", "office365",
		"outlook", "domino", "groupwise", "imail", "mdaemon", "kerio", "zimbra", "messaging-server", "amavis",
		"barracuda", "mcafee", "trendmicro", "sophos", "proofpoint", "mimecast", "gmail", "google-groups", "yahoo",
		"icloud", "gmx", "zoho", "verizon", "openwave", "facebook", "kddi", "docomo", "softbank", "fml", "mailinglist",
		"amazon-ses", "sendgrid", "mailgun", "postmark", "sparkpost", "autoreply", "arf",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("no layout %q", want)
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("layout %q registered twice", n)
		}
		seen[n] = true
	}
}

// TestLayoutFilesDocumented keeps the rule that every family file opens
// with a comment naming the product and its markers.
func TestLayoutFilesDocumented(t *testing.T) {
	files, err := filepath.Glob("layout_*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "layout_read.go" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(data)
		for _, block := range strings.Split(src, "\nfunc init() {")[:strings.Count(src, "\nfunc init() {")] {
			lines := strings.Split(strings.TrimRight(block, "\n"), "\n")
			if len(lines) < 3 || !strings.HasPrefix(lines[len(lines)-1], "//") || !strings.HasPrefix(lines[len(lines)-3], "//") {
				t.Errorf("%s: a family's init lacks a doc comment of several lines", f)
			}
		}
	}
}

// TestLayoutOffFallsBack checks the harness's switch: with a family's
// layout off the message is still read, by the DSN reader and the scraper.
func TestLayoutOffFallsBack(t *testing.T) {
	data := []byte(mustRead("testdata/constructed/exchange2003-01.eml"))
	on := parse(data, "x", DefaultMaxInput, nil)
	off := parse(data, "x", DefaultMaxInput, map[string]bool{"exchange2003": true})
	if on.Layout != "exchange2003" || off.Layout == "exchange2003" {
		t.Fatalf("layouts %q and %q", on.Layout, off.Layout)
	}
	if len(off.Recipients) != 2 || off.Recipients[0].Address != "anna@corp.example.com" {
		t.Errorf("fallback found %+v", off.Recipients)
	}
}

func FuzzResolve(f *testing.F) {
	f.Add("bob@example.org", "5.1.1", 550, "550 5.1.1 <bob@example.org>: User unknown", "RCPT TO", "failed")
	f.Add("", "", 0, "#554 5.4.4 SMTPSEND.DNS.MxLoopback ##", "", "")
	f.Fuzz(func(t *testing.T, addr, status string, reply int, diag, cmd, action string) {
		r := Resolve(Fact{Address: addr, Status: status, ReplyCode: reply, Diagnostic: diag, Command: cmd, Action: action})
		if r.Reason == "" {
			t.Fatal("no reason")
		}
	})
}

// TestResolveAction checks the action filled in when a source states none:
// temporary failures are delays, a queue that gave up is a failure.
func TestResolveAction(t *testing.T) {
	for _, tc := range []struct {
		f    Fact
		want string
	}{
		{Fact{Diagnostic: "450 4.2.2 <a@b.example>: Mailbox full"}, "delayed"},
		{Fact{Diagnostic: "Message will be retried for 2 more day(s)"}, "delayed"},
		{Fact{Diagnostic: "550 5.1.1 <a@b.example>: User unknown"}, "failed"},
		{Fact{Diagnostic: "554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>"}, "failed"},
		{Fact{Status: "2.0.0", Diagnostic: "250 ok"}, "delivered"},
		{Fact{Action: "relayed", Status: "2.0.0"}, "relayed"},
	} {
		if got := Resolve(tc.f).Action; got != tc.want {
			t.Errorf("Resolve(%+v).Action = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestIndexFold(t *testing.T) {
	for _, tc := range []struct {
		s, sub string
		want   int
	}{
		{"Could Not Be Delivered To: <a@b>", "could not be delivered to:", 0},
		{"x\nFeedback-Type: abuse", "\nfeedback-type:", 1},
		{"İİ SMTP;550 no", "smtp;", 5},
		{"nothing here", "smtp;", -1},
		{"smt", "smtp;", -1},
	} {
		if got := indexFold(tc.s, tc.sub); got != tc.want {
			t.Errorf("indexFold(%q, %q) = %d, want %d", tc.s, tc.sub, got, tc.want)
		}
	}
}

func TestMayMarkReturned(t *testing.T) {
	for line, want := range map[string]bool{
		"--- Below this line is a copy of the message.":                           true,
		"------ This is a copy of the message, including all the headers. ------": true,
		"Original message follows.":                                               true,
		"Content-Type: message/rfc822":                                            true,
		"|------ MESSAGE TEXT follows: ------|":                                   true,
		"<bob@example.org>: host mx said: 550 nope":                               false,
		"": false,
	} {
		if got := mayMarkReturned(line); got != want {
			t.Errorf("mayMarkReturned(%q) = %v", line, got)
		}
	}
}
