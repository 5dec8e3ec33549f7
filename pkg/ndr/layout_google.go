package ndr

import "strings"

// Gmail and Google Workspace. Bounces come from "Mail Delivery Subsystem
// <mailer-daemon@googlemail.com>" with Subject "Delivery Status
// Notification (Failure)" or "(Delay)". The current text says "Your message
// wasn't delivered to <addr> because ..." or "There was a temporary problem
// delivering your message to <addr>. Gmail will retry for N more hours.";
// older ones "Delivery to the following recipient failed permanently:" and
// "Technical details of permanent failure:", with Google's stage code
// "(state N)"; DNS failures read "DNS Error: ... DNS type 'mx' lookup of
// <domain> responded with code NXDOMAIN". The remote reply ends in
// "- gsmtp" and Google's own refusals link support.google.com/mail/?p=<Token>
// (the "Gmail SMTP errors and codes" article, support.google.com/a/answer/
// 3726730, lists them).
func init() {
	register(40, &family{id: "gmail", m: markers{
		from:    []string{"@googlemail.com", "@google.com", "@gmail.com"},
		subject: []string{"delivery status notification", "delivery failure", "undeliverable"},
		body: []string{"google tried to deliver your message", "your message wasn't delivered to", "delivery to the following recipient failed",
			"delivery to the following recipient has been delayed", "there was a temporary problem delivering your message",
			"there was a problem delivering your message", "technical details of permanent failure", "technical details of temporary failure"},
	}, read: func(m *message) *parsed { return scraped(m, nil) }})
}

// Google Groups refuses posts to groups that do not exist or that the
// sender may not post to, from the same mailer-daemon; the text names the
// group ("the group you tried to contact (<name>) may not exist, or you may
// not have permission to post messages to the group") in the sender's
// language, and links support.google.com/a/answer/... for Groups.
func init() {
	register(12, &family{id: "google-groups", m: markers{
		body: []string{"google groups", "googlegroups.com", "the group you tried to contact"},
	}, test: func(m *message) bool {
		f := familyByName("google-groups")
		return containsAny(m.lowHeader("From"), []string{"google"}) && f.m.match(m, f.index)
	}, read: func(m *message) *parsed {
		return scraped(m, func(f *Fact, _ *message) { f.Reason = "rejected" })
	}})
}

// Yahoo Mail and AOL (Yahoo Inc.). Bounces come from
// MAILER-DAEMON@yahoo.com (or aol.com) with Subject "Failure Notice" and
// text "Sorry, we were unable to deliver your message to the following
// address.", "<addr>:", "Remote host said: <reply> [RCPT_TO]" (the
// bracket names the stage). Yahoo's own replies carry bracketed codes
// ([TSS04], [BL21], [PH01]) listed at senders.yahooinc.com/smtp-error-codes.
// Older AOL bounces say "This Message was undeliverable due to the
// following reason:".
func init() {
	register(41, &family{id: "yahoo", m: markers{
		from:    []string{"@yahoo.", "@aol.", "@yahoo-inc.", "@yahoodns."},
		subject: []string{"failure notice", "undeliverable", "delivery status"},
		body:    []string{"sorry, we were unable to deliver your message to the following address", "remote host said:"},
	}, test: func(m *message) bool {
		f := familyByName("yahoo")
		if f.m.match(m, f.index) && containsAny(m.lowHeader("From"), f.m.from) {
			return true
		}
		m.prepare()
		return strings.Contains(m.lowHead, "sorry, we were unable to deliver your message to the following address")
	}, read: func(m *message) *parsed { return scraped(m, nil) }})
}
