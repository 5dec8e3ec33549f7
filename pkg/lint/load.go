package lint

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
	"github.com/mailflowkit/mailflow/pkg/internal/textenc"
)

// DefaultMaxInput bounds one input file unless LoadOptions.MaxInput says
// otherwise. Real exports of a large organization stay far below it; the
// limit keeps a wrong file (a database, a disk image) from being read for
// minutes before it is refused.
const DefaultMaxInput = 64 << 20

// ParseError is input that cannot be read: it names the file and line.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func parseErrorf(file string, line int, format string, a ...any) *ParseError {
	return &ParseError{File: file, Line: line, Msg: fmt.Sprintf(format, a...)}
}

// TooLargeError is an input over the size limit. It is not a ParseError:
// the file may be fine, and the caller says how to raise the limit.
type TooLargeError struct {
	File  string
	Limit int64
	// Size is the file's size when it is known (not for a pipe).
	Size int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: larger than %s, the input size limit", e.File, sizeText(e.Limit))
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Source is one input: the name used in locations and where to read it.
type Source struct {
	Name string
	// Data is the content when it is already in memory (standard input,
	// tests). When nil, the file Name is opened for each pass over it, so a
	// large export is never held whole.
	Data []byte
}

func (s Source) open() (io.ReadCloser, error) {
	if s.Data != nil {
		return io.NopCloser(bytes.NewReader(s.Data)), nil
	}
	f, err := os.Open(s.Name)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// OpenSources names the inputs to Load: files stay on disk and are read
// when Load gets to them; "-" reads standard input now. Every file is
// opened here, so a missing or oversized one is reported before any
// other file is parsed.
func OpenSources(paths []string, stdin io.Reader, limit int64) ([]Source, error) {
	limit = orDefault(limit)
	var out []Source
	for _, p := range paths {
		if p == "-" {
			s, err := ReadStdin(stdin, limit)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		st, err := f.Stat()
		f.Close()
		if err != nil {
			return nil, err
		}
		if st.Mode().IsRegular() && st.Size() > limit {
			return nil, &TooLargeError{File: p, Limit: limit, Size: st.Size()}
		}
		out = append(out, Source{Name: p})
	}
	return out, nil
}

// ReadStdin reads standard input into a Source named "-". Unlike a file it
// cannot be read twice, so it is kept in memory, up to limit bytes
// (0: DefaultMaxInput).
func ReadStdin(r io.Reader, limit int64) (Source, error) {
	limit = orDefault(limit)
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return Source{}, fmt.Errorf("-: %w", err)
	}
	if int64(len(data)) > limit {
		return Source{}, &TooLargeError{File: "-", Limit: limit}
	}
	if data == nil {
		data = []byte{}
	}
	return Source{Name: "-", Data: data}, nil
}

func orDefault(limit int64) int64 {
	if limit <= 0 {
		return DefaultMaxInput
	}
	return limit
}

// LoadOptions bound what Load reads.
type LoadOptions struct {
	// MaxInput is the largest input file in bytes; 0 is DefaultMaxInput.
	MaxInput int64
}

// Load parses every source and returns all objects. The first unreadable
// source stops the load: a half-read configuration would give wrong
// cross-object findings. Sources are read one after another, and what
// stays in memory is the objects, not the files' text.
func Load(srcs []Source, opts LoadOptions) (*Config, error) {
	c := &Config{}
	for _, s := range srcs {
		objs, f, err := parseSource(s, orDefault(opts.MaxInput))
		if err != nil {
			return nil, err
		}
		c.add(Input{File: s.Name, Format: f}, objs)
	}
	return c, nil
}

// Parse detects the format of one in-memory input and parses it.
func Parse(name string, data []byte) ([]*Object, Format, error) {
	if data == nil {
		data = []byte{}
	}
	return parseSource(Source{Name: name, Data: data}, int64(max(len(data), 1)))
}

// input is a source whose encoding is known: text opens it as UTF-8.
type input struct {
	src   Source
	enc   textEncoding
	limit int64
}

func parseSource(s Source, limit int64) ([]*Object, Format, error) {
	enc, err := sniff(s, limit)
	if err != nil {
		return nil, "", err
	}
	in := &input{src: s, enc: enc, limit: limit}
	f, err := in.detect()
	if err != nil {
		return nil, "", err
	}
	var objs []*Object
	switch f {
	case FormatCliXML:
		objs, err = in.parse(parseCliXML)
	case FormatJSON:
		objs, err = in.parse(parseJSON)
	case FormatLegacy:
		objs, err = in.parse(func(name string, r io.Reader) ([]*Object, error) {
			// Hand-written YAML is small, and the YAML library wants it whole.
			text, err := io.ReadAll(r)
			if err != nil {
				return nil, err
			}
			return parseLegacy(name, text)
		})
	default:
		objs, err = parseFormatList(in)
	}
	if err != nil {
		return nil, f, err
	}
	if len(objs) == 0 {
		return nil, f, parseErrorf(s.Name, 0, "no objects found (expected %s output)", formatHelp(f))
	}
	return objs, f, nil
}

func formatHelp(f Format) string {
	switch f {
	case FormatCliXML:
		return "Export-Clixml"
	case FormatJSON:
		return "ConvertTo-Json"
	case FormatLegacy:
		return "the legacy YAML schema"
	}
	return "Get-SendConnector | Format-List style"
}

// textEncoding is what a file was written in. Out-File and Export-Clixml
// write UTF-16 with a byte-order mark in Windows PowerShell; older exports
// may be in the ANSI code page, read as Windows-1252.
type textEncoding struct {
	skip   int // bytes of byte-order mark
	utf16  *textenc.UTF16
	cp1252 bool // not UTF-8: read as Windows-1252
}

// sniff reads a source once to learn its encoding and refuse what is not
// text, before any parser sees it: binary data, cut UTF-16, oversize.
func sniff(s Source, limit int64) (textEncoding, error) {
	rc, err := s.open()
	if err != nil {
		return textEncoding{}, err
	}
	defer rc.Close()
	r := bufio.NewReaderSize(rc, 64<<10)
	head, _ := r.Peek(4)
	var enc textEncoding
	if u, ok := textenc.SniffUTF16(head); ok {
		enc.skip, enc.utf16 = u.BOM, &u
	} else if bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}) {
		enc.skip = 3
	}
	var (
		n       int64
		nul     bool
		valid   = true
		carry   []byte // an incomplete UTF-8 sequence at a chunk's end
		buf     = make([]byte, 64<<10)
		skipped int
	)
	for {
		m, err := r.Read(buf)
		chunk := buf[:m]
		n += int64(m)
		if n > limit {
			return enc, &TooLargeError{File: s.Name, Limit: limit}
		}
		if skipped < enc.skip {
			k := min(enc.skip-skipped, len(chunk))
			chunk, skipped = chunk[k:], skipped+k
		}
		if enc.utf16 == nil && len(chunk) > 0 {
			nul = nul || bytes.IndexByte(chunk, 0) >= 0
			if valid {
				carry = append(carry, chunk...)
				cut := completeUTF8(carry)
				valid = utf8.Valid(carry[:cut])
				carry = append(carry[:0], carry[cut:]...)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return enc, fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	switch {
	case enc.utf16 != nil && (n-int64(enc.skip))%2 != 0:
		return enc, parseErrorf(s.Name, 0, "UTF-16 text with an odd number of bytes (file cut short?)")
	case enc.utf16 != nil:
		return enc, nil
	case nul:
		return enc, parseErrorf(s.Name, 0, "binary data, not a text export")
	}
	enc.cp1252 = !valid || !utf8.Valid(carry)
	return enc, nil
}

// completeUTF8 is the length of b without a multi-byte sequence that the
// next chunk may complete.
func completeUTF8(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

// text opens the source as UTF-8 text, converting on the fly.
func (in *input) text() (io.ReadCloser, error) {
	rc, err := in.src.open()
	if err != nil {
		return nil, err
	}
	var r io.Reader = &limitedReader{r: rc, left: in.limit, limit: in.limit, file: in.src.Name}
	switch {
	case in.enc.utf16 != nil:
		r = in.enc.utf16.Reader(r)
	case in.enc.skip > 0:
		if _, err := io.CopyN(io.Discard, r, int64(in.enc.skip)); err != nil {
			rc.Close()
			return nil, err
		}
	}
	if in.enc.cp1252 {
		r = charmap.Windows1252.NewDecoder().Reader(r)
	}
	return struct {
		io.Reader
		io.Closer
	}{r, rc}, nil
}

// limitedReader refuses a file that grew past the limit after it was
// sniffed.
type limitedReader struct {
	r           io.Reader
	left, limit int64
	file        string
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, &TooLargeError{File: l.file, Limit: l.limit}
	}
	return n, err
}

// parse runs one streaming parser over the text.
func (in *input) parse(fn func(name string, r io.Reader) ([]*Object, error)) ([]*Object, error) {
	rc, err := in.text()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return fn(in.src.Name, rc)
}

// jsonArrayRE tells a JSON array from a pasted "[PS] C:\>" prompt.
var jsonArrayRE = lazyre.New(`^\[\s*([{\["\]0-9-]|true|false|null)`)

var legacyKeyRE = lazyre.New(`^(servers|virtual_servers|smtp_connectors|recipient_policies|routing_groups):`)

// detect reads as far into the text as it takes to tell the format: the
// first character, or the first line that is not a comment.
func (in *input) detect() (Format, error) {
	rc, err := in.text()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	r := bufio.NewReaderSize(rc, 64<<10)
	for {
		c, err := r.ReadByte()
		if err != nil {
			break
		}
		if strings.IndexByte(" \t\r\n", c) >= 0 {
			continue
		}
		r.UnreadByte() //nolint:errcheck // a byte was just read
		switch c {
		case '<':
			return FormatCliXML, nil
		case '{':
			return FormatJSON, nil
		case '[':
			// Peek sees at most the buffer: a "[" followed by 64 KiB of
			// blanks is not JSON anyone wrote.
			head, _ := r.Peek(r.Size())
			if jsonArrayRE().Match(head) {
				return FormatJSON, nil
			}
		}
		break
	}
	switch strings.ToLower(filepath.Ext(in.src.Name)) {
	case ".yaml", ".yml":
		return FormatLegacy, nil
	}
	for {
		l, more := readLinePrefix(r, 256)
		l = strings.TrimRight(l, "\r")
		if l == "" || strings.HasPrefix(l, "#") || l == "---" {
			if !more {
				break
			}
			continue
		}
		if legacyKeyRE().MatchString(l) {
			return FormatLegacy, nil
		}
		break
	}
	return FormatList, nil
}

// readLinePrefix reads one line and returns at most n bytes of it (enough
// to recognize it) without holding a long line whole; more is false at
// the end of the text.
func readLinePrefix(r *bufio.Reader, n int) (line string, more bool) {
	var b []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(b) < n {
			b = append(b, frag[:min(len(frag), n+1-len(b))]...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil:
			return strings.TrimSuffix(string(b), "\n"), false
		}
		return strings.TrimSuffix(string(b), "\n"), true
	}
}
