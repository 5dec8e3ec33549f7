package ndr

import "github.com/mailflowkit/mailflow/pkg/report"

func init() {
	report.Register(
		report.Check{ID: "ndr.not_bounce", Ref: "RFC 3464; RFC 3834", Fix: "nothing to explain: pass the bounce (non-delivery report) itself"},
		report.Check{ID: "ndr.unparsed", Ref: "RFC 3464", Fix: "check that the input is a bounce message, an NDR text or an mbox"},
	)
}
