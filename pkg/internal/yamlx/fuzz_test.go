package yamlx

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzParse: any input either parses, with no anchor or alias left in the
// tree, or fails with a one-line *Error naming the file; the accessors then
// never panic on any node of the tree.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "# only a comment\n", "---\n", "~\n", "a: 1\n",
		"version: 1\ndefaults: {spf: true}\ndomains:\n  - domain: a.example\n    mx: [\"10 mx.a.example\"]\n",
		"steps:\n  - ehlo\n  - rcpt: a@b.example\n    expect: 550\n",
		"lists:\n  - zone: bl.example\n    bits: {4: a, 8: b}\n    exact: [127.0.0.2]\n",
		"a: &x [1]\nb: *x\n", "a: *missing\n", "? [a]\n: b\n", "<<: {a: 1}\n",
		"a: [\n", "a:\n\tb\n", "a: \x00\n", "a: b: c\n", "a: 1\na: 2\n",
		"- [[[[[[[[[[]]]]]]]]]]\n", "'unterminated\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file := File{Name: "f.yaml", MaxBytes: 4096, AliasHint: "hint"}
		root, err := file.Parse(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "f.yaml:") {
				t.Fatalf("error is not an *Error naming the file: %v", err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			if root != nil {
				t.Fatal("root returned with an error")
			}
			return
		}
		if root == nil {
			return
		}
		walk(t, file, root, 0)
	})
}

// walk calls every accessor on every node: they either succeed or return
// an error at a line, and never panic.
func walk(t *testing.T, f File, n *yaml.Node, depth int) {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		t.Fatalf("anchor or alias left at line %d", n.Line)
	}
	if depth > 10000 {
		t.Fatal("tree deeper than yaml.v3 allows")
	}
	check := func(err error) {
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Line < 1 || e.Column < 1 {
			t.Fatalf("accessor error without a position: %v", err)
		}
	}
	_, err := f.Scalar(n, "x")
	check(err)
	_, err = f.Bool(n, "x")
	check(err)
	_, err = f.List(n, "x", 3)
	check(err)
	_, err = Each(f, n, "x", 0, func(e *yaml.Node) (bool, error) { return f.Bool(e, "x") })
	check(err)
	_, err = f.Mapping(n, "x", []string{"a", "b"})
	check(err)
	fs, err := f.Mapping(n, "x", nil)
	check(err)
	if err == nil {
		fs.Get("a")
	}
	_ = KindName(n)
	_ = f.Where(n)
	for _, c := range n.Content {
		walk(t, f, c, depth+1)
	}
}
