package docexample

import (
	"regexp"
	"slices"
	"strings"
)

// Gap is the line that stands for output left out.
const Gap = "..."

func isGap(line string) bool { return strings.TrimSpace(line) == Gap }

// normalizers replace what differs between two runs of the same command
// against the same lab, and nothing else: wall-clock durations, the dates
// of certificates the lab issues when it starts, and the fingerprints of
// those certificates. A doc may show any value there; everything else
// must be exactly what the program prints.
var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	// 0.8ms in a DNS trace, 1.20 ms as a greeting delay, 3.4s.
	{regexp.MustCompile(`\d+\.\d+ ?(?:ms|µs|s)\b`), "<duration>"},
	// --timing right-aligns the offset that starts each transcript line.
	{regexp.MustCompile(`^ +<duration>`), " <duration>"},
	// "duration_ms": 12.535 in JSON.
	{regexp.MustCompile(`("[a-z_]+_ms": ?)[0-9.eE+-]+`), "${1}<duration>"},
	// Certificate validity and time stamps.
	{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)?\b`), "<date>"},
	// Certificate fingerprints.
	{regexp.MustCompile(`\b[0-9a-f]{64}\b`), "<sha256>"},
}

// Normalize returns the form of an output line that is compared.
func Normalize(line string) string {
	for _, n := range normalizers {
		line = n.re.ReplaceAllString(line, n.with)
	}
	return line
}

// item is what the matcher aligns: one line, a gap, or a DNS trace
// section, whose entries come in the order the answers arrived and are
// compared as a set.
type item struct {
	key  string
	text []string
	gap  bool
	// elided holds the parts of a doc line around its "..." gaps, each of
	// which stands for any text there (the rest of a long JSON line); nil
	// for a line without one.
	elided []string
}

// matches reports whether the doc's item w shows the output item g.
func (w item) matches(g item) bool {
	if w.elided != nil {
		return len(g.text) == 1 && !g.gap && matchElided(w.elided, g.key)
	}
	return w.key == g.key
}

func elision(key string) []string {
	if !strings.Contains(key, Gap) {
		return nil
	}
	return strings.Split(key, Gap)
}

// matchElided reports whether s starts with the first part, ends with the
// last and holds the others in order between them: the parts with any
// text in each gap. Compared as bytes, so a line that is not UTF-8 still
// compares.
func matchElided(parts []string, s string) bool {
	first, last := parts[0], parts[len(parts)-1]
	rest, ok := strings.CutPrefix(s, first)
	if !ok {
		return false
	}
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return strings.HasSuffix(rest, last)
}

// isTraceHeader reports whether a line starts the DNS trace of `mailflow mx
// -v` or `mailflow dnsbl -v`. Their queries run in parallel, so the order
// of the entries is the order the answers arrived.
func isTraceHeader(l string) bool {
	return strings.HasPrefix(l, "DNS queries for ") || l == "DNS trace"
}

func items(lines []string) []item {
	var out []item
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case isGap(l):
			out = append(out, item{key: Gap, text: []string{l}, gap: true})
		case isTraceHeader(l) || l == serversHeader:
			j := i + 1
			for j < len(lines) && strings.HasPrefix(lines[j], " ") && !isGap(lines[j]) {
				j++
			}
			if l == serversHeader {
				out = append(out, item{key: serversKey(lines[i:j]), text: lines[i:j]})
			} else {
				out = append(out, item{key: traceKey(lines[i:j]), text: traceText(lines[i:j])})
			}
			i = j - 1
		default:
			key := Normalize(l)
			out = append(out, item{key: key, text: []string{l}, elided: elision(key)})
		}
	}
	return out
}

// retransmitted matches the trace line of a datagram that got no reply in
// time and was sent again, and the "try N" of the reply that came: whether
// a query needs a second datagram depends on how busy the machine is, not
// on what the program does.
var (
	retransmitted = regexp.MustCompile(`-> TIMEOUT\b.*sending again\)?$`)
	tryN          = regexp.MustCompile(` try \d+ -> `)
	// exchange splits a query line into what was asked and what came back,
	// around how (transport and round trip, or "(cached)").
	exchange = regexp.MustCompile(`^(\s*\S+ \S+ @\S+) (?:\(cached\)|\S+ [\d.]+ms) (-> .*)$`)
)

// traceEntries splits a trace section's lines into entries (a query line
// and the deeper-indented answer lines under it), leaving out
// retransmissions.
func traceEntries(section []string) [][]string {
	var entries [][]string
	for _, l := range section[1:] {
		if len(entries) > 0 && strings.HasPrefix(l, "   ") {
			entries[len(entries)-1] = append(entries[len(entries)-1], l)
			continue
		}
		entries = append(entries, []string{tryN.ReplaceAllString(l, " -> ")})
	}
	return slices.DeleteFunc(entries, func(e []string) bool { return retransmitted.MatchString(e[0]) })
}

// asked is an entry without how it was answered, so a cached answer and
// the query it repeats compare equal.
func asked(e []string) string {
	first := e[0]
	if m := exchange.FindStringSubmatch(first); m != nil {
		first = m[1] + " " + m[2]
	}
	return strings.Join(append([]string{first}, e[1:]...), "\n")
}

// traceText is a trace section as the docs show it: without
// retransmissions.
func traceText(section []string) []string {
	out := []string{section[0]}
	for _, e := range traceEntries(section) {
		out = append(out, e...)
	}
	return out
}

// traceKey is a trace section's header and its entries, normalized and
// sorted. A cached answer that repeats a query of the same trace counts
// once with it: when two lookups ask the same question at about the same
// time, the second either finds the answer cached or shares the query in
// flight, which leaves no line of its own, depending on timing alone.
func traceKey(section []string) string {
	entries := traceEntries(section)
	queried := map[string]bool{}
	for _, e := range entries {
		if !strings.Contains(e[0], " (cached) -> ") {
			queried[asked(e)] = true
		}
	}
	var keys []string
	for _, e := range entries {
		if strings.Contains(e[0], " (cached) -> ") && queried[asked(e)] {
			continue
		}
		for i := range e {
			e[i] = Normalize(e[i])
		}
		keys = append(keys, strings.Join(e, "\n"))
	}
	slices.Sort(keys)
	return Normalize(section[0]) + "\n" + strings.Join(keys, "\n")
}

// serversHeader starts the table of what the resolver learned about each
// DNS server (-v): round trips, timers, window and counts of datagrams,
// all of which depend on timing (a retransmission, a lookup that shared
// a query in flight), and the column widths with them. Only the columns
// and the servers are compared.
const serversHeader = "DNS servers"

func serversKey(section []string) string {
	key := []string{section[0]}
	for i, l := range section[1:] {
		f := strings.Fields(l)
		switch {
		case i == 0:
			key = append(key, strings.Join(f, " "))
		case len(f) > 0:
			key = append(key, f[0])
		}
	}
	return strings.Join(key, "\n")
}

// Match reports whether got, the program's output, is what want shows: the
// same lines after Normalize, where each gap in want stands for one or more
// lines of got and "..." within a line for any text.
func Match(want, got []string) bool {
	w, g := items(want), items(got)
	// ok[i][j]: w[i:] matches g[j:].
	ok := make([][]bool, len(w)+1)
	for i := range ok {
		ok[i] = make([]bool, len(g)+1)
	}
	ok[len(w)][len(g)] = true
	for i := len(w) - 1; i >= 0; i-- {
		for j := len(g) - 1; j >= 0; j-- {
			if w[i].gap {
				ok[i][j] = ok[i+1][j+1] || ok[i][j+1]
			} else {
				ok[i][j] = w[i].matches(g[j]) && ok[i+1][j+1]
			}
		}
	}
	return ok[0][0]
}

// Costs of the edits Update weighs. Keeping a line the doc shows outweighs
// everything else, so the lines a doc chose to show stay shown wherever
// the output still has them. Among alignments that keep as many, a line
// hidden in a gap costs almost nothing, so output that grew where the doc
// leaves lines out stays left out; a new line elsewhere is shown; and a
// shown line that changed is replaced in place rather than dropped with
// its successor hidden in a neighbouring gap.
const (
	costKeep     = -1 << 32
	costHide     = 1
	costInsert   = 40
	costSimilar  = 50
	costReplace  = 90
	costDrop     = 100
	costInfinite = 1 << 62
)

type move int

const (
	moveKeep move = iota + 1
	moveReplace
	moveDrop
	moveInsert
	moveHide    // the gap takes got[j] and stays open
	moveEndGap  // the gap closes
	moveEndDone // nothing left on either side
)

// Update returns want rewritten to match got: lines that still match keep
// the doc's text (so a shown duration or date stays as it was), changed
// and new lines take the program's text, and each gap stays where it was
// if output is still left out there, or goes when nothing is.
func Update(want, got []string) []string {
	w, g := items(want), items(got)
	n, m := len(w), len(g)
	cost := make([][]int64, n+1)
	how := make([][]move, n+1)
	for i := range cost {
		cost[i] = make([]int64, m+1)
		how[i] = make([]move, m+1)
	}
	for i := n; i >= 0; i-- {
		for j := m; j >= 0; j-- {
			best, mv := int64(costInfinite), moveEndDone
			try := func(c int64, to move) {
				if c < best {
					best, mv = c, to
				}
			}
			switch {
			case i == n && j == m:
				best = 0
			case i == n:
				try(costInsert+cost[i][j+1], moveInsert)
			case w[i].gap:
				try(cost[i+1][j], moveEndGap)
				if j < m {
					try(costHide+cost[i][j+1], moveHide)
				}
			default:
				try(costDrop+cost[i+1][j], moveDrop)
				if j < m {
					if w[i].matches(g[j]) {
						try(costKeep+cost[i+1][j+1], moveKeep)
					}
					c := int64(costReplace)
					if similar(w[i].key, g[j].key) {
						c = costSimilar
					}
					try(c+cost[i+1][j+1], moveReplace)
					try(costInsert+cost[i][j+1], moveInsert)
				}
			}
			cost[i][j], how[i][j] = best, mv
		}
	}
	var out []string
	hidden := 0
	for i, j := 0, 0; i < n || j < m; {
		switch how[i][j] {
		case moveKeep:
			out = append(out, w[i].text...)
			i, j = i+1, j+1
		case moveReplace:
			out = append(out, g[j].text...)
			i, j = i+1, j+1
		case moveDrop:
			i++
		case moveInsert:
			out = append(out, g[j].text...)
			j++
		case moveHide:
			hidden++
			j++
		case moveEndGap:
			if hidden > 0 {
				out = append(out, w[i].text...)
			}
			hidden = 0
			i++
		default:
			return out
		}
	}
	return out
}

// similar says two lines are versions of one another: they share most of
// their beginning and end, as a result line whose counts changed does.
func similar(a, b string) bool {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	return 2*(p+s) >= max(len(a), len(b))
}
