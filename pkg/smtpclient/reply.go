package smtpclient

import (
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflowkit/mailflow/pkg/statuscode"
)

// Reply is a complete (possibly multi-line) server reply.
type Reply struct {
	Code     int                 `json:"code"`
	Enhanced statuscode.Enhanced `json:"-"`
	// Lines holds the text of each line after the code and separator,
	// including any enhanced status code.
	Lines []string `json:"lines"`
	// Elapsed runs from the end of our command (or connect) to the last line.
	Elapsed time.Duration `json:"-"`
}

// EnhancedCode is the enhanced status code as text, "" when absent.
func (r *Reply) EnhancedCode() string { return r.Enhanced.String() }

// Message is the reply text with enhanced codes stripped, lines joined by
// spaces: what a person reads.
func (r *Reply) Message() string {
	parts := make([]string, 0, len(r.Lines))
	for _, l := range r.Lines {
		if !r.Enhanced.IsZero() {
			l = strings.TrimPrefix(l, r.Enhanced.String()+" ")
		}
		parts = append(parts, strings.TrimSpace(l))
	}
	return strings.Join(parts, " ")
}

// String renders the reply as the first line would read on the wire.
func (r *Reply) String() string {
	if len(r.Lines) == 0 {
		return fmt.Sprint(r.Code)
	}
	return fmt.Sprintf("%d %s", r.Code, strings.Join(r.Lines, " / "))
}

// Positive reports a 2xx or 3xx reply.
func (r *Reply) Positive() bool { return r.Code >= 200 && r.Code < 400 }

// ReplyError is a negative (4xx/5xx) or unexpected reply to a command.
// It unwraps to go-smtp's *smtp.SMTPError so callers can use that model.
type ReplyError struct {
	Command string // the command as sent, secrets redacted
	Reply   *Reply
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("%s: server replied %s", e.Command, e.Reply)
}

// Permanent reports a 5xx reply: retrying will not help.
func (e *ReplyError) Permanent() bool { return e.Reply.Code >= 500 }

func (e *ReplyError) Unwrap() error {
	se := &smtp.SMTPError{Code: e.Reply.Code, Message: e.Reply.Message()}
	if !e.Reply.Enhanced.IsZero() {
		se.EnhancedCode = smtp.EnhancedCode{e.Reply.Enhanced.Class, e.Reply.Enhanced.Subject, e.Reply.Enhanced.Detail}
	} else {
		se.EnhancedCode = smtp.NoEnhancedCode
	}
	return se
}

// parseReplyLine splits "250-text" into code, continuation flag and text.
func parseReplyLine(line string) (code int, more bool, text string, err error) {
	if len(line) < 3 {
		return 0, false, "", fmt.Errorf("malformed reply line %q: shorter than a reply code", clip(line))
	}
	for i := 0; i < 3; i++ {
		if line[i] < '0' || line[i] > '9' {
			return 0, false, "", fmt.Errorf("malformed reply line %q: does not start with a 3-digit code", clip(line))
		}
	}
	code = int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	if code < 200 || code > 599 {
		return 0, false, "", fmt.Errorf("malformed reply line %q: code %d out of range", clip(line), code)
	}
	if len(line) == 3 {
		return code, false, "", nil
	}
	switch line[3] {
	case '-':
		more = true
	case ' ':
	default:
		return 0, false, "", fmt.Errorf("malformed reply line %q: no space or dash after the code", clip(line))
	}
	return code, more, line[4:], nil
}

// enhancedOf reads an RFC 2034 enhanced code at the start of the first line;
// its class must agree with the reply code's first digit.
func enhancedOf(code int, first string) statuscode.Enhanced {
	f := strings.Fields(first)
	if len(f) == 0 {
		return statuscode.Enhanced{}
	}
	e, err := statuscode.ParseEnhanced(f[0])
	if err != nil || e.Class != code/100 {
		return statuscode.Enhanced{}
	}
	return e
}

// clip keeps error messages about hostile input short.
func clip(s string) string {
	const n = 80
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
