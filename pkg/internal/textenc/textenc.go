// Package textenc tells UTF-16 text from its first bytes, as Windows tools
// write it (Windows PowerShell's Out-File, > redirection and
// Export-Clixml, Notepad's "Unicode"), and decodes it to UTF-8, so the
// readers of exports, logs and pasted bounces see one encoding. It knows
// nothing about other encodings: telling Windows-1252 from UTF-8 needs the
// whole text and stays with the reader that wants it.
package textenc

import (
	"bytes"
	"io"

	"golang.org/x/text/encoding/unicode"
)

// UTF16 describes UTF-16 text.
type UTF16 struct {
	// BOM is the length of the byte-order mark, 0 when there is none.
	BOM int
	// BigEndian is set for UTF-16BE.
	BigEndian bool
}

// SniffUTF16 reports whether head, the first bytes of an input (four are
// enough), is UTF-16: a byte-order mark, or, without one, two ASCII
// characters each followed by a NUL (UTF-16LE, which is all Windows
// writes without a mark).
func SniffUTF16(head []byte) (UTF16, bool) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return UTF16{BOM: 2}, true
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return UTF16{BOM: 2, BigEndian: true}, true
	case len(head) >= 4 && head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0:
		return UTF16{}, true
	}
	return UTF16{}, false
}

// Reader decodes r, which starts with the byte-order mark if u has one,
// to UTF-8 without it. Invalid sequences become U+FFFD.
func (u UTF16) Reader(r io.Reader) io.Reader {
	order := unicode.LittleEndian
	if u.BigEndian {
		order = unicode.BigEndian
	}
	if u.BOM > 0 {
		// Skipped here rather than by the decoder, which with IgnoreBOM
		// would decode the mark as a character.
		r = &skipReader{r: r, left: u.BOM}
	}
	return unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder().Reader(r)
}

// skipReader discards the first left bytes of r.
type skipReader struct {
	r    io.Reader
	left int
}

func (s *skipReader) Read(p []byte) (int, error) {
	for s.left > 0 {
		k, err := io.CopyN(io.Discard, s.r, int64(s.left))
		s.left -= int(k)
		if err != nil {
			return 0, err
		}
	}
	return s.r.Read(p)
}
