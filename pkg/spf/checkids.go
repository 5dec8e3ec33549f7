package spf

import "github.com/mailflowkit/mailflow/pkg/report"

func init() {
	for _, id := range []string{"spf.lookup_failed", "spf.missing", "spf.include_no_record", "spf.multiple",
		"spf.syntax", "spf.all_pass", "spf.all_neutral", "spf.no_all", "spf.ptr", "spf.mx_names",
		"spf.too_many_lookups", "spf.void_lookups"} {
		report.Register(report.Check{ID: id, Ref: "RFC 7208"})
	}
}
