package spf

import "github.com/mailflowkit/mailflow/pkg/report"

func init() {
	report.Register(
		report.Check{ID: "spf.lookup_failed", Ref: "RFC 7208 §4.4",
			Fix: "Receivers treat a DNS failure here as a temporary error (temperror); make the domain's name servers answer."},
		report.Check{ID: "spf.missing", Ref: "RFC 7208 §4.5",
			Fix: "Publish one TXT record starting with v=spf1 that lists every host that sends as this domain, ending in -all or ~all; large receivers reject or junk unauthenticated mail."},
		report.Check{ID: "spf.include_no_record", Ref: "RFC 7208 §5.2",
			Fix: "Remove the include/redirect or correct the domain name; the provider's documentation names the right one."},
		report.Check{ID: "spf.multiple", Ref: "RFC 7208 §4.5",
			Fix: "Merge them into one record: combine the mechanisms and keep a single all at the end."},
		report.Check{ID: "spf.syntax", Ref: "RFC 7208 §4.6",
			Fix: "Correct the record; every term must be a known mechanism or name=value modifier."},
		report.Check{ID: "spf.all_pass", Ref: "RFC 7208 §5.1",
			Fix: "End the record with -all (or ~all while you confirm the list of senders); for an include that ends in +all, ask the provider for a narrower record or list its addresses with ip4/ip6."},
		report.Check{ID: "spf.all_neutral", Ref: "RFC 7208 §5.1", Fix: "End the record with -all or ~all."},
		report.Check{ID: "spf.no_all", Ref: "RFC 7208 §4.7", Fix: "End the record with -all or ~all."},
		report.Check{ID: "spf.ptr", Ref: "RFC 7208 §5.5",
			Fix: "Replace ptr with ip4/ip6 or a mechanisms for the sending hosts."},
		report.Check{ID: "spf.include_loop", Ref: "RFC 7208 §4.6.4, §5.2",
			Fix: "Remove the include or redirect that points back up the chain."},
		report.Check{ID: "spf.mx_names", Ref: "RFC 7208 §4.6.4",
			Fix: "List the sending hosts with ip4/ip6 instead of mx."},
		report.Check{ID: "spf.too_many_lookups", Ref: "RFC 7208 §4.6.4",
			Fix: "Remove includes you no longer use, replace a/mx with ip4/ip6, or ask providers for a narrower include; the evidence lists what each term costs."},
		report.Check{ID: "spf.void_lookups", Ref: "RFC 7208 §4.6.4",
			Fix: "Remove mechanisms that point at names without records."},
	)
}
