// Package dnsbl checks IP addresses, host names and domains against DNS
// block lists and allow-lists (DNSBL, RHSBL, DNSWL) with each list's real
// semantics.
//
// A list is a DNS zone. An address is looked up as its reversed octets
// (IPv4) or 32 reversed nibbles (IPv6, RFC 5782 §2.4) under the zone, a
// domain as it is; the A records give the verdict and the TXT records the
// reason. Every zone is queried in parallel, TXT only where the A answer
// was a listing (Options.TXT), so a clean target costs one query per list
// and a listed one a round trip more. What an answer means depends on the
// list: some count any answer as a listing, some only certain codes, and
// some encode several sub-lists as bits of the last octet. Some answers are not listings at all but the list refusing to
// serve us (Spamhaus 127.255.255.254, URIBL 127.0.0.1, DNSWL 127.0.0.255);
// those make the check incomplete, never "listed" and never "clean". Answers
// outside 127.0.0.0/8 are ignored and reported, since they come from
// resolvers that rewrite NXDOMAIN or from lapsed list domains.
//
// The package carries a catalog of well-known lists with their codes,
// parses user-defined list rules (--zone specs and a YAML zones file) that
// mirror MTA settings such as Exchange's BitmaskMatch, Postfix's
// reject_rbl_client patterns or SpamAssassin subtests, checks lists' health
// with the RFC 5782 test entries, and runs bulk checks over streamed target
// lists with bounded concurrency, a query rate limit and memory that does
// not grow with the list.
//
// It does not resolve anything itself (it uses pkg/resolver), does not
// reduce host names to registered domains (there is no public suffix list
// here: domain lists are asked about the name as given), and does not
// request delisting from anyone.
package dnsbl
