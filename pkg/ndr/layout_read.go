package ndr

import (
	"strings"
)

// Helpers the family layouts share: reading recipient blocks out of a
// report, and finishing facts with a family's own vocabulary.

// textBlock is one recipient's part of a report: its address and the lines
// that describe it (the anchor line's remainder first).
type textBlock struct {
	addr  string
	lines []string
}

// anchorFunc recognises the line that starts a recipient block and returns
// the address and the rest of the line.
type anchorFunc func(line string) (addr, rest string, ok bool)

// readBlocks splits lines into recipient blocks: each starts at a line the
// anchor accepts and runs to the next such line or to a line stop accepts
// (nil: to the next anchor only). A recipient named twice keeps its first
// block.
func readBlocks(lines []string, anchor anchorFunc, stop func(string) bool) []textBlock {
	var out []textBlock
	seen := map[string]bool{}
	cur := -1
	for _, l := range lines {
		if a, rest, ok := anchor(l); ok {
			cur = -1
			if !seen[a] {
				seen[a] = true
				out = append(out, textBlock{addr: a, lines: []string{rest}})
				cur = len(out) - 1
			}
			continue
		}
		if cur < 0 {
			continue
		}
		if stop != nil && stop(l) {
			cur = -1
			continue
		}
		out[cur].lines = append(out[cur].lines, l)
	}
	return out
}

// blockFacts turns blocks into facts through the shared block reader
// (diagnostic paragraph, SMTP stage, remote host), then lets the family
// adjust each fact with what its layout says.
func blockFacts(blocks []textBlock, adjust func(f *Fact, block string)) []Fact {
	out := make([]Fact, 0, len(blocks))
	for _, b := range blocks {
		f := scrapeBlock(b.addr, b.lines)
		if adjust != nil {
			adjust(&f, strings.Join(b.lines, "\n"))
		}
		out = append(out, f)
	}
	return out
}

// factsReport wraps facts in a parsed report; nil when there are none.
func factsReport(facts []Fact) *parsed {
	if len(facts) == 0 {
		return nil
	}
	return &parsed{kind: KindBounce, facts: facts}
}

// scraped is the parse of families whose layout the generic scraper reads
// well: it runs the scraper and lets the family add its vocabulary.
func scraped(m *message, adjust func(f *Fact, m *message)) *parsed {
	facts := scrape(m)
	if adjust != nil {
		for i := range facts {
			adjust(&facts[i], m)
		}
	}
	return factsReport(facts)
}

// headLines returns the report head as lines.
func headLines(m *message) []string { return strings.Split(m.reportHead(), "\n") }

// after returns the lines following the first line that contains marker
// (lower-case), or nil when none does.
func after(lines []string, marker string) []string {
	for i, l := range lines {
		if strings.Contains(strings.ToLower(l), marker) {
			return lines[i+1:]
		}
	}
	return nil
}

// hintFrom returns the reason of the first phrase of table found in the
// lower-cased text, "" when none is.
func hintFrom(text string, table []phraseHint) string {
	low := strings.ToLower(text)
	for _, h := range table {
		if strings.Contains(low, h.phrase) {
			return h.reason
		}
	}
	return ""
}

// phraseHint ties a family's own wording to the reason it states.
type phraseHint struct{ phrase, reason string }

// bareAddress accepts a line holding only an address, optionally in angle
// brackets or quotes and followed by a colon: the way most layouts list
// recipients.
func bareAddress(line string) (string, string, bool) {
	t := strings.TrimSpace(line)
	t = strings.TrimSuffix(t, ":")
	t = strings.Trim(t, "<>\"' ")
	if t == "" || strings.ContainsAny(t, " \t") || strings.Count(t, "@") != 1 {
		return "", "", false
	}
	a := cleanAddress(t)
	return a, "", a != ""
}

// indexFold returns the byte offset of the first ASCII case-insensitive
// match of sub (lower-case ASCII) in s, -1 when there is none. Offsets
// found in a strings.ToLower copy need not be offsets in s (lower-casing
// can change a character's length), so layouts that slice s use this.
func indexFold(s, sub string) int {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if c := s[i] | 0x20; c != sub[0] && s[i] != sub[0] {
			continue
		}
		if strings.EqualFold(s[i:i+n], sub) {
			return i
		}
	}
	return -1
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case of prefix.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}
