package dnsbl

import (
	"net/netip"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mailflowkit/mailflow/pkg/internal/yamlx"
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
// Every error names the file, line and column; YAML anchors and aliases
// are refused.
func LoadZonesFile(name string, data []byte) ([]List, error) {
	zf := zonesFile{yamlx.File{Name: name, MaxBytes: MaxZonesFile}}
	root, err := zf.Parse(data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, zf.Errorf(nil, "empty zones file (want a \"lists:\" sequence)")
	}
	top, err := zf.Mapping(root, "the top level", []string{"lists"})
	if err != nil {
		return nil, err
	}
	lists, ok := top.Get("lists")
	if !ok {
		return nil, zf.Errorf(root, "no \"lists:\" key")
	}
	out, err := yamlx.Each(zf.File, lists.Val, "lists", maxZonesLists, zf.list)
	if err != nil {
		return nil, err
	}
	return Merge(out)
}

// zonesFile reads a zones file's nodes; yamlx.File names the file in
// errors.
type zonesFile struct{ yamlx.File }

// scalar reads a single value, trimmed.
func (zf zonesFile) scalar(v *yaml.Node, key string) (string, error) {
	s, err := zf.Scalar(v, key)
	return strings.TrimSpace(s), err
}

// listFields are the keys a list entry may have, in documentation order.
var listFields = []string{"zone", "name", "kind", "allow", "ipv6", "match", "exact", "bitmask", "codes", "bits", "errors", "test", "test_clean", "lookup", "note"}

func (zf zonesFile) list(item *yaml.Node) (List, error) {
	fs, err := zf.Mapping(item, "a lists entry", listFields)
	if err != nil {
		return List{}, err
	}
	zn, ok := fs.Get("zone")
	if !ok {
		return List{}, zf.Errorf(item, "list entry without a zone")
	}
	zone, err := zf.scalar(zn.Val, "zone")
	if err != nil {
		return List{}, err
	}
	l, err := baseList(zone)
	if err != nil {
		return List{}, zf.Errorf(zn.Val, "%v", err)
	}
	l.Source = zf.Where(item)
	for _, key := range listFields[1:] {
		f, ok := fs.Get(key)
		if !ok {
			continue
		}
		if err := zf.apply(&l, key, f.Val); err != nil {
			return List{}, err
		}
	}
	if err := zf.rule(&l, fs); err != nil {
		return List{}, err
	}
	if _, _, err := l.testEntries(); err != nil {
		return List{}, zf.Errorf(item, "%v", err)
	}
	return l, nil
}

// apply sets one field; the matching rule is settled afterwards by rule,
// since match, exact and bitmask depend on each other.
func (zf zonesFile) apply(l *List, key string, v *yaml.Node) error {
	switch key {
	case "name", "test", "test_clean", "lookup", "note":
		text := map[string]*string{"name": &l.Name, "test": &l.Test, "test_clean": &l.TestClean, "lookup": &l.Lookup, "note": &l.Note}
		var err error
		if *text[key], err = zf.scalar(v, key); err != nil {
			return err
		}
	case "kind":
		s, err := zf.scalar(v, key)
		if err != nil {
			return err
		}
		if err := l.setKind(s); err != nil {
			return zf.Errorf(v, "%v", err)
		}
	case "allow", "ipv6":
		b, err := zf.Bool(v, key)
		if err != nil {
			return err
		}
		if l.ID != "" {
			return zf.Errorf(v, "%s is a catalog list; %s is fixed", l.Zone, key)
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

func (zf zonesFile) codeMap(m *yaml.Node, key string) (map[netip.Addr]string, error) {
	fs, err := zf.Mapping(m, key, nil)
	if err != nil {
		return nil, err
	}
	out := map[netip.Addr]string{}
	for _, f := range fs {
		a, err := netip.ParseAddr(f.Key.Value)
		if err != nil || !a.Is4() || !loopback8.Contains(a) {
			return nil, zf.Errorf(f.Key, "%s: %q is not a return code in 127.0.0.0/8", key, yamlx.Short(f.Key.Value))
		}
		if out[a], err = zf.scalar(f.Val, key); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (zf zonesFile) bits(l *List, m *yaml.Node) error {
	fs, err := zf.Mapping(m, "bits", nil)
	if err != nil {
		return err
	}
	if l.Bits == nil {
		l.Bits = map[uint8]string{}
	}
	for _, f := range fs {
		n, err := strconv.ParseUint(f.Key.Value, 10, 8)
		if err != nil || n == 0 || n&(n-1) != 0 {
			return zf.Errorf(f.Key, "bits: %q is not a single bit value (1, 2, 4 ... 128)", yamlx.Short(f.Key.Value))
		}
		if l.Bits[uint8(n)], err = zf.scalar(f.Val, "bits"); err != nil {
			return err
		}
	}
	return nil
}

// rule settles match, exact and bitmask: exact or bitmask alone imply their
// match, match alone must have what it needs.
func (zf zonesFile) rule(l *List, fs yamlx.Fields) error {
	val := func(key string) *yaml.Node {
		f, _ := fs.Get(key)
		return f.Val
	}
	mn, en, bn := val("match"), val("exact"), val("bitmask")
	if en != nil && bn != nil {
		return zf.Errorf(bn, "give either exact or bitmask, not both")
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
			return zf.Errorf(mn, "match: any takes no exact or bitmask")
		}
		if mn != nil {
			l.setRule(MatchAny, nil, 0)
		}
	case match == "exact" || (match == "" && en != nil):
		if en == nil {
			return zf.Errorf(mn, "match: exact needs an exact: list of codes")
		}
		ps, err := zf.patterns(en)
		if err != nil {
			return err
		}
		l.setRule(MatchExact, ps, 0)
	case match == "bitmask" || (match == "" && bn != nil):
		if bn == nil {
			return zf.Errorf(mn, "match: bitmask needs a bitmask: value such as 0.0.0.4")
		}
		s, err := zf.scalar(bn, "bitmask")
		if err != nil {
			return err
		}
		mask, perr := ParseBitmask(s)
		if perr != nil {
			return zf.Errorf(bn, "%v", perr)
		}
		l.setRule(MatchBitmask, nil, mask)
	default:
		return zf.Errorf(mn, "match %q: want any, exact or bitmask", match)
	}
	return nil
}

// patterns accepts a YAML list of codes or one comma-separated string.
func (zf zonesFile) patterns(n *yaml.Node) ([]Pattern, error) {
	if n.Kind == yaml.ScalarNode {
		ps, err := parsePatternList(n.Value)
		if err != nil {
			return nil, zf.Errorf(n, "exact: %v", err)
		}
		return ps, nil
	}
	out, err := yamlx.Each(zf.File, n, "exact", 0, func(c *yaml.Node) (Pattern, error) {
		s, err := zf.scalar(c, "exact")
		if err != nil {
			return Pattern{}, err
		}
		p, err := ParsePattern(s)
		if err != nil {
			return p, zf.Errorf(c, "exact: %v", err)
		}
		return p, nil
	})
	if err == nil && len(out) == 0 {
		return nil, zf.Errorf(n, "exact: the list of codes is empty")
	}
	return out, err
}
