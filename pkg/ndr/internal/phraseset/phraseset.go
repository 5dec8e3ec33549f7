// Package phraseset finds which of many fixed phrases occur in a text, in
// one pass over the text whatever the number of phrases.
//
// A Set is an Aho–Corasick automaton turned into a deterministic table over
// byte classes: scanning costs one table look-up per input byte, with no
// backtracking and no allocation beyond the result. It matches bytes exactly;
// callers lower-case both phrases and text when they want case-insensitive
// matching. It does not report positions or counts, only which phrases
// occur, which is what classifying a bounce needs.
//
// A general-purpose Aho–Corasick library was tried first: its overlapping
// search ran at about 30 MB/s on bounce text with a thousand phrases, and its
// ASCII case-insensitive mode missed matches, so the few lines of table
// building live here instead.
package phraseset

// Set is a compiled set of phrases. It is safe for concurrent use.
type Set struct {
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
	n   int
}

// New compiles phrases. The id of a phrase is its index; empty phrases never
// match. Duplicate phrases share one state and all their ids are reported.
func New(phrases []string) *Set {
	s := &Set{n: len(phrases)}
	for _, p := range phrases {
		for i := 0; i < len(p); i++ {
			if s.classes[p[i]] == 0 {
				s.nclass++
				if s.nclass > 255 {
					panic("phraseset: more than 255 distinct bytes")
				}
				s.classes[p[i]] = uint8(s.nclass)
			}
		}
	}
	s.nclass++ // class 0
	nc := s.nclass
	// Trie with -1 for missing edges.
	s.next = make([]int32, nc)
	for i := range s.next {
		s.next[i] = -1
	}
	s.out = [][]int32{nil}
	for id, p := range phrases {
		if p == "" {
			continue
		}
		st := int32(0)
		for i := 0; i < len(p); i++ {
			c := int(s.classes[p[i]])
			nx := s.next[int(st)*nc+c]
			if nx < 0 {
				nx = int32(len(s.out))
				s.out = append(s.out, nil)
				for k := 0; k < nc; k++ {
					s.next = append(s.next, -1)
				}
				s.next[int(st)*nc+c] = nx
			}
			st = nx
		}
		s.out[st] = append(s.out[st], int32(id))
	}
	// Breadth-first: failure links become direct transitions, and each
	// state's output gains the outputs of its failure state.
	fail := make([]int32, len(s.out))
	queue := make([]int32, 0, len(s.out))
	for c := 0; c < nc; c++ {
		if nx := s.next[c]; nx > 0 {
			fail[nx] = 0
			queue = append(queue, nx)
		} else {
			s.next[c] = 0
		}
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		if f := fail[st]; len(s.out[f]) > 0 {
			s.out[st] = append(s.out[st], s.out[f]...)
		}
		for c := 0; c < nc; c++ {
			i := int(st)*nc + c
			if nx := s.next[i]; nx >= 0 {
				fail[nx] = s.next[int(fail[st])*nc+c]
				queue = append(queue, nx)
			} else {
				s.next[i] = s.next[int(fail[st])*nc+c]
			}
		}
	}
	for i, nx := range s.next {
		s.next[i] = nx * int32(nc)
		if len(s.out[nx]) > 0 {
			s.next[i] = -s.next[i] - 1
		}
	}
	return s
}

// Len returns the number of phrases the set was built from.
func (s *Set) Len() int { return s.n }

// Scan calls hit with the id of every phrase occurring in text, once per
// occurrence (so possibly several times per id).
func (s *Set) Scan(text string, hit func(id int)) {
	nc := int32(s.nclass)
	next, classes := s.next, &s.classes
	p := int32(0)
	for i := 0; i < len(text); i++ {
		p = next[p+int32(classes[text[i]])]
		if p < 0 {
			p = -p - 1
			for _, id := range s.out[p/nc] {
				hit(int(id))
			}
		}
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
