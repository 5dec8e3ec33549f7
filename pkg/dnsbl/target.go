package dnsbl

import (
	"bufio"
	"fmt"
	"io"
	"math/bits"
	"net/netip"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// TargetKind says what a target is.
type TargetKind int

const (
	TargetIP    TargetKind = iota // one address, checked on IP lists
	TargetRange                   // a CIDR range, expanded into addresses before checking
	TargetName                    // a host or domain: its addresses on IP lists, the name on domain lists
)

var targetKindNames = [...]string{"ip", "range", "name"}

func (k TargetKind) String() string { return enumName(targetKindNames[:], int(k), "target") }

func (k TargetKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Target is one thing to check, as the user wrote it.
type Target struct {
	Input  string
	Kind   TargetKind
	IP     netip.Addr
	Prefix netip.Prefix
	Name   resolver.Name
	// Where names the input's origin for errors ("targets.txt:12"); empty
	// for command-line arguments.
	Where string
}

// String is the target for display: the address, the range or the name.
func (t Target) String() string {
	switch t.Kind {
	case TargetIP:
		return t.IP.String()
	case TargetRange:
		return t.Prefix.String()
	}
	return t.Name.String()
}

// ParseTarget reads an IP address, a CIDR range or a host/domain name.
// Strings that look like addresses but are not valid ones are errors rather
// than names, so a typo in an address is not looked up as a domain.
func ParseTarget(s string) (Target, error) {
	in := strings.TrimSpace(s)
	t := Target{Input: in}
	if in == "" {
		return t, fmt.Errorf("empty target")
	}
	if strings.Contains(in, "/") {
		p, err := netip.ParsePrefix(in)
		if err != nil {
			return t, fmt.Errorf("%q is not a valid CIDR range (want for example 192.0.2.0/24 or 2001:db8::/120)", in)
		}
		if p.Addr().Zone() != "" {
			return t, fmt.Errorf("%q: a zoned address cannot be on a block list", in)
		}
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				return t, fmt.Errorf("%q: an IPv4-mapped range must be /96 or longer", in)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		p = p.Masked()
		if p.IsSingleIP() {
			t.Kind, t.IP = TargetIP, p.Addr()
			return t, nil
		}
		t.Kind, t.Prefix = TargetRange, p
		return t, nil
	}
	if ip, err := netip.ParseAddr(strings.Trim(in, "[]")); err == nil {
		if ip.Zone() != "" {
			return t, fmt.Errorf("%q: a zoned address cannot be on a block list", in)
		}
		t.Kind, t.IP = TargetIP, ip.Unmap()
		return t, nil
	}
	if looksLikeAddress(in) {
		return t, fmt.Errorf("%q is not a valid IP address", in)
	}
	n, err := resolver.ParseName(in)
	if err != nil {
		return t, fmt.Errorf("%q is neither an IP address, a CIDR range nor a valid host name: %v", in, err)
	}
	if looksLikeAddress(n.ASCII) {
		// Digits typed in another script map to ASCII ones: accept the
		// address they spell, refuse what only looks like one.
		if ip, err := netip.ParseAddr(n.ASCII); err == nil {
			t.Kind, t.IP = TargetIP, ip
			return t, nil
		}
		return t, fmt.Errorf("%q is not a valid IP address", in)
	}
	t.Kind, t.Name = TargetName, n
	return t, nil
}

// looksLikeAddress spots malformed addresses: all-numeric dotted labels
// (192.0.2.300, 10.1) or anything with a colon.
func looksLikeAddress(s string) bool {
	if strings.Contains(s, ":") {
		return true
	}
	for l := range strings.SplitSeq(strings.TrimSuffix(s, "."), ".") {
		if l == "" || strings.Trim(l, "0123456789") != "" {
			return false
		}
	}
	return true
}

// Size is the number of addresses a target stands for, saturating at the
// largest uint64.
func (t Target) Size() uint64 {
	if t.Kind != TargetRange {
		return 1
	}
	hostBits := t.Prefix.Addr().BitLen() - t.Prefix.Bits()
	if hostBits >= 64 {
		return ^uint64(0)
	}
	return 1 << hostBits
}

// Range limits: ranges up to ConfirmRange addresses in total are expanded
// without asking; up to MaxRange with confirmation; never more.
const (
	ConfirmRange = 256
	MaxRange     = 1 << 16
)

// RangeTooLargeError says the ranges hold more addresses than allowed.
type RangeTooLargeError struct {
	Input     string // the range that crossed the limit
	Where     string
	Total     uint64
	Limit     uint64
	Confirmed bool
}

func (e *RangeTooLargeError) Error() string {
	at := ""
	if e.Where != "" {
		at = e.Where + ": "
	}
	if !e.Confirmed {
		return fmt.Sprintf("%srange %s brings the run to %s addresses, more than %d: confirm with --yes-large (at most %d) or narrow the range",
			at, e.Input, countString(e.Total), e.Limit, MaxRange)
	}
	return fmt.Sprintf("%srange %s brings the run to %s addresses, more than the limit of %d; split the work into smaller runs", at, e.Input, countString(e.Total), e.Limit)
}

func countString(n uint64) string {
	if n == ^uint64(0) {
		return "more than 18 quintillion"
	}
	return fmt.Sprint(n)
}

// Expand turns ranges into single addresses, keeping names and addresses as
// they are. The addresses of all ranges together may not exceed
// ConfirmRange, or MaxRange when large is set.
func Expand(ts []Target, large bool) ([]Target, error) {
	limit := uint64(ConfirmRange)
	if large {
		limit = MaxRange
	}
	var total uint64
	for _, t := range ts {
		if t.Kind != TargetRange {
			continue
		}
		sum, carry := bits.Add64(total, t.Size(), 0)
		if carry != 0 {
			sum = ^uint64(0)
		}
		total = sum
		if total > limit {
			return nil, &RangeTooLargeError{Input: t.Input, Where: t.Where, Total: total, Limit: limit, Confirmed: large}
		}
	}
	out := make([]Target, 0, len(ts)+int(total))
	for _, t := range ts {
		if t.Kind != TargetRange {
			out = append(out, t)
			continue
		}
		for ip := t.Prefix.Addr(); t.Prefix.Contains(ip); ip = ip.Next() {
			out = append(out, Target{Input: t.Input, Kind: TargetIP, IP: ip, Where: t.Where})
		}
	}
	return out, nil
}

// MaxTargetsFile bounds a --file: far more lines than any sane bulk check.
const (
	MaxTargetsFile = 16 << 20
	maxTargetLine  = 4096
)

// ReadTargets reads one target per line from r ("#" starts a comment;
// blank lines are skipped). Errors name the file and line.
func ReadTargets(name string, r io.Reader) ([]Target, error) {
	sc := bufio.NewScanner(io.LimitReader(r, MaxTargetsFile+1))
	sc.Buffer(make([]byte, 0, 1024), maxTargetLine)
	var out []Target
	line, read := 0, 0
	for sc.Scan() {
		line++
		read += len(sc.Bytes()) + 1
		if read > MaxTargetsFile {
			return nil, fmt.Errorf("%s: larger than %d MiB", name, MaxTargetsFile>>20)
		}
		text, _, _ := strings.Cut(sc.Text(), "#")
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		t, err := ParseTarget(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		t.Where = fmt.Sprintf("%s:%d", name, line)
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", name, line+1, maxTargetLine)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return out, nil
}
