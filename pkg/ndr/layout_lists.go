package ndr

import "strings"

// fml (fml.org), the mailing-list manager of the Japanese mailing-list
// world. Its error mails come from <list>-admin@<domain> with an
// X-MLServer header ("fml [fml 4.0 ...]") and a Message-ID ending in
// ".FML"; the text names the list address in angle brackets and the cause:
// "You are not a member of this mailing list <list>." (Subject "NOT MEMBER
// article from <sender>"), "reject mail from ..." / "Spam mail from a
// spammer is rejected", "Duplicated Message-ID", "Loop Alert:" / "Loop
// Back Warning:", "Security alert:". The recipient is the list.
func init() {
	register(10, &family{id: "fml", test: func(m *message) bool {
		return m.header.Has("X-Mlserver") && strings.Contains(m.lowHeader("From"), "-admin@")
	}, read: readFML})
}

var fmlHints = []phraseHint{
	{"not a member", "rejected"},
	{"not member", "rejected"},
	{"reject mail", "rejected"},
	{"reject spammers", "rejected"},
	{"spammer is rejected", "rejected"},
	{"duplicated message-id", "notcompliantrfc"},
	{"loop alert", "systemerror"},
	{"loop back warning", "systemerror"},
	{"detected a loop condition", "systemerror"},
	{"security alert", "securityerror"},
	{"fml system error", "systemerror"},
}

func readFML(m *message) *parsed {
	text := m.reportHead()
	var facts []Fact
	for _, l := range strings.Split(text, "\n") {
		if i, j := strings.IndexByte(l, '<'), strings.IndexByte(l, '>'); i >= 0 && j > i {
			if a := cleanAddress(l[i+1 : j]); a != "" {
				facts = append(facts, Fact{Address: a, Diagnostic: strings.TrimSpace(l)})
				break
			}
		}
	}
	if len(facts) == 0 {
		if a := addressList(m.headerText("From")); len(a) > 0 {
			facts = append(facts, Fact{Address: a[0], Diagnostic: m.headerText("Subject")})
		}
	}
	for i := range facts {
		facts[i].Reason = hintFrom(text+" "+m.headerText("Subject"), fmlHints)
		if facts[i].Reason == "" {
			facts[i].Reason = "rejected"
		}
	}
	return factsReport(facts)
}

// Mailing-list managers refusing a post: GNU Mailman ("You are not allowed
// to post to this mailing list, and your message has been automatically
// rejected", "Post by non-member to a members-only list"), Sympa ("You are
// not allowed to send messages to list", "Unknown list"), LISTSERV ("You
// are not authorized to send mail to the <list> list"), Majordomo and
// ezmlm ("This is the ezmlm program. I'm managing the <list> mailing list.
// ... I'm sorry, I can't accept your message; only subscribers may
// post"). The bounce comes from the list's owner or bounce address and
// names the list; the reason is "rejected": the sender may not post.
func init() {
	register(11, &family{id: "mailinglist", m: markers{
		headers: []string{"X-Mailman-Version", "X-Sympa-To", "X-Listserver", "Mailing-List"},
		body: []string{"you are not allowed to post to this mailing list", "post by non-member to a members-only list",
			"you are not allowed to send messages to list", "you are not authorized to send mail to the", "this is the ezmlm program",
			"only subscribers may post", "your message has been automatically rejected"},
	}, test: func(m *message) bool {
		f := familyByName("mailinglist")
		m.prepare()
		// List headers alone mark any list traffic; require a refusal.
		return f.m.match(m, f.index) && containsAny(m.lowHead, f.m.body)
	}, read: readListRefusal})
}

func readListRefusal(m *message) *parsed {
	head := m.reportHead()
	// The list's posting address: List-Post (RFC 2369), else an address
	// the refusal names, else the list's own sender address.
	addrs := addressList(m.headerText("List-Post"))
	if len(addrs) == 0 {
		for _, l := range strings.Split(head, "\n") {
			if a := addressList(l); len(a) > 0 {
				addrs = a
				break
			}
		}
	}
	if len(addrs) == 0 {
		addrs = addressList(m.headerText("From"))
	}
	if len(addrs) == 0 {
		return nil
	}
	return factsReport([]Fact{{Address: addrs[0], Reason: "rejected", Diagnostic: firstLine(head)}})
}
