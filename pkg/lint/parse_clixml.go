package lint

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// maxXMLDepth bounds nesting: real CliXml of Exchange objects is a dozen
// levels deep; hostile input could nest until the stack gives out.
const maxXMLDepth = 100

// The CliXml reader streams: it keeps no element tree, only the element
// path it is in and, for each open element, what its value will need. A
// finished top-level <Obj> becomes an Object at once. What outlives an
// element is the value of every <Obj RefId>, because a later <Ref> may
// point at it: PowerShell writes an object once per file and refers back
// to it, never forward.

// xframe is one open element.
type xframe struct {
	name string
	line int
	// n is the N attribute: the property name of a member of <Props>/<MS>.
	n string
	// id is RefId: of an <Obj>, or the target of <Ref>, <TN>, <TNRef>.
	id    string
	hasID bool
	text  []byte
	// keepText is false for containers, whose character data is only the
	// indentation between their children.
	keepText bool
	// obj collects what an <Obj> needs to compute its value.
	obj *xobj
	// items collects the values of a collection's elements (<LST> and the
	// other collections), or a <TN>'s type names.
	items []string
	// props collects the members of <Props> or <MS> of a top-level <Obj>.
	props []*Prop
}

// xobj is what an open <Obj> has seen among its children. Each slot holds
// the first such child, which is what Export-Clixml readers use.
type xobj struct {
	colls       [4][]string // LST, IE, STK, QUE
	hasColl     [4]bool
	toString    string
	hasToString bool
	tn, tnRef   string // RefIds of the type-name block or reference
	hasTN       bool
	hasTNRef    bool
	scalars     [3]string // I32, I64, S
	hasScalar   [3]bool
	// Members of <Props> and <MS>, for a top-level object only.
	props, ms       []*Prop
	hasProps, hasMS bool
}

var collections = [4]string{"LST", "IE", "STK", "QUE"}
var scalarNames = [3]string{"I32", "I64", "S"}

// containers are elements whose own text is never a value.
var containers = map[string]bool{
	"Objs": true, "Obj": true, "Props": true, "MS": true, "TN": true,
	"LST": true, "IE": true, "STK": true, "QUE": true, "DCT": true,
}

type cliXML struct {
	file  string
	types map[string][]string // TN RefId → type names
	// refs holds the value of every <Obj RefId> read so far, for <Ref>.
	refs   map[string]refValue
	intern interner
	stack  []*xframe
	free   []*xframe
	objs   []*Object
	// badRoot is kept until the end: a syntax error later in the file is
	// reported first, as it is for any other XML.
	badRoot *ParseError
}

// refValue is a referenced object's value: a scalar or a list.
type refValue struct {
	value  string
	items  []string
	isList bool
}

func (v refValue) prop() *Prop {
	return &Prop{Value: v.value, Items: v.items, IsList: v.isList}
}

func parseCliXML(file string, r io.Reader) ([]*Object, error) {
	d := xml.NewDecoder(r)
	// The text is already UTF-8; a declaration saying utf-16 must not make
	// the decoder convert it again.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	c := &cliXML{file: file, types: map[string][]string{}, refs: map[string]refValue{}, intern: newInterner()}
	rootSeen := false
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
			var tl *TooLargeError
			if errors.As(err, &tl) {
				return nil, tl
			}
			return nil, parseErrorf(file, line, "XML error: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(c.stack) >= maxXMLDepth {
				return nil, parseErrorf(file, line, "XML nested deeper than %d elements", maxXMLDepth)
			}
			if len(c.stack) == 0 {
				if !rootSeen && t.Name.Local != "Objs" {
					c.badRoot = parseErrorf(file, line, "XML root element is <%s>, not <Objs>: not an Export-Clixml file", t.Name.Local)
				}
				if rootSeen || c.badRoot != nil {
					// Only the first root holds objects; anything after it,
					// or under a wrong one, is read for syntax only.
					t.Name.Local = ""
				}
				rootSeen = true
			}
			c.start(t, line)
		case xml.EndElement:
			c.end()
		case xml.CharData:
			if n := len(c.stack); n > 0 && c.stack[n-1].keepText {
				c.stack[n-1].text = append(c.stack[n-1].text, t...)
			}
		}
	}
	switch {
	case !rootSeen:
		return nil, parseErrorf(file, 1, "no XML element found")
	case c.badRoot != nil:
		return nil, c.badRoot
	}
	return c.objs, nil
}

func (c *cliXML) start(t xml.StartElement, line int) {
	var f *xframe
	if n := len(c.free); n > 0 {
		f, c.free = c.free[n-1], c.free[:n-1]
	} else {
		f = &xframe{}
	}
	f.name, f.line, f.keepText = c.intern.get(t.Name.Local), line, !containers[t.Name.Local]
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "N":
			f.n = c.intern.get(a.Value)
		case "RefId":
			f.id, f.hasID = a.Value, true
		}
	}
	if f.name == "Obj" {
		f.obj = &xobj{}
	}
	c.stack = append(c.stack, f)
}

// parent is the element enclosing the top of the stack, or nil.
func (c *cliXML) parent() *xframe {
	if len(c.stack) < 2 {
		return nil
	}
	return c.stack[len(c.stack)-2]
}

// end closes the top element and hands what it means to its parent.
func (c *cliXML) end() {
	f := c.stack[len(c.stack)-1]
	parent := c.parent()
	c.stack = c.stack[:len(c.stack)-1]
	defer c.release(f)
	if parent == nil {
		return
	}
	switch f.name {
	case "TN":
		c.types[f.id] = f.items
	case "T":
		if parent.name == "TN" {
			parent.items = append(parent.items, c.intern.bytes(bytes.TrimSpace(f.text)))
		}
	}
	var grand *xframe
	if len(c.stack) >= 2 {
		grand = c.stack[len(c.stack)-2]
	}
	switch {
	case parent.name == "Objs" && f.name == "Obj" && len(c.stack) == 1 && c.badRoot == nil:
		c.objs = append(c.objs, c.object(f))
		c.value(f) // a later <Ref> may point at it
		return
	case parent.obj != nil:
		c.child(parent.obj, f)
	case (parent.name == "Props" || parent.name == "MS") && grand != nil && grand.obj != nil && len(c.stack) == 3:
		c.member(parent, f)
	case isCollection(parent.name) && grand != nil && grand.obj != nil:
		if v := c.value(f); !v.isList && v.value != "" {
			parent.items = append(parent.items, v.value)
		}
	case f.name == "Obj":
		// An object where no reader looks for a value: it may still be
		// the target of a <Ref>.
		c.value(f)
	}
}

// release keeps a closed element's frame for the next one; what it
// collected now belongs to its parent, and only the text buffer, always
// copied out, is reused.
func (c *cliXML) release(f *xframe) {
	*f = xframe{text: f.text[:0]}
	c.free = append(c.free, f)
}

func isCollection(name string) bool {
	for _, n := range collections {
		if n == name {
			return true
		}
	}
	return false
}

// child records what a direct child of an <Obj> contributes to it.
func (c *cliXML) child(o *xobj, f *xframe) {
	for i, n := range collections {
		if f.name == n {
			keepFirst(&o.colls[i], &o.hasColl[i], f.items)
		}
	}
	for i, n := range scalarNames {
		if f.name == n {
			keepFirst(&o.scalars[i], &o.hasScalar[i], c.intern.bytes(f.text))
		}
	}
	switch f.name {
	case "ToString":
		keepFirst(&o.toString, &o.hasToString, c.intern.bytes(f.text))
	case "TN":
		keepFirst(&o.tn, &o.hasTN, f.id)
	case "TNRef":
		keepFirst(&o.tnRef, &o.hasTNRef, f.id)
	case "Props":
		keepFirst(&o.props, &o.hasProps, f.props)
	case "MS":
		keepFirst(&o.ms, &o.hasMS, f.props)
	case "Obj":
		c.value(f)
	}
}

// keepFirst fills a slot unless an earlier child did.
func keepFirst[T any](slot *T, seen *bool, v T) {
	if !*seen {
		*slot, *seen = v, true
	}
}

// member reads one property of a top-level object. Adapted properties
// live in <Props>; Select-Object output and PSCustomObjects keep theirs in
// <MS>.
func (c *cliXML) member(set, e *xframe) {
	if e.n == "" || e.name == "BA" || strings.HasPrefix(e.n, "PS") || e.n == "RunspaceId" {
		if e.name == "Obj" {
			c.value(e)
		}
		return
	}
	p := c.value(e).prop()
	p.Name, p.Line = e.n, e.line
	set.props = append(set.props, p)
}

// value interprets one CliXml value element; an <Obj> with a RefId is
// remembered for the <Ref>s that follow.
func (c *cliXML) value(e *xframe) refValue {
	switch e.name {
	case "Nil":
		return refValue{}
	case "B":
		if bytes.EqualFold(bytes.TrimSpace(e.text), []byte("true")) {
			return refValue{value: "True"}
		}
		return refValue{value: "False"}
	case "SS":
		return refValue{value: redacted}
	case "Ref":
		return c.refs[e.id]
	case "Obj":
		v := c.readObj(e.obj)
		if e.hasID {
			if v.value == "" && !v.isList {
				// An empty value is what a missing reference gives too.
				delete(c.refs, e.id)
			} else {
				c.refs[e.id] = v
			}
		}
		return v
	}
	return refValue{value: c.intern.bytes(e.text)}
}

func (c *cliXML) typeNames(o *xobj) []string {
	switch {
	case o.hasTN:
		return c.types[o.tn]
	case o.hasTNRef:
		return c.types[o.tnRef]
	}
	return nil
}

// readObj reads a nested object: a collection becomes a list, anything
// else its ToString, which is what Format-List would have shown. Flag enums
// arrive here as "Tls, BasicAuth" in ToString.
func (c *cliXML) readObj(o *xobj) refValue {
	for i := range collections {
		if o.hasColl[i] {
			items := o.colls[i]
			if items == nil {
				items = []string{}
			}
			return refValue{isList: true, items: items}
		}
	}
	if o.hasToString {
		return refValue{value: o.toString}
	}
	for _, t := range c.typeNames(o) {
		if strings.HasSuffix(t, "PSCredential") {
			return refValue{value: redacted}
		}
	}
	for i := range scalarNames {
		if o.hasScalar[i] {
			return refValue{value: o.scalars[i]}
		}
	}
	return refValue{}
}

// object turns a finished top-level <Obj> into an object.
func (c *cliXML) object(f *xframe) *Object {
	o := newObject(c.file, f.line)
	for _, p := range f.obj.props {
		o.set(p)
	}
	for _, p := range f.obj.ms {
		o.set(p)
	}
	var hint Kind
	for _, t := range c.typeNames(f.obj) {
		if hint = kindFromType(t); hint != "" {
			break
		}
	}
	classify(o, hint)
	return o
}
