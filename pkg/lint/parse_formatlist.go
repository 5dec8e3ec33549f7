package lint

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// Format-List prints "Name<padding>: value", one object per block separated
// by blank lines, and wraps long values onto lines indented to the value
// column.
var (
	flPropRE   = lazyre.New(`^([A-Za-z][A-Za-z0-9_.\-]*)[ \t]*:(?:[ \t](.*))?$`)
	flPromptRE = lazyre.New(`^(\[PS\][ \t]*)?(PS[ \t]+)?([A-Za-z]:\\[^>]*|PS)?>`)
	flNoiseRE  = lazyre.New(`^(WARNING|VERBOSE|DEBUG):[ \t]`)
)

// flLine is one physical line of a Format-List property value.
type flLine struct {
	text  string
	width int // length of the physical line, to tell hard wraps from word wraps
}

type flProp struct {
	name  string
	line  int
	parts []flLine
}

type flParser struct {
	file  string
	width int // widest line: the wrap column of the console that wrote the file
	hint  Kind
	objs  []*Object
	cur   *Object
	props []*flProp
	// intern shares property names, which are otherwise slices of the
	// line they were read from, keeping the whole line alive.
	intern interner
}

// parseFormatList reads the text twice: the first pass finds the
// indentation every line shares (as when an export was pasted into a mail
// or ticket with a leading indent) and the widest line (the console's wrap
// column), which the second pass needs to join wrapped values. Neither
// holds more than a line and the object being read.
func parseFormatList(in *input) ([]*Object, error) {
	indent, widest := -1, 0
	err := in.lines(func(_ int, l string) error {
		if l == "" {
			return nil
		}
		if n := len(l) - len(strings.TrimLeft(l, " \t")); indent < 0 || n < indent {
			indent = n
		}
		widest = max(widest, utf8.RuneCountInString(l))
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The shared indentation is ASCII: it shortens every line by as many
	// runes as bytes.
	indent = max(indent, 0)
	p := &flParser{file: in.src.Name, width: widest - indent, intern: newInterner()}
	err = in.lines(func(n int, l string) error {
		if l != "" {
			l = l[indent:]
		}
		return p.line(n, l)
	})
	if err != nil {
		return nil, err
	}
	p.finish()
	return p.objs, nil
}

// lines calls fn with each line of the text, numbered from 1, without the
// line break and trailing blanks.
func (in *input) lines(fn func(n int, l string) error) error {
	rc, err := in.text()
	if err != nil {
		return err
	}
	defer rc.Close()
	r := bufio.NewReaderSize(rc, 64<<10)
	for n := 1; ; n++ {
		l, rerr := r.ReadString('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return rerr
		}
		if err := fn(n, strings.TrimRight(l, " \t\r\n")); err != nil {
			return err
		}
		if rerr != nil {
			return nil
		}
	}
}

func (p *flParser) line(n int, l string) error {
	switch {
	case l == "":
		p.finish()
	case flNoiseRE().MatchString(l):
		p.finish()
	case flPromptRE().MatchString(l) || strings.HasPrefix(strings.ToLower(l), "get-"):
		p.finish()
		p.hint = kindFromCmdlet(l)
	case l[0] == ' ' || l[0] == '\t':
		if len(p.props) == 0 {
			return parseErrorf(p.file, n, "indented line %q outside a property; expected \"Name : value\" lines as printed by Format-List", clip(l))
		}
		last := p.props[len(p.props)-1]
		last.parts = append(last.parts, flLine{text: strings.TrimLeft(l, " \t"), width: utf8.RuneCountInString(l)})
	default:
		m := flPropRE().FindStringSubmatch(l)
		if m == nil {
			return parseErrorf(p.file, n, "cannot read %q: expected \"Name : value\" as printed by Format-List, Export-Clixml XML, ConvertTo-Json output or the legacy YAML", clip(l))
		}
		if p.cur == nil {
			p.cur = newObject(p.file, n)
		}
		p.props = append(p.props, &flProp{name: p.intern.get(m[1]), line: n, parts: []flLine{{text: strings.TrimLeft(m[2], " \t"), width: utf8.RuneCountInString(l)}}})
	}
	return nil
}

// finish closes the current object: joins wrapped values, splits lists and
// settles the kind.
func (p *flParser) finish() {
	if p.cur == nil {
		return
	}
	for _, fp := range p.props {
		p.cur.set(flValue(fp.name, fp.line, p.intern.get(p.join(fp.parts))))
	}
	classify(p.cur, p.hint)
	p.objs = append(p.objs, p.cur)
	p.cur, p.props = nil, nil
}

// join glues wrapped lines back together. A line that reaches the wrap
// column was cut inside a word and continues directly; a shorter one was
// cut at a space.
func (p *flParser) join(parts []flLine) string {
	var b strings.Builder
	for i, part := range parts {
		if i > 0 && parts[i-1].width < p.width {
			b.WriteByte(' ')
		}
		b.WriteString(part.text)
	}
	return b.String()
}

// flValue interprets a joined value: {a, b} is a list, and a trailing "..."
// (or "…") inside the braces is $FormatEnumerationLimit cutting it short.
func flValue(name string, line int, v string) *Prop {
	p := &Prop{Name: name, Line: line, Value: v}
	if !strings.HasPrefix(v, "{") || !strings.HasSuffix(v, "}") {
		return p
	}
	inner := strings.TrimSpace(v[1 : len(v)-1])
	for _, ell := range []string{"...", "…"} {
		if strings.HasSuffix(inner, ell) {
			inner = strings.TrimSpace(strings.TrimSuffix(inner, ell))
			p.Truncated = true
		}
	}
	p.IsList, p.Value = true, ""
	p.Items = splitFlags(inner)
	return p
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	r := []rune(s)
	return string(r[:57]) + "..."
}
