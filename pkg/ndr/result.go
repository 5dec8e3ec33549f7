package ndr

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
	KindNotBounce Kind = "not-bounce"
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
