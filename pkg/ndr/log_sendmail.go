package ndr

import (
	"strings"

	"github.com/mailflowkit/mailflow/pkg/ndr/reason"
)

// Sendmail logs (sendmail.org; the syslog "equates" of sendmail's
// logdelivery() in sendmail/deliver.c, described in "sendmail", chapter
// "Signals, Transactions, and Syslog"): at LogLevel 9 and above one line
// per delivery attempt,
//
//	QUEUEID: to=<a>,<b>, ctladdr=..., delay=..., xdelay=..., mailer=esmtp,
//	    pri=..., relay=mx.example.org. [192.0.2.1], dsn=5.1.1, stat=User unknown
//
// where stat= is "Sent (...)", "Deferred: reason" or the failure text, and
// always comes last. A refusal of incoming mail by a check_ rule set is
// "QUEUEID: ruleset=check_rcpt, arg1=<rcpt>, relay=client [ip],
// reject=550 5.1.1 <rcpt>... User unknown", reject= last; only check_rcpt
// names a recipient.
func sendmailLine(source string, l logLine) (Result, outcome) {
	id, rest, ok := strings.Cut(l.msg, ": ")
	if !ok || (id != "NOQUEUE" && !queueID(id)) {
		return Result{}, lineOther
	}
	switch {
	case strings.HasPrefix(rest, "to="):
		return sendmailDelivery(source, l, rest)
	case strings.HasPrefix(rest, "ruleset=check_rcpt,"):
		a := attrs(rest, "reject")
		if a["reject"] == "" || a["arg1"] == "" {
			return Result{}, lineOther
		}
		f := Fact{Address: angleAddress(a["arg1"]), Diagnostic: a["reject"], DiagnosticType: "smtp", Command: reason.StageRcpt}
		return logResult(source, l, "sendmail-log", []Fact{f}), lineResult
	}
	return Result{}, lineOther
}

func sendmailDelivery(source string, l logLine, rest string) (Result, outcome) {
	a := attrs(rest, "stat")
	stat := strings.TrimSpace(a["stat"])
	action := "failed"
	switch low := strings.ToLower(stat); {
	case strings.HasPrefix(low, "sent"):
		return Result{}, lineDelivered
	case stat == "", strings.HasPrefix(low, "queued"):
		return Result{}, lineOther
	case strings.HasPrefix(low, "deferred"), strings.HasPrefix(a["dsn"], "4."):
		action = "delayed"
	}
	host := relayHost(a["relay"])
	var facts []Fact
	for _, to := range strings.Split(a["to"], ",") {
		if to = strings.TrimSpace(to); to == "" {
			continue
		}
		facts = append(facts, Fact{
			Address:    angleAddress(to),
			Action:     action,
			Status:     a["dsn"],
			Diagnostic: stat,
			RemoteMTA:  host,
			Command:    reason.DetectStage(stat),
		})
	}
	if len(facts) == 0 {
		return Result{}, lineOther
	}
	return logResult(source, l, "sendmail-log", facts), lineResult
}
