package ndr

import (
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// Automatic replies (RFC 3834): out-of-office and vacation notices are
// marked with Auto-Submitted: auto-replied, or by older conventions
// (X-Autoreply, X-Autorespond, Precedence: auto_reply, Exchange's
// "Automatic reply:" subject, Gmail's and Zimbra's vacation responders,
// localised subjects). They are not bounces: Kind "autoreply" and reason
// "vacation". A message that also looks like a bounce (from a mailer
// daemon, with a delivery-status part) is read as a bounce instead.
func init() {
	register(1, &family{id: "autoreply", test: autoReplyOnly, read: readAutoReply})
}

var autoReplySubjectRE = lazyre.New(`(?i)^(?:auto(?:matic)?[ -]?(?:reply|response)|auto:|out of (?:the )?office|autoreply|abwesenheit|automatische antwort|r[ée]ponse automatique|absence|risposta automatica|respuesta autom[áa]tica|resposta autom[áa]tica|fuera de la oficina|自動応答|自動返信|不在)`)

// autoReply recognises RFC 3834 automatic replies.
func autoReply(m *message) bool {
	if m.looksLikeBounce() {
		return false
	}
	as := m.lowHeader("Auto-Submitted")
	return strings.HasPrefix(as, "auto-replied") || m.header.Has("X-Autoreply") || m.header.Has("X-Autorespond") ||
		strings.EqualFold(m.headerText("Precedence"), "auto_reply") || autoReplySubjectRE().MatchString(m.headerText("Subject"))
}

// autoReplyOnly is autoReply for messages without any delivery report.
func autoReplyOnly(m *message) bool { return len(m.dsn) == 0 && autoReply(m) }

func readAutoReply(m *message) *parsed {
	return &parsed{kind: KindAutoReply, facts: autoReplyFacts(m)}
}

func autoReplyFacts(m *message) []Fact {
	addrs := addressList(m.headerText("From"))
	if len(addrs) == 0 {
		addrs = []string{""}
	}
	return []Fact{{Address: addrs[0], Reason: "vacation", Diagnostic: firstLine(m.reportText())}}
}
