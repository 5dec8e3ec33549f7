package lint

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Exchange 2003 keeps its transport settings in the metabase and Active
// Directory, with no cmdlet to export them, so admins describe them in a
// small YAML file (schema in docs/lint.md). Keys use the words of Exchange
// System Manager; property names fold onto the modern ones where the
// concept is the same (smart_hosts, address_spaces).

type fieldType int

const (
	fieldString fieldType = iota
	fieldBool
	fieldList
	fieldAddresses // recipient policy address entries, flattened
)

type legacySection struct {
	kind   Kind
	fields map[string]fieldType
}

var legacySchema = map[string]legacySection{
	"servers": {KindLegacyServer, map[string]fieldType{
		"name": fieldString, "fqdn": fieldString, "routing_group": fieldString, "addresses": fieldList,
	}},
	"virtual_servers": {KindVirtualServer, map[string]fieldType{
		"name": fieldString, "server": fieldString, "ip": fieldString, "port": fieldString, "fqdn": fieldString,
		"smart_host": fieldString, "forward_unresolved_to": fieldString, "enabled": fieldBool,
	}},
	"smtp_connectors": {KindSMTPConnector, map[string]fieldType{
		"name": fieldString, "routing_group": fieldString, "address_spaces": fieldList, "use_dns": fieldBool,
		"smart_hosts": fieldList, "allow_relay": fieldBool, "bridgeheads": fieldList, "enabled": fieldBool,
	}},
	"recipient_policies": {KindRecipientPolicy, map[string]fieldType{
		"name": fieldString, "addresses": fieldAddresses,
	}},
	"routing_groups": {KindRoutingGroup, map[string]fieldType{
		"name": fieldString, "connected_to": fieldList,
	}},
}

var addressFields = map[string]fieldType{"domain": fieldString, "authoritative": fieldBool}

func parseLegacy(file string, text []byte) ([]*Object, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, parseErrorf(file, yamlErrLine(err), "YAML: %s", yamlErrMsg(err))
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, parseErrorf(file, root.Line, "the legacy YAML must be a mapping with the keys %s", sectionList())
	}
	var objs []*Object
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		sec, ok := legacySchema[k.Value]
		if !ok {
			return nil, parseErrorf(file, k.Line, "unknown section %q (want %s)", k.Value, sectionList())
		}
		if v.Kind != yaml.SequenceNode {
			return nil, parseErrorf(file, v.Line, "%s: want a list of entries", k.Value)
		}
		for _, e := range v.Content {
			got, err := legacyEntry(file, k.Value, sec, e)
			if err != nil {
				return nil, err
			}
			objs = append(objs, got...)
		}
	}
	return objs, nil
}

func sectionList() string {
	var s []string
	for k := range legacySchema {
		s = append(s, k)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// legacyEntry reads one list entry; a recipient policy yields one object
// per address so each domain has its own location.
func legacyEntry(file, section string, sec legacySection, e *yaml.Node) ([]*Object, error) {
	o := newObject(file, e.Line)
	o.Kind = sec.kind
	addrs, err := readInto(file, section, sec.fields, e, o)
	if err != nil {
		return nil, err
	}
	if o.Str("name") == "" {
		return nil, parseErrorf(file, e.Line, "%s entry without a name", section)
	}
	if addrs == nil {
		return []*Object{o}, nil
	}
	if addrs.Kind != yaml.SequenceNode {
		return nil, parseErrorf(file, addrs.Line, "%s.addresses: want a list of {domain, authoritative}", section)
	}
	var out []*Object
	for _, a := range addrs.Content {
		po := newObject(file, a.Line)
		po.Kind = sec.kind
		po.set(o.Get("name"))
		if _, err := readInto(file, section+".addresses", addressFields, a, po); err != nil {
			return nil, err
		}
		if po.Str("domain") == "" {
			return nil, parseErrorf(file, a.Line, "%s.addresses entry without a domain", section)
		}
		out = append(out, po)
	}
	return out, nil
}

// readInto reads an entry's keys into o, refusing keys the schema does not
// know. A nested address list is handed back unread.
func readInto(file, where string, fields map[string]fieldType, n *yaml.Node, o *Object) (addrs *yaml.Node, err error) {
	if n.Kind != yaml.MappingNode {
		return nil, parseErrorf(file, n.Line, "%s: want an entry of key: value pairs", where)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			var names []string
			for name := range fields {
				names = append(names, name)
			}
			sort.Strings(names)
			return nil, parseErrorf(file, k.Line, "%s: unknown key %q (want %s)", where, k.Value, strings.Join(names, ", "))
		}
		if ft == fieldAddresses {
			addrs = v
			continue
		}
		p, err := yamlProp(file, where, k.Value, ft, v)
		if err != nil {
			return nil, err
		}
		if k.Value == "domain" {
			// Exchange System Manager shows policy addresses as @contoso.com.
			p.Value = strings.TrimPrefix(p.Value, "@")
		}
		o.set(p)
	}
	return addrs, nil
}

func yamlProp(file, section, key string, ft fieldType, v *yaml.Node) (*Prop, error) {
	p := &Prop{Name: key, Line: v.Line}
	switch {
	case v.Kind == yaml.AliasNode:
		return nil, parseErrorf(file, v.Line, "%s.%s: YAML aliases are not supported", section, key)
	case ft == fieldList && v.Kind == yaml.SequenceNode:
		p.IsList, p.Items = true, []string{}
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return nil, parseErrorf(file, item.Line, "%s.%s: list items must be plain values", section, key)
			}
			p.Items = append(p.Items, item.Value)
		}
	case v.Kind != yaml.ScalarNode:
		return nil, parseErrorf(file, v.Line, "%s.%s: want a single value", section, key)
	case ft == fieldBool:
		if v.Tag != "!!bool" {
			return nil, parseErrorf(file, v.Line, "%s.%s: want true or false, got %q", section, key, v.Value)
		}
		p.Value = "False"
		if strings.EqualFold(v.Value, "true") {
			p.Value = "True"
		}
	case ft == fieldList:
		p.IsList, p.Items = true, splitFlags(v.Value)
	default:
		p.Value = v.Value
	}
	return p, nil
}

// yaml.v3 reports errors as "yaml: line N: message".
func yamlErrLine(err error) int {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i:], "line %d", &line)
	}
	return line
}

func yamlErrMsg(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "line ") {
		msg = msg[i+2:]
	}
	return msg
}
