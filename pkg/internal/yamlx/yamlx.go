// Package yamlx reads small hand-written YAML configuration files (check
// specs, SMTP scripts, DNSBL zones files) as gopkg.in/yaml.v3 node trees and
// reports every mistake where it is, as FILE:LINE[:COLUMN]: message.
//
// File.Parse refuses input over a size limit and refuses YAML anchors and
// aliases: a hand-written file has no need for them, and expanding them is
// how a small YAML file becomes a huge one. YAML syntax errors keep the
// parser's line number. The accessors (Scalar, Bool, List, Mapping) check
// a node's kind and, when it is the wrong one, say what was expected and
// what was written instead, at that node.
//
// What the package does not do: map YAML onto structs (callers walk the
// nodes, so that each mistake can name its place and the keys a mapping
// may hold) or write YAML.
package yamlx

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultMaxBytes is the size limit when File.MaxBytes is not set.
const DefaultMaxBytes = 1 << 20

// maxQuoted bounds how much of a value an error quotes, so a message stays
// one readable line.
const maxQuoted = 60

// Error points at the place in a file that is wrong. Line and Column are
// 1-based; 0 means unknown (Column is 0 for YAML syntax errors, both are 0
// for what concerns the whole file).
type Error struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// File reads one YAML file; its methods return *Error values naming it.
type File struct {
	// Name is the file as errors name it.
	Name string
	// MaxBytes is the largest input Parse accepts; 0 is DefaultMaxBytes.
	MaxBytes int
	// AliasHint, if set, is added in parentheses to the error about
	// anchors and aliases, to say what to write instead.
	AliasHint string
}

// Errorf returns an *Error at n, or about the whole file when n is nil.
func (f File) Errorf(n *yaml.Node, format string, a ...any) error {
	e := &Error{File: f.Name, Msg: fmt.Sprintf(format, a...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// Where names n's line as FILE:LINE, the form findings cite.
func (f File) Where(n *yaml.Node) string { return fmt.Sprintf("%s:%d", f.Name, n.Line) }

// Parse reads data as one YAML document and returns its root node. It
// refuses data larger than MaxBytes, YAML syntax errors (at the parser's
// line) and anchors and aliases anywhere in the tree.
//
// An empty document (nothing, only comments, or a bare "---") is not an
// error here: Parse returns a nil root and a nil error, and the caller
// says what the file should hold.
func (f File) Parse(data []byte) (*yaml.Node, error) {
	limit := f.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if len(data) > limit {
		return nil, f.Errorf(nil, "larger than %s, too big for a hand-written file", size(limit))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, f.syntaxError(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" && root.Value == "" && root.Anchor == "" {
		return nil, nil
	}
	if err := f.noAliases(root); err != nil {
		return nil, err
	}
	return root, nil
}

func size(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// syntaxError turns yaml.v3's "yaml: line N: msg" into FILE:N: msg.
func (f File) syntaxError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "\n", " ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil && n > 0 {
				return &Error{File: f.Name, Line: n, Msg: "not valid YAML: " + tail}
			}
		}
	}
	return &Error{File: f.Name, Msg: "not valid YAML: " + msg}
}

// noAliases refuses the first anchor or alias, in document order.
func (f File) noAliases(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		msg := "anchors and aliases are not supported; write each value out"
		if f.AliasHint != "" {
			msg += " (" + f.AliasHint + ")"
		}
		return f.Errorf(n, "%s", msg)
	}
	for _, c := range n.Content {
		if err := f.noAliases(c); err != nil {
			return err
		}
	}
	return nil
}

// KindName says what n is, for "want X, not Y" messages: "a list",
// "a mapping", "an empty value" or the value "..." quoted (shortened).
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	case yaml.ScalarNode:
		if n.Tag == "!!null" && n.Value == "" {
			return "an empty value"
		}
		return fmt.Sprintf("the value %q", Short(n.Value))
	}
	return "nothing"
}

// Short cuts a value down to what an error message quotes.
func Short(s string) string {
	if len(s) > maxQuoted {
		return s[:maxQuoted] + "..."
	}
	return s
}

// Scalar returns the value of a single-value node as written; an empty
// value (key:) is "". Trimming and refusing empty values is the caller's
// choice. what names the value in the error ("domain", "steps").
func (f File) Scalar(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", f.Errorf(n, "%s: want a single value, not %s", what, KindName(n))
	}
	return n.Value, nil
}

// Bool reads true or false, in any case, quoted or not. yes, no, 1 and 0
// are refused: they read as booleans in some YAML versions and not others.
func (f File) Bool(n *yaml.Node, what string) (bool, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!bool" || n.Tag == "!!str") {
		switch strings.ToLower(strings.TrimSpace(n.Value)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, f.Errorf(n, "%s: want true or false, not %s", what, KindName(n))
}

// List returns the entries of a list node, refusing more than limit of
// them (limit <= 0: no limit). An empty list is returned as such; whether that is
// a mistake is the caller's to say.
func (f File) List(n *yaml.Node, what string, limit int) ([]*yaml.Node, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, f.Errorf(n, "%s: want a list, not %s", what, KindName(n))
	}
	if limit > 0 && len(n.Content) > limit {
		return nil, f.Errorf(n, "%s: %d entries, more than the %d allowed", what, len(n.Content), limit)
	}
	return n.Content, nil
}

// Each reads a list of at most limit entries (limit <= 0: no limit) and
// converts every entry with read, which reports an entry's mistakes at the
// entry; the first error stops the walk.
func Each[T any](f File, n *yaml.Node, what string, limit int, read func(e *yaml.Node) (T, error)) ([]T, error) {
	entries, err := f.List(n, what, limit)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(entries))
	for _, e := range entries {
		v, err := read(e)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Field is one entry of a mapping: the key and its value, with their
// positions.
type Field struct{ Key, Val *yaml.Node }

// Fields are a mapping's entries in the order written, so the first
// mistake in the file is the one reported.
type Fields []Field

// Get returns the entry with key, if there is one.
func (fs Fields) Get(key string) (Field, bool) {
	for _, f := range fs {
		if f.Key.Value == key {
			return f, true
		}
	}
	return Field{}, false
}

// Mapping checks that n is a mapping whose keys are single values, each
// given once and, when known is not nil, one of known; the error for an
// unknown key lists the known ones. what names the mapping ("the top
// level", "a domains entry").
func (f File) Mapping(n *yaml.Node, what string, known []string) (Fields, error) {
	if n.Kind != yaml.MappingNode {
		return nil, f.Errorf(n, "%s: want a mapping of keys, not %s", what, KindName(n))
	}
	out := make(Fields, 0, len(n.Content)/2)
	first := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			return nil, f.Errorf(k, "%s: want a single value as a key, not %s", what, KindName(k))
		}
		if known != nil && !slices.Contains(known, k.Value) {
			return nil, f.Errorf(k, "unknown key %q in %s (known keys: %s)", Short(k.Value), what, strings.Join(known, ", "))
		}
		if line, dup := first[k.Value]; dup {
			return nil, f.Errorf(k, "%s: key %q given twice (first at line %d)", what, Short(k.Value), line)
		}
		first[k.Value] = k.Line
		out = append(out, Field{Key: k, Val: n.Content[i+1]})
	}
	return out, nil
}
