// Package mtasts checks a domain's MTA-STS (SMTP MTA Strict Transport
// Security, RFC 8461) the way a sending MTA uses it: the _mta-sts TXT
// record, the policy fetched over HTTPS from mta-sts.<domain> (certificate
// verified, no redirects, bounded in size and time), the policy's syntax,
// and whether every MX host matches one of its mx: patterns. Given what an
// SMTP session learned about each MX, it also says whether senders that
// enforce the policy can deliver (TLSFindings).
//
// It does not cache policies (each run is a first fetch, as for a sender
// that never saw the domain), connect to the MX hosts itself, or send
// TLS-RPT reports.
package mtasts

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
	"github.com/mailflowkit/mailflow/pkg/internal/tagrec"
)

// Mode is the policy mode (RFC 8461 §5).
type Mode string

const (
	// ModeEnforce: senders deliver only to matching MX hosts over
	// authenticated TLS.
	ModeEnforce Mode = "enforce"
	// ModeTesting: senders check and report failures but deliver anyway.
	ModeTesting Mode = "testing"
	// ModeNone: the domain withdraws its policy.
	ModeNone Mode = "none"
)

// MaxMaxAge is the longest max_age a policy may ask for: one year
// (RFC 8461 §3.2).
const MaxMaxAge = 31557600

// maxNotes bounds the notes of one policy: a 64 KiB file of blank lines
// would otherwise make thousands.
const maxNotes = 8

// Policy is a parsed policy file.
type Policy struct {
	Version string `json:"version"`
	Mode    Mode   `json:"mode"`
	MaxAge  int64  `json:"max_age"`
	// MX are the patterns as published, lower case.
	MX []string `json:"mx,omitempty"`
	// Notes are departures from the grammar that senders usually tolerate
	// (blank lines, trailing blanks, unknown fields).
	Notes []string `json:"notes,omitempty"`
}

// label is a DNS label of a host name pattern (LDH, A-labels included).
var label = lazyre.New(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// ParsePolicy parses a policy file strictly (RFC 8461 §3.2): lines of
// "field: value" ended by LF or CRLF; version STSv1, mode and max_age
// exactly once; at least one mx pattern unless the mode is none. Field
// names and values are case-sensitive, as the grammar writes them.
func ParsePolicy(text string) (*Policy, error) {
	p := &Policy{}
	seen := map[string]int{}
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the terminator of the last line
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("the policy is empty")
	}
	for i, line := range lines {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		if strings.ContainsRune(line, '\r') {
			return nil, fmt.Errorf("line %d: a bare carriage return; lines end in LF or CRLF", n)
		}
		if strings.TrimSpace(line) == "" {
			p.Notes = append(p.Notes, fmt.Sprintf("line %d is blank; the grammar has no blank lines", n))
			continue
		}
		if t := strings.TrimRight(line, " \t"); t != line {
			p.Notes = append(p.Notes, fmt.Sprintf("line %d ends in blanks", n))
			line = t
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %d: %q is not \"field: value\"", n, clip(line))
		}
		value = strings.TrimLeft(value, " \t")
		if !tagrec.ExtName().MatchString(name) {
			return nil, fmt.Errorf("line %d: %q is not a field name", n, clip(name))
		}
		seen[name]++
		if seen[name] > 1 && name != "mx" && isKnown(name) {
			return nil, fmt.Errorf("line %d: %s appears twice; senders disagree on which one counts", n, name)
		}
		if err := p.field(name, value); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
	}
	if len(p.Notes) > maxNotes {
		p.Notes = append(p.Notes[:maxNotes], fmt.Sprintf("… %d more", len(p.Notes)-maxNotes))
	}
	for _, f := range []string{"version", "mode", "max_age"} {
		if seen[f] == 0 {
			return nil, fmt.Errorf("no %s field", f)
		}
	}
	if len(p.MX) == 0 && p.Mode != ModeNone {
		return nil, fmt.Errorf("no mx field: a %s policy must name the MX hosts it allows", p.Mode)
	}
	return p, nil
}

func isKnown(name string) bool {
	switch name {
	case "version", "mode", "max_age", "mx":
		return true
	}
	return false
}

func (p *Policy) field(name, value string) error {
	switch name {
	case "version":
		if value != "STSv1" {
			return fmt.Errorf("version %q: the only version is STSv1", clip(value))
		}
		p.Version = value
	case "mode":
		switch m := Mode(value); m {
		case ModeEnforce, ModeTesting, ModeNone:
			p.Mode = m
		default:
			return fmt.Errorf("mode %q: want enforce, testing or none (lower case)", clip(value))
		}
	case "max_age":
		if value == "" || len(value) > 10 || strings.Trim(value, "0123456789") != "" {
			return fmt.Errorf("max_age %q: want a number of seconds (at most 10 digits)", clip(value))
		}
		n, _ := strconv.ParseInt(value, 10, 64)
		if n > MaxMaxAge {
			return fmt.Errorf("max_age %d is more than a year (%d seconds), the most RFC 8461 allows", n, MaxMaxAge)
		}
		p.MaxAge = n
	case "mx":
		pat, err := parsePattern(value)
		if err != nil {
			return err
		}
		p.MX = append(p.MX, pat)
	default:
		if strings.ToLower(name) != name && isKnown(strings.ToLower(name)) {
			return fmt.Errorf("field %q: field names are lower case (%s)", name, strings.ToLower(name))
		}
		p.Notes = append(p.Notes, fmt.Sprintf("unknown field %q (senders ignore it)", name))
	}
	return nil
}

// parsePattern validates an mx value: a host name, or "*." and a host
// name (RFC 8461 §3.2, §4.1).
func parsePattern(v string) (string, error) {
	host := strings.TrimPrefix(v, "*.")
	switch {
	case v == "":
		return "", fmt.Errorf("mx with an empty value")
	case strings.HasSuffix(v, "."):
		return "", fmt.Errorf("mx %q ends in a dot: patterns are written without it, and no MX host name matches it", clip(v))
	case strings.Contains(host, "*"):
		return "", fmt.Errorf("mx %q: a wildcard is only allowed as the whole leftmost label (*.example.com)", clip(v))
	case len(host) > 253:
		return "", fmt.Errorf("mx %q: longer than a host name can be", clip(v))
	}
	labels := strings.Split(strings.ToLower(host), ".")
	if len(labels) < 2 && host == v {
		return "", fmt.Errorf("mx %q is a single label, not a host name", clip(v))
	}
	for _, l := range labels {
		if !label().MatchString(l) {
			return "", fmt.Errorf("mx %q: %q is not a host name label (letters, digits, hyphens)", clip(v), clip(l))
		}
	}
	return strings.ToLower(v), nil
}

// MatchPattern reports whether host matches an mx pattern (RFC 8461
// §4.1): a literal name matches itself, "*.example.com" matches exactly
// one more label (mail.example.com, not example.com or a.b.example.com).
// Case and a trailing dot on host do not matter.
func MatchPattern(pattern, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	pattern = strings.ToLower(pattern)
	if rest, ok := strings.CutPrefix(pattern, "*."); ok {
		first, parent, ok := strings.Cut(host, ".")
		return ok && first != "" && parent == rest
	}
	return host == pattern
}

// Match returns the first pattern of the policy that host matches, "" for
// none.
func (p *Policy) Match(host string) string {
	for _, pat := range p.MX {
		if MatchPattern(pat, host) {
			return pat
		}
	}
	return ""
}

// clip shortens text from a hostile file for messages.
func clip(s string) string { return tagrec.Clip(s) }
