package dnsbl

import (
	"bytes"
	"fmt"
	"io"
	"iter"
	"math/bits"
	"net/netip"
	"strconv"
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
	// Source names the input's origin ("targets.txt:12"); empty for
	// command-line arguments.
	Source string
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
	Source    string
	Total     uint64
	Limit     uint64
	Confirmed bool
}

func (e *RangeTooLargeError) Error() string {
	at := ""
	if e.Source != "" {
		at = e.Source + ": "
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

// RangeBudget counts the addresses of ranges against the limit: ranges
// of up to ConfirmRange addresses in total are expanded without asking, up
// to MaxRange with confirmation (large), never more.
type RangeBudget struct {
	Large bool
	// Used is the number of addresses taken so far.
	Used uint64
}

func (b *RangeBudget) limit() uint64 {
	if b.Large {
		return MaxRange
	}
	return ConfirmRange
}

// Take counts t's addresses when it is a range, or returns a
// *RangeTooLargeError (and takes nothing) when they do not fit.
func (b *RangeBudget) Take(t Target) error {
	if t.Kind != TargetRange {
		return nil
	}
	sum, carry := bits.Add64(b.Used, t.Size(), 0)
	if carry != 0 {
		sum = ^uint64(0)
	}
	if sum > b.limit() {
		return &RangeTooLargeError{Input: t.Input, Source: t.Source, Total: sum, Limit: b.limit(), Confirmed: b.Large}
	}
	b.Used = sum
	return nil
}

// Expand turns ranges into single addresses, keeping names and addresses as
// they are. The addresses of all ranges together may not exceed
// ConfirmRange, or MaxRange when large is set.
func Expand(ts []Target, large bool) ([]Target, error) {
	b := RangeBudget{Large: large}
	for _, t := range ts {
		if err := b.Take(t); err != nil {
			return nil, err
		}
	}
	out := make([]Target, 0, len(ts)+int(b.Used))
	for _, t := range ts {
		for one := range t.addresses() {
			out = append(out, one)
		}
	}
	return out, nil
}

// addresses yields a range's addresses as targets, or t itself.
func (t Target) addresses() iter.Seq[Target] {
	return func(yield func(Target) bool) {
		if t.Kind != TargetRange {
			yield(t)
			return
		}
		for ip := t.Prefix.Addr(); t.Prefix.Contains(ip); ip = ip.Next() {
			if !yield(Target{Input: t.Input, Kind: TargetIP, IP: ip, Source: t.Source}) {
				return
			}
		}
	}
}

// MaxTargetsFile bounds a --file: far more lines than any sane bulk check.
const (
	MaxTargetsFile = 16 << 20
	maxTargetLine  = 4096
)

// Input is one item of a bulk check: a target, or a line of a target list
// that could not be used (Err set; the run goes on without it).
type Input struct {
	Target Target
	// Source is "FILE:LINE" for a list line, empty for an argument.
	Source string
	// Text is the line as written, without its comment.
	Text string
	Err  error
}

// TargetList is a list of targets, one a line ("#" starts a comment,
// blank lines are skipped), kept as the bytes read: a list of tens of
// thousands of addresses costs its size, and targets are parsed as they
// are checked.
type TargetList struct {
	name   string
	data   []byte
	budget RangeBudget
	// Targets is how many addresses and names the list holds, ranges
	// counted by their size; Lines how many lines have content, and Bad
	// how many of them cannot be used.
	Targets uint64
	Lines   int
	Bad     int
}

// Name is the list's name in sources and errors.
func (l *TargetList) Name() string { return l.name }

// ReadTargetList reads a list (at most MaxTargetsFile bytes) named name in
// errors and sources. budget is what the ranges of the list may still use
// after those given elsewhere. The error is for a list that cannot be read
// or is too large; bad lines are counted and become Inputs with Err.
func ReadTargetList(name string, r io.Reader, budget RangeBudget) (*TargetList, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxTargetsFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(data) > MaxTargetsFile {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, MaxTargetsFile>>20)
	}
	l := &TargetList{name: name, data: data, budget: budget}
	for in := range l.lines() {
		l.Lines++
		if in.Err != nil {
			l.Bad++
		} else {
			l.Targets += in.Target.Size()
		}
	}
	return l, nil
}

// Inputs yields the list's targets in order, ranges expanded into their
// addresses one at a time, and its unusable lines.
func (l *TargetList) Inputs() iter.Seq[Input] {
	return func(yield func(Input) bool) {
		for in := range l.lines() {
			if in.Err != nil {
				if !yield(in) {
					return
				}
				continue
			}
			for t := range in.Target.addresses() {
				if !yield(Input{Target: t, Source: in.Source, Text: in.Text}) {
					return
				}
			}
		}
	}
}

// lines parses the list line by line, ranges unexpanded, each pass with
// the budget the list started with, so every pass agrees.
func (l *TargetList) lines() iter.Seq[Input] {
	return func(yield func(Input) bool) {
		budget := l.budget
		rest := l.data
		for n := 1; len(rest) > 0; n++ {
			line := rest
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				line, rest = rest[:i], rest[i+1:]
			} else {
				rest = nil
			}
			src := l.name + ":" + strconv.Itoa(n)
			if len(line) > maxTargetLine {
				if !yield(Input{Source: src, Err: fmt.Errorf("line longer than %d bytes", maxTargetLine)}) {
					return
				}
				continue
			}
			text, _, _ := strings.Cut(string(line), "#")
			text = strings.TrimSpace(text)
			if text == "" {
				continue
			}
			in := Input{Source: src, Text: text}
			in.Target, in.Err = ParseTarget(text)
			if in.Err == nil {
				in.Err = budget.Take(in.Target)
			}
			in.Target.Source = src
			if !yield(in) {
				return
			}
		}
	}
}
