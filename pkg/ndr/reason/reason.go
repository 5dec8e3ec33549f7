// Package reason decides why a message bounced: a reason in Sisimai's v5
// vocabulary (userunknown, mailboxfull, blocked, ...) and whether the
// failure is hard, from the facts a bounce report or a mail log line gives
// about one recipient: the enhanced status code, the SMTP reply code, the
// diagnostic text and the SMTP stage at which the remote server refused.
//
// It decides by conditions, in this order: a reason the report states
// outright (an ARF report is a complaint, an SES subtype, a vendor error
// code); provider and vendor codes with an exact meaning (Exchange
// diagnostic tokens, Gmail's help-article tokens, Yahoo's bracketed codes,
// ...); the enhanced status code where it names one condition (RFC 3463,
// the IANA registry, Microsoft's 5.7.x list) together with the reply text
// matched against per-reason phrase tables drawn from what MTAs and
// providers document they say; and last the SMTP stage and the status
// class. Hard or soft follows from the reason and the status class in one
// table (see Hard).
//
// It does no I/O and knows nothing of message formats: package ndr and any
// log reader turn their input into an Input.
package reason

import (
	"strings"
)

// Vocabulary lists every reason Classify can return. It is Sisimai v5's
// list, so results compare with that widely used parser.
var Vocabulary = []string{
	"authfailure", "badreputation", "blocked", "contenterror", "delivered",
	"exceedlimit", "expired", "failedstarttls", "feedback", "filtered",
	"hasmoved", "hostunknown", "mailboxfull", "mailererror", "mesgtoobig",
	"networkerror", "norelaying", "notaccept", "notcompliantrfc", "onhold",
	"policyviolation", "rejected", "requireptr", "securityerror",
	"spamdetected", "speeding", "suppressed", "suspend", "syntaxerror",
	"systemerror", "systemfull", "toomanyconn", "undefined", "userunknown",
	"vacation", "virusdetected",
}

// Input is what is known about one recipient's failure. Every field may be
// empty.
type Input struct {
	// Status is the RFC 3463 enhanced status code ("5.1.1").
	Status string
	// Reply is the RFC 5321 reply code (550), 0 when unknown.
	Reply int
	// Text is the diagnostic: the remote server's reply or the reporting
	// MTA's explanation, in any case and with any line breaks.
	Text string
	// Stage is the SMTP command the remote server refused, as returned by
	// Stage or DetectStage: CONN, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA,
	// or "" when unknown.
	Stage string
	// DiagType is the RFC 3464 diagnostic type ("smtp", "x-unix",
	// "x-postfix"), lower-case; "" means an SMTP reply or unknown.
	DiagType string
	// Action is the RFC 3464 action: failed, delayed, delivered, relayed,
	// expanded.
	Action string
	// Hosts are the names that tie the failure to a provider: the remote
	// MTA, the reporting MTA and the recipient's domain.
	Hosts []string
	// Hint is a reason the report states outright (a vendor error code, an
	// ESP's bounce subtype); it wins unless it is undefined or onhold.
	Hint string
}

// Verdict is the classifier's answer.
type Verdict struct {
	Reason string
	// Hard is true when sending to the same address again cannot succeed.
	Hard bool
	// Rule names the condition that decided, for explanations and tests:
	// "hint", "provider google", "status 5.1.1", "text mailboxfull",
	// "stage MAIL", ...
	Rule string
}

// Classify decides the reason for one recipient.
func Classify(in Input) Verdict {
	c := newCase(in)
	r, rule := c.decide()
	return Verdict{Reason: r, Hard: Hard(r, in.Status, in.Reply), Rule: rule}
}

// Hard says whether a failure with this reason and status can never succeed
// on retry. The table, in one place:
//
//	userunknown, hostunknown, hasmoved   hard: the address or its domain does not exist
//	notaccept                            hard when permanent (5.x.x, 5xx or no code): the
//	                                     domain declares it takes no mail (null MX)
//	everything else                      soft: the mailbox exists and the cause (quota,
//	                                     policy, reputation, content, network) can change
//
// A temporary status (4.x.x or 4xx) is never hard.
func Hard(reason, status string, reply int) bool {
	if strings.HasPrefix(status, "4.") || (reply >= 400 && reply < 500 && status == "") {
		return false
	}
	switch reason {
	case "userunknown", "hostunknown", "hasmoved":
		return true
	case "notaccept":
		return reply == 0 || reply >= 500
	}
	return false
}

// Retrying reports whether text says the sender is still trying: a delay
// notice rather than a final failure.
func Retrying(text string) bool {
	return match(normalize(text)).has("retry")
}
