package mtasts

import "github.com/mailflowkit/mailflow/pkg/report"

func init() {
	report.Register(
		report.Check{ID: "mtasts.record", Passes: true, Ref: "RFC 8461 §3.1", Replaces: []string{"mx.mta_sts"},
			Fix: "Publish exactly one TXT record \"v=STSv1; id=<1-32 letters and digits>\" at _mta-sts.<domain>, and change the id whenever the policy changes."},
		report.Check{ID: "mtasts.fetch", Passes: true, Ref: "RFC 8461 §3.3",
			Fix: "Serve the policy at https://mta-sts.<domain>/.well-known/mta-sts.txt with HTTP 200, a certificate valid for mta-sts.<domain> from a public CA, no redirect, and Content-Type: text/plain."},
		report.Check{ID: "mtasts.policy", Passes: true, Ref: "RFC 8461 §3.2",
			Fix: "Write the policy as lines of \"field: value\": version: STSv1, mode: enforce|testing|none, max_age: <seconds, at most 31557600>, and one mx: line per MX host or *.pattern."},
		report.Check{ID: "mtasts.mode", Passes: true, Ref: "RFC 8461 §5",
			Fix: "Run testing mode with a TLS-RPT record until the reports show no failures, then switch to mode: enforce (and change the id)."},
		report.Check{ID: "mtasts.max_age", Ref: "RFC 8461 §3.2",
			Fix: "Raise max_age to weeks (604800 is one week; 31557600, a year, is the most) once the policy is stable."},
		report.Check{ID: "mtasts.id", Passes: true, Ref: "RFC 8461 §3.1",
			Fix: "Change the id in the _mta-sts TXT record whenever the policy file changes (a time stamp such as 20260101T120000 is the usual choice)."},
		report.Check{ID: "mtasts.mx_match", Passes: true, Ref: "RFC 8461 §4.1",
			Fix: "Add an mx: line for every MX host (or a *.<parent> pattern that covers it) to the policy, then change the id in the _mta-sts record so senders refetch it."},
		report.Check{ID: "mtasts.mx_tls", Passes: true, Ref: "RFC 8461 §4.2",
			Fix: "Offer STARTTLS on every MX with a certificate from a public CA that names the MX host itself (not only the domain) and is within its validity."},
	)
}
