// Package tagrec splits the "v=VERSION; name=value; ..." TXT records that
// MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3) share: the version
// first, fields separated by semicolons with optional blanks around them,
// and an optional trailing semicolon. What the fields mean is each
// package's business.
package tagrec

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// Field is one name=value field after the version.
type Field struct{ Name, Value string }

// ExtName returns the syntax of an extension field name in both records.
var ExtName = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$`)

// HasVersion reports whether txt starts with version followed by the end,
// a semicolon or a blank: the test senders use to discard other TXT
// records at the name.
func HasVersion(txt, version string) bool {
	rest, ok := strings.CutPrefix(txt, version)
	return ok && (rest == "" || rest[0] == ';' || rest[0] == ' ' || rest[0] == '\t')
}

// Versioned returns the TXT strings that carry the version; senders
// ignore the others at the name.
func Versioned(txt []string, version string) []string {
	var out []string
	for _, t := range txt {
		if HasVersion(t, version) {
			out = append(out, t)
		}
	}
	return out
}

// Split checks the version and returns the fields after it.
func Split(txt, version string) ([]Field, error) {
	if !HasVersion(txt, version) {
		return nil, fmt.Errorf("the record does not start with %q", version)
	}
	parts := strings.Split(strings.TrimPrefix(txt, version), ";")
	if strings.Trim(parts[0], " \t") != "" {
		return nil, fmt.Errorf("%q must be followed by a semicolon", version)
	}
	var out []Field
	for i, p := range parts[1:] {
		p = strings.Trim(p, " \t")
		if p == "" {
			if i == len(parts)-2 {
				break // a trailing delimiter is allowed
			}
			return nil, fmt.Errorf("empty field between semicolons")
		}
		name, value, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("field %q is not name=value", Clip(p))
		}
		if name == "v" {
			return nil, fmt.Errorf("v appears twice")
		}
		out = append(out, Field{name, value})
	}
	return out, nil
}

// Clip shortens text from a hostile record or file for messages, at a
// character boundary.
func Clip(s string) string {
	const maxLen = 64
	if len(s) <= maxLen {
		return s
	}
	cut := maxLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
