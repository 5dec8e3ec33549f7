package textenc

import (
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

func encode(t *testing.T, order unicode.Endianness, bom unicode.BOMPolicy, s string) string {
	t.Helper()
	b, err := unicode.UTF16(order, bom).NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUTF16(t *testing.T) {
	const text = "Delivery has failed: bob@exämple.org\r\n550 5.1.1 ユーザー不明\r\n"
	tests := []struct {
		name string
		in   string
		want UTF16
		ok   bool
	}{
		{"little endian with mark", encode(t, unicode.LittleEndian, unicode.UseBOM, text), UTF16{BOM: 2}, true},
		{"big endian with mark", encode(t, unicode.BigEndian, unicode.UseBOM, text), UTF16{BOM: 2, BigEndian: true}, true},
		{"little endian without mark", encode(t, unicode.LittleEndian, unicode.IgnoreBOM, text), UTF16{}, true},
		{"UTF-8", text, UTF16{}, false},
		{"UTF-8 with mark", "\xef\xbb\xbf" + text, UTF16{}, false},
		{"binary", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", UTF16{}, false},
		{"short", "a\x00", UTF16{}, false},
		{"empty", "", UTF16{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok := SniffUTF16([]byte(tt.in)[:min(4, len(tt.in))])
			if u != tt.want || ok != tt.ok {
				t.Fatalf("SniffUTF16 = %+v, %v; want %+v, %v", u, ok, tt.want, tt.ok)
			}
			if !ok {
				return
			}
			// One byte at a time, so the mark and the pairs cross reads.
			got, err := io.ReadAll(u.Reader(io.LimitReader(&oneByte{strings.NewReader(tt.in)}, 1<<20)))
			if err != nil || string(got) != text {
				t.Errorf("decoded %q, %v; want %q", got, err, text)
			}
		})
	}
}

type oneByte struct{ r io.Reader }

func (o *oneByte) Read(p []byte) (int, error) { return o.r.Read(p[:min(1, len(p))]) }
