// Package phraseset finds which of many fixed phrases occur in a text, in
// one pass over the text whatever the number of phrases.
//
// A Set is an Aho–Corasick automaton turned into a deterministic table over
// byte classes: scanning costs one table look-up per input byte, with no
// backtracking and no allocation. It matches bytes exactly; callers
// lower-case both phrases and text when they want case-insensitive
// matching. It does not report positions or counts, only which phrases
// occur, which is what classifying a bounce needs.
//
// A general-purpose Aho–Corasick library was tried first: its overlapping
// search ran at about 30 MB/s on bounce text with a thousand phrases, and its
// ASCII case-insensitive mode missed matches, so the few lines of table
// building live here instead.
package phraseset

import "slices"

// Set is a compiled set of phrases. It is safe for concurrent use.
//
// The table has a column per distinct byte of the phrases, so phrases in
// UTF-8 scripts would widen every row; they get an automaton of their own,
// which runs only over texts that contain non-ASCII bytes.
type Set struct {
	ascii, wide *dfa
	n           int
}

// dfa is one automaton; ids maps its phrase numbers to the Set's ids.
type dfa struct {
	classes [256]uint8 // byte -> class; class 0 is "no phrase uses this byte"
	nclass  int
	// next holds the transitions with states premultiplied by nclass:
	// the next state of premultiplied state p on byte b is
	// next[p+classes[b]]. A state where phrases end is stored as
	// -(p+1), so the scan loop tests one sign instead of a table.
	next []int32
	// out lists per state the ids of the phrases ending there, including
	// those of its suffixes.
	out [][]int32
}

// New compiles phrases. The id of a phrase is its index; empty phrases never
// match. Duplicate phrases share one state and all their ids are reported.
func New(phrases []string) *Set {
	var ascii, wide []string
	var asciiIDs, wideIDs []int32
	for id, p := range phrases {
		if isASCII(p) {
			ascii, asciiIDs = append(ascii, p), append(asciiIDs, int32(id))
		} else {
			wide, wideIDs = append(wide, p), append(wideIDs, int32(id))
		}
	}
	s := &Set{n: len(phrases), ascii: build(ascii, asciiIDs)}
	if len(wide) > 0 {
		s.wide = build(wide, wideIDs)
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func build(phrases []string, ids []int32) *dfa {
	d := &dfa{}
	size := 1
	for _, p := range phrases {
		size += len(p)
		for i := 0; i < len(p); i++ {
			if d.classes[p[i]] == 0 {
				d.nclass++
				if d.nclass > 255 {
					panic("phraseset: more than 255 distinct bytes")
				}
				d.classes[p[i]] = uint8(d.nclass)
			}
		}
	}
	d.nclass++ // class 0
	nc := d.nclass
	// The trie, sized exactly: one row per distinct prefix. During the
	// build 0 means "no edge", since no edge leads back to the root.
	states := countStates(phrases)
	d.next = make([]int32, states*nc)
	d.out = make([][]int32, 1, states)
	for k, p := range phrases {
		if p == "" {
			continue
		}
		st := int32(0)
		for i := 0; i < len(p); i++ {
			c := int(d.classes[p[i]])
			nx := d.next[int(st)*nc+c]
			if nx == 0 {
				nx = int32(len(d.out))
				d.out = append(d.out, nil)
				d.next[int(st)*nc+c] = nx
			}
			st = nx
		}
		d.out[st] = append(d.out[st], ids[k])
	}
	// Breadth-first: failure links become direct transitions, and each
	// state's output gains the outputs of its failure state.
	// The root's missing edges already lead to the root (0).
	fail := make([]int32, len(d.out))
	queue := make([]int32, 0, len(d.out))
	for c := 0; c < nc; c++ {
		if nx := d.next[c]; nx > 0 {
			queue = append(queue, nx)
		}
	}
	for h := 0; h < len(queue); h++ {
		st := queue[h]
		if f := fail[st]; len(d.out[f]) > 0 {
			d.out[st] = append(d.out[st], d.out[f]...)
		}
		row, frow := d.next[int(st)*nc:int(st+1)*nc], d.next[int(fail[st])*nc:int(fail[st]+1)*nc]
		for c, nx := range row {
			if nx > 0 {
				fail[nx] = frow[c]
				queue = append(queue, nx)
			} else {
				row[c] = frow[c]
			}
		}
	}
	// One byte per state, so this pass over every transition does not
	// read a slice header per entry.
	final := make([]bool, len(d.out))
	for st, o := range d.out {
		final[st] = len(o) > 0
	}
	for i, nx := range d.next {
		d.next[i] = nx * int32(nc)
		if final[nx] {
			d.next[i] = -d.next[i] - 1
		}
	}
	return d
}

// countStates returns the number of distinct prefixes of phrases (the
// empty one included): the states of their trie.
func countStates(phrases []string) int {
	sorted := slices.Clone(phrases)
	slices.Sort(sorted)
	n, prev := 1, ""
	for _, p := range sorted {
		l := 0
		for l < len(p) && l < len(prev) && p[l] == prev[l] {
			l++
		}
		n += len(p) - l
		prev = p
	}
	return n
}

// scan runs the automaton over text and reports whether text holds a
// non-ASCII byte.
func (d *dfa) scan(text string, hit func(id int)) (wide bool) {
	nc := int32(d.nclass)
	next, classes := d.next, &d.classes
	p := int32(0)
	var or byte
	for i := 0; i < len(text); i++ {
		b := text[i]
		or |= b
		p = next[p+int32(classes[b])]
		if p < 0 {
			p = -p - 1
			for _, id := range d.out[p/nc] {
				hit(int(id))
			}
		}
	}
	return or >= 0x80
}

// Scan calls hit with the id of every phrase occurring in text, once per
// occurrence (so possibly several times per id).
func (s *Set) Scan(text string, hit func(id int)) {
	if s.ascii.scan(text, hit) && s.wide != nil {
		s.wide.scan(text, hit)
	}
}

// Bits is a fixed-size bit set of phrase ids.
type Bits []uint64

// NewBits returns a Bits large enough for the ids of s.
func (s *Set) NewBits() Bits { return make(Bits, (s.n+63)/64) }

// Has reports whether id is set.
func (b Bits) Has(id int) bool { return b[id>>6]&(1<<(uint(id)&63)) != 0 }

// Set sets id.
func (b Bits) Set(id int) { b[id>>6] |= 1 << (uint(id) & 63) }

// Match returns the ids of the phrases occurring in text as a bit set.
func (s *Set) Match(text string) Bits {
	b := s.NewBits()
	s.Scan(text, b.Set)
	return b
}
