package ndr

import (
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/ndr/reason"
)

// Fact is what one source says about one recipient before anything is
// decided: a family layout, the RFC 3464 delivery-status part, the generic
// text scraper, or (outside this package) a mail log line. Every field may
// be empty. Resolve turns a Fact into a Recipient.
type Fact struct {
	Address           string
	OriginalRecipient string
	// Action is the RFC 3464 action (failed, delayed, delivered, relayed,
	// expanded).
	Action string
	// Status is the enhanced status code the report states in a field of
	// its own (a DSN's Status:, a log's dsn=); codes quoted inside
	// Diagnostic are found by Resolve.
	Status string
	// StatusText is a comment that came with Status ("5.0.0 (permanent
	// failure)"), or a Status field holding text instead of a code.
	StatusText string
	// ReplyCode is a reply code stated apart from the diagnostic, 0 when
	// none; codes quoted in Diagnostic are found by Resolve.
	ReplyCode      int
	Diagnostic     string
	DiagnosticType string
	RemoteMTA      string
	ReportingMTA   string
	// Command is the SMTP command the remote server refused, in any
	// spelling reason.Stage understands ("RCPT TO", "end of DATA").
	Command string
	Date    string
	// Reason is a reason the source states outright (an ESP's bounce
	// subtype, a vendor error code); it wins over every other rule.
	Reason       string
	FeedbackType string
}

// Resolve decides status, reply code, reason and hard/soft for one fact.
// The status is the report's own field unless the diagnostic quotes a more
// precise one (relaying MTAs often write a generic 5.0.0 or 4.4.7 around the
// remote server's exact code); the reply code is the one that goes with it.
func Resolve(f Fact) Recipient {
	r := Recipient{
		Address:           f.Address,
		OriginalRecipient: f.OriginalRecipient,
		Action:            strings.ToLower(f.Action),
		Diagnostic:        f.Diagnostic,
		DiagnosticType:    f.DiagnosticType,
		RemoteMTA:         f.RemoteMTA,
		Command:           reason.Stage(f.Command),
		LastAttempt:       f.Date,
		FeedbackType:      f.FeedbackType,
	}
	if r.OriginalRecipient == r.Address {
		r.OriginalRecipient = ""
	}
	quoted := pickDiagnosticStatus(findStatusCodes(f.Diagnostic))
	replies := findReplyCodes(f.Diagnostic)
	stated := ""
	if f.ReplyCode != 0 {
		stated = strconv.Itoa(f.ReplyCode)
	}
	firstReply := stated
	if firstReply == "" {
		firstReply = pickReply(replies, "")
	}
	r.Status = preferStatus(f.Status, quoted, firstReply)
	if f.ReplyCode != 0 {
		r.ReplyCode = f.ReplyCode
	} else if rc := pickReply(replies, r.Status); rc != "" {
		r.ReplyCode, _ = strconv.Atoi(rc)
	}
	v := reason.Classify(reason.Input{
		Status:   r.Status,
		Reply:    r.ReplyCode,
		Text:     strings.TrimSpace(f.Diagnostic + " " + f.StatusText),
		Stage:    r.Command,
		DiagType: f.DiagnosticType,
		Action:   r.Action,
		Hosts:    []string{f.RemoteMTA, f.ReportingMTA, domainOf(f.Address)},
		Hint:     f.Reason,
	})
	r.Reason, r.HardBounce = v.Reason, v.Hard
	if r.Action == "" {
		r.Action = defaultAction(r.Reason, r.Status, r.ReplyCode, f.Diagnostic)
	}
	return r.detached()
}

// detached copies the strings of r that may be slices of the text it was
// read from, so a result kept after the parse (waiting for its turn in an
// mbox, or collected) does not keep a whole message alive.
func (r Recipient) detached() Recipient {
	for _, s := range []*string{&r.Address, &r.OriginalRecipient, &r.Status, &r.Diagnostic, &r.DiagnosticType, &r.RemoteMTA, &r.LastAttempt, &r.FeedbackType} {
		*s = strings.Clone(*s)
	}
	return r
}

// defaultAction fills in the RFC 3464 action a report left out. Words
// saying the sender keeps trying make it a delay; a queue that gave up
// (expired) is a failure even when its last error was temporary; otherwise
// a 4.x.x status or 4xx reply means a delay.
func defaultAction(why, status string, reply int, diag string) string {
	switch {
	case why == "delivered":
		return "delivered"
	case why == "feedback" || why == "vacation":
		return ""
	case reason.Retrying(diag):
		return "delayed"
	case why == "expired":
		return "failed"
	case strings.HasPrefix(status, "4.") || (status == "" && reply >= 400 && reply < 500):
		return "delayed"
	}
	return "failed"
}
