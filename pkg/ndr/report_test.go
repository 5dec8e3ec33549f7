package ndr

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailflowkit/mailflow/pkg/report"
)

func TestResultSection(t *testing.T) {
	tests := []struct {
		name      string
		res       Result
		wantTitle string
		wantLines []string
	}{
		{
			name: "bounce with two recipients",
			res: Result{
				Source: "b.eml", Kind: KindBounce, Layout: "postfix", ReportingMTA: "mx.example.net",
				Original: &Original{Subject: "hi", From: "s@example.net", MessageID: "<1@example.net>"},
				Recipients: []Recipient{
					{Address: "a@example.org", Action: "failed", Status: "5.1.1", ReplyCode: 550, Reason: "userunknown", HardBounce: true,
						RemoteMTA: "mx.example.org", Command: "RCPT", Diagnostic: "550 5.1.1 no such user"},
					{Address: "b@example.org", Action: "delayed", Status: "4.2.2", Reason: "mailboxfull"},
				},
			},
			wantTitle: "b.eml: postfix bounce from mx.example.net, 2 recipients",
			wantLines: []string{
				`original msg  "hi", from s@example.net, Message-ID <1@example.net>`,
				"recipient     a@example.org",
				"status        5.1.1",
				"reply code    550",
				"reason        userunknown (hard bounce: retrying will not help)",
				"action        failed",
				"remote MTA    mx.example.org (rejected at RCPT)",
				"diagnostic    550 5.1.1 no such user",
				"recipient     b@example.org",
				"status        4.2.2",
				"reason        mailboxfull (soft bounce)",
				"action        delayed",
			},
		},
		{
			name: "a code has no recipient, action or remote MTA",
			res: Result{Source: "5.7.1", Kind: KindCode, Recipients: []Recipient{{
				Action: "failed", Status: "5.7.1", Reason: "securityerror", Diagnostic: "5.7.1",
				Explanation: &Explanation{Code: "5.7.1", Title: "Delivery not authorized", Reason: "A check failed.",
					Causes: []string{"no permission"}, Checks: []string{"check permissions"}},
			}}},
			wantTitle: "Code 5.7.1",
			wantLines: []string{
				"status        5.7.1 Delivery not authorized",
				"reason        securityerror",
				"reason means  A check failed.",
				"likely causes",
				"  - no permission",
				"check and fix",
				"  - check permissions",
			},
		},
		{
			name: "the recipient of an unnamed address and a delivery notice",
			res: Result{Source: "d.eml", Kind: KindBounce, Recipients: []Recipient{
				{Action: "delivered", Status: "2.0.0", Reason: "delivered"},
			}},
			wantTitle: "d.eml: bounce, 1 recipient",
			wantLines: []string{
				"recipient     (not named in the report)",
				"status        2.0.0",
				"reason        delivered",
				"action        delivered",
			},
		},
		{
			name:      "unparsed",
			res:       Result{Source: "x.bin", Kind: KindUnparsed, Error: "binary data"},
			wantTitle: "x.bin: could not be parsed",
			wantLines: []string{"binary data"},
		},
		{
			name:      "not a bounce",
			res:       Result{Source: "n.eml", Kind: KindNotBounce},
			wantTitle: "n.eml: not a bounce",
			wantLines: []string{"no failed or delayed recipient found"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := resultSection(tt.res)
			if len(got) != 1 {
				t.Fatalf("got %d sections, want 1", len(got))
			}
			if got[0].Title != tt.wantTitle {
				t.Errorf("title %q, want %q", got[0].Title, tt.wantTitle)
			}
			if !reflect.DeepEqual(got[0].Lines, tt.wantLines) {
				t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got[0].Lines, "\n"), strings.Join(tt.wantLines, "\n"))
			}
		})
	}
}

// Long values wrap at the report width, continuation lines under the value
// rather than under the field name.
func TestRecipientLinesWrap(t *testing.T) {
	diag := strings.Repeat("the remote server said something rather long ", 6)
	lines := recipientLines(Recipient{Address: "a@example.org", Reason: "onhold", Diagnostic: diag}, KindBounce)
	var wrapped []string
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > report.Width {
			t.Errorf("line of %d runes, over %d: %q", n, report.Width, l)
		}
		if strings.HasPrefix(l, "diagnostic") || strings.HasPrefix(l, strings.Repeat(" ", fieldWidth)) {
			wrapped = append(wrapped, l)
		}
	}
	if len(wrapped) < 2 {
		t.Fatalf("diagnostic not wrapped: %q", lines)
	}
	var words []string
	for _, l := range wrapped {
		words = append(words, strings.Fields(l)...)
	}
	if got, want := strings.Join(words, " "), "diagnostic "+strings.TrimSpace(diag); got != want {
		t.Errorf("wrapping changed the text:\n%s\nwant\n%s", got, want)
	}
}

func TestMessageRows(t *testing.T) {
	tests := []struct {
		name string
		res  Result
		want [][]string
	}{
		{"one row per recipient, dashes for missing codes",
			Result{Source: "box#7", Kind: KindBounce, Recipients: []Recipient{
				{Address: "a@example.org", Status: "5.1.1", ReplyCode: 550, Reason: "userunknown"},
				{Address: "b@example.org", Reason: "onhold"},
			}},
			[][]string{
				{"7", "bounce", "a@example.org", "5.1.1", "550", "userunknown"},
				{"7", "bounce", "b@example.org", "-", "-", "onhold"},
			}},
		{"a message without recipients says why",
			Result{Source: "box#2", Kind: KindUnparsed, Error: "empty input"},
			[][]string{{"2", "unparsed: empty input", "", "", "", ""}}},
	}
	for _, tt := range tests {
		if got := messageRows(tt.res, false); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSummaryLine(t *testing.T) {
	tests := []struct {
		sum  Summary
		want string
	}{
		{Summary{Inputs: 1}, "1 input, 0 recipients"},
		{Summary{Inputs: 1, Recipients: 1, ByReason: []Count{{"userunknown", 1}}}, "1 input, 1 recipient: 1 userunknown"},
		{Summary{Inputs: 3, Recipients: 4, ByReason: []Count{{"blocked", 3}, {"mailboxfull", 1}}}, "3 inputs, 4 recipients: 3 blocked, 1 mailboxfull"},
	}
	for _, tt := range tests {
		if got := summaryLine(tt.sum); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestSummarySections(t *testing.T) {
	sum := Summary{
		ByReason: []Count{{"blocked", 2}},
		ByStatus: []Count{{"5.7.1", 2}},
		ByDomain: []Count{{"example.org", 2}},
		Domains:  30,
		ByKind:   map[string]int{"unparsed": 1, "bounce": 2},
	}
	got := summarySections(sum)
	var titles []string
	for _, s := range got {
		titles = append(titles, s.Title)
	}
	want := []string{"Summary by reason", "Summary by status", "Summary by recipient domain (top 1 of 30)", "Inputs by kind"}
	if !reflect.DeepEqual(titles, want) {
		t.Errorf("titles %q, want %q", titles, want)
	}
	// Kinds come in a fixed order, bounces first, absent kinds left out.
	if rows, want := got[3].Table.Rows, [][]string{{"bounce", "2"}, {"unparsed", "1"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("kind rows %q, want %q", rows, want)
	}
}

func TestCollectorNotes(t *testing.T) {
	unparsed := func(src string) Result { return Result{Source: src, Kind: KindUnparsed, Error: "empty input"} }
	notBounce := func(src string) Result { return Result{Source: src, Kind: KindNotBounce} }
	tests := []struct {
		name string
		add  func(c *Collector)
		want []report.Finding
	}{
		{
			name: "nothing to note",
			add:  func(c *Collector) { c.Add(Result{Source: "5.1.1", Kind: KindCode}) },
			want: []report.Finding{},
		},
		{
			name: "one finding per file and kind, with counts",
			add: func(c *Collector) {
				c.AddMbox("a.mbox", []Result{unparsed("a.mbox#1"), notBounce("a.mbox#2"), unparsed("a.mbox#3")})
				c.Add(notBounce("b.eml"))
			},
			want: []report.Finding{
				{ID: "ndr.unparsed", Severity: report.Warning, Subject: "a.mbox", Message: "2 messages could not be parsed",
					Evidence: []string{"a.mbox#1: empty input", "a.mbox#3: empty input"},
					Fix:      "check that the input is a bounce message, an NDR text or an mbox"},
				{ID: "ndr.not_bounce", Severity: report.Info, Subject: "a.mbox", Message: "1 message is not a bounce",
					Evidence: []string{"a.mbox#2"}},
				{ID: "ndr.not_bounce", Severity: report.Info, Subject: "b.eml", Message: "1 message is not a bounce",
					Evidence: []string{"b.eml"}},
			},
		},
		{
			name: "evidence is capped, the count is not",
			add: func(c *Collector) {
				var msgs []Result
				for _, s := range []string{"1", "2", "3", "4", "5", "6", "7"} {
					msgs = append(msgs, notBounce("m#"+s))
				}
				c.AddMbox("m", msgs)
			},
			want: []report.Finding{
				{ID: "ndr.not_bounce", Severity: report.Info, Subject: "m", Message: "7 messages are not bounces",
					Evidence: []string{"m#1", "m#2", "m#3", "m#4", "m#5"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCollector()
			tt.add(c)
			rep := c.Report(nil, time.Time{}, 0)
			if !reflect.DeepEqual(rep.Findings, tt.want) {
				t.Errorf("findings:\n%+v\nwant:\n%+v", rep.Findings, tt.want)
			}
		})
	}
}

func TestCollectorReport(t *testing.T) {
	bounce := func(src, addr string) Result {
		return Result{Source: src, Kind: KindBounce, Recipients: []Recipient{{Address: addr, Status: "5.1.1", Reason: "userunknown", HardBounce: true}}}
	}
	titles := func(rep *report.Report) []string {
		var out []string
		for _, s := range rep.Sections {
			out = append(out, s.Title)
		}
		return out
	}

	// One input: its section and no summary tables.
	c := NewCollector()
	c.Add(bounce("b.eml", "a@example.org"))
	started := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rep := c.Report([]string{"b.eml"}, started, time.Second)
	if got, want := titles(rep), []string{"b.eml: bounce, 1 recipient"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sections %q, want %q", got, want)
	}
	if rep.Command != "ndr" || rep.Summary != "1 input, 1 recipient: 1 userunknown" || !rep.Started.Equal(started) || rep.Duration != time.Second {
		t.Errorf("report %+v", rep)
	}
	// The results carry their explanations in the JSON data.
	data := rep.Data.(ReportData)
	if len(data.Results) != 1 || data.Results[0].Recipients[0].Explanation == nil {
		t.Errorf("data results not annotated: %+v", data.Results)
	}
	if b, err := json.Marshal(data); err != nil || !strings.HasPrefix(string(b), `{"results":[`) || !strings.Contains(string(b), `"summary":{"inputs":1`) {
		t.Errorf("data JSON %s, %v", b, err)
	}

	// An mbox of one message reads like a single file.
	c = NewCollector()
	c.AddMbox("one.mbox", []Result{bounce("one.mbox#1", "a@example.org")})
	if got, want := titles(c.Report(nil, started, 0)), []string{"one.mbox#1: bounce, 1 recipient"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sections %q, want %q", got, want)
	}

	// A larger mbox is one verbose table, then the summary tables.
	c = NewCollector()
	c.AddMbox("box", []Result{bounce("box#1", "a@example.org"), bounce("box#2", "b@example.net")})
	rep = c.Report(nil, started, 0)
	want := []string{"box: 2 messages", "Summary by reason", "Summary by status", "Summary by recipient domain", "Inputs by kind"}
	if got := titles(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("sections %q, want %q", got, want)
	}
	if s := rep.Sections[0]; !s.Verbose || len(s.Table.Rows) != 2 {
		t.Errorf("mbox section %+v", s)
	}
}
