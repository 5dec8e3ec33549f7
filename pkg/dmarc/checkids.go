package dmarc

import "github.com/mailflowkit/mailflow/pkg/report"

func init() {
	for _, id := range []string{"dmarc.lookup_failed", "dmarc.missing", "dmarc.multiple", "dmarc.syntax",
		"dmarc.policy_none", "dmarc.partial"} {
		report.Register(report.Check{ID: id, Ref: "RFC 7489"})
	}
}
