package reason

import (
	"strings"
)

// facts is an Input prepared for the rules: normalised text, the phrase
// categories it matched, the normalised stage and the reason the status
// code implies.
type facts struct {
	in     Input
	text   string
	cats   cats
	stage  string
	status string
	code   string // reason implied by the status code alone
	hosts  []string
}

func newCase(in Input) *facts {
	f := &facts{in: in, text: normalize(in.Text), stage: Stage(in.Stage), status: in.Status}
	for _, h := range in.Hosts {
		if h = strings.TrimSuffix(strings.ToLower(h), "."); h != "" {
			f.hosts = append(f.hosts, h)
		}
	}
	f.cats = match(f.text)
	f.code = statusReason(in.Status, in.Reply)
	return f
}

// temporary reports a failure the remote side or the reporting MTA calls
// temporary: a 4.x.x status, a 4xx reply, or "try again".
func (f *facts) temporary() bool {
	return strings.HasPrefix(f.status, "4.") || (f.in.Reply >= 400 && f.in.Reply < 500) || strings.Contains(f.text, "try again")
}

// beforeData lists the stages at which the message content has not been
// seen yet: a refusal there cannot be about spam, a virus or the headers.
var beforeData = map[string]bool{StageConnect: true, StageHelo: true, StageStartTLS: true, StageAuth: true, StageMail: true, StageRcpt: true}

// atSession lists the stages where the refusal is about the connecting
// host, before any address was given.
var atSession = map[string]bool{StageConnect: true, StageHelo: true}

// rule is one step of the ordered checks: a reason and the condition under
// which the facts establish it.
type rule struct {
	reason string
	when   func(f *facts) bool
}

func codeOrText(reason string) rule {
	return rule{reason, func(f *facts) bool { return f.code == reason || f.cats.has(reason) }}
}

func textOnly(reason string) rule {
	return rule{reason, func(f *facts) bool { return f.cats.has(reason) }}
}

// primary runs in order for SMTP replies (and reports without a
// diagnostic type): the conditions the remote server's words, its status
// code and the stage establish, most specific first. A mailbox that is full
// is full whatever code came with it; a "user unknown" is a missing mailbox
// at RCPT but the recipient's filter after DATA; a refusal at MAIL FROM is
// about the sender.
var primary = []rule{
	codeOrText("mailboxfull"),
	{"mesgtoobig", func(f *facts) bool {
		return f.code == "mesgtoobig" || (f.code != "exceedlimit" && f.cats.has("mesgtoobig"))
	}},
	codeOrText("exceedlimit"),
	{"suspend", func(f *facts) bool { return f.in.Reply == 525 || f.cats.has("suspend") }},
	codeOrText("hasmoved"),
	{"norelaying", func(f *facts) bool { return !atSession[f.stage] && f.cats.has("norelaying") }},
	codeOrText("authfailure"),
	{"userunknown", func(f *facts) bool {
		switch {
		case f.cats.has("directory"):
			return true
		case f.stage == StageMail:
			// An unknown mailbox named in reply to MAIL FROM is the
			// sender's.
			return false
		case f.code == "userunknown":
			return !f.cats.has("norelaying") && !f.cats.has("blocked") && !f.cats.has("mailboxfull") &&
				!f.cats.has("hasmoved") && !f.cats.has("notaccept") && !f.cats.has("rejected") && !f.cats.has("suspend")
		}
		return f.stage == StageRcpt && f.cats.has("userunknown")
	}},
	{"filtered", func(f *facts) bool {
		said := f.cats.has("userunknown") || f.cats.has("filtered")
		if f.code == "filtered" || f.code == "suspend" {
			return said
		}
		// An unknown-user reply not tied to RCPT and without an address
		// status: the recipient's system took the address and refused the
		// message afterwards, which is what a per-user filter does.
		return !beforeData[f.stage] && said
	}},
	codeOrText("requireptr"),
	textOnly("notcompliantrfc"),
	textOnly("badreputation"),
	{"contenterror", func(f *facts) bool {
		return (f.code == "contenterror" && !f.cats.has("spamdetected") && !f.cats.has("virusdetected")) || f.cats.has("contenterror")
	}},
	{"rejected", func(f *facts) bool {
		if f.code == "rejected" {
			return true
		}
		switch {
		case f.stage == StageMail:
		case f.stage == StageData && f.code != "userunknown":
		case f.code == "" || f.code == "securityerror" || f.code == "systemerror" || f.code == "onhold":
		default:
			return false
		}
		return f.cats.has("rejected")
	}},
	{"hostunknown", func(f *facts) bool {
		if f.stage == StageMail || f.cats.has("notaccept") {
			return false
		}
		// "Host not found, try again" is a temporary DNS failure, not a
		// domain that does not exist.
		if f.cats.has("networkerror") && f.temporary() {
			return false
		}
		return f.code == "hostunknown" || f.cats.has("hostunknown")
	}},
	{"spamdetected", func(f *facts) bool {
		return f.code == "spamdetected" || (!beforeData[f.stage] && f.cats.has("spamdetected"))
	}},
	textOnly("speeding"),
	codeOrText("toomanyconn"),
	codeOrText("blocked"),
}

// secondary runs when neither the code nor the primary checks decided: the
// reasons the text alone can still establish, in order of specificity.
var secondary = []string{
	"mailboxfull", "authfailure", "badreputation", "speeding", "spamdetected", "virusdetected",
	"policyviolation", "norelaying", "notaccept", "suppressed", "systemerror", "networkerror", "suspend",
	"contenterror", "systemfull", "expired", "failedstarttls", "securityerror", "mailererror", "blocked",
}

// smtpLike reports diagnostics that can quote a mail server's reply:
// everything but mailer (x-unix, x-local) and Notes diagnostics, which
// describe local programs instead. Vendors invent types of their own
// ("x-outbound-mail-relay") for SMTP replies too.
func smtpLike(t string) bool {
	return !strings.HasPrefix(t, "x-unix") && !strings.HasPrefix(t, "x-local") && !strings.HasPrefix(t, "x-notes")
}

// decide runs the rules and returns the reason and the rule that decided.
func (f *facts) decide() (string, string) {
	if f.in.Hint != "" && f.in.Hint != "undefined" && f.in.Hint != "onhold" {
		return f.in.Hint, "hint"
	}
	a := strings.ToLower(f.in.Action)
	if strings.HasPrefix(f.status, "2.") || a == "delivered" || a == "relayed" || a == "expanded" {
		return "delivered", "status " + f.status
	}
	if r, rule := providerReason(f); r != "" {
		return r, rule
	}
	if _, r := GmailState(f.text); r != "" && f.code == "" {
		// Gmail's stage code says what failed when the status does not.
		return r, "gmail state"
	}
	smtp := smtpLike(f.in.DiagType)
	if smtp {
		for _, r := range primary {
			if r.when(f) {
				return r.reason, "condition " + r.reason
			}
		}
		if !weakStatus[f.code] {
			return f.code, "status " + f.status
		}
	}
	for _, r := range secondary {
		if f.cats.has(r) {
			return r, "text " + r
		}
	}
	if f.code != "" {
		return f.code, "status " + f.status
	}
	return f.fallback()
}

// fallback decides from the shape of the failure when nothing in the text or
// the code names a cause: the status subject, the kind of diagnostic, the
// reply code, the action and the SMTP stage.
func (f *facts) fallback() (string, string) {
	subject := ""
	if len(f.status) >= 3 {
		subject = f.status[1:3]
	}
	switch {
	case subject == ".6":
		return "contenterror", "status subject 6"
	case subject == ".7":
		return "securityerror", "status subject 7"
	case f.in.DiagType == "x-unix":
		return "mailererror", "diagnostic type x-unix"
	case f.cats.has("syntaxerror") || (f.in.Reply > 499 && f.in.Reply < 505) || (f.in.Reply > 399 && f.in.Reply < 405):
		return "syntaxerror", "reply code"
	case strings.EqualFold(f.in.Action, "delayed") || (f.in.Action == "" && f.cats.has("retry") && (strings.HasPrefix(f.status, "4.") || (f.in.Reply >= 400 && f.in.Reply < 500))):
		return "expired", "delayed"
	case atSession[f.stage]:
		return "blocked", "stage " + f.stage
	case f.stage == StageMail:
		return "rejected", "stage " + f.stage
	case f.cats.has("vacation"):
		return "vacation", "text vacation"
	case f.text != "":
		return "onhold", "unclassified text"
	}
	return "undefined", "no facts"
}
