package ndr

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// expectRow is one recipient of expect.tsv: file, index, status, reply
// code, reason, hard bounce, and (in the constructed set) the address.
type expectRow struct {
	file, status, reply, reason, address string
	hard                                 bool
}

// corpus is a directory of messages with an expect.tsv.
type corpus struct {
	dir   string
	files []string
	rows  map[string][]expectRow
}

func loadCorpus(t testing.TB, dir string) corpus {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "expect.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := corpus{dir: dir, rows: map[string][]expectRow{}}
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		col := strings.Split(sc.Text(), "\t")
		if len(col) != 6 && len(col) != 7 {
			t.Fatalf("%s/expect.tsv: bad row %q", dir, sc.Text())
		}
		if _, ok := c.rows[col[0]]; !ok {
			c.files = append(c.files, col[0])
		}
		r := expectRow{file: col[0], status: col[2], reply: col[3], reason: col[4], hard: col[5] == "true"}
		if len(col) == 7 {
			r.address = col[6]
		}
		c.rows[col[0]] = append(c.rows[col[0]], r)
	}
	return c
}

// score counts agreements with the expected results.
type score struct {
	messages                 int
	recipients, recipientsOK int
	status, statusOK         int
	reply, replyOK           int
	reason, reasonOK         int
	hard, hardOK             int
}

func (s *score) add(o score) {
	s.messages += o.messages
	s.recipients += o.recipients
	s.recipientsOK += o.recipientsOK
	s.status += o.status
	s.statusOK += o.statusOK
	s.reply += o.reply
	s.replyOK += o.replyOK
	s.reason += o.reason
	s.reasonOK += o.reasonOK
	s.hard += o.hard
	s.hardOK += o.hardOK
}

func pct(ok, n int) float64 {
	if n == 0 {
		return 100
	}
	return float64(ok) * 100 / float64(n)
}

// placeholderStatus reports the reference tool's invented codes (x.0.9xx),
// which a report never contains and so are not compared.
func placeholderStatus(s string) bool {
	return strings.HasPrefix(s, "5.0.9") || strings.HasPrefix(s, "4.0.9")
}

// scoreMessage compares one parse with its expected rows. A recipient
// counts as found when the message yields the expected number of
// recipients and, where the row names it, the same address.
func scoreMessage(t testing.TB, res Result, want []expectRow, verbose bool) score {
	got := res.Recipients
	s := score{messages: 1}
	for i, w := range want {
		var g Recipient
		if i < len(got) {
			g = got[i]
		}
		s.recipients++
		if len(got) == len(want) && (w.address == "" || g.Address == w.address) {
			s.recipientsOK++
		} else if verbose {
			t.Logf("%s[%d]: recipient %q of %d, want %q of %d", w.file, i, g.Address, len(got), w.address, len(want))
		}
		if !placeholderStatus(w.status) {
			s.status++
			if g.Status == w.status {
				s.statusOK++
			} else if verbose {
				t.Logf("%s[%d]: status %q, want %q", w.file, i, g.Status, w.status)
			}
		}
		s.reply++
		gotReply := ""
		if g.ReplyCode != 0 {
			gotReply = strconv.Itoa(g.ReplyCode)
		}
		if gotReply == w.reply {
			s.replyOK++
		} else if verbose {
			t.Logf("%s[%d]: reply %q, want %q", w.file, i, gotReply, w.reply)
		}
		s.reason++
		if g.Reason == w.reason {
			s.reasonOK++
		} else if verbose {
			t.Logf("%s[%d]: reason %q, want %q (status %s, stage %s, diag %.160q)", w.file, i, g.Reason, w.reason, g.Status, g.Command, g.Diagnostic)
		}
		s.hard++
		if g.HardBounce == w.hard {
			s.hardOK++
		} else if verbose {
			t.Logf("%s[%d]: hard %v, want %v", w.file, i, g.HardBounce, w.hard)
		}
	}
	return s
}

// evalRun parses every message of c with all layouts, and again with the
// layout that recognised it switched off, and returns the scores per
// family (the layout recognising the message, "(generic)" when none did).
func evalRun(t testing.TB, c corpus, verbose bool) (all, without map[string]*score) {
	all, without = map[string]*score{}, map[string]*score{}
	for _, file := range c.files {
		data, err := os.ReadFile(filepath.Join(c.dir, file))
		if err != nil {
			t.Fatal(err)
		}
		res := parse(data, file, DefaultMaxInput, nil)
		fam := res.Layout
		if fam == "" {
			fam = "(generic)"
		}
		if all[fam] == nil {
			all[fam], without[fam] = &score{}, &score{}
		}
		all[fam].add(scoreMessage(t, res, c.rows[file], verbose))
		off := parse(data, file, DefaultMaxInput, map[string]bool{res.Layout: true})
		without[fam].add(scoreMessage(t, off, c.rows[file], false))
	}
	return all, without
}

// TestEval is the generalisation harness: per family and per column, the
// agreement with the expected results on the train corpus and on the
// constructed messages, with every layout on and with each message's own
// family layout switched off (so the fallback's quality is a number).
// Run it with -v (or scripts/ndr-eval) to see the tables, in Markdown.
func TestEval(t *testing.T) {
	for _, dir := range []string{"testdata/corpus", "testdata/constructed"} {
		c := loadCorpus(t, dir)
		all, without := evalRun(t, c, false)
		var tot, totOff score
		var fams []string
		for f := range all {
			fams = append(fams, f)
			tot.add(*all[f])
			totOff.add(*without[f])
		}
		sort.Strings(fams)
		var b strings.Builder
		fmt.Fprintf(&b, "\n%s: %d messages, %d recipients\n\n", dir, tot.messages, tot.recipients)
		fmt.Fprintf(&b, "| family | msgs | recipient | status | reply | reason | hard | recipient (own layout off) | reason (off) | hard (off) |\n")
		fmt.Fprintf(&b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		row := func(name string, s, o score) {
			fmt.Fprintf(&b, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", name, s.messages,
				pct(s.recipientsOK, s.recipients), pct(s.statusOK, s.status), pct(s.replyOK, s.reply), pct(s.reasonOK, s.reason), pct(s.hardOK, s.hard),
				pct(o.recipientsOK, o.recipients), pct(o.reasonOK, o.reason), pct(o.hardOK, o.hard))
		}
		for _, f := range fams {
			row(f, *all[f], *without[f])
		}
		row("**all**", tot, totOff)
		if testing.Verbose() {
			fmt.Print(b.String())
		}
		if dir == "testdata/corpus" {
			// The goal of issue 12: with each family's own parser off, the
			// fallback still agrees on the reason 80% of the time and finds
			// 95% of the recipients.
			if p := pct(totOff.reasonOK, totOff.reason); p < 80 {
				t.Errorf("%s: reason agreement with own layouts off %.1f%% < 80%%", dir, p)
			}
			if p := pct(totOff.recipientsOK, totOff.recipients); p < 95 {
				t.Errorf("%s: recipients found with own layouts off %.1f%% < 95%%", dir, p)
			}
		}
	}
}

// TestCorpusScore keeps the agreement with the expected results from
// regressing. The floors are the scores achieved; raise them when the
// classifier improves. Disagreements that remain are listed with -v; each
// is a case where the documented meaning of a reply and the reference
// tool's label differ (see docs/ndr.md).
func TestCorpusScore(t *testing.T) {
	for _, tc := range []struct {
		dir    string
		floors map[string]float64
	}{
		{"testdata/corpus", map[string]float64{"recipients": 100, "status": 100, "reply code": 100, "reason": 98.9, "hard": 98.9}},
		{"testdata/constructed", map[string]float64{"recipients": 100, "status": 100, "reply code": 100, "reason": 100, "hard": 100}},
	} {
		c := loadCorpus(t, tc.dir)
		var sc score
		for _, file := range c.files {
			data, err := os.ReadFile(filepath.Join(c.dir, file))
			if err != nil {
				t.Fatal(err)
			}
			sc.add(scoreMessage(t, Parse(data, file), c.rows[file], testing.Verbose()))
		}
		got := map[string]float64{
			"recipients": pct(sc.recipientsOK, sc.recipients),
			"status":     pct(sc.statusOK, sc.status),
			"reply code": pct(sc.replyOK, sc.reply),
			"reason":     pct(sc.reasonOK, sc.reason),
			"hard":       pct(sc.hardOK, sc.hard),
		}
		for _, k := range []string{"recipients", "status", "reply code", "reason", "hard"} {
			t.Logf("%s: %-10s %6.2f%%", tc.dir, k, got[k])
			if got[k] < tc.floors[k] {
				t.Errorf("%s: %s agreement %.2f%% fell below %.2f%%", tc.dir, k, got[k], tc.floors[k])
			}
		}
	}
}
