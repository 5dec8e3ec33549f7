package phraseset

import (
	"math/rand"
	"strings"
	"testing"
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
