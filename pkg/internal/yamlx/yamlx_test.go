package yamlx

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "f.yaml", Msg: "empty"}, "f.yaml: empty"},
		{Error{File: "f.yaml", Line: 3, Msg: "bad"}, "f.yaml:3: bad"},
		{Error{File: "f.yaml", Line: 3, Column: 7, Msg: "bad"}, "f.yaml:3:7: bad"},
		{Error{File: "f.yaml", Column: 7, Msg: "odd"}, "f.yaml: odd"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		f    File
		in   string
		// want is the error; "" means none, and then root says whether a
		// root node comes back.
		want string
		root bool
	}{
		{"mapping", File{}, "a: 1\n", "", true},
		{"list", File{}, "- a\n- b\n", "", true},
		{"scalar", File{}, "just text\n", "", true},
		{"explicit null", File{}, "~\n", "", true},
		{"first document only", File{}, "a: 1\n---\nb: *x\n", "", true},
		{"nothing", File{}, "", "", false},
		{"only comments", File{}, "# nothing\n\n# yet\n", "", false},
		{"bare document marker", File{}, "---\n", "", false},
		{"at the limit", File{MaxBytes: 8}, "a: 12345", "", true},
		{"over the limit", File{MaxBytes: 8}, "a: 123456", "f.yaml: larger than 8 bytes, too big for a hand-written file", false},
		{"over the limit in KiB", File{MaxBytes: 2048}, "#" + strings.Repeat("x", 2048), "f.yaml: larger than 2 KiB, too big for a hand-written file", false},
		{"over the default limit", File{}, "#" + strings.Repeat("x", DefaultMaxBytes), "f.yaml: larger than 1024 KiB, too big for a hand-written file", false},
		{"syntax error line", File{}, "a: 1\nb: [\n", "f.yaml:2: not valid YAML: did not find expected node content", false},
		{"syntax error in a mapping", File{}, "lists:\n  - zone: x\n    name: a: b\n", "f.yaml:3: not valid YAML: mapping values are not allowed in this context", false},
		{"tab indentation", File{}, "a:\n\tb\n", "f.yaml:2: not valid YAML: found character that cannot start any token", false},
		{"syntax error without a line", File{}, "a: \x00\n", "f.yaml: not valid YAML: control characters are not allowed", false},
		{"unknown anchor", File{}, "a: *b\n", "f.yaml: not valid YAML: unknown anchor 'b' referenced", false},
		{"anchor alone", File{}, "a: &x 1\nb: 2\n", "f.yaml:1:4: anchors and aliases are not supported; write each value out", false},
		{"anchor and alias", File{}, "a: &x [1, 2]\nb: *x\n", "f.yaml:1:4: anchors and aliases are not supported", false},
		{"anchor deep down", File{}, "a:\n  - b:\n      c: &x {d: 1}\n", "f.yaml:3:10: anchors and aliases are not supported", false},
		{"anchored key", File{}, "&k a: 1\n", "f.yaml:1:1: anchors and aliases are not supported", false},
		{"anchored root", File{}, "&r {a: 1}\n", "f.yaml:1:1: anchors and aliases are not supported", false},
		{"merge key", File{}, "base: &b {a: 1}\nother:\n  <<: *b\n", "f.yaml:1:7: anchors and aliases are not supported", false},
		{"hint", File{AliasHint: "use defaults"}, "a: &x 1\n", "f.yaml:1:4: anchors and aliases are not supported; write each value out (use defaults)", false},
		{"alias bomb", File{}, "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n", "f.yaml:1:4: anchors and aliases are not supported", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			f.Name = "f.yaml"
			root, err := f.Parse([]byte(tt.in))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if (root != nil) != tt.root {
					t.Fatalf("root %v, want a root: %v", root, tt.root)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if root != nil {
				t.Errorf("root %v returned with an error", root)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got  %q\nwant %q...", err, tt.want)
			}
		})
	}
}

// node parses one YAML document for the accessor tests.
func node(t *testing.T, src string) *yaml.Node {
	t.Helper()
	root, err := File{Name: "t.yaml"}.Parse([]byte(src))
	if err != nil || root == nil {
		t.Fatalf("%q: %v", src, err)
	}
	return root
}

func TestKindName(t *testing.T) {
	tests := []struct{ src, want string }{
		{"[a]", "a list"},
		{"{a: b}", "a mapping"},
		{"word", `the value "word"`},
		{"'two words'", `the value "two words"`},
		{"12", `the value "12"`},
		{"~", `the value "~"`},
		{strings.Repeat("x", 100), `the value "` + strings.Repeat("x", 60) + `..."`},
	}
	for _, tt := range tests {
		if got := KindName(node(t, tt.src)); got != tt.want {
			t.Errorf("%q: %s, want %s", tt.src, got, tt.want)
		}
	}
	empty := node(t, "a:\n").Content[1]
	if got := KindName(empty); got != "an empty value" {
		t.Errorf("a: with no value is %s, want an empty value", got)
	}
	if got := KindName(&yaml.Node{Kind: yaml.AliasNode}); got != "an alias" {
		t.Errorf("alias: %s", got)
	}
}

func TestScalar(t *testing.T) {
	f := File{Name: "t.yaml"}
	tests := []struct{ src, want, err string }{
		{"a: word", "word", ""},
		{"a: ' padded '", " padded ", ""},
		{"a: |\n  two\n  lines\n", "two\nlines\n", ""},
		{"a:", "", ""},
		{"a: 12", "12", ""},
		{"a: [x]", "", "t.yaml:1:4: a: want a single value, not a list"},
		{"a:\n  b: c\n", "", "t.yaml:2:3: a: want a single value, not a mapping"},
	}
	for _, tt := range tests {
		v := node(t, tt.src).Content[1]
		got, err := f.Scalar(v, "a")
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: error %v, want %q", tt.src, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
}

func TestBool(t *testing.T) {
	f := File{Name: "t.yaml"}
	tests := []struct {
		src  string
		want bool
		err  string
	}{
		{"b: true", true, ""},
		{"b: false", false, ""},
		{"b: TRUE", true, ""},
		{"b: False", false, ""},
		{`b: "true"`, true, ""},
		{"b: yes", false, `t.yaml:1:4: b: want true or false, not the value "yes"`},
		{"b: 1", false, `t.yaml:1:4: b: want true or false, not the value "1"`},
		{"b:", false, "t.yaml:1:3: b: want true or false, not an empty value"},
		{"b: [true]", false, "t.yaml:1:4: b: want true or false, not a list"},
		{"b: {x: true}", false, "t.yaml:1:4: b: want true or false, not a mapping"},
	}
	for _, tt := range tests {
		v := node(t, tt.src).Content[1]
		got, err := f.Bool(v, "b")
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: error %v, want %q", tt.src, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %v, %v; want %v", tt.src, got, err, tt.want)
		}
	}
}

func TestList(t *testing.T) {
	f := File{Name: "t.yaml"}
	tests := []struct {
		src   string
		limit int
		n     int
		err   string
	}{
		{"l: [a, b, c]", 3, 3, ""},
		{"l: [a, b, c]", 0, 3, ""},
		{"l: []", 1, 0, ""},
		{"l:\n  - a\n  - [b]\n", 5, 2, ""},
		{"l: [a, b, c]", 2, 0, "t.yaml:1:4: l: 3 entries, more than the 2 allowed"},
		{"l: a", 2, 0, `t.yaml:1:4: l: want a list, not the value "a"`},
		{"l: {a: b}", 2, 0, "t.yaml:1:4: l: want a list, not a mapping"},
		{"l:", 2, 0, "t.yaml:1:3: l: want a list, not an empty value"},
	}
	for _, tt := range tests {
		v := node(t, tt.src).Content[1]
		got, err := f.List(v, "l", tt.limit)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: error %v, want %q", tt.src, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != tt.n {
			t.Errorf("%q: %d entries, %v; want %d", tt.src, len(got), err, tt.n)
		}
	}
}

func TestEach(t *testing.T) {
	f := File{Name: "t.yaml"}
	words := func(e *yaml.Node) (string, error) {
		s, err := f.Scalar(e, "l")
		if err == nil && strings.Contains(s, " ") {
			err = f.Errorf(e, "l: %q is more than one word", s)
		}
		return s, err
	}
	tests := []struct {
		src   string
		limit int
		want  string
		err   string
	}{
		{"l: [a, b, c]", 3, "a b c", ""},
		{"l: []", 3, "", ""},
		{"l: [a, b, c]", 2, "", "t.yaml:1:4: l: 3 entries, more than the 2 allowed"},
		{"l: a", 0, "", `t.yaml:1:4: l: want a list, not the value "a"`},
		{"l:\n  - a\n  - [b]\n  - c d\n", 0, "", "t.yaml:3:5: l: want a single value, not a list"},
		{"l:\n  - a\n  - c d\n  - [b]\n", 0, "", `t.yaml:3:5: l: "c d" is more than one word`},
	}
	for _, tt := range tests {
		got, err := Each(f, node(t, tt.src).Content[1], "l", tt.limit, words)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err || got != nil {
				t.Errorf("%q: %q, error %v; want %q", tt.src, got, err, tt.err)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != tt.want {
			t.Errorf("%q: %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
}

func TestMapping(t *testing.T) {
	f := File{Name: "t.yaml"}
	known := []string{"a", "b", "c"}
	tests := []struct {
		src   string
		known []string
		keys  string
		err   string
	}{
		{"{a: 1, c: 2}", known, "a c", ""},
		{"c: 1\na: 2\n", known, "c a", ""},
		{"{}", known, "", ""},
		{"{x: 1, y: 2}", nil, "x y", ""},
		{"a: 1\nd: 2\n", known, "", `t.yaml:2:1: unknown key "d" in m (known keys: a, b, c)`},
		{"a: 1\nb: 2\na: 3\n", known, "", `t.yaml:3:1: m: key "a" given twice (first at line 1)`},
		{"x: 1\nx: 2\n", nil, "", `t.yaml:2:1: m: key "x" given twice (first at line 1)`},
		{"? [a]\n: 1\n", known, "", "t.yaml:1:3: m: want a single value as a key, not a list"},
		{"? {a: 1}\n: 1\n", nil, "", "t.yaml:1:3: m: want a single value as a key, not a mapping"},
		{"[a, b]", known, "", "t.yaml:1:1: m: want a mapping of keys, not a list"},
		{"text", known, "", `t.yaml:1:1: m: want a mapping of keys, not the value "text"`},
		{strings.Repeat("k", 80) + ": 1", known, "", `t.yaml:1:1: unknown key "` + strings.Repeat("k", 60) + `..." in m`},
	}
	for _, tt := range tests {
		fs, err := f.Mapping(node(t, tt.src), "m", tt.known)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.src, err, tt.err)
			}
			continue
		}
		var keys []string
		for _, f := range fs {
			keys = append(keys, f.Key.Value)
		}
		if err != nil || strings.Join(keys, " ") != tt.keys {
			t.Errorf("%q: keys %q, %v; want %q", tt.src, keys, err, tt.keys)
		}
	}
}

func TestFieldsGet(t *testing.T) {
	fs, err := File{Name: "t.yaml"}.Mapping(node(t, "a: 1\nb: [2]\n"), "m", nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := fs.Get("b"); !ok || b.Val.Kind != yaml.SequenceNode || b.Key.Line != 2 {
		t.Errorf("Get(b) = %+v, %v", b, ok)
	}
	if c, ok := fs.Get("c"); ok || c.Key != nil || c.Val != nil {
		t.Errorf("Get(c) = %+v, %v; want nothing", c, ok)
	}
}

func TestErrorfAndWhere(t *testing.T) {
	f := File{Name: "t.yaml"}
	v := node(t, "a:\n  b: c\n").Content[1]
	if err := f.Errorf(v, "%s is wrong", "b"); err.Error() != "t.yaml:2:3: b is wrong" {
		t.Errorf("Errorf at a node: %v", err)
	}
	if err := f.Errorf(nil, "empty"); err.Error() != "t.yaml: empty" {
		t.Errorf("Errorf about the file: %v", err)
	}
	if got := f.Where(v); got != "t.yaml:2" {
		t.Errorf("Where: %q", got)
	}
}
