package ndr

import (
	"strings"

	"github.com/mailflowkit/mailflow/pkg/ndr/reason"
)

// Postfix logs (postfix.org, the delivery agents smtp(8), lmtp, local(8),
// virtual(8), pipe(8) and error(8), the queue manager qmgr(8) and the SMTP
// server smtpd(8)/postscreen(8)), as syslog lines "postfix/smtp[pid]:
// QUEUEID: ...". The delivery agents log one line per recipient and
// attempt (src/global/log_adhoc.c):
//
//	QUEUEID: to=<rcpt>, orig_to=<orig>, relay=host[ip]:port, delay=N,
//	    delays=a/b/c/d, dsn=X.Y.Z, status=sent|bounced|deferred|undeliverable (text)
//
// where the text of an SMTP refusal is smtp(8)'s "host H[IP] said: REPLY
// (in reply to CMD command)" (src/smtp/smtp_trouble.c). When a message has
// waited longer than maximal_queue_lifetime, qmgr logs "QUEUEID:
// from=<sender>, status=expired, returned to sender" once for the message
// (src/qmgr/qmgr_active.c): the recipients are those still deferred, and
// the reason is their last deferral, so the reader remembers the deferrals
// of messages still queued. The SMTP server logs refusals of incoming mail
// as "NOQUEUE: reject: RCPT from host[ip]: REPLY; from=<s> to=<r>
// proto=ESMTP helo=<h>" (src/smtpd/smtpd_check.c; milter-reject and the
// DATA and END-OF-MESSAGE stages likewise).

// maxQueued bounds the messages whose deferrals the reader remembers for a
// later "status=expired"; the oldest are forgotten first.
const maxQueued = 10000

// postfixQueue remembers the last deferral of each recipient of the
// messages still in Postfix's queue.
type postfixQueue struct {
	deferred map[string][]Fact
	order    []string // queue IDs in the order first deferred
}

// remember keeps the last deferral of a recipient of message id.
func (q *postfixQueue) remember(id string, f Fact) {
	if q.deferred == nil {
		q.deferred = map[string][]Fact{}
	}
	list, known := q.deferred[id]
	for i := range list {
		if list[i].Address == f.Address {
			list[i] = f
			return
		}
	}
	if !known {
		if len(q.order) >= maxQueued {
			delete(q.deferred, q.order[0])
			q.order = q.order[1:]
		}
		q.order = append(q.order, id)
	}
	q.deferred[id] = append(list, f)
}

// done forgets a recipient that was delivered or bounced.
func (q *postfixQueue) done(id, addr string) {
	list := q.deferred[id]
	for i := range list {
		if list[i].Address == addr {
			q.deferred[id] = append(list[:i:i], list[i+1:]...)
			return
		}
	}
}

// take returns and forgets the deferrals of a message.
func (q *postfixQueue) take(id string) []Fact {
	list := q.deferred[id]
	delete(q.deferred, id)
	return list
}

func (q *postfixQueue) line(source string, l logLine) (Result, outcome) {
	id, rest, ok := strings.Cut(l.msg, ": ")
	if !ok || (id != "NOQUEUE" && !queueID(id)) {
		return Result{}, lineOther
	}
	switch {
	case strings.HasPrefix(rest, "to="):
		return q.delivery(source, l, id, rest)
	case strings.HasPrefix(rest, "from=") && strings.Contains(rest, "status=expired"):
		return q.expired(source, l, id, rest)
	case strings.HasPrefix(rest, "reject: "), strings.HasPrefix(rest, "milter-reject: "):
		return postfixReject(source, l, rest)
	case rest == "removed":
		delete(q.deferred, id)
	}
	return Result{}, lineOther
}

// delivery reads a delivery agent's line about one recipient.
func (q *postfixQueue) delivery(source string, l logLine, id, rest string) (Result, outcome) {
	a := attrs(rest, "status")
	word, text, _ := strings.Cut(a["status"], " ")
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "(") && strings.HasSuffix(text, ")") {
		text = text[1 : len(text)-1]
	}
	f := Fact{
		Address:           angleAddress(a["to"]),
		OriginalRecipient: angleAddress(a["orig_to"]),
		Status:            a["dsn"],
		Diagnostic:        text,
		RemoteMTA:         relayHost(a["relay"]),
		Command:           reason.DetectStage(text),
		Date:              l.time,
	}
	if strings.Contains(text, " said: ") {
		f.DiagnosticType = "smtp"
	}
	switch word {
	case "sent", "deliverable":
		q.done(id, f.Address)
		return Result{}, lineDelivered
	case "bounced", "undeliverable":
		q.done(id, f.Address)
		f.Action = "failed"
	case "deferred":
		f.Action = "delayed"
		q.remember(id, f)
	default:
		return Result{}, lineOther
	}
	return logResult(source, l, "postfix-log", []Fact{f}), lineResult
}

// expired reads qmgr's line about a message that outlived the queue
// lifetime: its recipients failed with their last deferral as the reason.
func (q *postfixQueue) expired(source string, l logLine, id, rest string) (Result, outcome) {
	sender := angleAddress(attrs(rest, "status")["from"])
	facts := q.take(id)
	for i := range facts {
		facts[i].Action = "failed"
		facts[i].Reason = "expired"
		facts[i].Date = l.time
		facts[i].Diagnostic = "message expired in the queue, last error: " + facts[i].Diagnostic
	}
	if len(facts) == 0 {
		// The deferrals are in an earlier log: the recipients are unknown.
		facts = []Fact{{Action: "failed", Reason: "expired", Diagnostic: "message from <" + sender + "> expired in the queue and was returned to the sender; its deferrals are not in this log"}}
	}
	res := logResult(source, l, "postfix-log", facts)
	if sender != "" {
		res.Original = &Original{From: sender}
	}
	return res, lineResult
}

// postfixReject reads the SMTP server's refusal of a recipient:
// "reject: RCPT from host[ip]: 550 5.1.1 <rcpt>: Recipient address
// rejected: ...; from=<s> to=<r> proto=ESMTP helo=<h>". A refusal that
// names no recipient (at CONNECT or HELO) is about the client, not a
// delivery, and is skipped.
func postfixReject(source string, l logLine, rest string) (Result, outcome) {
	_, rest, _ = strings.Cut(rest, "reject: ")
	stage, rest, _ := strings.Cut(rest, " from ")
	_, reply, ok := strings.Cut(rest, ": ")
	if !ok {
		return Result{}, lineOther
	}
	var env string
	if i := strings.LastIndex(reply, "; from=<"); i >= 0 {
		reply, env = reply[:i], reply[i+2:]
	}
	to := ""
	if i := strings.Index(env, " to=<"); i >= 0 {
		to, _, _ = strings.Cut(env[i+5:], ">")
	}
	if to == "" {
		return Result{}, lineOther
	}
	if stage == "END-OF-MESSAGE" {
		stage = reason.StageData
	}
	f := Fact{Address: angleAddress(to), Diagnostic: reply, DiagnosticType: "smtp", Command: stage, Date: l.time}
	return logResult(source, l, "postfix-log", []Fact{f}), lineResult
}
