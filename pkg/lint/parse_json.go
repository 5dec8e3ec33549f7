package lint

import (
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
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
	nl    []int // offsets of newlines, to turn decoder offsets into lines
	depth int
}

func parseJSON(file, text string) ([]*Object, error) {
	r := &jsonReader{file: file, dec: json.NewDecoder(strings.NewReader(text))}
	r.dec.UseNumber()
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			r.nl = append(r.nl, i)
		}
	}
	var objs []*Object
	// ConvertTo-Json output appended with >> holds several documents.
	for {
		n, err := r.value()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := r.collect(n, &objs, 0); err != nil {
			return nil, err
		}
	}
	return objs, nil
}

// collect takes the objects out of a document: one object, an array of
// them, or arrays nested once more (several cmdlets' output in one array).
func (r *jsonReader) collect(n *jnode, objs *[]*Object, depth int) error {
	switch {
	case n.isObj:
		*objs = append(*objs, r.object(n))
	case n.isArr && depth < 2:
		for _, e := range n.arr {
			if err := r.collect(e, objs, depth+1); err != nil {
				return err
			}
		}
	case n.null:
	default:
		return parseErrorf(r.file, n.line, "expected a JSON object or an array of objects as written by ConvertTo-Json")
	}
	return nil
}

func (r *jsonReader) lineAt(off int64) int {
	return sort.SearchInts(r.nl, int(off)) + 1
}

func (r *jsonReader) fail(err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
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

// value reads one JSON value. io.EOF is returned only between documents.
func (r *jsonReader) value() (*jnode, error) {
	tok, err := r.dec.Token()
	if errors.Is(err, io.EOF) && r.depth == 0 {
		return nil, io.EOF
	}
	if err != nil {
		return nil, r.fail(err)
	}
	n := &jnode{line: r.lineAt(r.dec.InputOffset())}
	switch t := tok.(type) {
	case json.Delim:
		r.depth++
		defer func() { r.depth-- }()
		if r.depth > maxXMLDepth {
			return nil, parseErrorf(r.file, n.line, "JSON nested deeper than %d levels", maxXMLDepth)
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
					p.Items = append(p.Items, s)
				}
			}
		case v.isObj:
			p.Value = jsonText(v)
		case !v.null:
			p.Value = enumText(k, v.str)
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
	b, _ := json.Marshal(n.plain())
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
