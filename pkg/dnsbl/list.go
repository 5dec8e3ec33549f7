package dnsbl

import (
	"cmp"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Kind says what a list is keyed by.
type Kind int

const (
	KindIP     Kind = iota // addresses, queried reversed (DNSBL, DNSWL)
	KindDomain             // domain names, queried as they are (RHSBL, URI lists)
)

func (k Kind) String() string {
	if k == KindDomain {
		return "domain"
	}
	return "ip"
}

func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

func parseKind(s string) (Kind, error) {
	switch s {
	case "ip":
		return KindIP, nil
	case "domain":
		return KindDomain, nil
	}
	return KindIP, fmt.Errorf("kind %q: want ip or domain", s)
}

// Match is the rule that turns a list's answer into "listed".
type Match int

const (
	// MatchAny counts every answer in 127.0.0.0/8 (Exchange AnyMatch).
	MatchAny Match = iota
	// MatchExact counts answers equal to one of the list's Exact patterns
	// (Exchange IPAddressesMatch, Postfix "zone=127.0.0.[2..11]").
	MatchExact
	// MatchBitmask counts answers whose last octet shares a bit with Mask
	// (Exchange BitmaskMatch, SpamAssassin numeric subtests).
	MatchBitmask
)

var matchNames = [...]string{"any", "exact", "bitmask"}

func (m Match) String() string { return enumName(matchNames[:], int(m), "match") }

func (m Match) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// enumName names a value of one of the package's enums, and says which
// enum an out-of-range value belongs to rather than panicking.
func enumName(names []string, i int, kind string) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return kind + "(" + strconv.Itoa(i) + ")"
}

// List is one block list or allow-list and the rules to read its answers.
type List struct {
	// ID is the short catalog name (for example "zen"); empty for lists the
	// user defined.
	ID   string `json:"id,omitempty"`
	Zone string `json:"zone"` // lower case, no trailing dot
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Allow marks an allow-list: being on it is good news.
	Allow bool `json:"allow,omitempty"`
	// IPv6 says the list serves IPv6 addresses; IPv6 targets are not looked
	// up on lists without it.
	IPv6  bool      `json:"ipv6,omitempty"`
	Match Match     `json:"match"`
	Exact []Pattern `json:"exact,omitempty"`
	// Mask is the bitmask for MatchBitmask, applied to the last octet.
	Mask uint8 `json:"bitmask,omitempty"`
	// Codes explains return codes; Bits explains last-octet bits of
	// bitmask lists.
	Codes map[netip.Addr]string `json:"codes,omitempty"`
	Bits  map[uint8]string      `json:"bits,omitempty"`
	// Errors are answers by which the list refuses to serve us (public
	// resolver, over quota, blocked): never a listing.
	Errors map[netip.Addr]string `json:"errors,omitempty"`
	// Test is the entry that must be listed and TestClean the one that must
	// not (--selftest); defaults follow RFC 5782 §5 for the list's kind.
	Test      string `json:"test,omitempty"`
	TestClean string `json:"test_clean,omitempty"`
	// Default lists are checked when the user names no list.
	Default bool `json:"default,omitempty"`
	// Dead lists were shut down and now answer every query as listed.
	Dead   bool   `json:"dead,omitempty"`
	Note   string `json:"note,omitempty"`
	Lookup string `json:"lookup,omitempty"` // web page to look up and request removal
	// Source says where the list came from: "--zone SPEC" or FILE:LINE;
	// empty for the catalog.
	Source string `json:"source,omitempty"`
	// userRule marks a matching rule the user wrote (rather than the
	// catalog's), which is what the Exchange bitmask advice is about.
	userRule bool
}

// Label names the list for people: "Spamhaus ZEN (zen.spamhaus.org)".
func (l *List) Label() string {
	if l.Name == "" || l.Name == l.Zone {
		return l.Zone
	}
	return l.Name + " (" + l.Zone + ")"
}

// Rule describes the matching rule as it would be written in a --zone spec.
func (l *List) Rule() string {
	switch l.Match {
	case MatchExact:
		ps := make([]string, len(l.Exact))
		for i, p := range l.Exact {
			ps[i] = p.String()
		}
		return "exact=" + strings.Join(ps, ",")
	case MatchBitmask:
		return "bitmask=0.0.0." + strconv.Itoa(int(l.Mask))
	}
	return "any"
}

// KindLabel is the kind as shown in tables: "ip", "domain", "ip allow".
func (l *List) KindLabel() string {
	if l.Allow {
		return l.Kind.String() + " allow"
	}
	return l.Kind.String()
}

// testEntries returns the RFC 5782 §5 test entries of the list (or the
// list's own), as shown and as the key that is looked up.
func (l *List) testEntries() (listed, clean testEntry, err error) {
	ls, cs := l.Test, l.TestClean
	switch {
	case l.Kind == KindDomain:
		ls, cs = cmp.Or(ls, "test"), cmp.Or(cs, "invalid")
	default:
		ls, cs = cmp.Or(ls, "127.0.0.2"), cmp.Or(cs, "127.0.0.1")
	}
	if listed, err = l.testEntry(ls); err != nil {
		return
	}
	clean, err = l.testEntry(cs)
	return
}

// testEntry is a selftest key: Show is what the user sees, Key what is
// looked up under the zone.
type testEntry struct{ Show, Key string }

func (l *List) testEntry(s string) (testEntry, error) {
	if l.Kind == KindDomain {
		n, err := resolver.ParseName(s)
		if err != nil {
			return testEntry{}, fmt.Errorf("test entry %q of %s: %v", s, l.Zone, err)
		}
		return testEntry{Show: n.ASCII, Key: n.ASCII}, nil
	}
	ip, err := netip.ParseAddr(s)
	if err != nil || ip.Zone() != "" {
		return testEntry{}, fmt.Errorf("test entry %q of %s is not an IP address", s, l.Zone)
	}
	return testEntry{Show: ip.String(), Key: ReverseIP(ip)}, nil
}

// answerClass is what one A record from a list means.
type answerClass int

const (
	answerListed     answerClass = iota // counts as a listing under the list's rule
	answerNotMatched                    // a 127/8 code the rule does not count
	answerError                         // the list refuses to serve us
	answerBogus                         // outside 127.0.0.0/8: not a list code at all
)

var loopback8 = netip.MustParsePrefix("127.0.0.0/8")

func (l *List) classify(code netip.Addr) answerClass {
	code = code.Unmap()
	if !code.Is4() || !loopback8.Contains(code) {
		return answerBogus
	}
	if _, ok := l.Errors[code]; ok {
		return answerError
	}
	switch l.Match {
	case MatchExact:
		for _, p := range l.Exact {
			if p.Contains(code) {
				return answerListed
			}
		}
		return answerNotMatched
	case MatchBitmask:
		if code.As4()[3]&l.Mask != 0 {
			return answerListed
		}
		return answerNotMatched
	}
	return answerListed
}

// Meaning explains a return code in the list's terms, "" when nothing is
// known about it.
func (l *List) Meaning(code netip.Addr) string {
	code = code.Unmap()
	if m, ok := l.Errors[code]; ok {
		return m
	}
	if m, ok := l.Codes[code]; ok {
		return m
	}
	if !code.Is4() || !loopback8.Contains(code) {
		return ""
	}
	last := code.As4()[3]
	if l.Match == MatchBitmask || len(l.Bits) > 0 {
		var parts []string
		for b := 1; b < 256; b <<= 1 {
			if last&uint8(b) == 0 {
				continue
			}
			if m, ok := l.Bits[uint8(b)]; ok {
				parts = append(parts, m)
			} else {
				parts = append(parts, "bit "+strconv.Itoa(b))
			}
		}
		return strings.Join(parts, ", ")
	}
	if code == netip.AddrFrom4([4]byte{127, 0, 0, 1}) {
		return "RFC 5782 reserves 127.0.0.1 as never listed; a list answering it is refusing us or listing everything"
	}
	return ""
}

// Pattern is a set of return codes, written as an address (127.0.0.2) or a
// Postfix-style pattern whose octets may be ranges or alternatives:
// 127.0.0.[2..11], 127.0.1.[2;4;5].
type Pattern struct {
	text   string
	octets [4]octetSet
}

// octetSet is a 256-bit set of octet values.
type octetSet [4]uint64

func (s *octetSet) add(lo, hi int) {
	for v := lo; v <= hi; v++ {
		s[v>>6] |= 1 << (v & 63)
	}
}

func (s *octetSet) has(v byte) bool { return s[v>>6]&(1<<(v&63)) != 0 }

// only reports whether the set holds exactly v.
func (s *octetSet) only(v byte) bool {
	var want octetSet
	want.add(int(v), int(v))
	return *s == want
}

// ParsePattern parses one exact-match code. Patterns must stay inside
// 127.0.0.0/8: answers elsewhere are never listings.
func ParsePattern(s string) (Pattern, error) {
	p := Pattern{text: s}
	rest := s
	for i := range 4 {
		if i > 0 {
			if !strings.HasPrefix(rest, ".") {
				return Pattern{}, fmt.Errorf("code %q: want four octets like 127.0.0.2 or 127.0.0.[2..11]", s)
			}
			rest = rest[1:]
		}
		var err error
		if rest, err = parseOctet(rest, &p.octets[i]); err != nil {
			return Pattern{}, fmt.Errorf("code %q: %v", s, err)
		}
	}
	if rest != "" {
		return Pattern{}, fmt.Errorf("code %q: unexpected %q after the fourth octet", s, rest)
	}
	if !p.octets[0].only(127) {
		return Pattern{}, fmt.Errorf("code %q is outside 127.0.0.0/8; lists answer listings there, anything else is ignored", s)
	}
	return p, nil
}

// parseOctet reads "N", "[N..M]" or "[N;M;A..B]" and returns the rest.
func parseOctet(s string, set *octetSet) (string, error) {
	if !strings.HasPrefix(s, "[") {
		v, rest, err := parseNumber(s)
		if err != nil {
			return "", err
		}
		set.add(v, v)
		return rest, nil
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return "", fmt.Errorf("missing ] in %q", s)
	}
	body := s[1:end]
	for item := range strings.SplitSeq(body, ";") {
		lo, rest, err := parseNumber(item)
		if err != nil {
			return "", err
		}
		hi := lo
		if rest != "" {
			after, ok := strings.CutPrefix(rest, "..")
			if !ok {
				return "", fmt.Errorf("%q: want N or N..M inside brackets", item)
			}
			if hi, rest, err = parseNumber(after); err != nil || rest != "" {
				return "", fmt.Errorf("%q: want N or N..M inside brackets", item)
			}
			if hi < lo {
				return "", fmt.Errorf("range %q runs backwards", item)
			}
		}
		set.add(lo, hi)
	}
	return s[end+1:], nil
}

// parseNumber reads a decimal octet value (0-255, at most three digits).
func parseNumber(s string) (int, string, error) {
	n := 0
	for n < len(s) && n < 4 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0, "", fmt.Errorf("want a number from 0 to 255 at %q", s)
	}
	v, err := strconv.Atoi(s[:n])
	if err != nil || v > 255 || n > 3 {
		return 0, "", fmt.Errorf("%q is not a number from 0 to 255", s[:n])
	}
	return v, s[n:], nil
}

// Contains reports whether code matches the pattern.
func (p Pattern) Contains(code netip.Addr) bool {
	code = code.Unmap()
	if !code.Is4() {
		return false
	}
	b := code.As4()
	for i := range 4 {
		if !p.octets[i].has(b[i]) {
			return false
		}
	}
	return true
}

func (p Pattern) String() string { return p.text }

func (p Pattern) MarshalText() ([]byte, error) { return []byte(p.text), nil }

// ParseBitmask reads a bitmask as Exchange writes it (0.0.0.4) or as a
// number (4). The mask applies to the last octet of answers, so the first
// three octets must be zero.
func ParseBitmask(s string) (uint8, error) {
	v := s
	if strings.Contains(s, ".") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return 0, fmt.Errorf("bitmask %q: want 0.0.0.N or N with N from 1 to 255", s)
		}
		b := a.As4()
		if b[0] != 0 || b[1] != 0 || b[2] != 0 {
			return 0, fmt.Errorf("bitmask %q: lists encode bits in the last octet, so the mask must look like 0.0.0.N", s)
		}
		v = strconv.Itoa(int(b[3]))
	}
	n, err := strconv.ParseUint(v, 10, 8)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("bitmask %q: want 0.0.0.N or N with N from 1 to 255", s)
	}
	return uint8(n), nil
}

// matchingCodes lists the last-octet values a bitmask counts, up to max of
// them, for explanations.
func matchingCodes(mask uint8, max int) (codes []int, more bool) {
	for v := 1; v < 256; v++ {
		if uint8(v)&mask == 0 {
			continue
		}
		if len(codes) == max {
			return codes, true
		}
		codes = append(codes, v)
	}
	return codes, false
}
