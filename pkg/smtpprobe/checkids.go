package smtpprobe

import "github.com/mailflowkit/mailflow/pkg/report"

// The checks a probe reports. Fixes depend on what was seen, so most are
// written where the finding is made.
func init() {
	pass := func(id, ref string, replaces ...string) report.Check {
		return report.Check{ID: id, Passes: true, Ref: ref, Replaces: replaces}
	}
	fail := func(id, ref string, replaces ...string) report.Check {
		return report.Check{ID: id, Ref: ref, Replaces: replaces}
	}
	report.Register(
		pass("smtp.banner", "RFC 5321 §4.2"),
		pass("smtp.greet_delay", "RFC 5321 §4.5.3.2"),
		pass("smtp.ehlo_name", "RFC 5321 §4.1.4", "smtp.ehlo_name_mismatch"),
		pass("smtp.starttls", "RFC 3207", "smtp.starttls_missing"),
		pass("smtp.auth_tls_only", "RFC 4954 §4; RFC 8314", "smtp.auth_before_tls"),
		pass("smtp.auth", "RFC 4954", "smtp.auth_failed"),
		pass("smtp.vrfy", "RFC 5321 §3.5"),
		pass("smtp.expectation", ""),
		pass("smtp.tls_version", "RFC 8996"),
		pass("smtp.cert_name", "RFC 6125; RFC 7672 §3.2.3", "smtp.cert_name_mismatch"),
		pass("smtp.cert_expiry", "RFC 5280 §4.1.2.5", "smtp.cert_expired", "smtp.cert_expiring"),
		pass("smtp.cert_trust", "RFC 5280 §6", "smtp.cert_untrusted", "smtp.cert_self_signed"),
		pass("smtp.relay", "RFC 5321 §3.6; RFC 2505", "smtp.open_relay"),
		fail("smtp.connect", "RFC 5321 §3.1"),
		fail("smtp.timeout", "RFC 5321 §4.5.3.2"),
		fail("smtp.protocol", "RFC 5321 §4.2"),
		fail("smtp.options", ""),
		fail("smtp.rejected", "RFC 5321 §4.2.2; RFC 3463"),
		fail("smtp.resolve", "RFC 5321 §5.1"),
		fail("smtp.size", "RFC 1870"),
		fail("smtp.extension", "RFC 5321 §2.2", "smtp.ext_missing"),
		fail("smtp.tls_handshake", "RFC 3207; RFC 8446", "smtp.tls_failed"),
	)
}
