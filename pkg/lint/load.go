package lint

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// MaxInputSize bounds one input file. Real exports of a large organization
// stay far below it; anything bigger is not an export.
const MaxInputSize = 64 << 20

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

// Source is one input: the name used in locations and its raw bytes.
type Source struct {
	Name string
	Data []byte
}

// ReadSource reads a file ("-" reads stdin), refusing oversized
// input before reading it all.
func ReadSource(path string, stdin io.Reader) (Source, error) {
	var r io.Reader
	if path == "-" {
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return Source{}, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxInputSize+1))
	if err != nil {
		return Source{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxInputSize {
		return Source{}, parseErrorf(path, 0, "larger than %d MiB, which is not an Exchange export", MaxInputSize>>20)
	}
	return Source{Name: path, Data: data}, nil
}

// Load parses every source and returns all objects. The first unreadable
// source stops the load: a half-read configuration would give wrong
// cross-object findings.
func Load(srcs []Source) (*Config, error) {
	c := &Config{}
	for _, s := range srcs {
		objs, f, err := Parse(s.Name, s.Data)
		if err != nil {
			return nil, err
		}
		c.add(Input{File: s.Name, Format: f}, objs)
	}
	return c, nil
}

// Parse detects the format of one input and parses it.
func Parse(name string, data []byte) ([]*Object, Format, error) {
	text, err := decodeText(name, data)
	if err != nil {
		return nil, "", err
	}
	f := detect(name, text)
	var objs []*Object
	switch f {
	case FormatCliXML:
		objs, err = parseCliXML(name, text)
	case FormatJSON:
		objs, err = parseJSON(name, text)
	case FormatLegacy:
		objs, err = parseLegacy(name, text)
	default:
		objs, err = parseFormatList(name, text)
	}
	if err != nil {
		return nil, f, err
	}
	if len(objs) == 0 {
		return nil, f, parseErrorf(name, 0, "no objects found (expected %s output)", formatHelp(f))
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

// decodeText turns the bytes into UTF-8. Out-File and Export-Clixml write
// UTF-16 with a byte-order mark in Windows PowerShell; older exports may be
// in the ANSI code page, read here as Windows-1252.
func decodeText(name string, data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decodeUTF16(name, data[2:], false)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeUTF16(name, data[2:], true)
	case len(data) >= 4 && data[0] != 0 && data[1] == 0 && data[2] != 0 && data[3] == 0:
		return decodeUTF16(name, data, false)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", parseErrorf(name, 0, "binary data, not a text export")
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", parseErrorf(name, 0, "neither UTF-8, UTF-16 nor Windows-1252 text")
	}
	return string(s), nil
}

func decodeUTF16(name string, b []byte, bigEndian bool) (string, error) {
	if len(b)%2 != 0 {
		return "", parseErrorf(name, 0, "UTF-16 text with an odd number of bytes (file cut short?)")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return string(utf16.Decode(u)), nil
}

// jsonArrayRE tells a JSON array from a pasted "[PS] C:\>" prompt.
var jsonArrayRE = regexp.MustCompile(`^\[\s*([{\["\]0-9-]|true|false|null)`)

var legacyKeyRE = regexp.MustCompile(`^(servers|virtual_servers|smtp_connectors|recipient_policies|routing_groups):`)

func detect(name, text string) Format {
	t := strings.TrimLeft(text, " \t\r\n")
	switch {
	case strings.HasPrefix(t, "<"):
		return FormatCliXML
	case strings.HasPrefix(t, "{"), jsonArrayRE.MatchString(t):
		return FormatJSON
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return FormatLegacy
	}
	for _, l := range strings.Split(t, "\n") {
		l = strings.TrimRight(l, "\r")
		if l == "" || strings.HasPrefix(l, "#") || l == "---" {
			continue
		}
		if legacyKeyRE.MatchString(l) {
			return FormatLegacy
		}
		break
	}
	return FormatList
}
