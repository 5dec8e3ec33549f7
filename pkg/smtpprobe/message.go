package smtpprobe

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// buildMessage makes the test message for DATA: default headers, each
// replaced by a --header of the same name, then the body.
func buildMessage(st Step, from string, to []string, ehlo string, now time.Time) []byte {
	if from == "" {
		from = "postmaster@" + ehlo
	}
	id := make([]byte, 8)
	rand.Read(id)
	headers := []string{
		"Date: " + now.Format(time.RFC1123Z),
		"From: " + from,
		"To: " + strings.Join(to, ", "),
		"Subject: mailflow test " + now.UTC().Format(time.RFC3339),
		"Message-ID: <" + hex.EncodeToString(id) + ".mailflow@" + ehlo + ">",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
	}
	for _, h := range st.Headers {
		name, _, _ := strings.Cut(h, ":")
		replaced := false
		for i, d := range headers {
			if dn, _, _ := strings.Cut(d, ":"); strings.EqualFold(dn, name) {
				headers[i], replaced = h, true
			}
		}
		if !replaced {
			headers = append(headers, h)
		}
	}
	body := st.Body
	if body == "" {
		body = "This is a test message sent by mailflow to check mail flow.\n"
	}
	return []byte(strings.Join(headers, "\r\n") + "\r\n\r\n" + body)
}
