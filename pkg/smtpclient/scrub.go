package smtpclient

import "strings"

// Scrub replaces every occurrence of the given secrets in the recorded lines
// with a redaction mark. Auth already redacts what we send; this catches a
// server that echoes a credential back (some log the failed AUTH line in
// their reply). Secrets shorter than four bytes are left alone: replacing
// them would shred ordinary words without protecting anything.
func (t *Transcript) Scrub(secrets ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.lines {
		t.lines[i].Text = ScrubText(t.lines[i].Text, secrets...)
	}
}

// ScrubText applies the Scrub rule to one string.
func ScrubText(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "**** (redacted)")
		}
	}
	return s
}
