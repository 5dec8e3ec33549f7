package dnsbl

import "github.com/mailflowkit/mailflow/pkg/report"

// The checks a block-list run reports; each finding carries the fix that
// fits the list and the answer.
func init() {
	for _, id := range []string{"dnsbl.clean", "dnsbl.selftest.ok"} {
		report.Register(report.Check{ID: id, Passes: true, Ref: "RFC 5782"})
	}
	for _, id := range []string{"dnsbl.listed", "dnsbl.allowlisted", "dnsbl.bitmask_semantics",
		"dnsbl.bogus_answer", "dnsbl.code_not_matched", "dnsbl.dead_list", "dnsbl.lookup_failed",
		"dnsbl.no_address", "dnsbl.nothing_to_check", "dnsbl.query_failed", "dnsbl.query_refused",
		"dnsbl.too_many_addresses", "dnsbl.selftest.bogus_answers", "dnsbl.selftest.down",
		"dnsbl.selftest.lists_everything", "dnsbl.selftest.no_test_entry", "dnsbl.selftest.refused"} {
		report.Register(report.Check{ID: id, Ref: "RFC 5782"})
	}
}
