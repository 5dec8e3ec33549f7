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
	fixed := func(c report.Check, fix string) report.Check {
		c.Fix = fix
		return c
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
		fixed(pass("dane.tlsa", "RFC 7672 §2.2, §3.1; RFC 7671 §5"), "publish TLSA records that match the certificate the server presents, in a DNSSEC-signed zone"),
		fixed(fail("dane.unusable_usage", "RFC 7672 §3.1.3"), "publish DANE-EE (3 1 1) or DANE-TA (2 1 1) records; PKIX-TA and PKIX-EE are not used for SMTP"),
		fixed(pass("tls.versions", "NCSC-NL TLS guidelines v2.1; RFC 8996"), "offer TLS 1.3 and 1.2 only"),
		fixed(pass("tls.ciphers", "NCSC-NL TLS guidelines v2.1; RFC 7465"), "disable RC4 and 3DES; prefer AES-GCM and ChaCha20-Poly1305"),
		fixed(pass("tls.key_exchange", "NCSC-NL TLS guidelines v2.1"), "allow only ECDHE key exchange"),
		fixed(pass("tls.cert_key", "NCSC-NL TLS guidelines v2.1"), "use an ECDSA P-256 key or RSA of at least 3072 bits"),
		fixed(pass("tls.cert_signature", "NCSC-NL TLS guidelines v2.1; RFC 6194"), "reissue certificates signed with SHA-256 or better"),
		fixed(pass("dane.rollover", "RFC 7671 §8.1"), "publish the next key's TLSA record beside the current one before changing keys"),
	)
}
