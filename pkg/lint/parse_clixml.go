package lint

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// maxXMLDepth bounds nesting: real CliXml of Exchange objects is a dozen
// levels deep; hostile input could nest until the stack gives out.
const maxXMLDepth = 100

// xnode is a CliXml element with the line it starts on.
type xnode struct {
	name     string
	attrs    map[string]string
	text     string
	children []*xnode
	line     int
}

func (n *xnode) child(name string) *xnode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// cliXML resolves <Ref> and <TNRef>: later objects point at earlier ones
// by RefId instead of repeating them.
type cliXML struct {
	file  string
	types map[string][]string // TN RefId → type names
	refs  map[string]*xnode   // Obj RefId → the element
	// memo holds each referenced object's value once read, so a file full
	// of references costs no more than one without, and a reference cycle
	// ends in an empty value instead of a loop.
	memo map[string]*Prop
}

func parseCliXML(file, text string) ([]*Object, error) {
	root, err := readXML(file, text)
	if err != nil {
		return nil, err
	}
	if root.name != "Objs" {
		return nil, parseErrorf(file, root.line, "XML root element is <%s>, not <Objs>: not an Export-Clixml file", root.name)
	}
	c := &cliXML{file: file, types: map[string][]string{}, refs: map[string]*xnode{}, memo: map[string]*Prop{}}
	c.index(root)
	var objs []*Object
	for _, n := range root.children {
		if n.name != "Obj" {
			continue
		}
		objs = append(objs, c.object(n))
	}
	return objs, nil
}

func readXML(file, text string) (*xnode, error) {
	d := xml.NewDecoder(strings.NewReader(text))
	// The text is already UTF-8; a declaration saying utf-16 must not make
	// the decoder convert it again.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var stack []*xnode
	var root *xnode
	for {
		line, _ := d.InputPos()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, parseErrorf(file, se.Line, "XML syntax error: %s", se.Msg)
			}
			return nil, parseErrorf(file, line, "XML error: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return nil, parseErrorf(file, line, "XML nested deeper than %d elements", maxXMLDepth)
			}
			n := &xnode{name: t.Name.Local, attrs: map[string]string{}, line: line}
			for _, a := range t.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, parseErrorf(file, 1, "no XML element found")
	}
	return root, nil
}

// index records every TN and Obj by RefId before objects are read.
func (c *cliXML) index(n *xnode) {
	switch n.name {
	case "TN":
		var ts []string
		for _, t := range n.children {
			if t.name == "T" {
				ts = append(ts, strings.TrimSpace(t.text))
			}
		}
		c.types[n.attrs["RefId"]] = ts
	case "Obj":
		if id, ok := n.attrs["RefId"]; ok {
			c.refs[id] = n
		}
	}
	for _, ch := range n.children {
		c.index(ch)
	}
}

func (c *cliXML) typeNames(obj *xnode) []string {
	if tn := obj.child("TN"); tn != nil {
		return c.types[tn.attrs["RefId"]]
	}
	if tr := obj.child("TNRef"); tr != nil {
		return c.types[tr.attrs["RefId"]]
	}
	return nil
}

// object turns a top-level <Obj> into an object. Adapted properties live in
// <Props>; Select-Object output and PSCustomObjects keep theirs in <MS>.
func (c *cliXML) object(n *xnode) *Object {
	o := newObject(c.file, n.line)
	for _, set := range []string{"Props", "MS"} {
		ps := n.child(set)
		if ps == nil {
			continue
		}
		for _, e := range ps.children {
			name := e.attrs["N"]
			if name == "" || e.name == "BA" || strings.HasPrefix(name, "PS") || name == "RunspaceId" {
				continue
			}
			p := c.value(e)
			p.Name, p.Line = name, e.line
			o.set(p)
		}
	}
	var hint Kind
	for _, t := range c.typeNames(n) {
		if hint = kindFromType(t); hint != "" {
			break
		}
	}
	classify(o, hint)
	return o
}

// value interprets one CliXml value element.
func (c *cliXML) value(e *xnode) *Prop {
	switch e.name {
	case "Nil":
		return &Prop{}
	case "B":
		if strings.EqualFold(strings.TrimSpace(e.text), "true") {
			return &Prop{Value: "True"}
		}
		return &Prop{Value: "False"}
	case "SS":
		return &Prop{Value: redacted}
	case "Ref":
		target := c.refs[e.attrs["RefId"]]
		if target == nil {
			return &Prop{}
		}
		return c.objValue(target)
	case "Obj":
		return c.objValue(e)
	}
	return &Prop{Value: e.text}
}

func (c *cliXML) objValue(e *xnode) *Prop {
	id, hasID := e.attrs["RefId"]
	if hasID {
		if p, ok := c.memo[id]; ok {
			cp := *p
			return &cp
		}
		c.memo[id] = &Prop{}
	}
	p := c.readObj(e)
	if hasID {
		c.memo[id] = p
	}
	cp := *p
	return &cp
}

// readObj reads a nested object: a collection becomes a list, anything
// else its ToString, which is what Format-List would have shown. Flag enums
// arrive here as "Tls, BasicAuth" in ToString.
func (c *cliXML) readObj(e *xnode) *Prop {
	for _, coll := range []string{"LST", "IE", "STK", "QUE"} {
		l := e.child(coll)
		if l == nil {
			continue
		}
		p := &Prop{IsList: true, Items: []string{}}
		for _, item := range l.children {
			if v := c.value(item); v.Value != "" {
				p.Items = append(p.Items, v.Value)
			}
		}
		return p
	}
	if ts := e.child("ToString"); ts != nil {
		return &Prop{Value: ts.text}
	}
	for _, t := range c.typeNames(e) {
		if strings.HasSuffix(t, "PSCredential") {
			return &Prop{Value: redacted}
		}
	}
	for _, k := range []string{"I32", "I64", "S"} {
		if v := e.child(k); v != nil {
			return &Prop{Value: v.text}
		}
	}
	return &Prop{}
}
