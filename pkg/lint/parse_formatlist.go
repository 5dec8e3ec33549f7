package lint

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Format-List prints "Name<padding>: value", one object per block separated
// by blank lines, and wraps long values onto lines indented to the value
// column.
var (
	flPropRE   = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_.\-]*)[ \t]*:(?:[ \t](.*))?$`)
	flPromptRE = regexp.MustCompile(`^(\[PS\][ \t]*)?(PS[ \t]+)?([A-Za-z]:\\[^>]*|PS)?>`)
	flNoiseRE  = regexp.MustCompile(`^(WARNING|VERBOSE|DEBUG):[ \t]`)
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
}

func parseFormatList(file, text string) ([]*Object, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	indent := commonIndent(lines)
	p := &flParser{file: file}
	for i, l := range lines {
		if l != "" {
			lines[i] = l[indent:]
		}
		if n := utf8.RuneCountInString(lines[i]); n > p.width {
			p.width = n
		}
	}
	for i, l := range lines {
		if err := p.line(i+1, l); err != nil {
			return nil, err
		}
	}
	p.finish()
	return p.objs, nil
}

// commonIndent is the indentation every non-blank line shares, as when an
// export was pasted into a mail or ticket with a leading indent.
func commonIndent(lines []string) int {
	min := -1
	for _, l := range lines {
		if l == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if min < 0 || n < min {
			min = n
		}
	}
	return max(min, 0)
}

func (p *flParser) line(n int, l string) error {
	switch {
	case l == "":
		p.finish()
	case flNoiseRE.MatchString(l):
		p.finish()
	case flPromptRE.MatchString(l) || strings.HasPrefix(strings.ToLower(l), "get-"):
		p.finish()
		p.hint = kindFromCmdlet(l)
	case l[0] == ' ' || l[0] == '\t':
		if len(p.props) == 0 {
			return parseErrorf(p.file, n, "indented line %q outside a property; expected \"Name : value\" lines as printed by Format-List", clip(l))
		}
		last := p.props[len(p.props)-1]
		last.parts = append(last.parts, flLine{text: strings.TrimLeft(l, " \t"), width: utf8.RuneCountInString(l)})
	default:
		m := flPropRE.FindStringSubmatch(l)
		if m == nil {
			return parseErrorf(p.file, n, "cannot read %q: expected \"Name : value\" as printed by Format-List, Export-Clixml XML, ConvertTo-Json output or the legacy YAML", clip(l))
		}
		if p.cur == nil {
			p.cur = newObject(p.file, n)
		}
		p.props = append(p.props, &flProp{name: m[1], line: n, parts: []flLine{{text: strings.TrimLeft(m[2], " \t"), width: utf8.RuneCountInString(l)}}})
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
		p.cur.set(flValue(fp.name, fp.line, p.join(fp.parts)))
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
