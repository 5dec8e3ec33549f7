package ndr

import (
	"strconv"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// Kind says what an input turned out to be.
type Kind string

const (
	// KindBounce is a non-delivery or delay report (also a delivery
	// notification: its recipients carry reason "delivered").
	KindBounce Kind = "bounce"
	// KindFeedback is an ARF (RFC 5965) complaint report.
	KindFeedback Kind = "feedback"
	// KindAutoReply is an out-of-office or other RFC 3834 automatic reply.
	KindAutoReply Kind = "autoreply"
	// KindCode is a bare status code or a pasted reply line.
	KindCode Kind = "code"
	// KindNotBounce is a readable message that reports no delivery problem.
	KindNotBounce Kind = "not_bounce"
	// KindUnparsed is input that could not be read as mail; Result.Error
	// says why.
	KindUnparsed Kind = "unparsed"
)

// Result is what one input (a file, stdin, one mbox message or a bare code)
// turned out to be.
type Result struct {
	// Source names the input: a path, "-", "path#12" for the 12th message
	// of an mbox, or the code as typed.
	Source string `json:"source"`
	Kind   Kind   `json:"kind"`
	// Error explains why the input could not be parsed (KindUnparsed).
	Error string `json:"error,omitempty"`
	// Layout names the bounce format recognised ("postfix", "exim", ...),
	// empty when only the generic RFC 3464 structure was used.
	Layout       string      `json:"layout,omitempty"`
	ReportingMTA string      `json:"reporting_mta,omitempty"`
	Original     *Original   `json:"original,omitempty"`
	Recipients   []Recipient `json:"recipients"`
	// Truncated lists the size limits that stopped the reading of this
	// input before its end; the recipients come from what was read.
	Truncated []Truncation `json:"truncated,omitempty"`
}

// Truncation says that a size limit stopped the reading of an input.
type Truncation struct {
	// Limit names the limit: "input" (the bytes read of one input,
	// --max-input), "mime_parts" or "mime_depth" (the MIME structure),
	// "returned_message" (the copy of a returned message read as a bounce
	// of its own) or "line" (one line of a mail log).
	Limit string `json:"limit" jsonschema:"enum=input,enum=mime_parts,enum=mime_depth,enum=returned_message,enum=line"`
	// Max is the limit: bytes, or for the MIME limits parts and levels.
	Max int64 `json:"max"`
	// UnreadBytes is how much of the input was not read.
	UnreadBytes int64 `json:"unread_bytes"`
	// AtLeast is set when the input went on beyond what was counted, so
	// UnreadBytes is a lower bound.
	AtLeast bool `json:"at_least,omitempty"`
}

// Original holds the headers of the message that bounced, as returned in the
// report.
type Original struct {
	MessageID string `json:"message_id,omitempty"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	Subject   string `json:"subject,omitempty"`
	Date      string `json:"date,omitempty"`
}

// Recipient is the outcome for one recipient of the bounced message.
type Recipient struct {
	Address           string `json:"address,omitempty"`
	OriginalRecipient string `json:"original_recipient,omitempty"`
	// Action is the RFC 3464 action: failed, delayed, delivered, relayed or
	// expanded.
	Action string `json:"action"`
	// Status is the RFC 3463 enhanced status code, empty when the report
	// carries none.
	Status string `json:"status,omitempty"`
	// ReplyCode is the RFC 5321 reply code, 0 when the report carries none.
	ReplyCode int `json:"reply_code,omitempty"`
	// Reason is the bounce class in Sisimai's vocabulary (userunknown,
	// mailboxfull, blocked, ...).
	Reason string `json:"reason"`
	// HardBounce is true when retrying the same address cannot succeed.
	HardBounce     bool   `json:"hard_bounce"`
	Diagnostic     string `json:"diagnostic,omitempty"`
	DiagnosticType string `json:"diagnostic_type,omitempty"`
	RemoteMTA      string `json:"remote_mta,omitempty"`
	// Command is the SMTP command the remote server rejected, when known.
	Command      string       `json:"command,omitempty"`
	LastAttempt  string       `json:"last_attempt,omitempty"`
	FeedbackType string       `json:"feedback_type,omitempty"`
	Explanation  *Explanation `json:"explanation,omitempty"`
}

// String says what a limit left unread, for people.
func (t Truncation) String() string {
	what := map[string]string{
		"input":            "read up to the input limit of " + sizeText(t.Max),
		"mime_parts":       "MIME structure cut at " + strconv.FormatInt(t.Max, 10) + " parts",
		"mime_depth":       "MIME structure cut at " + strconv.FormatInt(t.Max, 10) + " levels",
		"returned_message": "the attached bounce read up to " + sizeText(t.Max),
		"line":             "log line read up to " + sizeText(t.Max),
	}[t.Limit]
	if what == "" {
		what = t.Limit + " limit " + strconv.FormatInt(t.Max, 10)
	}
	more := ""
	if t.AtLeast {
		more = "at least "
	}
	return what + ", " + more + report.Plural(int(t.UnreadBytes), "byte") + " not read"
}

// sizeText writes a byte count in the largest binary unit that divides
// it.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
