// Package peers hands integration tests the loopback addresses of the real
// servers scripts/peers/up.sh starts: nsd (authoritative DNS for the
// scripts/peers/zones files and the DNSSEC zones of scripts/peers/dnssec),
// unbound (validating those), rbldnsd (the DNSBL datasets in
// scripts/peers/rbl) and three Postfix instances, "good" (AUTH only after
// STARTTLS, relaying only for authenticated clients), "bad" (AUTH in
// plaintext, open relay from loopback) and "relay" (delivers to a test's
// own SMTP server and returns what it refuses as real Postfix bounces).
//
// Everything except this comment builds only with the integration tag:
// integration tests declare //go:build integration and call Get. The package
// does not start or stop servers; scripts/test.sh does, and exports their
// addresses in the MAILFLOW_IT_* environment variables Get reads.
package peers
