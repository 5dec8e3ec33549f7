package smtpclient_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

func TestRedactor(t *testing.T) {
	r := smtpclient.NewRedactor()
	r.Add("hunter2-Secret!")
	r.AddEncoded("\x00probe@lab.test\x00hunter2-Secret!")
	tests := []struct{ in, want string }{
		{"535 5.7.8 bad password hunter2-Secret!", "535 5.7.8 bad password " + smtpclient.Redacted},
		// base64 of the password, padded and not
		{"you sent aHVudGVyMi1TZWNyZXQh", "you sent " + smtpclient.Redacted},
		// the whole PLAIN blob, and a piece of it cut short by the server
		{"you sent AHByb2JlQGxhYi50ZXN0AGh1bnRlcjItU2VjcmV0IQ==", "you sent " + smtpclient.Redacted},
		{"you sent AHByb2JlQGxhYi50ZXN0AGh1bnRl...", "you sent " + smtpclient.Redacted + "..."},
		// the user name alone stays readable, and so do ordinary words
		{"authenticated as probe@lab.test", "authenticated as probe@lab.test"},
		{"Authentication credentials invalid", "Authentication credentials invalid"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := r.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var none *smtpclient.Redactor
	if got := none.Redact("hunter2-Secret!"); got != "hunter2-Secret!" {
		t.Errorf("nil redactor changed the text: %q", got)
	}
	short := smtpclient.NewRedactor()
	short.Add("pw")
	if got := short.Redact("pwd and pw"); got != "pwd and pw" {
		t.Errorf("a two-byte secret shredded words: %q", got)
	}
	if strings.Contains(r.Redact("aHVudGVyMi1TZWNyZXQh"), "aHVu") {
		t.Error("encoded password kept")
	}
}

// Whatever surrounds it, a registered secret and its encodings never
// survive Redact.
func FuzzRedact(f *testing.F) {
	f.Add("535 5.7.8 you sent ", " back", "hunter2-Secret!")
	f.Add("", "", "abcd")
	f.Add("AAAA", "====", "\x00user\x00pw12")
	f.Fuzz(func(t *testing.T, before, after, secret string) {
		if len(secret) < 4 {
			return
		}
		r := smtpclient.NewRedactor()
		r.Add(secret)
		enc := base64.StdEncoding.EncodeToString([]byte(secret))
		for _, form := range []string{secret, enc} {
			got := r.Redact(before + form + after)
			// The marker's own characters may spell the secret together
			// with the text beside it ("...(redacted)" then "000" for the
			// secret ")000"): nothing of the secret is left there, so
			// look with each marker made one byte the secret lacks.
			hole := -1
			for c := 0; c < 256 && hole < 0; c++ {
				if strings.IndexByte(form, byte(c)) < 0 {
					hole = c
				}
			}
			if hole < 0 {
				continue
			}
			if left := strings.ReplaceAll(got, smtpclient.Redacted, string([]byte{byte(hole)})); strings.Contains(left, form) && !strings.Contains(before+after, form) {
				t.Fatalf("Redact(%q) = %q keeps %q", before+form+after, got, form)
			}
		}
	})
}
