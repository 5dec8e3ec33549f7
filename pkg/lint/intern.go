package lint

import "strings"

// interner shares the strings an export repeats thousands of times
// (property names, type names, True, None, server names) instead of keeping
// a copy per object. It stops growing at maxInterned entries, so a file of
// unique values costs no more than without it.
type interner map[string]string

const (
	maxInterned   = 1 << 14
	maxInternSize = 64
)

func newInterner() interner { return interner{} }

func (in interner) get(s string) string {
	if v, ok := in[s]; ok {
		return v
	}
	if len(s) <= maxInternSize && len(in) < maxInterned {
		// A copy: s may be part of a much longer line.
		s = strings.Clone(s)
		in[s] = s
	}
	return s
}

// bytes is get for a byte slice, allocating only for a string not seen.
func (in interner) bytes(b []byte) string {
	if v, ok := in[string(b)]; ok {
		return v
	}
	return in.get(string(b))
}
