package ndr

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// buildMbox writes messages as an mboxrd file: envelope lines, a blank line
// between messages, and "From " body lines quoted with '>'.
func buildMbox(msgs []string) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString("From MAILER-DAEMON Thu Jan  1 00:00:00 2024\n")
		for _, l := range strings.SplitAfter(strings.TrimRight(m, "\n")+"\n", "\n") {
			if strings.HasPrefix(strings.TrimLeft(l, ">"), "From ") {
				b.WriteString(">")
			}
			b.WriteString(l)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func corpusMessages(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/corpus/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("corpus: %v", err)
	}
	sort.Strings(files)
	var msgs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msg := strings.ReplaceAll(string(b), "\r\n", "\n")
		if i := strings.IndexByte(msg, '\n'); i >= 0 && strings.HasPrefix(msg, "From ") {
			msg = msg[i+1:]
		}
		msgs = append(msgs, msg)
	}
	return msgs
}

func TestParseMboxOrderAndCoverage(t *testing.T) {
	msgs := corpusMessages(t)[:60]
	notBounce := "From: a@example.com\nTo: b@example.com\nSubject: hi\n\nFrom here on, plain text.\n"
	broken := "From: MAILER-DAEMON@x.example\nSubject: failure notice\n\n\x00\x00garbage"
	msgs = append(msgs[:3:3], append([]string{notBounce, broken}, msgs[3:]...)...)
	mbox := buildMbox(msgs)

	for _, workers := range []int{1, 4} {
		var got []Result
		n, err := ParseMbox(strings.NewReader(mbox), "box", workers, func(r Result) error {
			got = append(got, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != len(msgs) || len(got) != len(msgs) {
			t.Fatalf("workers %d: %d results (n=%d), want one per message (%d)", workers, len(got), n, len(msgs))
		}
		for i, r := range got {
			if want := fmt.Sprintf("box#%d", i+1); r.Source != want {
				t.Fatalf("workers %d: result %d is %s: order not kept", workers, i, r.Source)
			}
			single := Parse([]byte(msgs[i]), r.Source)
			if len(single.Recipients) != len(r.Recipients) || single.Kind != r.Kind {
				t.Errorf("%s: mbox result %s/%d differs from the file's %s/%d", r.Source, r.Kind, len(r.Recipients), single.Kind, len(single.Recipients))
			}
		}
		if got[3].Kind != KindNotBounce {
			t.Errorf("plain message: kind %s, want not_bounce", got[3].Kind)
		}
		if got[4].Kind != KindUnparsed || got[4].Error == "" {
			t.Errorf("broken message: kind %s %q, want unparsed with a reason", got[4].Kind, got[4].Error)
		}
	}
}

func TestSplitMbox(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"two messages", "From a Thu Jan  1 00:00:00 2024\nA: 1\n\nbody\n\nFrom b Thu Jan  1 00:00:00 2024\nB: 2\n", []string{"A: 1\n\nbody\n\n", "B: 2\n"}},
		{"quoted From kept in body", "From a Thu Jan  1 00:00:00 2024\nX: 1\n\n>From the start\n>>From deeper\n", []string{"X: 1\n\nFrom the start\n>From deeper\n"}},
		{"From line inside a paragraph", "From a Thu Jan  1 00:00:00 2024\nX: 1\n\ntext\nFrom here on\n", []string{"X: 1\n\ntext\nFrom here on\n"}},
		{"no envelope line", "X: 1\n\nbody\n", []string{"X: 1\n\nbody\n"}},
		{"CRLF", "From a Thu Jan  1 00:00:00 2024\r\nX: 1\r\n\r\nFrom b Thu Jan  1 00:00:00 2024\r\nY: 2\r\n", []string{"X: 1\r\n\r\n", "Y: 2\r\n"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := splitMbox(strings.NewReader(tt.in), 1<<20, func(m mboxMessage) bool {
				got = append(got, string(m.data))
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSplitMboxOversize(t *testing.T) {
	first := strings.Repeat("x", 100) + "\n\n"
	in := "From a Thu Jan  1 00:00:00 2024\n" + first + "From b Thu Jan  1 00:00:00 2024\nsmall\n"
	var got []mboxMessage
	if err := splitMbox(strings.NewReader(in), 50, func(m mboxMessage) bool { got = append(got, m); return true }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].skipped == 0 || int64(len(got[0].data))+got[0].skipped != int64(len(first)) || len(got[0].data) > 50 || got[1].skipped != 0 {
		t.Fatalf("got %+v, want the first message capped with the rest counted", got)
	}
}

func TestParseMboxStopsOnEmitError(t *testing.T) {
	mbox := buildMbox(corpusMessages(t))
	boom := errors.New("disk full")
	calls := 0
	_, err := ParseMbox(strings.NewReader(mbox), "box", 2, func(Result) error {
		calls++
		return boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("err %v after %d calls, want the emit error after 1", err, calls)
	}
}

func TestSummarizer(t *testing.T) {
	s := NewSummarizer()
	for _, m := range corpusMessages(t)[:80] {
		s.Add(Parse([]byte(m), "x"))
	}
	sum := s.Summary()
	if sum.Inputs != 80 || sum.Recipients < 80 || len(sum.ByDomain) > MaxSummaryDomains || sum.Domains < len(sum.ByDomain) {
		t.Fatalf("summary %+v", sum)
	}
	if sum.ByReason[0].Key != "userunknown" || sum.ByReason[0].Count < sum.ByReason[1].Count {
		t.Errorf("by reason not sorted by count: %v", sum.ByReason[:3])
	}
}

func FuzzSplitMbox(f *testing.F) {
	f.Add("From a Thu Jan  1 00:00:00 2024\nX: 1\n\n>From x\n\nFrom b Thu Jan  1 00:00:00 2024\n")
	f.Add("no envelope\r\nFrom a\n")
	f.Fuzz(func(t *testing.T, in string) {
		total := 0
		err := splitMbox(strings.NewReader(in), 1<<16, func(m mboxMessage) bool {
			total += len(m.data)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		if total > len(in) {
			t.Fatalf("split produced %d bytes from %d", total, len(in))
		}
	})
}

// FuzzParseMbox: whatever the mbox holds, every message yields exactly one
// result, in mbox order, each naming its message, and the count returned
// is the count emitted.
func FuzzParseMbox(f *testing.F) {
	f.Add("From MAILER-DAEMON Thu Jan  1 00:00:00 2024\nFrom: MAILER-DAEMON\nSubject: Undeliverable\n\n550 5.1.1 user unknown\n" +
		"From b Thu Jan  1 00:00:00 2024\nContent-Type: multipart/report; boundary=x\n\n--x\n\n--x--\n")
	f.Add("From a\r\n\r\n>From b\r\nFrom c\n")
	f.Add("no envelope at all\n")
	f.Fuzz(func(t *testing.T, in string) {
		var got []string
		n, err := ParseMbox(strings.NewReader(in), "box", 2, func(r Result) error {
			got = append(got, r.Source)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != len(got) {
			t.Fatalf("returned %d, emitted %d", n, len(got))
		}
		for i, src := range got {
			if want := "box#" + strconv.Itoa(i+1); src != want {
				t.Fatalf("result %d from %q, want %q", i, src, want)
			}
		}
	})
}

func BenchmarkParseCorpus(b *testing.B) {
	msgs := corpusMessages(b)
	size := 0
	for _, m := range msgs {
		size += len(m)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, m := range msgs {
			Parse([]byte(m), "bench")
		}
	}
}

func BenchmarkParseMbox(b *testing.B) {
	mbox := buildMbox(corpusMessages(b))
	b.SetBytes(int64(len(mbox)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ParseMbox(strings.NewReader(mbox), "bench", 0, func(Result) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
