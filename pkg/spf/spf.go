// Package spf parses SPF records (RFC 7208) and checks a domain's published
// policy for the mistakes that make receivers reject or ignore it: no
// record, several records, syntax errors, more than ten DNS-querying terms,
// too many void lookups, includes of domains without SPF, "+all" and the
// deprecated ptr mechanism.
//
// It checks what is published; it does not evaluate a message against the
// policy (check_host with a sender IP) and does not expand macros.
package spf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Term is one mechanism or modifier.
type Term struct {
	Qualifier byte   // '+', '-', '~', '?' for mechanisms; 0 for modifiers
	Name      string // lower case: all, include, a, mx, ptr, ip4, ip6, exists, or a modifier name
	Value     string // domain-spec, address or modifier value, "" when absent
	Modifier  bool
}

func (t Term) String() string {
	s := t.Name
	if t.Modifier {
		return s + "=" + t.Value
	}
	if t.Qualifier != '+' {
		s = string(t.Qualifier) + s
	}
	if t.Value != "" {
		sep := ":"
		if strings.HasPrefix(t.Value, "/") {
			sep = ""
		}
		s += sep + t.Value
	}
	return s
}

// Record is a parsed SPF record.
type Record struct {
	Terms []Term
}

// Redirect returns the redirect= modifier's domain, "" if none.
func (r *Record) Redirect() string {
	for _, t := range r.Terms {
		if t.Modifier && t.Name == "redirect" {
			return t.Value
		}
	}
	return ""
}

// All returns the "all" mechanism, if the record has one.
func (r *Record) All() (Term, bool) {
	for _, t := range r.Terms {
		if !t.Modifier && t.Name == "all" {
			return t, true
		}
	}
	return Term{}, false
}

// IsSPF reports whether a TXT string is an SPF record: "v=spf1" alone or
// followed by a space (RFC 7208 §4.5).
func IsSPF(txt string) bool {
	l := strings.ToLower(txt)
	return l == "v=spf1" || strings.HasPrefix(l, "v=spf1 ")
}

// Parse parses an SPF record. Errors name the offending term.
func Parse(txt string) (*Record, error) {
	if !IsSPF(txt) {
		return nil, fmt.Errorf("record does not start with \"v=spf1\"")
	}
	rec := &Record{}
	seen := map[string]bool{}
	for _, f := range strings.Fields(txt)[1:] {
		t, err := parseTerm(f)
		if err != nil {
			return nil, err
		}
		if t.Modifier && (t.Name == "redirect" || t.Name == "exp") {
			if seen[t.Name] {
				return nil, fmt.Errorf("modifier %q appears twice (RFC 7208 §6)", t.Name)
			}
			seen[t.Name] = true
		}
		rec.Terms = append(rec.Terms, t)
	}
	return rec, nil
}

func parseTerm(f string) (Term, error) {
	// A modifier is name=value where name starts with a letter and has no ':'.
	if i := strings.IndexByte(f, '='); i > 0 && !strings.ContainsAny(f[:i], ":/") {
		name := strings.ToLower(f[:i])
		if !isName(name) {
			return Term{}, fmt.Errorf("term %q: invalid modifier name", f)
		}
		t := Term{Name: name, Value: f[i+1:], Modifier: true}
		if (name == "redirect" || name == "exp") && t.Value == "" {
			return Term{}, fmt.Errorf("term %q: %s needs a domain", f, name)
		}
		if name == "redirect" || name == "exp" {
			if err := checkDomainSpec(t.Value); err != nil {
				return Term{}, fmt.Errorf("term %q: %v", f, err)
			}
		}
		return t, nil
	}
	t := Term{Qualifier: '+'}
	if strings.ContainsRune("+-~?", rune(f[0])) {
		t.Qualifier = f[0]
		f = f[1:]
	}
	name, value := f, ""
	if i := strings.IndexAny(f, ":/"); i >= 0 {
		name, value = f[:i], f[i:]
		value = strings.TrimPrefix(value, ":")
	}
	t.Name, t.Value = strings.ToLower(name), value
	orig := string(t.Qualifier) + f
	switch t.Name {
	case "all":
		if value != "" {
			return Term{}, fmt.Errorf("term %q: all takes no argument", orig)
		}
	case "include", "exists":
		if value == "" {
			return Term{}, fmt.Errorf("term %q: %s needs a domain", orig, t.Name)
		}
		if err := checkDomainSpec(value); err != nil {
			return Term{}, fmt.Errorf("term %q: %v", orig, err)
		}
	case "a", "mx":
		dom, cidr := splitCIDR(value)
		if dom != "" {
			if err := checkDomainSpec(dom); err != nil {
				return Term{}, fmt.Errorf("term %q: %v", orig, err)
			}
		}
		if err := checkDualCIDR(cidr); err != nil {
			return Term{}, fmt.Errorf("term %q: %v", orig, err)
		}
	case "ptr":
		if value != "" {
			if err := checkDomainSpec(value); err != nil {
				return Term{}, fmt.Errorf("term %q: %v", orig, err)
			}
		}
	case "ip4", "ip6":
		if err := checkIP(t.Name, value); err != nil {
			return Term{}, fmt.Errorf("term %q: %v", orig, err)
		}
	default:
		return Term{}, fmt.Errorf("term %q: unknown mechanism %q", orig, t.Name)
	}
	return t, nil
}

func isName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// checkDomainSpec accepts a domain name or a macro-string (RFC 7208 §7.1)
// without expanding it.
func checkDomainSpec(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+1 >= len(s) {
				return fmt.Errorf("dangling %% in %q", s)
			}
			switch s[i+1] {
			case '%', '_', '-':
				i++
			case '{':
				end := strings.IndexByte(s[i:], '}')
				if end < 0 {
					return fmt.Errorf("unterminated macro in %q", s)
				}
				if end < 3 || !strings.ContainsRune("slodiphcrtvSLODIPHCRTV", rune(s[i+2])) {
					return fmt.Errorf("invalid macro letter in %q", s)
				}
				i += end
			default:
				return fmt.Errorf("invalid macro %q in %q", s[i:i+2], s)
			}
			continue
		}
		if c <= ' ' || c > '~' {
			return fmt.Errorf("invalid character %q in %q", c, s)
		}
	}
	if strings.HasPrefix(s, ".") || strings.Contains(s, "..") {
		return fmt.Errorf("%q is not a domain name", s)
	}
	return nil
}

func splitCIDR(v string) (string, string) {
	if i := strings.IndexByte(v, '/'); i >= 0 {
		return v[:i], v[i:]
	}
	return v, ""
}

// checkDualCIDR validates "/24", "//64" or "/24//64".
func checkDualCIDR(c string) error {
	if c == "" {
		return nil
	}
	v4, v6, dual := strings.Cut(c[1:], "//")
	if strings.HasPrefix(c, "//") {
		v4, v6, dual = "", c[2:], true
	}
	if v4 != "" {
		if n, err := strconv.Atoi(v4); err != nil || n < 0 || n > 32 {
			return fmt.Errorf("bad IPv4 prefix length %q", v4)
		}
	}
	if dual {
		if n, err := strconv.Atoi(v6); err != nil || n < 0 || n > 128 {
			return fmt.Errorf("bad IPv6 prefix length %q", v6)
		}
	}
	return nil
}

func checkIP(kind, v string) error {
	if v == "" {
		return fmt.Errorf("%s needs an address", kind)
	}
	addr, bits, hasBits := strings.Cut(v, "/")
	ip, err := netip.ParseAddr(addr)
	if err != nil || (kind == "ip4") != ip.Is4() {
		return fmt.Errorf("%q is not an %s address", addr, map[string]string{"ip4": "IPv4", "ip6": "IPv6"}[kind])
	}
	if hasBits {
		n, err := strconv.Atoi(bits)
		if err != nil || n < 0 || n > ip.BitLen() {
			return fmt.Errorf("bad prefix length %q", bits)
		}
	}
	return nil
}
