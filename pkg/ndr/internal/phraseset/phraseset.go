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
//
// Building the table for the classifier's thousand phrases costs a few
// milliseconds and megabytes of fresh memory, which a command reading a
// handful of bounces pays on every run. MarshalBinary and Load let a
// package ship the table it would build, generated ahead and embedded in
// the binary, and use it in place.
package phraseset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"unsafe"
)

// Set is a compiled set of phrases. It is safe for concurrent use.
//
// The table has a column per distinct byte of the phrases, so phrases in
// UTF-8 scripts would widen every row; they get an automaton of their own,
// which runs only over texts that contain non-ASCII bytes.
type Set struct {
	ascii, wide *dfa
	n           int
	sum         uint64 // of the phrases, see checksum
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
	// outIDs[outStart[s]:outStart[s+1]] are the ids of the phrases
	// ending in state s, including those of its suffixes.
	outStart, outIDs []int32
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
	s := &Set{n: len(phrases), sum: checksum(phrases), ascii: build(ascii, asciiIDs)}
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
	out := make([][]int32, 1, states)
	for k, p := range phrases {
		if p == "" {
			continue
		}
		st := int32(0)
		for i := 0; i < len(p); i++ {
			c := int(d.classes[p[i]])
			nx := d.next[int(st)*nc+c]
			if nx == 0 {
				nx = int32(len(out))
				out = append(out, nil)
				d.next[int(st)*nc+c] = nx
			}
			st = nx
		}
		out[st] = append(out[st], ids[k])
	}
	// Breadth-first: failure links become direct transitions, and each
	// state's output gains the outputs of its failure state.
	// The root's missing edges already lead to the root (0).
	fail := make([]int32, len(out))
	queue := make([]int32, 0, len(out))
	for c := 0; c < nc; c++ {
		if nx := d.next[c]; nx > 0 {
			queue = append(queue, nx)
		}
	}
	for h := 0; h < len(queue); h++ {
		st := queue[h]
		if f := fail[st]; len(out[f]) > 0 {
			out[st] = append(out[st], out[f]...)
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
	final := make([]bool, len(out))
	d.outStart = make([]int32, len(out)+1)
	for st, o := range out {
		final[st] = len(o) > 0
		d.outIDs = append(d.outIDs, o...)
		d.outStart[st+1] = int32(len(d.outIDs))
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
			st := p / nc
			for _, id := range d.outIDs[d.outStart[st]:d.outStart[st+1]] {
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

// tableMagic opens a marshalled Set; its last byte is the format version.
const tableMagic = 0x53485001 // "\x01PHS" little-endian

// checksum identifies a phrase list: a table made from other phrases, or
// the same ones in another order, must not be used for it.
func checksum(phrases []string) uint64 {
	h := fnv.New64a()
	for _, p := range phrases {
		h.Write([]byte(p))
		h.Write([]byte{0xff}) // never in UTF-8, so no two lists run together
	}
	return h.Sum64()
}

// MarshalBinary encodes s as little-endian 32-bit words, the form Load
// uses in place: a header (magic, checksum, phrase count, automaton
// count), then per automaton its sizes, byte classes and tables.
func (s *Set) MarshalBinary() ([]byte, error) {
	w := []int32{tableMagic, int32(uint32(s.sum)), int32(uint32(s.sum >> 32)), int32(s.n), 1}
	if s.wide != nil {
		w[4] = 2
	}
	for _, d := range []*dfa{s.ascii, s.wide} {
		if d == nil {
			continue
		}
		w = append(w, int32(d.nclass), int32(len(d.next)), int32(len(d.outStart)), int32(len(d.outIDs)))
		for i := 0; i < 256; i += 4 {
			w = append(w, int32(binary.LittleEndian.Uint32(d.classes[i:i+4])))
		}
		w = append(w, d.next...)
		w = append(w, d.outStart...)
		w = append(w, d.outIDs...)
	}
	return binary.Append(nil, binary.LittleEndian, w)
}

// Load returns the Set New(phrases) would return. When table is
// MarshalBinary's encoding of exactly that Set, the Set reads its tables
// from table in place, without building or copying them, and table must
// not change afterwards; otherwise (another phrase list, a damaged or
// misaligned table, a big-endian machine) Load builds the Set with New.
//
// Load is for tables built by MarshalBinary and shipped inside the binary
// beside the phrases, which a test of the shipping package compares with a
// fresh build. It checks the header, the sizes and the checksum of the
// phrases, not each transition: reading every entry would touch every page
// of the table, which costs a large part of what building it does, while a
// scan touches only the states it visits. A table that passes the checks
// but was damaged can make a scan panic (Go's bounds checks), never read
// outside the table.
func Load(table []byte, phrases []string) *Set {
	if s := view(table, phrases); s != nil {
		return s
	}
	return New(phrases)
}

func view(table []byte, phrases []string) *Set {
	if len(table) < 20 || len(table)%4 != 0 || uintptr(unsafe.Pointer(&table[0]))%4 != 0 ||
		binary.NativeEndian.Uint32([]byte{1, 0, 0, 0}) != 1 {
		return nil
	}
	// Aligned, native little-endian words: the table is read as it lies.
	w := unsafe.Slice((*int32)(unsafe.Pointer(&table[0])), len(table)/4)
	sum := checksum(phrases)
	if w[0] != tableMagic || uint32(w[1]) != uint32(sum) || uint32(w[2]) != uint32(sum>>32) ||
		int(w[3]) != len(phrases) || w[4] < 1 || w[4] > 2 {
		return nil
	}
	s := &Set{n: len(phrases), sum: sum}
	count := w[4]
	w = w[5:]
	for k := int32(0); k < count; k++ {
		if len(w) < 4+64 {
			return nil
		}
		nclass, nnext, nstart, nids := int(w[0]), int(w[1]), int(w[2]), int(w[3])
		if nclass < 1 || nclass > 256 || nstart < 2 || nnext != (nstart-1)*nclass || nids < 0 ||
			len(w) < 4+64+nnext+nstart+nids {
			return nil
		}
		d := &dfa{nclass: nclass}
		for i := 0; i < 64; i++ {
			binary.LittleEndian.PutUint32(d.classes[4*i:], uint32(w[4+i]))
		}
		w = w[4+64:]
		d.next, w = w[:nnext:nnext], w[nnext:]
		d.outStart, w = w[:nstart:nstart], w[nstart:]
		d.outIDs, w = w[:nids:nids], w[nids:]
		if k == 0 {
			s.ascii = d
		} else {
			s.wide = d
		}
	}
	if len(w) != 0 {
		return nil
	}
	return s
}

// CheckTable is for the test that keeps an embedded table up to date: it
// reports an error when table, read from file, is not the one Load wants
// for phrases, or, with update, rewrites file with that one.
func CheckTable(file string, table []byte, phrases []string, update bool) error {
	want, _ := New(phrases).MarshalBinary()
	switch {
	case bytes.Equal(table, want):
		return nil
	case update:
		return os.WriteFile(file, want, 0o644)
	}
	return fmt.Errorf("%s is out of date with its phrases (go generate ./pkg/ndr/... rebuilds it)", file)
}
