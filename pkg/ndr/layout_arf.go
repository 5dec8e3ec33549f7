package ndr

import "strings"

// ARF complaint reports (RFC 5965, and RFC 6650 for their use in feedback
// loops): a multipart/report with report-type=feedback-report whose
// message/feedback-report part carries Feedback-Type, User-Agent, Version
// and, naming the complaining recipient, Original-Rcpt-To or
// Removal-Recipient. Yahoo, AOL, Microsoft JMRP, Comcast, Rackspace and
// others send them. They are complaints, not bounces: Kind "feedback" and
// reason "feedback". Some feedback loops bend the format: the report fields
// arrive in a text/plain part of a report-type=feedback-report message, or
// in the body of a plain message ("Feedback-Type: abuse"), and Microsoft's
// JMRP names the complaining recipient in the returned message's
// X-HmXmrOriginalRecipient header.
func init() {
	register(0, &family{id: "arf", test: func(m *message) bool { return feedbackText(m) != "" }, read: readARF})
}

// feedbackText returns the report fields: the feedback-report parts, or a
// text part that holds them when the message says it is a feedback report
// or the fields open a line of their own next to User-Agent or Version.
func feedbackText(m *message) string {
	if len(m.feedback) > 0 {
		return strings.Join(m.feedback, "\n\n")
	}
	report := strings.Contains(strings.ToLower(m.header.Get("Content-Type")), "feedback-report")
	for _, t := range m.texts {
		head := t[:min(len(t), maxMarkerBytes)]
		i := indexFold(head, "feedback-type:")
		if i < 0 || (i > 0 && head[i-1] != '\n') {
			continue
		}
		if report || indexFold(head, "\nuser-agent:") >= 0 || indexFold(head, "\nversion:") >= 0 {
			return t[i:]
		}
	}
	return ""
}

func readARF(m *message) *parsed {
	blocks := parseFieldBlocks(feedbackText(m), false)
	fb := fieldBlock{}
	for _, b := range blocks {
		for k, v := range b {
			if _, ok := fb[k]; !ok {
				fb[k] = v
			}
		}
	}
	addrs := addressList(fb.get("original-rcpt-to") + " " + fb.get("removal-recipient"))
	if len(addrs) == 0 {
		addrs = addressList(returnedHeader(m, "X-HmXmrOriginalRecipient"))
	}
	if o := m.originalHeaders(); len(addrs) == 0 && o != nil {
		addrs = addressList(o.To)
	}
	if len(addrs) == 0 {
		addrs = []string{""}
	}
	r := &parsed{kind: KindFeedback, reportingMTA: typedValue(fb.get("reporting-mta"))}
	for _, a := range addrs {
		r.facts = append(r.facts, Fact{
			Address:      a,
			Reason:       "feedback",
			FeedbackType: strings.ToLower(fb.get("feedback-type")),
			Diagnostic:   strings.TrimSpace(firstLine(m.reportText())),
			RemoteMTA:    r.reportingMTA,
		})
	}
	return r
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return ""
}
