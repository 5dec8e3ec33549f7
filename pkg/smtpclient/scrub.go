package smtpclient

import (
	"encoding/base64"
	"strings"
	"sync"
)

// Redacted replaces a secret wherever it would be shown.
const Redacted = "**** (redacted)"

// minSecret is the shortest secret replaced: shorter ones would shred
// ordinary words without protecting anything.
const minSecret = 4

// minFragment is the shortest run of base64 characters that counts as a
// piece of an encoded secret when a server echoes it cut short. Eight
// characters of a random base64 string do not occur in prose by chance.
const minFragment = 8

// Redactor scrubs secrets by value: every form in which a credential
// crossed the wire (the password, the token, the AUTH PLAIN blob
// "\0user\0pass", each LOGIN step, the XOAUTH2 and OAUTHBEARER strings,
// the CRAM-MD5 response), raw and base64-encoded, is replaced wherever it
// appears, so a server that quotes what it was sent in a reply leaks
// nothing into the transcript, an error, a finding or any output format.
// A base64 run of at least eight characters that is part of an encoded
// secret is replaced too: servers that echo often cut the blob short.
//
// The zero value is not usable; a nil *Redactor redacts nothing (that is
// what --show-secrets gets). It is safe for concurrent use.
type Redactor struct {
	mu     sync.Mutex
	forms  []string // raw and encoded secrets, longest first
	base64 []string // the encoded forms, for fragment matching
}

// NewRedactor returns a redactor that knows no secrets yet.
func NewRedactor() *Redactor { return &Redactor{} }

// Add registers a secret in every form a session could show it: as is,
// and base64-encoded with and without padding.
func (r *Redactor) Add(secret string) { r.add(secret, true) }

// AddEncoded registers only the base64 forms of a payload that is not
// itself secret as a whole (a LOGIN user name step, a PLAIN blob whose
// user name must stay readable): its encoding carries the secret parts
// along, its raw text need not be hidden.
func (r *Redactor) AddEncoded(payload string) { r.add(payload, false) }

func (r *Redactor) add(secret string, raw bool) {
	if r == nil || len(secret) < minSecret {
		return
	}
	enc := base64.StdEncoding.EncodeToString([]byte(secret))
	forms := []string{enc, strings.TrimRight(enc, "=")}
	if raw {
		forms = append(forms, secret)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range forms {
		if len(f) >= minSecret && !contains(r.forms, f) {
			r.forms = append(r.forms, f)
		}
	}
	if !contains(r.base64, enc) {
		r.base64 = append(r.base64, enc)
	}
	// Longest first, so a blob is replaced whole before a secret inside it.
	for i := len(r.forms) - 1; i > 0 && len(r.forms[i]) > len(r.forms[i-1]); i-- {
		r.forms[i], r.forms[i-1] = r.forms[i-1], r.forms[i]
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// Redact returns s with every known secret form replaced.
func (r *Redactor) Redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.forms) == 0 {
		return s
	}
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, Redacted)
	}
	return r.fragments(s)
}

// fragments replaces base64 runs that are pieces of an encoded secret.
func (r *Redactor) fragments(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isB64(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isB64(s[j]) {
			j++
		}
		if tok := strings.TrimRight(s[i:j], "="); len(tok) >= minFragment && r.inEncoded(tok) {
			b.WriteString(s[last:i])
			b.WriteString(Redacted)
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func (r *Redactor) inEncoded(tok string) bool {
	for _, e := range r.base64 {
		if strings.Contains(e, tok) {
			return true
		}
	}
	return false
}

func isB64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

// Redact applies r to every recorded line. Lines the client records are
// redacted as they come in; this catches what callers noted themselves.
func (t *Transcript) Redact(r *Redactor) {
	if r == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.head {
		t.head[i].Text = r.Redact(t.head[i].Text)
	}
	for i := range t.tail {
		t.tail[i].Text = r.Redact(t.tail[i].Text)
	}
}
