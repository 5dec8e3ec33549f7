package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize returns s made safe to print as (part of) one line.
//
// Text that reaches a terminal or a ticket from outside (an SMTP banner, a
// DNS TXT record, a bounce, an exported configuration) passes Sanitize
// first, so it can neither steer the terminal (ESC and CSI sequences set the
// window title, clear the screen, recolor text), overwrite what mailflow
// printed (CR, backspace), fake a line of output (an embedded newline), nor
// reorder what the reader sees (bidi overrides, as in "Trojan Source").
// The renderers call it on every string they print; commands need it only
// for text they print themselves.
//
// What is shown escaped, and how:
//
//   - C0 controls and DEL: \a \b \t... as in Go and C for the common ones,
//     \xNN for the rest (ESC is \x1b, so a whole escape sequence reads as
//     \x1b[2J). Tab is kept: it is harmless and common in transcripts.
//   - newline: \n in one-line fields; multi-line text is split into lines
//     with SanitizeLines instead, and a CR before a newline is taken as part
//     of the line ending.
//   - C1 controls (U+0080-U+009F, including the 8-bit CSI U+009B): \u0085.
//   - Unicode format characters (category Cf): the bidi embeddings,
//     overrides and isolates (U+202A-U+202E, U+2066-U+2069), the marks
//     U+200E, U+200F and U+061C, zero-width space and joiners
//     (U+200B-U+200D), the word joiner and invisible operators, the byte
//     order mark U+FEFF, soft hyphen and the tag characters (U+E0000
//     block): \u202e, \U000e0041. They are invisible by design, so in a
//     domain name, a reply or a header they can only hide something; a
//     reader who needs the exact text has the JSON output.
//   - the line and paragraph separators U+2028 and U+2029, which some
//     terminals and editors treat as line breaks.
//   - invalid UTF-8: each bad byte as \xNN, so a Latin-1 banner stays
//     legible and nothing reaches the terminal as a raw 8-bit control.
//
// Backslashes are not doubled: Windows paths and Exchange identities
// (EXCH01\Default Frontend) stay readable, at the price that a literal
// "\x1b" in the data looks like an escaped ESC. JSON output is never
// sanitised: encoding/json escapes what it must and keeps the data exact.
func Sanitize(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
		} else {
			writeRune(&b, r)
		}
		i += size
	}
	return b.String()
}

// SanitizeLines splits s into lines (at LF, or CRLF) and sanitises each,
// for text that is multi-line by nature: a transcript, a server reply, a
// summary. Every line the data holds stays a line of its own, and none can
// pose as more than one. A final line break does not add an empty line.
func SanitizeLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Sanitize(strings.TrimSuffix(l, "\r"))
	}
	return lines
}

// sanitizeBlock is SanitizeLines joined again, for formats (JSON in SARIF,
// XML in JUnit) that carry a multi-line string in one field.
func sanitizeBlock(s string) string {
	return strings.Join(SanitizeLines(s), "\n")
}

// isPlain reports whether s is printable ASCII and tabs only, the common
// case, which needs no copy.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

var shortEscapes = map[rune]string{
	'\a': `\a`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\v': `\v`,
}

func writeRune(b *strings.Builder, r rune) {
	switch {
	case r == '\t':
		b.WriteRune(r)
	case r < 0x20 || r == 0x7f:
		if e, ok := shortEscapes[r]; ok {
			b.WriteString(e)
		} else {
			fmt.Fprintf(b, `\x%02x`, r)
		}
	case unsafeRune(r) && r > 0xffff:
		fmt.Fprintf(b, `\U%08x`, r)
	case unsafeRune(r):
		fmt.Fprintf(b, `\u%04x`, r)
	default:
		b.WriteRune(r)
	}
}

// unsafeRune reports the non-ASCII runes that are escaped: C1 controls,
// format characters and the Unicode line and paragraph separators.
func unsafeRune(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r)
}
