package dmarc

import "github.com/mailflowkit/mailflow/pkg/report"

func init() {
	report.Register(
		report.Check{ID: "dmarc.lookup_failed", Ref: "RFC 7489 §6.6.3",
			Fix: "Receivers treat a DNS failure at _dmarc as a temporary error; make the domain's name servers answer."},
		report.Check{ID: "dmarc.missing", Ref: "RFC 7489 §6.1",
			Fix: "Publish a TXT record at _dmarc.<domain>, starting with v=DMARC1; p=none; rua=mailto:... to collect reports, then tighten to quarantine or reject; bulk senders must publish one for the large mailbox providers."},
		report.Check{ID: "dmarc.multiple", Ref: "RFC 7489 §6.6.3", Fix: "Keep exactly one record."},
		report.Check{ID: "dmarc.syntax", Ref: "RFC 7489 §6.3, §6.4",
			Fix: "Correct the record: v=DMARC1 first, then p=none|quarantine|reject, then optional tags."},
		report.Check{ID: "dmarc.policy_none", Ref: "RFC 7489 §6.3",
			Fix: "Once reports show every legitimate source passing, move to p=quarantine and then p=reject."},
		report.Check{ID: "dmarc.partial", Ref: "RFC 7489 §6.3 (pct)",
			Fix: "Raise pct= step by step to 100 (or drop the tag) once the reports show legitimate mail passing."},
		report.Check{ID: "dmarc.inherited", Ref: "RFC 7489 §6.6.3; RFC 9091",
			Fix: "Nothing to fix if the organizational domain's subdomain policy (sp=) is what this domain should get; publish _dmarc.<domain> to give it its own policy and reports."},
		report.Check{ID: "dmarc.subdomain_policy", Ref: "RFC 7489 §6.3 (sp); RFC 9091 §4.1 (np)",
			Fix: "Set sp= (and np=) to the same strength as p= unless a subdomain still sends unauthenticated mail; np=reject is safe for names that do not exist."},
		report.Check{ID: "dmarc.strict_alignment", Ref: "RFC 7489 §3.1",
			Fix: "Keep strict alignment only if every sender signs and bounces with exactly the From domain; relaxed alignment (the default) accepts subdomains of the same organizational domain."},
		report.Check{ID: "dmarc.unknown_tag", Ref: "RFC 7489 §6.3",
			Fix: "Remove the tag or correct its spelling (known tags: v, p, sp, np, pct, adkim, aspf, rua, ruf, fo, rf, ri)."},
		report.Check{ID: "dmarc.no_rua", Ref: "RFC 7489 §6.2 (rua)",
			Fix: "Add rua=mailto:<address> to receive daily aggregate reports of who sends as your domain."},
		report.Check{ID: "dmarc.report_auth", Passes: true, Ref: "RFC 7489 §7.1",
			Fix: "Ask the operator of the report address to publish \"v=DMARC1\" at <your domain>._report._dmarc.<their domain> (report services document this), or send reports to an address in your own domain."},
	)
}
