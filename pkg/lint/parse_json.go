package lint

import (
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// jnode is a JSON value with the line its key (or the value) starts on.
type jnode struct {
	obj   map[string]*jnode
	keys  []string
	arr   []*jnode
	str   string
	isObj bool
	isArr bool
	null  bool
	line  int
}

type jsonReader struct {
	file  string
	dec   *json.Decoder
	lines *lineCounter
	depth int
	objs  []*Object
	// intern shares the keys every object repeats.
	intern interner
	// bad is the first element that is not an object: reported once the
	// document has been read, so a syntax error further on comes first.
	bad error
}

// parseJSON streams: an array of objects is read one element at a time,
// and only the element being read is held as a tree.
func parseJSON(file string, r io.Reader) ([]*Object, error) {
	lc := &lineCounter{r: r}
	jr := &jsonReader{file: file, dec: json.NewDecoder(lc), lines: lc, intern: newInterner()}
	jr.dec.UseNumber()
	// ConvertTo-Json output appended with >> holds several documents.
	for {
		err := jr.collect(0)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if jr.bad != nil {
			return nil, jr.bad
		}
	}
	return jr.objs, nil
}

// collect reads one value and takes the objects out of it: an object, an
// array of them, or arrays nested once more (several cmdlets' output in
// one array). io.EOF is returned only between documents.
func (r *jsonReader) collect(level int) error {
	tok, err := r.dec.Token()
	if errors.Is(err, io.EOF) && r.depth == 0 {
		return io.EOF
	}
	if err != nil {
		return r.fail(err)
	}
	line := r.lineAt(r.dec.InputOffset())
	d, isDelim := tok.(json.Delim)
	switch {
	case isDelim && d == '[' && level < 2:
		if err := r.enter(line); err != nil {
			return err
		}
		defer func() { r.depth-- }()
		for r.dec.More() {
			if err := r.collect(level + 1); err != nil {
				return r.fail(err)
			}
		}
		if _, err := r.dec.Token(); err != nil {
			return r.fail(err)
		}
		return nil
	case tok == nil:
		return nil
	}
	n, err := r.rest(tok, line)
	if err != nil {
		return err
	}
	if n.isObj {
		r.objs = append(r.objs, r.object(n))
	} else if r.bad == nil {
		r.bad = parseErrorf(r.file, n.line, "expected a JSON object or an array of objects as written by ConvertTo-Json")
	}
	return nil
}

// lineCounter remembers where the lines break in the text that went
// through it, from the oldest offset still asked about on.
type lineCounter struct {
	r   io.Reader
	off int64
	nl  []int64 // offsets of newlines not yet passed by lineAt
	// passed counts the newlines dropped from nl.
	passed int
}

func (l *lineCounter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.nl = append(l.nl, l.off+int64(i))
		}
	}
	l.off += int64(n)
	return n, err
}

// line is the line of an offset. Offsets asked about never go backwards
// (the decoder only moves on), so newlines before one are dropped.
func (l *lineCounter) line(off int64) int {
	i := sort.Search(len(l.nl), func(i int) bool { return l.nl[i] >= off })
	l.passed += i
	l.nl = l.nl[i:]
	if cap(l.nl) > 4096 && len(l.nl) < cap(l.nl)/4 {
		l.nl = append([]int64(nil), l.nl...)
	}
	return l.passed + 1
}

func (r *jsonReader) lineAt(off int64) int { return r.lines.line(off) }

func (r *jsonReader) fail(err error) error {
	var pe *ParseError
	var tl *TooLargeError
	if errors.As(err, &pe) || errors.As(err, &tl) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return parseErrorf(r.file, r.lineAt(r.dec.InputOffset()), "JSON ends in the middle of a value (file cut short?)")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return parseErrorf(r.file, r.lineAt(se.Offset), "JSON syntax error: %v", se)
	}
	return parseErrorf(r.file, r.lineAt(r.dec.InputOffset()), "JSON error: %v", err)
}

// enter goes one level deeper, refusing hostile nesting.
func (r *jsonReader) enter(line int) error {
	r.depth++
	if r.depth > maxXMLDepth {
		return parseErrorf(r.file, line, "JSON nested deeper than %d levels", maxXMLDepth)
	}
	return nil
}

// value reads one JSON value.
func (r *jsonReader) value() (*jnode, error) {
	tok, err := r.dec.Token()
	if err != nil {
		return nil, r.fail(err)
	}
	return r.rest(tok, r.lineAt(r.dec.InputOffset()))
}

// rest reads the value that starts with tok.
func (r *jsonReader) rest(tok json.Token, line int) (*jnode, error) {
	n := &jnode{line: line}
	switch t := tok.(type) {
	case json.Delim:
		err := r.enter(n.line)
		defer func() { r.depth-- }()
		if err != nil {
			return nil, err
		}
		if t == '{' {
			return n, r.fillObject(n)
		}
		return n, r.fillArray(n)
	case string:
		n.str = t
	case json.Number:
		n.str = t.String()
	case bool:
		n.str = "False"
		if t {
			n.str = "True"
		}
	case nil:
		n.null = true
	}
	return n, nil
}

func (r *jsonReader) fillObject(n *jnode) error {
	n.isObj, n.obj = true, map[string]*jnode{}
	for r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil {
			return r.fail(err)
		}
		key, _ := tok.(string)
		key = r.intern.get(key)
		line := r.lineAt(r.dec.InputOffset())
		v, err := r.value()
		if err != nil {
			return r.fail(err)
		}
		v.line = line
		if _, dup := n.obj[key]; !dup {
			n.keys = append(n.keys, key)
		}
		n.obj[key] = v
	}
	if _, err := r.dec.Token(); err != nil {
		return r.fail(err)
	}
	return nil
}

func (r *jsonReader) fillArray(n *jnode) error {
	n.isArr = true
	for r.dec.More() {
		v, err := r.value()
		if err != nil {
			return r.fail(err)
		}
		n.arr = append(n.arr, v)
	}
	if _, err := r.dec.Token(); err != nil {
		return r.fail(err)
	}
	return nil
}

func (r *jsonReader) object(n *jnode) *Object {
	o := newObject(r.file, n.line)
	for _, k := range n.keys {
		v := n.obj[k]
		if strings.HasPrefix(k, "PS") || k == "RunspaceId" {
			continue
		}
		p := &Prop{Name: k, Line: v.line}
		switch {
		case v.isArr:
			p.IsList, p.Items = true, []string{}
			for _, e := range v.arr {
				if s := jsonText(e); s != "" {
					p.Items = append(p.Items, r.intern.get(s))
				}
			}
		case v.isObj:
			p.Value = r.intern.get(jsonText(v))
		case !v.null:
			p.Value = r.intern.get(enumText(k, v.str))
		}
		o.set(p)
	}
	classify(o, "")
	return o
}

// jsonText flattens a nested value the way PowerShell's ToString would:
// ConvertTo-Json writes Exchange types (bindings, IP ranges, address
// spaces, FQDNs, sizes) as objects of their properties.
func jsonText(n *jnode) string {
	if !n.isObj {
		if n.isArr {
			var parts []string
			for _, e := range n.arr {
				parts = append(parts, jsonText(e))
			}
			return strings.Join(parts, ", ")
		}
		return n.str
	}
	get := func(k string) *jnode {
		for _, key := range n.keys {
			if strings.EqualFold(key, k) {
				return n.obj[key]
			}
		}
		return nil
	}
	str := func(k string) string {
		if v := get(k); v != nil {
			return jsonText(v)
		}
		return ""
	}
	switch {
	case get("UserName") != nil || get("Password") != nil:
		return redacted
	case get("IsUnlimited") != nil:
		if str("IsUnlimited") == "True" {
			return "Unlimited"
		}
		return str("Value")
	case get("Expression") != nil:
		return str("Expression")
	case get("IPAddressToString") != nil:
		return str("IPAddressToString")
	case get("Address") != nil && get("Port") != nil:
		addr := str("Address")
		if strings.Contains(addr, ":") {
			addr = "[" + addr + "]"
		}
		return addr + ":" + str("Port")
	case get("Type") != nil && get("Address") != nil && get("Cost") != nil:
		return str("Type") + ":" + str("Address") + ";" + str("Cost")
	case get("IncludeSubDomains") != nil && get("Address") != nil:
		return str("Address")
	case get("Domain") != nil:
		return str("Domain")
	case get("Name") != nil:
		return str("Name")
	case get("Value") != nil:
		return str("Value")
	}
	b, _ := report.MarshalJSON(n.plain())
	return clip(string(b))
}

func (n *jnode) plain() any {
	switch {
	case n.isObj:
		m := map[string]any{}
		for k, v := range n.obj {
			m[k] = v.plain()
		}
		return m
	case n.isArr:
		var a []any
		for _, e := range n.arr {
			a = append(a, e.plain())
		}
		return a
	case n.null:
		return nil
	}
	return n.str
}

// enumNames maps the enums ConvertTo-Json writes as numbers back to the
// names Format-List shows. flags marks [Flags] enums.
var enumNames = map[string]struct {
	flags bool
	names map[int]string
}{
	"domaintype":             {false, map[int]string{0: "Authoritative", 1: "ExternalRelay", 2: "InternalRelay"}},
	"authmechanism":          {true, map[int]string{0: "None", 1: "Tls", 2: "Integrated", 4: "BasicAuth", 8: "BasicAuthRequireTLS", 16: "ExchangeServer", 32: "ExternalAuthoritative"}},
	"permissiongroups":       {true, map[int]string{0: "None", 1: "AnonymousUsers", 2: "ExchangeUsers", 4: "ExchangeServers", 8: "ExchangeLegacyServers", 16: "Partners", 32: "Custom"}},
	"smarthostauthmechanism": {false, map[int]string{0: "None", 2: "BasicAuth", 4: "BasicAuthRequireTLS", 8: "ExchangeServer", 16: "ExternalAuthoritative"}},
	"tlsauthlevel":           {false, map[int]string{1: "EncryptionOnly", 2: "CertificateValidation", 4: "DomainValidation"}},
	"tlssettings":            {false, map[int]string{1: "EncryptionOnly", 2: "CertificateValidation", 4: "DomainValidation"}},
	"connectortype":          {false, map[int]string{1: "OnPremises", 2: "Partner"}},
	"transportrole":          {true, map[int]string{2: "Mailbox", 4: "ClientAccess", 32: "HubTransport", 64: "Edge", 16384: "FrontendTransport"}},
	"serverrole":             {true, map[int]string{0: "None", 2: "Mailbox", 4: "ClientAccess", 16: "UnifiedMessaging", 32: "HubTransport", 64: "Edge", 16384: "FrontendTransport"}},
}

// enumText names a numeric enum value; other values pass unchanged.
func enumText(prop, v string) string {
	e, ok := enumNames[canon(prop)]
	if !ok {
		return v
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return v
	}
	if name, ok := e.names[n]; ok {
		return name
	}
	if !e.flags || n < 0 {
		return v
	}
	var parts []string
	for bit := 1; bit > 0 && bit <= n; bit <<= 1 {
		if n&bit == 0 {
			continue
		}
		name, ok := e.names[bit]
		if !ok {
			return v
		}
		parts = append(parts, name)
	}
	return strings.Join(parts, ", ")
}
