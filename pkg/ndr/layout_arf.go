package ndr

import "strings"

// ARF complaint reports (RFC 5965, and RFC 6650 for their use in feedback
// loops): a multipart/report with report-type=feedback-report whose
// message/feedback-report part carries Feedback-Type, User-Agent, Version
// and, naming the complaining recipient, Original-Rcpt-To or
// Removal-Recipient. Yahoo, AOL, Microsoft JMRP, Comcast, Rackspace and
// others send them. They are complaints, not bounces: Kind "feedback" and
// reason "feedback".
func init() {
	register(0, &family{id: "arf", test: func(m *message) bool { return len(m.feedback) > 0 }, read: readARF})
}

func readARF(m *message) *parsed {
	blocks := parseFieldBlocks(strings.Join(m.feedback, "\n\n"), false)
	fb := fieldBlock{}
	for _, b := range blocks {
		for k, v := range b {
			if _, ok := fb[k]; !ok {
				fb[k] = v
			}
		}
	}
	addrs := addressList(fb.get("original-rcpt-to") + " " + fb.get("removal-recipient"))
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
