package check

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/internal/yamlx"
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

// SpecError points at the place in a spec that is wrong
// ("file:line:column: ...").
type SpecError = yamlx.Error

// DMARC policies from weakest to strongest.
var dmarcPolicies = []string{"none", "quarantine", "reject"}

// The keys a spec knows, in the order the docs list them.
var (
	topKeys    = []string{"version", "defaults", "domains"}
	ruleKeys   = []string{"starttls", "min_tls", "cert_days", "not_listed", "no_open_relay", "spf", "dmarc", "dmarc_policy"}
	domainKeys = append([]string{"domain", "mx", "no_auth_before_tls"}, ruleKeys...)
)

// specParser reads a spec's nodes; yamlx.File names the file in errors.
type specParser struct{ yamlx.File }

// maxValue bounds every value, far above any valid name or list rule.
const maxValue = 1024

func (p specParser) loc(n *yaml.Node) report.Location {
	return report.Location{File: p.Name, Line: n.Line}
}

// LoadSpec parses a spec; file names it in errors ("file:line:column: ...").
// Unknown keys are errors, so a typo never silently drops an assertion.
func LoadSpec(file string, data []byte) (*Spec, error) {
	p := specParser{yamlx.File{Name: file, MaxBytes: MaxSpecBytes, AliasHint: "use defaults for what domains share"}}
	root, err := p.Parse(data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, p.Errorf(nil, "the spec is empty (want version: %d and a domains list)", SpecVersion)
	}
	top, err := p.Mapping(root, "the top level", topKeys)
	if err != nil {
		return nil, err
	}
	v, ok := top.Get("version")
	if !ok {
		return nil, p.Errorf(root, "missing version: write version: %d first", SpecVersion)
	}
	if n, err := p.integer(v.Val, "version"); err != nil {
		return nil, err
	} else if n != SpecVersion {
		return nil, p.Errorf(v.Val, "spec version %d is not supported (this mailflow reads version %d)", n, SpecVersion)
	}
	var defaults Rules
	defOrigins := map[string]report.Location{}
	if d, ok := top.Get("defaults"); ok {
		fs, err := p.Mapping(d.Val, "defaults", ruleKeys)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if err := p.rule(&defaults, f); err != nil {
				return nil, err
			}
			defOrigins[f.Key.Value] = p.loc(f.Key)
		}
	}
	d, ok := top.Get("domains")
	if !ok {
		return nil, p.Errorf(root, "missing domains: list the domains to check")
	}
	spec := &Spec{File: file}
	if spec.Domains, err = p.domains(d.Val, defaults, defOrigins); err != nil {
		return nil, err
	}
	return spec, nil
}

func (p specParser) domains(n *yaml.Node, defaults Rules, defOrigins map[string]report.Location) ([]DomainSpec, error) {
	seen := map[string]int{}
	out, err := yamlx.Each(p.File, n, "domains", MaxSpecDomains, func(e *yaml.Node) (DomainSpec, error) {
		d, err := p.domain(e, defaults, defOrigins)
		if err != nil {
			return d, err
		}
		if line, dup := seen[d.Domain]; dup {
			return d, p.Errorf(e, "domain %s is already listed at line %d", d.Domain, line)
		}
		seen[d.Domain] = e.Line
		return d, nil
	})
	if err == nil && len(out) == 0 {
		return nil, p.Errorf(n, "domains: the list is empty")
	}
	return out, err
}

// domain reads one entry: a mapping, or just the domain name when the
// defaults say everything.
func (p specParser) domain(e *yaml.Node, defaults Rules, defOrigins map[string]report.Location) (DomainSpec, error) {
	d := DomainSpec{Origin: p.Where(e), Rules: defaults, origins: map[string]report.Location{}}
	for k, o := range defOrigins {
		d.origins[k] = o
	}
	nameNode := e
	var fs yamlx.Fields
	if e.Kind != yaml.ScalarNode {
		var err error
		if fs, err = p.Mapping(e, "a domains entry", domainKeys); err != nil {
			return d, err
		}
		f, ok := fs.Get("domain")
		if !ok {
			return d, p.Errorf(e, "domains entry without domain: name the domain it describes")
		}
		nameNode = f.Val
	}
	name, err := p.value(nameNode, "domain")
	if err != nil {
		return d, err
	}
	n, err := mx.ParseDomain(name)
	if err != nil {
		return d, p.Errorf(nameNode, "domain: %v", err)
	}
	d.Domain = n.ASCII
	for _, f := range fs {
		switch f.Key.Value {
		case "domain":
			continue
		case "mx":
			d.MX, err = p.mxHosts(f.Val)
		case "no_auth_before_tls":
			d.NoAuthBeforeTLS, err = p.endpoints(f.Val)
		default:
			err = p.rule(&d.Rules, f)
		}
		if err != nil {
			return d, err
		}
		d.origins[f.Key.Value] = p.loc(f.Key)
	}
	if len(d.origins) == 0 {
		return d, p.Errorf(e, "%s: nothing is asserted (give assertion keys here or under defaults)", d.Domain)
	}
	return d, nil
}

// rule reads one of the keys defaults and domain entries share.
func (p specParser) rule(r *Rules, f yamlx.Field) error {
	key, v := f.Key.Value, f.Val
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
		if s, err = p.value(v, key); err != nil {
			return err
		}
		x, err := parse(s)
		if err != nil {
			return p.Errorf(v, "%s: %v", key, err)
		}
		if key == "cert_days" {
			r.CertDays = &x.Days
		} else {
			r.MinTLS = x.TLSMin
		}
	case "dmarc_policy":
		var s string
		if s, err = p.value(v, key); err == nil && !slices.Contains(dmarcPolicies, s) {
			return p.Errorf(v, "dmarc_policy: %q is not a DMARC policy (want none, quarantine or reject)", yamlx.Short(s))
		}
		r.DMARCPolicy = s
	case "not_listed":
		r.NotListed, err = p.lists(v)
	}
	return err
}

// value reads a single value that must be there, trimmed and bounded.
func (p specParser) value(n *yaml.Node, key string) (string, error) {
	s, err := p.Scalar(n, key)
	if err != nil {
		return "", err
	}
	if n.Tag == "!!null" {
		return "", p.Errorf(n, "%s: want a single value, not %s", key, yamlx.KindName(n))
	}
	if len(s) > maxValue {
		return "", p.Errorf(n, "%s: the value is longer than %d bytes", key, maxValue)
	}
	return strings.TrimSpace(s), nil
}

// boolean reads a rule that is set to true or false.
func (p specParser) boolean(n *yaml.Node, key string) (*bool, error) {
	b, err := p.Bool(n, key)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

func (p specParser) integer(n *yaml.Node, key string) (int, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0, p.Errorf(n, "%s: want a whole number, not %s", key, yamlx.KindName(n))
	}
	i, err := strconv.Atoi(n.Value)
	if err != nil {
		return 0, p.Errorf(n, "%s: %q is not a whole number", key, yamlx.Short(n.Value))
	}
	return i, nil
}

// each reads a non-empty, bounded list of single values, each with read,
// which names the entry's position when it is wrong.
func each[T any](p specParser, n *yaml.Node, key string, read func(e *yaml.Node) (T, error)) ([]T, error) {
	out, err := yamlx.Each(p.File, n, key, maxSpecList, func(e *yaml.Node) (T, error) {
		if _, err := p.value(e, key); err != nil {
			var zero T
			return zero, err
		}
		return read(e)
	})
	if err == nil && len(out) == 0 {
		return nil, p.Errorf(n, "%s: the list is empty (leave the key out to assert nothing)", key)
	}
	return out, err
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
				return h, p.Errorf(e, "mx: preference %q is not a number from 0 to 65535", yamlx.Short(f[0]))
			}
			h.Preference, host = int(pref), f[1]
		default:
			return h, p.Errorf(e, "mx: want \"PREFERENCE HOST\" or \"HOST\", not %q", yamlx.Short(e.Value))
		}
		name, err := resolver.ParseName(host)
		if err != nil {
			return h, p.Errorf(e, "mx: %v", err)
		}
		h.Host = name.ASCII
		if seen[h.Host] {
			return h, p.Errorf(e, "mx: %s is listed twice", h.Host)
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
			return "", p.Errorf(e, "no_auth_before_tls: %q: want HOST:PORT, for example smtp.example.org:587", yamlx.Short(e.Value))
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", p.Errorf(e, "no_auth_before_tls: port %q is not a number from 1 to 65535", yamlx.Short(port))
		}
		if ip, err := netip.ParseAddr(host); err == nil {
			return net.JoinHostPort(ip.String(), port), nil
		}
		name, err := resolver.ParseName(host)
		if err != nil {
			return "", p.Errorf(e, "no_auth_before_tls: %v", err)
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
			return l, p.Errorf(e, "not_listed: %v", err)
		case l.Kind != dnsbl.KindIP || l.Allow:
			return l, p.Errorf(e, "not_listed: %s is %s list; the MX addresses are checked on IP block lists", l.Zone, l.KindLabel())
		}
		l.Source = p.Where(e)
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
