package docexample

import (
	"reflect"
	"strings"
	"testing"
)

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"  Greeting delay   1.20 ms", "  Greeting delay   0.04 ms"},
		{"  hub.lab.test. A @127.0.0.1:5300 udp 0.8ms -> OK [aa]", "  hub.lab.test. A @127.0.0.1:5300 udp 12.3ms -> OK [aa]"},
		{"        0.0ms === connecting", "       12.5ms === connecting"},
		{`  "duration_ms": 12.535,`, `  "duration_ms": 9.8,`},
		{`{"duration_ms":41.2,"status":"ok"}`, `{"duration_ms":0.95,"status":"ok"}`},
		{"expires 2027-11-23 (364 days)", "expires 2027-12-02 (364 days)"},
		{`"not_before": "2026-11-23T08:53:49Z"`, `"not_before": "2026-12-02T10:00:00Z"`},
		{`"sha256": "` + strings.Repeat("ab", 32) + `"`, `"sha256": "` + strings.Repeat("01", 32) + `"`},
	} {
		if Normalize(tc.a) != Normalize(tc.b) {
			t.Errorf("%q and %q normalize to %q and %q", tc.a, tc.b, Normalize(tc.a), Normalize(tc.b))
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"timeout 3s", "timeout 5s"},
		{"SIZE 35.0 MiB", "SIZE 36.0 MiB"},
		{"status 5.2.2", "status 5.1.1"},
		{"127.0.0.11:2525", "127.0.0.11:2526"},
		{"Result: 1 error (exit 1, problem)", "Result: 2 errors (exit 1, problem)"},
	} {
		if Normalize(tc.a) == Normalize(tc.b) {
			t.Errorf("%q and %q must stay different", tc.a, tc.b)
		}
	}
}

const trace = `DNS queries for a.test
  a.test. MX @127.0.0.1:5300 udp 1.0ms -> OK [aa]
      a.test. 3600 MX 10 mx.a.test.
  mx.a.test. A @127.0.0.1:5300 udp 0.5ms -> OK [aa]
      mx.a.test. 3600 A 127.0.0.10
  _mta-sts.a.test. TXT @127.0.0.1:5300 udp 0.4ms -> NXDOMAIN [aa]

Mail route for a.test`

const traceReordered = `DNS queries for a.test
  _mta-sts.a.test. TXT @127.0.0.1:5300 udp 0.9ms -> NXDOMAIN [aa]
  mx.a.test. A @127.0.0.1:5300 udp 0.2ms -> OK [aa]
      mx.a.test. 3600 A 127.0.0.10
  a.test. MX @127.0.0.1:5300 udp 3.0ms -> OK [aa]
      a.test. 3600 MX 10 mx.a.test.

Mail route for a.test`

const servers = `DNS servers
  Server          RTT              RTO      Window  Sent  Resent  Answered  Timed out  Window halved
  127.0.0.1:5300  0.7 ms ± 0.5 ms  50.0 ms  32      9     0       9         0          0

Findings`

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		name, want, got string
		ok              bool
	}{
		{"equal", "a\nb", "a\nb", true},
		{"changed", "a\nb", "a\nc", false},
		{"extra line", "a\nb", "a\nb\nc", false},
		{"gap in the middle", "a\n...\nd", "a\nb\nc\nd", true},
		{"indented gap", "a\n   ...\nd", "a\nb\nd", true},
		{"gap must hide something", "a\n...\nd", "a\nd", false},
		{"gap at the end", "a\n...", "a\nb\nc", true},
		{"two gaps", "...\nc\n...", "a\nb\nc\nd", true},
		{"gap cannot reorder", "a\n...\nb", "b\nx\na", false},
		{"elided within a line", `{"type":"result",...,"verdict":"ok"}`, `{"type":"result","target":"a","verdict":"ok"}`, true},
		{"elided line differs elsewhere", `{"type":"result",...,"verdict":"ok"}`, `{"type":"error","target":"a","verdict":"ok"}`, false},
		{"elision is no gap", "a ...\nb", "a x\ny\nb", false},
		{"durations differ", "delay 1.20 ms", "delay 0.04 ms", true},
		{"trace order", trace, traceReordered, true},
		{"trace retransmission", trace, strings.Replace(traceReordered, "  mx.a.test. A @127.0.0.1:5300 udp 0.2ms", "  mx.a.test. A @127.0.0.1:5300 udp 50.2ms -> TIMEOUT (no reply, sending again)\n  mx.a.test. A @127.0.0.1:5300 udp 0.2ms try 2", 1), true},
		{"trace cached repeat", trace, strings.Replace(traceReordered, "\n\nMail", "\n  mx.a.test. A @127.0.0.1:5300 (cached) -> OK [aa]\n      mx.a.test. 3600 A 127.0.0.10\n\nMail", 1), true},
		{"trace cached without the query", trace, strings.Replace(traceReordered, "  mx.a.test. A @127.0.0.1:5300 udp 0.2ms", "  mx.a.test. A @127.0.0.1:5300 (cached)", 1), false},
		{"trace cached repeat differs", trace, strings.Replace(traceReordered, "\n\nMail", "\n  mx.a.test. A @127.0.0.1:5300 (cached) -> OK [aa]\n      mx.a.test. 3600 A 127.0.0.99\n\nMail", 1), false},
		{"servers table timing", servers, strings.NewReplacer("0.7 ms ± 0.5 ms", "12.4 ms ± 10.2 ms", "9     0", "11    2").Replace(servers), true},
		{"servers table server", servers, strings.Replace(servers, "127.0.0.1:5300", "127.0.0.2:5300", 1), false},
		{"servers table columns", servers, strings.Replace(servers, "Resent", "Again ", 1), false},
		{"dnsbl trace order", "DNS trace\n  a. A @x udp 0.1ms -> OK [aa]\n  b. A @x udp 0.1ms -> NXDOMAIN [aa]", "DNS trace\n  b. A @x udp 0.3ms -> NXDOMAIN [aa]\n  a. A @x udp 0.2ms -> OK [aa]", true},
		{"trace content", trace, strings.Replace(traceReordered, "127.0.0.10", "127.0.0.11", 1), false},
		{"trace entry missing", trace, strings.Replace(traceReordered, "  _mta-sts.a.test. TXT @127.0.0.1:5300 udp 0.9ms -> NXDOMAIN [aa]\n", "", 1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Match(lines(tc.want), lines(tc.got)); got != tc.ok {
				t.Errorf("Match = %v, want %v", got, tc.ok)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	for _, tc := range []struct{ name, want, got, updated string }{
		{"unchanged keeps the doc's durations", "delay 1.20 ms\nb", "delay 0.04 ms\nb", "delay 1.20 ms\nb"},
		{"changed line", "a\nResult: 1 error\n", "a\nResult: 2 errors\n", "a\nResult: 2 errors\n"},
		{"new line outside gaps is shown", "a\nc", "a\nb\nc", "a\nb\nc"},
		{"dropped line", "a\nb\nc", "a\nc", "a\nc"},
		{"new lines in a gap stay hidden", "a\n...\nz", "a\nb\nc\nd\nz", "a\n...\nz"},
		{"changed line after a gap stays shown", "a\n  ...\nResult: 3 infos", "a\nx\ny\nResult: 4 infos", "a\n  ...\nResult: 4 infos"},
		{"dissimilar line after a gap stays shown", "a\n...\nold ending", "a\nx\ny\nsomething else entirely", "a\n...\nsomething else entirely"},
		{"shown lines stay shown", "a\n...\nm1\nm2\nz", "a\nb\nm1\nm2\nx\ny\nz", "a\n...\nm1\nm2\nx\ny\nz"},
		{"shown lines stay shown at the end", "a\n...\ny\nz", "a\nb\nc\ny\nz\nf1\nf2\nf3\nf4", "a\n...\ny\nz\nf1\nf2\nf3\nf4"},
		{"gap with nothing left goes", "a\n...\nz", "a\nz", "a\nz"},
		{"elided line kept", "{\"a\":1,...}\nx", "{\"a\":1,\"b\":2}\ny", "{\"a\":1,...}\ny"},
		{"all new", "", "a\nb", "a\nb"},
		{"trace kept in the doc's order", trace + "\nx", traceReordered + "\ny", trace + "\ny"},
		{"retransmissions left out of a new trace", "DNS queries for a.test\n  old.", "DNS queries for a.test\n  a. A @x udp 50.0ms -> TIMEOUT (no reply, sending again)\n  a. A @x udp 0.3ms try 2 -> OK [aa]\n      a. 3600 A 127.0.0.1", "DNS queries for a.test\n  a. A @x udp 0.3ms -> OK [aa]\n      a. 3600 A 127.0.0.1"},
		{"changed trace in the program's order", trace, strings.Replace(traceReordered, "OK", "SERVFAIL", 1), strings.Replace(traceReordered, "OK", "SERVFAIL", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Update(lines(tc.want), lines(tc.got))
			if !reflect.DeepEqual(got, lines(tc.updated)) {
				t.Errorf("Update =\n%s\nwant\n%s", strings.Join(got, "\n"), tc.updated)
			}
			if !Match(got, lines(tc.got)) {
				t.Errorf("the update does not match the output")
			}
		})
	}
}

func FuzzUpdate(f *testing.F) {
	f.Add("a\n...\nz", "a\nb\nz")
	f.Add(trace, traceReordered)
	f.Fuzz(func(t *testing.T, want, got string) {
		if len(want) > 2000 || len(got) > 2000 {
			return
		}
		g := lines(got)
		if !Match(Update(lines(want), g), g) {
			t.Fatalf("Update(%q, %q) does not match what it was updated to", want, got)
		}
	})
}

func TestMatchElided(t *testing.T) {
	for _, tt := range []struct {
		doc, out string
		want     bool
	}{
		{`{"type":"result",...}`, `{"type":"result","target":"x"}`, true},
		{`{"type":"result",...}`, `{"type":"summary"}`, false},
		{`a...b...c`, `a1b2c`, true},
		{`a...b...c`, `acb`, false},
		{`ab...b`, `ab`, false}, // the last part may not overlap the first
		{`ab...b`, `abb`, true},
		{"...\xb2", "0\xb2", true}, // not UTF-8: compared as bytes
		{"...\xb2", "0", false},
	} {
		if got := matchElided(elision(tt.doc), tt.out); got != tt.want {
			t.Errorf("%q shows %q: %v, want %v", tt.doc, tt.out, got, tt.want)
		}
	}
}
