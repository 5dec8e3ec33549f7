package dnsbl

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Zones files are small hand-written YAML; the bounds keep a hostile file
// from costing more than a moment.
const (
	MaxZonesFile  = 1 << 20
	maxZonesLists = 500
)

// LoadZonesFile reads a zones file (YAML, documented in docs/dnsbl.md):
//
//	lists:
//	  - zone: bl.example.net
//	    match: bitmask
//	    bitmask: 0.0.0.12
//	    bits: {4: open relay, 8: spam source}
//	  - zone: zen            # a catalog list with the MTA's own rule
//	    exact: ["127.0.0.[2..11]"]
//
// Every error names the file and line.
func LoadZonesFile(name string, data []byte) ([]List, error) {
	if len(data) > MaxZonesFile {
		return nil, fmt.Errorf("%s: larger than %d KiB, which is not a zones file", name, MaxZonesFile>>10)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty zones file (want a \"lists:\" sequence)", name)
	}
	zf := &zonesFile{name: name}
	root := doc.Content[0]
	if err := zf.check(root, yaml.MappingNode, "the top level"); err != nil {
		return nil, err
	}
	var lists *yaml.Node
	err := zf.fields(root, func(key string, v *yaml.Node) error {
		if key != "lists" {
			return zf.errorf(v, "unknown top-level key %q (want lists)", key)
		}
		lists = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	if lists == nil {
		return nil, zf.errorf(root, "no \"lists:\" key")
	}
	if err := zf.check(lists, yaml.SequenceNode, "lists"); err != nil {
		return nil, err
	}
	if len(lists.Content) > maxZonesLists {
		return nil, zf.errorf(lists, "%d lists; at most %d are allowed", len(lists.Content), maxZonesLists)
	}
	out := make([]List, 0, len(lists.Content))
	for _, item := range lists.Content {
		l, err := zf.list(item)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return Merge(out)
}

type zonesFile struct{ name string }

func (zf *zonesFile) errorf(n *yaml.Node, format string, a ...any) error {
	return fmt.Errorf("%s:%d: %s", zf.name, n.Line, fmt.Sprintf(format, a...))
}

var nodeKinds = map[yaml.Kind]string{
	yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value",
}

// check insists on a node kind; aliases are refused outright, which also
// rules out alias-expansion bombs.
func (zf *zonesFile) check(n *yaml.Node, kind yaml.Kind, what string) error {
	if n.Kind == yaml.AliasNode {
		return zf.errorf(n, "YAML aliases are not supported in zones files")
	}
	if n.Kind != kind {
		return zf.errorf(n, "%s must be %s", what, nodeKinds[kind])
	}
	return nil
}

// fields walks a mapping's key/value pairs, refusing duplicate keys.
func (zf *zonesFile) fields(m *yaml.Node, f func(key string, v *yaml.Node) error) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if err := zf.check(k, yaml.ScalarNode, "a key"); err != nil {
			return err
		}
		if seen[k.Value] {
			return zf.errorf(k, "key %q given twice", k.Value)
		}
		seen[k.Value] = true
		if err := f(k.Value, v); err != nil {
			return err
		}
	}
	return nil
}

func (zf *zonesFile) scalar(v *yaml.Node, key string) (string, error) {
	if err := zf.check(v, yaml.ScalarNode, key); err != nil {
		return "", err
	}
	return strings.TrimSpace(v.Value), nil
}

func (zf *zonesFile) boolean(v *yaml.Node, key string) (bool, error) {
	s, err := zf.scalar(v, key)
	if err != nil {
		return false, err
	}
	b, perr := strconv.ParseBool(s)
	if perr != nil {
		return false, zf.errorf(v, "%s: want true or false, got %q", key, s)
	}
	return b, nil
}

// listFields are the keys a list entry may have, in documentation order.
var listFields = []string{"zone", "name", "kind", "allow", "ipv6", "match", "exact", "bitmask", "codes", "bits", "errors", "test", "test_clean", "lookup", "note"}

func (zf *zonesFile) list(item *yaml.Node) (List, error) {
	if err := zf.check(item, yaml.MappingNode, "each entry of lists"); err != nil {
		return List{}, err
	}
	raw := map[string]*yaml.Node{}
	err := zf.fields(item, func(key string, v *yaml.Node) error {
		if !slices.Contains(listFields, key) {
			return zf.errorf(v, "unknown key %q (want one of %s)", key, strings.Join(listFields, ", "))
		}
		raw[key] = v
		return nil
	})
	if err != nil {
		return List{}, err
	}
	zn, ok := raw["zone"]
	if !ok {
		return List{}, zf.errorf(item, "list entry without a zone")
	}
	zone, err := zf.scalar(zn, "zone")
	if err != nil {
		return List{}, err
	}
	l, err := baseList(zone)
	if err != nil {
		return List{}, zf.errorf(zn, "%v", err)
	}
	l.Source = fmt.Sprintf("%s:%d", zf.name, item.Line)
	for _, key := range listFields[1:] {
		v, ok := raw[key]
		if !ok {
			continue
		}
		if err := zf.apply(&l, key, v); err != nil {
			return List{}, err
		}
	}
	if err := zf.rule(&l, raw); err != nil {
		return List{}, err
	}
	if _, _, err := l.testEntries(); err != nil {
		return List{}, zf.errorf(item, "%v", err)
	}
	return l, nil
}

// apply sets one field; the matching rule is settled afterwards by rule,
// since match, exact and bitmask depend on each other.
func (zf *zonesFile) apply(l *List, key string, v *yaml.Node) error {
	switch key {
	case "name", "test", "test_clean", "lookup", "note":
		s, err := zf.scalar(v, key)
		if err != nil {
			return err
		}
		switch key {
		case "name":
			l.Name = s
		case "test":
			l.Test = s
		case "test_clean":
			l.TestClean = s
		case "lookup":
			l.Lookup = s
		default:
			l.Note = s
		}
	case "kind":
		s, err := zf.scalar(v, key)
		if err != nil {
			return err
		}
		if err := l.setKind(s); err != nil {
			return zf.errorf(v, "%v", err)
		}
	case "allow", "ipv6":
		b, err := zf.boolean(v, key)
		if err != nil {
			return err
		}
		if l.ID != "" {
			return zf.errorf(v, "%s is a catalog list; %s is fixed", l.Zone, key)
		}
		if key == "allow" {
			l.Allow = b
		} else {
			l.IPv6 = b
		}
	case "codes", "errors":
		m, err := zf.codeMap(v, key)
		if err != nil {
			return err
		}
		dst := &l.Codes
		if key == "errors" {
			dst = &l.Errors
		}
		*dst = withErrors(*dst, m)
	case "bits":
		return zf.bits(l, v)
	}
	return nil
}

func (zf *zonesFile) codeMap(m *yaml.Node, key string) (map[netip.Addr]string, error) {
	if err := zf.check(m, yaml.MappingNode, key); err != nil {
		return nil, err
	}
	out := map[netip.Addr]string{}
	err := zf.fields(m, func(k string, v *yaml.Node) error {
		a, err := netip.ParseAddr(k)
		if err != nil || !a.Is4() || !loopback8.Contains(a) {
			return zf.errorf(v, "%s: %q is not a return code in 127.0.0.0/8", key, k)
		}
		s, err := zf.scalar(v, key)
		out[a] = s
		return err
	})
	return out, err
}

func (zf *zonesFile) bits(l *List, m *yaml.Node) error {
	if err := zf.check(m, yaml.MappingNode, "bits"); err != nil {
		return err
	}
	if l.Bits == nil {
		l.Bits = map[uint8]string{}
	}
	return zf.fields(m, func(k string, v *yaml.Node) error {
		n, err := strconv.ParseUint(k, 10, 8)
		if err != nil || n == 0 || n&(n-1) != 0 {
			return zf.errorf(v, "bits: %q is not a single bit value (1, 2, 4 ... 128)", k)
		}
		s, err := zf.scalar(v, "bits")
		l.Bits[uint8(n)] = s
		return err
	})
}

// rule settles match, exact and bitmask: exact or bitmask alone imply their
// match, match alone must have what it needs.
func (zf *zonesFile) rule(l *List, raw map[string]*yaml.Node) error {
	mn, en, bn := raw["match"], raw["exact"], raw["bitmask"]
	if en != nil && bn != nil {
		return zf.errorf(bn, "give either exact or bitmask, not both")
	}
	match := ""
	if mn != nil {
		var err error
		if match, err = zf.scalar(mn, "match"); err != nil {
			return err
		}
	}
	switch {
	case match == "any" || (match == "" && en == nil && bn == nil):
		if en != nil || bn != nil {
			return zf.errorf(mn, "match: any takes no exact or bitmask")
		}
		if mn != nil {
			l.setRule(MatchAny, nil, 0)
		}
	case match == "exact" || (match == "" && en != nil):
		if en == nil {
			return zf.errorf(mn, "match: exact needs an exact: list of codes")
		}
		ps, err := zf.patterns(en)
		if err != nil {
			return err
		}
		l.setRule(MatchExact, ps, 0)
	case match == "bitmask" || (match == "" && bn != nil):
		if bn == nil {
			return zf.errorf(mn, "match: bitmask needs a bitmask: value such as 0.0.0.4")
		}
		s, err := zf.scalar(bn, "bitmask")
		if err != nil {
			return err
		}
		mask, perr := ParseBitmask(s)
		if perr != nil {
			return zf.errorf(bn, "%v", perr)
		}
		l.setRule(MatchBitmask, nil, mask)
	default:
		return zf.errorf(mn, "match %q: want any, exact or bitmask", match)
	}
	return nil
}

// patterns accepts a YAML list of codes or one comma-separated string.
func (zf *zonesFile) patterns(n *yaml.Node) ([]Pattern, error) {
	if n.Kind == yaml.ScalarNode {
		ps, err := parsePatternList(n.Value)
		if err != nil {
			return nil, zf.errorf(n, "exact: %v", err)
		}
		return ps, nil
	}
	if err := zf.check(n, yaml.SequenceNode, "exact"); err != nil {
		return nil, err
	}
	if len(n.Content) == 0 {
		return nil, zf.errorf(n, "exact: the list of codes is empty")
	}
	var out []Pattern
	for _, c := range n.Content {
		s, err := zf.scalar(c, "exact")
		if err != nil {
			return nil, err
		}
		p, perr := ParsePattern(s)
		if perr != nil {
			return nil, zf.errorf(c, "exact: %v", perr)
		}
		out = append(out, p)
	}
	return out, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns yaml.v3's "yaml: line N: msg" into "file:N: msg".
func yamlError(name string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s:%s: %s", name, m[1], m[2])
	}
	return fmt.Errorf("%s: %s", name, strings.TrimPrefix(msg, "yaml: "))
}
