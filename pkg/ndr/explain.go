package ndr

import (
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/ndr/reason"
	"github.com/mailflowkit/mailflow/pkg/statuscode"
)

// Explanation tells a reader what a recipient's failure means and what to
// do about it.
type Explanation struct {
	// Code is the code explained: the enhanced status, else the reply code.
	Code  string `json:"code,omitempty"`
	Title string `json:"title,omitempty"`
	// Meaning is what the code (or the provider's wording) means.
	Meaning string `json:"meaning,omitempty"`
	// Reason says what the bounce reason means for this message.
	Reason string `json:"reason"`
	// Causes are likely causes in this context, most likely first.
	Causes []string `json:"causes,omitempty"`
	// Checks are what to check and fix.
	Checks  []string `json:"checks,omitempty"`
	Sources []string `json:"sources,omitempty"`
}

// reasonNote is our own summary of a bounce reason: what it means, and the
// first thing to check.
type reasonNote struct{ means, check string }

var reasonNotes = map[string]reasonNote{
	"authfailure":     {"The receiving side rejected the message because SPF, DKIM or DMARC checks failed for the sending domain.", "Check that the sending IP is in the domain's SPF record, that outgoing mail is DKIM-signed with a published key, and that the From domain aligns with them under its DMARC policy."},
	"badreputation":   {"The receiving side refused mail because the sending IP or domain has a poor reputation.", "Look up the sending IP and domain in the provider's postmaster tools and public block lists; reduce complaint and bounce rates before sending again."},
	"blocked":         {"The receiving server refused the connection or the sender because of the sending host: its IP address, block-list entry, host name or HELO.", "Check whether the sending IP is on a DNS block list, whether it has matching forward and reverse DNS, and whether the receiver asks you to relay through your provider."},
	"contenterror":    {"The message content or its headers could not be accepted or converted.", "Check the raw message for malformed MIME structure, 8-bit data in headers, oversized headers or an unusual content type."},
	"delivered":       {"The message was delivered; this is a success notification, not a failure.", "Nothing to fix. If such reports are unwanted, stop requesting delivery notifications (NOTIFY=SUCCESS)."},
	"exceedlimit":     {"The message is larger than the recipient's own size limit.", "Send a smaller message, or share large files by link instead of attaching them."},
	"expired":         {"The sending server kept retrying until the message's time in the queue ran out.", "Find why earlier attempts failed (unreachable MX, timeouts, temporary rejections) in the sending server's logs; the last error names the real problem."},
	"failedstarttls":  {"Delivery failed because a TLS connection could not be set up or was required and not offered.", "Check that both sides support STARTTLS with compatible protocol versions and ciphers, and that certificates match the host names in use."},
	"feedback":        {"A mailbox provider forwarded a recipient's spam complaint (feedback loop report).", "Remove the complaining recipient from the list and review why the mail was unwanted: consent, frequency, content."},
	"filtered":        {"The recipient's mailbox or its filtering refused the message after it was transferred, or refused mail from this sender.", "Ask the recipient whether they block the sender or domain; check the address and the content that may trigger their filter."},
	"hasmoved":        {"The recipient's address is no longer in use and the mail system gives no forwarding address.", "Remove or update the address; ask the recipient for the new one."},
	"hostunknown":     {"The domain of the recipient address does not exist or cannot receive mail.", "Check the domain for typos and look up its MX and A records; the domain may have expired."},
	"mailboxfull":     {"The recipient's mailbox is over its storage quota.", "Nothing is wrong on the sending side; retry later or contact the recipient another way."},
	"mailererror":     {"A local delivery program on the receiving host (a pipe, procmail, a script) failed.", "The receiving administrator should check the delivery program and its logs; the exit status in the report says how it failed."},
	"mesgtoobig":      {"The message is larger than the receiving system accepts.", "Reduce the message size (attachments grow by about a third when encoded) or share files by link."},
	"networkerror":    {"A network or DNS problem, or a routing loop, stopped delivery.", "Check name resolution of the recipient domain from the sending host and look for MX records that point back to the sender."},
	"norelaying":      {"The server you connected to does not relay mail for this recipient domain.", "Check that mail goes to the recipient domain's own MX, or authenticate to your smart host before relaying through it."},
	"notaccept":       {"The recipient domain does not accept email at all (a null MX or no mail server).", "Verify the address; the domain has declared it receives no mail, so retrying will not help."},
	"notcompliantrfc": {"The message does not follow the Internet Message Format (RFC 5322), for example duplicate headers.", "Fix the sending software so each header appears once and the message is well-formed."},
	"onhold":          {"The report does not say enough to tell the reason.", "Read the diagnostic text and the remote server's reply; contact the receiving postmaster if it is still unclear."},
	"policyviolation": {"The receiving side's policy refused the message (content, attachments, list membership or local rules).", "Read the rejection text for the specific rule; adjust the content or ask the receiving administrator for an exception."},
	"rejected":        {"The receiving server refused the envelope sender (MAIL FROM) or the sending domain.", "Check that the sender address and its domain exist, resolve and are allowed to send; look for the sender on the receiver's block lists."},
	"requireptr":      {"The receiving server requires the sending IP to have valid reverse DNS.", "Give the sending IP a PTR record whose name resolves back to the same IP."},
	"securityerror":   {"A security or authorisation check failed: authentication, access rights or an encryption requirement.", "Check SMTP authentication settings, the permissions for sending to this recipient, and any TLS requirements."},
	"spamdetected":    {"The receiving side's content filter judged the message to be spam.", "Review content, links and sending reputation; check authentication (SPF, DKIM, DMARC) and list hygiene."},
	"speeding":        {"The receiving side is rate-limiting the sender.", "Slow down: lower the sending rate or concurrency to this provider and retry later."},
	"suppressed":      {"The sending service did not try: the address is on the account's suppression list after an earlier hard bounce or complaint.", "Check why the address was suppressed (the earlier bounce or complaint) and remove it from the list only if it is valid again."},
	"suspend":         {"The recipient's mailbox exists but is disabled or suspended.", "Contact the recipient another way; remove the address if it stays disabled."},
	"syntaxerror":     {"The receiving server did not understand a command or its parameters.", "Check the sending MTA's SMTP implementation and any proxy or firewall that rewrites the conversation."},
	"systemerror":     {"The receiving system has an internal or configuration problem, or delivery would loop.", "The receiving administrator should check the server; if the domain is yours, check MX records and connectors for loops."},
	"systemfull":      {"The receiving system is out of disk space or resources.", "Nothing to fix on the sending side; retry later or tell the receiving administrator."},
	"toomanyconn":     {"The receiving side limits connections or recipients per message or per time.", "Open fewer simultaneous connections and send fewer recipients per message."},
	"undefined":       {"The report gives no reason at all.", "Check the sending server's logs for the delivery attempt."},
	"userunknown":     {"The recipient address does not exist at the receiving domain.", "Check the local part for typos and remove the address from lists if it keeps failing."},
	"vacation":        {"This is an automatic reply (out of office), not a delivery failure.", "Nothing to fix; the message was delivered."},
	"virusdetected":   {"The receiving side found malware or a dangerous attachment in the message.", "Scan the original message and its attachments; send the content another way if it is a false positive."},
}

// microsoftLayouts are the layouts of Microsoft's mail systems, whose
// bounces Microsoft's own meaning of a code applies to.
var microsoftLayouts = map[string]bool{"exchange2003": true, "exchange2007": true, "office365": true, "outlook": true}

// ReasonMeaning returns our one-sentence description of a reason.
func ReasonMeaning(reason string) string { return reasonNotes[reason].means }

// Annotate fills in the Explanation of every recipient of res.
func Annotate(res *Result) {
	ms := res.Kind == KindCode || microsoftLayouts[res.Layout] || reason.ProviderOf(res.ReportingMTA) == "microsoft"
	for i := range res.Recipients {
		r := &res.Recipients[i]
		r.Explanation = explain(*r, ms || reason.ProviderOf(r.RemoteMTA) == "microsoft" || len(statuscode.FindTokens(r.Diagnostic)) > 0)
	}
}

// microsoftOnly tells entries that describe what Exchange or Outlook.com
// mean by a code; for a bounce from another MTA they would mislead.
func microsoftOnly(e statuscode.Entry) bool {
	return strings.Contains(e.Source, "Exchange") || strings.Contains(e.Source, "Outlook.com")
}

// explain combines what the status code, reply code and diagnostic tokens
// mean (from package statuscode) with what the bounce reason means. Entries
// about Microsoft's own use of a code are kept only when the bounce comes
// from Exchange, Exchange Online or Outlook.com, or names no MTA at all (a
// bare code).
func explain(r Recipient, microsoft bool) *Explanation {
	enh, _ := statuscode.ParseEnhanced(r.Status)
	var entries []statuscode.Entry
	for _, e := range statuscode.Explain(enh, r.ReplyCode, r.Diagnostic) {
		if microsoft || !microsoftOnly(e) {
			entries = append(entries, e)
		}
	}
	note := reasonNotes[r.Reason]
	x := &Explanation{Code: r.Status, Reason: note.means}
	if x.Code == "" && r.ReplyCode != 0 {
		x.Code = strconv.Itoa(r.ReplyCode)
	}
	if len(entries) > 0 {
		x.Title = entries[0].Title
		x.Meaning = entries[0].Meaning
	}
	seen := map[string]bool{}
	add := func(list *[]string, items ...string) {
		for _, s := range items {
			if s != "" && !seen[s] {
				seen[s] = true
				*list = append(*list, s)
			}
		}
	}
	for _, e := range entries {
		add(&x.Causes, e.Causes...)
		add(&x.Checks, e.Fixes...)
		add(&x.Sources, e.Source)
	}
	add(&x.Checks, note.check)
	return x
}
