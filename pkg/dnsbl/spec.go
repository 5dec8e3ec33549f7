package dnsbl

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// maxSpec bounds one --zone value; real ones are a zone and a few codes.
const maxSpec = 1024

// ParseZoneSpec reads a --zone value:
//
//	NAME[:any | :exact=CODE,CODE... | :bitmask=MASK][:ip | :domain][:allow][:errors=CODE,...]
//
// NAME is a catalog ID ("zen") or a zone. A catalog zone keeps the catalog's
// codes and error answers; a matching rule given with it replaces the
// catalog's rule, to mirror an MTA's configuration. Any other zone is a
// user-defined IP list matching any answer unless told otherwise. errors=
// adds answers by which the list refuses to serve us.
func ParseZoneSpec(spec string) (List, error) {
	if len(spec) > maxSpec {
		return List{}, fmt.Errorf("--zone value longer than %d bytes", maxSpec)
	}
	name, opts, _ := strings.Cut(strings.TrimSpace(spec), ":")
	l, err := baseList(name)
	if err != nil {
		return List{}, err
	}
	l.Source = "--zone " + strings.TrimSpace(spec)
	seen := map[string]bool{}
	for opts != "" {
		var opt string
		opt, opts, _ = strings.Cut(opts, ":")
		key, val, hasVal := strings.Cut(opt, "=")
		group := key
		switch key {
		case "any", "exact", "bitmask":
			group = "rule"
		case "ip", "domain":
			group = "kind"
		}
		if seen[group] {
			return List{}, fmt.Errorf("zone spec %q: more than one %s option", spec, group)
		}
		seen[group] = true
		var err error
		switch key {
		case "any":
			if hasVal {
				return List{}, fmt.Errorf("zone spec %q: any takes no value", spec)
			}
			l.setRule(MatchAny, nil, 0)
		case "exact":
			var ps []Pattern
			if ps, err = parsePatternList(val); err == nil {
				l.setRule(MatchExact, ps, 0)
			}
		case "bitmask":
			var m uint8
			if m, err = ParseBitmask(val); err == nil {
				l.setRule(MatchBitmask, nil, m)
			}
		case "errors":
			var m map[netip.Addr]string
			if m, err = parseErrorCodes(val); err == nil {
				l.Errors = withErrors(l.Errors, m)
			}
		case "ip", "domain", "allow":
			if hasVal {
				return List{}, fmt.Errorf("zone spec %q: %s takes no value", spec, key)
			}
			err = l.setKind(key)
		default:
			err = fmt.Errorf("unknown option %q (want any, exact=CODES, bitmask=MASK, ip, domain, allow or errors=CODES)", opt)
		}
		if err != nil {
			return List{}, fmt.Errorf("zone spec %q: %v", spec, err)
		}
	}
	return l, nil
}

// setRule replaces the matching rule with one the user wrote.
func (l *List) setRule(m Match, exact []Pattern, mask uint8) {
	l.Match, l.Exact, l.Mask, l.userRule = m, exact, mask, true
}

// setKind applies "ip", "domain" or "allow" to a user-defined list; a
// catalog list's kind is a fact about the list, not a preference.
func (l *List) setKind(kind string) error {
	if l.ID != "" {
		return fmt.Errorf("%s is a catalog list (%s); its kind is fixed", l.Zone, l.KindLabel())
	}
	if kind == "allow" {
		l.Allow = true
		return nil
	}
	k, err := parseKind(kind)
	l.Kind = k
	return err
}

// baseList resolves a list name: a catalog ID or zone, or a new zone.
func baseList(name string) (List, error) {
	if name == "" {
		return List{}, fmt.Errorf("empty zone name")
	}
	if !strings.Contains(strings.TrimSuffix(name, "."), ".") {
		if l, ok := FromCatalog(name); ok {
			return l, nil
		}
		return List{}, fmt.Errorf("unknown list %q: not a catalog name (see --list-catalog) and not a zone like bl.example.org", name)
	}
	n, err := resolver.ParseName(name)
	if err != nil {
		return List{}, fmt.Errorf("zone %q: %v", name, err)
	}
	if looksLikeAddress(n.ASCII) {
		return List{}, fmt.Errorf("zone %q looks like an IP address; give the list's DNS zone, such as bl.example.org", name)
	}
	if l, ok := FromCatalog(n.ASCII); ok {
		return l, nil
	}
	if provider, zones := catalogProvider(n.ASCII); provider != "" {
		return List{}, fmt.Errorf("unknown list %q: %s publishes %s (see --list-catalog)", n.ASCII, provider, strings.Join(zones, ", "))
	}
	return List{Zone: n.ASCII, Name: n.ASCII, Kind: KindIP, IPv6: true, Match: MatchAny}, nil
}

// catalogProvider finds the operator domain (last two labels) of zone among
// the catalog's, so a mistyped Spamhaus zone is caught instead of queried:
// nobody defines their own list under another operator's domain.
func catalogProvider(zone string) (string, []string) {
	provider := lastLabels(zone, 2)
	var zones []string
	for _, l := range Catalog() {
		if lastLabels(l.Zone, 2) == provider && !l.Dead {
			zones = append(zones, l.Zone)
		}
	}
	if len(zones) == 0 {
		return "", nil
	}
	return provider, zones
}

func lastLabels(name string, n int) string {
	labels := strings.Split(name, ".")
	if len(labels) <= n {
		return name
	}
	return strings.Join(labels[len(labels)-n:], ".")
}

func parsePatternList(s string) ([]Pattern, error) {
	if s == "" {
		return nil, fmt.Errorf("exact needs codes, for example exact=127.0.0.2,127.0.0.4")
	}
	var out []Pattern
	for item := range strings.SplitSeq(s, ",") {
		p, err := ParsePattern(strings.TrimSpace(item))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func parseErrorCodes(s string) (map[netip.Addr]string, error) {
	if s == "" {
		return nil, fmt.Errorf("errors needs codes, for example errors=127.255.255.254")
	}
	m := map[netip.Addr]string{}
	for item := range strings.SplitSeq(s, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(item))
		if err != nil || !a.Is4() || !loopback8.Contains(a) {
			return nil, fmt.Errorf("error code %q: want an address in 127.0.0.0/8", item)
		}
		m[a] = "error answer: the list refuses this query"
	}
	return m, nil
}

// Merge combines lists from several sources, refusing the same zone twice
// (two different rules for one zone would make the verdict ambiguous).
func Merge(sets ...[]List) ([]List, error) {
	var out []List
	for _, set := range sets {
		for _, l := range set {
			if i := slices.IndexFunc(out, func(o List) bool { return o.Zone == l.Zone }); i >= 0 {
				return nil, fmt.Errorf("zone %s is given twice (%s and %s)", l.Zone, sourceOf(out[i]), sourceOf(l))
			}
			out = append(out, l)
		}
	}
	return out, nil
}

func sourceOf(l List) string {
	if l.Source == "" {
		return "catalog"
	}
	return l.Source
}
