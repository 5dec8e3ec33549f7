package ndr

import "github.com/mailflowkit/mailflow/pkg/report"

func init() {
	report.Register(
		report.Check{ID: "ndr.not_bounce", Ref: "RFC 3464; RFC 3834", Fix: "nothing to explain: pass the bounce (non-delivery report) itself"},
		report.Check{ID: "ndr.unparsed", Ref: "RFC 3464", Fix: "check that the input is a bounce message, an NDR text or an mbox"},
		truncatedCheck,
	)
}

// truncatedCheck is the finding for an input that a size limit stopped
// before its end; Result.Truncated says which limit and how much was left.
var truncatedCheck = report.Check{ID: "ndr.input_truncated", Ref: "docs/ndr.md (Limits)",
	Fix: "raise the input limit with --max-input (it bounds one file, one stdin, one mbox message), or split the input"}
