package phraseset

import (
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

func TestMatchOverlapping(t *testing.T) {
	phrases := []string{"user unknown", "unknown", "no such user", "such user here", "er unk", "", "user unknown"}
	s := New(phrases)
	b := s.Match("550 no such user here; user unknown")
	want := map[int]bool{0: true, 1: true, 2: true, 3: true, 4: true, 6: true}
	for id := range phrases {
		if b.Has(id) != want[id] {
			t.Errorf("phrase %d %q: got %v, want %v", id, phrases[id], b.Has(id), want[id])
		}
	}
}

func TestMatchUTF8(t *testing.T) {
	s := New([]string{"宛先不明", "unbekannt", "boîte pleine"})
	b := s.Match("Empfänger unbekannt; 宛先不明です; la boîte pleine")
	for id := 0; id < 3; id++ {
		if !b.Has(id) {
			t.Errorf("phrase %d not found", id)
		}
	}
}

// TestAgainstContains compares the automaton with strings.Contains on random
// texts over a small alphabet, where overlaps and shared prefixes abound.
func TestAgainstContains(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	word := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteByte("abc "[r.Intn(4)])
		}
		return b.String()
	}
	for round := 0; round < 200; round++ {
		var phrases []string
		for i := 0; i < 1+r.Intn(30); i++ {
			phrases = append(phrases, word(1+r.Intn(5)))
		}
		s := New(phrases)
		text := word(r.Intn(60))
		b := s.Match(text)
		for id, p := range phrases {
			if b.Has(id) != strings.Contains(text, p) {
				t.Fatalf("round %d: phrase %q in %q: got %v", round, p, text, b.Has(id))
			}
		}
	}
}

// marshal returns s's table in a buffer of its own, which, allocated as
// words, is aligned as Load needs.
func marshal(t testing.TB, s *Set) []byte {
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	words := make([]uint32, (len(b)+3)/4)
	out := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*4)[:len(b)]
	copy(out, b)
	return out
}

// inPlace reports whether s reads its tables from table.
func inPlace(s *Set, table []byte) bool {
	p := uintptr(unsafe.Pointer(&s.ascii.next[0]))
	start := uintptr(unsafe.Pointer(&table[0]))
	return p >= start && p < start+uintptr(len(table))
}

func TestLoad(t *testing.T) {
	phrases := []string{"user unknown", "unknown", "mailbox full", "宛先不明", "boîte pleine", ""}
	texts := []string{"550 user unknown", "la boîte pleine; 宛先不明", "nothing here", "mailbox fullunknown"}
	table := marshal(t, New(phrases))
	same := func(t *testing.T, got *Set, phrases []string) {
		t.Helper()
		want := New(phrases)
		for _, text := range texts {
			if g, w := got.Match(text), want.Match(text); !slices.Equal(g, w) {
				t.Errorf("%q: got %b, want %b", text, g, w)
			}
		}
	}
	t.Run("in place", func(t *testing.T) {
		s := Load(table, phrases)
		if !inPlace(s, table) || s.wide == nil {
			t.Fatal("Load built the set instead of using the table")
		}
		same(t, s, phrases)
	})
	fallbacks := map[string]struct {
		table   []byte
		phrases []string
	}{
		"other phrases": {table, []string{"user unknown", "unknown"}},
		"reordered":     {table, append([]string{phrases[1], phrases[0]}, phrases[2:]...)},
		"truncated":     {table[:len(table)-4], phrases},
		"empty":         {nil, phrases},
		"misaligned":    {append([]byte{0}, table...)[1:], phrases},
		"bad size":      {corrupt(table, 5+1, 1<<20), phrases},
		"bad magic":     {corrupt(table, 0, 0), phrases},
	}
	for name, c := range fallbacks {
		t.Run(name, func(t *testing.T) {
			s := Load(c.table, c.phrases)
			if len(c.table) > 0 && inPlace(s, c.table) {
				t.Fatal("Load used a table that does not fit")
			}
			same(t, s, c.phrases)
		})
	}
}

// corrupt returns a copy of table with its word i set to v.
func corrupt(table []byte, i int, v uint32) []byte {
	c := slices.Clone(table)
	c[4*i], c[4*i+1], c[4*i+2], c[4*i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	return c
}

// FuzzLoad checks that a marshalled Set, loaded in place, finds what the
// Set built from the same phrases finds.
func FuzzLoad(f *testing.F) {
	f.Add("ab", "é", "xabé")
	f.Fuzz(func(t *testing.T, a, b, text string) {
		phrases := []string{a, b, a + b, "b"}
		want := New(phrases)
		table := marshal(t, want)
		got := Load(table, phrases)
		if !inPlace(got, table) {
			t.Fatalf("%q: the table was not used", phrases)
		}
		if g, w := got.Match(text), want.Match(text); !slices.Equal(g, w) {
			t.Fatalf("%q in %q: got %b, want %b", phrases, text, g, w)
		}
	})
}

func FuzzMatch(f *testing.F) {
	f.Add("user unknown", "550 user unknown here")
	f.Fuzz(func(t *testing.T, phrase, text string) {
		s := New([]string{phrase, "x" + phrase})
		if phrase != "" && s.Match(text).Has(0) != strings.Contains(text, phrase) {
			t.Fatalf("%q in %q", phrase, text)
		}
	})
}

func BenchmarkScan(b *testing.B) {
	var phrases []string
	for i := 0; i < 1000; i++ {
		phrases = append(phrases, strings.Repeat(string(rune('a'+i%26)), 2)+" phrase "+string(rune('a'+i%7))+string(rune('a'+i/7%26)))
	}
	s := New(phrases)
	text := strings.Repeat("550 5.1.1 <bob@example.org>: recipient address rejected: user unknown in local recipient table; ", 40)
	b.SetBytes(int64(len(text)))
	bits := s.NewBits()
	for i := 0; i < b.N; i++ {
		s.Scan(text, bits.Set)
	}
}

func TestCheckTable(t *testing.T) {
	phrases := []string{"user unknown", "mailbox full"}
	file := filepath.Join(t.TempDir(), "t.bin")
	if err := CheckTable(file, nil, phrases, false); err == nil || !strings.Contains(err.Error(), "go generate") {
		t.Fatalf("a missing table: %v", err)
	}
	if err := CheckTable(file, nil, phrases, true); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckTable(file, written, phrases, false); err != nil {
		t.Errorf("the rewritten table: %v", err)
	}
	if err := CheckTable(file, written, phrases[:1], false); err == nil {
		t.Error("a table for other phrases passed")
	}
}
