package check

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// SpecVersion is the spec format this mailflow reads (docs/check.md).
const SpecVersion = 1

// Limits on a spec: a CI spec is a short hand-written file, and every
// domain in it costs DNS queries and SMTP sessions.
const (
	MaxSpecBytes   = 1 << 20
	MaxSpecDomains = 500
	maxSpecList    = 100
)

// Spec is a parsed --spec file: the expected state of one or more domains.
type Spec struct {
	File    string
	Domains []DomainSpec
}

// DomainSpec is what one domain is expected to look like. Unset rules are
// not asserted.
type DomainSpec struct {
	Domain string // A-labels
	// Origin is where the entry starts ("mailflow.yaml:12").
	Origin string
	// MX lists the expected MX hosts; nil does not assert the MX set.
	MX    []MXHost
	Rules Rules
	// NoAuthBeforeTLS lists submission endpoints (host:port) that must not
	// offer AUTH before TLS.
	NoAuthBeforeTLS []string
	// origins maps each rule's key to where it was written.
	origins map[string]report.Location
}

// MXHost is one expected MX host; Preference -1 accepts any preference.
type MXHost struct {
	Host       string
	Preference int
}

// Rules are the assertions that can also be given as defaults for every
// domain. nil pointers and empty values are not asserted.
type Rules struct {
	StartTLS *bool
	// MinTLS is the lowest acceptable TLS version (tls.VersionTLS12...).
	MinTLS      uint16
	CertDays    *int
	NotListed   []dnsbl.List
	NoOpenRelay *bool
	SPF         *bool
	DMARC       *bool
	// DMARCPolicy is the weakest acceptable p=: none, quarantine, reject.
	DMARCPolicy string
}

// OriginOf says where the rule under key was written ("mailflow.yaml:7"),
// "" when it was not.
func (d *DomainSpec) OriginOf(key string) string {
	l, ok := d.origins[key]
	if !ok {
		return ""
	}
	return where(l)
}

func where(l report.Location) string { return fmt.Sprintf("%s:%d", l.File, l.Line) }

// SpecError points at the place in a spec that is wrong.
type SpecError struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *SpecError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// DMARC policies from weakest to strongest.
var dmarcPolicies = []string{"none", "quarantine", "reject"}

// The keys a spec knows, in the order the docs list them.
var (
	topKeys    = []string{"version", "defaults", "domains"}
	ruleKeys   = []string{"starttls", "min_tls", "cert_days", "not_listed", "no_open_relay", "spf", "dmarc", "dmarc_policy"}
	domainKeys = append([]string{"domain", "mx", "no_auth_before_tls"}, ruleKeys...)
)

type specParser struct{ file string }

// maxErrorValue bounds how much of a value an error quotes, so a message
// stays one readable line; maxValue bounds every value, far above any
// valid name or list rule.
const (
	maxErrorValue = 60
	maxValue      = 1024
)

// short is a value as errors quote it.
func short(v string) string {
	if len(v) > maxErrorValue {
		return v[:maxErrorValue] + "..."
	}
	return v
}

func (p specParser) errf(n *yaml.Node, format string, a ...any) error {
	e := &SpecError{File: p.file, Msg: fmt.Sprintf(format, a...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

func (p specParser) loc(n *yaml.Node) report.Location {
	return report.Location{File: p.file, Line: n.Line}
}

func (p specParser) origin(n *yaml.Node) string { return where(p.loc(n)) }

// LoadSpec parses a spec; file names it in errors ("file:line:column: ...").
// Unknown keys are errors, so a typo never silently drops an assertion.
func LoadSpec(file string, data []byte) (*Spec, error) {
	p := specParser{file: file}
	if len(data) > MaxSpecBytes {
		return nil, p.errf(nil, "larger than %d KiB", MaxSpecBytes>>10)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, p.yamlErr(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, p.errf(nil, "the spec is empty (want version: %d and a domains list)", SpecVersion)
	}
	root := doc.Content[0]
	if err := p.noAliases(root); err != nil {
		return nil, err
	}
	top, err := p.mapping(root, "the top level", topKeys)
	if err != nil {
		return nil, err
	}
	v, ok := top.get("version")
	if !ok {
		return nil, p.errf(root, "missing version: write version: %d first", SpecVersion)
	}
	if n, err := p.integer(v, "version"); err != nil {
		return nil, err
	} else if n != SpecVersion {
		return nil, p.errf(v.val, "spec version %d is not supported (this mailflow reads version %d)", n, SpecVersion)
	}
	var defaults Rules
	defOrigins := map[string]report.Location{}
	if d, ok := top.get("defaults"); ok {
		fs, err := p.mapping(d.val, "defaults", ruleKeys)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if err := p.rule(&defaults, f); err != nil {
				return nil, err
			}
			defOrigins[f.key.Value] = p.loc(f.key)
		}
	}
	d, ok := top.get("domains")
	if !ok {
		return nil, p.errf(root, "missing domains: list the domains to check")
	}
	spec := &Spec{File: file}
	if spec.Domains, err = p.domains(d.val, defaults, defOrigins); err != nil {
		return nil, err
	}
	return spec, nil
}

// field is a key and its value, both with their positions.
type field struct{ key, val *yaml.Node }

// fields are a mapping's entries in the order written, so the first
// mistake in the file is the one reported.
type fields []field

func (fs fields) get(key string) (field, bool) {
	for _, f := range fs {
		if f.key.Value == key {
			return f, true
		}
	}
	return field{}, false
}

// mapping checks that n is a mapping of known, unique keys.
func (p specParser) mapping(n *yaml.Node, what string, known []string) (fields, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, "%s: want a mapping of keys, not %s", what, kindName(n))
	}
	var out fields
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode || !slices.Contains(known, k.Value) {
			return nil, p.errf(k, "unknown key %q in %s (known keys: %s)", short(k.Value), what, strings.Join(known, ", "))
		}
		if prev, dup := out.get(k.Value); dup {
			return nil, p.errf(k, "%s: key %q given twice (first at line %d)", what, short(k.Value), prev.key.Line)
		}
		out = append(out, field{key: k, val: n.Content[i+1]})
	}
	return out, nil
}

func (p specParser) domains(n *yaml.Node, defaults Rules, defOrigins map[string]report.Location) ([]DomainSpec, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, "domains: want a list, not %s", kindName(n))
	}
	if len(n.Content) == 0 {
		return nil, p.errf(n, "domains: the list is empty")
	}
	if len(n.Content) > MaxSpecDomains {
		return nil, p.errf(n, "domains: %d entries, more than the %d a spec may hold", len(n.Content), MaxSpecDomains)
	}
	seen := map[string]int{}
	var out []DomainSpec
	for _, e := range n.Content {
		d, err := p.domain(e, defaults, defOrigins)
		if err != nil {
			return nil, err
		}
		if line, dup := seen[d.Domain]; dup {
			return nil, p.errf(e, "domain %s is already listed at line %d", d.Domain, line)
		}
		seen[d.Domain] = e.Line
		out = append(out, d)
	}
	return out, nil
}

// domain reads one entry: a mapping, or just the domain name when the
// defaults say everything.
func (p specParser) domain(e *yaml.Node, defaults Rules, defOrigins map[string]report.Location) (DomainSpec, error) {
	d := DomainSpec{Origin: p.origin(e), Rules: defaults, origins: map[string]report.Location{}}
	for k, o := range defOrigins {
		d.origins[k] = o
	}
	nameNode := e
	var fs fields
	if e.Kind != yaml.ScalarNode {
		var err error
		if fs, err = p.mapping(e, "a domains entry", domainKeys); err != nil {
			return d, err
		}
		f, ok := fs.get("domain")
		if !ok {
			return d, p.errf(e, "domains entry without domain: name the domain it describes")
		}
		nameNode = f.val
	}
	name, err := p.scalar(nameNode, "domain")
	if err != nil {
		return d, err
	}
	n, err := mx.ParseDomain(name)
	if err != nil {
		return d, p.errf(nameNode, "domain: %v", err)
	}
	d.Domain = n.ASCII
	for _, f := range fs {
		switch f.key.Value {
		case "domain":
			continue
		case "mx":
			d.MX, err = p.mxHosts(f.val)
		case "no_auth_before_tls":
			d.NoAuthBeforeTLS, err = p.endpoints(f.val)
		default:
			err = p.rule(&d.Rules, f)
		}
		if err != nil {
			return d, err
		}
		d.origins[f.key.Value] = p.loc(f.key)
	}
	if len(d.origins) == 0 {
		return d, p.errf(e, "%s: nothing is asserted (give assertion keys here or under defaults)", d.Domain)
	}
	return d, nil
}

// rule reads one of the keys defaults and domain entries share.
func (p specParser) rule(r *Rules, f field) error {
	key, v := f.key.Value, f.val
	var err error
	switch key {
	case "starttls":
		r.StartTLS, err = p.boolean(v, key)
	case "no_open_relay":
		r.NoOpenRelay, err = p.boolean(v, key)
	case "spf":
		r.SPF, err = p.boolean(v, key)
	case "dmarc":
		r.DMARC, err = p.boolean(v, key)
	case "min_tls", "cert_days":
		// smtpprobe reads the same values for --expect-tls-version
		// and --expect-cert-days.
		parse := smtpprobe.ParseTLSVersion
		if key == "cert_days" {
			parse = smtpprobe.ParseCertDays
		}
		var s string
		if s, err = p.scalar(v, key); err != nil {
			return err
		}
		x, err := parse(s)
		if err != nil {
			return p.errf(v, "%s: %v", key, err)
		}
		if key == "cert_days" {
			r.CertDays = &x.Days
		} else {
			r.MinTLS = x.TLSMin
		}
	case "dmarc_policy":
		var s string
		if s, err = p.scalar(v, key); err == nil && !slices.Contains(dmarcPolicies, s) {
			return p.errf(v, "dmarc_policy: %q is not a DMARC policy (want none, quarantine or reject)", short(s))
		}
		r.DMARCPolicy = s
	case "not_listed":
		r.NotListed, err = p.lists(v)
	}
	return err
}

func (p specParser) noAliases(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return p.errf(n, "anchors and aliases are not supported; write each value out (use defaults for what domains share)")
	}
	for _, c := range n.Content {
		if err := p.noAliases(c); err != nil {
			return err
		}
	}
	return nil
}

// yamlErr keeps the parser's line number in our file:line form.
func (p specParser) yamlErr(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil {
				return &SpecError{File: p.file, Line: n, Msg: "not valid YAML: " + tail}
			}
		}
	}
	return &SpecError{File: p.file, Msg: "not valid YAML: " + msg}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return fmt.Sprintf("the value %q", short(n.Value))
}

func (p specParser) scalar(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errf(n, "%s: want a single value, not %s", key, kindName(n))
	}
	if len(n.Value) > maxValue {
		return "", p.errf(n, "%s: the value is longer than %d bytes", key, maxValue)
	}
	return strings.TrimSpace(n.Value), nil
}

func (p specParser) boolean(n *yaml.Node, key string) (*bool, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return nil, p.errf(n, "%s: want true or false, not %s", key, kindName(n))
	}
	b, err := strconv.ParseBool(strings.ToLower(n.Value))
	if err != nil {
		return nil, p.errf(n, "%s: want true or false, not %q", key, short(n.Value))
	}
	return &b, nil
}

func (p specParser) integer(f field, key string) (int, error) {
	if f.val.Kind != yaml.ScalarNode || f.val.Tag != "!!int" {
		return 0, p.errf(f.val, "%s: want a whole number, not %s", key, kindName(f.val))
	}
	n, err := strconv.Atoi(f.val.Value)
	if err != nil {
		return 0, p.errf(f.val, "%s: %q is not a whole number", key, short(f.val.Value))
	}
	return n, nil
}

// each reads a non-empty, bounded list of single values, each with read,
// which names the entry's position when it is wrong.
func each[T any](p specParser, n *yaml.Node, key string, read func(e *yaml.Node) (T, error)) ([]T, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, "%s: want a list, not %s", key, kindName(n))
	}
	if len(n.Content) == 0 {
		return nil, p.errf(n, "%s: the list is empty (leave the key out to assert nothing)", key)
	}
	if len(n.Content) > maxSpecList {
		return nil, p.errf(n, "%s: %d entries, more than %d", key, len(n.Content), maxSpecList)
	}
	out := make([]T, 0, len(n.Content))
	for _, e := range n.Content {
		if _, err := p.scalar(e, key); err != nil {
			return nil, err
		}
		v, err := read(e)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// mxHosts reads "PREFERENCE HOST" or "HOST" entries, as in a zone file.
func (p specParser) mxHosts(n *yaml.Node) ([]MXHost, error) {
	seen := map[string]bool{}
	return each(p, n, "mx", func(e *yaml.Node) (MXHost, error) {
		f := strings.Fields(e.Value)
		h := MXHost{Preference: -1}
		host := ""
		switch len(f) {
		case 1:
			host = f[0]
		case 2:
			pref, err := strconv.ParseUint(f[0], 10, 16)
			if err != nil {
				return h, p.errf(e, "mx: preference %q is not a number from 0 to 65535", short(f[0]))
			}
			h.Preference, host = int(pref), f[1]
		default:
			return h, p.errf(e, "mx: want \"PREFERENCE HOST\" or \"HOST\", not %q", short(e.Value))
		}
		name, err := resolver.ParseName(host)
		if err != nil {
			return h, p.errf(e, "mx: %v", err)
		}
		h.Host = name.ASCII
		if seen[h.Host] {
			return h, p.errf(e, "mx: %s is listed twice", h.Host)
		}
		seen[h.Host] = true
		return h, nil
	})
}

// endpoints reads host:port entries; the port is required, since
// submission runs on 587 or 465 and never on a default one can assume.
func (p specParser) endpoints(n *yaml.Node) ([]string, error) {
	return each(p, n, "no_auth_before_tls", func(e *yaml.Node) (string, error) {
		host, port, err := net.SplitHostPort(e.Value)
		if err != nil {
			return "", p.errf(e, "no_auth_before_tls: %q: want HOST:PORT, for example smtp.example.org:587", short(e.Value))
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", p.errf(e, "no_auth_before_tls: port %q is not a number from 1 to 65535", short(port))
		}
		if ip, err := netip.ParseAddr(host); err == nil {
			return net.JoinHostPort(ip.String(), port), nil
		}
		name, err := resolver.ParseName(host)
		if err != nil {
			return "", p.errf(e, "no_auth_before_tls: %v", err)
		}
		return net.JoinHostPort(name.ASCII, port), nil
	})
}

// lists reads block lists as --zone specs; only IP block lists make sense
// for MX addresses.
func (p specParser) lists(n *yaml.Node) ([]dnsbl.List, error) {
	return each(p, n, "not_listed", func(e *yaml.Node) (dnsbl.List, error) {
		l, err := dnsbl.ParseZoneSpec(e.Value)
		switch {
		case err != nil:
			return l, p.errf(e, "not_listed: %v", err)
		case l.Kind != dnsbl.KindIP || l.Allow:
			return l, p.errf(e, "not_listed: %s is %s list; the MX addresses are checked on IP block lists", l.Zone, l.KindLabel())
		}
		l.Source = p.origin(e)
		return l, nil
	})
}

// Lists returns every block list the spec names, each zone once. The same
// zone with two different rules is an error naming both places.
func (s *Spec) Lists() ([]dnsbl.List, error) {
	var out []dnsbl.List
	for _, d := range s.Domains {
		for _, l := range d.Rules.NotListed {
			i := slices.IndexFunc(out, func(o dnsbl.List) bool { return o.Zone == l.Zone })
			switch {
			case i < 0:
				out = append(out, l)
			case out[i].Rule() != l.Rule():
				return nil, &SpecError{File: s.File, Msg: fmt.Sprintf("not_listed: %s has rule %s at %s but %s at %s; give one rule per list",
					l.Zone, out[i].Rule(), out[i].Source, l.Rule(), l.Source)}
			}
		}
	}
	return out, nil
}

// NeedsRelayTest returns where the first no_open_relay assertion is
// written, "" when none is.
func (s *Spec) NeedsRelayTest() string {
	for _, d := range s.Domains {
		if r := d.Rules.NoOpenRelay; r != nil && *r {
			return d.OriginOf("no_open_relay")
		}
	}
	return ""
}
